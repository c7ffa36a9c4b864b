"""The equity report of a round: its applicants and the places allocated, by town, age band, gender and
years of residence, as aggregates only, with small cells suppressed (docs/ranking.md, "Equity report").

Applicants are the round's program applications not withdrawn, and any others in its current run's
results; allocated are those whose outcome in the current run is ``allocated``. The town and the years
of residence come from the applicant's profile, age and gender from the national ID number (GB 11643:
the date of birth, and the sequence code, odd for men). The number is decrypted here, one row at a time,
only to put the person in a group; nothing but the counts leaves this module. Ages and years of
residence are counted on the round's closing date.

Suppression (:func:`protect`): a count of 1 to 4 is shown as "fewer than 5"; so is an allocated count
whose applicants are. A column's total is shown (unless it is itself 1 to 4), so a hidden cell could be
worked out from the total and the cells shown: while any hidden cell of a column can be, the next
smallest cell above zero that is shown is hidden too ("hidden", a complementary suppression), and when
no such cell is left, the total is hidden. Zeros are shown. An allocation rate is shown only where both
of its counts are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.calendar.ages import age_on
from jifen.identity import protect as id_protect
from jifen.models import ApplicantProfile, ProgramApplication, ProgramRound, RankingResult, RankingRun, User
from jifen.ranking import runs as ranking
from jifen.text import lazy_gettext as _l

SMALLEST_SHOWN = 5  # a count from 1 to SMALLEST_SHOWN - 1 is suppressed
WITHDRAWN = "withdrawn"
SHOWN, SMALL, HIDDEN = "shown", "small", "hidden"  # a cell's state: its count, "fewer than 5", hidden
UNKNOWN = "unknown"

AGE_BANDS = ((None, 25, "under_25"), (25, 35, "25_34"), (35, 45, "35_44"), (45, 55, "45_54"), (55, None, "55_plus"))
RESIDENCE_BANDS = ((None, 3, "under_3"), (3, 5, "3_5"), (5, 10, "5_10"), (10, None, "10_plus"))

LABELS = {
    "age": {"under_25": _l("Under 25"), "25_34": _l("25 to 34"), "35_44": _l("35 to 44"), "45_54": _l("45 to 54"),
            "55_plus": _l("55 and over"), UNKNOWN: _l("Age not known")},
    "gender": {"women": _l("Women"), "men": _l("Men"), UNKNOWN: _l("Gender not known")},
    "residence": {"under_3": _l("Under 3 years"), "3_5": _l("3 to under 5 years"), "5_10": _l("5 to under 10 years"),
                  "10_plus": _l("10 years or more"), UNKNOWN: _l("Start of work in the county not stated")},
    "town": {UNKNOWN: _l("Town not stated")},
}
DIMENSIONS = ("town", "age", "gender", "residence")
TITLES = {"town": _l("By town"), "age": _l("By age on the closing date"), "gender": _l("By gender"),
          "residence": _l("By years of work in the county on the closing date")}


@dataclass(frozen=True)
class Cell:
    """A count as the page shows it: ``count`` is None unless ``state`` is :data:`SHOWN`."""

    state: str
    count: int | None

    @property
    def shown(self) -> bool:
        return self.state == SHOWN


@dataclass(frozen=True)
class Group:
    key: str  # a band's key, a town's name as stored, or UNKNOWN
    label: object  # the words for it (a town's name is data, the rest translated)
    is_data: bool  # True for a town's name (translate="no")
    applicants: Cell
    allocated: Cell

    @property
    def rate(self) -> Decimal | None:
        """The allocation rate in per cent (one decimal), when both counts are shown and there are applicants."""
        if not (self.applicants.shown and self.allocated.shown) or not self.applicants.count:
            return None
        return (Decimal(100 * self.allocated.count) / self.applicants.count).quantize(Decimal("0.1"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Dimension:
    key: str  # one of DIMENSIONS
    title: object
    groups: tuple[Group, ...]
    applicants: Cell  # the column totals
    allocated: Cell


@dataclass(frozen=True)
class EquityReport:
    round: ProgramRound
    run: RankingRun | None
    on: date  # ages and years of residence are counted on this day (the round's closing date)
    dimensions: tuple[Dimension, ...]


# --------------------------------------------------------------------------- grouping


def _band(value: int | None, bands) -> str:
    if value is None:
        return UNKNOWN
    for low, high, key in bands:
        if (low is None or value >= low) and (high is None or value < high):
            return key
    return UNKNOWN


def person_groups(id_number: str | None, town: str | None, works_since: date | None, on: date) -> dict[str, str]:
    """The group of one person in each dimension (``{"town": ..., "age": ..., ...}``)."""
    age = gender = None
    if id_number and len(id_number) == 18:
        try:
            age = age_on(date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14])), on)
            gender = "men" if int(id_number[16]) % 2 == 1 else "women"
        except ValueError:
            age = gender = None
    years = age_on(works_since, on) if works_since is not None and works_since <= on else None
    return {"town": town or UNKNOWN, "age": _band(age, AGE_BANDS), "gender": gender or UNKNOWN,
            "residence": _band(years, RESIDENCE_BANDS)}


def tally(session: Session, found: ProgramRound) -> tuple[RankingRun | None, dict[str, dict[str, list[int]]]]:
    """The round's current run, and ``{dimension: {group: [applicants, allocated]}}`` (raw counts, never shown
    as such). Two statements: the run's outcomes, then the applications with their people, read in batches."""
    run = ranking.current_run(session, found)
    outcomes: dict[int, str] = {}
    if run is not None:
        outcomes = dict(session.execute(select(RankingResult.program_application_id, RankingResult.outcome)
                                        .where(RankingResult.run_id == run.id)).all())
    counts: dict[str, dict[str, list[int]]] = {d: {} for d in DIMENSIONS}
    rows = session.execute(
        select(ProgramApplication.id, ProgramApplication.status, User.id_number_encrypted, ApplicantProfile.town,
               ApplicantProfile.works_in_county_since)
        .join(User, User.id == ProgramApplication.user_id)
        .outerjoin(ApplicantProfile, ApplicantProfile.user_id == ProgramApplication.user_id)
        .where(ProgramApplication.round_id == found.id)
        .execution_options(yield_per=2000))
    for entry_id, status, encrypted, town, works_since in rows:
        outcome = outcomes.get(entry_id)
        if status == WITHDRAWN and outcome is None:
            continue
        try:
            number = id_protect.decrypt(encrypted)
        except Exception:  # a number that cannot be read counts as "not known"
            number = None
        allocated = int(outcome == ranking.ALLOCATED)
        for dimension, group in person_groups(number, town, works_since, found.closes_on).items():
            cell = counts[dimension].setdefault(group, [0, 0])
            cell[0] += 1
            cell[1] += allocated
    return run, counts


# --------------------------------------------------------------------------- suppression


def _small(count: int) -> bool:
    return 1 <= count < SMALLEST_SHOWN


def _bounds(counts, states, column: int, total: int) -> list[tuple[int, int]]:
    """What a reader can tell of each cell of ``column`` (0: applicants, 1: allocated) from what is shown
    and from allocated <= applicants: its least and greatest possible count."""
    found = []
    for (applicants, allocated), (a_state, p_state) in zip(counts, states):
        if column == 0:
            state, value = a_state, applicants
            floor = allocated if p_state == SHOWN else 0
            low, high = (1, SMALLEST_SHOWN - 1) if state == SMALL else (max(1, floor), total)
        else:
            state, value = p_state, allocated
            ceiling = applicants if a_state == SHOWN else (SMALLEST_SHOWN - 1 if a_state == SMALL else total)
            low = 0 if a_state == SMALL else 1
            high = min(SMALLEST_SHOWN - 1, ceiling) if state == SMALL else ceiling
        found.append((value, value) if state == SHOWN else (low, high))
    return found


def _derivable(counts, states, column: int, total: int) -> bool:
    """Whether the total and the shown cells of ``column`` give away the count of a hidden cell."""
    hidden = [i for i, s in enumerate(states) if s[column] != SHOWN]
    if not hidden:
        return False
    bounds = _bounds(counts, states, column, total)
    rest = total - sum(c[column] for c, s in zip(counts, states) if s[column] == SHOWN)
    for i in hidden:
        others_low = sum(bounds[j][0] for j in hidden if j != i)
        others_high = sum(bounds[j][1] for j in hidden if j != i)
        if max(bounds[i][0], rest - others_high) == min(bounds[i][1], rest - others_low):
            return True
    return False


def protect(counts: list[tuple[int, int]]) -> tuple[list[tuple[str, str]], tuple[str, str]]:
    """The state of each cell (applicants, allocated) of one dimension's groups, and of its two totals,
    by the rule in this module's docstring."""
    totals = [sum(c[0] for c in counts), sum(c[1] for c in counts)]
    states = [[SMALL if _small(a) else SHOWN, SMALL if _small(p) or _small(a) else SHOWN] for a, p in counts]
    total_states = [SMALL if _small(t) else SHOWN for t in totals]
    for _ in range(4 * len(counts) + 4):  # each pass hides one more cell or a total, or stops
        changed = False
        for column in (0, 1):
            if total_states[column] != SHOWN or not _derivable(counts, states, column, totals[column]):
                continue
            candidates = [(c[column], i) for i, (c, s) in enumerate(zip(counts, states))
                          if s[column] == SHOWN and c[column] > 0]
            if candidates:
                states[min(candidates)[1]][column] = HIDDEN
            else:
                total_states[column] = HIDDEN
            changed = True
        if not changed:
            break
    return [tuple(s) for s in states], tuple(total_states)


def _cell(state: str, count: int) -> Cell:
    return Cell(state, count if state == SHOWN else None)


def _ordered(dimension: str, groups: dict[str, list[int]]) -> list[str]:
    if dimension == "town":
        return sorted(g for g in groups if g != UNKNOWN) + ([UNKNOWN] if UNKNOWN in groups else [])
    keys = {"age": [k for _l0, _h, k in AGE_BANDS], "gender": ["women", "men"],
            "residence": [k for _l0, _h, k in RESIDENCE_BANDS]}[dimension]
    return keys + ([UNKNOWN] if UNKNOWN in groups else [])  # every band, with its zero


def equity_report(session: Session, found: ProgramRound) -> EquityReport:
    """The round's equity report: each dimension's groups with their counts suppressed as documented."""
    run, counts = tally(session, found)
    dimensions = []
    for key in DIMENSIONS:
        groups = counts[key]
        order = _ordered(key, groups)
        raw = [tuple(groups.get(g, (0, 0))) for g in order]
        states, total_states = protect(raw)
        rows = tuple(
            Group(g, g if key == "town" and g != UNKNOWN else LABELS[key][g], key == "town" and g != UNKNOWN,
                  _cell(s[0], c[0]), _cell(s[1], c[1]))
            for g, c, s in zip(order, raw, states))
        dimensions.append(Dimension(key, TITLES[key], rows, _cell(total_states[0], sum(c[0] for c in raw)),
                                    _cell(total_states[1], sum(c[1] for c in raw))))
    return EquityReport(found, run, found.closes_on, tuple(dimensions))
