"""Officials' pages (and the survey a resident answers) in a browser at desktop and phone width: axe-core
finds no serious or critical accessibility problem, and nothing is wider than the screen on a phone.

The pages are those of a seeded Jiashan: a round ranked with its job, a reviewer's queue with an item
waiting, the points tables, the audit trail; opened by the county administrator, the reviewer and the
platform administrator as they would, after logging in through the forms.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from axe import axe_available, report, violations
from conftest import unavailable
from jifen.county.context import current_county
from jifen.db.session import get_session
from jifen.exchange import onboarding, onboarding_job
from jifen.identity import accounts
from jifen.models import ApplicantProfile, Job, User
from jifen.points import applications, evidence
from jifen.points.rules import county_item_types
from jifen.programs import rounds as programs
from tests.exchange.test_onboarding import EDUCATION_ROW, ITEM_HEADER, REGISTRANT, REGISTRANTS, _sheets

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

BACHELOR = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2012-06-30"}


@pytest.fixture
def seeded(app, county, make_user, applicant_with_points, open_round, on_day):
    on_day(date(2027, 3, 1))
    found = open_round("jiashan", "hukou_transfer", quota=1)
    for level in ("bachelor", "college"):
        person = applicant_with_points("jiashan", [("education", {**BACHELOR, "level": level})])
        with county("jiashan") as session:
            user = session.scalar(select(User).where(User.id == person.id))
            programs.apply(session, programs.programs(session)["hukou_transfer"], user, {"town": "魏塘街道"})
            session.commit()
    waiting = make_user("jiashan", real_name="赵德胜")
    with county("jiashan") as session:
        me = session.scalar(select(User).where(User.id == waiting.id))
        session.add(ApplicantProfile(user_id=me.id, has_residence_permit=True, works_in_county_since=date(2020, 1, 1)))
        draft = applications.application_of(session, me, create=True)
        item = applications.declare(session, draft, county_item_types(session)["education"], BACHELOR, actor="test")
        evidence.store(session, item, "diploma.pdf", io.BytesIO(b"%PDF-1.4\n%%EOF\n"))
        applications.submit(session, current_county(session).hooks, draft, me)
        session.commit()
        item_id = item.id
    nominations = open_round("jiashan", "commendation", quota=1)  # the committee's pages
    resident = applicant_with_points("jiashan")  # answers the survey below
    from jifen.surveys import editing

    with county("jiashan") as session:
        survey = editing.create(session, title_zh="新居民服务需求调查", title_en="New residents' needs", actor="test")
        editing.add_question(session, survey, kind="single", text_zh="您最需要哪项服务？", options_zh="子女入学\n公租房",
                             required=True, actor="test")
        editing.add_question(session, survey, kind="ranking", text_zh="请按需要排序", options_zh="子女入学\n公租房\n医疗保险",
                             actor="test")
        editing.add_question(session, survey, kind="text", text_zh="其他建议", actor="test")
        editing.publish(session, survey, actor="test")
        session.commit()
        survey_id = survey.id
    recruiting = open_round("haining", "recruitment", quota=2, sub_quotas={"社区工作者": 2})  # its score import
    on_day(date(2027, 5, 6))
    admin = make_user("jiashan", role="admin")
    reviewer = make_user("jiashan", role="reviewer", department="education")
    committee = make_user("jiashan", role="reviewer", department="civil_affairs")
    haining_admin = make_user("haining", role="admin")
    with app.app_context():
        accounts.create_platform_admin(get_session(), "console", "Console-pass-2026-x")
        get_session().commit()
    onboarding_jobs = {}  # a checked workbook's report, and one with bad lines, as their jobs keep them
    with county("jiashan") as session:
        bad = [REGISTRANTS[0], REGISTRANT, [REGISTRANT[0], "陈新民", "13900000009"]]
        for name, data in (("preview", _sheets(登记人=REGISTRANTS, 已确认事项=[ITEM_HEADER, EDUCATION_ROW])),
                           ("blocked", _sheets(登记人=bad))):
            checked = onboarding.run_import(session, [("county.xlsx", data)], actor="test", dry_run=True)
            params = {"token": "0" * 32, "sha256": checked.sha256, "file_name": "county.xlsx", "dry_run": True}
            onboarding_jobs[name] = Job(kind="exchange.onboarding", state="finished", actor="test", params=params,
                                        result=onboarding_job.result_of(checked, params))
        session.add_all(onboarding_jobs.values())  # after the dry runs: each rolls its session back
        session.commit()
        onboarding_jobs = {name: job.id for name, job in onboarding_jobs.items()}
    return {"onboarding": onboarding_jobs, "round": found, "item": item_id, "admin": admin, "reviewer": reviewer, "committee": committee,
            "nominations": nominations, "recruiting": recruiting, "haining_admin": haining_admin,
            "survey": survey_id, "resident": resident}


def log_in(page, base: str, user, slug: str = "jiashan") -> None:
    page.goto(f"{base}/{slug}/login")
    page.fill("#mobile", user.mobile)
    page.fill("#password", user.password)
    with page.expect_navigation():
        page.locator("form.form button[type=submit]").first.click()


def check(page, url: str, problems: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response.status if response else 'no answer'}"
    found = violations(page)
    if found:
        problems.append(f"{page.screen} {url}:\n{report(found)}")
    if page.screen == "phone" and not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        problems.append(f"{page.screen} {url}: wider than the screen")


@pytest.mark.with_plugins("sanitation_bonus", county="jiashan")  # a plugin's own admin page (register_routes)
def test_officials_pages_pass_axe_at_desktop_and_phone_width(live_server, screen, seeded, county):
    if not axe_available():
        unavailable("axe-core is not installed (make install runs npm ci): accessibility check skipped")
    base, problems = live_server, []
    round_id = seeded["round"]
    log_in(screen, base, seeded["admin"])
    screen.goto(f"{base}/jiashan/admin/rounds/{round_id}")
    with screen.expect_navigation():
        screen.locator(f"form[action$='/rounds/{round_id}/run'] button").click()
    with county("jiashan") as session:
        job = session.scalars(select(Job).where(Job.kind == "ranking.run")).one()
    for path in ("/jiashan/admin/", "/jiashan/admin/plugins", "/jiashan/admin/users", "/jiashan/admin/rules",
                 "/jiashan/admin/rules/education", "/jiashan/admin/programs", f"/jiashan/admin/rounds/{round_id}",
                 f"/jiashan/admin/rounds/{round_id}/simulate", f"/jiashan/admin/jobs/{job.id}",
                 "/jiashan/admin/audit", "/jiashan/admin/tokens", "/jiashan/review/import",
                 "/jiashan/admin/p/sanitation_bonus/summary", "/jiashan/committee/",
                 f"/jiashan/committee/rounds/{seeded['nominations']}", "/jiashan/admin/surveys",
                 "/jiashan/admin/findings", "/jiashan/admin/programs/hukou_transfer/tie-breaks",
                 f"/jiashan/admin/statistics/rounds/{round_id}/equity", f"/jiashan/admin/surveys/{seeded['survey']}",
                 f"/jiashan/admin/surveys/{seeded['survey']}/results", "/jiashan/admin/onboarding",
                 *(f"/jiashan/admin/onboarding?job={job}" for job in seeded["onboarding"].values())):
        check(screen, base + path, problems)
    screen.context.clear_cookies()
    log_in(screen, base, seeded["reviewer"])
    for path in ("/jiashan/review/", f"/jiashan/review/items/{seeded['item']}", "/jiashan/review/import"):
        check(screen, base + path, problems)
    screen.context.clear_cookies()
    log_in(screen, base, seeded["committee"])
    for path in ("/jiashan/committee/", f"/jiashan/committee/rounds/{seeded['nominations']}"):
        check(screen, base + path, problems)
    screen.context.clear_cookies()
    log_in(screen, base, seeded["resident"])
    for path in ("/jiashan/me/surveys", f"/jiashan/me/surveys/{seeded['survey']}"):
        check(screen, base + path, problems)
    screen.context.clear_cookies()
    log_in(screen, base, seeded["haining_admin"], "haining")
    check(screen, f"{base}/haining/admin/rounds/{seeded['recruiting']}/scores", problems)
    screen.context.clear_cookies()
    screen.goto(f"{base}/platform/login")
    screen.fill("#username", "console")
    screen.fill("#password", "Console-pass-2026-x")
    with screen.expect_navigation():
        screen.locator("form button[type=submit]").first.click()
    check(screen, f"{base}/", problems)
    assert not problems, "\n".join(problems)
