"""Statistics of rounds and programs (jifen.programs.statistics): counts per sub-quota and in total from
the round's current run, the points distribution, the cutoffs as the run recorded them, and the same
headline figures over all rounds of a program; counted by the database, not row by row in Python."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from jifen import references
from jifen.county.tenancy import require_tenant
from jifen.models import Application, ProgramApplication, ProgramRound, RankingRun
from jifen.models.application import CONFIRMED, SUBMITTED
from jifen.programs import statistics
from jifen.ranking import runs as ranking

A, B = "魏塘街道", "西塘镇"


def _round(session, name="2026年积分入户", opens_on=date(2026, 9, 1), **values):
    values = {"quota": 5, "sub_quotas": {A: 3, B: 2}, "second_round": True, "second_round_cap_percent": 50,
              "cutoff_ties": "strict", **values}
    found = ProgramRound(program_key="hukou_transfer", name=name, opens_on=opens_on,
                         closes_on=opens_on.replace(month=opens_on.month + 2), **values)
    session.add(found)
    session.flush()
    return found


def _apply(session, found, user_id, town, *, points=None, status=CONFIRMED, withdrawn=False, minute=0):
    existing = session.scalar(select(Application).where(Application.user_id == user_id))
    if existing is None:
        session.add(Application(user_id=user_id, status=status,
                                total_points=None if points is None else Decimal(points)))
    entry = ProgramApplication(reference=references.next_reference(session), round_id=found.id, user_id=user_id, sub_quota=town,
                               status="withdrawn" if withdrawn else "applied",
                               applied_at=datetime(2026, 9, 10, 9, minute))
    session.add(entry)
    session.flush()
    return entry


# A: 150 and 70 compete, 55 is below Jiashan's hukou threshold (60), one applicant's points are not confirmed.
# B: 140, 130, 120, 100 compete, one applicant withdrew. Round 1: A 150, 70; B 140, 130. The place A
# leaves over goes in round 2 to B's 120 (cap 50% of B's 2 places: 1). Cutoffs: A 70, B 120, the round 70.
PEOPLE = [(A, "150", CONFIRMED, False), (A, "70", CONFIRMED, False), (A, "55", CONFIRMED, False),
          (A, "90", SUBMITTED, False),
          (B, "140", CONFIRMED, False), (B, "130", CONFIRMED, False), (B, "120", CONFIRMED, False),
          (B, "100", CONFIRMED, False), (B, "95", CONFIRMED, True)]


@pytest.fixture
def ranked(county, make_user):
    """A hukou round of Jiashan with the people above, ranked by a real run made current."""
    users = [make_user("jiashan", real_name="张三明") for _ in PEOPLE]
    with county("jiashan") as session:
        found = _round(session)
        for minute, (user, (town, points, status, withdrawn)) in enumerate(zip(users, PEOPLE)):
            _apply(session, found, user.id, town, points=points, status=status, withdrawn=withdrawn, minute=minute)
        outcome = ranking.run(session, found, actor="test", seed=3)
        ranking.make_current(session, session.get(RankingRun, (require_tenant().id, outcome.run_id)), "test")
        session.commit()
        return {"round": found.id, "run": outcome.run_id, "users": users, "outcome": outcome}


def _get(session, round_id) -> ProgramRound:
    return session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))


def _figures(f: statistics.Figures) -> tuple:
    return f.applicants, f.withdrawn, f.confirmed, f.ranked, f.eligible, f.allocated


def test_counts_per_sub_quota_and_in_total_come_from_the_current_run(county, ranked):
    with county("jiashan") as session:
        stats = statistics.round_statistics(session, _get(session, ranked["round"]))
        assert stats.run.id == ranked["run"]
        assert [s.name for s in stats.sub_quotas] == [A, B]
        by_name = {s.name: s for s in stats.sub_quotas}
        # applicants, withdrawn, confirmed, ranked, eligible (at or above the threshold), allocated
        assert _figures(by_name[A].figures) == (4, 0, 3, 3, 2, 2)
        assert _figures(by_name[B].figures) == (4, 1, 4, 4, 4, 3)
        assert _figures(stats.total) == (8, 1, 7, 7, 6, 5)
        assert (by_name[A].places, by_name[B].places, stats.places) == (3, 2, 5)


def test_the_cutoffs_are_the_ones_the_run_records(county, ranked):
    with county("jiashan") as session:
        found = _get(session, ranked["round"])
        stats = statistics.round_statistics(session, found)
        run = session.get(RankingRun, (require_tenant().id, ranked["run"]))
        assert stats.cutoff == run.cutoff == Decimal("70.00")  # A's 70, not B's 120 picked in round 2
        assert stats.sub_quota_cutoffs == ((A, Decimal("70.00")), (B, Decimal("120.00")))
        recorded = {s.name: s.cutoff for s in ranking.sub_quotas_of_run(session, run)}
        assert {s.name: s.cutoff for s in stats.sub_quotas} == recorded


def test_the_distribution_counts_ranked_and_allocated_per_bar_without_gaps(county, ranked):
    with county("jiashan") as session:
        dist = statistics.round_statistics(session, _get(session, ranked["round"])).distribution
        assert dist.width == 5  # 55 to 150 in 20 bars
        assert [b.lower for b in dist.bins] == list(range(55, 155, 5))
        assert all(b.upper == b.lower + 5 for b in dist.bins)
        bars = {b.lower: (b.count, b.allocated) for b in dist.bins}
        assert bars[150] == (1, 1) and bars[140] == (1, 1) and bars[120] == (1, 1) and bars[70] == (1, 1)
        assert bars[100] == (1, 0) and bars[55] == (1, 0) and bars[60] == (0, 0)
        assert sum(b.count for b in dist.bins) == 7 and sum(b.allocated for b in dist.bins) == 5
        assert dist.most == 1


def test_a_round_without_a_current_run_has_application_figures_only(county, ranked, make_user):
    people = [make_user("jiashan") for _ in range(3)]
    with county("jiashan") as session:
        found = _round(session, name="2027年积分入户", opens_on=date(2027, 9, 1), quota=2, sub_quotas={})
        for n, person in enumerate(people):
            _apply(session, found, person.id, A if n else None, points="80", minute=n)
        session.commit()
        stats = statistics.round_statistics(session, found)
        assert stats.run is None and stats.cutoff is None and stats.distribution.bins == ()
        assert _figures(stats.total) == (3, 0, 3, 0, 0, 0)
        assert [(s.name, s.places, s.figures.applicants) for s in stats.sub_quotas] == [(A, None, 2), (None, None, 1)]


def test_a_run_made_by_hand_without_parameters_gives_the_recorded_cutoff(county, hand_ranked_round):
    made = hand_ranked_round("jiashan")
    with county("jiashan") as session:
        stats = statistics.round_statistics(session, _get(session, made["round"]))
        assert stats.cutoff == Decimal("88")
        assert [(s.name, s.places, s.cutoff) for s in stats.sub_quotas] == [(A, None, None)]
        assert _figures(stats.total) == (4, 0, 4, 4, 4, 2)
        assert stats.distribution.width == 5
        assert [b.lower for b in stats.distribution.bins] == list(range(60, 100, 5))


def test_every_round_of_a_program_with_the_sums(county, ranked, make_user):
    person = make_user("jiashan")
    with county("jiashan") as session:
        later = _round(session, name="2027年积分入户", opens_on=date(2027, 9, 1), quota=2, sub_quotas={})
        _apply(session, later, person.id, None, points="80")
        session.commit()
        found = {p.program_key: p for p in statistics.program_statistics(session)}
        hukou = found["hukou_transfer"]
        assert [h.round.name for h in hukou.rounds] == ["2026年积分入户", "2027年积分入户"]
        first, second = hukou.rounds
        assert _figures(first.figures) == (8, 1, 7, 7, 6, 5) and first.cutoff == Decimal("70.00")
        assert first.places == 5 and first.run.id == ranked["run"]
        assert _figures(second.figures) == (1, 0, 1, 0, 0, 0) and second.cutoff is None and second.run is None
        assert _figures(hukou.total) == (9, 1, 8, 7, 6, 5) and hukou.places == 7


def test_the_figures_take_the_same_few_statements_whatever_the_number_of_applications(county, make_user):
    """Grouped in SQL: the statements do not grow with the applications (none is loaded row by row)."""

    def statements(size: int) -> int:
        users = [make_user("jiashan") for _ in range(size)]
        with county("jiashan") as session:
            found = _round(session, name=f"批次 {size}", opens_on=date(2026 + size, 9, 1), quota=2, sub_quotas={})
            for n, user in enumerate(users):
                _apply(session, found, user.id, A if n % 2 else B, points=str(60 + n), minute=n % 60)
            outcome = ranking.run(session, found, actor="test", seed=1)
            ranking.make_current(session, session.get(RankingRun, (require_tenant().id, outcome.run_id)), "test")
            session.commit()
            seen = []
            engine = session.get_bind()
            listener = lambda *args: seen.append(args[2])  # noqa: E731
            event.listen(engine, "before_cursor_execute", listener)
            try:
                statistics.round_statistics(session, found)
                statistics.program_statistics(session, [found])
            finally:
                event.remove(engine, "before_cursor_execute", listener)
            return len(seen)

    assert statements(3) == statements(30)


@pytest.mark.parametrize("low, high, width", [(55, 150, 5), (0, 119, 5), (0, 120, 10), (-20, 400, 20),
                                              (None, None, 5), (80, 80, 5)])
def test_the_bar_width_keeps_the_chart_to_a_phone_width(low, high, width):
    assert statistics.bin_width(low, high) == width
