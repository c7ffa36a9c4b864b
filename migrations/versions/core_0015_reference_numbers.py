"""Reference numbers people read aloud (JS-2027-000123) for points applications, program applications and
objections; ranking runs say what their digest lines name an application by.

Existing rows get their numbers here, per county and year in the order they were made, and the counters
go on from there. Runs made before keep digest format 1 (internal ids) and keep verifying as they are.

Revision ID: core_0015
Revises: core_0014
Create Date: 2026-12-06
"""
from __future__ import annotations

import json
import re

from alembic import op
import sqlalchemy as sa

from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

revision = "core_0015"
down_revision = "core_0014"
branch_labels = None
depends_on = None

# (table, the column whose year a number takes)
NUMBERED = (("applications", "submitted_at"), ("program_applications", "applied_at"), ("objections", "created_at"))


def _prefix(slug: str, settings) -> str:
    """As jifen.references.prefix_of (kept here as it is today: a migration does not follow later code)."""
    if isinstance(settings, str):
        settings = json.loads(settings or "{}")
    chosen = str((settings or {}).get("reference_prefix") or "").strip().upper()
    return chosen if re.fullmatch(r"[A-Z]{2,4}", chosen) else re.sub(r"[^A-Z]", "", slug.upper())[:2].ljust(2, "X")


def upgrade() -> None:
    # Plain ADD COLUMN and unique indexes, no table copies: SQLite's triggers on the ranking tables
    # (core_0007) name ranking_runs, and a copied table would break them.
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.create_table(
        "reference_counters",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("last", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_reference_counters_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "year", name=op.f("pk_reference_counters")),
    )
    tenant_table_created("reference_counters")
    for table, _when in NUMBERED:
        listed = table == "program_applications"  # every one is on a list by its number: NOT NULL
        if listed and sqlite:  # SQLite adds a NOT NULL column only with a default; the numbers follow below
            op.add_column(table, sa.Column("reference", sa.String(length=20), nullable=False, server_default=""))
        else:
            op.add_column(table, sa.Column("reference", sa.String(length=20), nullable=True))
    op.add_column("ranking_runs", sa.Column("digest_format", sa.BigInteger(), server_default="1", nullable=False))
    _number_existing_rows()
    if not sqlite:
        op.alter_column("program_applications", "reference", existing_type=sa.String(length=20), nullable=False)
    for table, _when in NUMBERED:
        op.create_index(f"uq_{table}_reference", table, ["tenant_id", "reference"], unique=True)


def _number_existing_rows() -> None:
    """Every existing application and objection gets its number (a submitted points application only)."""
    bind = op.get_bind()
    counters: dict[tuple[int, int], int] = {}
    tenants = bind.execute(sa.text("SELECT id, slug, settings FROM tenants")).all()
    for tenant_id, slug, settings in tenants:
        prefix = _prefix(slug, settings)
        rows = []
        for table, when in NUMBERED:
            rows += [(made, table, row_id) for row_id, made in bind.execute(sa.text(
                f"SELECT id, {when} FROM {table} WHERE tenant_id = :t AND {when} IS NOT NULL"), {"t": tenant_id})]
        for made, table, row_id in sorted(rows, key=lambda r: (str(r[0]), r[2])):
            year = int(str(made)[:4])
            number = counters[(tenant_id, year)] = counters.get((tenant_id, year), 0) + 1
            bind.execute(sa.text(f"UPDATE {table} SET reference = :ref WHERE tenant_id = :t AND id = :id"),
                         {"ref": f"{prefix}-{year}-{number:06d}", "t": tenant_id, "id": row_id})
    for (tenant_id, year), last in counters.items():
        bind.execute(sa.text("INSERT INTO reference_counters (tenant_id, year, last) VALUES (:t, :y, :n)"),
                     {"t": tenant_id, "y": year, "n": last})


def downgrade() -> None:
    op.execute("ALTER TABLE ranking_runs DROP COLUMN digest_format")  # no table copy (see upgrade)
    for table, _when in reversed(NUMBERED):
        op.drop_index(f"uq_{table}_reference", table_name=table)
        op.execute(f"ALTER TABLE {table} DROP COLUMN reference")
    tenant_table_dropping("reference_counters")
    op.drop_table("reference_counters")
