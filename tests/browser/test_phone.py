"""A migrant worker on a phone: the portal fits the screen, and registration works by tapping."""

import pytest

from axe import axe_available, report, violations
from conftest import unavailable
from jifen.identity.national_id import check_digit

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_landing_page_fits_a_phone_and_shows_the_programs(live_server, phone):
    phone.goto(f"{live_server}/jiashan/")
    assert phone.locator("h1").inner_text() == "嘉善县"
    assert phone.locator("[data-program]").count() == 6
    assert fits_the_screen(phone)
    box = phone.locator("[data-program]").first.bounding_box()
    assert box["width"] <= 360


def test_registration_on_a_phone_keeps_input_after_an_error(live_server, phone):
    first17 = "33042119880808123"
    good = first17 + check_digit(first17)
    bad = first17 + ("0" if good[-1] != "0" else "1")
    phone.goto(f"{live_server}/haining/register")
    assert fits_the_screen(phone)
    phone.fill("#real_name", "陈新民")
    phone.fill("#id_number", bad)
    phone.fill("#mobile", "13812345678")
    phone.fill("#password", "Tea-garden-2026")
    phone.fill("#confirm", "Tea-garden-2026")
    phone.tap("button[type=submit]")
    assert "校验码" in phone.locator(".error").first.inner_text()
    assert phone.input_value("#real_name") == "陈新民" and phone.input_value("#mobile") == "13812345678"
    assert fits_the_screen(phone)
    phone.fill("#id_number", good)
    phone.fill("#password", "Tea-garden-2026")
    phone.fill("#confirm", "Tea-garden-2026")
    phone.tap("button[type=submit]")
    phone.wait_for_url("**/haining/me/")  # the status page: what to do next
    assert fits_the_screen(phone)
    phone.goto(f"{live_server}/haining/account")
    assert "3304**********" in phone.content()


def test_declaring_an_item_and_uploading_evidence_on_a_phone(live_server, phone, make_user, tmp_path):
    user = make_user("jiashan")
    phone.goto(f"{live_server}/jiashan/login")
    phone.fill("#mobile", user.mobile)
    phone.fill("#password", user.password)
    phone.tap("button[type=submit]")
    phone.wait_for_url("**/jiashan/me/")
    phone.goto(f"{live_server}/jiashan/me/items/new/education")
    assert fits_the_screen(phone)
    phone.select_option("#level", "bachelor")
    phone.fill("#institution", "浙江大学")
    phone.fill("#graduated_on", "2012-06-30")
    phone.tap("form.form button[type=submit]")
    phone.wait_for_url("**/jiashan/me/items/*")
    diploma = tmp_path / "diploma.pdf"
    diploma.write_bytes(b"%PDF-1.4\n% scanned diploma\n%%EOF\n")
    phone.set_input_files("#file", str(diploma))
    with phone.expect_navigation():
        phone.locator("form[enctype] button[type=submit]").tap()
    assert phone.locator("a", has_text="diploma.pdf").count() == 1
    assert fits_the_screen(phone)
    phone.goto(f"{live_server}/jiashan/me/")
    assert phone.locator("[data-estimate]").get_attribute("data-estimate") == "80.00"
    assert fits_the_screen(phone)


def test_the_new_programs_pages_fit_a_phone_and_pass_axe(live_server, screen, county, applicant_with_points,
                                                         open_round):
    """Commendation's nomination form (a statement in a text box with its counter) for an applicant, and
    recruitment's page for anyone: no serious accessibility problem, nothing wider than the screen."""
    if not axe_available():
        unavailable("axe-core is not installed (make install runs npm ci): accessibility check skipped")
    open_round("jiashan", "commendation", quota=1)
    open_round("haining", "recruitment", quota=2, sub_quotas={"社区工作者": 2})
    person = applicant_with_points("jiashan")
    screen.goto(f"{live_server}/jiashan/login")
    screen.fill("#mobile", person.mobile)
    screen.fill("#password", person.password)
    with screen.expect_navigation():
        screen.locator("form.form button[type=submit]").first.click()
    problems = []
    for url in (f"{live_server}/jiashan/programs/commendation", f"{live_server}/haining/programs/recruitment"):
        answer = screen.goto(url)
        assert answer is not None and answer.status == 200, url
        if url.endswith("commendation"):
            assert screen.locator("textarea").count() == 1
        found = violations(screen)
        if found:
            problems.append(f"{url}:\n{report(found)}")
        if screen.screen == "phone" and not fits_the_screen(screen):
            problems.append(f"{url}: wider than the screen")
    assert not problems, "\n".join(problems)
