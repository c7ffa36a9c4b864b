"""Shared data for the API tests: a published round, a submitted item, tokens."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from jifen import clock

NAMES = ["陈新民", "王芳芳", "李建国", "赵德胜"]


@pytest.fixture
def on_day(monkeypatch):
    def _set(day):
        monkeypatch.setattr(clock, "today", lambda: day)

    return _set


@pytest.fixture
def published_round(county, make_user, on_day):
    """``published_round(slug)``: a hukou round with four ranked applicants and its provisional list."""

    def _make(slug: str = "jiashan") -> dict:
        from jifen import programs, publication
        from jifen.models import Application, ProgramApplication, RankingResult, RankingRun

        on_day(date(2027, 3, 1))
        people = [make_user(slug, real_name=name) for name in NAMES]
        with county(slug) as session:
            program = programs.programs(session)["hukou_transfer"]
            found = programs.create_round(session, program, {"name": "2027 第一批", "opens_on": "2027-01-01",
                                                             "closes_on": "2027-02-28", "quota": 2}, actor="test")
            run = RankingRun(round_id=found.id, seed=7, digest="ab" * 32, input_count=4, allocated_count=2,
                             cutoff=Decimal("88.00"), is_current=True, actor="test")
            session.add(run)
            session.flush()
            numbers = []
            for position, (person, points) in enumerate(zip(people, ("95", "88", "80", "61")), start=1):
                session.add(Application(user_id=person.id, status="confirmed", total_points=points))
                application = ProgramApplication(round_id=found.id, user_id=person.id, sub_quota="魏塘街道")
                session.add(application)
                session.flush()
                numbers.append(application.id)
                session.add(RankingResult(run_id=run.id, program_application_id=application.id, position=position,
                                          sub_quota="魏塘街道", sub_position=position, points=Decimal(points),
                                          outcome="allocated" if position <= 2 else "waitlisted",
                                          allocation_round=1 if position <= 2 else None))
            session.flush()
            publication.publish_provisional(session, found, program, actor="test")
            session.commit()
            return {"round": found.id, "program": "hukou_transfer", "people": people, "numbers": numbers,
                    "run": run.id}

    return _make


@pytest.fixture
def submitted_item(county, make_user):
    """``submitted_item(slug)``: an applicant's education item waiting in the education queue."""

    def _make(slug: str = "jiashan", real_name: str = "测试用户") -> dict:
        from jifen import applications, evidence
        from jifen.enablement import enabled_plugin_names
        from jifen.models import ApplicantProfile, User
        from jifen.plugin_manager import CountyHooks
        from jifen.rules import county_item_types

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
            applications.submit(session, CountyHooks(enabled_plugin_names(session)), application, user)
            session.commit()
            return {"person": person, "item": item.id, "application": application.id}

    return _make


ALL_SCOPES = ("lists:read", "verifications:read", "verifications:write")


@pytest.fixture
def make_token(county):
    """``make_token(slug, scopes=ALL_SCOPES, department="education")`` -> (token id, token value)."""

    def _make(slug: str = "jiashan", scopes=ALL_SCOPES, department: str | None = "education",
              name: str = "教育局系统") -> tuple[int, str]:
        from jifen.api import tokens

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
