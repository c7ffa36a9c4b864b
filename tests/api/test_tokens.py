"""API tokens: hashed, shown once, scoped, revocable, audited; the verification push goes through review.decide."""

import re

from sqlalchemy import select

from tests.api.conftest import assert_error, bearer


def _audit(county, slug, action):
    from jifen.models import AuditEvent

    with county(slug) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)))


def test_only_a_hash_is_stored_and_the_creation_is_audited(county, make_token):
    from jifen.identity.api_tokens import token_hash
    from jifen.models import ApiToken

    token_id, token = make_token("jiashan")
    assert token.startswith("jf_") and len(token) > 40
    with county("jiashan") as session:
        record = session.scalar(select(ApiToken).where(ApiToken.id == token_id))
        assert record.token_hash == token_hash(token) and token not in (record.token_hash, record.prefix)
        assert record.prefix == token[:10]
    created = _audit(county, "jiashan", "api_token.created")
    assert created[-1].target_id == str(token_id) and token not in str(created[-1].details)


def test_token_info_and_last_use(client, county, make_token):
    from jifen.models import ApiToken

    token_id, token = make_token("jiashan", scopes=["lists:read"], department=None)
    body = client.get("/jiashan/api/v1/token", headers=bearer(token)).get_json()
    assert body == {"id": token_id, "name": "教育局系统", "prefix": token[:10], "county": "jiashan",
                    "scopes": ["lists:read"], "department": None}
    with county("jiashan") as session:
        assert session.scalar(select(ApiToken.last_used_at).where(ApiToken.id == token_id)) is not None


def test_missing_unknown_malformed_and_revoked_tokens_get_401(client, county, make_token):
    from jifen.identity import api_tokens as tokens
    from jifen.models import ApiToken

    token_id, token = make_token("jiashan")
    assert_error(client.get("/jiashan/api/v1/token"), 401, "unauthorized")
    assert_error(client.get("/jiashan/api/v1/token", headers=bearer("jf_" + "x" * 43)), 401, "invalid_token")
    assert_error(client.get("/jiashan/api/v1/token", headers={"Authorization": f"Basic {token}"}), 401)
    response = client.get("/jiashan/api/v1/token", headers=bearer(token))
    assert response.status_code == 200
    with county("jiashan") as session:
        tokens.revoke(session, session.scalar(select(ApiToken).where(ApiToken.id == token_id)), actor="test")
        session.commit()
    revoked = client.get("/jiashan/api/v1/token", headers=bearer(token))
    assert_error(revoked, 401, "invalid_token")
    assert revoked.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.get("/jiashan/api/v1/verifications", headers=bearer(token)), 401)


def test_a_scope_the_token_lacks_is_403(client, make_token, submitted_item):
    item = submitted_item("jiashan")
    _id, lists_only = make_token("jiashan", scopes=["lists:read"], department=None)
    _id, read_only = make_token("jiashan", scopes=["verifications:read"])
    assert_error(client.get("/jiashan/api/v1/verifications", headers=bearer(lists_only)), 403, "insufficient_scope")
    assert client.get("/jiashan/api/v1/verifications", headers=bearer(read_only)).status_code == 200
    assert_error(client.post(f"/jiashan/api/v1/verifications/{item['item']}/decision", json={"decision": "verified"},
                             headers=bearer(read_only)), 403, "insufficient_scope")


def test_bad_token_input_is_refused_with_field_messages(county):
    from jifen.identity import api_tokens as tokens
    from jifen.points.applications import ApplicationError

    import pytest

    with county("jiashan") as session:
        with pytest.raises(ApplicationError) as no_department:
            tokens.create(session, "系统", ["verifications:write"], None, actor="test")
        assert "department" in no_department.value.messages
        with pytest.raises(ApplicationError) as bad:
            tokens.create(session, "", ["admin:everything"], "education", actor="test")
        assert {"name", "scopes", "department"} <= set(bad.value.messages)


def test_a_department_token_sees_and_decides_only_its_departments_items(client, county, make_token, submitted_item):
    from jifen.models import DeclaredItem

    item = submitted_item("jiashan")
    _id, education = make_token("jiashan", department="education")
    _id, police = make_token("jiashan", department="public_security")
    queue = client.get("/jiashan/api/v1/verifications", headers=bearer(education)).get_json()
    assert item["item"] in [i["id"] for i in queue["items"]]
    assert queue["items"][0]["applicant_name"] == "测**户"  # masked, as reviewers see it
    assert client.get("/jiashan/api/v1/verifications", headers=bearer(police)).get_json()["items"] == []
    assert_error(client.get(f"/jiashan/api/v1/verifications/{item['item']}", headers=bearer(police)), 404)
    assert_error(client.post(f"/jiashan/api/v1/verifications/{item['item']}/decision",
                             json={"decision": "verified"}, headers=bearer(police)), 404)
    with county("jiashan") as session:
        assert session.scalar(select(DeclaredItem.status).where(DeclaredItem.id == item["item"])) == "pending"


def test_a_queue_cursor_past_the_ids_range_is_not_a_cursor(client, make_token, submitted_item):
    submitted_item("jiashan")
    _id, token = make_token("jiashan")
    for cursor in (f"2027-01-01_{2**63}", f"2027-01-01_-{2**63}"):
        error = assert_error(client.get(f"/jiashan/api/v1/verifications?after={cursor}", headers=bearer(token)),
                             422, "validation_failed")
        assert "after" in error["details"]
    assert client.get(f"/jiashan/api/v1/verifications?after=2000-01-01_{2**63 - 1}",
                      headers=bearer(token)).status_code == 200

def test_pushing_a_verification_result_works_exactly_as_a_reviewers_decision(client, county, make_token, submitted_item):
    from jifen.models import Application, ItemReview, LedgerEntry, Message, StatusEvent

    item = submitted_item("jiashan")
    token_id, token = make_token("jiashan")
    url = f"/jiashan/api/v1/verifications/{item['item']}/decision"
    assert_error(client.post(url, json={"decision": "rejected"}, headers=bearer(token)), 422)  # a reason is needed
    assert_error(client.post(url, json={"decision": "maybe"}, headers=bearer(token)), 422)
    response = client.post(url, json={"decision": "verified"}, headers=bearer(token))
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["item"]["status"] == "verified" and body["application_status"] == "confirmed"
    assert body["total_points"] is not None
    actor = f"token:{token_id}"
    with county("jiashan") as session:
        assert session.scalar(select(ItemReview.actor).where(ItemReview.item_id == item["item"])) == actor
        statuses = set(session.scalars(select(StatusEvent.status).where(StatusEvent.application_id == item["application"])))
        assert {"item_verified", "confirmed"} <= statuses
        assert session.scalar(select(Application.status).where(Application.id == item["application"])) == "confirmed"
        assert session.scalar(select(LedgerEntry.points).where(LedgerEntry.item_id == item["item"])) is not None
        assert session.scalars(select(Message).where(Message.user_id == item["person"].id)).first() is not None
    verified = _audit(county, "jiashan", "item.verified")
    assert verified[-1].actor == actor and verified[-1].target_id == str(item["item"])
    # a second decision on the same item: its state does not allow it
    assert_error(client.post(url, json={"decision": "verified"}, headers=bearer(token)), 409, "conflict")


def test_lists_token_pulls_the_published_list(client, make_token, published_round):
    found = published_round("jiashan")
    _id, token = make_token("jiashan", scopes=["lists:read"], department=None)
    body = client.get(f"/jiashan/api/v1/rounds/{found['round']}/results?limit=2", headers=bearer(token)).get_json()
    assert [e["position"] for e in body["items"]] == [1, 2] and body["publication"]["digest"] == "ab" * 32
    assert body["items"][0]["name"] == "陈*民"
    assert client.get(body["next"], headers=bearer(token)).get_json()["items"][0]["position"] == 3


def test_administrator_makes_sees_and_revokes_tokens_on_the_county_page(client, county, make_user, login):
    login(client, make_user("jiashan", role="admin"))
    page = client.get("/jiashan/admin/tokens")
    assert page.status_code == 200
    bad = client.submit("/jiashan/admin/tokens", {"name": "教育局", "scopes": ["verifications:write"], "department": ""})
    assert bad.status_code == 400 and 'value="教育局"' in bad.get_data(as_text=True)  # what was entered is kept
    made = client.submit("/jiashan/admin/tokens", {"name": "教育局", "scopes": ["verifications:read", "verifications:write"],
                                                   "department": "education"})
    html = made.get_data(as_text=True)
    assert made.status_code == 200 and 'value="教育局"' not in html  # a fresh form for the next one
    token = re.search(r"<code[^>]*>(jf_[A-Za-z0-9_\-]+)</code>", html).group(1)
    assert client.get("/jiashan/api/v1/token", headers=bearer(token)).status_code == 200
    listing = client.get("/jiashan/admin/tokens").get_data(as_text=True)
    assert token not in listing and token[:10] in listing  # never shown again, recognisable by its start
    token_id = int(re.search(r'data-token="(\d+)"', listing).group(1))
    revoked = client.submit(f"/jiashan/admin/tokens/{token_id}/revoke", {}, form_page="/jiashan/admin/tokens")
    assert revoked.status_code == 302
    assert_error(client.get("/jiashan/api/v1/token", headers=bearer(token)), 401)
    assert _audit(county, "jiashan", "api_token.revoked")[-1].target_id == str(token_id)
    # a revocation without the form's CSRF token is refused
    assert client.post(f"/jiashan/admin/tokens/{token_id}/revoke").status_code == 400
    # ids are BIGINT: a larger number in the URL is not found, not an error of the database
    assert client.submit(f"/jiashan/admin/tokens/{2**63}/revoke", {}, form_page="/jiashan/admin/tokens").status_code == 404


def test_tokens_from_the_command_line(client, cli):
    made = cli("tokens", "create", "--county", "haining", "--name", "公安系统", "--scope", "verifications:read",
               "--department", "public_security")
    assert made.exit_code == 0, made.output
    token = made.output.strip().splitlines()[-1]
    assert client.get("/haining/api/v1/token", headers=bearer(token)).get_json()["department"] == "public_security"
    listed = cli("tokens", "list", "--county", "haining")
    assert token[:10] in listed.output and token not in listed.output and "active" in listed.output
    token_id = listed.output.split("\t", 1)[0]
    assert cli("tokens", "revoke", "--county", "haining", token_id).exit_code == 0
    assert "revoked" in cli("tokens", "list", "--county", "haining").output
    assert_error(client.get("/haining/api/v1/token", headers=bearer(token)), 401)
    refused = cli("tokens", "create", "--county", "haining", "--name", "x", "--scope", "verifications:write")
    assert refused.exit_code != 0 and "department" in refused.output
    assert cli("tokens", "revoke", "--county", "haining", "12345").exit_code != 0
