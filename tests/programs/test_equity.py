"""The equity report of a round (jifen.programs.equity): applicants and places allocated by town, age band,
gender and years of work in the county on the closing date, from the current run; counts of 1 to 4
suppressed, and a further cell hidden wherever a suppressed one could be worked out from the total."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from jifen import references
from jifen.identity import accounts
from jifen.identity.national_id import check_digit
from jifen.models import ApplicantProfile, ProgramApplication, ProgramRound, RankingResult, RankingRun
from jifen.programs import equity
from jifen.programs.equity import HIDDEN, SHOWN, SMALL, UNKNOWN

A, B, C = "魏塘街道", "西塘镇", "姚庄镇"
CLOSES = date(2026, 11, 1)
M, F = True, False
PROFILE = object()  # "no profile"

# (town, born, man, works in the county since, allocated); town PROFILE: no profile at all
PEOPLE = [
    (A, date(2001, 11, 1), M, date(2024, 1, 1), True),   # 25 on the closing day; 2 years
    (A, date(2001, 11, 2), F, date(2023, 11, 1), True),  # 24 the day before her birthday; exactly 3 years
    (A, date(1995, 6, 1), M, date(2020, 1, 1), True),
    (A, date(1995, 6, 1), F, date(2015, 1, 1), True),
    (A, date(1985, 3, 3), M, date(2015, 1, 1), False),
    (A, date(1985, 3, 3), F, date(2015, 1, 1), False),
    (A, date(1975, 5, 5), M, date(2015, 1, 1), False),
    (A, date(1960, 1, 1), F, None, False),
    (B, date(1995, 6, 1), M, date(2020, 1, 1), True),
    (B, date(1995, 6, 1), F, date(2020, 1, 1), True),
    (B, date(1985, 3, 3), M, date(2020, 1, 1), True),
    (B, date(1985, 3, 3), F, date(2015, 1, 1), False),
    (B, date(1975, 5, 5), M, date(2015, 1, 1), False),
    (B, date(2003, 1, 1), F, date(2015, 1, 1), False),
    (C, date(1995, 6, 1), M, date(2020, 1, 1), True),
    (C, date(1985, 3, 3), F, date(2015, 1, 1), False),
    (PROFILE, date(1985, 3, 3), M, None, False),
]


def id_number(n: int, born: date, man: bool) -> str:
    first17 = f"330402{born:%Y%m%d}{(2 * n + (1 if man else 0)) % 1000:03d}"
    return first17 + check_digit(first17)


def build_round(session, people, *, name="2026年积分入户", withdrawn=1, start=0):
    """A hukou round closing on CLOSES with ``people`` applying (and ``withdrawn`` more who withdrew), and a
    current run made by hand: those marked allocated get a place, the others wait."""
    found = ProgramRound(program_key="hukou_transfer", name=name, opens_on=date(2026, 9, 1), closes_on=CLOSES,
                         quota=10)
    session.add(found)
    session.flush()
    run = RankingRun(round_id=found.id, seed=1, digest="cd" * 32, input_count=len(people),
                     allocated_count=sum(p[4] for p in people), cutoff=Decimal("60"), is_current=True, actor="test")
    session.add(run)
    session.flush()
    rows = list(people) + [(A, date(1995, 6, 1), M, date(2020, 1, 1), None)] * withdrawn
    for n, (town, born, man, since, allocated) in enumerate(rows, start=start + 1):
        user = accounts.create_user(session, real_name="王小明", id_number=id_number(n, born, man),
                                    mobile=f"167{n:08d}", password="Test-pass-2026", role="applicant", actor="test")
        if town is not PROFILE:
            session.add(ApplicantProfile(user_id=user.id, has_residence_permit=True, town=town,
                                         works_in_county_since=since))
        entry = ProgramApplication(reference=references.next_reference(session), round_id=found.id, user_id=user.id,
                                   status="withdrawn" if allocated is None else "applied",
                                   applied_at=datetime(2026, 9, 10, 9, 0))
        session.add(entry)
        session.flush()
        if allocated is not None:
            session.add(RankingResult(run_id=run.id, program_application_id=entry.id, position=n, points=Decimal(90 - n),
                                      outcome="allocated" if allocated else "waitlisted",
                                      allocation_round=1 if allocated else None))
    session.flush()
    return found


@pytest.fixture
def made(county):
    with county("jiashan") as session:
        found = build_round(session, PEOPLE)
        session.commit()
        return found.id


def _round(session, round_id):
    return session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))


def test_counts_per_dimension_from_the_profiles_the_id_numbers_and_the_current_run(county, made):
    with county("jiashan") as session:
        run, counts = equity.tally(session, _round(session, made))
        assert run is not None and run.is_current
        assert counts["town"] == {A: [8, 4], B: [6, 3], C: [2, 1], UNKNOWN: [1, 0]}  # the withdrawn one not counted
        assert counts["age"] == {"under_25": [2, 1], "25_34": [6, 6], "35_44": [6, 1], "45_54": [2, 0], "55_plus": [1, 0]}
        assert counts["gender"] == {"men": [9, 5], "women": [8, 3]}
        assert counts["residence"] == {"under_3": [1, 1], "3_5": [1, 1], "5_10": [5, 5], "10_plus": [8, 1],
                                       UNKNOWN: [2, 0]}


def test_a_round_without_a_current_run_counts_applicants_and_no_place(county, made):
    with county("jiashan") as session:
        session.scalar(select(RankingRun).where(RankingRun.round_id == made)).is_current = False
        session.flush()
        report = equity.equity_report(session, _round(session, made))
        assert report.run is None
        gender = {g.key: g for g in report.dimensions[2].groups}
        assert (gender["men"].applicants.count, gender["men"].allocated.count) == (9, 0)


def test_the_report_suppresses_small_cells_and_their_complements(county, made):
    with county("jiashan") as session:
        report = equity.equity_report(session, _round(session, made))
    assert report.on == CLOSES and [d.key for d in report.dimensions] == ["town", "age", "gender", "residence"]
    town, age, gender, residence = report.dimensions
    rows = {g.key: g for g in town.groups}
    assert [g.key for g in town.groups] == sorted([A, B, C]) + [UNKNOWN]
    assert rows[A].is_data and not rows[UNKNOWN].is_data
    assert (rows[A].applicants.count, rows[B].applicants.count) == (8, 6)
    assert rows[C].applicants == equity.Cell(SMALL, None) and rows[UNKNOWN].applicants.state == SMALL
    # allocated counts: 4 and 3 are small; those of the small groups are suppressed with them
    assert [g.allocated.state for g in town.groups] == [SMALL] * 4
    assert (town.applicants.count, town.allocated.count) == (17, 8)
    # gender: women's 3 places are fewer than 5, so the men's 5 would follow from the total 8: hidden too
    women, men = {g.key: g for g in gender.groups}["women"], {g.key: g for g in gender.groups}["men"]
    assert women.allocated.state == SMALL and men.allocated == equity.Cell(HIDDEN, None)
    assert (women.applicants.count, men.applicants.count) == (8, 9) and men.rate is None
    # the age bands, each with its words, every band listed
    bands = {g.key: g for g in age.groups}
    assert list(bands) == ["under_25", "25_34", "35_44", "45_54", "55_plus"]
    assert bands["25_34"].rate == Decimal("100.0") and bands["35_44"].allocated.state == SMALL
    assert bands["35_44"].applicants.count == 6 and bands["35_44"].rate is None
    assert str(bands["55_plus"].label) == "55 and over"
    years = {g.key: g for g in residence.groups}
    assert years["5_10"].rate == Decimal("100.0") and years[UNKNOWN].applicants.state == SMALL


def test_a_suppressed_cell_is_never_left_alone_with_a_total():
    # one small cell: the next smallest above zero goes too, never a zero
    states, totals = equity.protect([(20, 10), (0, 0), (3, 1), (9, 6), (12, 6)])
    assert [s[0] for s in states] == [SHOWN, SHOWN, SMALL, HIDDEN, SHOWN]
    assert [s[1] for s in states] == [SHOWN, SHOWN, SMALL, HIDDEN, SHOWN]
    assert totals == (SHOWN, SHOWN)
    # no small cell: everything shown
    assert equity.protect([(20, 10), (9, 5)]) == ([(SHOWN, SHOWN), (SHOWN, SHOWN)], (SHOWN, SHOWN))
    # two small cells whose sum only one split gives (1 + 1 = 2): another cell goes too
    states, _totals = equity.protect([(1, 0), (1, 0), (10, 5), (20, 5)])
    assert [s[0] for s in states] == [SMALL, SMALL, HIDDEN, SHOWN]
    # two small cells that cannot be told apart (1 + 2 = 3): enough
    states, _totals = equity.protect([(1, 0), (2, 0), (10, 5), (20, 5)])
    assert [s[0] for s in states] == [SMALL, SMALL, SHOWN, SHOWN]
    # a small total is suppressed; with nothing left to hide, so is a total that would give a cell away
    states, totals = equity.protect([(3, 0), (0, 0)])
    assert states == [(SMALL, SMALL), (SHOWN, SHOWN)] and totals == (SMALL, HIDDEN)


def test_the_groups_of_a_person():
    number = id_number(1, date(2001, 11, 1), M)
    assert equity.person_groups(number, A, date(2016, 11, 1), CLOSES) == {
        "town": A, "age": "25_34", "gender": "men", "residence": "10_plus"}
    assert equity.person_groups(None, None, date(2027, 1, 1), CLOSES) == {
        "town": UNKNOWN, "age": UNKNOWN, "gender": UNKNOWN, "residence": UNKNOWN}
