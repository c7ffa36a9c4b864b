"""A county's plugins revision: a stamp the database changes with every change to its plugin switches and settings

Each process keeps the County context of a county (enabled plugins, settings, the programs and score
items they give) and reads only this stamp per request to know it is still current. Triggers set it,
so every write reaches it: the admin pages, `jifen tenants load`, a script in psql. The stamp is never
reused, not even after a rolled-back change (PostgreSQL: a sequence; SQLite: 63 random bits), so a
context kept from a transaction that was rolled back can never pass for a later state.

Revision ID: core_0024
Revises: core_0023
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "core_0024"
down_revision = "core_0023"
branch_labels = None
depends_on = None

_EVENTS = ("insert", "update", "delete")


def upgrade() -> None:
    op.add_column("tenants", sa.Column("plugins_revision", sa.BigInteger(), nullable=False, server_default="0"))
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE SEQUENCE tenant_plugins_revisions")
        # Once per statement and county, not per row: loading a county's folder writes a row per plugin,
        # and each update of a tenants row leaves a dead copy behind until the table is vacuumed.
        op.execute(
            "CREATE FUNCTION jifen_bump_plugins_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "UPDATE tenants SET plugins_revision = nextval('tenant_plugins_revisions') "
            "WHERE id IN (SELECT DISTINCT tenant_id FROM changed); RETURN NULL; END $$"
        )
        for event in _EVENTS:
            rows = "OLD" if event == "delete" else "NEW"
            op.execute(
                f"CREATE TRIGGER plugin_enablements_revision_{event} AFTER {event.upper()} ON plugin_enablements "
                f"REFERENCING {rows} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION jifen_bump_plugins_revision()"
            )
    elif dialect == "sqlite":
        for event in _EVENTS:
            row = "OLD" if event == "delete" else "NEW"
            op.execute(
                f"CREATE TRIGGER plugin_enablements_revision_{event} AFTER {event.upper()} ON plugin_enablements "
                f"BEGIN UPDATE tenants SET plugins_revision = random() WHERE id = {row}.tenant_id; END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS plugin_enablements_revision_{event} ON plugin_enablements")
        op.execute("DROP FUNCTION IF EXISTS jifen_bump_plugins_revision()")
        op.execute("DROP SEQUENCE IF EXISTS tenant_plugins_revisions")
    elif dialect == "sqlite":
        for event in _EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS plugin_enablements_revision_{event}")
    # Not a batch (a copy of tenants): SQLite drops a column in place, and other tables point at tenants.
    op.drop_column("tenants", "plugins_revision")
