"""Who may reach which route: a walk over the whole URL map, and the cross-county matrix."""

import pytest
from werkzeug.routing import Rule

from jifen.plugin_manager import catalog

PUBLIC_ENDPOINTS = {
    "static", "platform.index", "platform.healthz", "platform.login",
    "portal.landing", "portal.program", "portal.theme_css", "portal.theme_file",
    "auth.register", "auth.login",
}


def rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def sample_values(rule: Rule, slug: str, ids: dict) -> dict:
    values = {}
    for arg in rule.arguments:
        if arg == "tenant":
            values[arg] = slug
        elif arg == "user_id":
            values[arg] = ids["user_id"]
        elif arg == "key":
            values[arg] = "school_enrollment"
        elif arg == "name":
            values[arg] = next(iter(catalog()))
        elif arg == "filename":
            values[arg] = "logo.svg"
        else:
            raise AssertionError(f"test_access does not know how to fill <{arg}> of {rule.rule}: teach it")
    return values


def url(app, rule, slug, ids):
    with app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **sample_values(rule, slug, ids))


def requests_for(app, rule, slug, ids):
    path = url(app, rule, slug, ids)
    methods = sorted(rule.methods - {"HEAD", "OPTIONS"})
    return [(m, path) for m in methods]


def test_public_set_is_exactly_the_views_marked_public(app):
    marked = {r.endpoint for r in rules(app) if getattr(app.view_functions[r.endpoint], "jifen_public", False)}
    assert marked | {"static"} == PUBLIC_ENDPOINTS


def test_every_non_public_route_refuses_anonymous_visitors(app, client, make_user):
    target = make_user("jiashan")
    ids = {"user_id": target.id}
    checked = 0
    for rule in rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS:
            continue
        for method, path in requests_for(app, rule, "jiashan", ids):
            response = client.open(path, method=method, data={})
            assert response.status_code in (302, 400), f"{method} {path} answered {response.status_code}"
            if response.status_code == 302:
                assert "/login" in response.location, f"{method} {path} -> {response.location}"
            checked += 1
    assert checked >= 8


@pytest.mark.parametrize("role", ["applicant", "reviewer"])
def test_admin_routes_refuse_users_without_the_role(app, client, make_user, login, role):
    target = make_user("jiashan")
    user = make_user("jiashan", role=role, department="education" if role == "reviewer" else None)
    login(client, user)
    ids = {"user_id": target.id}
    checked = 0
    for rule in rules(app):
        roles = getattr(app.view_functions[rule.endpoint], "jifen_roles", None)
        if not roles or role in roles:
            continue
        for method, path in requests_for(app, rule, "jiashan", ids):
            token = client.csrf_token("/jiashan/account")
            response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code == 403, f"{role}: {method} {path} answered {response.status_code}"
            checked += 1
    assert checked >= 5


def test_county_admin_asking_for_another_countys_objects_gets_404(app, client, make_user, login):
    admin_a = make_user("jiashan", role="admin")
    object_b = make_user("haining")
    login(client, admin_a)
    ids_b = {"user_id": object_b.id}
    checked = 0
    for rule in rules(app):
        if "user_id" not in rule.arguments:
            continue
        for method, path in requests_for(app, rule, "jiashan", ids_b):
            token = client.csrf_token("/jiashan/account")
            response = client.open(path, method=method, data={"csrf_token": token, "role": "admin"})
            assert response.status_code == 404, f"{method} {path} answered {response.status_code}"
            checked += 1
    assert checked >= 2
    # And asking under the other county's prefix: the session is not valid there; nothing leaks.
    for rule in rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or "tenant" not in rule.arguments:
            continue
        for method, path in requests_for(app, rule, "haining", ids_b):
            response = client.open(path, method=method, data={})
            assert response.status_code in (302, 400, 404), f"{method} {path} answered {response.status_code}"
            assert response.status_code != 302 or "/haining/login" in response.location


def test_platform_admin_may_administer_every_county(app, client, cli):
    result = cli("users", "create-admin", "--username", "ops", "--password", "Ops-secret-2026")
    assert result.exit_code == 0, result.output
    response = client.submit("/platform/login", {"username": "ops", "password": "Ops-secret-2026"})
    assert response.status_code == 302
    assert client.get("/jiashan/admin/plugins").status_code == 200
    assert client.get("/haining/admin/plugins").status_code == 200
