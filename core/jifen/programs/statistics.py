"""Statistics for county officials: a round's figures per sub-quota and its points distribution, and the
headline figures of every round of each program (docs/ranking.md, "Statistics").

Everything is counted by the database (``GROUP BY``) through the tenant-scoped session: a round may have
200,000 applications, and no function here loads them. The ranked figures come from the round's
*current* run (the one published, or to be published); a round without one has none. The cutoffs are
the ones the run recorded (:attr:`RankingRun.cutoff`, and :func:`jifen.ranking.runs.sub_quotas_of_run`
per sub-quota), never computed again here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import case, func, literal_column, select
from sqlalchemy.orm import Session

from jifen.models import Application, ProgramApplication, ProgramRound, RankingResult, RankingRun
from jifen.models.application import CONFIRMED, RECHECK
from jifen.ranking import runs as ranking

APPLIED, WITHDRAWN = "applied", "withdrawn"
BIN_WIDTHS = (5, 10, 20, 50, 100, 200, 500)  # points per bar: the smallest that keeps the chart to MAX_BINS bars
MAX_BINS = 24


@dataclass
class Figures:
    """How many applications of a round (or of a sub-quota, or of a program's rounds) reached each stage.

    ``applicants``: program applications not withdrawn; ``withdrawn``: those withdrawn; ``confirmed``: of
    the applicants, those whose points are confirmed (or whose re-check is pending), so they can be
    ranked; ``ranked``: applications in the current run; ``eligible``: of those, the ones at or above the
    threshold and, for a program with its own ranking score, at or above its pass mark (every outcome but
    those of :data:`jifen.ranking.allocation.NOT_ELIGIBLE`); ``allocated``: given a place (round 1 or 2).
    """

    applicants: int = 0
    withdrawn: int = 0
    confirmed: int = 0
    ranked: int = 0
    eligible: int = 0
    allocated: int = 0

    def add(self, other: "Figures") -> None:
        for name in ("applicants", "withdrawn", "confirmed", "ranked", "eligible", "allocated"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


@dataclass(frozen=True)
class SubQuotaStatistics:
    """One sub-quota (town, school, kindergarten: its name as stored, None for applications without one)."""

    name: str | None
    places: int | None  # the round's places for it; None when the round does not list it
    figures: Figures
    cutoff: Decimal | None  # docs/ranking.md, "The cutoff": from the run's results; None when none


@dataclass(frozen=True)
class Bin:
    lower: int  # points from ``lower`` (included) ...
    upper: int  # ... to ``upper`` (excluded)
    count: int  # ranked applications
    allocated: int  # of them, given a place


@dataclass(frozen=True)
class Distribution:
    """The ranked applications' points in bars of ``width`` points, lowest first, with no gaps."""

    width: int
    bins: tuple[Bin, ...] = ()

    @property
    def most(self) -> int:
        return max((b.count for b in self.bins), default=0)


@dataclass(frozen=True)
class RoundStatistics:
    round: ProgramRound
    run: RankingRun | None  # the round's current run
    total: Figures
    sub_quotas: tuple[SubQuotaStatistics, ...]
    distribution: Distribution
    places: int | None  # the round's quota (without one: the sum of its sub-quotas; None: no quota)

    @property
    def cutoff(self) -> Decimal | None:
        """The round's cutoff as the current run recorded it (docs/ranking.md, "The cutoff")."""
        return self.run.cutoff if self.run is not None else None

    @property
    def sub_quota_cutoffs(self) -> tuple[tuple[str, Decimal], ...]:
        return tuple((s.name, s.cutoff) for s in self.sub_quotas if s.name is not None and s.cutoff is not None)


@dataclass(frozen=True)
class RoundHeadline:
    """A round's headline figures, as in the table of a program's rounds."""

    round: ProgramRound
    run: RankingRun | None
    figures: Figures
    places: int | None

    @property
    def cutoff(self) -> Decimal | None:
        return self.run.cutoff if self.run is not None else None


@dataclass(frozen=True)
class ProgramStatistics:
    program_key: str
    rounds: tuple[RoundHeadline, ...]
    total: Figures = field(default_factory=Figures)  # all its rounds together
    places: int = 0  # all its rounds' places together (rounds without a quota add nothing)


# --------------------------------------------------------------------------- queries


def _places(found: ProgramRound) -> int | None:
    if found.quota is not None:
        return int(found.quota)
    if found.sub_quotas:
        return sum(int(v) for v in found.sub_quotas.values())
    return None


def _confirmed_count():
    return func.sum(case((Application.status.in_([CONFIRMED, RECHECK]), 1), else_=0))


def _application_counts(session: Session, key, condition) -> dict:
    """``{key value: Figures}`` of program applications grouped by ``key`` (a column), where ``condition``."""
    rows = session.execute(
        select(key, ProgramApplication.status, func.count(ProgramApplication.id), _confirmed_count())
        .select_from(ProgramApplication)
        .outerjoin(Application, Application.user_id == ProgramApplication.user_id)
        .where(condition).group_by(key, ProgramApplication.status)
    ).all()
    found: dict = {}
    for value, status, count, confirmed in rows:
        figures = found.setdefault(value, Figures())
        if status == WITHDRAWN:
            figures.withdrawn += count
        else:
            figures.applicants += count
            figures.confirmed += int(confirmed or 0)
    return found


def _result_counts(session: Session, key, condition) -> dict:
    """``{key value: Figures}`` with the ranked, eligible and allocated counts of results, grouped by ``key``."""
    rows = session.execute(
        select(key, RankingResult.outcome, func.count(RankingResult.program_application_id))
        .where(condition).group_by(key, RankingResult.outcome)
    ).all()
    found: dict = {}
    for value, outcome, count in rows:
        figures = found.setdefault(value, Figures())
        figures.ranked += count
        if outcome not in ranking.NOT_ELIGIBLE:
            figures.eligible += count
        if outcome == ranking.ALLOCATED:
            figures.allocated += count
    return found


def _sub_quota_cutoffs(session: Session, run: RankingRun) -> dict[str, Decimal | None]:
    """Each sub-quota's cutoff as docs/ranking.md defines it, from the run's results (headcount rounds
    with sub-quotas only; a run whose parameters name no quota mode, e.g. one made by hand, has none)."""
    params = run.params or {}
    if params.get("quota_mode") != "headcount" or not params.get("sub_quotas") or "program" not in params:
        return {}
    return {outcome.name: outcome.cutoff for outcome in ranking.sub_quotas_of_run(session, run)}


def bin_width(low: Decimal | float | None, high: Decimal | float | None) -> int:
    """The smallest of :data:`BIN_WIDTHS` that draws ``low``..``high`` in at most :data:`MAX_BINS` bars."""
    if low is None or high is None:
        return BIN_WIDTHS[0]
    for width in BIN_WIDTHS:
        if math.floor(float(high) / width) - math.floor(float(low) / width) + 1 <= MAX_BINS:
            return width
    return BIN_WIDTHS[-1]


def distribution(session: Session, run: RankingRun | None, *, include: Decimal | None = None) -> Distribution:
    """The points of ``run``'s results in bars (two grouped queries: the range, then the bars); the range
    is widened to ``include`` (the cutoff, which in threshold mode may lie outside the points)."""
    if run is None:
        return Distribution(BIN_WIDTHS[0])
    low, high = session.execute(select(func.min(RankingResult.points), func.max(RankingResult.points))
                                .where(RankingResult.run_id == run.id)).one()
    if low is None:
        return Distribution(BIN_WIDTHS[0])
    if include is not None:
        low, high = min(Decimal(str(low)), include), max(Decimal(str(high)), include)
    width = bin_width(low, high)
    bucket = func.floor(RankingResult.points / literal_column(str(int(width))))  # the same text in GROUP BY
    rows = session.execute(
        select(bucket, func.count(RankingResult.program_application_id),
               func.sum(case((RankingResult.outcome == ranking.ALLOCATED, 1), else_=0)))
        .where(RankingResult.run_id == run.id).group_by(bucket)
    ).all()
    counted = {int(b): (count, int(allocated or 0)) for b, count, allocated in rows}
    first, last = math.floor(float(low) / width), math.floor(float(high) / width)
    first, last = min([first, *counted]), max([last, *counted])
    return Distribution(width, tuple(Bin(b * width, (b + 1) * width, *counted.get(b, (0, 0)))
                                     for b in range(first, last + 1)))


def _sub_quota_order(found: ProgramRound, names) -> list[str | None]:
    """The round's sub-quotas in the order it lists them, then any others by name, then "none"."""
    listed = list(found.sub_quotas or {})
    others = sorted(n for n in names if n is not None and n not in listed)
    return listed + others + ([None] if None in names else [])


def round_statistics(session: Session, found: ProgramRound) -> RoundStatistics:
    """The figures of ``found`` per sub-quota and in total, and the distribution of its current run."""
    run = ranking.current_run(session, found)
    applications = _application_counts(session, ProgramApplication.sub_quota, ProgramApplication.round_id == found.id)
    results = (_result_counts(session, RankingResult.sub_quota, RankingResult.run_id == run.id)
               if run is not None else {})
    cutoffs = _sub_quota_cutoffs(session, run) if run is not None else {}
    total = Figures()
    subs = []
    names = set(applications) | set(results) | set(found.sub_quotas or {})
    for name in _sub_quota_order(found, names):
        figures = Figures()
        figures.add(applications.get(name, Figures()))
        ranked = results.get(name, Figures())
        figures.ranked, figures.eligible, figures.allocated = ranked.ranked, ranked.eligible, ranked.allocated
        total.add(figures)
        places = (found.sub_quotas or {}).get(name) if name is not None else None
        subs.append(SubQuotaStatistics(name, None if places is None else int(places), figures,
                                       cutoffs.get(name) if name is not None else None))
    # Only a round whose applications name a sub-quota has a table of them.
    shown = tuple(subs) if any(s.name is not None for s in subs) else ()
    return RoundStatistics(found, run, total, shown,
                           distribution(session, run, include=run.cutoff if run is not None else None),
                           _places(found))


def program_statistics(session: Session, rounds: list[ProgramRound] | None = None) -> list[ProgramStatistics]:
    """Every program with rounds in the county (or the programs of ``rounds``): each round's headline
    figures and the sums over its rounds. Three grouped queries whatever the number of rounds."""
    if rounds is None:
        rounds = list(session.scalars(select(ProgramRound).order_by(ProgramRound.program_key, ProgramRound.opens_on,
                                                                    ProgramRound.id)))
    if not rounds:
        return []
    ids = [r.id for r in rounds]
    applications = _application_counts(session, ProgramApplication.round_id, ProgramApplication.round_id.in_(ids))
    current = {run.round_id: run for run in session.scalars(
        select(RankingRun).where(RankingRun.is_current.is_(True), RankingRun.round_id.in_(ids)))}
    results = (_result_counts(session, RankingResult.run_id, RankingResult.run_id.in_([r.id for r in current.values()]))
               if current else {})
    by_program: dict[str, list[RoundHeadline]] = {}
    for found in rounds:
        run = current.get(found.id)
        figures = Figures()
        figures.add(applications.get(found.id, Figures()))
        if run is not None:
            ranked = results.get(run.id, Figures())
            figures.ranked, figures.eligible, figures.allocated = ranked.ranked, ranked.eligible, ranked.allocated
        by_program.setdefault(found.program_key, []).append(RoundHeadline(found, run, figures, _places(found)))
    found_programs = []
    for key, headlines in by_program.items():
        total = Figures()
        for headline in headlines:
            total.add(headline.figures)
        found_programs.append(ProgramStatistics(key, tuple(headlines), total,
                                                sum(h.places or 0 for h in headlines)))
    return found_programs
