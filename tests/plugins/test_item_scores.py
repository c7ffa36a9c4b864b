"""What each built-in score item plugin computes for one item (highest-only, caps across items,
one-of groups and the floor are the core's, tested in tests/plugins/test_county_tables.py)."""

from datetime import date
from decimal import Decimal

import marshmallow as ma
import pytest

from jifen_plugins.age import AGE
from jifen_plugins.awards import AWARDS
from jifen_plugins.deductions import DEDUCTIONS
from jifen_plugins.housing import HOUSING
from jifen_plugins.investment_tax import INVESTMENT_TAX
from jifen_plugins.patents import PATENTS
from jifen_plugins.residence_permit import RESIDENCE_PERMIT, unbroken_years
from jifen_plugins.skill import SKILL
from jifen_plugins.social_insurance import SOCIAL_INSURANCE
from jifen_plugins.social_service import SOCIAL_SERVICE

AS_OF = date(2025, 6, 30)
D = Decimal


def settings(item_type, raw: dict, as_of: date = AS_OF) -> dict:
    """The settings a score function receives: stored form, loaded again, plus ``as_of``."""
    schema = item_type.settings_schema()
    return {**schema.load(schema.dump(schema.load(raw))), "as_of": as_of}


def stored(item_type, raw: dict) -> dict:
    """An input in its stored (JSON) form, as the ledger passes it."""
    schema = item_type.input_schema()
    return schema.dump(schema.load(raw))


# --- skill ------------------------------------------------------------------------------------

def test_skill_points_per_level_and_missing_levels_are_worth_nothing():
    s = settings(SKILL, {"points": {"junior_skill": "20", "technician": "90"}})
    item = {"occupation": "电工", "certificate_number": "1234567890", "issued_on": "2020-01-01"}
    assert SKILL.score(stored(SKILL, {**item, "level": "technician"}), s) == D("90")
    assert SKILL.score(stored(SKILL, {**item, "level": "senior_title"}), s) == D("0")


def test_skill_refuses_an_unknown_level_in_settings():
    with pytest.raises(ma.ValidationError):
        SKILL.settings_schema().load({"points": {"grandmaster": "500"}})


# --- social insurance -------------------------------------------------------------------------

ZHONGSHAN_INSURANCE = {"cap": "100", "province": {"per_type_year": "1.5", "cap": "75"},
                       "local": {"per_type_year": "0.5", "cap": "25"}}


def insurance(types, years, local_years):
    return stored(SOCIAL_INSURANCE, {"insurance_types": types, "years": years, "local_years": local_years})


def test_insurance_zhongshan_style_per_type_and_year_with_each_part_capped():
    s = settings(SOCIAL_INSURANCE, ZHONGSHAN_INSURANCE)
    assert SOCIAL_INSURANCE.score(insurance(2, 3, 1), s) == D("1.5") * 2 * 3 + D("0.5") * 2 * 1  # 9 + 1
    # 5 types x 12 years x 1.5 = 90 -> 75; 5 x 12 x 0.5 = 30 -> 25
    assert SOCIAL_INSURANCE.score(insurance(5, 12, 12), s) == D("100")
    assert SOCIAL_INSURANCE.score(insurance(5, 0, 0), s) == D("0")


def test_insurance_per_year_style_and_minimum_years():
    s = settings(SOCIAL_INSURANCE, {"local": {"per_year": "3"}})
    assert SOCIAL_INSURANCE.score(insurance(5, 10, 4), s) == D("12")  # types do not matter
    beijing = settings(SOCIAL_INSURANCE, {"province": {"per_year": "3"}, "min_years": 7})
    assert SOCIAL_INSURANCE.score(insurance(3, 6, 6), beijing) == D("0")
    assert SOCIAL_INSURANCE.score(insurance(3, 7, 0), beijing) == D("21")


def test_insurance_local_years_cannot_exceed_the_province_years():
    errors = SOCIAL_INSURANCE.input_schema().validate({"insurance_types": 5, "years": 2, "local_years": 3})
    assert "local_years" in errors


# --- residence permit -------------------------------------------------------------------------

def permit(years):
    return stored(RESIDENCE_PERMIT, {"permit_number": "330421199001011234", "endorsed_years": years})


def test_residence_counts_only_the_latest_unbroken_run():
    s = settings(RESIDENCE_PERMIT, {"per_year": "5", "cap": "50"})
    assert RESIDENCE_PERMIT.score(permit([2020, 2021, 2022, 2023, 2024, 2025]), s) == D("30")
    # 2017 lapsed: the years restart in 2018 (Zhejiang 2016, art. 19)
    assert RESIDENCE_PERMIT.score(permit([2014, 2015, 2016, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025]), s) == D("40")
    assert RESIDENCE_PERMIT.score(permit([2025, 2023, 2024]), s) == D("15")  # order does not matter


def test_residence_this_years_endorsement_may_still_be_due_but_an_older_lapse_restarts():
    assert unbroken_years([2021, 2022, 2023, 2024], 2025) == 4  # 2025 not endorsed yet: still counts
    assert unbroken_years([2020, 2021, 2022, 2023], 2025) == 0  # 2024 missed: lapsed, nothing counts
    assert unbroken_years([2020, 2021, 2022, 2023], 2025, grace_years=2) == 4
    assert unbroken_years([2020, 2021, 2022, 2023], 2025, grace_years=0) == 0
    assert unbroken_years([2024, 2025], 2025, grace_years=0) == 2


def test_residence_ignores_years_after_as_of():
    s = settings(RESIDENCE_PERMIT, {"per_year": "5"}, as_of=date(2023, 3, 1))
    assert RESIDENCE_PERMIT.score(permit([2021, 2022, 2023, 2024, 2025]), s) == D("15")
    s = settings(RESIDENCE_PERMIT, {"per_year": "5"}, as_of=date(2020, 3, 1))
    assert RESIDENCE_PERMIT.score(permit([2021, 2022]), s) == D("0")


def test_residence_input_is_a_list_of_years():
    schema = RESIDENCE_PERMIT.input_schema()
    assert "endorsed_years" in schema.validate({"permit_number": "330421199001", "endorsed_years": []})
    assert "endorsed_years" in schema.validate({"permit_number": "330421199001", "endorsed_years": ["x"]})


# --- housing ----------------------------------------------------------------------------------

def home(tenure, since):
    return stored(HOUSING, {"tenure": tenure, "since": since, "address": "魏塘街道人民大道1号"})


def test_housing_full_years_by_tenure():
    s = settings(HOUSING, {"own_per_year": "1", "rent_per_year": "0.5"})
    assert HOUSING.score(home("rent", "2019-03-01"), s) == D("3")       # 6 full years x 0.5
    assert HOUSING.score(home("own", "2019-07-01"), s) == D("5")        # 5 full years (the 6th ends 2025-07-01)
    assert HOUSING.score(home("own", "2019-06-30"), s) == D("6")        # anniversary reached
    assert HOUSING.score(home("own", "2026-01-01"), s) == D("0")        # in the future


# --- age --------------------------------------------------------------------------------------

SHANGHAI_AGE = {"cap": "30", "bands": [
    {"min_age": 56, "max_age": 60, "points": "5"},
    {"min_age": 18, "max_age": 55, "points": "7", "per_year_younger": "2"},
]}


def born(day):
    return stored(AGE, {"birth_date": day})


def test_age_zhongshan_band_edges():
    s = settings(AGE, {"bands": [{"min_age": 18, "max_age": 35, "points": "5"}]})
    assert AGE.score(born("2007-06-30"), s) == D("5")   # 18 today
    assert AGE.score(born("2007-07-01"), s) == D("0")   # 17 until tomorrow
    assert AGE.score(born("1989-07-01"), s) == D("5")   # still 35
    assert AGE.score(born("1989-06-30"), s) == D("0")   # 36 today


def test_age_shanghai_rule_before_the_core_cap():
    s = settings(AGE, SHANGHAI_AGE)
    assert AGE.score(born("1964-06-30"), s) == D("0")    # 61
    assert AGE.score(born("1964-07-01"), s) == D("5")    # 60
    assert AGE.score(born("1969-06-30"), s) == D("5")    # 56
    assert AGE.score(born("1970-06-30"), s) == D("7")    # 55
    assert AGE.score(born("1981-06-30"), s) == D("29")   # 44: 7 + 2 x 11
    assert AGE.score(born("1982-06-30"), s) == D("31")   # 43: the core caps it at 30


def test_age_bands_must_be_ordered():
    with pytest.raises(ma.ValidationError):
        AGE.settings_schema().load({"bands": [{"min_age": 40, "max_age": 30, "points": "5"}]})


# --- patents ----------------------------------------------------------------------------------

def patent(kind, granted_on):
    return stored(PATENTS, {"kind": kind, "patent_number": "ZL202210123456.7", "title": "一种包装盒",
                            "granted_on": granted_on})


def test_patents_points_per_kind_within_the_window():
    s = settings(PATENTS, {"points": {"invention": "30", "utility_model": "10", "design": "10"}, "window_years": 5})
    assert PATENTS.score(patent("invention", "2022-03-01"), s) == D("30")
    assert PATENTS.score(patent("design", "2020-07-01"), s) == D("10")      # 4 years 11 months old
    assert PATENTS.score(patent("design", "2020-06-30"), s) == D("0")       # 5 full years today: too old
    assert PATENTS.score(patent("utility_model", "2019-05-01"), s) == D("0")
    assert PATENTS.score(patent("invention", "2025-07-01"), s) == D("0")    # after as_of


# --- awards -----------------------------------------------------------------------------------

def award(level, count=1):
    return stored(AWARDS, {"level": level, "count": count, "titles": "优秀新居民", "latest_on": "2024-05-01"})


def test_awards_points_per_award_and_level_caps():
    s = settings(AWARDS, {"points": {"county": "30", "prefecture": "60"}, "level_caps": {"county": "60"}})
    assert AWARDS.score(award("county"), s) == D("30")
    assert AWARDS.score(award("county", 3), s) == D("90")        # the worth; the core holds the level cap
    assert AWARDS.cap_group(award("county", 3), s) == ("county", D("60"))
    assert AWARDS.cap_group(award("prefecture", 3), s) == ("prefecture", None)
    assert AWARDS.score(award("national"), s) == D("0")          # not in this county's table


def test_awards_above_county_can_share_one_cap():
    s = settings(AWARDS, {"points": {"prefecture": "60", "province": "60"}, "level_caps": {"prefecture": "120"},
                          "share_cap_above_county": True})
    assert AWARDS.cap_group(award("province"), s) == ("above_county", D("120"))
    assert AWARDS.cap_group(award("prefecture"), s) == ("above_county", D("120"))
    assert AWARDS.cap_group(award("county"), s) == ("county", None)


def test_awards_count_defaults_to_one():
    assert AWARDS.input_schema().load({"level": "county", "titles": "优秀新居民", "latest_on": "2024-05-01"})["count"] == 1


# --- social service ---------------------------------------------------------------------------

ZHONGSHAN_SERVICE = {"cap": "20", "volunteer": {"points": "2", "unit": 50, "cap": "10"},
                     "blood": {"points": "2", "unit": 200, "cap": "10"}}


def service(kind, amount):
    return stored(SOCIAL_SERVICE, {"kind": kind, "amount": amount, "certified_by": "志愿汇"})


def test_social_service_full_units_and_per_kind_caps():
    s = settings(SOCIAL_SERVICE, ZHONGSHAN_SERVICE)
    assert SOCIAL_SERVICE.score(service("volunteer", 49), s) == D("0")
    assert SOCIAL_SERVICE.score(service("volunteer", 149), s) == D("4")    # 2 full blocks of 50
    assert SOCIAL_SERVICE.score(service("volunteer", 400), s) == D("16")   # the worth; the core caps the kind
    assert SOCIAL_SERVICE.cap_group(service("volunteer", 400), s) == ("volunteer", D("10"))
    assert SOCIAL_SERVICE.score(service("blood", 400), s) == D("4")
    assert SOCIAL_SERVICE.cap_group(service("blood", 1600), s) == ("blood", D("10"))
    assert SOCIAL_SERVICE.department_for(service("blood", 400)) == "health"
    assert SOCIAL_SERVICE.department_for(service("volunteer", 400)) == "civil_affairs"


def test_social_service_kind_left_out_is_worth_nothing():
    s = settings(SOCIAL_SERVICE, {"volunteer": {"points": "2", "unit": 50}})
    assert SOCIAL_SERVICE.score(service("blood", 1000), s) == D("0")
    assert SOCIAL_SERVICE.score(service("volunteer", 1000), s) == D("40")  # no kind cap set


# --- investment and tax -----------------------------------------------------------------------

def money(kind, amount, year):
    return stored(INVESTMENT_TAX, {"kind": kind, "amount": amount, "year": year})


def test_investment_and_tax_zhongshan_full_units_in_the_last_five_years():
    s = settings(INVESTMENT_TAX, {"investment": {"points": "1", "unit": "100000"},
                                  "income_tax": {"points": "1", "unit": "1000", "window_years": 5}})
    assert INVESTMENT_TAX.score(money("investment", "250000", 2012), s) == D("2")
    assert INVESTMENT_TAX.score(money("income_tax", "30999.99", 2024), s) == D("30")
    assert INVESTMENT_TAX.score(money("income_tax", "5000", 2020), s) == D("5")   # 2020-2024 count
    assert INVESTMENT_TAX.score(money("income_tax", "5000", 2019), s) == D("0")   # too old
    assert INVESTMENT_TAX.score(money("income_tax", "5000", 2025), s) == D("0")   # the year is not over


def test_investment_and_tax_shanghai_average_yearly_tax():
    s = settings(INVESTMENT_TAX, {"cap": "120", "income_tax": {"points": "10", "unit": "100000",
                                                              "whole_units": False, "average": True,
                                                              "window_years": 3}})
    # 30,000 in 2024 of a 3-year average: 30,000 / 100,000 x 10 / 3 = 1
    assert INVESTMENT_TAX.score(money("income_tax", "30000", 2024), s) == D("1")
    assert INVESTMENT_TAX.score(money("income_tax", "30000", 2021), s) == D("0")
    assert INVESTMENT_TAX.score(money("investment", "9000000", 2020), s) == D("0")


# --- deductions -------------------------------------------------------------------------------

ZHONGSHAN_DEDUCTIONS = {"criminal_penalty": {"points": "-100", "window_years": 5},
                        "detention": {"points": "-10", "window_years": 3}}


def decision(kind, decided_on):
    return stored(DEDUCTIONS, {"kind": kind, "decided_on": decided_on, "decided_by": "嘉善县公安局"})


def test_deductions_count_within_their_windows():
    s = settings(DEDUCTIONS, ZHONGSHAN_DEDUCTIONS)
    assert DEDUCTIONS.score(decision("criminal_penalty", "2020-07-01"), s) == D("-100")  # 4 years 11 months
    assert DEDUCTIONS.score(decision("criminal_penalty", "2020-06-30"), s) == D("0")     # 5 full years
    assert DEDUCTIONS.score(decision("detention", "2022-07-01"), s) == D("-10")
    assert DEDUCTIONS.score(decision("detention", "2022-06-30"), s) == D("0")
    assert DEDUCTIONS.score(decision("detention", "2025-07-01"), s) == D("0")            # after as_of


def test_deductions_kind_left_out_costs_nothing_and_no_window_means_always():
    s = settings(DEDUCTIONS, {"false_materials": {"points": "-150"}})
    assert DEDUCTIONS.score(decision("false_materials", "2001-01-01"), s) == D("-150")
    assert DEDUCTIONS.score(decision("detention", "2025-01-01"), s) == D("0")


def test_deduction_points_are_never_positive():
    with pytest.raises(ma.ValidationError):
        DEDUCTIONS.settings_schema().load({"detention": {"points": "10"}})
