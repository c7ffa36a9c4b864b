"""The points application at service level: declare, evidence, submit, review loops, confirmation."""

import io
from datetime import date

import pytest
from sqlalchemy import select

from jifen.county.context import current_county

from jifen.points import applications

from jifen.points import evidence

from jifen.points import review
from jifen.models import ApplicantProfile, LedgerEntry, Message, User
from jifen.points.rules import county_item_types

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def eligible(session, user_id):
    session.add(ApplicantProfile(user_id=user_id, has_residence_permit=True, works_in_county_since=date(2020, 3, 1)))
    session.flush()


def setup(session, person):
    user = session.get(User, (session.scalar(select(User.tenant_id).where(User.id == person.id)), person.id))
    hooks = current_county(session).hooks
    types = county_item_types(session)
    return user, hooks, types


def test_supplement_loops_twice_then_verifies_and_points_are_confirmed(county, make_user):
    person = make_user("jiashan")
    with county("jiashan") as session:
        user, hooks, types = setup(session, person)
        eligible(session, user.id)
        app = applications.application_of(session, user, create=True)
        item = applications.declare(session, app, types["education"],
                                    {"level": "bachelor", "institution": "浙江大学", "graduated_on": "2012-06-30"},
                                    actor=user.actor)
        evidence.store(session, item, "diploma.pdf", io.BytesIO(PDF))
        applications.submit(session, hooks, app, user)
        session.commit()
        for round_, reason in enumerate(["请补充学位证书", "请补充学信网认证报告"], start=1):
            review.decide(session, hooks, item, "supplement_requested", reason, reviewer_actor="user:reviewer")
            assert app.status == "supplement_requested"
            applications.answer_supplement(session, hooks, item, user, f"已补充材料 第{round_}次")
            session.commit()
        review.decide(session, hooks, item, "verified", None, reviewer_actor="user:reviewer")
        session.commit()
        assert app.status == "confirmed" and app.total_points == 80
        rows = session.scalars(select(LedgerEntry).where(LedgerEntry.application_id == app.id)).all()
        assert [(r.item_type, r.points, r.rule_version) for r in rows] == [("education", 80, app.rule_version)]
        reasons = [e.reason for e in applications.history(session, app) if e.reason]
        assert "请补充学位证书" in reasons and "请补充学信网认证报告" in reasons
        subjects = [m.subject for m in session.scalars(select(Message).where(Message.user_id == user.id))]
        assert len(subjects) >= 4  # submitted, two supplement requests, confirmed


def test_vetoed_applicant_cannot_submit_and_is_told_why(county, make_user):
    person = make_user("jiashan")
    with county("jiashan") as session:
        user, hooks, types = setup(session, person)
        session.add(ApplicantProfile(user_id=user.id, has_residence_permit=True,
                                     works_in_county_since=date.today().replace(day=1)))
        app = applications.application_of(session, user, create=True)
        item = applications.declare(session, app, types["education"],
                                    {"level": "college", "institution": "嘉兴学院", "graduated_on": "2015-07-01"},
                                    actor=user.actor)
        evidence.store(session, item, "d.pdf", io.BytesIO(PDF))
        with pytest.raises(applications.Vetoed) as info:
            applications.submit(session, hooks, app, user)
        assert [v.key for v in info.value.vetoes] == ["work_years"]
        assert app.status == "draft"


def test_bad_input_is_refused_with_field_messages(county, make_user):
    person = make_user("haining")
    with county("haining") as session:
        user, hooks, types = setup(session, person)
        app = applications.application_of(session, user, create=True)
        with pytest.raises(applications.ApplicationError) as info:
            applications.declare(session, app, types["education"], {"level": "wizard", "institution": "x"},
                                 actor=user.actor)
        assert set(info.value.messages) == {"level", "institution", "graduated_on"}
        assert applications.items_of(session, app) == []


def test_upload_checked_by_content_and_hashed(county, make_user, app):
    import hashlib

    person = make_user("jiashan")
    with county("jiashan") as session:
        user, hooks, types = setup(session, person)
        application = applications.application_of(session, user, create=True)
        item = applications.declare(session, application, types["education"],
                                    {"level": "college", "institution": "嘉兴学院", "graduated_on": "2015-07-01"},
                                    actor=user.actor)
        with pytest.raises(evidence.EvidenceError, match="not the PDF"):
            evidence.store(session, item, "diploma.pdf", io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 100))
        with pytest.raises(evidence.EvidenceError, match="PDF, JPEG or PNG"):
            evidence.store(session, item, "diploma.exe", io.BytesIO(PDF))
        with pytest.raises(evidence.EvidenceError, match="at most"):
            evidence.store(session, item, "big.pdf", io.BytesIO(PDF + b"0" * 2000), max_bytes=1000)
        record = evidence.store(session, item, "diploma.pdf", io.BytesIO(PDF))
        stored = evidence.path_of(record).read_bytes()
        assert stored == PDF and record.sha256 == hashlib.sha256(PDF).hexdigest()
        assert not str(evidence.path_of(record)).startswith(app.root_path)  # outside the web root
        assert len(list(evidence.path_of(record).parent.iterdir())) == 1  # refused uploads left nothing
