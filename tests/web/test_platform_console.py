"""The platform console: a county made from a form serves its portal and its first administrator logs in,
with no command-line step; it fills the same rows as a county folder; every county side by side."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from jifen.identity.national_id import check_digit

ADMIN_ID = "33040219800101001" + check_digit("33040219800101001")
FORM = {
    "slug": "pinghu",
    "name_zh": "平湖市",
    "name_en": "Pinghu City",
    "hotline": "0573-85012345",
    "hosts": "pinghu.jifen.localhost\nwww.pinghu.jifen.localhost",
    "primary_color": "#1d6b45",
    "accent_color": "#ffffff",
    "plugins": ["education", "hukou_transfer"],
    "admin_name": "沈国平",
    "admin_id_number": ADMIN_ID,
    "admin_mobile": "13957300001",
}
NEW = "/platform/counties/new"
PASSWORD = re.compile(r"data-initial-password[^>]*>([^<]+)<")


@pytest.fixture
def console(app, client):
    """The test client, logged in as the platform administrator ``ops``."""
    from jifen.db.session import get_session
    from jifen.identity import accounts

    with app.app_context():
        accounts.create_platform_admin(get_session(), "ops", "Ops-secret-2026-x")
        get_session().commit()
    assert client.submit("/platform/login", {"username": "ops", "password": "Ops-secret-2026-x"}).status_code == 302
    return client


def create(console, **changes):
    return console.submit(NEW, {**FORM, **changes})


def test_a_county_created_in_the_console_serves_its_portal_and_its_administrator_logs_in(app, console):
    assert console.get("/pinghu/").status_code == 404  # no such county yet
    page = console.get(NEW).get_data(as_text=True)
    assert 'value="education"' in page and "学历" in page  # plugins offered in words
    answer = create(console)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    text = answer.get_data(as_text=True)
    assert "13957300001" in text and "/pinghu/login" in text
    password = PASSWORD.search(text).group(1)
    assert answer.headers["Cache-Control"] == "no-store"

    portal = app.test_client().get("/pinghu/")
    assert portal.status_code == 200 and "平湖市" in portal.get_data(as_text=True)
    assert app.test_client().get("/", headers={"Host": "pinghu.jifen.localhost"}).status_code == 200

    from jifen.testing.pytest_plugin import JifenClient

    app.test_client_class = JifenClient
    official = app.test_client()
    login = official.submit("/pinghu/login", {"mobile": "13957300001", "password": password})
    assert login.status_code == 302
    plugins = official.get("/pinghu/admin/plugins")
    assert plugins.status_code == 200  # a county administrator of the new county
    assert official.get("/jiashan/admin/plugins").status_code in (302, 404)  # and of no other


def test_the_initial_password_is_shown_once_and_stored_only_as_a_hash(app, console, county):
    from jifen.models import User

    password = PASSWORD.search(create(console).get_data(as_text=True)).group(1)
    with county("pinghu") as session:
        admin = session.scalars(select(User)).one()
        assert admin.role == "admin" and admin.real_name == "沈国平"
        assert password not in admin.password_hash
    assert password not in console.get("/platform/counties").get_data(as_text=True)
    again = create(console)  # sending the form again makes nothing and shows no password
    assert again.status_code == 400 and not PASSWORD.search(again.get_data(as_text=True))


def test_a_county_from_the_console_has_the_rows_of_one_loaded_from_a_folder(app, console, county, tmp_path):
    from jifen.county.folders import apply_spec, read_spec
    from jifen.db.session import get_session
    from jifen.models import AuditEvent, PluginEnablement, RuleVersion, Tenant

    create(console, admin_mobile="13957300002")
    folder = tmp_path / "tongxiang"
    folder.mkdir()
    (folder / "tenant.toml").write_text(
        'hotline = "0573-85012345"\nhosts = ["tongxiang.jifen.localhost"]\n'
        '[names]\nzh = "平湖市"\nen = "Pinghu City"\n[theme]\nprimary_color = "#1d6b45"\naccent_color = "#ffffff"\n'
        "[plugins.education]\nenabled = true\n[plugins.hukou_transfer]\nenabled = true\n", encoding="utf-8")
    with app.app_context():
        apply_spec(get_session(), read_spec(Path(folder)), actor="platform:ops")
        get_session().commit()

    def rows(slug: str) -> dict:
        with county(slug) as session:
            tenant = session.scalars(select(Tenant).where(Tenant.slug == slug)).one()
            return {
                "tenant": {c: getattr(tenant, c) for c in ("name_zh", "name_en", "hotline", "primary_color",
                                                              "accent_color", "logo", "settings")},
                "hosts": len(tenant.hosts),
                "plugins": sorted((p.plugin_name, p.enabled, repr(p.settings))
                                  for p in session.scalars(select(PluginEnablement))),
                "rule_versions": len(session.scalars(select(RuleVersion)).all()),
                "audit": sorted({(e.action, e.actor) for e in session.scalars(select(AuditEvent))
                                 if e.action != "user.created"}),
            }

    made, loaded = rows("pinghu"), rows("tongxiang")
    assert made["hosts"] == 2 and loaded["hosts"] == 1
    made.pop("hosts"), loaded.pop("hosts")
    assert made == loaded
    assert ("tenant.created", "platform:ops") in made["audit"]
    assert ("plugin.enabled", "platform:ops") in made["audit"]
    with county("pinghu") as session:
        created = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.created")).one()
        assert created.actor == "platform:ops" and created.details["role"] == "admin"
        assert "13957300002" not in str(created.details)  # masked


BAD = {
    "slug": ("platform", "平台自己的网址"),
    "name_zh": ("", "请输入县（市）的中文名称"),
    "name_en": ("", "请输入县（市）的英文名称"),
    "hotline": ("call us", "0573-84012345"),
    "hosts": ("jiashan.jifen.localhost", "已经用于另一个县"),
    "primary_color": ("red", "#0b5394"),
    "admin_mobile": ("12345", "11 位"),
}


def test_bad_input_is_named_by_its_field_in_chinese_and_keeps_what_was_typed(app, console, county):
    from jifen.models import Tenant

    answer = create(console, **{k: v for k, (v, _) in BAD.items()}, admin_name="沈国平的秘书长")
    text = answer.get_data(as_text=True)
    assert answer.status_code == 400
    summary = text[text.index('class="error-summary"'):text.index("</div>", text.index('class="error-summary"'))]
    for key, (_value, words) in BAD.items():
        assert f'href="#{key}"' in summary, key
        assert re.search(rf'id="{key}-error">[^<]*{re.escape(words)}', text), (key, words)
        assert f'id="{key}"' in text
    assert 'value="call us"' in text and 'value="沈国平的秘书长"' in text and "jiashan.jifen.localhost</textarea>" in text
    assert re.search(r'<input checked id="plugins-\d+" name="plugins" type="checkbox" value="education">', text)
    assert not re.search(r'<input checked id="plugins-\d+" name="plugins" type="checkbox" value="skill">', text)
    with county("jiashan") as session:
        assert session.scalar(select(Tenant).where(Tenant.slug == "platform")) is None


@pytest.mark.parametrize("slug, words", [
    ("jiashan", "already exists"), ("Pinghu", "lower-case"), ("p", "lower-case"), ("metrics", "own addresses"),
    ("api", "own addresses"), ("static", "own addresses"), ("healthz", "own addresses"), ("", "short name"),
])
def test_the_slug_is_checked_in_english_too(console, slug, words):
    console.get("/platform/counties?lang=en")
    text = create(console, slug=slug).get_data(as_text=True)
    assert re.search(rf'id="slug-error">[^<]*{words}', text), text[:3000]


def test_the_hotline_host_and_admin_checks_in_english(console):
    console.get("/platform/counties?lang=en")
    text = create(console, hotline="0573--1", hosts="not a host!", admin_id_number="330402198001010010",
                  plugins=["no_such_plugin"]).get_data(as_text=True)
    assert re.search(r'id="hotline-error">[^<]*0573-84012345', text)
    assert re.search(r'id="hosts-error">[^<]*is not a host name', text)
    assert re.search(r'id="admin_id_number-error">', text)
    assert re.search(r'id="plugins-error">', text)


def test_hosts_are_optional(app, console):
    answer = create(console, hosts="", plugins=[])
    assert answer.status_code == 200
    assert app.test_client().get("/pinghu/").status_code == 200


def test_every_county_side_by_side_with_its_plugins_rounds_and_stages_in_words(app, console, open_round):
    open_round("jiashan", "hukou_transfer", name="2026 第一批")
    create(console)
    console.get("/platform/counties?lang=en")
    text = console.get("/platform/counties").get_data(as_text=True)
    jiashan = text[text.index('data-county="jiashan"'):text.index("</tr>", text.index('data-county="jiashan"'))]
    assert "Jiashan County" in jiashan and "Hukou transfer" in jiashan and "2026 第一批" in jiashan
    assert "Open for applications" in jiashan
    assert "hukou_transfer" not in jiashan.replace('href="/jiashan', "")  # words, not keys
    pinghu = text[text.index('data-county="pinghu"'):text.index("</tr>", text.index('data-county="pinghu"'))]
    assert "Pinghu City" in pinghu and "Hukou transfer" in pinghu and "No rounds yet" in pinghu
    assert 'data-county="haining"' in text
    chinese = console.get("/platform/counties?lang=zh_Hans_CN").get_data(as_text=True)
    assert "嘉善县" in chinese and "学历" in chinese


def test_the_console_is_for_platform_administrators_only(app, client, client_as):
    for path in ("/platform/counties", NEW):
        answer = client.get(path)
        assert answer.status_code == 302 and "/platform/login" in answer.location
    county_admin = client_as("jiashan", role="admin")
    answer = county_admin.get("/platform/counties")
    assert answer.status_code == 302 and "/platform/login" in answer.location  # a county's session is not valid here
    refused = county_admin.post(NEW, data=FORM)
    assert refused.status_code in (302, 400)
    assert app.test_client().get("/pinghu/").status_code == 404


def test_the_form_needs_its_csrf_token(app, console):
    answer = console.post(NEW, data=FORM)
    assert answer.status_code == 400
    assert app.test_client().get("/pinghu/").status_code == 404


def test_logging_in_leads_a_platform_administrator_to_the_console(app, client, console):
    assert console.get("/").status_code == 200
    console.post("/platform/logout", data={"csrf_token": console.csrf_token("/")})
    answer = client.submit("/platform/login", {"username": "ops", "password": "Ops-secret-2026-x"})
    assert answer.location.endswith("/platform/counties")


def test_reserved_words_come_from_the_url_map(app):
    from jifen.county.creation import reserved_slugs

    reserved = reserved_slugs(rule.rule for rule in app.url_map.iter_rules())
    assert {"platform", "api", "static", "healthz", "metrics"} <= reserved
    assert "jiashan" not in reserved
