"""A plugin's pages (register_routes): served under the counties that enable the plugin, with the core's
login, roles, CSRF and county binding; listed in their role's menu; the plugin installed after the
application is made, as the test kit does, and switched per county at any time."""

from __future__ import annotations

import types

import pytest
from flask import redirect, request
from sqlalchemy import select

from jifen import toolkit as tk
from jifen.county.switching import set_plugin_enabled
from jifen.models import AuditEvent
from jifen.plugin.pages import Page, check_pages

NAME = "pages_spy"
WELCOME = '<p class="spy">{{ _("Welcome to %(county)s", county=county) }}</p>'
NOTES = """<p class="spy">{{ _("Notes of %(county)s", county=county) }}</p>
<p><a href="{{ url_for_page('entry', entry_id=7, tab='all') }}">7</a></p>
<form method="post" action="{{ url_for_page('notes') }}">
  <input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
  {% if error %}<p class="error-message">{{ error }}</p>{% endif %}
  <label for="note">{{ _("Note") }}</label> <input id="note" name="note" value="{{ note }}">
  <button type="submit">{{ _("Save") }}</button>
</form>"""


def welcome():
    return tk.render("welcome.html", county=tk.require_tenant().slug)


def entry(entry_id: int):
    return f"entry {entry_id} of {tk.require_tenant().slug}, tab {request.args.get('tab', '-')}"


def notes():
    note, error = "", None
    if request.method == "POST":
        note = request.form.get("note", "").strip()
        if 0 < len(note) <= 200:
            tk.record_audit("note_added", details={"note": note})
            tk.get_session().commit()
            return redirect(tk.url_for_page("notes"))
        error = "Write a note of at most 200 characters."
    return tk.render("notes.html", county=tk.require_tenant().slug, note=note, error=error), 400 if error else 200


def figures():
    return tk.render("welcome.html", title="Figures", county=tk.require_tenant().slug)


def mine():
    return tk.render("welcome.html", title="Mine", county=tk.require_tenant().slug)


def stale():  # its template still uses a value the view no longer gives
    return tk.render("stale.html", title="Stale")


PAGES = [
    Page("", welcome, menu={"zh": "告示", "en": "Notices"}),
    Page("entries/<int:entry_id>", entry),
    Page("notes", notes, role="admin", methods=("GET", "POST"), menu={"zh": "备注", "en": "Notes"}),
    Page("figures", figures, role="reviewer", menu={"zh": "数字", "en": "Figures"}),
    Page("mine", mine, role="applicant", menu={"zh": "我的", "en": "Mine"}),
    Page("stale", stale),
]


def make_plugin(folder):
    """A plugin module of its own folder (its templates there), as a package's module is."""
    (folder / "templates").mkdir(parents=True)
    (folder / "templates" / "welcome.html").write_text(WELCOME, encoding="utf-8")
    (folder / "templates" / "notes.html").write_text(NOTES, encoding="utf-8")
    (folder / "templates" / "stale.html").write_text("<p>{{ unit_ml }} ml</p>", encoding="utf-8")
    module = types.ModuleType(NAME)
    module.__file__ = str(folder / "__init__.py")

    @tk.hookimpl
    def register_routes():
        return PAGES

    module.register_routes = register_routes
    return module


def switch(county, slug: str, on: bool = True) -> None:
    with county(slug) as session:
        set_plugin_enabled(session, NAME, on, actor="test")
        session.commit()


@pytest.fixture
def spy(app, tmp_path, install_plugin, county):
    """Installed after the application was made; enabled in Jiashan only."""
    install_plugin(make_plugin(tmp_path / NAME), NAME)
    switch(county, "jiashan")


def test_a_public_page_answers_in_a_county_that_enables_the_plugin_and_404_elsewhere(spy, client):
    page = client.get("/jiashan/p/pages_spy/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert '<p class="spy">Welcome to jiashan</p>' in html
    assert 'class="site-header"' in html and "<h1>告示</h1>" in html  # inside the county's layout
    assert client.get("/haining/p/pages_spy/").status_code == 404  # installed, not enabled there
    assert client.get("/jiashan/p/no_such_plugin/").status_code == 404
    assert client.get("/jiashan/p/pages_spy/nothing-here").status_code == 404
    assert client.get("/nowhere/p/pages_spy/").status_code == 404


def test_a_path_converter_gives_the_view_its_value(spy, client):
    assert client.get("/jiashan/p/pages_spy/entries/42?tab=x").get_data(as_text=True) == "entry 42 of jiashan, tab x"
    assert client.get("/jiashan/p/pages_spy/entries/abc").status_code == 404
    assert client.get(f"/jiashan/p/pages_spy/entries/{10**20}").status_code == 404  # past the ids' range


def test_a_role_page_sends_anonymous_visitors_to_the_countys_login(spy, client):
    response = client.get("/jiashan/admin/p/pages_spy/notes")
    assert response.status_code == 302
    assert response.location.startswith("/jiashan/login?next=") and "pages_spy/notes" in response.location


@pytest.mark.parametrize("role, path, status", [
    ("applicant", "/jiashan/admin/p/pages_spy/notes", 403),
    ("reviewer", "/jiashan/admin/p/pages_spy/notes", 403),
    ("admin", "/jiashan/admin/p/pages_spy/notes", 200),
    ("applicant", "/jiashan/review/p/pages_spy/figures", 403),
    ("reviewer", "/jiashan/review/p/pages_spy/figures", 200),
    ("admin", "/jiashan/review/p/pages_spy/figures", 200),  # administrators open the reviewers' pages, as elsewhere
    ("reviewer", "/jiashan/me/p/pages_spy/mine", 403),
    ("applicant", "/jiashan/me/p/pages_spy/mine", 200),
])
def test_a_role_page_opens_for_its_role_only(spy, client_as, role, path, status):
    response = client_as("jiashan", role=role).get(path)
    assert response.status_code == status
    if status == 200:
        assert response.headers["Cache-Control"] == "no-store"


def test_a_page_is_only_in_its_roles_area(spy, client_as):
    admin = client_as("jiashan", role="admin")
    assert admin.get("/jiashan/p/pages_spy/notes").status_code == 404
    assert admin.get("/jiashan/admin/p/pages_spy/").status_code == 404
    assert admin.get("/jiashan/admin/p/pages_spy/figures").status_code == 404


def test_a_county_that_has_not_enabled_it_answers_404_to_its_own_administrator(spy, client_as):
    assert client_as("haining", role="admin").get("/haining/admin/p/pages_spy/notes").status_code == 404


def test_a_post_without_the_csrf_token_is_refused(spy, client_as, county):
    admin = client_as("jiashan", role="admin")
    response = admin.post("/jiashan/admin/p/pages_spy/notes", data={"note": "x"})
    assert response.status_code == 400
    with county("jiashan") as session:
        assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "pages_spy.note_added")).all()


def test_a_change_made_by_a_page_is_audited_in_its_county(spy, client_as, county):
    admin = client_as("jiashan", role="admin")
    response = admin.submit("/jiashan/admin/p/pages_spy/notes", {"note": "门卫换班"})
    assert response.status_code == 302 and response.location == "/jiashan/admin/p/pages_spy/notes"
    with county("jiashan") as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "pages_spy.note_added")).one()
    assert event.actor == f"user:{admin.user.id}" and event.details == {"note": "门卫换班"}
    with county("haining") as session:
        assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "pages_spy.note_added")).all()


def test_a_form_the_view_refuses_answers_400_with_its_message(spy, client_as):
    response = client_as("jiashan", role="admin").submit("/jiashan/admin/p/pages_spy/notes", {"note": ""})
    assert response.status_code == 400
    assert '<p class="error-message">Write a note of at most 200 characters.</p>' in response.get_data(as_text=True)


def test_a_method_the_page_does_not_take_is_405(spy, client_as):
    admin = client_as("jiashan", role="admin")
    response = admin.submit("/jiashan/review/p/pages_spy/figures", {}, form_page="/jiashan/admin/p/pages_spy/notes")
    assert response.status_code == 405


@pytest.mark.parametrize("path", ["/jiashan/p/ab%00cd/", "/jiashan/p/pages_spy/%00", "/jiashan/p/pages_spy/entries/-1",
                                  "/jiashan/p/" + "x" * 5000 + "/", "/jiashan/p/pages_spy/../../admin/"])
def test_hostile_paths_are_refused_without_a_server_error(spy, client, path):
    assert client.get(path).status_code in (400, 404)


def test_the_menus_list_the_pages_of_the_countys_plugins_in_the_readers_language(spy, client_as, client):
    admin = client_as("jiashan", role="admin")
    html = admin.get("/jiashan/admin/?lang=zh_Hans_CN").get_data(as_text=True)
    assert '<a href="/jiashan/admin/p/pages_spy/notes">备注</a>' in html
    assert '<a href="/jiashan/p/pages_spy/">告示</a>' in html  # the public page, in the county's header
    html = admin.get("/jiashan/admin/p/pages_spy/notes?lang=en").get_data(as_text=True)
    assert '<a href="/jiashan/admin/p/pages_spy/notes" aria-current="page">Notes</a>' in html
    assert '<a href="/jiashan/review/p/pages_spy/figures">Figures</a>' in html  # header, next to the review queue
    assert "<h1>Notes</h1>" in html and '<a href="/jiashan/p/pages_spy/entries/7?tab=all">' in html
    applicant = client_as("jiashan").get("/jiashan/me/").get_data(as_text=True)
    assert "/jiashan/me/p/pages_spy/mine" in applicant and "/admin/p/pages_spy" not in applicant
    html = client_as("haining", role="admin").get("/haining/admin/").get_data(as_text=True)
    assert "pages_spy" not in html and "备注" not in html
    assert "pages_spy" not in client.get("/haining/").get_data(as_text=True)


def test_switching_the_plugin_off_takes_its_pages_and_menu_entries_away_on_the_next_request(spy, client_as, county):
    admin = client_as("jiashan", role="admin")
    assert admin.get("/jiashan/admin/p/pages_spy/notes").status_code == 200
    switch(county, "jiashan", on=False)
    assert admin.get("/jiashan/admin/p/pages_spy/notes").status_code == 404
    assert "pages_spy" not in admin.get("/jiashan/admin/").get_data(as_text=True)
    switch(county, "haining")
    assert client_as("haining", role="admin").get("/haining/admin/p/pages_spy/notes").status_code == 200


def test_a_plugin_uninstalled_while_a_county_still_enables_it_has_no_pages(spy, client):
    from jifen.plugin.manager import unregister_plugin

    unregister_plugin(NAME)
    assert client.get("/jiashan/p/pages_spy/").status_code == 404
    assert "pages_spy" not in client.get("/jiashan/").get_data(as_text=True)


def test_another_object_registered_under_the_name_brings_its_own_pages(spy, app, client, install_plugin, tmp_path):
    from jifen.plugin.manager import unregister_plugin

    assert client.get("/jiashan/p/pages_spy/entries/1").status_code == 200
    unregister_plugin(NAME)
    again = types.ModuleType(NAME)
    again.register_routes = tk.hookimpl(lambda: [Page("other", lambda: "the other one", endpoint="other")])
    install_plugin(again, NAME)
    assert client.get("/jiashan/p/pages_spy/entries/1").status_code == 404
    assert client.get("/jiashan/p/pages_spy/other").get_data(as_text=True) == "the other one"


@pytest.mark.parametrize("arguments, problem", [
    ({"path": "/notes"}, "relative path"),
    ({"path": "a/../b"}, "relative path"),
    ({"path": "a//b"}, "relative path"),
    ({"path": "x/<nope:id>"}, "nope"),
    ({"role": "mayor"}, "role must be one of"),
    ({"methods": ("DELETE",)}, "methods"),
    ({"menu": {"zh": "备注"}}, "'zh' and 'en'"),
    ({"path": "entries/<int:entry_id>", "menu": {"zh": "条目", "en": "Entry"}}, "cannot be in a menu"),
    ({"view": lambda: "", "endpoint": ""}, "endpoint name"),
])
def test_a_page_declared_wrongly_is_refused_when_it_is_made(arguments, problem):
    with pytest.raises(ValueError, match=problem):
        Page(**{"path": "notes", "view": notes, **arguments})


def test_a_plugins_pages_are_checked_together():
    assert check_pages(PAGES, NAME) == tuple(PAGES)
    with pytest.raises(ValueError, match="endpoint 'notes' more than once"):
        check_pages([PAGES[2], Page("other", notes, role="admin")], NAME)
    with pytest.raises(ValueError, match="path 'notes' twice"):
        check_pages([PAGES[2], Page("notes", figures, role="admin")], NAME)
    with pytest.raises(ValueError, match="must return Page objects"):
        check_pages([{"path": "notes"}], NAME)
    assert Page("notes", notes, methods="post").methods == ("POST",)


def test_a_page_template_using_a_name_its_view_does_not_give_raises_instead_of_printing_nothing(spy, client):
    import jinja2

    with pytest.raises(jinja2.UndefinedError, match="unit_ml"):
        client.get("/jiashan/p/pages_spy/stale")
