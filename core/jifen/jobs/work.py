"""Running one job with its county bound: claim it, call its function, record progress, result or error."""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time

from flask import Flask
from flask_babel import force_locale
from sqlalchemy import update

from jifen.clock import utcnow
from jifen.county.lookup import lookup_tenant
from jifen.county.tenancy import bind_tenant, require_tenant
from jifen.db.session import get_db, get_session
from jifen.jobs.kinds import KINDS
from jifen.models import Job
from jifen.observability import count_job
from jifen.text import lazy_gettext as _l

log = logging.getLogger("jifen.jobs")

LANGUAGES = ("zh_Hans_CN", "en")
PROGRESS_EVERY_SECONDS = 0.5

_app: Flask | None = None  # the worker's application (jifen worker), made once per process
# Progress of running jobs on SQLite, where a second writer would wait for the job's transaction.
_live: dict[int, tuple[str, int | None, int | None]] = {}
_live_lock = threading.Lock()


def set_worker_app(app: Flask) -> None:
    global _app
    _app = app


def worker_app() -> Flask:
    if _app is None:
        raise RuntimeError("this process has no application for jobs: start workers with `jifen worker`")
    return _app


def function_at(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


class JobFailed(Exception):
    """Raised by a job's function with what the administrator should read (lazy text)."""

    def __init__(self, message) -> None:
        super().__init__(str(message))
        self.message = message


class Work:
    """What a job's function gets: its parameters and a way to report progress."""

    def __init__(self, job: Job) -> None:
        self.job_id = job.id
        self.kind = job.kind
        self.params = dict(job.params or {})
        self.actor = job.actor
        self._last = 0.0

    def progress(self, phase: str, done: int | None = None, total: int | None = None) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY_SECONDS and (total is None or done != total):
            return
        self._last = now
        db = get_db()
        if db.dialect == "sqlite":
            with _live_lock:
                _live[self.job_id] = (phase, done, total)
            return
        # Its own short transaction, so the page sees it while the job's transaction goes on.
        with db.new_session() as side:
            side.execute(update(Job).where(Job.tenant_id == require_tenant().id, Job.id == self.job_id)
                         .values(phase=phase[:40], done=done, total=total))
            side.commit()


def live_progress(job: Job) -> tuple[str | None, int | None, int | None]:
    with _live_lock:
        if job.id in _live and job.state == "running":
            return _live[job.id]
    return job.phase, job.done, job.total


def error_text(job: Job, language: str) -> str | None:
    if not job.error:
        return None
    try:
        texts = json.loads(job.error)
    except ValueError:
        return job.error
    return texts.get(language) or texts.get(LANGUAGES[0]) or next(iter(texts.values()), None)


def _in_every_language(message) -> str:
    texts = {}
    for language in LANGUAGES:
        with force_locale(language):
            texts[language] = str(message)
    return json.dumps(texts, ensure_ascii=False)


def run(slug: str, job_id: int) -> str:
    """RQ's entry point: ``jifen.jobs.work.run``."""
    return run_in_app(worker_app(), slug, job_id)


def run_in_app(app: Flask, slug: str, job_id: int) -> str:
    with app.app_context():
        tenant = lookup_tenant(slug)
        if tenant is None:
            log.error("job %s: no county %r", job_id, slug)
            return "no county"
        with bind_tenant(tenant):
            return _run(job_id)


def _run(job_id: int) -> str:
    session = get_session()
    tenant = require_tenant()
    claimed = session.execute(update(Job).where(Job.tenant_id == tenant.id, Job.id == job_id, Job.state == "queued")
                              .values(state="running", started_at=utcnow(), attempts=Job.attempts + 1))
    session.commit()
    if claimed.rowcount != 1:
        return "already taken"  # another worker has it, or it ran (a queue may hand a job out twice)
    job = session.get(Job, (tenant.id, job_id))
    assert job is not None
    kind = job.kind
    work = Work(job)
    try:
        result = function_at(KINDS[kind][0])(session, work)
        # Read again: a function that commits in batches may have let the session forget it.
        job = session.get(Job, (tenant.id, job_id), populate_existing=True)
        assert job is not None
        job.state, job.result, job.finished_at = "finished", result or {}, utcnow()
        job.phase = None
        session.commit()
    except Exception as exc:  # noqa: BLE001 - recorded for the administrator, then re-raised for RQ's log
        session.rollback()  # nothing of the job's work remains
        if isinstance(exc, JobFailed) or hasattr(exc, "message"):
            message = exc.message  # type: ignore[attr-defined]
        else:
            log.exception("job %s (%s) of %s failed", job_id, kind, tenant.slug)
            message = _l("The work stopped on an unexpected error; nothing of it was kept. "
                         "Try again, or ask the platform's support with the job's number.")
        failed = session.get(Job, (tenant.id, job_id), populate_existing=True)
        assert failed is not None
        failed.state, failed.error, failed.finished_at = "failed", _in_every_language(message), utcnow()
        session.commit()
        count_job(kind, "failed", tenant.slug)
        return "failed"
    finally:
        with _live_lock:
            _live.pop(job_id, None)
    count_job(kind, "finished", tenant.slug)
    return "finished"
