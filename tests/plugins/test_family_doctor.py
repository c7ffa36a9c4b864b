"""Family-doctor contract and yearly health check (家庭医生签约服务): the county's settings, who may sign and why
not, contracts per community health centre, a household taking one place, and the program's page in Chinese
and English."""

from __future__ import annotations

import ast
from datetime import date
from decimal import Decimal
from pathlib import Path

import marshmallow as ma
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from jifen.models import Application, ProgramApplication, User
from jifen.points import family
from jifen.programs import rounds as programs
from jifen.programs.rounds import ApplicantContext, Child, Spouse
from jifen_plugins import family_doctor
from jifen_plugins.family_doctor import PROGRAM, FamilyDoctorApplication, FamilyDoctorSettings, check

from health_pages import id_number, rank_couple_and_centres, read_text

WEITANG, LUOXING, XITANG = "魏塘街道社区卫生服务中心", "罗星街道社区卫生服务中心", "西塘镇社区卫生服务中心"
SETTINGS = {"max_members": 4,
            "health_centres": [{"name": WEITANG, "places": 300}, {"name": LUOXING, "places": 200},
                               {"name": XITANG, "places": 150}]}
COUNTY = FamilyDoctorSettings().load(SETTINGS)
TODAY = date(2027, 3, 15)
HOUSEHOLD = ApplicantContext(user_id=1, town=None, as_of=TODAY, spouse=Spouse(3, "李芳", date(1990, 1, 1)),
                             children=(Child(4, "小红", date(2015, 4, 2)),))  # three people
ALONE = ApplicantContext(user_id=2, town=None, as_of=TODAY)


def fields(centre=WEITANG, members=1, chronic="no", elsewhere="no") -> dict:
    return {"health_centre": centre, "members": members, "chronic_condition": chronic, "signed_elsewhere": elsewhere}


def english(app, problems) -> list[str]:
    with app.test_request_context("/"), force_locale("en"):
        return [str(p) for p in problems]


# --- The declaration and the county's settings -----------------------------------------------------------


def test_the_program_is_a_headcount_per_health_centre_a_household_signing_once():
    assert (PROGRAM.quota_mode, PROGRAM.sub_quota_by) == ("headcount", "health_centre")
    assert (PROGRAM.family_rule, PROGRAM.offer_rule) == ("higher_ranked_spouse", "decline_passes_on")
    assert set(FamilyDoctorApplication().fields) == {"health_centre", "members", "chronic_condition",
                                                     "signed_elsewhere"}


def test_the_countys_settings_are_validated():
    assert COUNTY["max_members"] == 4
    assert [c["places"] for c in COUNTY["health_centres"]] == [300, 200, 150]
    assert FamilyDoctorSettings().load({})["max_members"] == 6
    with pytest.raises(ma.ValidationError) as twice:
        FamilyDoctorSettings().load({"health_centres": [{"name": XITANG, "places": 1}, {"name": XITANG, "places": 1}]})
    assert set(twice.value.messages) == {"health_centres"}
    with pytest.raises(ma.ValidationError) as no_places:
        FamilyDoctorSettings().load({"health_centres": [{"name": XITANG}]})
    assert set(no_places.value.messages) == {"health_centres"}
    with pytest.raises(ma.ValidationError):
        FamilyDoctorSettings().load({"max_members": 0})


def test_the_plugin_imports_only_the_toolkit():
    tree = ast.parse(Path(family_doctor.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {f"{node.module}.{alias.name}" if node.module == "jifen" else node.module
                 for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert {name for name in imported if name.startswith("jifen")} == {"jifen.toolkit"}


# --- Eligibility --------------------------------------------------------------------------------------------


def test_a_household_signs_for_its_declared_members():
    assert check(fields(members=3, chronic="yes"), HOUSEHOLD, COUNTY) == []
    assert check(fields(), ALONE, COUNTY) == []


@pytest.mark.parametrize("data, context, expected", [
    (fields(centre="嘉善县第一人民医院"), ALONE, ["Choose one of the county's community health centres."]),
    (fields(elsewhere="yes"), ALONE,
     ["Someone already under a family-doctor contract cannot sign a second one: end that contract first."]),
    (fields(members=4), HOUSEHOLD,
     ["A contract covers you and the spouse and children declared on your Family page, at most 3 people here; "
      "you asked for 4."]),
    (fields(members=2, elsewhere="yes"), ALONE,
     ["Someone already under a family-doctor contract cannot sign a second one: end that contract first.",
      "A contract covers you and the spouse and children declared on your Family page, at most 1 people here; "
      "you asked for 2."]),
])
def test_the_check_refuses_with_the_programs_reasons(app, data, context, expected):
    assert english(app, check(data, context, COUNTY)) == expected


def test_the_county_caps_the_people_one_contract_covers():
    big = ApplicantContext(user_id=1, town=None, as_of=TODAY, spouse=HOUSEHOLD.spouse,
                           children=tuple(Child(n, f"孩子{n}", date(2010 + n, 1, 1)) for n in range(4)))
    assert check(fields(members=4), big, COUNTY) == []
    assert len(check(fields(members=5), big, COUNTY)) == 1  # six in the household, the county's cap is 4
    assert check(fields(members=5), big, FamilyDoctorSettings().load({})) == []


# --- A round: contracts per centre, a household ------------------------------------------------------------


def make_round(county, sub_quotas: dict[str, int]) -> int:
    with county("jiashan") as session:
        found = programs.create_round(session, programs.programs(session)["family_doctor"], {
            "name": "2027 家庭医生签约", "opens_on": "2027-03-01", "closes_on": "2027-03-31",
            "quota": sum(sub_quotas.values()), "sub_quotas": sub_quotas}, actor="test")
        session.commit()
        return found.id


@pytest.mark.with_plugins("family_doctor", county="jiashan", settings={"family_doctor": SETTINGS})
def test_each_centre_takes_its_best_households_and_a_couple_takes_one_place(county, make_user, on_day):
    # 魏塘 1 place: 88 gets it, 86 waits though 罗星 takes 30. 西塘 2 places: the husband (70) and wife (65)
    # both apply; the household takes one place and the second goes to 20. No threshold: 20 is ranked.
    on_day(TODAY)
    round_id = make_round(county, {WEITANG: 1, LUOXING: 1, XITANG: 2})
    people = {"w1": (88, WEITANG), "w2": (86, WEITANG), "l1": (30, LUOXING), "husband": (70, XITANG),
              "wife": (65, XITANG), "x2": (20, XITANG), "x3": (15, XITANG)}
    results, outcome = rank_couple_and_centres(county, make_user, on_day, round_id, people, fields,
                                               ranked_on=date(2027, 4, 10), seed=5)
    assert results == {"w1": "allocated", "w2": "waitlisted", "l1": "allocated", "husband": "allocated",
                       "wife": "served_by_spouse", "x2": "allocated", "x3": "waitlisted"}
    assert outcome.allocated_count == 4 and outcome.params["threshold"] is None


# --- The program's page, and applying on it ----------------------------------------------------------------

KEYS = ("family_doctor", "health_centre", "chronic_condition", "signed_elsewhere", "max_members")


@pytest.mark.with_plugins("family_doctor", county="jiashan", settings={"family_doctor": SETTINGS})
def test_the_page_speaks_chinese_and_english_with_the_programs_words_and_applying_follows_its_rules(
        client, county, make_user, login, on_day):
    on_day(TODAY)
    make_round(county, {WEITANG: 2, XITANG: 1})
    person = make_user("jiashan")
    with county("jiashan") as session:
        session.add(Application(user_id=person.id, status="confirmed", total_points=Decimal("45")))
        session.commit()
    login(client, person)
    page = "/jiashan/programs/family_doctor"

    zh = read_text(client.get(page + "?lang=zh_Hans_CN").get_data(as_text=True))
    for words in ("家庭医生签约服务", "每年免费健康体检", "签约人目前未与其他家庭医生签约", "每份签约最多覆盖人数", "4 人",
                  f"{LUOXING}: 200 户", "签约人数（含本人）", "是否已与其他家庭医生签约", "社区卫生服务中心"):
        assert words in zh, words
    en = read_text(client.get(page + "?lang=en").get_data(as_text=True))
    for words in ("Family-doctor contract and yearly health check", "a free health check every year",
                  "Most people one contract covers", "4 people", f"{XITANG}: 150 households",
                  "People to cover (you included)", "Are you under a family-doctor contract already?"):
        assert words in en, words
    for text in (zh, en):
        assert not [key for key in KEYS if key in text]
    assert "签约人数" not in en and "家庭医生签约服务" not in en

    elsewhere = client.submit(page + "/apply", fields(centre=XITANG, elsewhere="yes"), form_page=page)
    assert elsewhere.status_code == 400
    assert "cannot sign a second one" in elsewhere.get_data(as_text=True)
    too_many = client.submit(page + "/apply", fields(centre=XITANG, members=2), form_page=page)
    assert too_many.status_code == 400 and "at most 1 people here; you asked for 2." in too_many.get_data(as_text=True)
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == person.id))
        family.add(session, user, relation="spouse", real_name="李芳", id_number=id_number("19900301", 8))
        session.commit()

    accepted = client.submit(page + "/apply", fields(centre=XITANG, members=2, chronic="yes"), form_page=page)
    assert accepted.status_code == 302
    with county("jiashan") as session:
        applied = session.scalars(select(ProgramApplication).where(ProgramApplication.user_id == person.id)).one()
        assert applied.sub_quota == XITANG and applied.fields == fields(centre=XITANG, members=2, chronic="yes")


def test_haining_brings_it_in_with_four_health_centres_and_jiashan_does_not(county):
    with county("haining") as session:
        haining = programs.settings_of(session, programs.programs(session)["family_doctor"])
    assert [(c["name"], c["places"]) for c in haining["health_centres"]] == [
        ("硖石街道社区卫生服务中心", 400), ("海洲街道社区卫生服务中心", 300), ("马桥街道社区卫生服务中心", 200),
        ("许村镇社区卫生服务中心", 200)]
    assert haining["max_members"] == 6
    with county("jiashan") as session:
        assert "family_doctor" not in programs.programs(session)
