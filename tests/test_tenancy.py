"""Tenant scoping: fail closed with no county, never see or write another county's rows."""

import pytest
from sqlalchemy import create_engine, select, text, update

from jifen.db.session import get_session
from jifen.models import AuditEvent, PluginEnablement, User
from jifen.county.tenancy import TenantMismatch, TenantNotBound


def test_orm_query_on_tenant_data_without_a_county_raises(app):
    with app.app_context():
        session = get_session()
        with pytest.raises(TenantNotBound):
            session.scalars(select(User)).all()
        with pytest.raises(TenantNotBound):
            session.get(PluginEnablement, (1, "education"))
        with pytest.raises(TenantNotBound):
            session.execute(update(User).values(role="admin"))


def test_scoped_queries_see_only_the_bound_county(make_user, county):
    a = make_user("jiashan")
    b = make_user("haining")
    with county("jiashan") as session:
        ids = set(session.scalars(select(User.id)))
        assert a.id in ids and b.id not in ids
        # Even an explicit filter on the other county's key finds nothing.
        assert session.scalar(select(User).where(User.id == b.id)) is None
        haining_id = session.scalar(text("SELECT id FROM tenants WHERE slug = 'haining'"))
        assert session.get(User, (haining_id, b.id)) is None
        # Joins and aliases are scoped too.
        from sqlalchemy.orm import aliased

        other = aliased(User)
        assert session.scalar(select(other.id).where(other.id == b.id)) is None
    with county("haining") as session:
        assert set(session.scalars(select(User.id))) == {b.id}


def test_bulk_update_touches_only_the_bound_county(make_user, county):
    a = make_user("jiashan")
    b = make_user("haining")
    with county("jiashan") as session:
        session.execute(update(User).values(language="x"))
        session.commit()
    with county("haining") as session:
        assert session.scalar(select(User.language).where(User.id == b.id)) is None
    with county("jiashan") as session:
        assert session.scalar(select(User.language).where(User.id == a.id)) == "x"


def test_writing_another_countys_row_is_refused(make_user, county):
    make_user("jiashan")
    with county("haining") as session:
        haining_row = session.scalars(select(PluginEnablement)).first()
    with county("jiashan") as session:
        session.add(PluginEnablement(tenant_id=haining_row.tenant_id, plugin_name="smuggled", settings={}))
        with pytest.raises(TenantMismatch):
            session.flush()


def test_new_rows_are_stamped_with_the_bound_county(county):
    with county("haining") as session:
        row = PluginEnablement(plugin_name="stamped", settings={})
        session.add(row)
        session.flush()
        haining_id = session.scalar(text("SELECT id FROM tenants WHERE slug = 'haining'"))
        assert row.tenant_id == haining_id


def test_writes_without_a_county_raise(app):
    with app.app_context():
        session = get_session()
        session.add(PluginEnablement(plugin_name="orphan", settings={}))
        with pytest.raises(TenantNotBound):
            session.flush()


@pytest.mark.postgres_only
def test_row_level_security_stops_raw_sql_reading_another_county(app, make_user):
    """The second wall: raw SQL on the application's role, bound to county A, cannot read county B."""
    make_user("jiashan")
    make_user("haining")
    engine = app.extensions["jifen.db"].engine
    with engine.connect() as conn:
        assert conn.execute(text("SELECT current_user")).scalar() == "jifen_app_test"
        jiashan_id = conn.execute(text("SELECT id FROM tenants WHERE slug = 'jiashan'")).scalar()
        conn.execute(text("SELECT set_config('jifen.tenant_id', :t, true)"), {"t": str(jiashan_id)})
        tenants_seen = set(conn.execute(text("SELECT DISTINCT tenant_id FROM users")).scalars())
        assert tenants_seen == {jiashan_id}
        audit_tenants = set(conn.execute(text("SELECT DISTINCT tenant_id FROM audit_events")).scalars())
        assert audit_tenants == {jiashan_id}
        # Writing a row for the other county is refused by the policy's WITH CHECK.
        haining_id = conn.execute(text("SELECT id FROM tenants WHERE slug = 'haining'")).scalar()
        with pytest.raises(Exception, match="row-level security"):
            conn.execute(text(
                "INSERT INTO plugin_enablements (tenant_id, plugin_name, enabled, settings, updated_at) "
                "VALUES (:t, 'x', true, '{}', now())"), {"t": haining_id})
        conn.rollback()
    with engine.connect() as conn:
        # No county bound at all: nothing is visible.
        assert conn.execute(text("SELECT count(*) FROM users")).scalar() == 0


@pytest.mark.postgres_only
def test_audit_trail_cannot_be_rewritten_by_the_application_role(app, county):
    with county("jiashan") as session:
        with pytest.raises(Exception, match="permission denied|append-only"):
            session.execute(text("UPDATE audit_events SET actor = 'forged'"))
        session.rollback()
        with pytest.raises(Exception, match="permission denied|append-only"):
            session.execute(text("DELETE FROM audit_events"))
        session.rollback()
        assert session.scalar(select(AuditEvent).limit(1)) is not None


def test_a_statement_the_scoping_cannot_see_is_refused(make_user, county):
    from sqlalchemy import func

    from jifen.db.session import UnscopedQuery

    make_user("jiashan")
    make_user("haining")
    with county("jiashan") as session:
        with pytest.raises(UnscopedQuery):
            session.scalar(select(func.count()).select_from(User))
        with pytest.raises(UnscopedQuery):
            session.execute(select(text("1")).select_from(User.__table__))
        assert session.scalar(select(func.count(User.id))) == 1


@pytest.mark.postgres_only
def test_county_policies_read_the_bound_county_once_per_statement(app, make_user):
    """A scalar subquery (an InitPlan), not a function call per row (migration core_0026)."""
    make_user("jiashan")
    owner = create_engine(app.config["DATABASE_OWNER_URL"])
    try:
        with owner.connect() as conn:
            policies = conn.execute(text(
                "SELECT tablename, qual, with_check FROM pg_policies "
                "WHERE schemaname IN ('public', 'jifen_runs') AND policyname LIKE '%county'")).all()
    finally:
        owner.dispose()
    assert len(policies) >= 30
    per_row = [p.tablename for p in policies if "( SELECT" not in p.qual or "( SELECT" not in p.with_check]
    assert per_row == []
    with app.extensions["jifen.db"].engine.connect() as conn:  # the application's role
        conn.execute(text("SELECT set_config('jifen.tenant_id', '1', true)"))
        plan = "\n".join(conn.execute(text("EXPLAIN SELECT count(*) FROM users")).scalars())
    assert "InitPlan" in plan
    assert not [line for line in plan.splitlines() if ("Filter" in line or "Cond" in line) and "current_setting" in line]
