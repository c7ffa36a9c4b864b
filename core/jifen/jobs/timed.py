"""Timed work: every tick, for every county, the things that are due (RQ cron or the embedded timer)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from flask import Flask
from sqlalchemy import select

from jifen.clock import utcnow
from jifen.county.lookup import lookup_tenant
from jifen.county.tenancy import bind_tenant, require_tenant
from jifen.db.session import get_session
from jifen.jobs import backends
from jifen.jobs.work import function_at, worker_app
from jifen.models import Job, Tenant

log = logging.getLogger("jifen.jobs")

# Timed work, by path like the job kinds: each is fn(session) -> int (how many things it handled),
# run for every county in its own transaction.
TIMED_WORK = (
    "jifen.programs.deadlines:expire_offers",
    "jifen.programs.deadlines:remind_departments",
    "jifen.programs.deadlines:announce_period_ends",
    "jifen.notifications:retry_deliveries",
)
WAITING_REDISPATCH = timedelta(minutes=2)


def tick() -> dict:
    """RQ cron's entry point: ``jifen.jobs.timed.tick``."""
    return tick_in_app(worker_app())


def tick_in_app(app: Flask) -> dict:
    """Run the timed work for every county; one county's failure does not stop the others'."""
    done: dict[str, dict[str, int]] = {}
    with app.app_context():
        slugs = list(get_session().scalars(select(Tenant.slug).order_by(Tenant.id)))
        get_session().rollback()
    for slug in slugs:
        with app.app_context():
            tenant = lookup_tenant(slug)
            if tenant is None:
                continue
            with bind_tenant(tenant):
                done[slug] = _tick_county(app)
    return done


def _tick_county(app: Flask) -> dict[str, int]:
    session = get_session()
    handled: dict[str, int] = {}
    for path in TIMED_WORK:
        try:
            handled[path.rsplit(":", 1)[1]] = int(function_at(path)(session) or 0)
            session.commit()
        except Exception:  # noqa: BLE001
            session.rollback()
            log.exception("timed work %s failed for %s", path, require_tenant().slug)
    handled["redispatched"] = _redispatch_waiting(session)
    return handled


def _redispatch_waiting(session) -> int:
    """Jobs still queued a while after they were asked for (the queue was down): hand them over again."""
    if backends.backend_name() != "rq":
        return 0
    waiting = list(session.scalars(select(Job).where(Job.state == "queued",
                                                     Job.created_at < utcnow() - WAITING_REDISPATCH)))
    session.rollback()
    slug = require_tenant().slug
    count = 0
    for job in waiting:
        if not _in_rq(slug, job.id):
            count += backends.dispatch(slug, job.id, job.kind)
    return count


def _in_rq(slug: str, job_id: int) -> bool:
    from rq.job import Job as RQJob

    try:
        found = RQJob.fetch(backends.rq_job_id(slug, job_id), connection=backends.redis_connection())
    except Exception:  # noqa: BLE001 - not there (or Redis down)
        return False
    return found.get_status(refresh=False) in ("queued", "started", "deferred", "scheduled")


# --------------------------------------------------------------------------- the embedded timer


_timer: threading.Thread | None = None
_timer_lock = threading.Lock()


def start_timer(app) -> None:
    """Embedded default: timed work every JIFEN_TICK_SECONDS in a daemon thread of this process."""
    global _timer
    with _timer_lock:
        if _timer is not None or backends.backend_name(app) != "thread" or app.config.get("TESTING"):
            return
        _timer = threading.Thread(target=lambda: _loop(app), name="jifen-timer", daemon=True)
    _timer.start()


def _loop(app) -> None:
    interval = float(app.config["JIFEN_TICK_SECONDS"])

    stop = threading.Event()
    while not stop.wait(interval):
        try:
            tick_in_app(app)
        except Exception:  # noqa: BLE001 - the timer goes on
            log.exception("timed work failed")
