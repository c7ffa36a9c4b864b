"""Family planning: an optional score item and veto that no demo county enables."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from jifen.points.eligibility import ApplicantFacts
from jifen.plugin.manager import CountyHooks, load_installed_plugins
from jifen.county.folders import read_spec
from jifen_plugins import family_planning
from jifen_plugins.family_planning import FAMILY_PLANNING

ROOT = Path(__file__).resolve().parents[2]
OVER_QUOTA = ApplicantFacts(has_residence_permit=True, works_in_county_since=date(2020, 1, 1),
                            births_over_quota=True, as_of=date(2025, 6, 30))


def test_the_certificate_scores_from_the_countys_table():
    settings = FAMILY_PLANNING.settings_schema().load({"points": {"one_child_parents": "10"}})
    item = {"certificate_number": "33040001", "issued_on": "2003-05-01"}
    assert FAMILY_PLANNING.score({**item, "kind": "one_child_parents"}, settings) == Decimal("10")
    assert FAMILY_PLANNING.score({**item, "kind": "rural_two_daughters"}, settings) == Decimal("0")


def test_births_over_quota_are_vetoed_unless_the_county_switches_it_off():
    assert [v.key for v in family_planning.check_eligibility(OVER_QUOTA, {})] == ["births_over_quota"]
    assert family_planning.check_eligibility(OVER_QUOTA, {"family_planning": False}) == []
    facts = ApplicantFacts(has_residence_permit=True, births_over_quota=False)
    assert family_planning.check_eligibility(facts, {}) == []


def test_the_veto_is_only_asked_of_counties_that_enable_the_plugin():
    load_installed_plugins()

    def keys(enabled):
        results = CountyHooks(frozenset(enabled)).check_eligibility(applicant=OVER_QUOTA, settings={})
        return {v.key for result in results for v in (result or [])}

    assert "births_over_quota" not in keys({"education"})
    assert "births_over_quota" in keys({"education", "family_planning"})


def test_no_demo_county_enables_it():
    for slug in ("jiashan", "haining"):
        entry = read_spec(ROOT / "tenants" / slug).plugins.get("family_planning")
        assert entry is None or not entry["enabled"]
