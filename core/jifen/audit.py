"""Writing and verifying the audit trail (see :mod:`jifen.models.audit`).

:func:`record` is called in the same transaction as the change it records, so the two commit or
roll back together. Details must never hold raw personal data: pass masked values.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from jifen.db.session import utcnow
from jifen.models import AuditEvent
from jifen.county.tenancy import require_tenant

GENESIS = "0" * 64
_LOCK_NAMESPACE = 0x4A4946  # "JIF": advisory-lock keys are (namespace, tenant id)


def _canonical(event: AuditEvent) -> bytes:
    body = {
        "seq": event.seq,
        "at": event.at.isoformat(timespec="microseconds"),
        "actor": event.actor,
        "action": event.action,
        "target_type": event.target_type,
        "target_id": event.target_id,
        "details": event.details or {},
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _chain(prev_hash: str, event: AuditEvent) -> str:
    return hashlib.sha256(prev_hash.encode() + _canonical(event)).hexdigest()


def record(
    session: Session,
    action: str,
    *,
    actor: str,
    target_type: str | None = None,
    target_id: object = None,
    details: dict | None = None,
) -> AuditEvent:
    """Append one record to the bound county's trail, in the session's current transaction."""
    tenant = require_tenant()
    if session.bind.dialect.name == "postgresql":
        # Serialise appends per county so two transactions never fork the chain.
        session.execute(text("SELECT pg_advisory_xact_lock(:ns, :tid)"), {"ns": _LOCK_NAMESPACE, "tid": tenant.id})
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash).order_by(AuditEvent.seq.desc()).limit(1)
    ).first()
    event = AuditEvent(
        tenant_id=tenant.id,
        seq=(last.seq + 1) if last else 1,
        at=utcnow(),
        actor=actor,
        action=action,
        target_type=target_type,
        target_id=None if target_id is None else str(target_id),
        details=details or {},
        prev_hash=last.hash if last else GENESIS,
    )
    event.hash = _chain(event.prev_hash, event)
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainCheck:
    ok: bool
    count: int
    first_bad_seq: int | None = None


def verify(session: Session) -> ChainCheck:
    """Recompute the bound county's chain; report the first record that does not fit."""
    prev = GENESIS
    expected_seq = 1
    count = 0
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).yield_per(1000):
        if event.seq != expected_seq or event.prev_hash != prev or event.hash != _chain(prev, event):
            return ChainCheck(ok=False, count=count, first_bad_seq=event.seq)
        prev = event.hash
        expected_seq += 1
        count += 1
    return ChainCheck(ok=True, count=count)
