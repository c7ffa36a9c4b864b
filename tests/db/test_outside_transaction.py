"""jifen.db.outside_transaction: one value read on a pooled connection, outside any transaction."""

from __future__ import annotations

from sqlalchemy import bindparam, select

from jifen.db.outside_transaction import value_outside_transaction
from jifen.models import Tenant


def test_reads_one_value_and_none_without_a_row(app):
    engine = app.extensions["jifen.db"].engine
    by_slug = select(Tenant.name_en).where(Tenant.slug == bindparam("slug"))
    assert value_outside_transaction(engine, by_slug, slug="jiashan") == "Jiashan County"
    assert value_outside_transaction(engine, by_slug, slug="haining") != "Jiashan County"
    assert value_outside_transaction(engine, by_slug, slug="nowhere") is None


def test_no_transaction_is_begun_and_the_connection_goes_back_as_it_came(app):
    engine = app.extensions["jifen.db"].engine
    by_id = select(Tenant.slug).where(Tenant.id == bindparam("tenant_id"))
    for _ in range(3):
        assert value_outside_transaction(engine, by_id, tenant_id=1) in ("jiashan", "haining")
    raw = engine.raw_connection()
    try:
        if engine.dialect.name == "postgresql":
            assert raw.driver_connection.autocommit is False  # a session's next transaction is a transaction
            assert raw.driver_connection.info.transaction_status.name == "IDLE"
        else:
            assert not raw.driver_connection.in_transaction
    finally:
        raw.close()


def test_values_come_as_their_column_types_give_them(app):
    """A JSON column is a dict and a timestamp a datetime on both databases, as through a session."""
    from datetime import datetime

    from jifen.db.outside_transaction import row_outside_transaction

    engine = app.extensions["jifen.db"].engine
    row = row_outside_transaction(engine, select(Tenant.settings, Tenant.created_at, Tenant.slug)
                                  .where(Tenant.slug == bindparam("slug")), slug="jiashan")
    assert isinstance(row[0], dict) and isinstance(row[1], datetime) and row[2] == "jiashan"
