"""Helpers for Alembic revisions of the core and of plugins that own tenant tables.

Call :func:`tenant_table_created` after creating a tenant-owned table: on PostgreSQL it switches on
row-level security with the county policy (the second wall behind the ORM scoping).
"""

from __future__ import annotations

from jifen.db.session import RLS_SETTING

# ``alembic.op`` is imported in each helper, not at the top: the toolkit re-exports these
# helpers, and every command of `jifen` that loads the plugins would otherwise import Alembic.

# A scalar subquery, so that PostgreSQL reads the setting once per statement (an InitPlan), not once
# per row: on a scan of millions of rows the policy otherwise costs more than the scan (core_0026).
_TENANT_EXPR = f"(SELECT NULLIF(current_setting('{RLS_SETTING}', true), '')::integer)"


def tenant_table_created(table: str) -> None:
    from alembic import op

    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
    op.execute(
        f"CREATE POLICY {table}_county ON {table} "
        f"USING (tenant_id = {_TENANT_EXPR}) WITH CHECK (tenant_id = {_TENANT_EXPR})"
    )


def tenant_table_dropping(table: str) -> None:
    from alembic import op

    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP POLICY IF EXISTS {table}_county ON {table}")


def make_append_only(table: str) -> None:
    """Refuse UPDATE and DELETE on ``table`` with triggers (both dialects)."""
    from alembic import op

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION jifen_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$"
        )
        op.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION jifen_append_only()"
        )
    elif dialect == "sqlite":
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER {table}_no_{event.lower()} BEFORE {event} ON {table} "
                f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END"
            )


def drop_append_only(table: str) -> None:
    from alembic import op

    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    elif dialect == "sqlite":
        for event in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_{event}")
