"""Kindergarten places (积分入园): the child's age check, applying on the portal, places per kindergarten,
and Haining bringing the program in after its start date."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import marshmallow as ma
import pytest
from sqlalchemy import select

from jifen import references
from jifen import clock

from jifen.points import family

from jifen.programs import rounds as programs

from jifen.ranking import runs as ranking
from jifen.identity.national_id import check_digit
from jifen.models import Application, ProgramApplication, ProgramRound, RankingResult, User
from jifen.programs.rounds import ApplicantContext, Child
from jifen.county.tenancy import require_tenant
from jifen.county.folders import read_spec
from tests.ledger_helpers import declare_spouses
from jifen_plugins.kindergarten import PROGRAM, KindergartenApplication, KindergartenSettings, check

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = KindergartenSettings().load({})
MAY_2027 = date(2027, 5, 1)  # applying in May: ages count on 31 August 2027
WEITANG, XITANG = "魏塘幼儿园", "西塘幼儿园"


def id_number(born: str, serial: int = 2) -> str:
    first17 = f"330421{born}{serial:03d}"
    return first17 + check_digit(first17)


def applicant_with(*children: tuple[str, date], as_of: date = MAY_2027) -> ApplicantContext:
    return ApplicantContext(user_id=1, town=None, as_of=as_of,
                            children=tuple(Child(n, name, born) for n, (name, born) in enumerate(children)))


# --- Eligibility and fields -----------------------------------------------------------------------


def test_a_child_of_three_to_five_on_31_august_is_eligible_by_default():
    assert (DEFAULTS["min_child_age"], DEFAULTS["max_child_age"]) == (3, 5)
    fields = {"child_name": "小红", "kindergarten": WEITANG}
    assert check(fields, applicant_with(("小红", date(2024, 3, 10))), DEFAULTS) == []  # 3 on 31 Aug 2027
    assert check(fields, applicant_with(("小红", date(2022, 8, 31))), DEFAULTS) == []  # 5 that very day


@pytest.mark.parametrize("born, age", [(date(2024, 9, 15), 2), (date(2025, 1, 15), 2), (date(2021, 6, 1), 6)])
def test_a_child_of_the_wrong_age_is_refused_in_the_readers_language(app, born, age):
    problems = check({"child_name": "小红", "kindergarten": WEITANG}, applicant_with(("小红", born)), DEFAULTS)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert [str(p) for p in problems] == [f"The child must be 3-5 years old on 31 August 2027; 小红 will be {age}."]
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert [str(p) for p in problems] == [f"子女年龄须在 3–5 岁之间（2027年8月31日），小红 届时 {age} 岁。"]


def test_from_september_the_age_counts_on_31_august_of_next_year():
    born = date(2024, 10, 1)  # 2 on 31 August 2027, 3 on 31 August 2028
    child = ("小红", born)
    fields = {"child_name": "小红", "kindergarten": WEITANG}
    assert check(fields, applicant_with(child, as_of=date(2027, 8, 31)), DEFAULTS) != []
    assert check(fields, applicant_with(child, as_of=date(2027, 9, 1)), DEFAULTS) == []


def test_a_child_not_declared_in_the_family_is_refused_with_its_name(app):
    problems = check({"child_name": " 小刚 ", "kindergarten": WEITANG},
                     applicant_with(("小红", date(2024, 3, 10))), DEFAULTS)
    assert len(problems) == 1
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        assert str(problems[0]) == "“小刚”不是已登记的子女：请先在“家庭”页登记。"  # one language, never two


def test_the_county_sets_the_age_range_and_a_reversed_range_is_refused():
    older = KindergartenSettings().load({"min_child_age": 4, "max_child_age": 6})
    assert check({"child_name": "小红", "kindergarten": WEITANG}, applicant_with(("小红", date(2021, 6, 1))), older) == []
    with pytest.raises(ma.ValidationError, match="must not exceed"):
        KindergartenSettings().load({"min_child_age": 5, "max_child_age": 3})
    with pytest.raises(ma.ValidationError):
        KindergartenSettings().load({"max_child_age": 9})


def test_the_application_needs_a_child_and_a_kindergarten():
    with pytest.raises(ma.ValidationError) as refused:
        KindergartenApplication().load({"child_name": "小红"})
    assert set(refused.value.messages) == {"kindergarten"}
    assert KindergartenApplication().load({"child_name": "小红", "kindergarten": WEITANG})["kindergarten"] == WEITANG


def test_the_program_is_a_headcount_per_kindergarten_with_the_school_rules():
    assert (PROGRAM.quota_mode, PROGRAM.sub_quota_by) == ("headcount", "kindergarten")
    assert PROGRAM.tie_breaks == ("personal_quality", "social_insurance", "residence", "applied_at")
    assert (PROGRAM.family_rule, PROGRAM.offer_rule) == ("higher_ranked_parent", "decline_forfeits")


def test_both_demo_counties_enable_it_and_haining_from_a_later_date():
    jiashan = read_spec(ROOT / "tenants" / "jiashan").plugins["kindergarten"]
    haining = read_spec(ROOT / "tenants" / "haining").plugins["kindergarten"]
    assert jiashan["enabled"] and haining["enabled"]
    assert KindergartenSettings().load(jiashan.get("settings") or {})["start_on"] is None
    assert KindergartenSettings().load(haining["settings"])["start_on"] == date(2028, 3, 1)


# --- Through the portal and the core --------------------------------------------------------------


def confirmed_applicant(county, make_user, slug, points="90", children=()):
    person = make_user(slug)
    with county(slug) as session:
        session.add(Application(user_id=person.id, status="confirmed", total_points=Decimal(points)))
        user = session.scalar(select(User).where(User.id == person.id))
        for serial, (name, born) in enumerate(children, start=1):
            family.add(session, user, relation="child", real_name=name, id_number=id_number(born, serial))
        session.commit()
    return person


def make_round(county, slug, **fields):
    data = {"name": "2027 秋季入园", "opens_on": "2027-04-01", "closes_on": "2027-05-31", "quota": 3,
            "sub_quotas": {WEITANG: 2, XITANG: 1}}
    data.update(fields)
    with county(slug) as session:
        found = programs.create_round(session, programs.programs(session)["kindergarten"], data, actor="test")
        session.commit()
        return found.id


def test_applying_in_jiashan_refuses_a_wrong_age_child_keeping_the_form_then_accepts(
        client, county, make_user, login, on_day):
    on_day(MAY_2027)
    make_round(county, "jiashan")
    person = confirmed_applicant(county, make_user, "jiashan", children=[("小明", "20250115"), ("小红", "20240310")])
    login(client, person)
    page = "/jiashan/programs/kindergarten"
    assert 'data-state="open"' in client.get(page + "?lang=en").get_data(as_text=True)

    too_young = client.submit(page + "/apply", {"child_name": "小明", "kindergarten": XITANG}, form_page=page)
    html = too_young.get_data(as_text=True)
    assert too_young.status_code == 400
    assert "The child must be 3-5 years old on 31 August 2027; 小明 will be 2." in html
    assert 'value="小明"' in html and f'value="{XITANG}"' in html  # what was typed is kept

    undeclared = client.submit(page + "/apply", {"child_name": "小刚", "kindergarten": XITANG}, form_page=page)
    assert undeclared.status_code == 400 and "declare the child on the Family page first" in undeclared.get_data(
        as_text=True)
    with county("jiashan") as session:
        assert session.scalar(select(ProgramApplication.id).where(ProgramApplication.user_id == person.id)) is None

    accepted = client.submit(page + "/apply", {"child_name": "小红", "kindergarten": XITANG}, form_page=page)
    assert accepted.status_code == 302
    with county("jiashan") as session:
        applied = session.scalars(select(ProgramApplication).where(ProgramApplication.user_id == person.id)).one()
        assert applied.sub_quota == XITANG and applied.fields == {"child_name": "小红", "kindergarten": XITANG}
    assert "data-applied=" in client.get(page).get_data(as_text=True)


def test_a_kindergarten_outside_the_round_is_refused(county, make_user, on_day):
    on_day(MAY_2027)
    make_round(county, "jiashan")
    person = confirmed_applicant(county, make_user, "jiashan", children=[("小红", "20240310")])
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == person.id))
        from jifen.points.applications import ApplicationError

        with pytest.raises(ApplicationError, match="Choose one of this round's kindergarten"):
            programs.apply(session, programs.programs(session)["kindergarten"], user,
                           {"child_name": "小红", "kindergarten": "不存在的幼儿园"})


def test_places_are_allocated_per_kindergarten_and_parents_compete_once(county, make_user, on_day):
    # 魏塘 has 2 places, 西塘 1. 魏塘's third (85 points) waits although 西塘's place goes with 75: the
    # places are per kindergarten. The parents of one child both apply: only the father (75) competes.
    on_day(MAY_2027)
    round_id = make_round(county, "jiashan")
    people = {"a": (95, WEITANG), "b": (90, WEITANG), "c": (85, WEITANG), "d": (70, XITANG),
              "father": (75, XITANG), "mother": (72, XITANG)}
    users = {label: make_user("jiashan") for label in people}
    with county("jiashan") as session:
        for label, (points, kindergarten) in people.items():
            session.add(Application(user_id=users[label].id, status="confirmed", total_points=Decimal(points)))
            session.add(ProgramApplication(reference=references.next_reference(session), round_id=round_id, user_id=users[label].id, sub_quota=kindergarten,
                                           fields={"child_name": "小红", "kindergarten": kindergarten},
                                           applied_at=clock.utcnow()))
        session.flush()
        declare_spouses(session, users["father"], users["mother"], names=("妈妈", "爸爸"))
        session.commit()

        on_day(date(2027, 6, 10))
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        outcome = ranking.run(session, found, actor="test", seed=7)
        session.commit()
        by_user = {a.id: label for label, a in users.items()}
        user_of = dict(session.execute(select(ProgramApplication.id, ProgramApplication.user_id)
                                       .where(ProgramApplication.round_id == round_id)).all())
        results = {by_user[user_of[r.program_application_id]]: r.outcome for r in session.scalars(
            select(RankingResult).where(RankingResult.run_id == outcome.run_id))}
    assert results == {"a": "allocated", "b": "allocated", "c": "waitlisted", "father": "allocated",
                       "mother": "served_by_spouse", "d": "waitlisted"}
    assert outcome.allocated_count == 3


def test_haining_shows_kindergarten_as_coming_before_its_start_date(client, county, make_user, login, on_day):
    on_day(date(2027, 10, 1))
    make_round(county, "haining", name="2028 春季入园", opens_on="2028-03-01", closes_on="2028-06-30",
               sub_quotas={"硖石幼儿园": 2, "海洲幼儿园": 1})
    assert 'data-coming="2028-03-01"' in client.get("/haining/").get_data(as_text=True)
    page = "/haining/programs/kindergarten"
    assert 'data-state="coming"' in client.get(page + "?lang=en").get_data(as_text=True)

    person = confirmed_applicant(county, make_user, "haining", children=[("小红", "20240310")])
    login(client, person)
    refused = client.submit(page + "/apply", {"child_name": "小红", "kindergarten": "硖石幼儿园"}, form_page=page)
    assert refused.status_code == 400 and "starts in this county on 2028-03-01" in refused.get_data(as_text=True)

    on_day(date(2028, 3, 2))  # after the start date the round is open (the child is 4 on 31 August 2028)
    assert 'data-coming="2028-03-01"' not in client.get("/haining/").get_data(as_text=True)
    assert client.submit(page + "/apply", {"child_name": "小红", "kindergarten": "硖石幼儿园"},
                         form_page=page).status_code == 302
