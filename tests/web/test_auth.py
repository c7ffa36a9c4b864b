"""Registration, login, password change: bad input gets a clear message and changes nothing."""

import pytest
from sqlalchemy import func, select

from jifen.identity.national_id import check_digit
from jifen.models import AuditEvent, User


def valid_id(serial: int = 1) -> str:
    first17 = f"33042119880808{serial:03d}"
    return first17 + check_digit(first17)


def form(**overrides):
    data = {"real_name": "陈新民", "id_number": valid_id(), "mobile": "13812345678",
            "password": "Tea-garden-2026", "confirm": "Tea-garden-2026"}
    data.update(overrides)
    return data


def count_users(county, slug):
    with county(slug) as session:
        return session.scalar(select(func.count(User.id)))


def test_register_logs_in_stores_id_encrypted_and_audits(client, county):
    response = client.submit("/jiashan/register", form())
    assert response.status_code == 302 and response.location.endswith("/jiashan/me/")  # the status page
    page = client.get("/jiashan/account").get_data(as_text=True)
    assert "陈新民" in page and "3304**********" in page and valid_id() not in page
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.mobile == "13812345678"))
        assert user.role == "applicant"
        assert valid_id().encode() not in user.id_number_encrypted
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(user.id))).all()
        assert "user.registered" in actions


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"id_number": valid_id()[:-1] + ("0" if valid_id()[-1] != "0" else "1")}, "check digit"),
        ({"id_number": "12345"}, "18 characters"),
        ({"password": "1234567890", "confirm": "1234567890"}, "too common"),
        ({"password": "1234567a", "confirm": "1234567a"}, "at least 10"),
        ({"confirm": "Something-else-1"}, "differ"),
        ({"mobile": "12345"}, "11 digits"),
        ({"real_name": ""}, "required"),
    ],
)
def test_bad_registration_says_why_keeps_input_and_creates_nothing(client, county, overrides, message):
    client.get("/jiashan/?lang=en")
    before = count_users(county, "jiashan")
    data = form(**overrides)
    response = client.submit("/jiashan/register", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    # What the applicant typed is still there (passwords excepted, as browsers expect).
    if data["real_name"]:
        assert f'value="{data["real_name"]}"' in html
    assert f'value="{data["mobile"]}"' in html
    assert count_users(county, "jiashan") == before


def test_messages_are_in_chinese_by_default(client):
    response = client.submit("/jiashan/register", form(id_number="12345"))
    assert response.status_code == 400
    assert "身份证" in response.get_data(as_text=True)


def test_duplicate_registration_is_refused_in_the_same_county_only(client, county):
    assert client.submit("/jiashan/register", form()).status_code == 302
    other = client.application.test_client()
    other.__class__ = type(client)
    again = other.submit("/jiashan/register?lang=en", form(mobile="13912345678"), form_page="/jiashan/register?lang=en")
    assert again.status_code == 400 and "already exists" in again.get_data(as_text=True)
    same_mobile = other.submit("/jiashan/register", form(id_number=valid_id(2)))
    assert same_mobile.status_code == 400
    assert count_users(county, "jiashan") == 1
    # The same person may register in another county (each county runs its own scheme).
    assert other.submit("/haining/register", form()).status_code == 302


def test_login_logout_and_wrong_password(client, make_user, county):
    user = make_user("jiashan")
    client.get("/jiashan/?lang=en")
    bad = client.submit("/jiashan/login", {"mobile": user.mobile, "password": "Wrong-pass-1"})
    assert bad.status_code == 400 and "not correct" in bad.get_data(as_text=True)
    ok = client.submit("/jiashan/login", {"mobile": user.mobile, "password": user.password})
    assert ok.status_code == 302
    assert client.get("/jiashan/account").status_code == 200
    out = client.submit("/jiashan/logout", {}, form_page="/jiashan/account")
    assert out.status_code == 302
    assert client.get("/jiashan/account").status_code == 302
    with county("jiashan") as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(user.id))).all()
        assert "user.login" in actions and "user.login_failed" in actions


def test_login_redirects_only_inside_the_site(client, make_user):
    user = make_user("jiashan")
    response = client.submit("/jiashan/login", {"mobile": user.mobile, "password": user.password,
                                                 "next": "https://evil.example/"})
    assert response.location.endswith("/jiashan/me/")  # an applicant's home, never another site


def test_a_session_from_one_county_is_worthless_on_another(client, make_user, login):
    user = make_user("jiashan")
    login(client, user)
    assert client.get("/jiashan/account").status_code == 200
    response = client.get("/haining/account")
    assert response.status_code == 302 and "/haining/login" in response.location


def test_password_change_keeps_this_session_and_ends_the_others(app, client, make_user, login):
    user = make_user("jiashan")
    login(client, user)
    other = app.test_client()
    other.__class__ = type(client)
    login(other, user)
    weak = client.submit("/jiashan/account/password?lang=en", {"current_password": user.password,
                         "new_password": "qwertyuiop", "confirm": "qwertyuiop"}, form_page="/jiashan/account?lang=en")
    assert weak.status_code == 400 and "too common" in weak.get_data(as_text=True)
    wrong = client.submit("/jiashan/account/password", {"current_password": "Nope-nope-1",
                          "new_password": "New-garden-2027", "confirm": "New-garden-2027"}, form_page="/jiashan/account")
    assert wrong.status_code == 400
    ok = client.submit("/jiashan/account/password", {"current_password": user.password,
                       "new_password": "New-garden-2027", "confirm": "New-garden-2027"}, form_page="/jiashan/account")
    assert ok.status_code == 302
    assert client.get("/jiashan/account").status_code == 200
    assert other.get("/jiashan/account").status_code == 302


def test_form_without_csrf_token_is_refused_and_changes_nothing(client, county):
    client.get("/jiashan/?lang=en")
    response = client.post("/jiashan/register", data=form())
    assert response.status_code == 400
    assert "reload the page" in response.get_data(as_text=True)
    assert count_users(county, "jiashan") == 0


def test_oversized_request_is_refused_with_a_clear_message(client):
    client.get("/jiashan/?lang=en")
    response = client.post("/jiashan/register", data={"real_name": "x" * (9 * 1024 * 1024)})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    # A huge field under the body limit: the field's own limit answers, clearly.
    response = client.submit("/jiashan/register", {"real_name": "x" * (600 * 1024)})
    assert response.status_code == 400 and "longer than 50 characters" in response.get_data(as_text=True)


def test_malformed_values_are_refused_cleanly(client, county):
    client.get("/jiashan/?lang=en")
    response = client.submit("/jiashan/register", form(real_name="<script>alert(1)</script>", mobile="1381234567\x00"))
    assert response.status_code == 400
    assert "<script>alert(1)</script>" not in response.get_data(as_text=True)
    assert count_users(county, "jiashan") == 0


def test_all_problems_of_a_registration_are_shown_at_once(client):
    client.get("/jiashan/?lang=en")
    response = client.submit("/jiashan/register", form(real_name="", id_number="123", mobile="999"))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This field is required." in html and "18 characters" in html and "11 digits" in html


def test_an_old_session_cookie_after_logout_answers_as_anonymous(app, client, make_user, login, county):
    user = make_user("jiashan")
    login(client, user)
    assert client.get("/jiashan/me/").status_code == 200
    stolen = client.get_cookie("session").value  # a copy of the cookie, as another device or a thief has it
    other = app.test_client()
    other.set_cookie("session", stolen)
    assert other.get("/jiashan/me/").status_code == 200

    client.submit("/jiashan/logout", {}, form_page="/jiashan/account")
    assert client.get("/jiashan/me/").status_code == 302
    replayed = app.test_client()
    replayed.set_cookie("session", stolen)
    assert replayed.get("/jiashan/me/").status_code == 302  # to the login page: the session ended on the server
    login(client, user)  # logging in again works
    assert client.get("/jiashan/me/").status_code == 200


def test_a_platform_administrators_old_cookie_after_logout_opens_nothing(app, client, cli):
    assert cli("users", "create-admin", "--username", "ops", "--password", "Ops-secret-2026").exit_code == 0
    assert client.submit("/platform/login", {"username": "ops", "password": "Ops-secret-2026"},
                         form_page="/platform/login").status_code == 302
    stolen = client.get_cookie("session").value
    assert client.get("/jiashan/admin/").status_code == 200
    client.submit("/platform/logout", {}, form_page="/jiashan/admin/")
    replayed = app.test_client()
    replayed.set_cookie("session", stolen)
    assert replayed.get("/jiashan/admin/").status_code == 302
