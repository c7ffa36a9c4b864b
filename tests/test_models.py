"""Schema rules of DESIGN.md ("Tenancy") and the migrations that create it."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

import jifen.models  # noqa: F401
from jifen.db.session import Base, is_tenant_scoped


def tenant_tables():
    return [m.local_table for m in Base.registry.mappers if is_tenant_scoped(m.class_)]


def test_there_are_tenant_tables():
    names = {t.name for t in tenant_tables()}
    assert {"users", "plugin_enablements", "audit_events"} <= names


@pytest.mark.parametrize("table", sorted(tenant_tables(), key=lambda t: t.name), ids=lambda t: t.name)
def test_tenant_id_leads_every_key(table):
    assert [c.name for c in table.primary_key.columns][0] == "tenant_id"
    for constraint in table.constraints:
        columns = [c.name for c in getattr(constraint, "columns", [])]
        if columns and constraint is not table.primary_key:
            assert columns[0] == "tenant_id", f"{table.name}: {constraint.name} does not lead with tenant_id"
    for index in table.indexes:
        if index.unique:
            assert [c.name for c in index.columns][0] == "tenant_id"


def test_migrated_database_matches_the_models(app):
    engine = create_engine(app.config["DATABASE_OWNER_URL"])
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_audit_events_are_append_only_in_the_database(app):
    engine = create_engine(app.config["DATABASE_OWNER_URL"])  # even the owner is refused by the trigger
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() > 0
            with pytest.raises(Exception, match="append-only"):
                conn.execute(text("UPDATE audit_events SET actor = 'forged'"))
            conn.rollback()
            with pytest.raises(Exception, match="append-only"):
                conn.execute(text("DELETE FROM audit_events"))
            conn.rollback()
    finally:
        engine.dispose()


def test_a_round_has_at_most_one_current_run_in_the_database(county):
    from datetime import date

    from jifen.models import ProgramRound, RankingRun

    with county("jiashan") as session:
        found = ProgramRound(program_key="hukou_transfer", name="r", opens_on=date(2027, 1, 1),
                             closes_on=date(2027, 1, 31), quota=1)
        session.add(found)
        session.flush()
        session.add(RankingRun(round_id=found.id, seed=1, digest="0" * 64, is_current=True, actor="test"))
        session.add(RankingRun(round_id=found.id, seed=2, digest="1" * 64, is_current=False, actor="test"))
        session.flush()
        session.add(RankingRun(round_id=found.id, seed=3, digest="2" * 64, is_current=True, actor="test"))
        with pytest.raises(Exception, match="(?i)unique"):
            session.flush()
        session.rollback()
