"""A migrant worker on a phone: the portal fits the screen, and registration works by tapping."""

import pytest

from jifen.identity.national_id import check_digit

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_landing_page_fits_a_phone_and_shows_the_programs(live_server, phone):
    phone.goto(f"{live_server}/jiashan/")
    assert phone.locator("h1").inner_text() == "嘉善县"
    assert phone.locator("[data-program]").count() == 5
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
