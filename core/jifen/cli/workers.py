"""``jifen worker`` and ``jifen scheduler``: the processes that run jobs and timed work (production)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from jifen.jobs import backends, timed, work


def _need_rq() -> None:
    if backends.backend_name() != "rq":
        raise click.ClickException(
            f"JIFEN_JOBS is {backends.backend_name()!r}: jobs run inside the web process. Set REDIS_URL "
            "(and JIFEN_JOBS=rq) to run them in workers.")


@click.command("worker", short_help="Run jobs from the queue (RQ) until stopped.")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty (for tests and one-off runs).")
@click.option("--name", default=None, help="The worker's name (default: RQ's, host and process id).")
@with_appcontext
def worker_command(burst: bool, name: str | None):
    """Run the county jobs (rankings, messages, ...) the web servers queue. Start as many as the
    load needs, on any machine that reaches PostgreSQL and Redis; stop one with SIGTERM: it finishes
    the job at hand first."""
    from rq import SimpleWorker

    _need_rq()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    work.set_worker_app(app)
    # SimpleWorker runs jobs in this process, with its application and connection pool made once.
    worker = SimpleWorker([backends.rq_queue(app)], connection=backends.redis_connection(app), name=name)
    worker.work(burst=burst, with_scheduler=False)


@click.command("scheduler", short_help="Queue the timed work (offer deadlines, reminders, retries) on a timer.")
@with_appcontext
def scheduler_command():
    """Every JIFEN_TICK_SECONDS, queue the timed work of every county (RQ's cron scheduler): offers
    past their deadline expire and pass on, departments are reminded of due items, administrators
    hear that a publication period ended, failed messages are tried again. One is enough; the work is
    safe to run twice (nothing done is done again), so a second one is harmless."""
    from rq.cron import CronScheduler

    _need_rq()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    scheduler = CronScheduler(connection=backends.redis_connection(app), name=f"jifen-{backends.queue_name(app)}")
    scheduler.register(timed.tick, queue_name=backends.queue_name(app), interval=int(app.config["JIFEN_TICK_SECONDS"]),
                       job_timeout=int(app.config["JIFEN_JOB_TIMEOUT"]))
    scheduler.start()
