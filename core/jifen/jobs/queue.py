"""Recording jobs and handing them to the backend when the transaction that asked for them commits."""

from __future__ import annotations

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from jifen.county.tenancy import require_tenant
from jifen.models import Job
from jifen.jobs.kinds import KINDS

PENDING_KEY = "jifen.jobs.pending"


def enqueue(session: Session, kind: str, *, actor: str, params: dict | None = None, target_type: str | None = None,
            target_id: int | None = None, merge_key: str | None = None) -> Job:
    """Record a job of the bound county; it starts once ``session`` commits.

    :param merge_key: jobs of the same kind and key asked for in one transaction become one job whose
        list parameters are joined (one job sends all the messages of one change).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown job kind {kind!r}")
    pending: dict = session.info.setdefault(PENDING_KEY, {})
    params = dict(params or {})
    if merge_key is not None and (kind, merge_key) in pending:
        job = pending[(kind, merge_key)]
        joined = dict(job.params)
        for name, value in params.items():
            joined[name] = list(joined.get(name, [])) + list(value) if isinstance(value, list) else value
        job.params = joined
        return job
    job = Job(kind=kind, params=params, state="queued", actor=actor, target_type=target_type, target_id=target_id)
    session.add(job)
    session.flush()
    pending[(kind, merge_key if merge_key is not None else job.id)] = job
    _listen(session)
    return job


def _listen(session: Session) -> None:
    if session.info.get("jifen.jobs.listening"):
        return
    session.info["jifen.jobs.listening"] = True
    event.listen(session, "after_commit", _dispatch_pending)
    event.listen(session, "after_soft_rollback", _forget_pending)


def _dispatch_pending(session: Session) -> None:
    pending = session.info.pop(PENDING_KEY, {})
    if not pending:
        return
    from jifen.jobs import backends

    tenant = require_tenant()
    for job in pending.values():
        backends.dispatch(tenant.slug, job.id, job.kind)


def _forget_pending(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(PENDING_KEY, None)


def latest_job(session: Session, target_type: str, target_id: int | None, kind: str | None = None) -> Job | None:
    """The newest job about the object (``target_id`` None: about the county's ``target_type`` as a whole)."""
    query = select(Job).where(Job.target_type == target_type,
                              Job.target_id.is_(None) if target_id is None else Job.target_id == target_id)
    if kind is not None:
        query = query.where(Job.kind == kind)
    return session.scalar(query.order_by(Job.created_at.desc(), Job.id.desc()).limit(1))
