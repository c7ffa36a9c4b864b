"""Ranking runs: rank a round's applications in the database, allocate its places, keep the run as a record.

A run (DESIGN.md, "Points, applications and ranking") goes through these steps, all inside one
SAVEPOINT of the caller's transaction, so that a failure half-way leaves nothing of it:

1. **Snapshot** (:mod:`jifen.ranking.snapshot`): one :class:`~jifen.models.RankingInput` row per
   application of the round: its points under the round's rule version, the program's tie-break
   values, its sub-quota, its family key (spouses who both applied) and a lottery number drawn from
   the run's seed; one ``INSERT ... SELECT``, or page by page where points need the scoring function.
2. **Rank, family rule, round 1** (:mod:`jifen.ranking.allocation`): one ``INSERT ... SELECT`` with
   ``row_number()`` over the total order (points, tie-breaks, lottery, application id) for
   ``position`` and per sub-quota for ``sub_position``; of spouses who both applied only the
   better-placed application competes; headcount round 1, the capped county-wide second round and
   threshold entitlement are decided in the same statement.
3. **The rest of the allocation**: the cutoff score, a budget round's smaller grants. A large run on
   PostgreSQL writes steps 1-3 into tables of its own, attached afterwards (:mod:`jifen.ranking.run_tables`).
4. **Digest**: SHA-256 over one canonical line per result in position order (by PostgreSQL itself).
5. **Record**: the :class:`~jifen.models.RankingRun` with its parameters, seed, versions and digest.

Results are never edited afterwards (database triggers refuse it once the run has its digest);
publishing switches which run of a round is current (:func:`make_current`). :func:`verify` ranks a
run's stored snapshot again and compares digests; :func:`simulate` answers "what if the quota or a
points value changed" and stores nothing.

The bulk writes are reviewed raw writers (like :func:`jifen.points.ledger._write`): they run on
``session.connection()`` and name the bound county explicitly in every statement and row.
"""

from __future__ import annotations

import copy
import hashlib
import secrets
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Iterable, Mapping

import marshmallow as ma
from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from jifen.county.context import current_county

from jifen import audit
from jifen.events import announce
from jifen.db.session import set_tenant_for_raw_sql
from jifen.models import ProgramApplication, ProgramRound, RankingResult, RankingRun, RuleVersion
from jifen.plugin.kinds import BUDGET_LEFTOVER, QUOTA_MODES, ServiceProgram
from jifen.plugin.manager import installed_plugins, plugin_of
from jifen.ranking.allocation import (  # noqa: F401 - the outcomes are re-exported
    ALLOCATED, BELOW_PASS_MARK, BELOW_THRESHOLD, NO_PROGRAM_SCORE, NOT_ELIGIBLE, OUTCOMES, READ_BATCH,
    SERVED_BY_SPOUSE, WAITLISTED, Tally, rank_and_allocate, result_filter, tally,
)
from jifen.ranking.snapshot import (  # noqa: F401 - APPLIED, APPLIED_AT and RankingError are re-exported
    APPLIED, APPLIED_AT, TIE_BREAK_SLOTS, Progress, RankingError, needs_python, rules_of_version, snapshot_in_python,
    snapshot_in_sql,
)
from jifen.plugin import settings_versions
from jifen.points.rules import county_item_types, latest_version
from jifen.ranking.params import Params, checked_places, score_terms  # noqa: F401 - re-exported for callers of runs
from jifen.ranking import run_tables, tie_breaks
from jifen.points.scoring import Rules, quantize
from jifen.county.tenancy import require_tenant
from jifen.text import lazy_gettext as _l


def program_of(session: Session, found: ProgramRound) -> ServiceProgram:
    """The round's program as the county has it enabled; an error if it is not."""
    for program in current_county(session).programs:
        if program.key == found.program_key:
            return program
    raise RankingError(_l("The program '%(key)s' of this round is not enabled in this county.",
                          key=found.program_key))


def program_settings(session: Session, program: ServiceProgram) -> dict:
    plugin = plugin_of(program.key)
    return program.settings_schema().load(current_county(session).settings_of(plugin) if plugin else {})


def params_for(session: Session, found: ProgramRound, program: ServiceProgram, *, quota: int | None = None,
               sub_quotas: Mapping[str, int] | None = None, rescored: bool = False) -> Params:
    """The parameters a run of ``found`` uses: the round's, with ``quota`` / ``sub_quotas`` overriding.

    The threshold is the round's, else the program's county setting ``threshold`` (if it has one);
    in every quota mode applications below it are ``below_threshold``. A program with its own ranking
    score ranks with the terms frozen with the round's rules, else with its county settings now; the
    tie-break chain likewise (the county's own or the program's: :mod:`jifen.ranking.tie_breaks`).
    """
    if program.quota_mode not in QUOTA_MODES:
        raise RankingError(_l("The program of this round has an unknown quota mode."))
    chain = tie_breaks.round_chain(session, found, program)  # the county's, frozen with the round's rules
    if len(chain) > TIE_BREAK_SLOTS:
        raise RankingError(_l("The program of this round has %(count)s tie-breaks; a run stores at most %(most)s.",
                              count=len(chain), most=TIE_BREAK_SLOTS))
    threshold = found.threshold
    if threshold is None:
        setting = program_settings(session, program).get("threshold")
        threshold = None if setting is None else Decimal(str(setting))
    quota, subs = checked_places(program.quota_mode, found.quota if quota is None else quota,
                                 found.sub_quotas or {} if sub_quotas is None else sub_quotas)
    if program.quota_mode == "headcount" and quota is None and not subs:
        raise RankingError(_l("This round has no quota: a program that hands out places by rank needs one."))
    if program.quota_mode == "cutoff" and quota is None:
        raise RankingError(_l("This round has no quota: a cutoff-score program needs one."))
    if program.quota_mode == "threshold" and threshold is None:
        raise RankingError(_l("This round has no threshold: a threshold program needs one."))
    leftover = None
    if program.quota_mode == "budget":
        if quota is None:
            raise RankingError(_l("This round has no budget: a program that pays grants by rank needs one."))
        leftover = found.budget_leftover or "stop"
        if leftover not in BUDGET_LEFTOVER:
            raise RankingError(_l("This round's rule for money left over is neither skip nor stop."))
    if found.cutoff_ties not in ("strict", "all"):
        raise RankingError(_l("This round's rule for ties at the cutoff is neither strict nor all."))
    if rescored:
        source = "rescored"
    else:
        source = "round_rule_version" if found.rule_version is not None else "applicant_rule_version"
    return Params(
        program=program.key, quota_mode=program.quota_mode, quota=quota, sub_quotas=subs,
        tie_breaks=chain, cutoff_ties=found.cutoff_ties, second_round=bool(found.second_round),
        second_round_cap_percent=int(found.second_round_cap_percent or 0), threshold=threshold,
        family_rule=program.family_rule, points_source=source, applied_at_origin=found.opens_on.isoformat(),
        score_terms=None if program.ranking_score is None else score_terms(
            program.ranking_score, program_settings(session, program), found.ranking_terms),
        budget_leftover=leftover,
    )


# --------------------------------------------------------------------------- outcome


@dataclass(frozen=True)
class SubQuotaOutcome:
    """One sub-quota of a run: its places, how many of them were allocated (both rounds), its cutoff."""

    name: str
    places: int
    allocated: int
    cutoff: Decimal | None  # docs/ranking.md, "The cutoff"; None when nobody of it got a place

    def to_json(self) -> dict:
        return {"name": self.name, "places": self.places, "allocated": self.allocated,
                "cutoff": None if self.cutoff is None else str(self.cutoff)}


def sub_quota_outcomes(params: Params, tallied: Tally) -> tuple[SubQuotaOutcome, ...]:
    """Per sub-quota of the run, in name order; none unless sub-quotas hand out the places (headcount)."""
    if params.quota_mode != "headcount":
        return ()
    return tuple(SubQuotaOutcome(name, places, tallied.sub_allocated.get(name, 0), tallied.sub_cutoffs.get(name))
                 for name, places in sorted(params.sub_quotas.items()))


def sub_quotas_of_run(session: Session, run: RankingRun) -> tuple[SubQuotaOutcome, ...]:
    """The sub-quotas of a stored run, from its results (which never change)."""
    tenant = require_tenant()
    return sub_quota_outcomes(Params.from_json(run.params), tally(_connection(session, tenant.id), tenant.id, run.id))


@dataclass(frozen=True)
class RunOutcome:
    """What a run (or a simulation: ``persisted`` False, ``run_id`` None) gave.

    ``moved_in`` / ``moved_out``: applications allocated now but not in the round's current run,
    and the reverse (empty when the round has no current run: ``compared_with`` is None).
    ``allocated`` holds the allocated application ids of a simulation; read a stored run's results
    from the database instead. ``cutoff`` and ``sub_quotas``: see docs/ranking.md, "The cutoff".
    """

    run_id: int | None
    persisted: bool
    round_id: int
    seed: int
    digest: str
    params: dict
    rule_version: int | None
    input_count: int
    allocated_count: int
    cutoff: Decimal | None
    counts: dict[str, int]
    compared_with: int | None = None
    moved_in: tuple[int, ...] = ()
    moved_out: tuple[int, ...] = ()
    allocated: frozenset[int] = field(default_factory=frozenset)
    sub_quotas: tuple[SubQuotaOutcome, ...] = ()
    paid: Decimal | None = None  # a budget round: the grants allocated, in yuan (never above its budget)


@dataclass(frozen=True)
class Verification:
    ok: bool
    recorded: str  # the digest the run was stored with
    recomputed: str  # ranking the stored snapshot again with the stored parameters
    stored_results: str  # the digest of the result rows as they are stored now


# --------------------------------------------------------------------------- runs


def _connection(session: Session, tenant_id: int) -> Connection:
    connection = session.connection()
    set_tenant_for_raw_sql(connection, tenant_id)  # row-level security for these raw statements
    return connection


def _savepoint(session: Session):
    """A SAVEPOINT inside the caller's transaction.

    pysqlite (in its default mode) sends no BEGIN before a SAVEPOINT, and SQLite treats the release
    of a savepoint that opened the transaction as a COMMIT: the run would escape the caller's
    transaction. So on SQLite the transaction is opened first when the driver has none.
    """
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if driver is not None and not driver.in_transaction:
            connection.exec_driver_sql("BEGIN")
    return session.begin_nested()


def current_run(session: Session, found: ProgramRound) -> RankingRun | None:
    return session.scalar(select(RankingRun).where(RankingRun.round_id == found.id, RankingRun.is_current.is_(True)))


def runs_of(session: Session, round_id: int | None = None) -> list[RankingRun]:
    query = select(RankingRun).order_by(RankingRun.created_at.desc(), RankingRun.id.desc())
    if round_id is not None:
        query = query.where(RankingRun.round_id == round_id)
    return list(session.scalars(query))


def run(
    session: Session, round: ProgramRound, *, actor: str, seed: int | None = None, quota: int | None = None,
    sub_quotas: Mapping[str, int] | None = None, rules_override: Rules | None = None, persist: bool = True,
    progress: Progress | None = None,
) -> RunOutcome:
    """Rank ``round`` once, in the caller's transaction (the caller commits). Audited as ``ranking.run``.

    Everything happens inside a SAVEPOINT: if any step raises, nothing of the run remains and the
    round's current run is untouched. The new run is not made current (see :func:`make_current`).

    :param seed: the lottery's seed; a random 63-bit number when None.
    :param quota, sub_quotas: override the round's (what-if).
    :param rules_override: rescore every applicant's verified items under these rules in memory
        instead of reading the ledger (simulations only: ``persist`` must be False).
    :param persist: False makes a simulation: computed the same way, then rolled back.
    :param progress: called as ``progress(step, done, total)``; ``total`` may be None.
    """
    found = round
    tenant = require_tenant()
    if rules_override is not None and persist:
        raise RankingError(_l("A run with changed rules is a simulation: nothing of it can be stored."))
    program = program_of(session, found)
    if persist:  # a simulation (a what-if, a rule preview) may rank waiting nominations too
        _refuse_waiting_nominations(session, found, program)
    params = params_for(session, found, program, quota=quota, sub_quotas=sub_quotas,
                        rescored=rules_override is not None)
    seed = secrets.randbits(63) if seed is None else int(seed)
    if not 0 <= seed < 2 ** 63:
        raise RankingError(_l("The seed must be a whole number from 0 to 2**63 - 1."))
    current = current_run(session, found)
    report = progress or (lambda step, done, total: None)

    savepoint = _savepoint(session)
    try:
        record = RankingRun(round_id=found.id, rule_version=found.rule_version, plugin_versions=installed_plugins(),
                            seed=seed, params=params.to_json(), digest="", actor=actor, digest_format=DIGEST_FORMAT)
        session.add(record)
        session.flush()
        connection = _connection(session, tenant.id)
        large = connection.dialect.name == "postgresql" and run_tables.wanted(connection, _competing(session, found))
        tables = run_tables.own(connection, record.id) if large else run_tables.SHARED
        count = _snapshot(session, connection, tenant.id, found, params, record.id, seed, rules_override, report,
                          tables.inputs)
        run_tables.loaded(connection, tables, record.id, "inputs")
        tallied = rank_and_allocate(connection, tenant.id, params, record.id, record.id, report, tables)
        run_tables.attach(connection, tables, record.id)  # read through the shared tables from here on
        cutoff = quantize(params.threshold) if params.quota_mode == "threshold" else tallied.cutoff
        subs = sub_quota_outcomes(params, tallied)
        counts = tallied.counts
        digest = _digest(connection, tenant.id, record.id, record.digest_format)
        report("digest", count, count)
        record.digest = digest
        record.input_count = count
        record.allocated_count = counts.get(ALLOCATED, 0)
        record.cutoff = cutoff
        moved_in, moved_out = _moves(connection, tenant.id, record.id, current.id) if current else ((), ())
        allocated = frozenset() if persist else _allocated_ids(connection, tenant.id, record.id)
        outcome = RunOutcome(
            run_id=record.id if persist else None, persisted=persist, round_id=found.id, seed=seed, digest=digest,
            params=params.to_json(), rule_version=found.rule_version, input_count=count,
            allocated_count=record.allocated_count, cutoff=cutoff, counts=counts,
            compared_with=current.id if current else None, moved_in=moved_in, moved_out=moved_out, allocated=allocated,
            sub_quotas=subs, paid=tallied.paid if params.quota_mode == "budget" else None,
        )
        if persist:
            session.flush()
            audit.record(session, "ranking.run", actor=actor, target_type="ranking_run", target_id=record.id,
                         details={"round": found.id, "program": program.key, "seed": seed, "digest": digest,
                                  "inputs": count, "allocated": record.allocated_count,
                                  "cutoff": None if cutoff is None else str(cutoff),
                                  "sub_quota_cutoffs": {sub.name: sub.to_json()["cutoff"] for sub in subs},
                                  "rule_version": found.rule_version,
                                  **({"paid": str(tallied.paid)} if params.quota_mode == "budget" else {})})
    except BaseException:
        savepoint.rollback()
        raise
    if persist:
        savepoint.commit()
    else:
        savepoint.rollback()
    return outcome


def _refuse_waiting_nominations(session: Session, found: ProgramRound, program: ServiceProgram) -> None:
    """A program with a committee step is ranked once the committee decided every nomination
    (jifen.programs.committee); the ones it set aside no longer have the status ``applied``."""
    if not program.committee_review:
        return
    waiting = session.scalar(select(func.count(ProgramApplication.id)).where(
        ProgramApplication.round_id == found.id, ProgramApplication.status == APPLIED,
        ProgramApplication.review_status.is_(None))) or 0
    if waiting:
        raise RankingError(_l("Nominations waiting for the committee's decision: %(count)d. The round is ranked "
                              "once the committee has decided every nomination.", count=waiting))


def make_current(session: Session, run: RankingRun, actor: str) -> RankingRun:
    """Make ``run`` its round's current run (the one published); the previous one stops being current."""
    previous = [r for r in session.scalars(select(RankingRun).where(RankingRun.round_id == run.round_id,
                                                                      RankingRun.is_current.is_(True)))
                if r.id != run.id]
    for other in previous:
        other.is_current = False
    session.flush()  # at no moment two current runs in the round
    run.is_current = True
    session.flush()
    audit.record(session, "ranking.made_current", actor=actor, target_type="ranking_run", target_id=run.id,
                 details={"round": run.round_id, "digest": run.digest, "previous": [r.id for r in previous]})
    found = session.get(ProgramRound, (run.tenant_id, run.round_id))
    announce(session, "on_run_made_current", program=found.program_key if found is not None else None,
             round_id=run.round_id, run_id=run.id, previous_run_id=previous[0].id if previous else None,
             digest=run.digest)
    return run


# --------------------------------------------------------------------------- step 1: snapshot (jifen.ranking.snapshot)


def _competing(session: Session, found: ProgramRound) -> int:
    """How many applications the round has that may compete (an upper bound of the snapshot's rows)."""
    return session.scalar(select(func.count(ProgramApplication.id)).where(
        ProgramApplication.round_id == found.id, ProgramApplication.status == APPLIED)) or 0


def _snapshot(session: Session, connection: Connection, tenant_id: int, found: ProgramRound, params: Params,
              run_id: int, seed: int, rules_override: Rules | None, report: Progress, inputs: Table) -> int:
    """In one statement when the stored points suffice, else through the scoring function."""
    frozen = found.rule_version
    if rules_override is None and not needs_python(connection, tenant_id, found.id, frozen):
        report("snapshot", 0, None)
        floor = rules_of_version(session, frozen, county_item_types(session)).floor if frozen is not None else None
        count = snapshot_in_sql(connection, tenant_id, found, params, run_id, seed, floor, inputs)
        report("snapshot", count, count)
        return count
    return snapshot_in_python(session, connection, tenant_id, found, params, run_id, seed, rules_override, report,
                              inputs)


# --------------------------------------------------------------------------- step 5: digest, counts, moves


# What a digest line names an application by (RankingRun.digest_format): 1, its internal id (runs made
# before reference numbers); 2, its reference number, as the published list and its CSV show it, so that
# anyone can check the digest from the list alone (docs/ranking.md).
BY_ID, BY_REFERENCE = 1, 2
DIGEST_FORMAT = BY_REFERENCE  # new runs


def digest_line(position: int, application: int | str, points, outcome: str, allocation_round,
                amount=None) -> str:
    """The canonical line of one result: ``position,application,points (2 decimals),outcome,round``, the
    application by its reference number (format 2) or, in runs of format 1, its internal id; in a
    budget round, ``,amount`` (2 decimals) after it (other runs' lines are as they always were)."""
    money = "" if amount is None else f",{quantize(amount)}"
    return f"{position},{application},{quantize(points)},{outcome},{allocation_round or ''}{money}\n"


def _digest(connection: Connection, tenant_id: int, run_id: int, digest_format: int,
            results: Table = run_tables.SHARED.results) -> str:
    """SHA-256 over the canonical lines (:func:`digest_line`) in position order."""
    if connection.dialect.name == "postgresql":
        return _digest_in_sql(connection, tenant_id, run_id, digest_format, results)
    return _digest_in_python(connection, tenant_id, run_id, digest_format, results)


def _digest_in_sql(connection: Connection, tenant_id: int, run_id: int, digest_format: int, results: Table) -> str:
    """PostgreSQL builds the lines and hashes them itself: no result row leaves the database."""
    named = "a.reference" if digest_format == BY_REFERENCE else "r.program_application_id"
    return connection.execute(text(f"""
        SELECT encode(sha256(convert_to(coalesce(string_agg(
                   r.position || ',' || {named} || ',' || r.points || ',' || r.outcome || ','
                   || coalesce(CAST(r.allocation_round AS TEXT), '') || coalesce(',' || CAST(r.amount AS TEXT), '')
                   || chr(10), '' ORDER BY r.position), ''),
               'UTF8')), 'hex')
        FROM {run_tables.quoted(connection, results)} r
        JOIN program_applications a ON a.tenant_id = r.tenant_id AND a.id = r.program_application_id
        WHERE r.tenant_id = :tenant AND r.run_id = :run
    """), {"tenant": tenant_id, "run": run_id}).scalar()


def _digest_in_python(connection: Connection, tenant_id: int, run_id: int, digest_format: int, results: Table) -> str:
    """Read in keyset pages (never all at once)."""
    applications = ProgramApplication.__table__
    named = applications.c.reference if digest_format == BY_REFERENCE else results.c.program_application_id
    digest = hashlib.sha256()
    last = 0
    while True:
        rows = connection.execute(
            select(results.c.position, named, results.c.points, results.c.outcome, results.c.allocation_round,
                   results.c.amount)
            .join(applications, (applications.c.tenant_id == results.c.tenant_id)
                  & (applications.c.id == results.c.program_application_id))
            .where(result_filter(results, tenant_id, run_id), results.c.position > last)
            .order_by(results.c.position).limit(READ_BATCH)
        ).all()
        if not rows:
            return digest.hexdigest()
        for row in rows:
            digest.update(digest_line(*row).encode())
        last = rows[-1].position


def _allocated_query(tenant_id: int, run_id: int):
    results = RankingResult.__table__
    return select(results.c.program_application_id).where(
        result_filter(results, tenant_id, run_id), results.c.outcome == ALLOCATED)


def _allocated_ids(connection: Connection, tenant_id: int, run_id: int) -> frozenset[int]:
    return frozenset(connection.execute(_allocated_query(tenant_id, run_id)).scalars())


def _moves(connection: Connection, tenant_id: int, run_id: int,
           other_run_id: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    now, before = _allocated_query(tenant_id, run_id), _allocated_query(tenant_id, other_run_id)
    moved_in = tuple(sorted(connection.execute(now.except_(before)).scalars()))
    moved_out = tuple(sorted(connection.execute(before.except_(now)).scalars()))
    return moved_in, moved_out


# --------------------------------------------------------------------------- verify and simulate


def verification(session: Session, run: RankingRun) -> Verification:
    """Rank the run's stored snapshot again, with its stored parameters, and compare digests.

    The re-ranking is written under a scratch run inside a SAVEPOINT that is rolled back: nothing
    remains. Live data (applications, points, the round's current quota) play no part.
    """
    tenant = require_tenant()
    params = Params.from_json(run.params)
    savepoint = _savepoint(session)
    try:
        scratch = RankingRun(round_id=run.round_id, rule_version=run.rule_version, plugin_versions={},
                             seed=run.seed, params=run.params, digest="", actor="verify")
        session.add(scratch)
        session.flush()
        connection = _connection(session, tenant.id)
        tables = run_tables.SHARED
        if run_tables.wanted(connection, run.input_count or 0):  # the stored snapshot, results of its own
            tables = run_tables.RunTables(tables.inputs, run_tables.own(connection, scratch.id).results, own=True)
        rank_and_allocate(connection, tenant.id, params, run.id, scratch.id, lambda *a: None, tables)
        recomputed = _digest(connection, tenant.id, scratch.id, run.digest_format, tables.results)
    finally:
        savepoint.rollback()
    stored = _digest(_connection(session, tenant.id), tenant.id, run.id, run.digest_format)
    return Verification(ok=recomputed == run.digest == stored, recorded=run.digest, recomputed=recomputed,
                        stored_results=stored)


def verify(session: Session, run: RankingRun) -> tuple[bool, str]:
    """``(ok, recomputed_digest)``: whether the run's snapshot ranks again to its recorded digest."""
    check = verification(session, run)
    return check.ok, check.recomputed


def changed_rules(session: Session, found: ProgramRound, points_table: Mapping[str, Mapping], *,
                  replace: bool = False) -> Rules:
    """The round's rules (its frozen version, else the latest) with ``points_table`` merged into the
    settings of the named score items, e.g. ``{"education": {"points": {"college": "90"}}}`` (with
    ``replace``, taking their place whole); validated by each item's settings schema. Nothing is stored."""
    types = county_item_types(session)
    version = (session.get(RuleVersion, (require_tenant().id, found.rule_version)) if found.rule_version is not None
               else latest_version(session))
    if version is None:
        raise RankingError(_l("This county has no points table yet."))
    snapshot = copy.deepcopy(version.rules)
    items = snapshot.setdefault("items", {})
    versions = snapshot.setdefault("settings_versions", {})
    for key, change in points_table.items():
        if key not in types:
            raise RankingError(_l("There is no score item '%(key)s' in this county (its items: %(items)s).",
                                  key=key, items=", ".join(sorted(types)) or "-"))
        schema = types[key].settings_schema
        if replace:
            items[key] = copy.deepcopy(dict(change))
        else:  # the change is written for the installed plugin: bring the stored settings up to it first
            try:
                items[key] = settings_versions.migrate(schema, items.get(key, {}), versions.get(key), key=key)
            except settings_versions.SettingsUnavailable as exc:
                raise RankingError(_l("The changed points table is invalid: %(problems)s", problems=str(exc))) from None
            _merge(items[key], change)
        versions[key] = settings_versions.version_of(schema)
        try:
            schema().load(items[key])
        except ma.ValidationError as exc:
            raise RankingError(_l("The changed points table is invalid: %(problems)s",
                                  problems=_problems(exc.messages, key))) from None
    rules = Rules.load(snapshot, types, version.version)
    if rules.unavailable:
        raise RankingError(_l("The changed points table is invalid: %(problems)s",
                              problems="; ".join(f"{k}: {v}" for k, v in sorted(rules.unavailable.items()))))
    return rules


def _problems(messages, path: str = "") -> str:
    """marshmallow's nested messages as one line: ``education.points.college: Not a valid number.``"""
    if isinstance(messages, Mapping):
        return "; ".join(_problems(inner, f"{path}.{key}" if path else str(key)) for key, inner in messages.items())
    if isinstance(messages, (list, tuple)):
        return f"{path}: " + " ".join(str(m) for m in messages) if path else " ".join(str(m) for m in messages)
    return f"{path}: {messages}" if path else str(messages)


def _merge(target: dict, change: Mapping) -> None:
    for key, value in change.items():
        if isinstance(value, Mapping):
            inner = target.get(key)
            if not isinstance(inner, dict):
                inner = target[key] = {}
            _merge(inner, value)
        else:
            target[key] = value


def simulate(
    session: Session, round: ProgramRound, *, quota: int | None = None, sub_quotas: Mapping[str, int] | None = None,
    points_table: Mapping[str, Mapping] | None = None, seed: int | None = None, progress: Progress | None = None,
    replace_settings: bool = False,
) -> RunOutcome:
    """What if the quota, or a points value, were different? Ranks in a rolled-back SAVEPOINT.

    With ``points_table`` every applicant's verified items are rescored in memory under the changed
    rules (for this snapshot only). The seed defaults to the current run's, so that only the change
    moves anyone. Returns the cutoff and who would move in or out against the current run.
    """
    found = round
    if seed is None:
        current = current_run(session, found)
        seed = current.seed if current is not None else None
    rules = changed_rules(session, found, points_table, replace=replace_settings) if points_table else None
    return run(session, found, actor="simulation", seed=seed, quota=quota, sub_quotas=sub_quotas,
               rules_override=rules, persist=False, progress=progress)


def parse_setting(text: str) -> dict:
    """``"education.points.college=90"`` -> ``{"education": {"points": {"college": "90"}}}`` (CLI ``--set``)."""
    path, sep, value = text.partition("=")
    keys = [k.strip() for k in path.split(".")]
    if not sep or len(keys) < 2 or not all(keys):
        raise RankingError(_l("Write the points value as ITEM.KEY=VALUE, for example "
                              "education.points.college=90."))
    result: dict = {}
    target = result
    for key in keys[:-1]:
        target = target.setdefault(key, {})
    target[keys[-1]] = value.strip()
    return result


def merge_settings(parts: Iterable[Mapping]) -> dict:
    merged: dict = {}
    for part in parts:
        _merge(merged, part)
    return merged
