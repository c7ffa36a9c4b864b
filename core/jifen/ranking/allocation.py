"""Steps 2-4 of a ranking run: rank the snapshot, apply the family rule, allocate the places.

The heart is one ``INSERT ... SELECT`` from the run's snapshot into its results with one sort
(DESIGN.md: ranking is done by the database). Over the total order (points, tie-breaks, lottery,
application id) it counts:

* ``position``, and a running count of the applications that do not compete (a spouse's family is
  served by the better-placed spouse; points below the threshold; for a program with its own ranking
  score, no such score or one below the pass mark, ranked after all others), which gives each
  competing application its rank among the competing ones;
* per sub-quota, the same two counts filtered to that sub-quota (``count(*) FILTER (WHERE sub_quota =
  ...)``): ``sub_position`` and the rank among the competing of that sub-quota. A round has a handful
  of sub-quotas (towns, schools); with more than :data:`ONE_SORT_SUB_QUOTAS` the statement sorts a
  second time, per sub-quota (a window ``PARTITION BY sub_quota``), which gives the same numbers.

On PostgreSQL the sort keys are whole numbers (points and tie-break values in hundredths, as
``bigint``): the same order, compared several times faster than ``numeric``.

From those ranks the statement writes each outcome directly: headcount round 1 (the first N of
each sub-quota, or of the county), threshold entitlement (everyone competing), a budget round's
unbroken run from the top (a running sum of the competing grants within the budget). Only what needs an
answer from other rows runs afterwards, and touches few rows: the second round for places left
over (capped per sub-quota), a budget round's smaller grants below one that no longer fits (the
"skip" rule), the cutoff score, and the notes naming the spouse who competes.

Couples are found before the statement from the snapshot's rows that carry a family key (a few):
sorted by the same total order in Python, every spouse after the first of a family is out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import BigInteger, Numeric, and_, bindparam, func, select, text
from sqlalchemy.engine import Connection

from jifen.models import RankingInput, RankingResult
from jifen.points.scoring import quantize
from jifen.ranking.snapshot import RankingError
from jifen.text import lazy_gettext as _l

if TYPE_CHECKING:
    from jifen.ranking.params import Params
    from jifen.ranking.snapshot import Progress

# Outcomes of a result row.
ALLOCATED = "allocated"
WAITLISTED = "waitlisted"
SERVED_BY_SPOUSE = "served_by_spouse"
BELOW_THRESHOLD = "below_threshold"
# A program with its own ranking score (jifen.ranking.program_score): no score recorded, or one below the pass mark.
NO_PROGRAM_SCORE = "no_program_score"
BELOW_PASS_MARK = "below_pass_mark"
OUTCOMES = (ALLOCATED, WAITLISTED, SERVED_BY_SPOUSE, BELOW_THRESHOLD, NO_PROGRAM_SCORE, BELOW_PASS_MARK)
NOT_ELIGIBLE = (BELOW_THRESHOLD, NO_PROGRAM_SCORE, BELOW_PASS_MARK)  # never compete, whatever the places

UPDATE_BATCH = 5000
READ_BATCH = 10000

ORDER_SQL = ("points DESC, tb1 DESC NULLS LAST, tb2 DESC NULLS LAST, tb3 DESC NULLS LAST, tb4 DESC NULLS LAST, "
             "lottery ASC, program_application_id ASC")
# Up to this many distinct sub-quotas in a run, one sort gives the positions overall and per sub-quota.
ONE_SORT_SUB_QUOTAS = 32


def order_sql(dialect: str) -> str:
    """:data:`ORDER_SQL` for ``dialect``. On PostgreSQL the points and tie-break values (numeric with
    two decimals) are compared as whole hundredths, ``bigint``: exact, the same order, a cheaper sort."""
    if dialect != "postgresql":
        return ORDER_SQL
    cents = [f"CAST({column} * 100 AS BIGINT) DESC NULLS LAST" for column in ("tb1", "tb2", "tb3", "tb4")]
    return ", ".join(["CAST(points * 100 AS BIGINT) DESC", *cents, "lottery ASC", "program_application_id ASC"])


def order_key(row) -> tuple:
    """The total order of :data:`ORDER_SQL` as a Python sort key (for the few rows sorted here)."""
    ties = tuple((value is None, -(value or 0)) for value in (row.tb1, row.tb2, row.tb3, row.tb4))
    return (-row.points, *ties, row.lottery, row.program_application_id)


def result_filter(results, tenant_id: int, run_id: int):
    return and_(results.c.tenant_id == tenant_id, results.c.run_id == run_id)


def set_outcomes(connection: Connection, tenant_id: int, run_id: int, rows: Iterable[dict]) -> None:
    """Batched executemany of rows {b_id, b_position, b_outcome, b_round, b_note}.

    Each row is named by its application id AND its position: whichever of the two indexes,
    (tenant, run, application) or (tenant, run, position), the planner picks (its row estimates for
    rows written moments ago are worthless), all three columns are matched: one index lookup.
    """
    results = RankingResult.__table__
    statement = (
        results.update()
        .where(result_filter(results, tenant_id, run_id),
               results.c.program_application_id == bindparam("b_id"), results.c.position == bindparam("b_position"))
        .values(outcome=bindparam("b_outcome"), allocation_round=bindparam("b_round"), note=bindparam("b_note"))
    )
    batch: list[dict] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= UPDATE_BATCH:
            connection.execute(statement, batch)
            batch = []
    if batch:
        connection.execute(statement, batch)


# --------------------------------------------------------------------------- the family rule


def family_losers(connection: Connection, tenant_id: int, inputs_run: int, terms=None) -> dict[int, int]:
    """Application id -> the id of the better-placed spouse's application that serves the family.
    With a program's own ranking score (``terms``), a spouse who does not compete serves nobody."""
    inputs = RankingInput.__table__
    rows = connection.execute(
        select(inputs.c.program_application_id, inputs.c.family_key, inputs.c.points, inputs.c.tb1, inputs.c.tb2,
               inputs.c.tb3, inputs.c.tb4, inputs.c.lottery, inputs.c.program_score)
        .where(inputs.c.tenant_id == tenant_id, inputs.c.run_id == inputs_run, inputs.c.family_key.is_not(None))
    ).all()
    if terms is not None:
        rows = [row for row in rows if terms.competes(row.program_score)]
    best: dict[str, object] = {}
    losers: dict[int, int] = {}
    for row in sorted(rows, key=order_key):
        first = best.setdefault(row.family_key, row)
        if first is not row:
            losers[row.program_application_id] = first.program_application_id
    return losers


def _note_family(connection: Connection, tenant_id: int, params: "Params", run_id: int,
                 losers: dict[int, int]) -> None:
    results = RankingResult.__table__
    ids = sorted(set(losers) | set(losers.values()))
    positions: dict[int, int] = {}
    for first in range(0, len(ids), READ_BATCH):
        positions.update(connection.execute(
            select(results.c.program_application_id, results.c.position)
            .where(result_filter(results, tenant_id, run_id),
                   results.c.program_application_id.in_(ids[first:first + READ_BATCH]))
        ).all())
    rule = params.family_rule or "family"
    set_outcomes(connection, tenant_id, run_id, (
        {"b_id": app_id, "b_position": positions[app_id], "b_outcome": SERVED_BY_SPOUSE, "b_round": None,
         "b_note": f"{rule}: the family competes with application {best_id} at position {positions[best_id]}"}
        for app_id, best_id in sorted(losers.items())))


# --------------------------------------------------------------------------- the statement


def _sub_quotas_of(connection: Connection, tenant_id: int, inputs_run: int) -> list[str | None] | None:
    """The distinct sub-quotas of the snapshot's rows (None among them for rows without one), or None
    when there are more than :data:`ONE_SORT_SUB_QUOTAS`."""
    inputs = RankingInput.__table__
    found = connection.execute(
        select(inputs.c.sub_quota).where(inputs.c.tenant_id == tenant_id, inputs.c.run_id == inputs_run)
        .group_by(inputs.c.sub_quota).limit(ONE_SORT_SUB_QUOTAS + 1)
    ).scalars().all()
    return None if len(found) > ONE_SORT_SUB_QUOTAS else sorted(found, key=lambda name: (name is None, name or ""))


def _insert_ranked(connection: Connection, tenant_id: int, params: "Params", inputs_run: int, results_run: int,
                   losers: dict[int, int]) -> None:
    values: dict = {"tenant": tenant_id, "inputs_run": inputs_run, "results_run": results_run,
                    "waitlisted": WAITLISTED, "allocated": ALLOCATED, "served": SERVED_BY_SPOUSE,
                    "below": BELOW_THRESHOLD}
    binds = []
    # Why an application does not compete: 1 = its family competes through the spouse, 2 = below threshold.
    excluded = []
    if losers:
        excluded.append("WHEN program_application_id IN :losers THEN 1")
        values["losers"] = sorted(losers)
        binds.append(bindparam("losers", expanding=True, type_=BigInteger()))
    if params.threshold is not None:
        excluded.append("WHEN points < :threshold THEN 2")
        values["threshold"] = quantize(params.threshold)
        binds.append(bindparam("threshold", type_=Numeric(10, 2)))
        values["below_note"] = f"below the threshold of {quantize(params.threshold)} points"
    # 3 = no program score, 4 = below its pass mark (a program with its own ranking score): these rank
    # after every competing application (``lead``), whatever their points.
    scored, lead, score_column, score_outcomes, score_notes = params.score_terms, "", "", "", ""
    if scored is not None:
        excluded.insert(0, "WHEN program_score IS NULL THEN 3")
        values.update(no_score=NO_PROGRAM_SCORE, below_pass=BELOW_PASS_MARK, no_score_note="no score recorded")
        if scored.pass_mark is not None:
            excluded.insert(1, "WHEN program_score < :pass_mark THEN 4")
            values["pass_mark"] = quantize(scored.pass_mark)
            binds.append(bindparam("pass_mark", type_=Numeric(10, 2)))
            values["pass_note"] = f"below the pass mark of {quantize(scored.pass_mark)}"
        lead, score_column = "CASE WHEN excluded >= 3 THEN 1 ELSE 0 END, ", ", program_score"
        score_outcomes = "WHEN excluded = 3 THEN :no_score WHEN excluded = 4 THEN :below_pass"
        score_notes = "WHEN excluded = 3 THEN :no_score_note" + (
            " WHEN excluded = 4 THEN :pass_note" if scored.pass_mark is not None else "")
    excluded_sql = f"CASE {' '.join(excluded)} ELSE 0 END" if excluded else "0"

    if params.quota_mode == "threshold":
        allocated = "TRUE"
    elif params.quota_mode == "headcount" and params.sub_quotas:
        places = " ".join(f"WHEN sub_quota = :sub_{i} THEN :places_{i}"
                          for i, _ in enumerate(sorted(params.sub_quotas)))
        for i, (name, quota) in enumerate(sorted(params.sub_quotas.items())):
            values[f"sub_{i}"], values[f"places_{i}"] = name, quota
        allocated = f"sub_position - sub_excluded <= CASE {places} ELSE 0 END"
    elif params.quota_mode == "headcount":
        allocated = "position - excluded_before <= :quota"
        values["quota"] = params.total_quota
    elif params.quota_mode == "budget":  # the money paid to competing applications so far, this one's included
        allocated = "amount IS NOT NULL AND spent <= :budget"  # no amount: never paid
        values["budget"] = params.total_quota
    else:  # cutoff score: decided afterwards from the quota-th competing application
        allocated = "FALSE"
    below_note = ":below_note" if params.threshold is not None else "NULL"
    order = order_sql(connection.dialect.name)
    subs = _sub_quotas_of(connection, tenant_id, inputs_run)
    if subs is not None:  # one sort: each row reads the running counts of its own sub-quota
        positions, competing = [], []
        for i, name in enumerate(subs):
            if name is None:
                same = "sub_quota IS NULL"
            else:
                same = f"sub_quota = :sq_{i}"
                values[f"sq_{i}"] = name
            positions.append(f"WHEN {same} THEN count(*) FILTER (WHERE {same}) OVER overall")
            competing.append(f"WHEN {same} THEN count(*) FILTER (WHERE {same} AND excluded > 0) OVER overall")
        sub_counts = (f"CASE {' '.join(positions)} END AS sub_position, "
                      f"CASE {' '.join(competing)} END AS sub_excluded") if subs else \
            "CAST(NULL AS BIGINT) AS sub_position, 0 AS sub_excluded"
        windows = f"overall AS (ORDER BY {lead}{order} ROWS UNBOUNDED PRECEDING)"
    else:  # many sub-quotas: a second sort, per sub-quota
        sub_counts = ("row_number() OVER per_sub AS sub_position, "
                      "sum(CASE WHEN excluded > 0 THEN 1 ELSE 0 END) OVER per_sub AS sub_excluded")
        windows = (f"overall AS (ORDER BY {lead}{order} ROWS UNBOUNDED PRECEDING), "
                   f"per_sub AS (PARTITION BY sub_quota ORDER BY {lead}{order} ROWS UNBOUNDED PRECEDING)")
    statement = text(f"""
        INSERT INTO ranking_results (tenant_id, run_id, program_application_id, position, sub_quota, sub_position,
                                     points, outcome, allocation_round, note, amount)
        SELECT tenant_id, :results_run, program_application_id, position, sub_quota, sub_position, points,
               CASE WHEN excluded = 1 THEN :served WHEN excluded = 2 THEN :below {score_outcomes}
                    WHEN {allocated} THEN :allocated ELSE :waitlisted END,
               CASE WHEN excluded = 0 AND {allocated} THEN 1 END,
               CASE WHEN excluded = 2 THEN {below_note} {score_notes} END, amount
        FROM (
            SELECT tenant_id, program_application_id, sub_quota, points, excluded, amount,
                   sum(CASE WHEN excluded = 0 THEN amount ELSE 0 END) OVER overall AS spent,
                   row_number() OVER overall AS position,
                   sum(CASE WHEN excluded > 0 THEN 1 ELSE 0 END) OVER overall AS excluded_before,
                   {sub_counts}
            FROM (
                SELECT tenant_id, program_application_id, sub_quota, points, tb1, tb2, tb3, tb4, lottery, amount{score_column},
                       {excluded_sql} AS excluded
                FROM ranking_inputs WHERE tenant_id = :tenant AND run_id = :inputs_run
            ) AS snapshot
            WINDOW {windows}
        ) AS ranked
    """)
    if binds:
        statement = statement.bindparams(*binds)
    connection.execute(statement, values)


# --------------------------------------------------------------------------- after the statement


def _second_round(connection: Connection, tenant_id: int, params: "Params", run_id: int, tallied: "Tally",
                  report: "Progress") -> "Tally":
    """Places left over go, in overall order, to competing applications of any sub-quota, but no
    sub-quota takes more than ``floor(cap% x its own quota)`` of them (Zhongshan 2016: 10%).
    Returns the tally with them (counted from the rows it allocated, not read again)."""
    left = max(0, params.total_quota - tallied.counts.get(ALLOCATED, 0))
    caps = {name: (quota * params.second_round_cap_percent) // 100 for name, quota in params.sub_quotas.items()}
    taken = dict.fromkeys(caps, 0)
    open_subs = {name for name, cap in caps.items() if cap > 0}
    results = RankingResult.__table__
    picked: list[dict] = []
    last_position = 0
    while left > 0 and open_subs:
        rows = connection.execute(
            select(results.c.program_application_id, results.c.sub_quota, results.c.position, results.c.points)
            .where(result_filter(results, tenant_id, run_id), results.c.outcome == WAITLISTED,
                   results.c.sub_quota.in_(sorted(open_subs)), results.c.position > last_position)
            .order_by(results.c.position).limit(READ_BATCH)
        ).all()
        if not rows:
            break
        for app_id, sub_quota, position, points in rows:
            last_position = position
            if sub_quota not in open_subs:
                continue
            picked.append({"b_id": app_id, "b_position": position, "b_outcome": ALLOCATED, "b_round": 2,
                           "b_note": None})
            tallied = tallied.with_one_more(sub_quota, quantize(points))
            taken[sub_quota] += 1
            left -= 1
            if taken[sub_quota] >= caps[sub_quota]:
                open_subs.discard(sub_quota)
            if left == 0 or not open_subs:
                break
    set_outcomes(connection, tenant_id, run_id, picked)
    report("second round", len(picked), None)
    return tallied


@dataclass
class Tally:
    """How many results of each outcome, and the cutoffs (docs/ranking.md, "The cutoff").

    ``cutoff``: the lowest points of an allocated application of the run; ``sub_cutoffs`` and
    ``sub_allocated``: the same and the number allocated, per sub-quota (None: applications without one).
    """

    counts: dict[str, int]
    cutoff: Decimal | None
    sub_cutoffs: dict[str | None, Decimal] = field(default_factory=dict)
    sub_allocated: dict[str | None, int] = field(default_factory=dict)
    paid: Decimal = Decimal("0")  # a budget round: the grants of the allocated applications, in yuan

    def with_one_more(self, sub_quota: str | None, points: Decimal) -> "Tally":
        """This tally with one waitlisted application of ``sub_quota`` allocated (a headcount round)."""
        counts = {**self.counts, ALLOCATED: self.counts.get(ALLOCATED, 0) + 1,
                  WAITLISTED: self.counts.get(WAITLISTED, 0) - 1}
        if not counts[WAITLISTED]:
            del counts[WAITLISTED]
        low = self.sub_cutoffs.get(sub_quota)
        sub_cutoffs = {**self.sub_cutoffs, sub_quota: points if low is None else min(low, points)}
        sub_allocated = {**self.sub_allocated, sub_quota: self.sub_allocated.get(sub_quota, 0) + 1}
        return Tally(counts, min(sub_cutoffs.values()), sub_cutoffs, sub_allocated, self.paid)


def tally(connection: Connection, tenant_id: int, run_id: int) -> Tally:
    """One pass over the run's results, grouped by outcome and sub-quota."""
    results = RankingResult.__table__
    rows = connection.execute(
        select(results.c.outcome, results.c.sub_quota, func.count(results.c.program_application_id),
               func.min(results.c.points), func.sum(results.c.amount))
        .where(result_filter(results, tenant_id, run_id)).group_by(results.c.outcome, results.c.sub_quota)
    ).all()
    counts: dict[str, int] = {}
    tallied = Tally(counts, None)
    for outcome, sub_quota, count, low, money in rows:
        counts[outcome] = counts.get(outcome, 0) + count
        if outcome == ALLOCATED:
            tallied.paid = quantize(tallied.paid + Decimal(str(money or 0)))
            tallied.sub_cutoffs[sub_quota] = quantize(low)
            tallied.sub_allocated[sub_quota] = count
    if tallied.sub_cutoffs:
        tallied.cutoff = min(tallied.sub_cutoffs.values())
    return tallied


def _cutoff(connection: Connection, tenant_id: int, params: "Params", run_id: int) -> None:
    """Cutoff score: the quota-th competing application sets the line; with ``cutoff_ties`` "all"
    everyone at its score is admitted, with "strict" exactly the first ``quota``."""
    results = RankingResult.__table__
    quota = params.total_quota
    if quota <= 0:
        return
    competing = and_(result_filter(results, tenant_id, run_id), results.c.outcome == WAITLISTED)
    nth = connection.execute(select(results.c.position, results.c.points).where(competing)
                             .order_by(results.c.position).offset(quota - 1).limit(1)).first()
    if nth is None:  # fewer competing applications than places: all of them
        condition = competing
    elif params.cutoff_ties == "all":
        condition = and_(competing, results.c.points >= nth.points)
    else:
        condition = and_(competing, results.c.position <= nth.position)
    connection.execute(results.update().where(condition).values(outcome=ALLOCATED, allocation_round=1))


def _budget_skips(connection: Connection, tenant_id: int, params: "Params", run_id: int, report: "Progress") -> int:
    """The "skip" rule of a budget round: below the first grant that no longer fits the money left,
    each waitlisted application whose grant still fits is paid, in rank order, until the money runs
    out (the statement paid the unbroken run from the top). Returns how many it paid."""
    results = RankingResult.__table__
    competing = and_(result_filter(results, tenant_id, run_id), results.c.amount.is_not(None))
    paid = connection.execute(select(func.coalesce(func.sum(results.c.amount), 0))
                              .where(competing, results.c.outcome == ALLOCATED)).scalar()
    left = Decimal(params.total_quota) - Decimal(paid)
    picked: list[dict] = []
    last_position = 0
    while left > 0:
        rows = connection.execute(
            select(results.c.program_application_id, results.c.position, results.c.amount)
            .where(competing, results.c.outcome == WAITLISTED, results.c.position > last_position,
                   results.c.amount <= left)
            .order_by(results.c.position).limit(READ_BATCH)
        ).all()
        if not rows:
            break
        for app_id, position, amount in rows:
            last_position = position
            if amount <= left:
                picked.append({"b_id": app_id, "b_position": position, "b_outcome": ALLOCATED, "b_round": 1,
                               "b_note": None})
                left -= amount
    set_outcomes(connection, tenant_id, run_id, picked)
    report("budget", len(picked), None)
    return len(picked)


def rank_and_allocate(connection: Connection, tenant_id: int, params: "Params", inputs_run: int, results_run: int,
                      report: "Progress") -> Tally:
    """Steps 2-4 from the snapshot of ``inputs_run`` into the results of ``results_run``."""
    losers = family_losers(connection, tenant_id, inputs_run, params.score_terms) if params.family_rule else {}
    _insert_ranked(connection, tenant_id, params, inputs_run, results_run, losers)
    report("ranked", 0, None)
    if losers:
        _note_family(connection, tenant_id, params, results_run, losers)
    if params.quota_mode == "cutoff":
        _cutoff(connection, tenant_id, params, results_run)
    if params.quota_mode == "budget" and params.budget_leftover == "skip":
        _budget_skips(connection, tenant_id, params, results_run, report)
    tallied = tally(connection, tenant_id, results_run)
    if params.quota_mode == "headcount" and params.sub_quotas and params.second_round:
        tallied = _second_round(connection, tenant_id, params, results_run, tallied, report)
    _within_quota(params, tallied)
    report("allocated", 0, None)
    return tallied


def _within_quota(params: "Params", tallied: Tally) -> None:
    """The last guard: a run never hands out more places than its quota, nor a budget round more money
    than its budget (ties at a cutoff score with
    ``cutoff_ties`` "all" excepted, by the rule), nor more of a sub-quota's than it has in round 1
    plus its second-round cap. Failing it is a fault of this module; the run is rolled back."""
    allocated = tallied.counts.get(ALLOCATED, 0)
    over = False
    if params.quota_mode == "headcount" or (params.quota_mode == "cutoff" and params.cutoff_ties == "strict"):
        over = allocated > params.total_quota
    if params.quota_mode == "budget":
        over = tallied.paid > params.total_quota
    if params.quota_mode == "headcount" and params.sub_quotas:
        cap = params.second_round_cap_percent if params.second_round else 0
        over = over or any(count > params.sub_quotas.get(name, 0) + params.sub_quotas.get(name, 0) * cap // 100
                           for name, count in tallied.sub_allocated.items())
    if over:
        raise RankingError(_l("The allocation gave more places than the quota; nothing was kept. "
                              "Please report this fault to the platform's support."))
