"""Rescoring under new rules is a job started from the points tables page: the request only records it,
the job rescores every confirmed application not yet under the rules in force, and its page says how many."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from jifen.county.context import current_county
from jifen.county.switching import set_plugin_enabled
from jifen.models import Application, Job, LedgerEntry

BACHELOR = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2012-06-30"}


def _admin(app, client, make_user, login):
    admin = app.test_client()
    admin.__class__ = type(client)
    login(admin, make_user("jiashan", role="admin"))
    return admin


def _raise_bachelor(county, points: str) -> None:
    with county("jiashan") as session:
        settings = current_county(session).settings_of("education")
        settings["points"] = {**settings["points"], "bachelor": points}
        set_plugin_enabled(session, "education", True, actor="test", settings=settings)
        session.commit()


def _totals(county) -> list[str]:
    with county("jiashan") as session:
        return sorted(str(a.total_points) for a in session.scalars(select(Application)))


def test_the_rescore_runs_as_a_job_and_its_page_says_how_many(app, client, county, make_user, login,
                                                             applicant_with_points):
    for _ in range(2):
        applicant_with_points("jiashan", [("education", BACHELOR)])
    admin = _admin(app, client, make_user, login)
    page = admin.get("/jiashan/admin/rules?lang=en").get_data(as_text=True)
    assert 'data-waiting="0"' in page and "Rescore under the rules in force" not in page
    before = _totals(county)

    _raise_bachelor(county, "90")
    page = admin.get("/jiashan/admin/rules?lang=en").get_data(as_text=True)
    assert 'data-waiting="2"' in page and "Rescore under the rules in force" in page
    started = admin.submit("/jiashan/admin/rules/rescore", {}, form_page="/jiashan/admin/rules")
    assert started.status_code == 302 and "/admin/jobs/" in started.location
    html = admin.get(started.location + "?lang=en").get_data(as_text=True)
    assert 'data-job-state="finished"' in html and 'data-rescored="2"' in html
    after = _totals(county)
    assert [float(b) + 10 for b in before] == [float(a) for a in after]
    with county("jiashan") as session:
        job = session.scalars(select(Job).where(Job.kind == "points.rescore")).one()
        assert job.result["rescored"] == 2 and job.actor.startswith("user:")
        assert session.scalar(select(LedgerEntry.rule_version).order_by(LedgerEntry.rule_version.desc()).limit(1)) \
            == job.result["version"]
    zh = admin.get(started.location + "?lang=zh_Hans_CN").get_data(as_text=True)
    assert "重新计分" in zh and not re.search(r"points\.rescore", zh)
    assert 'data-waiting="0"' in admin.get("/jiashan/admin/rules").get_data(as_text=True)


def test_a_rescore_under_way_is_not_started_twice(app, client, county, make_user, login, applicant_with_points,
                                                 unused_port):
    applicant_with_points("jiashan", [("education", BACHELOR)])
    _raise_bachelor(county, "95")
    app.config.update(JIFEN_JOBS="rq", REDIS_URL=f"redis://127.0.0.1:{unused_port}/0")  # it waits for the queue
    admin = _admin(app, client, make_user, login)
    first = admin.submit("/jiashan/admin/rules/rescore", {}, form_page="/jiashan/admin/rules")
    assert first.status_code == 302
    assert "/admin/jobs/" in admin.get("/jiashan/admin/rules").get_data(as_text=True)  # follow it, no button
    again = admin.post("/jiashan/admin/rules/rescore",
                       data={"csrf_token": admin.csrf_token(first.location)})
    assert again.status_code == 303 and again.location == first.location
    with county("jiashan") as session:
        assert len(session.scalars(select(Job).where(Job.kind == "points.rescore")).all()) == 1


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_only_administrators_may_start_a_rescore(app, client, make_user, login):
    reviewer = app.test_client()
    reviewer.__class__ = type(client)
    login(reviewer, make_user("jiashan", role="reviewer", department="education"))
    token = reviewer.csrf_token("/jiashan/review/")
    assert reviewer.post("/jiashan/admin/rules/rescore", data={"csrf_token": token}).status_code in (403, 404)
