"""The points ledger: confirming an application's points, and re-applying changed rules.

Rows are written once per (application, item, rule version); a second run for the same version
finds them and writes nothing, so confirming and rescoring are idempotent. A rescore walks
confirmed applications in id order in batches, each committed on its own, so an interrupted run
resumes where it stopped without counting anything twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterable

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from jifen import audit
from jifen.events import announce
from jifen.db.session import utcnow
from jifen.db.ids import new_id
from jifen.models import Application, DeclaredItem, LedgerEntry, RuleVersion
from jifen.models.application import CONFIRMED, ITEM_VERIFIED, RECHECK
from jifen import clock
from jifen.calendar.workdays import add_working_days
from jifen.points.rules import county_item_types, ensure_current_version, load_rules
from jifen.points.scoring import Breakdown, Declared, Rules, quantize, score
from jifen.county.tenancy import require_tenant

DEFAULT_RECHECK_DAYS = 15


def verified_items(session: Session, application_ids: Iterable[int]) -> dict[int, list[Declared]]:
    rows = session.execute(
        select(DeclaredItem.application_id, DeclaredItem.id, DeclaredItem.item_type, DeclaredItem.input)
        .where(DeclaredItem.application_id.in_(list(application_ids)), DeclaredItem.status == ITEM_VERIFIED)
    )
    found: dict[int, list[Declared]] = {}
    for application_id, item_id, item_type, data in rows:
        found.setdefault(application_id, []).append(Declared(item_id, item_type, data))
    return found


def ledger_rows(application_id: int, breakdown: Breakdown, version: int) -> list[dict]:
    tenant_id = require_tenant().id
    now = utcnow()
    return [
        {"tenant_id": tenant_id, "id": new_id(), "application_id": application_id, "item_id": line.item_id,
         "item_type": line.item_type, "category": line.category, "rule_version": version,
         "points": line.counted, "raw_points": line.raw, "note": line.note, "created_at": now}
        for line in breakdown.lines
    ]


def subtotals_of(breakdown: Breakdown) -> dict[str, str]:
    """What :attr:`Application.subtotals` caches of ``breakdown``: the points per category and per item type
    (the sums of the ledger rows written from it, as a ranking's tie-breaks read them)."""
    cached = {f"c:{name}": str(quantize(points)) for name, points in breakdown.by_category.items() if name}
    cached.update({f"t:{name}": str(quantize(points)) for name, points in breakdown.by_type.items() if name})
    return cached


def _write(session: Session, breakdowns: dict[int, Breakdown], version: int) -> None:
    """Insert the ledger rows and cache the totals and subtotals: the reviewed bulk writer of this table."""
    rows = [row for app_id, b in breakdowns.items() for row in ledger_rows(app_id, b, version)]
    if rows:  # one executemany; every row carries the bound county (ledger_rows)
        session.connection().execute(LedgerEntry.__table__.insert(), rows)
    table = Application.__table__
    session.connection().execute(
        table.update()
        .where(table.c.tenant_id == require_tenant().id, table.c.id == bindparam("b_id"))
        .values(total_points=bindparam("b_total"), subtotals=bindparam("b_subtotals", type_=table.c.subtotals.type),
                rule_version=version, updated_at=utcnow()),
        [{"b_id": app_id, "b_total": b.total, "b_subtotals": subtotals_of(b)} for app_id, b in breakdowns.items()],
    )


def has_rows(session: Session, application_id: int, version: int) -> bool:
    return session.scalar(
        select(func.count(LedgerEntry.id))
        .where(LedgerEntry.application_id == application_id, LedgerEntry.rule_version == version)
    ) > 0


def confirm(session: Session, application: Application, *, actor: str) -> Breakdown:
    """Every item is decided: write the ledger under the current rules and confirm the points."""
    version = ensure_current_version(session, actor=actor)
    rules = load_rules(session, version)
    types = county_item_types(session)
    items = verified_items(session, [application.id]).get(application.id, [])
    if any(item.item_type in rules.unavailable for item in items):
        rules.require_available()  # an item whose settings cannot be read would count 0: refuse, keep the decision open
    breakdown = score(items, rules, types)
    if not has_rows(session, application.id, version.version):
        _write(session, {application.id: breakdown}, version.version)
    session.refresh(application)
    application.status = CONFIRMED
    application.confirmed_at = utcnow()
    days = int(require_tenant().settings.get("points", {}).get("recheck_days", DEFAULT_RECHECK_DAYS))
    application.recheck_until = add_working_days(clock.today(), days)  # China's working days
    audit.record(session, "application.confirmed", actor=actor, target_type="application", target_id=application.id,
                 details={"total": str(breakdown.total), "rule_version": version.version})
    announce(session, "on_points_confirmed", application_id=application.id, user_id=application.user_id,
             reference=application.reference, total=breakdown.total, rule_version=version.version)
    return breakdown


def current_breakdown(session: Session, application: Application) -> list[LedgerEntry]:
    if application.rule_version is None:
        return []
    return list(session.scalars(
        select(LedgerEntry).where(LedgerEntry.application_id == application.id,
                                  LedgerEntry.rule_version == application.rule_version)
        .order_by(LedgerEntry.item_id)
    ))


@dataclass
class RescoreResult:
    version: int
    rescored: int
    already_current: int


def to_rescore(session: Session, version: int) -> int:
    """How many confirmed applications are not yet scored under rule version ``version``."""
    # count(column), not count(*) from: the tenant scoping of the session needs the entity in the columns
    return session.scalar(select(func.count(Application.id)).where(
        Application.status.in_([CONFIRMED, RECHECK]),
        Application.rule_version.is_(None) | (Application.rule_version != version),
    )) or 0


def rescore(
    session: Session, *, actor: str, batch_size: int = 2000,
    progress: Callable[[int], None] | None = None, stop_after_batches: int | None = None,
) -> RescoreResult:
    """Re-apply the current rules to every confirmed application not yet under them.

    Each batch is committed; ``stop_after_batches`` ends early (as an interruption would).
    """
    version = ensure_current_version(session, actor=actor, note="rescore")
    session.commit()
    rules: Rules = load_rules(session, version)
    rules.require_available()
    types = county_item_types(session)
    todo_filter = (Application.status.in_([CONFIRMED, RECHECK]),
                   (Application.rule_version.is_(None)) | (Application.rule_version != version.version))
    already = session.scalar(select(func.count(Application.id)).where(
        Application.status.in_([CONFIRMED, RECHECK]), Application.rule_version == version.version))
    done = 0
    batches = 0
    last_id = -1
    while True:
        ids = list(session.scalars(
            select(Application.id).where(*todo_filter, Application.id > last_id).order_by(Application.id).limit(batch_size)
        ))
        if not ids:
            break
        items = verified_items(session, ids)
        _write(session, {app_id: score(items.get(app_id, []), rules, types) for app_id in ids}, version.version)
        audit.record(session, "points.rescored", actor=actor, target_type="rule_version", target_id=version.version,
                     details={"applications": len(ids), "first_id": ids[0], "last_id": ids[-1]})
        session.commit()  # the batch and its audit record together
        session.expunge_all()
        done += len(ids)
        last_id = ids[-1]
        batches += 1
        if progress:
            progress(len(ids))
        if stop_after_batches is not None and batches >= stop_after_batches:
            break
    return RescoreResult(version.version, done, already or 0)


def rule_version(session: Session, number: int) -> RuleVersion | None:
    return session.get(RuleVersion, (require_tenant().id, number))
