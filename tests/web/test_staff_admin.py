"""Staff accounts run from the browser by a county administrator: invited with an initial password shown
once (changed at first login), given one or more departments, deactivated (their sessions end), every
change audited; the county's last active administrator stays one."""

from __future__ import annotations

import re

from sqlalchemy import select

from jifen.identity.national_id import check_digit
from jifen.models import AuditEvent, ItemReview, User
from tests.exchange.helpers import EDUCATION, SKILL, submitted

HOUSING = {"tenure": "own", "since": "2007-05-04", "address": "魏塘街道231号"}
INVITE = "/jiashan/admin/users/invite"
NEW_PASSWORD = "Lake-view-2027-own"


def _id(serial: int) -> str:
    first17 = f"33042119800101{serial:03d}"
    return first17 + check_digit(first17)


def _invite(admin, mobile="13800001111", role="reviewer", departments=("education", "human_resources"), **more):
    data = {"real_name": "周审核", "id_number": _id(int(mobile[-3:])), "mobile": mobile, "role": role,
            "departments": list(departments), **more}
    return admin.submit(INVITE, data)


def _password(response) -> str:
    found = re.search(r"<code data-password[^>]*>([^<]+)</code>", response.get_data(as_text=True))
    assert found, response.get_data(as_text=True)[:2000]
    return found.group(1)


def _words(html: str) -> str:
    """What a person reads on the page: no tags, no attribute values."""
    return re.sub(r"<[^>]+>", " ", html)


def _browser(app):
    from jifen.testing.pytest_plugin import JifenClient

    app.test_client_class = JifenClient
    return app.test_client()


def _first_login(app, mobile: str, password: str):
    browser = _browser(app)
    assert browser.submit("/jiashan/login", {"mobile": mobile, "password": password}).status_code == 302
    done = browser.submit("/jiashan/account/password", {"current_password": password, "new_password": NEW_PASSWORD,
                                                         "confirm": NEW_PASSWORD}, form_page="/jiashan/account")
    assert done.status_code == 302, done.get_data(as_text=True)[:2000]
    return browser


def _user(county, mobile: str) -> User:
    with county("jiashan") as session:
        found = session.scalar(select(User).where(User.mobile == mobile))
        session.expunge(found)
        return found


def test_a_reviewer_invited_in_the_browser_decides_items_of_its_two_departments_and_of_no_other(
        app, client_as, county, make_user):
    admin = client_as("jiashan", role="admin")
    form = admin.get(INVITE + "?lang=en").get_data(as_text=True)
    assert "Education Bureau" in _words(form) and "education" not in _words(form)
    made = _invite(admin)
    assert made.status_code == 200
    password = _password(made)
    reviewer = _user(county, "13800001111")
    assert reviewer.role == "reviewer" and reviewer.departments == ("education", "human_resources")
    with county("jiashan") as session:
        stored = session.scalar(select(User.password_hash).where(User.id == reviewer.id))
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created",
                                                        AuditEvent.target_id == str(reviewer.id)))
        assert password not in stored and event.actor == f"user:{admin.user.id}"
        assert event.details["departments"] == ["education", "human_resources"]
    # The initial password is not shown again anywhere.
    assert password not in admin.get(f"/jiashan/admin/users/{reviewer.id}").get_data(as_text=True)

    items = submitted(county, make_user, "jiashan", ("education", EDUCATION), ("skill", SKILL), ("housing", HOUSING))
    education, skill, housing = items["items"]
    browser = _first_login(app, "13800001111", password)
    queue = browser.get("/jiashan/review/?lang=en").get_data(as_text=True)
    assert f'data-item="{education}"' in queue and f'data-item="{skill}"' not in queue
    assert "Human Resources and Social Security Bureau" in queue and "Housing and Urban" not in queue
    other = browser.get("/jiashan/review/?department=human_resources").get_data(as_text=True)
    assert f'data-item="{skill}"' in other
    refused = browser.get("/jiashan/review/?department=housing").get_data(as_text=True)
    assert f'data-item="{housing}"' not in refused
    for item_id in (education, skill):
        page = f"/jiashan/review/items/{item_id}"
        assert browser.submit(page, {"decision": "verified"}).status_code == 302
    assert browser.get(f"/jiashan/review/items/{housing}").status_code == 404
    token_page = f"/jiashan/review/items/{education}"
    assert browser.submit(f"/jiashan/review/items/{housing}", {"decision": "verified"},
                          form_page=token_page).status_code == 404
    with county("jiashan") as session:
        decided = dict(session.execute(select(ItemReview.item_id, ItemReview.actor)).all())
    assert decided == {education: f"user:{reviewer.id}", skill: f"user:{reviewer.id}"}


def test_an_initial_password_opens_only_the_page_to_change_it_and_must_be_replaced(app, client_as, county):
    admin = client_as("jiashan", role="admin")
    password = _password(_invite(admin, role="admin", departments=()))
    browser = _browser(app)
    assert browser.submit("/jiashan/login", {"mobile": "13800001111", "password": password}).status_code == 302
    answer = browser.get("/jiashan/admin/users")
    assert answer.status_code == 302 and answer.location.endswith("/jiashan/account")
    page = browser.get("/jiashan/account?lang=en").get_data(as_text=True)
    assert "choose your own password" in page and "County administrator" in page
    same = browser.submit("/jiashan/account/password", {"current_password": password, "new_password": password,
                                                        "confirm": password}, form_page="/jiashan/account")
    assert same.status_code == 400 and "not the initial one" in same.get_data(as_text=True)
    done = browser.submit("/jiashan/account/password", {"current_password": password, "new_password": NEW_PASSWORD,
                                                        "confirm": NEW_PASSWORD}, form_page="/jiashan/account")
    assert done.status_code == 302
    assert browser.get("/jiashan/admin/users").status_code == 200
    assert not _user(county, "13800001111").must_change_password


def test_a_deactivated_account_is_logged_out_on_the_server_and_cannot_log_in(app, client_as, county):
    admin = client_as("jiashan", role="admin")
    reviewer = client_as("jiashan", role="reviewer")
    assert reviewer.get("/jiashan/review/").status_code == 200
    page = f"/jiashan/admin/users/{reviewer.user.id}"
    assert "Deactivate" in admin.get(page + "?lang=en").get_data(as_text=True)
    done = admin.submit(f"{page}/access", {"action": "deactivate"}, form_page=page)
    assert done.status_code == 303
    assert "cannot log in" in admin.get(page).get_data(as_text=True)
    answer = reviewer.get("/jiashan/review/")
    assert answer.status_code == 302 and "/jiashan/login" in answer.location
    again = _browser(app).submit("/jiashan/login", {"mobile": reviewer.user.mobile, "password": reviewer.user.password})
    assert again.status_code == 400
    admin.submit(f"{page}/access", {"action": "reactivate"}, form_page=page)
    back = _browser(app).submit("/jiashan/login", {"mobile": reviewer.user.mobile, "password": reviewer.user.password})
    assert back.status_code == 302
    with county("jiashan") as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.target_id == str(reviewer.user.id),
                                                                  AuditEvent.actor == f"user:{admin.user.id}")).all()
    assert {"user.deactivated", "user.reactivated"} <= set(actions)


def test_the_last_active_administrator_can_be_neither_deactivated_nor_demoted(client_as, county, make_user):
    admin = client_as("jiashan", role="admin")
    admin.get("/jiashan/?lang=en")
    own = f"/jiashan/admin/users/{admin.user.id}"
    demoted = admin.submit(own, {"role": "applicant"})
    assert demoted.status_code == 400 and "last active administrator" in demoted.get_data(as_text=True)
    other = make_user("jiashan", role="admin")
    page = f"/jiashan/admin/users/{other.id}"
    assert admin.submit(f"{page}/access", {"action": "deactivate"}, form_page=page).status_code == 303
    # The other administrator is deactivated: it does not count, and the last one still cannot go.
    assert "last active administrator" in admin.submit(own, {"role": "reviewer", "departments": "education"}
                                                       ).get_data(as_text=True)
    blocked = admin.submit(f"{own}/access", {"action": "deactivate"}, form_page=own)
    assert blocked.status_code == 303 and "your own account" in admin.get(own).get_data(as_text=True)
    with county("jiashan") as session:
        assert session.get(User, (session.scalar(select(User.tenant_id).where(User.id == admin.user.id)),
                                  admin.user.id)).role == "admin"
    # With another active administrator, the first may be demoted.
    admin.submit(f"{page}/access", {"action": "reactivate"}, form_page=page)
    assert admin.submit(page, {"role": "reviewer", "departments": ["education", "health"]}).status_code == 302
    assert _user(county, other.mobile).departments == ("education", "health")


def test_users_pages_show_roles_and_departments_as_words(client_as, make_user):
    admin = client_as("jiashan", role="admin")
    make_user("jiashan", role="reviewer", departments=("health", "education"))

    def table(url):
        html = admin.get(url).get_data(as_text=True)
        return _words(html[html.index("<tbody>"):html.index("</tbody>")])

    listing = table("/jiashan/admin/users?lang=zh_Hans_CN")
    assert "审核人员" in listing and "县级管理员" in listing and "教育局, 卫生健康局" in listing
    for key in ("reviewer", "admin", "education", "health", "applicant"):
        assert key not in listing
    reviewers = table("/jiashan/admin/users?role=reviewer")
    assert "教育局" in reviewers and "县级管理员" not in reviewers


def test_a_bad_invitation_is_explained_and_keeps_what_was_typed(client_as, county):
    admin = client_as("jiashan", role="admin")
    admin.get("/jiashan/?lang=en")
    bad = _invite(admin, mobile="12345", departments=("health",))
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and 'class="error-summary"' in html and "11 digits" in html
    assert 'value="周审核"' in html and re.search(r'value="health"[^>]*checked|checked[^>]*value="health"', html)
    none = _invite(admin, departments=())
    assert none.status_code == 400 and "A reviewer belongs to a department." in none.get_data(as_text=True)
    with county("jiashan") as session:
        assert session.scalar(select(User).where(User.real_name == "周审核")) is None


def test_a_new_initial_password_ends_the_old_one_and_its_sessions(app, client_as):
    admin = client_as("jiashan", role="admin")
    reviewer = client_as("jiashan", role="reviewer")
    page = f"/jiashan/admin/users/{reviewer.user.id}"
    issued = admin.submit(f"{page}/password", {}, form_page=page)
    assert issued.status_code == 200
    password = _password(issued)
    assert reviewer.get("/jiashan/review/").status_code == 302
    old = _browser(app).submit("/jiashan/login", {"mobile": reviewer.user.mobile, "password": reviewer.user.password})
    assert old.status_code == 400
    _first_login(app, reviewer.user.mobile, password)


def test_another_countys_administrator_cannot_see_or_change_the_account(client_as, make_user):
    someone = make_user("jiashan", role="reviewer", department="education")
    stranger = client_as("haining", role="admin")
    page = f"/haining/admin/users/{someone.id}"
    assert stranger.get(page).status_code == 404
    token_page = "/haining/admin/users/invite"
    for action in ("access", "password"):
        assert stranger.submit(f"{page}/{action}", {"action": "deactivate"}, form_page=token_page).status_code == 404
