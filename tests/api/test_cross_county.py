"""Acceptance: a county A token gets 404 for every county B object; a revoked token gets 401.

Every API route that names an object (read from the URL map, as tests/web/test_access.py does) is
called with a Jiashan token carrying every scope, under Jiashan's prefix, with Haining's ids.
"""

from flask import url_for
from sqlalchemy import select

from tests.api.conftest import assert_error, bearer

OBJECT_ARGS = {"round_id", "item_id"}


def api_rules(app):
    return [r for r in app.url_map.iter_rules() if getattr(app.view_functions[r.endpoint], "jifen_api", None)]


def path_for(app, rule, slug, ids):
    values = {}
    for arg in rule.arguments:
        if arg == "tenant":
            values[arg] = slug
        elif arg == "key":
            values[arg] = ids["program"]
        elif arg in OBJECT_ARGS:
            values[arg] = ids[arg]
        else:
            raise AssertionError(f"test_cross_county does not know how to fill <{arg}> of {rule.rule}: teach it")
    with app.test_request_context():
        return url_for(rule.endpoint, **values)


def objects(published_round, submitted_item, slug):
    published = published_round(slug)
    item = submitted_item(slug)
    return {"program": published["program"], "round_id": published["round"], "item_id": item["item"]}


def test_a_county_a_token_gets_404_for_every_county_b_object(app, client, published_round, submitted_item, make_token):
    ids_a = objects(published_round, submitted_item, "jiashan")
    ids_b = objects(published_round, submitted_item, "haining")
    _id, token_a = make_token("jiashan")  # every scope, education department
    checked = 0
    for rule in api_rules(app):
        if not set(rule.arguments) & OBJECT_ARGS:
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            body = {"decision": "verified"} if method == "POST" else None
            # the same route with county A's own object works (so the 404 below is about the county)...
            own = client.open(path_for(app, rule, "jiashan", ids_a), method=method, json=body, headers=bearer(token_a))
            assert own.status_code == 200, f"{method} {rule.rule} with A's object: {own.status_code}"
            # ...and with county B's object it is not found
            other = client.open(path_for(app, rule, "jiashan", ids_b), method=method, json=body,
                                headers=bearer(token_a))
            assert_error(other, 404, "not_found")
            checked += 1
    assert checked >= 5  # round, its list, results; an item, its decision
    # Under county B's own prefix, county A's token is no token at all: 401, nothing about B's objects.
    for rule in api_rules(app):
        if rule.endpoint.startswith("api_integration."):
            path = path_for(app, rule, "haining", ids_b)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                assert_error(client.open(path, method=method, json={"decision": "verified"}, headers=bearer(token_a)),
                             401, "invalid_token")


def test_a_revoked_token_gets_401_everywhere_it_worked(app, client, county, published_round, submitted_item, make_token):
    from jifen.identity import api_tokens as tokens
    from jifen.models import ApiToken

    ids = objects(published_round, submitted_item, "jiashan")
    token_id, token = make_token("jiashan")
    token_rules = [r for r in api_rules(app) if r.endpoint.startswith("api_integration.")]
    gets = [path_for(app, r, "jiashan", ids) for r in token_rules if "GET" in r.methods]
    assert all(client.get(p, headers=bearer(token)).status_code == 200 for p in gets)
    with county("jiashan") as session:
        tokens.revoke(session, session.scalar(select(ApiToken).where(ApiToken.id == token_id)), actor="admin")
        session.commit()
    for rule in token_rules:
        path = path_for(app, rule, "jiashan", ids)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            assert_error(client.open(path, method=method, json={"decision": "verified"}, headers=bearer(token)),
                         401, "invalid_token")
