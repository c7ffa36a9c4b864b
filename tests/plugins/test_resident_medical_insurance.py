"""Resident medical insurance (积分参加城乡居民医保): who may be insured, applying on the portal, and the
threshold entitlement: everyone at or above the threshold allocated, nobody below."""

import re
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
from jifen.programs.rounds import ApplicantContext, Child, Spouse
from jifen.county.tenancy import require_tenant
from jifen.county.folders import read_spec
from tests.ledger_helpers import declare_spouses
from jifen_plugins.resident_medical_insurance import (
    PROGRAM, MedicalInsuranceApplication, ResidentMedicalInsuranceSettings, check,
)

ROOT = Path(__file__).resolve().parents[2]
DEFAULTS = ResidentMedicalInsuranceSettings().load({})
WITH_SPOUSES = ResidentMedicalInsuranceSettings().load({"cover_spouses": True})
TODAY = date(2027, 5, 1)
FAMILY = ApplicantContext(user_id=1, town=None, as_of=TODAY,
                          children=(Child(1, "小红", date(2015, 4, 2)), Child(2, "大伟", date(2008, 3, 1))),
                          spouse=Spouse(3, "李芳", date(1990, 1, 1)))
ALONE = ApplicantContext(user_id=2, town=None, as_of=TODAY)


def fields(insured="self", name=None, employee="no"):
    data = {"insured": insured, "employee_insurance": employee}
    if name is not None:
        data["insured_name"] = name
    return data


# --- Eligibility and fields -----------------------------------------------------------------------


def test_settings_default_to_a_threshold_of_40_without_spouses():
    assert DEFAULTS["threshold"] == Decimal("40") and DEFAULTS["cover_spouses"] is False
    assert DEFAULTS["max_child_age"] == 17
    with pytest.raises(ma.ValidationError):
        ResidentMedicalInsuranceSettings().load({"threshold": "-1"})


def test_the_applicant_or_a_declared_minor_child_may_be_insured():
    assert check(fields("self"), ALONE, DEFAULTS) == []
    assert check(fields("child", "小红"), FAMILY, DEFAULTS) == []


@pytest.mark.parametrize("data, context, expected", [
    (fields("child"), FAMILY, "Give the name of the child to insure."),
    (fields("child", "小刚"), FAMILY, "“小刚” is not a child declared in your family"),
    (fields("child", "大伟"), FAMILY, "A covered child must be at most 17 years old; 大伟 is 19."),
    (fields("spouse", "李芳"), FAMILY, "This county does not cover spouses"),
    (fields("self", employee="yes"), ALONE, "Someone with the local employee medical insurance cannot join"),
])
def test_who_may_not_be_insured_is_told_why_in_the_readers_language(app, data, context, expected):
    problems = check(data, context, DEFAULTS)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert len(problems) == 1 and expected in str(problems[0]) and " / " not in str(problems[0])
    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        chinese = str(problems[0])
    assert chinese != str(expected) and not re.search(r"[A-Za-z]{3,}", chinese), chinese  # translated, one language


def test_a_spouse_is_covered_where_the_county_allows_it_and_they_are_declared():
    assert check(fields("spouse"), FAMILY, WITH_SPOUSES) == []
    assert check(fields("spouse", "李芳"), FAMILY, WITH_SPOUSES) == []
    assert "Declare your spouse" in check(fields("spouse"), ALONE, WITH_SPOUSES)[0]
    assert "is not the spouse declared" in check(fields("spouse", "王芳"), FAMILY, WITH_SPOUSES)[0]
    # every reason at once: a spouse not covered and employee insurance
    assert len(check(fields("spouse", employee="yes"), FAMILY, DEFAULTS)) == 2


def test_the_application_asks_who_and_whether_they_have_employee_insurance():
    with pytest.raises(ma.ValidationError) as refused:
        MedicalInsuranceApplication().load({"insured": "cousin"})
    assert set(refused.value.messages) == {"insured", "employee_insurance"}
    assert MedicalInsuranceApplication().load(fields("child", "小红")) == fields("child", "小红")


def test_the_program_is_a_threshold_entitlement_without_quota_or_offers():
    assert (PROGRAM.quota_mode, PROGRAM.sub_quota_by, PROGRAM.offer_rule, PROGRAM.family_rule) == (
        "threshold", None, None, None)


def test_jiashan_enables_it_and_haining_does_not():
    jiashan = read_spec(ROOT / "tenants" / "jiashan").plugins["resident_medical_insurance"]
    assert jiashan["enabled"]
    assert ResidentMedicalInsuranceSettings().load(jiashan["settings"])["cover_spouses"] is True
    haining = read_spec(ROOT / "tenants" / "haining").plugins.get("resident_medical_insurance")
    assert haining is None or not haining["enabled"]


# --- Through the portal and the core --------------------------------------------------------------


def child_id_number(born: str, serial: int) -> str:
    first17 = f"330421{born}{serial:03d}"
    return first17 + check_digit(first17)


def test_applying_in_jiashan_after_the_admin_opens_a_round_with_the_countys_threshold(
        app, client, county, make_user, login, on_day):
    on_day(TODAY)
    admin = app.test_client()
    admin.__class__ = type(client)
    login(admin, make_user("jiashan", role="admin"))
    created = admin.submit("/jiashan/admin/programs/resident_medical_insurance/rounds/new",
                           {"name": "2027 居民医保参保", "opens_on": "2027-04-01", "closes_on": "2027-06-30"})
    assert created.status_code == 302  # no threshold typed: the county's (40) applies
    assert admin.get(created.location).status_code == 200

    person = make_user("jiashan")
    with county("jiashan") as session:
        session.add(Application(user_id=person.id, status="confirmed", total_points=Decimal("55")))
        user = session.scalar(select(User).where(User.id == person.id))
        family.add(session, user, relation="child", real_name="小红", id_number=child_id_number("20150402", 1))
        session.commit()
    login(client, person)
    page = "/jiashan/programs/resident_medical_insurance"
    html = client.get(page + "?lang=en").get_data(as_text=True)
    assert 'data-state="open"' in html and "Everyone who reaches the threshold; no quota" in html

    refused = client.submit(page + "/apply", {"insured": "child", "insured_name": "小刚", "employee_insurance": "no"},
                            form_page=page)
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "“小刚” is not a child declared in your family" in html
    assert 'value="小刚"' in html and '<option value="child" selected>' in html  # what was entered is kept

    employee = client.submit(page + "/apply", {"insured": "child", "insured_name": "小红", "employee_insurance": "yes"},
                             form_page=page)
    assert employee.status_code == 400 and "employee medical insurance cannot join" in employee.get_data(as_text=True)

    accepted = client.submit(page + "/apply", {"insured": "child", "insured_name": "小红", "employee_insurance": "no"},
                             form_page=page)
    assert accepted.status_code == 302
    with county("jiashan") as session:
        applied = session.scalars(select(ProgramApplication).where(ProgramApplication.user_id == person.id)).one()
        assert applied.sub_quota is None
        assert applied.fields == {"insured": "child", "insured_name": "小红", "employee_insurance": "no"}


def test_everyone_at_or_above_the_threshold_is_allocated_and_nobody_below(county, make_user, on_day):
    on_day(TODAY)
    with county("jiashan") as session:
        found = programs.create_round(session, programs.programs(session)["resident_medical_insurance"],
                                      {"name": "2027 居民医保参保", "opens_on": "2027-04-01", "closes_on": "2027-04-30"},
                                      actor="test")
        session.commit()
        round_id = found.id
    # Jiashan's threshold is 40. The spouses both apply (for themselves): each is entitled on their own.
    points = {"a": "95", "b": "40", "husband": "45", "wife": "42", "c": "39.99", "d": "12"}
    users = {label: make_user("jiashan") for label in points}
    with county("jiashan") as session:
        for label, value in points.items():
            session.add(Application(user_id=users[label].id, status="confirmed", total_points=Decimal(value)))
            session.add(ProgramApplication(reference=references.next_reference(session), round_id=round_id, user_id=users[label].id, applied_at=clock.now(),
                                           fields=fields("self")))
        session.flush()
        declare_spouses(session, users["husband"], users["wife"])
        session.commit()

        found = session.get(ProgramRound, (require_tenant().id, round_id))
        assert found.threshold is None and found.quota is None

        def outcomes(run_id):
            label_of = {u.id: label for label, u in users.items()}
            user_of = dict(session.execute(select(ProgramApplication.id, ProgramApplication.user_id)
                                           .where(ProgramApplication.round_id == round_id)).all())
            return {label_of[user_of[r.program_application_id]]: r.outcome for r in session.scalars(
                select(RankingResult).where(RankingResult.run_id == run_id))}

        outcome = ranking.run(session, found, actor="test", seed=3)
        assert outcomes(outcome.run_id) == {"a": "allocated", "b": "allocated", "husband": "allocated",
                                            "wife": "allocated", "c": "below_threshold", "d": "below_threshold"}
        assert outcome.cutoff == Decimal("40.00") and outcome.params["threshold"] == "40.00"
        assert outcome.params["quota"] is None

        found.threshold = Decimal("50")  # a round's own threshold comes before the county's
        higher = ranking.run(session, found, actor="test", seed=3)
        assert {k for k, v in outcomes(higher.run_id).items() if v == "allocated"} == {"a"}
        session.rollback()


def test_haining_does_not_offer_it(client):
    assert client.get("/haining/programs/resident_medical_insurance").status_code == 404
    assert 'data-program="resident_medical_insurance"' not in client.get("/haining/").get_data(as_text=True)
    assert 'data-program="resident_medical_insurance"' in client.get("/jiashan/").get_data(as_text=True)
