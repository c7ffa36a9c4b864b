"""The applicant's profile page: e-mail address, language of messages and the county's channels."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from jifen.models import ApplicantProfile, AuditEvent, User

pytestmark = pytest.mark.with_plugins("email", "sms", county="jiashan")

PROFILE = "/jiashan/me/profile"


@pytest.fixture
def configured(monkeypatch):
    """The deployment has a mail server and an SMS access key: both channels exist."""
    monkeypatch.setenv("JIFEN_SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv("JIFEN_MAIL_FROM", "noreply@jifen.example.cn")
    monkeypatch.setenv("JIFEN_SMS_ACCESS_KEY_ID", "LTAI-test")
    monkeypatch.setenv("JIFEN_SMS_ACCESS_KEY_SECRET", "secret")


def boxes(page: str) -> dict[str, bool]:
    """The channel checkboxes of the page: value -> ticked."""
    return {value: bool(checked) for checked, value in
            re.findall(r'<input (checked )?id="channels-\d+" name="channels" type="checkbox" value="([a-z_]+)">', page)}


def stored(county, user_id: int) -> tuple:
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == user_id))
        return user.email, user.language, user.channels


def test_the_page_offers_the_countys_channels_with_translated_labels(configured, client_as):
    client = client_as("jiashan")
    response = client.get(PROFILE)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
    assert boxes(page) == {"email": True, "sms": True}  # nothing chosen yet: every channel
    assert "电子邮件" in page and "手机短信" in page and "消息语言" in page
    assert 'name="email" type="email"' in page
    assert '<option selected value="zh_Hans_CN">中文</option><option value="en">English</option>' in page
    english = client.get(PROFILE + "?lang=en").get_data(as_text=True)
    assert "E-mail" in english and "Text message (SMS)" in english and "Language of messages" in english


def test_only_channels_of_enabled_and_configured_plugins_are_offered(configured, client_as, monkeypatch):
    haining = client_as("haining").get("/haining/me/profile").get_data(as_text=True)
    assert boxes(haining) == {} and 'name="email"' in haining  # Haining did not enable them
    monkeypatch.delenv("JIFEN_SMTP_URL")
    jiashan = client_as("jiashan").get(PROFILE).get_data(as_text=True)
    assert boxes(jiashan) == {"sms": True}  # no mail server here: no e-mail channel


def test_the_choices_are_saved_and_audited(configured, client_as, county):
    client = client_as("jiashan")
    response = client.submit(PROFILE, {"email": "  Zhang.San@Example.com ", "language": "en",
                                       "channels": ["email"], "shown": "email,sms", "employer": "嘉善某电子厂"})
    assert response.status_code == 302
    assert stored(county, client.user.id) == ("Zhang.San@Example.com", "en", ["email"])
    with county("jiashan") as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "profile.changed")
                                .order_by(AuditEvent.seq.desc())).first()
        assert event.target_id == str(client.user.id)
        assert event.details == {"messages": ["email", "language", "channels"]}
        assert "Zhang.San" not in str(event.details)  # which settings changed, not the address
    page = client.get(PROFILE).get_data(as_text=True)
    assert boxes(page) == {"email": True, "sms": False}
    assert 'value="Zhang.San@Example.com"' in page and '<option selected value="en">English</option>' in page


@pytest.mark.parametrize("email", ["zhang", "zhang@", "@example.com", "zhang san@example.com", "zhang@example",
                                   "张三@example.com", "a@b.cn\r\nBcc: x@example.com", "x" * 190 + "@example.com"])
def test_a_bad_address_is_refused_with_a_message_and_nothing_entered_is_lost(configured, client_as, county, email):
    client = client_as("jiashan")
    response = client.submit(PROFILE, {"email": email, "language": "en", "channels": ["sms"], "shown": "email,sms",
                                       "employer": "嘉善某电子厂", "town": "魏塘街道"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(r'<div class="field has-error">\s*<label for="email">', page)
    if len(email) <= 200:
        assert "请输入形如 name@example.com 的电子邮箱，或留空。" in page
    assert 'value="嘉善某电子厂"' in page and 'value="魏塘街道"' in page
    assert boxes(page) == {"email": False, "sms": True}
    assert '<option selected value="en">English</option>' in page
    assert stored(county, client.user.id) == (None, None, None)
    with county("jiashan") as session:
        assert session.get(ApplicantProfile, (session.scalar(select(User.tenant_id).where(User.id == client.user.id)),
                                              client.user.id)) is None


def test_the_address_message_names_the_problem(configured, client_as):
    page = client_as("jiashan").submit(PROFILE, {"email": "zhang@", "shown": "email,sms"}).get_data(as_text=True)
    assert re.search(r'aria-invalid="true"[^>]*name="email"', page)
    assert "请输入形如 name@example.com 的电子邮箱，或留空。" in page


def test_an_empty_address_is_allowed_and_removes_the_old_one(configured, client_as, county):
    client = client_as("jiashan")
    assert client.submit(PROFILE, {"email": "li@example.cn", "shown": "email,sms",
                                   "channels": ["email", "sms"]}).status_code == 302
    assert stored(county, client.user.id) == ("li@example.cn", None, None)  # every box ticked: still "all"
    assert client.submit(PROFILE, {"email": "", "shown": "email,sms", "channels": ["email", "sms"]}).status_code == 302
    assert stored(county, client.user.id) == (None, None, None)


def test_a_post_without_the_boxes_leaves_the_channels_alone(configured, client_as, county):
    client = client_as("jiashan")
    assert client.submit(PROFILE, {"shown": "email,sms", "channels": ["sms"]}).status_code == 302
    assert stored(county, client.user.id)[2] == ["sms"]
    assert client.submit(PROFILE, {"employer": "某厂"}).status_code == 302  # an older form, a script
    assert stored(county, client.user.id)[2] == ["sms"]


def test_unticking_every_box_chooses_no_channel_and_a_choice_for_an_absent_channel_is_kept(
        configured, client_as, county, monkeypatch):
    client = client_as("jiashan")
    assert client.submit(PROFILE, {"shown": "email,sms"}).status_code == 302
    assert stored(county, client.user.id)[2] == []
    assert client.submit(PROFILE, {"shown": "email,sms", "channels": ["email"]}).status_code == 302
    monkeypatch.delenv("JIFEN_SMS_ACCESS_KEY_ID")  # SMS is not offered for a while
    assert boxes(client.get(PROFILE).get_data(as_text=True)) == {"email": True}
    assert client.submit(PROFILE, {"shown": "email", "channels": ["email"]}).status_code == 302
    assert stored(county, client.user.id)[2] == ["email"]  # SMS stays unchosen when it comes back


def test_the_form_needs_its_csrf_token(configured, client_as, county):
    client = client_as("jiashan")
    response = client.post(PROFILE, data={"email": "li@example.cn", "shown": "email,sms"})
    assert response.status_code == 400
    assert stored(county, client.user.id) == (None, None, None)


def test_an_unknown_language_is_refused(configured, client_as, county):
    client = client_as("jiashan")
    response = client.submit(PROFILE, {"language": "fr", "email": "li@example.cn"})
    assert response.status_code == 400
    assert 'value="li@example.cn"' in response.get_data(as_text=True)
    assert stored(county, client.user.id) == (None, None, None)
