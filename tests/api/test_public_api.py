"""Public operations: counties, programs, rounds, the masked published list, the calculator; errors and pages."""

from decimal import Decimal

import marshmallow as ma
import pytest

from jifen.plugin.hookspecs import hookimpl
from jifen.plugin.kinds import ItemSettings, ScoreItemType
from tests.api.conftest import assert_error


def test_counties_are_listed_with_their_api_root(client):
    body = client.get("/api/v1/counties").get_json()
    assert [c["slug"] for c in body["items"]] == ["haining", "jiashan"]
    assert body["items"][1]["api"] == "/jiashan/api/v1" and body["next"] is None
    first = client.get("/api/v1/counties?limit=1").get_json()
    assert [c["slug"] for c in first["items"]] == ["haining"] and first["next_after"] == "haining"
    second = client.get(first["next"]).get_json()
    assert [c["slug"] for c in second["items"]] == ["jiashan"] and second["next_after"] is None


def test_programs_and_rounds_of_a_county(client, published_round):
    found = published_round("jiashan")
    programs = client.get("/jiashan/api/v1/programs").get_json()["items"]
    assert "hukou_transfer" in {p["key"] for p in programs}
    program = client.get("/jiashan/api/v1/programs/hukou_transfer").get_json()
    assert program["names"]["zh"] and program["quota_mode"] in ("headcount", "cutoff", "threshold")
    rounds = client.get("/jiashan/api/v1/programs/hukou_transfer/rounds").get_json()["items"]
    assert [r["id"] for r in rounds] == [found["round"]] and rounds[0]["stage"] == "provisional"
    one = client.get(f"/jiashan/api/v1/programs/hukou_transfer/rounds/{found['round']}").get_json()
    assert one["quota"] == 2 and one["opens_on"] == "2027-01-01"
    # the round belongs to its program: under another program's key it is not found
    assert_error(client.get(f"/jiashan/api/v1/programs/school_enrollment/rounds/{found['round']}"), 404, "not_found")


def test_published_list_is_masked_like_the_page_and_pages_by_keyset(client, published_round):
    found = published_round("jiashan")
    url = f"/jiashan/api/v1/programs/hukou_transfer/rounds/{found['round']}/list"
    first = client.get(url + "?limit=3")
    text = first.get_data(as_text=True)
    for person in found["people"]:
        assert person.real_name not in text and person.id_number not in text and person.mobile not in text
    body = first.get_json()
    assert [e["position"] for e in body["items"]] == [1, 2, 3]
    assert body["items"][0]["name"] == "陈*民" and body["items"][0]["id_number"].startswith("3304**********")
    assert body["items"][0]["points"] == "95.00" and body["publication"]["digest"] == "ab" * 32
    assert body["publication"]["stage"] == "provisional" and body["publication"]["cutoff"] == "88.00"
    rest = client.get(body["next"]).get_json()
    assert [e["position"] for e in rest["items"]] == [4] and rest["next"] is None
    one = client.get(url + f"?number={found['references'][2]}").get_json()
    assert [e["position"] for e in one["items"]] == [3] and one["items"][0]["application_number"] == found["references"][2]
    spoken = found["references"][2].lower().replace("-", " ")  # as typed from what was heard
    assert [e["position"] for e in client.get(url + f"?number={spoken}").get_json()["items"]] == [3]
    assert client.get(url + f"?number={found['numbers'][2]}").status_code == 422  # an internal id is no number


def test_next_is_the_same_request_whatever_the_query_holds(client, published_round):
    # Unknown query arguments are ignored; they must not turn into url_for's keywords (the view's own
    # arguments, the county, _external, _anchor...), which answered 500 or a next page in another county.
    found = published_round("jiashan")
    url = f"/jiashan/api/v1/programs/hukou_transfer/rounds/{found['round']}/list"
    for query, kept in (("key=x", "key=x"), ("round_id=5", "round_id=5"), ("_method=PUT", "_method=PUT"),
                        ("tenant=haining", "tenant=haining"), ("_anchor=top", "_anchor=top"),
                        ("_external=1&_scheme=ftp", "_external=1&_scheme=ftp"), ("lang=en", "lang=en")):
        response = client.get(f"{url}?limit=2&{query}")
        assert response.status_code == 200, (query, response.status_code)
        assert response.get_json()["next"] == f"{url}?limit=2&{kept}&after=2", query
    assert client.get("/api/v1/counties?limit=1&_anchor=x").get_json()["next"] == \
        "/api/v1/counties?limit=1&_anchor=x&after=haining"


def test_a_cursor_past_the_ids_range_is_not_a_cursor(client, published_round):
    found = published_round("jiashan")
    url = f"/jiashan/api/v1/programs/hukou_transfer/rounds/{found['round']}/list"
    error = assert_error(client.get(f"{url}?after={2**63}"), 422, "validation_failed")
    assert "after" in error["details"]
    assert client.get(f"{url}?after={2**63 - 1}").get_json()["items"] == []


def test_a_body_nested_too_deep_is_a_bad_request(client):
    assert_error(client.post("/jiashan/api/v1/calculator", data="[" * 100_000, content_type="application/json"),
                 400, "bad_request")

def test_list_of_a_round_with_nothing_published_is_404(client, county):
    from jifen.programs import rounds as programs

    with county("jiashan") as session:
        found = programs.create_round(session, programs.programs(session)["hukou_transfer"],
                                      {"name": "未公示", "opens_on": "2027-05-01", "closes_on": "2027-06-01",
                                       "quota": 3}, actor="test")
        session.commit()
    assert_error(client.get(f"/jiashan/api/v1/programs/hukou_transfer/rounds/{found.id}/list"), 404)


def test_calculator_agrees_with_the_scoring_function_and_stores_nothing(app, client, county):
    from jifen.models import AuditEvent, RuleVersion
    from jifen.points.rules import county_item_types, preview_rules
    from jifen.points.scoring import Declared, score
    from sqlalchemy import func, select

    items = [{"item_type": "education", "input": {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2015-07-01"}},
             {"item_type": "education", "input": {"level": "college", "institution": "嘉兴学院", "graduated_on": "2012-07-01"}}]
    with county("jiashan") as session:
        types = county_item_types(session)
        expected = score([Declared(i + 1, it["item_type"], types["education"].input_schema().dump(
            types["education"].input_schema().load(it["input"]))) for i, it in enumerate(items)],
            preview_rules(session), types)
        audit_before = session.scalar(select(func.count(AuditEvent.seq)))
        versions_before = session.scalar(select(func.count(RuleVersion.version)))
    body = client.post("/jiashan/api/v1/calculator", json={"items": items}).get_json()
    assert Decimal(body["total"]) == expected.total and body["estimate"] is True
    assert [line["note"] for line in body["lines"]] == [expected.line(1).note, expected.line(2).note]
    with county("jiashan") as session:
        assert session.scalar(select(func.count(AuditEvent.seq))) == audit_before
        assert session.scalar(select(func.count(RuleVersion.version))) == versions_before


def test_calculator_names_each_bad_item(client):
    response = client.post("/jiashan/api/v1/calculator", json={"items": [
        {"item_type": "education", "input": {"level": "nonsense"}},
        {"item_type": "no_such_item", "input": {}}]})
    error = assert_error(response, 422, "validation_failed")
    assert set(error["details"]["items"]) == {"0", "1"}
    assert "level" in error["details"]["items"]["0"]["input"]
    assert "item_type" in error["details"]["items"]["1"]


def test_errors_have_one_json_shape_and_never_an_html_page(client):
    assert_error(client.get("/nosuch/api/v1/programs"), 404, "not_found")  # unknown county
    assert_error(client.get("/jiashan/api/v1/no-such-thing"), 404, "not_found")  # no route
    assert_error(client.get("/api/v1/nothing-here"), 404)
    assert_error(client.get("/jiashan/api/v1/programs/no_such_program"), 404)
    wrong_method = client.delete("/jiashan/api/v1/programs")
    assert_error(wrong_method, 405, "method_not_allowed")
    assert "GET" in wrong_method.headers["Allow"]
    assert_error(client.get("/jiashan/api/v1/programs?limit=0"), 422, "validation_failed")
    assert_error(client.post("/jiashan/api/v1/calculator", data="{not json", content_type="application/json"), 400)
    assert_error(client.post("/jiashan/api/v1/calculator", data="items=1",
                             content_type="application/x-www-form-urlencoded"), 415)
    assert_error(client.post("/jiashan/api/v1/calculator", json={"items": [], "extra": 1}), 422)
    assert_error(client.post("/jiashan/api/v1/calculator", json=[1, 2]), 422)
    assert_error(client.get("/jiashan/api/v1/programs/hukou_transfer/rounds/99999999999999999999"), 404)
    # the HTML pages keep their own error page
    assert client.get("/jiashan/no-such-page").mimetype == "text/html"


def test_a_server_error_in_an_api_view_is_json(app, client, monkeypatch):
    from jifen.programs import rounds as programs

    def broken(session):
        raise RuntimeError("boom")

    monkeypatch.setattr(programs, "programs", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    error = assert_error(client.get("/jiashan/api/v1/programs"), 500, "server_error")
    assert "boom" not in error["message"]


def test_openapi_document_and_docs_page(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    assert "/{tenant}/api/v1/programs/{key}/rounds/{round_id}/list" in document["paths"]
    assert "/api/v1/counties" in document["paths"]
    decision = document["paths"]["/{tenant}/api/v1/verifications/{item_id}/decision"]["post"]
    assert decision["security"] == [{"bearerToken": ["verifications:write"]}]
    assert document["components"]["securitySchemes"]["bearerToken"]["scheme"] == "bearer"
    tenant = document["paths"]["/{tenant}/api/v1/programs"]["parameters"][0]
    assert tenant["name"] == "tenant" and set(tenant["schema"]["enum"]) == {"jiashan", "haining"}
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "POST /{tenant}/api/v1/verifications/{item_id}/decision" in html and 'id="schema-Error"' in html
    assert "<script" not in html and "style=" not in html


def test_rate_limit_and_size_errors_on_api_paths_have_the_same_shape(app, client):
    from werkzeug.exceptions import RequestEntityTooLarge, TooManyRequests

    def too_many():
        raise TooManyRequests()

    def too_large():
        raise RequestEntityTooLarge()

    too_many.jifen_public = too_large.jifen_public = True
    # raised outside an API view but on an API path (as Flask-Limiter and the body limit do)
    app.add_url_rule("/<tenant>/api/v1/test-rate-limit", "test_rate_limit", too_many)
    app.add_url_rule("/<tenant>/api/v1/test-too-large", "test_too_large", too_large)
    assert_error(client.get("/jiashan/api/v1/test-rate-limit"), 429, "rate_limited")
    assert_error(client.get("/jiashan/api/v1/test-too-large"), 413, "payload_too_large")


class _FragileInput(ma.Schema):
    level = ma.fields.String()

    @ma.post_load
    def _convert(self, data, **kwargs):
        raise ValueError("psycopg pool at 10.0.0.7 exhausted")  # what a plugin's bug might say


class _FragilePlugin:
    @hookimpl
    def register_score_item_types(self):
        return [ScoreItemType(key="fragile_item", category="awards", names={"zh": "易碎", "en": "Fragile"},
                              input_schema=_FragileInput, department="education", score=lambda i, s: Decimal(1),
                              settings_schema=ItemSettings)]


@pytest.mark.with_plugins("fragile", county="jiashan", install={"fragile": _FragilePlugin()})
def test_calculator_does_not_show_a_plugins_exception_text(client):
    response = client.post("/jiashan/api/v1/calculator",
                           json={"items": [{"item_type": "fragile_item", "input": {"level": "x"}}]})
    error = assert_error(response, 422, "validation_failed")
    assert error["details"]["items"]["0"]["input"] == ["This input cannot be read for this item type."]
    assert "10.0.0.7" not in response.get_data(as_text=True)


def test_a_kept_page_of_the_list_gives_way_to_a_newer_publication_at_once(client, county, published_round):
    """Pages of the list are kept per process under the county's publications revision: a newer
    publication of the round is the answer on the next request."""
    from datetime import date, timedelta

    from sqlalchemy import select

    from jifen.models import Publication

    found = published_round("jiashan")
    url = f"/jiashan/api/v1/programs/hukou_transfer/rounds/{found['round']}/list?limit=2"
    assert client.get(url).get_json()["publication"]["stage"] == "provisional"
    assert client.get(url).get_json()["publication"]["stage"] == "provisional"  # kept
    with county("jiashan") as session:
        provisional = session.scalars(select(Publication).where(Publication.round_id == found["round"])).one()
        session.add(Publication(round_id=provisional.round_id, run_id=provisional.run_id, stage="final",
                                starts_on=date(2027, 3, 20), actor="test",
                                published_at=provisional.published_at + timedelta(days=10)))
        session.commit()
    assert client.get(url).get_json()["publication"]["stage"] == "final"
