"""Shared data for the API tests: a published round, a submitted item, tokens."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select


NAMES = ["陈新民", "王芳芳", "李建国", "赵德胜"]


@pytest.fixture
def published_round(hand_ranked_round):
    """``published_round(slug)``: a hukou round with four ranked applicants and its provisional list."""
    return lambda slug="jiashan": hand_ranked_round(slug, publish=True)


@pytest.fixture
def submitted_item(county, make_user):
    """``submitted_item(slug)``: an applicant's education item waiting in the education queue."""

    def _make(slug: str = "jiashan", real_name: str = "测试用户") -> dict:
        from jifen.county.context import current_county
        from jifen.points import applications
        from jifen.points import evidence
        from jifen.models import ApplicantProfile, User
        from jifen.points.rules import county_item_types

        person = make_user(slug, real_name=real_name)
        with county(slug) as session:
            user = session.scalar(select(User).where(User.id == person.id))
            session.add(ApplicantProfile(user_id=user.id, has_residence_permit=True,
                                         works_in_county_since=date(2019, 1, 1)))
            application = applications.application_of(session, user, create=True)
            item = applications.declare(session, application, county_item_types(session)["education"],
                                        {"level": "college", "institution": "嘉兴学院", "graduated_on": "2015-07-01"},
                                        actor="test")
            evidence.store(session, item, "d.pdf", io.BytesIO(b"%PDF-1.4 test"))
            applications.submit(session, current_county(session).hooks, application, user)
            session.commit()
            return {"person": person, "item": item.id, "application": application.id}

    return _make


ALL_SCOPES = ("lists:read", "verifications:read", "verifications:write")


@pytest.fixture
def make_token(county):
    """``make_token(slug, scopes=ALL_SCOPES, department="education")`` -> (token id, token value)."""

    def _make(slug: str = "jiashan", scopes=ALL_SCOPES, department: str | None = "education",
              name: str = "教育局系统") -> tuple[int, str]:
        from jifen.identity import api_tokens as tokens

        with county(slug) as session:
            made = tokens.create(session, name, scopes, department, actor="test")
            session.commit()
            return made.record.id, made.token

    return _make


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is the API's one error shape with ``status`` (and ``code``)."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True)[:300])
    assert response.mimetype == "application/json"
    error = response.get_json()["error"]
    assert set(error) == {"status", "code", "message", "details"} and error["status"] == status
    assert error["message"]
    if code is not None:
        assert error["code"] == code
    return error
