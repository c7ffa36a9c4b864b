"""Where a job runs: RQ workers (production), a thread of this process (embedded default), inline (tests)."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor

from flask import current_app

from jifen.jobs.work import run_in_app
from jifen.observability import count_job

log = logging.getLogger("jifen.jobs")

BACKENDS = ("rq", "thread", "inline")

_executor: ThreadPoolExecutor | None = None
_executor_lock = threading.Lock()


def backend_name(app=None) -> str:
    return (app or current_app).config["JIFEN_JOBS"]


def redis_connection(app=None):
    from redis import Redis

    app = app or current_app
    # Short timeouts: with Redis down a request learns it in half a second and the job waits.
    return Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=0.5, socket_timeout=2)


def queue_name(app=None) -> str:
    return (app or current_app).config["JIFEN_QUEUE"]


def rq_queue(app=None):
    from rq import Queue

    return Queue(queue_name(app), connection=redis_connection(app))


def rq_job_id(slug: str, job_id: int) -> str:
    return f"jifen-{slug}-{job_id}"


def dispatch(slug: str, job_id: int, kind: str) -> bool:
    """Hand the recorded job to the backend. False when the queue is unreachable: the job stays
    queued, the page says it waits, and the next tick hands it over again."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    name = backend_name(app)
    count_job(kind, "queued", slug)
    if name == "inline":
        run_in_app(app, slug, job_id)
        return True
    if name == "thread":
        _thread_pool().submit(_run_logged, app, slug, job_id)
        return True
    try:
        from rq import Retry

        timeout = int(app.config["JIFEN_JOB_TIMEOUT"])
        rq_queue(app).enqueue("jifen.jobs.work.run", slug, job_id, job_id=rq_job_id(slug, job_id),
                              job_timeout=timeout, result_ttl=3600, failure_ttl=7 * 24 * 3600,
                              retry=Retry(max=2, interval=[10, 60]) if kind == "messages.send" else None)
        return True
    except Exception as exc:  # noqa: BLE001 - Redis unreachable or refusing: the job waits
        log.warning("job %s of %s waits: the job queue is unreachable (%s)", job_id, slug, type(exc).__name__)
        return False


def _thread_pool() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="jifen-job")
        return _executor


def _run_logged(app, slug: str, job_id: int) -> None:
    try:
        run_in_app(app, slug, job_id)
    except Exception:  # noqa: BLE001 - a thread has nobody to raise to
        log.exception("job %s of %s could not be run", job_id, slug)


def queue_status(app=None) -> dict:
    """For /healthz and /metrics: is the queue reachable, how many jobs wait, how many workers listen."""
    app = app or current_app
    name = backend_name(app)
    if name != "rq":
        waiting = _executor._work_queue.qsize() if (name == "thread" and _executor is not None) else 0
        return {"backend": name, "ok": True, "waiting": waiting, "workers": None}
    try:
        from rq import Worker

        queue = rq_queue(app)
        return {"backend": name, "ok": True, "waiting": queue.count,
                "workers": Worker.count(queue=queue)}
    except Exception as exc:  # noqa: BLE001
        return {"backend": name, "ok": False, "waiting": None, "workers": None, "error": type(exc).__name__}


def queue_depths(app) -> dict[str, int]:
    status = queue_status(app)
    return {queue_name(app): status["waiting"]} if status.get("waiting") is not None else {}
