"""Step 1 of a ranking run: the snapshot, one :class:`~jifen.models.RankingInput` row per application.

Each row holds what decides the application's place: its points under the round's rule version, the
program's tie-break values (category or item subtotals, the application time), its sub-quota, its
family key (spouses who both applied share it) and a lottery number drawn from the run's seed. For a
program with its own ranking score (:mod:`jifen.ranking.program_score`) the row also holds that score,
and its points are the score plus the points counted.

Two ways to write it, giving the same rows:

* :func:`snapshot_in_sql`, the usual one: one ``INSERT ... SELECT`` over the round's applications,
  their points applications, their ledger sums and their spouses; nothing passes through Python.
* :func:`snapshot_in_python`, when points must be computed by the scoring function: a simulation
  with a changed points table, or a frozen rule version some applicants have no ledger rows for.
  It pages through the applications; every statement reads ONE table through an index (the round's
  applications by (tenant, round, user), the rest by lists of ids), so its plans do not depend on
  the planner's row estimates, which are worthless for rows written moments before.

The writers run on ``session.connection()`` and name the bound county in every statement and row.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time
from decimal import Decimal
from typing import TYPE_CHECKING, Callable

from flask_babel import force_locale
from sqlalchemy import BigInteger, Numeric, String, Table, and_, any_, case, cast, exists, func, literal, or_, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Connection, Row
from sqlalchemy.orm import Session

from jifen.points.ledger import verified_items
from jifen.models import (
    Application, FamilyMember, LedgerEntry, ProgramApplication, ProgramRound, RankingInput, RuleVersion,
)
from jifen.models.application import CONFIRMED, RECHECK
from jifen.plugin.kinds import CATEGORIES
from jifen.points.rules import county_item_types
from jifen.points.scoring import ZERO, Breakdown, Rules, quantize, score
from jifen.db.sql_functions import AppliedValue, Lottery, applied_value, lottery_number
from jifen.county.tenancy import require_tenant
from jifen.text import lazy_gettext as _l

APPLIED = "applied"  # ProgramApplication.status of an application that competes
APPLIED_AT = "applied_at"  # the tie-break that is a time (earlier ranks first), not a subtotal
PROGRAM_SCORE = "program_score"  # the tie-break that is the program's own score (ServiceProgram.ranking_score)
NOT_SUBTOTALS = (APPLIED_AT, PROGRAM_SCORE)
TIE_BREAK_SLOTS = 4  # RankingInput.tb1 .. tb4
SNAPSHOT_BATCH = 5000

if TYPE_CHECKING:
    from jifen.ranking.params import Params

Progress = Callable[[str, int, "int | None"], None]


class RankingError(Exception):
    """A run cannot be made as asked (unknown program, no quota, ...); the message says why.

    ``message`` is what a person reads, translated when it is shown (a lazy text); ``str()`` is the
    same message in English, the source language, for the command line and the logs.
    """

    def __init__(self, message) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        with force_locale("en"):
            return str(self.message)


def _among(connection: Connection, column, ids: list[int]):
    """``column IN ids``; on PostgreSQL one array parameter (``= ANY``) instead of thousands."""
    if connection.dialect.name == "postgresql":
        return column == any_(literal(list(ids), ARRAY(BigInteger())))
    return column.in_(ids)


def _page_of_applications(connection: Connection, tenant_id: int, round_id: int, after: int | None):
    pa = ProgramApplication.__table__
    query = (
        select(pa.c.id, pa.c.user_id, pa.c.sub_quota, pa.c.applied_at, pa.c.program_score, pa.c.amount)
        .where(pa.c.tenant_id == tenant_id, pa.c.round_id == round_id, pa.c.status == APPLIED)
        .order_by(pa.c.user_id).limit(SNAPSHOT_BATCH)
    )
    if after is not None:
        query = query.where(pa.c.user_id > after)
    return connection.execute(query).all()


def _confirmed_applications(connection: Connection, tenant_id: int, user_ids: list[int]) -> dict[int, Row]:
    """user id -> (id, total_points, rule_version) of their points application, if confirmed."""
    ap = Application.__table__
    rows = connection.execute(
        select(ap.c.user_id, ap.c.id, ap.c.total_points, ap.c.rule_version)
        .where(ap.c.tenant_id == tenant_id, _among(connection, ap.c.user_id, user_ids),
               ap.c.status.in_((CONFIRMED, RECHECK)))
    )
    return {row.user_id: row for row in rows}


@dataclass
class _Ledger:
    """One application's ledger under one rule version: row count, total, tie-break subtotals."""

    rows: int = 0
    total: Decimal = ZERO
    subtotals: dict[int, Decimal] = field(default_factory=dict)


def _ledgers(connection: Connection, tenant_id: int, application_ids: list[int], params: Params,
             version: int | None) -> dict[tuple[int, int], _Ledger]:
    """(application id, rule version) -> its ledger sums (only ``version`` when given)."""
    le = LedgerEntry.__table__
    subtotals = []
    for index, name in enumerate(params.tie_breaks):
        if name not in NOT_SUBTOTALS:
            column = le.c.category if name in CATEGORIES else le.c.item_type
            subtotals.append(func.sum(case((column == name, le.c.points), else_=ZERO)).label(f"sub_{index}"))
    query = (
        select(le.c.application_id, le.c.rule_version, func.count(le.c.id).label("rows"),
               func.sum(le.c.points).label("total"), *subtotals)
        .where(le.c.tenant_id == tenant_id, _among(connection, le.c.application_id, application_ids))
        .group_by(le.c.application_id, le.c.rule_version)
    )
    if version is not None:
        query = query.where(le.c.rule_version == version)
    found = {}
    for row in connection.execute(query):
        sums = {index: quantize(getattr(row, f"sub_{index}") or ZERO)
                for index, name in enumerate(params.tie_breaks) if name not in NOT_SUBTOTALS}
        found[(row.application_id, row.rule_version)] = _Ledger(row.rows, quantize(row.total or ZERO), sums)
    return found


def _spouses_who_applied(connection: Connection, tenant_id: int, round_id: int, user_ids: list[int]) -> dict[int, int]:
    """user id -> confirmed spouse's user id (as jifen.points.family.spouse_of), when the spouse applied too."""
    fm = FamilyMember.__table__
    links = dict(connection.execute(
        select(fm.c.user_id, fm.c.linked_user_id)
        .where(fm.c.tenant_id == tenant_id, _among(connection, fm.c.user_id, user_ids), fm.c.relation == "spouse",
               fm.c.link_confirmed.is_(True), fm.c.linked_user_id.is_not(None))
    ).all())
    if not links:
        return {}
    pa = ProgramApplication.__table__
    applied = set(connection.execute(
        select(pa.c.user_id).where(pa.c.tenant_id == tenant_id, pa.c.round_id == round_id, pa.c.status == APPLIED,
                                   _among(connection, pa.c.user_id, sorted(set(links.values()))))
    ).scalars())
    return {user: spouse for user, spouse in links.items() if spouse in applied}


def _rescored(session: Session, application_ids: list[int], rules: Rules, types) -> dict[int, Breakdown]:
    items = verified_items(session, application_ids)
    return {app_id: score(items.get(app_id, []), rules, types) for app_id in application_ids}


def snapshot_in_python(session: Session, connection: Connection, tenant_id: int, found: ProgramRound, params: Params,
                       run_id: int, seed: int, rules_override: Rules | None, report: Progress,
                       inputs: Table = RankingInput.__table__) -> int:
    """Write the run's RankingInput rows, a page of applications at a time (executemany; the county
    stamped on each row)."""
    total = session.scalar(select(func.count(ProgramApplication.id)).where(
        ProgramApplication.round_id == found.id, ProgramApplication.status == APPLIED)) or 0
    report("snapshot", 0, total)
    origin = datetime.combine(found.opens_on, time.min)
    frozen = found.rule_version
    types = county_item_types(session) if (rules_override is not None or frozen is not None) else {}
    version_rules: Rules | None = None
    done = seen = 0
    after = None
    while True:
        page = _page_of_applications(connection, tenant_id, found.id, after)
        if not page:
            break
        after = page[-1].user_id
        user_ids = [row.user_id for row in page]
        applications = _confirmed_applications(connection, tenant_id, user_ids)
        ids = [a.id for a in applications.values()]
        if rules_override is not None:
            ledgers: dict = {}
            breakdowns = _rescored(session, ids, rules_override, types) if ids else {}
        else:
            ledgers = _ledgers(connection, tenant_id, ids, params, frozen) if ids else {}
            # Under a frozen version, applicants not scored under it (no ledger rows for it) are
            # scored under it in memory with the one scoring function, from their verified items.
            missing = [a.id for a in applications.values()
                       if frozen is not None and a.rule_version != frozen and (a.id, frozen) not in ledgers]
            if missing and version_rules is None:
                version_rules = rules_of_version(session, frozen, types)
            breakdowns = _rescored(session, missing, version_rules, types) if missing else {}
        spouses = _spouses_who_applied(connection, tenant_id, found.id, user_ids) if params.family_rule else {}
        batch = []
        for row in page:
            application = applications.get(row.user_id)
            if application is None:
                continue  # points not confirmed: not ranked
            breakdown = breakdowns.get(application.id)
            version = frozen if frozen is not None else application.rule_version
            ledger = ledgers.get((application.id, version), _Ledger())
            if breakdown is not None:
                points = breakdown.total
            elif version is None or (application.rule_version == version and application.total_points is not None):
                points = application.total_points or ZERO  # the cached total: floored as the rules say
            else:
                if version_rules is None:
                    version_rules = rules_of_version(session, version, types)
                points = ledger.total
                if version_rules.floor is not None and points < version_rules.floor:
                    points = version_rules.floor
            own_score = None if row.program_score is None else quantize(row.program_score)
            tie_values: list[Decimal | None] = []
            for index, name in enumerate(params.tie_breaks):
                if name == APPLIED_AT:
                    tie_values.append(applied_value(row.applied_at, origin))
                elif name == PROGRAM_SCORE:
                    tie_values.append(own_score)
                elif breakdown is not None:
                    subtotals = breakdown.by_category if name in CATEGORIES else breakdown.by_type
                    tie_values.append(quantize(subtotals.get(name, ZERO)))
                else:
                    tie_values.append(ledger.subtotals.get(index, ZERO))
            tie_values += [None] * (TIE_BREAK_SLOTS - len(tie_values))
            spouse = spouses.get(row.user_id)
            if params.score_terms is not None:  # the program's own score plus the points counted
                points = params.score_terms.value(quantize(points), own_score)
            else:
                own_score = None
            batch.append({
                "tenant_id": tenant_id, "run_id": run_id, "program_application_id": row.id, "user_id": row.user_id,
                "sub_quota": row.sub_quota, "family_key": None if spouse is None else str(min(row.user_id, spouse)),
                "points": quantize(points), "tb1": tie_values[0], "tb2": tie_values[1], "tb3": tie_values[2],
                "tb4": tie_values[3], "lottery": lottery_number(seed, row.id), "program_score": own_score,
                "amount": row.amount,
            })
        if batch:
            connection.execute(inputs.insert(), batch)
            done += len(batch)
        seen += len(page)
        report("snapshot", seen, total)
    return done


def rules_of_version(session: Session, version: int, types) -> Rules:
    stored = session.get(RuleVersion, (require_tenant().id, version))
    if stored is None:
        raise RankingError(_l("Rule version %(version)s does not exist in this county.", version=version))
    rules = Rules.load(stored.rules, types or county_item_types(session), stored.version)
    if rules.unavailable:  # scoring without them would count those items 0
        raise RankingError(_l("Rule version %(version)s cannot be applied: the installed plugins cannot read the "
                              "settings of %(items)s.", version=version, items=", ".join(sorted(rules.unavailable))))
    return rules




# --------------------------------------------------------------------------- in SQL


def needs_python(connection: Connection, tenant_id: int, round_id: int, frozen: int | None) -> bool:
    """Whether some competing application's points cannot be read from stored data: under a frozen
    rule version it has no ledger rows for that version (and another cached total), or it has a
    rule version but no cached total."""
    pa, ap, le = ProgramApplication.__table__, Application.__table__, LedgerEntry.__table__
    unscored = and_(ap.c.total_points.is_(None), ap.c.rule_version.is_not(None))
    if frozen is not None:
        unscored = or_(unscored, and_(
            or_(ap.c.rule_version.is_(None), ap.c.rule_version != frozen),
            ~exists().where(le.c.tenant_id == tenant_id, le.c.application_id == ap.c.id, le.c.rule_version == frozen),
        ))
    query = (
        select(pa.c.id)
        .join(ap, and_(ap.c.tenant_id == pa.c.tenant_id, ap.c.user_id == pa.c.user_id))
        .where(pa.c.tenant_id == tenant_id, pa.c.round_id == round_id, pa.c.status == APPLIED,
               ap.c.status.in_((CONFIRMED, RECHECK)), unscored)
        .limit(1)
    )
    return connection.execute(query).first() is not None


def subtotals_cached(connection: Connection, tenant_id: int, round_id: int) -> bool:
    """Whether every competing application scored under its own rule version has its subtotals cached
    (:attr:`Application.subtotals`; applications scored before the cache existed are filled by migration
    core_0027, so this is False only for rows written around the writer, by hand or by a test kit)."""
    pa, ap = ProgramApplication.__table__, Application.__table__
    query = (
        select(pa.c.id)
        .join(ap, and_(ap.c.tenant_id == pa.c.tenant_id, ap.c.user_id == pa.c.user_id))
        .where(pa.c.tenant_id == tenant_id, pa.c.round_id == round_id, pa.c.status == APPLIED,
               ap.c.status.in_((CONFIRMED, RECHECK)), ap.c.rule_version.is_not(None), ap.c.subtotals.is_(None))
        .limit(1)
    )
    return connection.execute(query).first() is None


def snapshot_in_sql(connection: Connection, tenant_id: int, found: ProgramRound, params: "Params", run_id: int,
                    seed: int, floor: Decimal | None, inputs: Table = RankingInput.__table__) -> int:
    """The snapshot as one ``INSERT ... SELECT``; the same rows as :func:`snapshot_in_python` when
    :func:`needs_python` is False. ``floor``: the frozen rule version's floor on totals, if any.

    Under the applicants' own rule versions the tie-break subtotals are read from their cache
    (:attr:`Application.subtotals`) when every competing application has it, else summed from the ledger."""
    pa, ap, le, fm = (ProgramApplication.__table__, Application.__table__, LedgerEntry.__table__,
                      FamilyMember.__table__)
    frozen = found.rule_version
    cached = frozen is None and subtotals_cached(connection, tenant_id, found.id)
    # Ledger sums per (application, rule version) of the round's applicants: the tie-break subtotals,
    # and under a frozen rule version the total (else the cached total is the one that counts, and
    # only the ledger rows of the tie-break categories and item types are read).
    sums, wanted = [], []
    if frozen is not None:
        sums.append(func.sum(le.c.points).label("total"))
    for index, name in enumerate(params.tie_breaks):
        if name not in NOT_SUBTOTALS and not cached:
            column = le.c.category if name in CATEGORIES else le.c.item_type
            sums.append(func.sum(case((column == name, le.c.points), else_=ZERO)).label(f"sub_{index}"))
            wanted.append(column == name)
    round_users = select(pa.c.user_id).where(pa.c.tenant_id == tenant_id, pa.c.round_id == found.id,
                                             pa.c.status == APPLIED)
    round_applications = select(ap.c.id).where(ap.c.tenant_id == tenant_id, ap.c.user_id.in_(round_users))
    ledger_query = select(le.c.application_id, le.c.rule_version, *sums).where(
        le.c.tenant_id == tenant_id, le.c.application_id.in_(round_applications))
    if frozen is not None:
        ledger_query = ledger_query.where(le.c.rule_version == frozen)
    elif wanted:
        ledger_query = ledger_query.where(or_(*wanted))
    ledger = ledger_query.group_by(le.c.application_id, le.c.rule_version).subquery("ledger")
    version = ap.c.rule_version if frozen is None else literal(frozen)
    # Spouses who both applied: the family key is the smaller user id of the two.
    spouse_applied = select(pa.c.user_id).where(pa.c.tenant_id == tenant_id, pa.c.round_id == found.id,
                                                pa.c.status == APPLIED)
    spouses = (
        select(fm.c.user_id, func.min(fm.c.linked_user_id).label("spouse_id"))
        .where(fm.c.tenant_id == tenant_id, fm.c.relation == "spouse", fm.c.link_confirmed.is_(True),
               fm.c.linked_user_id.in_(spouse_applied))
        .group_by(fm.c.user_id).subquery("spouses")
    )
    if frozen is None:
        points = func.coalesce(ap.c.total_points, ZERO)
    else:
        stored = func.coalesce(ledger.c.total, ZERO)
        if floor is not None:
            stored = case((stored < floor, literal(floor)), else_=stored)
        points = case((and_(ap.c.rule_version == frozen, ap.c.total_points.is_not(None)), ap.c.total_points),
                      else_=stored)
    origin = datetime.combine(found.opens_on, time.min)
    ties = []
    for index, name in enumerate(params.tie_breaks):
        if name == APPLIED_AT:
            ties.append(AppliedValue(pa.c.applied_at, literal(origin)))
        elif name == PROGRAM_SCORE:
            ties.append(pa.c.program_score)
        elif cached:
            key = f"c:{name}" if name in CATEGORIES else f"t:{name}"
            ties.append(func.coalesce(cast(ap.c.subtotals[key].as_string(), Numeric(10, 2)), ZERO))
        else:
            ties.append(func.coalesce(getattr(ledger.c, f"sub_{index}"), ZERO))
    ties += [literal(None)] * (TIE_BREAK_SLOTS - len(ties))
    own_score = []
    if params.score_terms is not None:  # the program's own score plus the points counted
        points = params.score_terms.value_sql(points, pa.c.program_score)
        own_score = [pa.c.program_score]
    smaller = case((pa.c.user_id < spouses.c.spouse_id, pa.c.user_id), else_=spouses.c.spouse_id)
    family_key = case((spouses.c.spouse_id.is_(None), literal(None)), else_=cast(smaller, String(64)))
    if not params.family_rule:
        family_key = literal(None, String(64))
    rows = (
        select(
            pa.c.tenant_id, literal(run_id, BigInteger()), pa.c.id, pa.c.user_id, pa.c.sub_quota, family_key,
            points, *ties, Lottery(literal(seed, BigInteger()), pa.c.id), *own_score, pa.c.amount,
        )
        .select_from(pa)
        .join(ap, and_(ap.c.tenant_id == pa.c.tenant_id, ap.c.user_id == pa.c.user_id))
        .outerjoin(spouses, spouses.c.user_id == pa.c.user_id)
        .where(pa.c.tenant_id == tenant_id, pa.c.round_id == found.id, pa.c.status == APPLIED,
               ap.c.status.in_((CONFIRMED, RECHECK)))
    )
    if sums:
        rows = rows.outerjoin(ledger, and_(ledger.c.application_id == ap.c.id, ledger.c.rule_version == version))
    result = connection.execute(inputs.insert().from_select(
        ["tenant_id", "run_id", "program_application_id", "user_id", "sub_quota", "family_key", "points",
         "tb1", "tb2", "tb3", "tb4", "lottery", *(["program_score"] if own_score else []), "amount"], rows),
        execution_options={"preserve_rowcount": True})
    return result.rowcount
