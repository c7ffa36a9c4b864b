"""What plugins that do more need of the core's tables: the version of a county's stored plugin
settings (so they are migrated when read after an upgrade), and on program applications a score of
the program's own (an exam score) and a committee's decision on a nomination.

Revision ID: core_0016
Revises: core_0015
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "core_0016"
down_revision = "core_0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, no table copies (the ranking tables' SQLite triggers name their neighbours).
    op.add_column("plugin_enablements", sa.Column("settings_version", sa.BigInteger(), nullable=True))
    op.add_column("program_applications", sa.Column("program_score", sa.Numeric(10, 2), nullable=True))
    op.add_column("program_applications", sa.Column("review_status", sa.String(length=20), nullable=True))
    op.add_column("program_applications", sa.Column("review_reason", sa.Text(), nullable=True))
    op.add_column("program_applications", sa.Column("reviewed_by", sa.BigInteger(), nullable=True))
    op.add_column("program_applications", sa.Column("reviewed_at", sa.DateTime(), nullable=True))


def downgrade() -> None:
    for column in ("reviewed_at", "reviewed_by", "review_reason", "review_status", "program_score"):
        op.drop_column("program_applications", column)
    op.drop_column("plugin_enablements", "settings_version")
