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
each sub-quota, or of the county), the capped second round (a running count, over the same sort, of
the competing applications round 1 left out within their sub-quota's cap: the places round 1 left
go to the first of them), threshold entitlement (everyone competing), a budget round's unbroken run
from the top (a running sum of the competing grants within the budget). Only what needs an answer
from other rows runs afterwards, and touches few rows: a budget round's smaller grants below one that
no longer fits (the "skip" rule), the cutoff score, and the notes naming the spouse who competes.

Couples are found before the statement from the snapshot's rows that carry a family key (a few):
sorted by the same total order in Python, every spouse after the first of a family is out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Iterable

from sqlalchemy import BigInteger, Numeric, Table, and_, bindparam, func, select, text
from sqlalchemy.engine import Connection

from jifen.points.scoring import quantize
from jifen.ranking import run_tables
from jifen.ranking.run_tables import SHARED, RunTables
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

# The total order: points, then the tie-break values (higher first, none last), the lottery, the application
# id. The statement sorts on these keys, projected once per row (k0 the points, k1-k4 the tie-break values).
KEYS_ORDER = ("k0 DESC, k1 DESC NULLS LAST, k2 DESC NULLS LAST, k3 DESC NULLS LAST, k4 DESC NULLS LAST, "
              "lottery ASC, program_application_id ASC")
NUMERIC_KEYS = "points AS k0, tb1 AS k1, tb2 AS k2, tb3 AS k3, tb4 AS k4"
# Up to this many distinct sub-quotas in a run, one sort gives the positions overall and per sub-quota.
ONE_SORT_SUB_QUOTAS = 32


def sort_keys(dialect: str) -> str:
    """The projection of the sort keys for ``dialect`` (sorted by :data:`KEYS_ORDER`). On PostgreSQL
    the points and tie-break values (numeric with two decimals) are whole hundredths, ``bigint``: exact,
    the same order, a cheaper sort."""
    if dialect != "postgresql":
        return NUMERIC_KEYS
    return ", ".join(f"CAST({column} * 100 AS BIGINT) AS k{i}"
                     for i, column in enumerate(("points", "tb1", "tb2", "tb3", "tb4")))


def order_key(row) -> tuple:
    """The total order of :data:`KEYS_ORDER` as a Python sort key (for the few rows sorted here)."""
    ties = tuple((value is None, -(value or 0)) for value in (row.tb1, row.tb2, row.tb3, row.tb4))
    return (-row.points, *ties, row.lottery, row.program_application_id)


def result_filter(results, tenant_id: int, run_id: int):
    return and_(results.c.tenant_id == tenant_id, results.c.run_id == run_id)


def set_outcomes(connection: Connection, tenant_id: int, run_id: int, rows: Iterable[dict],
                 results: Table = SHARED.results) -> None:
    """Batched executemany of rows {b_id, b_position, b_outcome, b_round, b_note}.

    Each row is named by its application id AND its position: whichever of the two indexes,
    (tenant, run, application) or (tenant, run, position), the planner picks (its row estimates for
    rows written moments ago are worthless), all three columns are matched: one index lookup.
    """
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


def family_losers(connection: Connection, tenant_id: int, inputs_run: int, terms=None,
                  inputs: Table = SHARED.inputs) -> dict[int, int]:
    """Application id -> the id of the better-placed spouse's application that serves the family.
    With a program's own ranking score (``terms``), a spouse who does not compete serves nobody."""
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
                 losers: dict[int, int], results: Table) -> None:
    rule = params.family_rule or "family"
    if connection.dialect.name == "postgresql":  # one statement: the spouses' ids as two arrays
        named = run_tables.quoted(connection, results)
        served = sorted(losers.items())
        connection.execute(text(f"""
            UPDATE {named} AS r
            SET outcome = :served, allocation_round = NULL,
                note = :rule || ': the family competes with application ' || b.program_application_id
                       || ' at position ' || b.position
            FROM unnest(CAST(:ids AS BIGINT[]), CAST(:best AS BIGINT[])) AS l (id, best_id)
            JOIN {named} AS b ON b.tenant_id = :tenant AND b.run_id = :run AND b.program_application_id = l.best_id
            WHERE r.tenant_id = :tenant AND r.run_id = :run AND r.program_application_id = l.id
        """), {"served": SERVED_BY_SPOUSE, "rule": rule, "ids": [loser for loser, _ in served],
               "best": [best for _, best in served], "tenant": tenant_id, "run": run_id})
        return
    ids = sorted(set(losers) | set(losers.values()))
    positions: dict[int, int] = {}
    for first in range(0, len(ids), READ_BATCH):
        positions.update(connection.execute(
            select(results.c.program_application_id, results.c.position)
            .where(result_filter(results, tenant_id, run_id),
                   results.c.program_application_id.in_(ids[first:first + READ_BATCH]))
        ).all())
    set_outcomes(connection, tenant_id, run_id, (
        {"b_id": app_id, "b_position": positions[app_id], "b_outcome": SERVED_BY_SPOUSE, "b_round": None,
         "b_note": f"{rule}: the family competes with application {best_id} at position {positions[best_id]}"}
        for app_id, best_id in sorted(losers.items())), results)


# --------------------------------------------------------------------------- the statement


def _sub_quotas_of(connection: Connection, tenant_id: int, inputs_run: int, inputs: Table = SHARED.inputs,
                   excluded_sql: str = "0", values: dict | None = None,
                   binds: Iterable = ()) -> dict[str | None, int]:
    """The distinct sub-quotas of the snapshot's rows (None for rows without one), each with how many
    of its applications compete (``excluded_sql`` is 0): one pass over the snapshot."""
    statement = text(f"""
        SELECT sub_quota, count(*) FILTER (WHERE {excluded_sql} = 0) AS competing
        FROM {run_tables.quoted(connection, inputs)} WHERE tenant_id = :tenant AND run_id = :inputs_run
        GROUP BY sub_quota
    """)
    if binds:
        statement = statement.bindparams(*binds)
    return dict(connection.execute(statement, {**(values or {}), "tenant": tenant_id, "inputs_run": inputs_run}).all())


def _second_round_places(params: "Params") -> bool:
    """Whether places left over in round 1 go to a capped second round (headcount rounds with sub-quotas)."""
    return bool(params.quota_mode == "headcount" and params.sub_quotas and params.second_round
                and params.second_round_cap_percent > 0)


def _insert_ranked(connection: Connection, tenant_id: int, params: "Params", inputs_run: int, results_run: int,
                   losers: dict[int, int], tables: RunTables) -> None:
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
    counted = _sub_quotas_of(connection, tenant_id, inputs_run, tables.inputs, excluded_sql, values, binds)
    subs = (sorted(counted, key=lambda name: (name is None, name or ""))
            if len(counted) <= ONE_SORT_SUB_QUOTAS else None)
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
        windows = f"overall AS (ORDER BY {lead}{KEYS_ORDER} ROWS UNBOUNDED PRECEDING)"
    else:  # many sub-quotas: a second sort, per sub-quota
        sub_counts = ("row_number() OVER per_sub AS sub_position, "
                      "sum(CASE WHEN excluded > 0 THEN 1 ELSE 0 END) OVER per_sub AS sub_excluded")
        windows = (f"overall AS (ORDER BY {lead}{KEYS_ORDER} ROWS UNBOUNDED PRECEDING), "
                   f"per_sub AS (PARTITION BY sub_quota ORDER BY {lead}{KEYS_ORDER} ROWS UNBOUNDED PRECEDING)")
    ranked = f"""
            SELECT tenant_id, program_application_id, sub_quota, points, excluded, amount,
                   k0, k1, k2, k3, k4, lottery{score_column},
                   sum(CASE WHEN excluded = 0 THEN amount ELSE 0 END) OVER overall AS spent,
                   row_number() OVER overall AS position,
                   sum(CASE WHEN excluded > 0 THEN 1 ELSE 0 END) OVER overall AS excluded_before,
                   {sub_counts}
            FROM (
                SELECT tenant_id, program_application_id, sub_quota, points, {sort_keys(connection.dialect.name)},
                       lottery, amount{score_column}, {excluded_sql} AS excluded
                FROM {run_tables.quoted(connection, tables.inputs)} WHERE tenant_id = :tenant AND run_id = :inputs_run
            ) AS snapshot
            WINDOW {windows}"""
    if _second_round_places(params):
        # The second round (Zhongshan 2016): the places round 1 leaves go, in the same order, to competing
        # applications of any sub-quota, but no sub-quota takes more than floor(cap% x its own places).
        # A running count over the same sort keys (the rows come sorted) gives them in this statement.
        caps = " ".join(f"WHEN sub_quota = :sub_{i} THEN :cap_{i}" for i, _ in enumerate(sorted(params.sub_quotas)))
        for i, (_name, quota) in enumerate(sorted(params.sub_quotas.items())):
            values[f"cap_{i}"] = quota * params.second_round_cap_percent // 100
        first_round = sum(min(quota, counted.get(name, 0)) for name, quota in params.sub_quotas.items())
        values["left"] = max(0, params.total_quota - first_round)
        decided = f"""
            SELECT *, CASE WHEN in_first = 1 THEN 1
                           WHEN in_second = 1 AND count(*) FILTER (WHERE in_second = 1) OVER again <= :left THEN 2
                      END AS won_round
            FROM (
                SELECT *, CASE WHEN excluded = 0 AND {allocated} THEN 1 ELSE 0 END AS in_first,
                       CASE WHEN excluded = 0 AND NOT ({allocated})
                                 AND sub_position - sub_excluded <= CASE {places} ELSE 0 END + CASE {caps} ELSE 0 END
                            THEN 1 ELSE 0 END AS in_second
                FROM ({ranked}) AS ranked
            ) AS sorted
            WINDOW again AS (ORDER BY {lead}{KEYS_ORDER} ROWS UNBOUNDED PRECEDING)"""
    else:
        decided = f"SELECT *, CASE WHEN excluded = 0 AND {allocated} THEN 1 END AS won_round FROM ({ranked}) AS ranked"
    statement = text(f"""
        INSERT INTO {run_tables.quoted(connection, tables.results)} (tenant_id, run_id, program_application_id,
                                     position, sub_quota, sub_position, points, outcome, allocation_round, note,
                                     amount)
        SELECT tenant_id, :results_run, program_application_id, position, sub_quota, sub_position, points,
               CASE WHEN excluded = 1 THEN :served WHEN excluded = 2 THEN :below {score_outcomes}
                    WHEN won_round IS NOT NULL THEN :allocated ELSE :waitlisted END,
               won_round,
               CASE WHEN excluded = 2 THEN {below_note} {score_notes} END, amount
        FROM ({decided}) AS decided
    """)
    if binds:
        statement = statement.bindparams(*binds)
    connection.execute(statement, values)


# --------------------------------------------------------------------------- after the statement


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


def tally(connection: Connection, tenant_id: int, run_id: int, results: Table = SHARED.results) -> Tally:
    """One pass over the run's results, grouped by outcome and sub-quota."""
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


def _cutoff(connection: Connection, tenant_id: int, params: "Params", run_id: int, results: Table) -> None:
    """Cutoff score: the quota-th competing application sets the line; with ``cutoff_ties`` "all"
    everyone at its score is admitted, with "strict" exactly the first ``quota``."""
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


def _budget_skips(connection: Connection, tenant_id: int, params: "Params", run_id: int, report: "Progress",
                  results: Table) -> int:
    """The "skip" rule of a budget round: below the first grant that no longer fits the money left,
    each waitlisted application whose grant still fits is paid, in rank order, until the money runs
    out (the statement paid the unbroken run from the top). Returns how many it paid."""
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
    set_outcomes(connection, tenant_id, run_id, picked, results)
    report("budget", len(picked), None)
    return len(picked)


def rank_and_allocate(connection: Connection, tenant_id: int, params: "Params", inputs_run: int, results_run: int,
                      report: "Progress", tables: RunTables = SHARED) -> Tally:
    """Steps 2-4 from the snapshot of ``inputs_run`` into the results of ``results_run``, in ``tables``
    (:mod:`jifen.ranking.run_tables`)."""
    losers = (family_losers(connection, tenant_id, inputs_run, params.score_terms, tables.inputs)
              if params.family_rule else {})
    _insert_ranked(connection, tenant_id, params, inputs_run, results_run, losers, tables)
    run_tables.loaded(connection, tables, results_run, "results")
    report("ranked", 0, None)
    results = tables.results
    if losers:
        _note_family(connection, tenant_id, params, results_run, losers, results)
    if params.quota_mode == "cutoff":
        _cutoff(connection, tenant_id, params, results_run, results)
    if params.quota_mode == "budget" and params.budget_leftover == "skip":
        _budget_skips(connection, tenant_id, params, results_run, report, results)
    tallied = tally(connection, tenant_id, results_run, results)
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
