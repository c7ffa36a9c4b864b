"""Revisions: stamps the database changes with every change to a county's plugins, rounds or publications, or to the county list

Each process keeps a county's County context (enabled plugins, settings, the programs and score items
they give), its landing page, its program pages and its published lists, and reads only the stamps
per request to know they are still current. Triggers set the stamps, so every write reaches them: the admin pages, `jifen
tenants load`, a script in psql. A stamp is never reused, not even after a rolled-back change
(PostgreSQL: a sequence; SQLite: 63 random bits), so what was kept from a transaction that was rolled
back can never pass for a later state. The list of counties at / has its stamp in platform_revisions.

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
# The table whose writes change a revision -> the tenants column that holds it.
_WATCHED = {"plugin_enablements": "plugins_revision", "program_rounds": "rounds_revision",
            "publications": "publications_revision"}
# What the county list at / shows of each county. (Its stamp's row is written again if missing: a test
# kit that empties every table between tests.)
_LISTED = "slug, name_zh, name_en"


def upgrade() -> None:
    for column in _WATCHED.values():
        op.add_column("tenants", sa.Column(column, sa.BigInteger(), nullable=False, server_default="0"))
    op.create_table(
        "platform_revisions",
        sa.Column("name", sa.String(40), primary_key=True),
        sa.Column("value", sa.BigInteger(), nullable=False, server_default="0"),
    )
    op.execute("INSERT INTO platform_revisions (name, value) VALUES ('counties', 0)")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE SEQUENCE tenant_revisions")
        # Once per statement and county, not per row: loading a county's folder writes a row per plugin,
        # and each update of a tenants row leaves a dead copy behind until the table is vacuumed.
        op.execute(
            "CREATE FUNCTION jifen_new_tenant_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "EXECUTE format('UPDATE tenants SET %I = nextval(''tenant_revisions'') "
            "WHERE id IN (SELECT DISTINCT tenant_id FROM changed)', TG_ARGV[0]); RETURN NULL; END $$"
        )
        for table, column in _WATCHED.items():
            for event in _EVENTS:
                rows = "OLD" if event == "delete" else "NEW"
                op.execute(
                    f"CREATE TRIGGER {table}_revision_{event} AFTER {event.upper()} ON {table} "
                    f"REFERENCING {rows} TABLE AS changed FOR EACH STATEMENT "
                    f"EXECUTE FUNCTION jifen_new_tenant_revision('{column}')"
                )
        op.execute(
            "CREATE FUNCTION jifen_new_counties_revision() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "INSERT INTO platform_revisions (name, value) VALUES ('counties', nextval('tenant_revisions')) "
            "ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value; RETURN NULL; END $$"
        )
        op.execute(
            f"CREATE TRIGGER tenants_listed AFTER INSERT OR DELETE OR UPDATE OF {_LISTED} ON tenants "
            "FOR EACH STATEMENT EXECUTE FUNCTION jifen_new_counties_revision()"
        )
    elif dialect == "sqlite":
        for table, column in _WATCHED.items():
            for event in _EVENTS:
                row = "OLD" if event == "delete" else "NEW"
                op.execute(
                    f"CREATE TRIGGER {table}_revision_{event} AFTER {event.upper()} ON {table} "
                    f"BEGIN UPDATE tenants SET {column} = random() WHERE id = {row}.tenant_id; END"
                )
        for event in ("INSERT", "DELETE", f"UPDATE OF {_LISTED}"):
            op.execute(
                f"CREATE TRIGGER tenants_listed_{event.split()[0].lower()} AFTER {event} ON tenants "
                "BEGIN INSERT OR REPLACE INTO platform_revisions (name, value) VALUES ('counties', random()); END"
            )


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for table in _WATCHED:
        for event in _EVENTS:
            on = f" ON {table}" if dialect == "postgresql" else ""
            op.execute(f"DROP TRIGGER IF EXISTS {table}_revision_{event}{on}")
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tenants_listed ON tenants")
        op.execute("DROP FUNCTION IF EXISTS jifen_new_counties_revision()")
        op.execute("DROP FUNCTION IF EXISTS jifen_new_tenant_revision()")
        op.execute("DROP SEQUENCE IF EXISTS tenant_revisions")
    else:
        for event in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS tenants_listed_{event}")
    op.drop_table("platform_revisions")
    # Not a batch (a copy of tenants): SQLite drops a column in place, and other tables point at tenants.
    for column in _WATCHED.values():
        op.drop_column("tenants", column)
