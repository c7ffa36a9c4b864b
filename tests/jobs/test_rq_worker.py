"""The production way: the web request only queues the ranking; a `jifen worker` process runs it."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from jifen.county.tenancy import require_tenant
from jifen.models import Job, RankingRun
from test_jobs import _admin, apply

pytestmark = [pytest.mark.slow, pytest.mark.postgres_only]


def test_the_request_queues_the_ranking_and_a_worker_process_runs_it(rq_app, client, county, make_user, login,
                                                                      applicant_with_points, open_round, on_day,
                                                                      worker_burst):
    on_day(date(2027, 3, 1))
    found = open_round("jiashan", "hukou_transfer", quota=1)
    for level in ("bachelor", "college", "master"):
        person = applicant_with_points("jiashan", [("education", {"level": level, "institution": "嘉兴学院",
                                                                  "graduated_on": "2012-06-30"})])
        apply(county, person, "hukou_transfer", {"town": "魏塘街道"})
    on_day(None)  # the worker runs on the real clock: the round's window has to be over by then
    with county("jiashan") as session:
        from jifen.models import ProgramRound

        round_ = session.get(ProgramRound, (require_tenant().id, found))
        round_.opens_on, round_.closes_on = date(2020, 1, 1), date(2020, 1, 31)
        session.commit()
    admin = _admin(rq_app, client, make_user, login)
    admin.get("/jiashan/?lang=en")
    started = admin.submit(f"/jiashan/admin/rounds/{found}/run", {}, form_page=f"/jiashan/admin/rounds/{found}")
    assert started.status_code == 302
    waiting = admin.get(started.location).get_data(as_text=True)
    # The request did no ranking: the job waits for a worker, and nothing is ranked yet.
    assert 'data-job-state="queued"' in waiting and "Waiting for a worker" in waiting
    with county("jiashan") as session:
        assert session.scalars(select(RankingRun)).all() == []

    done = worker_burst(rq_app.worker_env)
    assert done.returncode == 0, done.stdout + done.stderr

    finished = admin.get(started.location).get_data(as_text=True)
    assert 'data-job-state="finished"' in finished
    with county("jiashan") as session:
        run = session.scalars(select(RankingRun).where(RankingRun.round_id == found)).one()
        job = session.scalars(select(Job).where(Job.kind == "ranking.run")).one()
        assert run.input_count == 3 and job.result["run_id"] == run.id
        assert job.started_at is not None and job.total == 3  # the worker reported its progress
    assert f'data-run-id="{run.id}"' in finished
    health = rq_app.test_client().get("/healthz").get_json()
    assert health["queue"] == {"state": "no workers", "backend": "rq", "waiting": 0, "workers": 0}
