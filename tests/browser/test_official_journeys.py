"""The officials' journeys clicked through in a browser, at desktop and at phone width, every page checked
with axe-core (no serious or critical finding) and, on the phone, for nothing wider than the screen:

- a county administrator edits a points table through its preview, creates a round, closes it early,
  ranks, simulates, publishes the provisional list, decides an objection, publishes the final list and
  makes the offers;
- a reviewer works the queue;
- the platform administrator creates a county and appoints its administrator, who logs in.
"""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from axe import axe_available, report, violations
from conftest import unavailable
from jifen.county.context import current_county
from jifen.db.session import get_session
from jifen.identity import accounts
from jifen.identity.national_id import check_digit
from jifen.models import ApplicantProfile, Offer, ProgramApplication, ProgramRound, User
from jifen.points import applications, evidence
from jifen.points.rules import county_item_types
from jifen.programs import publication
from jifen.programs import rounds as programs

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

BACHELOR = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2012-06-30"}
PDF_VIEWER = "chrome-extension://mhjfbmdgcfjbbpaeojofohoefgiehjai/"  # Chromium's own PDF viewer


def one_page_pdf(text: str = "Diploma") -> bytes:
    """A small valid PDF (one page, one line of text), as a scanned certificate would come."""
    stream = f"BT /F1 24 Tf 40 100 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)


class Checked:
    """Every page the journey reaches, checked where it stands (axe-core, and the width on a phone)."""

    def __init__(self, page) -> None:
        self.page = page
        self.problems: list[str] = []
        self.seen: list[str] = []

    def here(self) -> None:
        url = self.page.url
        self.seen.append(url)
        found = violations(self.page)
        if found:
            self.problems.append(f"{self.page.screen} {url}:\n{report(found)}")
        if self.page.screen == "phone" and not self.page.evaluate(
                "document.documentElement.scrollWidth <= window.innerWidth"):
            self.problems.append(f"{self.page.screen} {url}: wider than the screen")

    def go(self, url: str) -> None:
        response = self.page.goto(url)
        assert response is not None and response.status == 200, f"{url}: {response.status if response else '-'}"
        self.here()

    def submit(self, button) -> None:
        """Click a form's button and wait for the page it leads to (after any redirect)."""
        with self.page.expect_navigation():
            button.click()
        self.here()


def log_in(checked: Checked, base: str, slug: str, mobile: str, password: str) -> None:
    checked.go(f"{base}/{slug}/login")
    checked.page.fill("#mobile", mobile)
    checked.page.fill("#password", password)
    checked.submit(checked.page.locator("form.form button[type=submit]").first)


@pytest.fixture
def needs_axe():
    if not axe_available():
        unavailable("axe-core is not installed (make install runs npm ci): accessibility check skipped")


def test_an_administrator_runs_a_round_from_rules_to_offers(live_server, screen, needs_axe, county, make_user,
                                                           applicant_with_points, on_day):
    on_day(date(2027, 3, 1))
    people = [applicant_with_points("jiashan", [("education", {**BACHELOR, "level": level})], real_name=name)
              for level, name in (("bachelor", "钱学森"), ("college", "孙小红"), ("college", "周大同"))]
    admin = make_user("jiashan", role="admin")
    base, page, checked = live_server, screen, Checked(screen)
    log_in(checked, base, "jiashan", admin.mobile, admin.password)

    # The points table through its preview: what moves, then saved as a rule version.
    checked.go(f"{base}/jiashan/admin/rules/education")
    page.fill("input[name='points.bachelor']", "85")
    checked.submit(page.locator("form.form button[type=submit]").first)
    assert page.locator("[data-job-state=finished]").count() == 1
    assert page.locator("[data-raised]").get_attribute("data-raised") == "1"
    checked.submit(page.locator("form[data-form=save-previewed] button"))
    assert re.search(r"/jiashan/admin/rules$", page.url)
    checked.go(f"{base}/jiashan/admin/rules/compare")
    assert page.locator("tr[data-differs]").count() == 1

    # A round made in the browser, applied to, closed early.
    checked.go(f"{base}/jiashan/admin/programs")
    checked.submit(page.locator("a[href$='/programs/hukou_transfer/rounds/new']"))
    page.fill("#name", "2027 第一批")
    page.fill("#opens_on", "2027-03-01")
    page.fill("#closes_on", "2027-03-31")
    page.fill("#quota", "1")
    checked.submit(page.locator("form.form button[type=submit]"))
    round_id = int(re.search(r"/rounds/(\d+)$", page.url).group(1))
    assert page.locator("[data-state]").first.get_attribute("data-state") == "open"
    with county("jiashan") as session:
        program = programs.programs(session)["hukou_transfer"]
        for person in people:
            user = session.scalar(select(User).where(User.id == person.id))
            programs.apply(session, program, user, {"town": "魏塘街道"})
        session.commit()
    on_day(date(2027, 3, 10))
    checked.go(f"{base}/jiashan/admin/rounds/{round_id}")
    page.fill("#window-closes_on", "2027-03-09")
    page.fill("#window-reason", "受理工作提前完成")
    page.check("#window-confirm")
    checked.submit(page.locator("form[data-form=window] button[type=submit]"))
    assert page.locator(".error").count() == 0, page.locator(".error").all_inner_texts()
    assert page.locator("dd[data-state]").get_attribute("data-state") == "closed"

    # Ranked by a job, made current, simulated with one more place.
    checked.submit(page.locator(f"form[action$='/rounds/{round_id}/run'] button"))
    assert page.locator("[data-job-state=finished]").count() == 1
    checked.submit(page.locator("a", has_text=re.compile("返回|Back to the round")).last)
    checked.submit(page.locator("form[action*='/runs/'][action$='/current'] button"))
    checked.submit(page.locator(f"a[href$='/rounds/{round_id}/simulate']"))
    page.fill("#quota", "2")
    checked.submit(page.locator("form.form button[type=submit]"))
    assert page.locator("[data-simulation] [data-allocated]").get_attribute("data-allocated") == "2"

    # The provisional list, an objection decided, the final list, the offers.
    checked.go(f"{base}/jiashan/admin/rounds/{round_id}")
    form = page.locator("form[data-form=publish-provisional]")
    form.locator("input[name=confirm]").check()
    checked.submit(form.locator("button[type=submit]"))
    assert page.locator("[data-stage]").first.get_attribute("data-stage") == "provisional"
    with county("jiashan") as session:
        latest = publication.latest(session, session.scalar(select(ProgramRound).where(ProgramRound.id == round_id)))
        objector = session.scalar(select(User).where(User.id == people[1].id))
        publication.object_to(session, latest, objector, "我的学历积分应为本科")
        session.commit()
    checked.go(f"{base}/jiashan/admin/rounds/{round_id}")
    page.select_option("select[name=decision]", "dismissed")
    page.fill("textarea[name=outcome]", "经教育局复核，学历为大专，积分无误")
    checked.submit(page.locator("form[action*='/objections/'] button[type=submit]"))
    assert page.locator("[data-objection][data-status=dismissed]").count() == 1
    on_day(date(2027, 4, 20))  # the publication period is over
    checked.go(f"{base}/jiashan/admin/rounds/{round_id}")
    form = page.locator("form[data-form=publish-final]")
    form.locator("input[name=confirm]").check()
    checked.submit(form.locator("button[type=submit]"))
    assert page.locator("[data-stage]").first.get_attribute("data-stage") == "final"
    form = page.locator("form[data-form=offers]")
    form.locator("input[name=confirm]").check()
    checked.submit(form.locator("button[type=submit]"))
    assert page.locator("li[data-offer][data-status=offered]").count() == 1
    assert page.locator("form[data-form=publish-provisional]").count() == 0  # the state allows no going back
    with county("jiashan") as session:
        assert len(session.scalars(select(Offer)).all()) == 1
        assert len(session.scalars(select(ProgramApplication)).all()) == 3
    assert len(checked.seen) >= 15
    assert not checked.problems, "\n".join(checked.problems)


def test_a_reviewer_works_the_queue(live_server, screen, needs_axe, county, make_user, on_day):
    on_day(date(2027, 3, 1))
    waiting = []
    for name in ("赵德胜", "李秀英"):
        person = make_user("jiashan", real_name=name)
        with county("jiashan") as session:
            me = session.scalar(select(User).where(User.id == person.id))
            session.add(ApplicantProfile(user_id=me.id, has_residence_permit=True,
                                         works_in_county_since=date(2020, 1, 1)))
            draft = applications.application_of(session, me, create=True)
            item = applications.declare(session, draft, county_item_types(session)["education"], BACHELOR,
                                        actor="test")
            evidence.store(session, item, "diploma.pdf", io.BytesIO(one_page_pdf()))
            applications.submit(session, current_county(session).hooks, draft, me)
            session.commit()
            waiting.append(item.id)
    reviewer = make_user("jiashan", role="reviewer", department="education")
    base, page, checked = live_server, screen, Checked(screen)
    log_in(checked, base, "jiashan", reviewer.mobile, reviewer.password)
    checked.go(f"{base}/jiashan/review/")
    for item_id in waiting:
        checked.submit(page.locator(f"a[href$='/review/items/{item_id}']").first)
        if page.screen == "desktop":  # the evidence in the browser's own PDF viewer, from the sandboxed response
            for _ in range(50):
                if any(frame.url.startswith(PDF_VIEWER) for frame in page.frames):
                    break
                page.wait_for_timeout(100)
            assert any(frame.url.startswith(PDF_VIEWER) for frame in page.frames), [f.url for f in page.frames]
        page.check("input[name=decision][value=verified]")
        checked.submit(page.locator("form.form button[type=submit]").last)
        if f"/review/items/{item_id}" in page.url:  # a page that stays on the item links back to the queue
            checked.go(f"{base}/jiashan/review/")
    assert all(page.locator(f"a[href$='/review/items/{i}']").count() == 0 for i in waiting)
    assert not checked.problems, "\n".join(checked.problems)


def test_the_platform_administrator_creates_a_county_whose_administrator_logs_in(live_server, screen, needs_axe,
                                                                                  app):
    with app.app_context():
        accounts.create_platform_admin(get_session(), "console", "Console-pass-2026-x")
        get_session().commit()
    base, page, checked = live_server, screen, Checked(screen)
    checked.go(f"{base}/platform/login")
    page.fill("#username", "console")
    page.fill("#password", "Console-pass-2026-x")
    checked.submit(page.locator("form button[type=submit]").first)
    checked.go(f"{base}/platform/counties/new")
    page.fill("#slug", "pinghu")
    page.fill("#name_zh", "平湖市")
    page.fill("#name_en", "Pinghu City")
    page.fill("#hotline", "0573-85012345")
    page.check("input[name=plugins][value=education]")
    page.check("input[name=plugins][value=hukou_transfer]")
    page.fill("#admin_name", "沈国平")
    page.fill("#admin_id_number", "33040219800101001" + check_digit("33040219800101001"))
    page.fill("#admin_mobile", "13957300001")
    checked.submit(page.locator("form button[type=submit]").last)
    password = page.locator("[data-initial-password]").inner_text().strip()
    checked.go(f"{base}/platform/counties")
    assert page.locator("text=平湖市").count() >= 1
    page.context.clear_cookies()
    log_in(checked, base, "pinghu", "13957300001", password)
    if page.locator("#new_password").count():  # the initial password is changed at the first login
        page.fill("#current_password", password)
        page.fill("#new_password", "Pinghu-admin-2027-x")
        page.fill("#confirm", "Pinghu-admin-2027-x")
        checked.submit(page.locator("form.form button[type=submit]").first)
    checked.go(f"{base}/pinghu/admin/plugins")
    assert not checked.problems, "\n".join(checked.problems)
