"""Jobs: started only by a commit, run with the county bound, progress seen while they run, and a
failed job leaves nothing of its work behind. The admin's ranking is a job and its page follows it."""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import func, select

from jifen import clock, jobs
from jifen.county.tenancy import require_tenant
from jifen.jobs import kinds, work
from jifen.models import AuditEvent, Job, Message, RankingRun, User

MODULE = __name__


def note_and_finish(session, job_work):
    """A test job: writes a message for the user named in its parameters, reports progress, finishes."""
    user = session.get(User, (require_tenant().id, job_work.params["user_id"]))
    session.add(Message(user_id=user.id, subject="job", body="written by a job"))
    session.flush()
    job_work.progress("snapshot", 10, 10)
    return {"county": require_tenant().slug, "seen": _progress_seen_from_outside(session, job_work)}


def _progress_seen_from_outside(session, job_work):
    """What a page would read while the job runs: the row on PostgreSQL, this process's memory on SQLite."""
    from jifen.db.session import get_db

    with get_db().new_session() as other:
        row = other.get(Job, (require_tenant().id, job_work.job_id))
        phase, done, total = work.live_progress(row)
        return [phase, done, total]


def note_then_fail(session, job_work):
    user = session.get(User, (require_tenant().id, job_work.params["user_id"]))
    session.add(Message(user_id=user.id, subject="job", body="half-done work"))
    session.flush()
    raise RuntimeError("the disk is full")


@pytest.fixture
def test_kinds(monkeypatch):
    monkeypatch.setitem(kinds.KINDS, "test.note", (f"{MODULE}:note_and_finish", "note"))
    monkeypatch.setitem(kinds.KINDS, "test.fail", (f"{MODULE}:note_then_fail", "fail"))


def _messages(session, body):
    return session.scalar(select(func.count(Message.id)).where(Message.body == body))


def test_a_job_runs_when_its_transaction_commits_and_not_when_it_rolls_back(county, make_user, test_kinds):
    person = make_user("jiashan")
    with county("jiashan") as session:
        dropped = jobs.enqueue(session, "test.note", actor="test", params={"user_id": person.id})
        dropped_id = dropped.id
        session.rollback()
        assert session.get(Job, (require_tenant().id, dropped_id)) is None
        assert _messages(session, "written by a job") == 0

        job = jobs.enqueue(session, "test.note", actor="test", params={"user_id": person.id})
        session.commit()
        found = session.get(Job, (require_tenant().id, job.id), populate_existing=True)
        assert found.state == "finished" and found.attempts == 1
        assert found.result["county"] == "jiashan"
        # Progress was visible outside the job's transaction while it ran.
        assert found.result["seen"] == ["snapshot", 10, 10]
        assert _messages(session, "written by a job") == 1


def test_a_failed_job_keeps_nothing_of_its_work_and_says_why_in_both_languages(county, make_user, test_kinds,
                                                                               caplog):
    person = make_user("jiashan")
    with county("jiashan") as session:
        job = jobs.enqueue(session, "test.fail", actor="test", params={"user_id": person.id})
        session.commit()
        found = session.get(Job, (require_tenant().id, job.id), populate_existing=True)
        assert found.state == "failed" and found.finished_at is not None
        assert _messages(session, "half-done work") == 0
        texts = json.loads(found.error)
        assert "nothing of it was kept" in texts["en"] and "未保留" in texts["zh_Hans_CN"]
        assert "the disk is full" not in found.error  # an internal error is logged, not shown
    assert "the disk is full" in caplog.text


def test_a_job_is_run_once_even_if_the_queue_hands_it_out_twice(app, county, make_user, test_kinds):
    person = make_user("jiashan")
    with county("jiashan") as session:
        job = jobs.enqueue(session, "test.note", actor="test", params={"user_id": person.id})
        session.commit()
        job_id = job.id
    assert work.run_in_app(app, "jiashan", job_id) == "already taken"
    with county("jiashan") as session:
        assert _messages(session, "written by a job") == 1


def test_jobs_asked_for_in_one_transaction_with_a_merge_key_become_one(county, make_user, test_kinds):
    person = make_user("jiashan")
    with county("jiashan") as session:
        first = jobs.enqueue(session, "test.note", actor="test", params={"user_id": person.id, "ids": [1]},
                             merge_key="k")
        second = jobs.enqueue(session, "test.note", actor="test", params={"user_id": person.id, "ids": [2, 3]},
                              merge_key="k")
        assert first is second and first.params["ids"] == [1, 2, 3]
        session.commit()
        assert session.scalar(select(func.count(Job.id)).where(Job.kind == "test.note")) == 1


def apply(county, person, program_key, raw):
    from jifen.county.context import current_county
    from jifen.programs import rounds

    with county("jiashan") as session:
        user = session.get(User, (require_tenant().id, person.id))
        rounds.apply(session, current_county(session).programs_by_key[program_key], user, raw)
        session.commit()


def _admin(app, client, make_user, login):
    admin = app.test_client()
    admin.__class__ = type(client)
    login(admin, make_user("jiashan", role="admin"))
    return admin


def test_the_admin_starts_a_ranking_as_a_job_and_its_page_shows_the_result(app, client, county, make_user, login,
                                                                          applicant_with_points, open_round, on_day):
    on_day(date(2027, 3, 1))
    found = open_round("jiashan", "hukou_transfer", quota=1)
    for level in ("bachelor", "college"):
        person = applicant_with_points("jiashan", [("education", {"level": level, "institution": "嘉兴学院",
                                                                  "graduated_on": "2012-06-30"})])
        apply(county, person, "hukou_transfer", {"town": "魏塘街道"})
    on_day(date(2027, 5, 6))
    admin = _admin(app, client, make_user, login)
    round_url = f"/jiashan/admin/rounds/{found}"
    started = admin.submit(f"/jiashan/admin/rounds/{found}/run", {}, form_page=round_url)
    assert started.status_code == 302 and "/admin/jobs/" in started.location
    page = admin.get(started.location + "?lang=en")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-job-state="finished"' in html
    assert page.headers["Cache-Control"].startswith("no-store")
    with county("jiashan") as session:
        run = session.scalars(select(RankingRun).where(RankingRun.round_id == found)).one()
        assert f'data-run-id="{run.id}"' in html and run.input_count == 2
        job = session.scalars(select(Job).where(Job.kind == "ranking.run")).one()
        assert job.actor.startswith("user:") and job.result["run_id"] == run.id
        assert session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action == "job.requested")) == 1
    assert "Make current" in admin.get(round_url + "?lang=en").get_data(as_text=True)


def test_a_ranking_that_cannot_run_fails_as_a_job_with_the_reason_and_no_run(app, client, county, make_user, login,
                                                                              open_round, on_day):
    on_day(date(2027, 3, 1))
    found = open_round("jiashan", "hukou_transfer", quota=1)  # its window is still open
    admin = _admin(app, client, make_user, login)
    admin.get("/jiashan/?lang=en")
    page = admin.submit(f"/jiashan/admin/rounds/{found}/run", {}, form_page=f"/jiashan/admin/rounds/{found}",
                        follow_redirects=True)
    html = page.get_data(as_text=True)
    assert 'data-job-state="failed"' in html and "still open" in html
    with county("jiashan") as session:
        assert session.scalar(select(func.count(RankingRun.id))) == 0


def test_with_the_queue_unreachable_the_job_waits_and_the_page_says_so(app, client, county, make_user, login,
                                                                       open_round, on_day, unused_port):
    app.config.update(JIFEN_JOBS="rq", REDIS_URL=f"redis://127.0.0.1:{unused_port}/0")
    on_day(date(2027, 3, 1))
    found = open_round("jiashan", "hukou_transfer", quota=1)
    admin = _admin(app, client, make_user, login)
    admin.get("/jiashan/?lang=en")
    page = admin.submit(f"/jiashan/admin/rounds/{found}/run", {}, form_page=f"/jiashan/admin/rounds/{found}",
                        follow_redirects=True)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'data-job-state="queued"' in html
    assert "cannot be reached" in html and 'http-equiv="refresh"' in html
    health = app.test_client().get("/healthz").get_json()
    assert health["queue"]["state"] == "down" and health["status"] == "degraded"
    # Asking again does not start a second ranking: the first one is still waiting.
    again = admin.submit(f"/jiashan/admin/rounds/{found}/run", {}, form_page=f"/jiashan/admin/rounds/{found}")
    assert again.status_code == 303
    with county("jiashan") as session:
        assert session.scalar(select(func.count(Job.id)).where(Job.kind == "ranking.run")) == 1


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_in_the_embedded_default_a_job_runs_in_a_thread_of_the_web_process(app, county, make_user, test_kinds):
    import time

    app.config["JIFEN_JOBS"] = "thread"
    person = make_user("jiashan")
    with county("jiashan") as session:
        job = jobs.enqueue(session, "test.note", actor="test", params={"user_id": person.id})
        session.commit()
        job_id = job.id
    deadline = time.monotonic() + 20
    state = None
    while time.monotonic() < deadline:
        with county("jiashan") as session:
            state = session.get(Job, (require_tenant().id, job_id), populate_existing=True).state
        if state in ("finished", "failed"):
            break
        time.sleep(0.1)
    assert state == "finished"
