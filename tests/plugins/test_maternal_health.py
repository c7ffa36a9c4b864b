"""Family and maternal health services (优生优育服务): the county's settings, who may apply and why not, places per
community health centre above the county's threshold, a couple taking one place, and the program's page in
Chinese and English."""

from __future__ import annotations

import ast
import re
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
from jifen.programs.rounds import ApplicantContext, Spouse
from jifen_plugins import maternal_health
from jifen_plugins.maternal_health import PROGRAM, MaternalHealthApplication, MaternalHealthSettings, check

from health_pages import id_number, rank_couple_and_centres, read_text

WEITANG, LUOXING, XITANG = "魏塘街道社区卫生服务中心", "罗星街道社区卫生服务中心", "西塘镇社区卫生服务中心"
SETTINGS = {"threshold": "40", "min_permit_months": 6,
            "health_centres": [{"name": WEITANG, "places": 120}, {"name": LUOXING, "places": 80},
                               {"name": XITANG, "places": 60}]}
COUNTY = MaternalHealthSettings().load(SETTINGS)
TODAY = date(2027, 5, 10)
WIFE = Spouse(3, "李芳", date(1995, 6, 1))  # 31 on TODAY
MARRIED = ApplicantContext(user_id=1, town=None, as_of=TODAY, spouse=WIFE)
SINGLE = ApplicantContext(user_id=2, town=None, as_of=TODAY)


def fields(service="pre_pregnancy", centre=WEITANG, woman="spouse", **more) -> dict:
    data = {"service": service, "health_centre": centre, "woman": woman, "permit_issued_on": "2025-03-01"}
    data.update(more)
    return data


def english(app, problems) -> list[str]:
    with app.test_request_context("/"), force_locale("en"):
        return [str(p) for p in problems]


# --- The declaration and the county's settings -----------------------------------------------------------


def test_the_program_is_a_headcount_per_health_centre_for_couples():
    assert (PROGRAM.quota_mode, PROGRAM.sub_quota_by) == ("headcount", "health_centre")
    assert (PROGRAM.family_rule, PROGRAM.offer_rule) == ("higher_ranked_spouse", "decline_passes_on")
    assert set(MaternalHealthApplication().fields) >= {"service", "health_centre", "woman", "due_date"}


def test_the_countys_settings_are_validated():
    assert COUNTY["threshold"] == Decimal("40")
    assert [(c["name"], c["places"]) for c in COUNTY["health_centres"]] == [(WEITANG, 120), (LUOXING, 80), (XITANG, 60)]
    defaults = MaternalHealthSettings().load({})
    assert (defaults["min_woman_age"], defaults["max_woman_age"], defaults["min_permit_months"]) == (20, 49, 6)
    with pytest.raises(ma.ValidationError) as twice:
        MaternalHealthSettings().load({"health_centres": [{"name": WEITANG, "places": 1}, {"name": WEITANG, "places": 2}]})
    assert set(twice.value.messages) == {"health_centres"}
    with pytest.raises(ma.ValidationError) as reversed_ages:
        MaternalHealthSettings().load({"min_woman_age": 40, "max_woman_age": 30})
    assert set(reversed_ages.value.messages) == {"min_woman_age"}
    with pytest.raises(ma.ValidationError):
        MaternalHealthSettings().load({"health_centres": [{"name": WEITANG, "places": 0}]})


def test_the_plugin_imports_only_the_toolkit():
    tree = ast.parse(Path(maternal_health.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {f"{node.module}.{alias.name}" if node.module == "jifen" else node.module
                 for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert {name for name in imported if name.startswith("jifen")} == {"jifen.toolkit"}


# --- Eligibility --------------------------------------------------------------------------------------------


def test_a_married_couple_with_a_woman_of_age_and_a_permit_held_long_enough_may_apply():
    assert check(fields(), MARRIED, COUNTY) == []
    assert check(fields(woman="self", woman_birth_date="1990-01-01"), MARRIED, COUNTY) == []
    assert check(fields("maternal", due_date="2027-11-20"), MARRIED, COUNTY) == []


@pytest.mark.parametrize("data, context, expected", [
    (fields(), SINGLE, "Declare your spouse on the Family page first."),
    (fields(centre="嘉兴市第一医院"), MARRIED, "Choose one of the county's community health centres."),
    (fields(woman="self"), MARRIED, "Give the woman's date of birth."),
    (fields(woman="self", woman_birth_date="1975-01-01"), MARRIED,
     "A free pre-pregnancy check is for women of 20 to 49 years of age; the woman is 52."),
    (fields("maternal"), MARRIED, "Give the expected due date for maternal health care."),
    (fields("maternal", due_date="2027-05-10"), MARRIED,
     "The expected due date must be after today and no later than 2028-03-05."),
    (fields("maternal", due_date="2028-03-06"), MARRIED,
     "The expected due date must be after today and no later than 2028-03-05."),
    (fields(permit_issued_on="2026-11-11"), MARRIED,
     "The service needs a residence permit held for at least 6 months; yours was issued on 2026-11-11."),
])
def test_the_check_refuses_with_the_programs_reason(app, data, context, expected):
    assert english(app, check(data, context, COUNTY)) == [expected]


def test_the_permit_counts_in_calendar_months_and_the_county_sets_the_ages():
    assert check(fields(permit_issued_on="2026-11-10"), MARRIED, COUNTY) == []  # six months to the day
    older = MaternalHealthSettings().load({**SETTINGS, "max_woman_age": 55})
    assert check(fields(woman="self", woman_birth_date="1975-01-01"), MARRIED, older) == []
    young_wife = ApplicantContext(user_id=1, town=None, as_of=TODAY, spouse=Spouse(3, "李芳", date(2008, 1, 1)))
    assert len(check(fields(), young_wife, COUNTY)) == 1  # the spouse's age comes from the family record


# --- A round: places per centre, the threshold, a couple ---------------------------------------------------


def make_round(county, sub_quotas: dict[str, int]) -> int:
    with county("jiashan") as session:
        found = programs.create_round(session, programs.programs(session)["maternal_health"], {
            "name": "2027 优生优育服务", "opens_on": "2027-05-01", "closes_on": "2027-05-31",
            "quota": sum(sub_quotas.values()), "sub_quotas": sub_quotas}, actor="test")
        session.commit()
        return found.id


@pytest.mark.with_plugins("maternal_health", county="jiashan", settings={"maternal_health": SETTINGS})
def test_each_centre_serves_its_best_couples_above_the_threshold_and_a_couple_takes_one_place(
        county, make_user, on_day):
    # 魏塘 2 places: its third (85) waits though 罗星 gives a place to 60. 罗星 2 places: 35 is below the
    # threshold and gets nothing although a place is left. 西塘 2 places: the husband (75) and his wife (70)
    # both apply; the couple takes one place and the second goes to 50.
    on_day(TODAY)
    round_id = make_round(county, {WEITANG: 2, LUOXING: 2, XITANG: 2})
    people = {"a1": (95, WEITANG), "a2": (90, WEITANG), "a3": (85, WEITANG), "b1": (60, LUOXING),
              "b_low": (35, LUOXING), "husband": (75, XITANG), "wife": (70, XITANG), "c2": (50, XITANG)}
    results, outcome = rank_couple_and_centres(county, make_user, on_day, round_id, people, fields,
                                               ranked_on=date(2027, 6, 10), seed=11)
    assert results == {"a1": "allocated", "a2": "allocated", "a3": "waitlisted", "b1": "allocated",
                       "b_low": "below_threshold", "husband": "allocated", "wife": "served_by_spouse",
                       "c2": "allocated"}
    assert outcome.allocated_count == 5 and outcome.params["threshold"] == "40.00"


# --- The program's page, and applying on it ----------------------------------------------------------------


KEYS = ("maternal_health", "health_centre", "pre_pregnancy", "woman_birth_date", "due_date", "permit_issued_on",
        "min_woman_age", "health_centres")


@pytest.mark.with_plugins("maternal_health", county="jiashan", settings={"maternal_health": SETTINGS})
def test_the_page_speaks_chinese_and_english_with_the_programs_words_and_applying_follows_its_rules(
        client, county, make_user, login, on_day):
    on_day(TODAY)
    make_round(county, {WEITANG: 2, LUOXING: 1})
    person = make_user("jiashan")
    with county("jiashan") as session:
        session.add(Application(user_id=person.id, status="confirmed", total_points=Decimal("55")))
        session.commit()
    login(client, person)
    page = "/jiashan/programs/maternal_health"

    zh = read_text(client.get(page + "?lang=zh_Hans_CN").get_data(as_text=True))
    for words in ("优生优育服务", "免费接受孕前优生健康检查", "夫妻双方已登记结婚", "结婚证", "服务分值线", "40 分",
                  f"{XITANG}: 60 对", "申请的服务", "孕前优生健康检查", "孕产期保健（孕期检查）", "接受检查的女方",
                  "预产期（申请孕产期保健时填写）"):
        assert words in zh, words
    en = read_text(client.get(page + "?lang=en").get_data(as_text=True))
    for words in ("Family and maternal health services", "free pre-pregnancy checks or maternal health care",
                  "Marriage certificate", "Threshold", "40 points", f"{WEITANG}: 120 couples", "Service wanted",
                  "Pre-pregnancy health check", "The woman to be examined", "Community health centre"):
        assert words in en, words
    for text in (zh, en):
        assert not [key for key in KEYS if key in text]
    assert "孕前优生健康检查" not in en and "申请的服务" not in en  # the form too, not only the declaration

    refused = client.submit(page + "/apply", fields(centre=LUOXING), form_page=page)
    assert refused.status_code == 400
    assert "Declare your spouse on the Family page first." in refused.get_data(as_text=True)
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == person.id))
        family.add(session, user, relation="spouse", real_name="李芳", id_number=id_number("19700301", 7))
        session.commit()
    too_old = client.submit(page + "/apply", fields(centre=LUOXING), form_page=page)
    html = too_old.get_data(as_text=True)
    assert too_old.status_code == 400 and "the woman is 57." in html
    outside = client.submit(page + "/apply", fields(centre=XITANG, woman="self", woman_birth_date="1994-02-01"),
                            form_page=page)  # one of the county's centres, but not one of this round's
    assert outside.status_code == 400

    accepted = client.submit(page + "/apply", fields("maternal", centre=LUOXING, due_date="2027-10-01"),
                             form_page=page)
    assert accepted.status_code == 302
    with county("jiashan") as session:
        applied = session.scalars(select(ProgramApplication).where(ProgramApplication.user_id == person.id)).one()
        assert applied.sub_quota == LUOXING and applied.fields["due_date"] == "2027-10-01"


def test_a_county_that_has_not_enabled_it_has_no_such_page(client):
    assert client.get("/jiashan/programs/maternal_health").status_code == 404
    assert re.search(r'data-program="maternal_health"', client.get("/jiashan/").get_data(as_text=True)) is None


def test_haining_brings_it_in_with_four_health_centres_and_jiashan_does_not(county):
    with county("haining") as session:
        haining = programs.settings_of(session, programs.programs(session)["maternal_health"])
    assert [c["name"] for c in haining["health_centres"]] == [
        "硖石街道社区卫生服务中心", "海洲街道社区卫生服务中心", "马桥街道社区卫生服务中心", "许村镇社区卫生服务中心"]
    assert haining["threshold"] == Decimal("40") and haining["start_on"] is None
    with county("jiashan") as session:
        assert "maternal_health" not in programs.programs(session)
