"""Questions and complaints in a browser: a visitor files a complaint with a mobile number and the code
texted to it, the department's reviewer logs in and answers it, the visitor reads the answer; axe-core
finds no serious problem on the new pages at desktop and phone width, and none is wider than a phone."""

from __future__ import annotations

import re
from datetime import date

import pytest

from axe import axe_available, report, violations
from conftest import unavailable
from jifen.plugin.channels import MessageChannel
from jifen.plugin.hookspecs import hookimpl

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]

MOBILE = "13900005555"


class TextChannel:
    """A county channel that texts bare mobile numbers by keeping the messages (the codes among them)."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | None, dict]] = []

    def _send(self, message, settings):
        self.sent.append((message.to, message.kind, dict(message.params)))

    @hookimpl
    def register_message_channels(self):
        return [MessageChannel(key="test_text", label="Test text", address=lambda user: getattr(user, "mobile", None),
                               send=self._send)]

    def last_code(self) -> str:
        return [p["code"] for to, kind, p in self.sent if to == MOBILE and kind == "complaint.code"][-1]


TEXTS = TextChannel()


def check(page, url: str, problems: list[str]) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response.status if response else 'no answer'}"
    found = violations(page)
    if found:
        problems.append(f"{page.screen} {url}:\n{report(found)}")
    if page.screen == "phone" and not page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"):
        problems.append(f"{page.screen} {url}: wider than the screen")


@pytest.mark.with_plugins(install={"test_text": TEXTS}, county="jiashan")
def test_a_complaint_is_filed_with_a_code_and_answered_in_the_browser(live_server, browser, screen, make_user,
                                                                     on_day):
    if not axe_available():
        unavailable("axe-core is not installed (make install runs npm ci): accessibility check skipped")
    TEXTS.sent.clear()
    on_day(date(2026, 9, 29))
    base, problems = live_server, []
    reviewer = make_user("jiashan", role="reviewer", department="education")
    check(screen, f"{base}/jiashan/questions/new", problems)
    # A first try without a code: the error summary, and what was typed is kept.
    screen.check("input[name=kind][value=complaint]")
    screen.select_option("#about", "county")
    screen.fill("#body", "窗口办理太慢，排队两个小时")
    screen.fill("#mobile", MOBILE)
    with screen.expect_navigation():
        screen.locator("button[data-submit]").click()
    assert screen.locator(".error-summary").is_visible()
    assert screen.input_value("#body") == "窗口办理太慢，排队两个小时"
    found = violations(screen)
    if found:
        problems.append(f"{screen.screen} the form with errors:\n{report(found)}")
    with screen.expect_navigation():
        screen.locator("button[data-send-code]").click()
    assert screen.locator("[data-code-sent]").is_visible()
    screen.fill("#code", TEXTS.last_code())
    with screen.expect_navigation():
        screen.locator("button[data-submit]").click()
    reference = screen.locator("[data-reference]").inner_text()
    assert re.fullmatch(r"JS-2026-\d{6}", reference)
    case_url = screen.url
    found = violations(screen)
    if found:
        problems.append(f"{screen.screen} {case_url}:\n{report(found)}")

    department = browser.new_context(locale="zh-CN", bypass_csp=True, viewport=screen.viewport_size)
    staff = department.new_page()
    staff.screen = screen.screen
    staff.goto(f"{base}/jiashan/login")
    staff.fill("#mobile", reviewer.mobile)
    staff.fill("#password", reviewer.password)
    with staff.expect_navigation():
        staff.locator("form.form button[type=submit]").first.click()
    check(staff, f"{base}/jiashan/review/complaints", problems)
    with staff.expect_navigation():
        staff.locator(f"tr[data-case='{reference}'] a").click()
    found = violations(staff)
    if found:
        problems.append(f"{staff.screen} the answer page:\n{report(found)}")
    staff.fill("#answer", "已增加窗口，感谢您的意见。")
    staff.check("input[name=visibility][value=anonymised]")
    with staff.expect_navigation():
        staff.locator("button[data-answer]").click()
    assert "已增加窗口，感谢您的意见。" in staff.content()
    department.close()

    screen.goto(case_url)
    assert "已增加窗口，感谢您的意见。" in screen.locator("[data-answer]").inner_text()
    for path in ("/jiashan/questions", "/jiashan/questions/figures?quarter=2026-3", "/jiashan/questions/follow"):
        check(screen, base + path, problems)
    screen.goto(f"{base}/jiashan/questions/figures?quarter=2026-3")
    assert screen.locator("tr[data-topic=all] td[data-in-time]").inner_text().startswith("1")
    assert not problems, "\n".join(problems)
