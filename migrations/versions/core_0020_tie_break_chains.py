"""A county's own tie-break chain per program (``program_tie_breaks``), and the chain a round uses,
frozen with its rules (``program_rounds.tie_breaks``): docs/ranking.md "A county's tie-break chain".

Revision ID: core_0020
Revises: core_0019
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

revision = "core_0020"
down_revision = "core_0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "program_tie_breaks",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("program_key", sa.String(length=60), nullable=False),
        sa.Column("chain", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_program_tie_breaks_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "program_key", name=op.f("pk_program_tie_breaks")),
    )
    tenant_table_created("program_tie_breaks")
    # Plain ADD COLUMN, no table copies (the ranking tables' SQLite triggers name their neighbours).
    op.add_column("program_rounds", sa.Column("tie_breaks", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("program_rounds", "tie_breaks")
    tenant_table_dropping("program_tie_breaks")
    op.drop_table("program_tie_breaks")
