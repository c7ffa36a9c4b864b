"""A migrant worker on a phone: the portal fits the screen, and registration works by tapping."""

import pytest

from jifen.identity.national_id import check_digit

pytestmark = [pytest.mark.slow, pytest.mark.sqlite_only]


def fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_landing_page_fits_a_phone_and_shows_the_programs(live_server, phone):
    phone.goto(f"{live_server}/jiashan/")
    assert phone.locator("h1").inner_text() == "嘉善县"
    assert phone.locator("[data-program]").count() == 3
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
    phone.wait_for_url("**/haining/account")
    assert "3304**********" in phone.content()
