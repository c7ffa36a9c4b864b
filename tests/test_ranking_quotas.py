"""Quotas and sub-quotas of runs and simulations (jifen.ranking): they add up, no run allocates more than
its quota, and the cutoff means one thing (docs/ranking.md, "The cutoff")."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from jifen import references
from jifen.models import AuditEvent, ProgramApplication, ProgramRound, RankingResult
from jifen.points.rules import ensure_current_version
from jifen.ranking import runs as ranking
from jifen.county.tenancy import require_tenant
from tests.ledger_helpers import confirmed_points

A, B, C = "魏塘街道", "西塘镇", "姚庄镇"
OPENS, CLOSES = date(2026, 9, 1), date(2026, 11, 30)
THRESHOLD = Decimal(60)  # Jiashan's hukou transfer threshold


def _round(session, version, *, quota, sub_quotas, second_round=True, cap=50, threshold=None):
    found = ProgramRound(program_key="hukou_transfer", name="2026年积分入户", opens_on=OPENS, closes_on=CLOSES,
                         quota=quota, sub_quotas=sub_quotas, second_round=second_round,
                         second_round_cap_percent=cap, threshold=threshold, cutoff_ties="strict", rule_version=version)
    session.add(found)
    session.flush()
    return found


@pytest.fixture
def pool(county, make_user):
    """Applicants with confirmed points (ties on purpose, a few below the threshold): (user id, points)."""
    points = [150, 140, 140, 130, 120, 120, 120, 110, 100, 95, 90, 90, 80, 75, 70, 70, 65, 60, 55, 50,
              135, 125, 115, 105, 85]
    users = [make_user("jiashan", real_name="张三明") for _ in points]
    with county("jiashan") as session:
        version = ensure_current_version(session, actor="test").version
        for user, p in zip(users, points):
            confirmed_points(session, user.id, version, p)
        session.commit()
    return version, [(user.id, Decimal(p)) for user, p in zip(users, points)]


def _apply(session, found, entries):
    """entries: (pool entry, town or None); returns the program application ids."""
    ids = []
    for n, ((user_id, _points), town) in enumerate(entries):
        application = ProgramApplication(reference=references.next_reference(session), round_id=found.id, user_id=user_id, sub_quota=town,
                                         applied_at=datetime(2026, 9, 10, 9, n))
        session.add(application)
        session.flush()
        ids.append(application.id)
    return ids


# --------------------------------------------------------------------------- the probe's round, small


def _towns_round(session, pool, **values):
    """Quota 9 (A 5, B 4), A has 6 competing applicants and B 5: raising A by one without the quota
    would allocate 10 in round 1 alone."""
    version, people = pool
    found = _round(session, version, quota=9, sub_quotas={A: 5, B: 4}, **values)
    _apply(session, found, [(people[i], A) for i in range(6)] + [(people[i], B) for i in range(6, 11)])
    return found


def test_a_town_raised_without_the_quota_is_refused_in_the_persons_language(county, pool):
    with county("jiashan") as session:
        found = _towns_round(session, pool)
        with pytest.raises(ranking.RankingError) as refused:
            ranking.simulate(session, found, sub_quotas={A: 6, B: 4})
        assert str(refused.value) == ("The sub-quotas add up to 10 places, not to the quota of 9: "
                                      "change the quota or a sub-quota so that they agree.")
        with force_locale("zh_Hans_CN"):
            chinese = str(refused.value.message)
        assert "10" in chinese and "9" in chinese and "sub-quotas" not in chinese
        # a run of a round whose sub-quotas do not add up is refused as well
        found.sub_quotas = {A: 6, B: 4}
        with pytest.raises(ranking.RankingError, match="add up to 10 places"):
            ranking.run(session, found, actor="test", persist=False)
        session.rollback()


def test_raising_the_town_and_the_quota_allocates_at_most_the_new_quota(county, pool):
    with county("jiashan") as session:
        found = _towns_round(session, pool)
        raised = ranking.simulate(session, found, quota=10, sub_quotas={A: 6, B: 4})
        assert raised.allocated_count == 10
        assert {(s.name, s.places, s.allocated) for s in raised.sub_quotas} == {(A, 6, 6), (B, 4, 4)}
        raised_more = ranking.simulate(session, found, quota=15, sub_quotas={A: 10, B: 5})
        assert raised_more.allocated_count == 11  # everyone competing; never above 15
        session.rollback()


@pytest.mark.parametrize("bad, message", [
    ({"quota": "9"}, "The quota must be a whole number of places."),
    ({"quota": True}, "The quota must be a whole number of places."),
    ({"sub_quotas": {A: "abc", B: 4}}, f"The sub-quota of {A} must be a whole number of places."),
    ({"sub_quotas": {A: 5.5, B: 3.5}}, f"The sub-quota of {A} must be a whole number of places."),
    ({"quota": 4, "sub_quotas": {A: 5, B: -1}}, "A quota cannot be negative."),
])
def test_a_number_is_a_number(county, pool, bad, message):
    with county("jiashan") as session:
        found = _towns_round(session, pool)
        with pytest.raises(ranking.RankingError) as refused:
            ranking.simulate(session, found, **bad)
        assert str(refused.value) == message
        session.rollback()


# --------------------------------------------------------------------------- the cutoff, defined once


def test_the_cutoff_is_the_lowest_allocated_points_also_after_a_second_round(county, pool):
    """A has 3 places and 2 applicants (150, 70): one place left over goes to B's 120 in round 2. The
    round's cutoff is 70 (A's), not 120 (the last round-2 pick); B's cutoff is 120, A's 70."""
    version, people = pool
    by_points = {}
    for entry in people:
        by_points.setdefault(int(entry[1]), []).append(entry)
    with county("jiashan") as session:
        found = _round(session, version, quota=5, sub_quotas={A: 3, B: 2}, cap=50)
        _apply(session, found, [(by_points[150][0], A), (by_points[70][0], A), (by_points[140][0], B),
                                (by_points[130][0], B), (by_points[120][0], B)])
        outcome = ranking.run(session, found, actor="test")
        session.commit()
        assert outcome.allocated_count == 5
        assert outcome.cutoff == Decimal("70.00")
        assert [s.name for s in outcome.sub_quotas] == sorted([A, B])
        assert {(s.name, s.places, s.allocated, s.cutoff) for s in outcome.sub_quotas} == {
            (A, 3, 2, Decimal("70.00")), (B, 2, 3, Decimal("120.00"))}
        run = session.get(ranking.RankingRun, (require_tenant().id, outcome.run_id))
        assert run.cutoff == Decimal("70.00")
        assert ranking.sub_quotas_of_run(session, run) == outcome.sub_quotas
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "ranking.run")).one()
        assert event.details["cutoff"] == "70.00"
        assert event.details["sub_quota_cutoffs"] == {A: "70.00", B: "120.00"}
        # the same definition in a simulation
        same = ranking.simulate(session, found)
        assert same.cutoff == Decimal("70.00") and same.sub_quotas == outcome.sub_quotas


# --------------------------------------------------------------------------- property: never more than the quota


def _expected(rows, quota, subs, second_round, cap):
    """Outcomes from the run's order, by the rules of docs/ranking.md (round 1, then the capped round 2)."""
    competing = [r for r in rows if r.outcome not in ("served_by_spouse", "below_threshold")]
    allocated: dict[int, int] = {}
    if subs:
        taken = dict.fromkeys(subs, 0)
        for r in competing:
            if r.sub_quota in subs and taken[r.sub_quota] < subs[r.sub_quota]:
                taken[r.sub_quota] += 1
                allocated[r.program_application_id] = 1
        if second_round:
            left = (quota if quota is not None else sum(subs.values())) - len(allocated)
            caps = {name: places * cap // 100 for name, places in subs.items()}
            second = dict.fromkeys(subs, 0)
            for r in competing:
                if left <= 0:
                    break
                if r.program_application_id in allocated or r.sub_quota not in subs:
                    continue
                if second[r.sub_quota] < caps[r.sub_quota]:
                    second[r.sub_quota] += 1
                    allocated[r.program_application_id] = 2
                    left -= 1
    else:
        for r in competing[:quota]:
            allocated[r.program_application_id] = 1
    return allocated


def _check(session, run_id, outcome, quota, subs, second_round, cap, order=None):
    rows = order or session.execute(
        select(RankingResult.program_application_id, RankingResult.sub_quota, RankingResult.points,
               RankingResult.outcome, RankingResult.allocation_round)
        .where(RankingResult.run_id == run_id).order_by(RankingResult.position)).all()
    for r in rows:
        assert (r.outcome == "below_threshold") == (r.points < THRESHOLD)
    expected = _expected(rows, quota, subs, second_round, cap)
    total = quota if quota is not None else sum(subs.values())
    assert outcome.allocated_count == len(expected) <= total
    points = {r.program_application_id: r.points for r in rows}
    if outcome.persisted:
        assert {r.program_application_id: r.allocation_round for r in rows if r.outcome == "allocated"} == expected
    else:
        assert outcome.allocated == set(expected)
    assert outcome.cutoff == (min(points[n] for n in expected) if expected else None)
    for sub in outcome.sub_quotas:
        mine = [points[n] for n in expected if next(r for r in rows if r.program_application_id == n).sub_quota
                == sub.name]
        assert sub.places == subs[sub.name] and sub.allocated == len(mine)
        assert sub.cutoff == (min(mine) if mine else None)
        assert sub.allocated <= sub.places + (sub.places * cap // 100 if second_round else 0)
    return rows


@st.composite
def rounds(draw):
    towns = draw(st.lists(st.sampled_from([A, B, C]), min_size=0, max_size=3, unique=True))
    subs = {town: draw(st.integers(1, 8)) for town in towns}
    if subs:
        quota = draw(st.sampled_from([sum(subs.values()), None]))
    else:
        quota = draw(st.integers(1, 20))
    applicants = draw(st.lists(st.tuples(st.integers(0, 24), st.sampled_from([*towns, "其他镇", None])),
                               max_size=25, unique_by=lambda t: t[0]))
    second_round = draw(st.booleans())
    cap = draw(st.sampled_from([0, 10, 34, 50, 100]))
    change = draw(st.dictionaries(st.sampled_from(towns), st.integers(1, 8), max_size=3)) if towns else {}
    quota_off_by = draw(st.sampled_from([0, 0, 1, -1, 5]))
    new_quota = draw(st.integers(1, 20))
    return subs, quota, applicants, second_round, cap, change, quota_off_by, new_quota


@settings(max_examples=40, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(case=rounds())
def test_no_run_or_simulation_allocates_more_than_its_quota(county, pool, case):
    subs, quota, applicants, second_round, cap, change, quota_off_by, new_quota = case
    version, people = pool
    with county("jiashan") as session:
        try:
            found = _round(session, version, quota=quota, sub_quotas=subs, second_round=second_round, cap=cap)
            _apply(session, found, [(people[i], town) for i, town in applicants])
            outcome = ranking.run(session, found, actor="test", seed=7)
            ranking.make_current(session, session.get(ranking.RankingRun, (require_tenant().id, outcome.run_id)),
                                 "test")
            order = _check(session, outcome.run_id, outcome, quota, subs, second_round, cap)
            # a simulation with other sub-quotas: refused unless they add up to its quota
            if subs:
                new_subs = {**subs, **change}
                asked = sum(new_subs.values()) + quota_off_by
                if quota_off_by:
                    with pytest.raises(ranking.RankingError, match="add up"):
                        ranking.simulate(session, found, quota=asked, sub_quotas=new_subs)
                else:
                    simulated = ranking.simulate(session, found, quota=asked, sub_quotas=new_subs)
                    _check(session, None, simulated, asked, new_subs, second_round, cap, order=order)
            else:
                simulated = ranking.simulate(session, found, quota=new_quota)
                _check(session, None, simulated, new_quota, {}, second_round, cap, order=order)
        finally:
            session.rollback()
