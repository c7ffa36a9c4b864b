"""Staff accounts (jifen.identity.staff and the departments of jifen.identity.accounts): a reviewer's
several departments, the initial password, deactivation, the last administrator, and core_0013, which
moved each user's one department into user_departments."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, select, text

from jifen.identity import accounts, passwords, staff
from jifen.identity.national_id import check_digit
from jifen.models import AuditEvent, DeclaredItem, Message, User, UserDepartment
from jifen.models.application import ITEM_PENDING
from tests.exchange.helpers import EDUCATION, SKILL, submitted


def _id(serial: int) -> str:
    first17 = f"33042119800101{serial:03d}"
    return first17 + check_digit(first17)


def _invite(session, role="reviewer", departments=("education",), serial=1):
    return staff.invite(session, real_name="周审核", id_number=_id(serial), mobile=f"138000011{serial:02d}",
                        role=role, departments=departments, actor="test")


def test_an_invited_account_gets_a_strong_initial_password_to_change_and_only_staff_roles(county):
    with county("jiashan") as session:
        user, password = _invite(session, departments=["human_resources", "education"])
        assert passwords.weakness(password, user.mobile) is None and len(password) == 14
        assert passwords.verify_password(user.password_hash, password) and user.must_change_password
        assert user.departments == ("education", "human_resources")  # in the county's order
        with pytest.raises(accounts.AccountError) as refused:
            _invite(session, role="applicant", serial=2)
        assert refused.value.field == "role"
        with pytest.raises(accounts.AccountError) as unknown:
            _invite(session, departments=["education", "navy"], serial=3)
        assert unknown.value.field == "department"
        accounts.change_password(session, user, password, "Own-choice-2027-x")
        assert not user.must_change_password


def test_changing_departments_keeps_the_kept_ones_and_audits_before_and_after(county, make_user):
    someone = make_user("jiashan", role="reviewer", departments=("education", "health"))
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == someone.id))
        assert accounts.set_role(session, user, "reviewer", ["health", "taxation"], actor="test")
        assert not accounts.set_role(session, user, "reviewer", ["taxation", "health"], actor="test")
        session.commit()
        rows = session.scalars(select(UserDepartment.department).where(UserDepartment.user_id == user.id)).all()
        assert sorted(rows) == ["health", "taxation"]
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "user.role_changed")).one()
        assert event.details == {"before": {"role": "reviewer", "departments": ["education", "health"]},
                                 "after": {"role": "reviewer", "departments": ["health", "taxation"]}}
        accounts.set_role(session, user, "admin", None, actor="test")
        session.commit()
        assert session.scalars(select(UserDepartment).where(UserDepartment.user_id == user.id)).all() == []


def test_deactivating_ends_sessions_and_spares_the_last_administrator(county, make_user):
    first, second = make_user("jiashan", role="admin"), make_user("jiashan", role="admin")
    with county("jiashan") as session:
        one = session.scalar(select(User).where(User.id == first.id))
        two = session.scalar(select(User).where(User.id == second.id))
        session_id = two.get_id()
        assert staff.deactivate(session, two, actor=one.actor)
        assert not two.is_active and two.get_id() != session_id
        assert not staff.deactivate(session, two, actor=one.actor)
        for change in (lambda: staff.deactivate(session, one, actor=two.actor),
                       lambda: accounts.set_role(session, one, "applicant", None, actor="test")):
            with pytest.raises(accounts.AccountError) as refused:
                change()
            assert "last active administrator" in str(refused.value.message)
        with pytest.raises(accounts.AccountError):
            staff.deactivate(session, one, actor=one.actor)  # not one's own account either
        assert staff.reactivate(session, two, actor=one.actor)
        assert staff.deactivate(session, one, actor=two.actor)
        session.commit()
        assert accounts.authenticate(session, first.mobile, first.password) is None


def test_a_reviewer_of_two_departments_hears_of_the_due_items_of_both(app, county, make_user, on_day):
    from jifen.programs import deadlines

    on_day(date(2027, 6, 1))
    reviewer = make_user("jiashan", role="reviewer", departments=("education", "human_resources"))
    only_health = make_user("jiashan", role="reviewer", department="health")
    made = submitted(county, make_user, "jiashan", ("education", EDUCATION), ("skill", SKILL))
    with county("jiashan") as session:
        for item in session.scalars(select(DeclaredItem).where(DeclaredItem.id.in_(made["items"]))):
            item.status, item.due_on = ITEM_PENDING, date(2027, 6, 2)
        session.commit()
        assert deadlines.remind_departments(session) == 1
        [reminder] = session.scalars(select(Message).where(Message.kind == "review.due")).all()
        assert reminder.user_id == reviewer.id and reminder.user_id != only_health.id
        assert reminder.params["count"] == 2


@pytest.mark.sqlite_only  # on PostgreSQL the tests share one database: it stays at the newest revision
def test_core_0013_moves_each_reviewers_department_and_back(app, county, make_user):
    from jifen.db import migrations

    someone = make_user("jiashan", role="reviewer", department="education")
    app.extensions["jifen.db"].dispose()
    migrations.downgrade(app, "core_0012")
    engine = create_engine(app.config["DATABASE_OWNER_URL"])
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT department FROM users WHERE id = :i"), {"i": someone.id}).scalar() == "education"
        with engine.begin() as conn:
            conn.execute(text("UPDATE users SET department = 'health' WHERE id = :i"), {"i": someone.id})
        migrations.upgrade(app)
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT department FROM user_departments WHERE user_id = :i"),
                                {"i": someone.id}).scalars().all()
    finally:
        engine.dispose()
    assert rows == ["health"]
    app.extensions["jifen.db"].dispose()  # the application's connections predate the new tables
    with county("jiashan") as session:
        assert session.scalar(select(User).where(User.id == someone.id)).departments == ("health",)
