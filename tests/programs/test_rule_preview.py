"""A points table change previewed before it is saved: who moves, by how much, and each unfrozen round's cutoff."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from jifen.models import RankingRun, RuleVersion, User
from jifen.programs import rule_preview
from jifen.programs import rounds as programs

BACHELOR = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2012-06-30"}
COLLEGE = {**BACHELOR, "level": "college"}
POINTS = {"junior_high": "20", "senior_high": "30", "college": "60", "bachelor": "80", "master": "80", "phd": "80"}


@pytest.fixture
def two_applicants(county, applicant_with_points, open_round, on_day):
    """Jiashan: a bachelor (80) and a college graduate (60) in an open hukou round of one place."""
    on_day(date(2027, 3, 1))
    found = open_round("jiashan", "hukou_transfer", quota=1)
    people = {}
    for name, item in (("bachelor", BACHELOR), ("college", COLLEGE)):
        person = applicant_with_points("jiashan", [("education", item)])
        with county("jiashan") as session:
            user = session.scalar(select(User).where(User.id == person.id))
            programs.apply(session, programs.programs(session)["hukou_transfer"], user, {"town": "魏塘街道"})
            session.commit()
        people[name] = person
    return found


def preview(county, settings):
    with county("jiashan") as session:
        work = SimpleNamespace(params={"plugin": "education", "item": "education", "settings": settings},
                               progress=lambda *a: None)
        result = rule_preview.preview(session, work)
        versions = session.scalar(select(func.count(RuleVersion.version)))
        runs = session.scalar(select(func.count(RankingRun.id)))
        session.rollback()
        return result, versions, runs


def test_raising_a_level_counts_who_rises_and_moves_the_open_rounds_cutoff(county, two_applicants):
    with county("jiashan") as session:
        versions_before = session.scalar(select(func.count(RuleVersion.version)))
    result, versions, runs = preview(county, {"cap": None, "points": {**POINTS, "college": "95"}})
    assert (result["applications"], result["raised"], result["lowered"]) == (2, 1, 0)
    assert Decimal(result["largest_rise"]) == 35 and Decimal(result["largest_fall"]) == 0
    [effect] = result["rounds"]
    assert effect["round"] == two_applicants and effect["applications"] == 2
    assert Decimal(effect["cutoff_after"]) - Decimal(effect["cutoff_before"]) == 15  # 95 now takes the place, not 80
    assert effect["allocated_before"] == effect["allocated_after"] == 1
    assert versions == versions_before and runs == 0  # nothing stored


def test_lowering_a_level_and_leaving_one_out(county, two_applicants):
    lowered = {k: v for k, v in POINTS.items() if k != "college"}  # college left out: worth 0
    result, _versions, _runs = preview(county, {"cap": None, "points": {**lowered, "bachelor": "70"}})
    assert (result["raised"], result["lowered"]) == (0, 2)
    assert Decimal(result["largest_fall"]) == 60  # the college graduate's whole 60: replaced, not merged
    [effect] = result["rounds"]
    assert Decimal(effect["cutoff_before"]) - Decimal(effect["cutoff_after"]) == 10


def test_the_same_values_move_nobody(county, two_applicants):
    result, _versions, _runs = preview(county, {"cap": None, "points": POINTS})
    assert (result["raised"], result["lowered"]) == (0, 0)
    [effect] = result["rounds"]
    assert effect["cutoff_before"] == effect["cutoff_after"]


def test_frozen_rounds_are_not_previewed(county, two_applicants):
    with county("jiashan") as session:
        from jifen.county.tenancy import require_tenant
        from jifen.models import ProgramRound

        found = session.get(ProgramRound, (require_tenant().id, two_applicants))
        found.rule_version = 1
        session.commit()
    result, _versions, _runs = preview(county, {"cap": None, "points": {**POINTS, "college": "95"}})
    assert result["rounds"] == []
