"""Who may reach which route: a walk over the whole URL map, and the cross-county matrix."""

import io

import pytest
from flask import url_for
from sqlalchemy import select
from werkzeug.routing import Rule

from jifen.county.context import current_county

from jifen.identity.national_id import check_digit
from jifen.plugin.manager import catalog

PUBLIC_ENDPOINTS = {
    "static", "platform.index", "platform.healthz", "platform.login",
    "portal.landing", "programs.program", "portal.theme_css", "portal.theme_file",
    "auth.register", "auth.login", "calculator.page", "programs.published_list", "programs.published_csv", "programs.round_page",
    "api_docs.openapi_json", "api_docs.docs_page", "exchange.published_xlsx",
    "plugin_pages.public",  # dispatches to a plugin's public pages (its role pages have routes of their own)
    # questions and complaints: the form, following a case by a code, a case's page (its filer's only), answers, figures
    "complaints.new", "complaints.follow", "complaints.case", "complaints.answered", "complaints.figures",
}
# API operations check access themselves and answer 401 in JSON rather than redirecting to a login page
# (tests/api/ covers sessions, tokens and scopes); these are the ones open to anyone.
PUBLIC_API_OPERATIONS = {
    "api_platform.counties", "api_public.programs_list", "api_public.program", "api_public.rounds",
    "api_public.round_detail", "api_public.published_list", "api_public.score_items", "api_public.calculator",
}
OBJECT_ARGS = ("user_id", "member_id", "item_id", "file_id", "round_id", "objection_id", "run_id", "offer_id", "token_id", "job_id",
               "nomination_id", "survey_id", "question_id", "finding_id", "complaint_id")


def rules(app):
    return [r for r in app.url_map.iter_rules() if r.endpoint != "static"]


def api_operation(app, rule):
    return getattr(app.view_functions[rule.endpoint], "jifen_api", None)


def county_objects(county, make_user, slug: str) -> dict:
    """One object of each kind a URL can name, owned by an applicant of ``slug``, submitted for review."""
    from datetime import date

    from jifen.points import applications

    from jifen.points import evidence

    from jifen.points import family
    from jifen.models import ApplicantProfile, User
    from jifen.points.rules import county_item_types

    person = make_user(slug)
    first17 = "33040220150601002"
    with county(slug) as session:
        user = session.scalar(select(User).where(User.id == person.id))
        session.add(ApplicantProfile(user_id=user.id, has_residence_permit=True, works_in_county_since=date(2019, 1, 1)))
        member = family.add(session, user, relation="child", real_name="小明", id_number=first17 + check_digit(first17))
        application = applications.application_of(session, user, create=True)
        item = applications.declare(session, application, county_item_types(session)["education"],
                                    {"level": "college", "institution": "嘉兴学院", "graduated_on": "2015-07-01"},
                                    actor="test")
        record = evidence.store(session, item, "d.pdf", io.BytesIO(b"%PDF-1.4 test"))
        applications.submit(session, current_county(session).hooks, application, user)
        from jifen.programs import rounds as programs

        found = programs.create_round(session, programs.programs(session)["school_enrollment"],
                                      {"name": "2026 秋季", "opens_on": "2026-03-01", "closes_on": "2026-04-30",
                                       "quota": 10}, actor="test")
        from jifen.identity import api_tokens as tokens

        token = tokens.create(session, "测试系统", ["lists:read"], None, actor="test")
        from jifen.models import Job

        job = Job(kind="ranking.run", params={"round_id": found.id}, state="finished", actor="test",
                  target_type="round", target_id=found.id)
        session.add(job)
        from jifen.complaints import filing

        case = filing.file_case(session, kind="question", about="county", body="积分怎么查询？", user=user)
        session.commit()
        return {"user_id": person.id, "member_id": member.id, "item_id": item.id, "file_id": record.id,
                "round_id": found.id, "token_id": token.record.id,
                "job_id": job.id, "complaint_id": case.id}


def sample_values(rule: Rule, slug: str, ids: dict) -> dict:
    values = {}
    for arg in rule.arguments:
        if arg == "tenant":
            values[arg] = slug
        elif arg in OBJECT_ARGS:
            values[arg] = ids.get(arg, 1)
        elif arg == "key":
            values[arg] = ("school_enrollment" if rule.endpoint.startswith(("programs.", "api_"))
                           or rule.endpoint == "exchange.published_xlsx" else "education")
        elif arg == "name":
            values[arg] = next(iter(catalog()))
        elif arg == "answer":
            values[arg] = "accept"
        elif arg == "filename":
            values[arg] = "logo.svg"
        elif arg == "fmt":
            values[arg] = "csv"
        elif arg == "plugin":
            values[arg] = next(iter(catalog()))
        elif arg == "rest":
            values[arg] = "page"
        elif arg == "reference":
            values[arg] = "JS-2026-000001"
        else:
            raise AssertionError(f"test_access does not know how to fill <{arg}> of {rule.rule}: teach it")
    return values


def requests_for(app, rule, slug, ids):
    with app.test_request_context():
        path = url_for(rule.endpoint, **sample_values(rule, slug, ids))
    return [(m, path) for m in sorted(rule.methods - {"HEAD", "OPTIONS"})]


def test_public_set_is_exactly_the_views_marked_public(app):
    marked = {r.endpoint for r in rules(app) if getattr(app.view_functions[r.endpoint], "jifen_public", False)
              and not api_operation(app, r)}
    assert marked | {"static"} == PUBLIC_ENDPOINTS
    public_api = {r.endpoint for r in rules(app) if api_operation(app, r) and api_operation(app, r).auth == "public"}
    assert public_api == PUBLIC_API_OPERATIONS


def test_every_non_public_api_operation_answers_401_in_json_to_anonymous_callers(app, client, county, make_user):
    ids = county_objects(county, make_user, "jiashan")
    checked = 0
    for rule in rules(app):
        if not api_operation(app, rule) or rule.endpoint in PUBLIC_API_OPERATIONS:
            continue
        for method, path in requests_for(app, rule, "jiashan", ids):
            response = client.open(path, method=method, json={})
            assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
            assert response.get_json()["error"]["code"] == "unauthorized"
            checked += 1
    assert checked >= 8


def test_every_non_public_route_refuses_anonymous_visitors(app, client, county, make_user):
    ids = county_objects(county, make_user, "jiashan")
    checked = 0
    for rule in rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS or api_operation(app, rule):
            continue
        for method, path in requests_for(app, rule, "jiashan", ids):
            response = client.open(path, method=method, data={})
            assert response.status_code in (302, 400), f"{method} {path} answered {response.status_code}"
            if response.status_code == 302:
                assert "/login" in response.location, f"{method} {path} -> {response.location}"
            checked += 1
    assert checked >= 20


@pytest.mark.parametrize("role", ["applicant", "reviewer", "admin"])
def test_routes_refuse_users_without_the_role(app, client, county, make_user, login, role):
    ids = county_objects(county, make_user, "jiashan")
    user = make_user("jiashan", role=role, department="education" if role == "reviewer" else None)
    login(client, user)
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


@pytest.mark.parametrize("role", ["applicant", "reviewer", "admin"])
def test_a_user_asking_for_another_countys_objects_gets_404(app, client, county, make_user, login, role):
    """Logged in to county A, every route naming an object of county B answers 404."""
    ids_b = county_objects(county, make_user, "haining")
    user = make_user("jiashan", role=role, department="education" if role == "reviewer" else None)
    login(client, user)
    checked = 0
    for rule in rules(app):
        roles = getattr(app.view_functions[rule.endpoint], "jifen_roles", None)
        if not roles or role not in roles or not set(rule.arguments) & set(OBJECT_ARGS):
            continue
        for method, path in requests_for(app, rule, "jiashan", ids_b):
            token = client.csrf_token("/jiashan/account")
            response = client.open(path, method=method, data={"csrf_token": token, "role": "admin",
                                                               "decision": "verified", "reason": "x", "note": "x"})
            assert response.status_code == 404, f"{role}: {method} {path} answered {response.status_code}"
            checked += 1
    assert checked >= 2
    # Under the other county's own prefix the session is not valid at all: login page or 404, no data.
    for rule in rules(app):
        if rule.endpoint in PUBLIC_ENDPOINTS | PUBLIC_API_OPERATIONS or "tenant" not in rule.arguments:
            continue
        for method, path in requests_for(app, rule, "haining", ids_b):
            response = client.open(path, method=method, data={})
            expected = (401,) if api_operation(app, rule) else (302, 400, 404)
            assert response.status_code in expected, f"{method} {path} answered {response.status_code}"
            assert response.status_code != 302 or "/haining/login" in response.location


def test_platform_admin_may_administer_every_county(app, client, cli):
    result = cli("users", "create-admin", "--username", "ops", "--password", "Ops-secret-2026")
    assert result.exit_code == 0, result.output
    response = client.submit("/platform/login", {"username": "ops", "password": "Ops-secret-2026"})
    assert response.status_code == 302
    assert client.get("/jiashan/admin/plugins").status_code == 200
    assert client.get("/haining/admin/plugins").status_code == 200
