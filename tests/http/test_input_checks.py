"""Input no view can use is refused before any view runs, with words: NUL characters, numbers past BIGINT."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

REGISTER = {"real_name": "张三", "id_number": "330402199001011234", "mobile": "13900000000", "password": "x"}


@pytest.mark.parametrize("field, value", [("real_name", "张\x00三"), ("mobile", "1" * 25), ("mobile", "-" + "9" * 20)])
def test_a_form_with_a_nul_or_a_huge_number_is_a_400_that_says_so(client, field, value):
    client.get("/jiashan/?lang=en")
    response = client.submit("/jiashan/register", {**REGISTER, field: value}, form_page="/jiashan/register")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert ("NUL character" in page) if "\x00" in value else ("far too large" in page)


def test_the_message_is_in_the_visitors_language(client):
    client.get("/jiashan/?lang=zh_Hans_CN")
    response = client.submit("/jiashan/register", {**REGISTER, "real_name": "a\x00"}, form_page="/jiashan/register")
    assert response.status_code == 400 and "空字符" in response.get_data(as_text=True)


def test_a_query_string_with_a_nul_is_refused(client):
    assert client.get("/jiashan/?q=%00").status_code == 400


def test_the_api_answers_a_nul_in_json_in_its_error_shape(client):
    client.get("/jiashan/?lang=en")
    response = client.post("/jiashan/api/v1/calculator", json={"items": [{"type": "education", "input": {"level": "a\x00"}}]})
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert error["status"] == 400 and "NUL character" in error["message"]


def test_database_errors_do_not_carry_the_bound_values(app, county):
    with county("jiashan") as session:
        engine = session.get_bind()
        assert engine.hide_parameters
        secret = "permit-330402-SECRET"
        with pytest.raises(IntegrityError) as raised:
            session.execute(text("INSERT INTO tenants (id, slug, name_zh, name_en, hotline) VALUES (:i, :s, :s, :s, :s)"),
                            {"i": None, "s": secret})
        session.rollback()
    # SQLAlchemy leaves the bound values out of the message (PostgreSQL's own DETAIL may still quote
    # a failing row: the log's masking is a separate step).
    assert "[SQL parameters hidden due to hide_parameters=True]" in str(raised.value)
    assert f"'{secret}'" not in str(raised.value)
