"""The county policies read the bound county once per statement, not once per row (PostgreSQL).

Every tenant table's row-level security policy compared ``tenant_id`` with
``NULLIF(current_setting('jifen.tenant_id', true), '')::integer``: a function call per row read or
written. As a scalar subquery, ``(SELECT NULLIF(...)::integer)``, PostgreSQL evaluates it once per
statement (an InitPlan) and compares a constant. Same meaning, same rows: only the cost changes.
Measured on 2,000,000 rows, ``SELECT count(*)`` as the application's role took 627 ms with the
per-row form and 208 ms with this one (the owner, without any policy: 199-222 ms). A ranking run's
snapshot reads four tables of such size.

Every policy made by ``jifen.db.migration_helpers.tenant_table_created`` (named ``<table>_county``),
the core's and plugins' alike, is rewritten; the helper writes the new form from now on.

Revision ID: core_0026
Revises: core_0025
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op

revision = "core_0026"
down_revision = "core_0025"
branch_labels = None
depends_on = None

_PER_ROW = "NULLIF(current_setting('jifen.tenant_id', true), '')::integer"
_PER_STATEMENT = f"(SELECT {_PER_ROW})"


def _rewrite(expression: str) -> None:
    quoted = expression.replace("'", "''")
    op.execute(f"""
        DO $$ DECLARE policy RECORD; BEGIN
            FOR policy IN SELECT p.schemaname, p.tablename, p.policyname FROM pg_policies p
                          WHERE p.schemaname = 'public' AND p.policyname = p.tablename || '_county' LOOP
                EXECUTE format('ALTER POLICY %I ON %I.%I USING (tenant_id = {quoted}) WITH CHECK (tenant_id = {quoted})',
                               policy.policyname, policy.schemaname, policy.tablename);
            END LOOP;
        END $$""")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rewrite(_PER_STATEMENT)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _rewrite(_PER_ROW)
