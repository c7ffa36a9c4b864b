"""Budget quotas: a round whose quota is money (docs/ranking.md "Budget quotas").

``program_applications.amount``: the grant an application asks for, fixed when it is submitted;
``ranking_inputs.amount`` / ``ranking_results.amount``: the same, frozen in a run's snapshot and
results; ``program_rounds.budget_leftover``: what happens when a grant no longer fits the money left
(``skip``: a smaller grant below it may still be paid; ``stop``: the allocation stops there).

Revision ID: core_0021
Revises: core_0020
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "core_0021"
down_revision = "core_0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, no table copies (the ranking tables' SQLite triggers name their neighbours).
    op.add_column("program_rounds", sa.Column("budget_leftover", sa.String(length=10), nullable=True))
    op.add_column("program_applications", sa.Column("amount", sa.Numeric(12, 2), nullable=True))
    op.add_column("ranking_inputs", sa.Column("amount", sa.Numeric(12, 2), nullable=True))
    op.add_column("ranking_results", sa.Column("amount", sa.Numeric(12, 2), nullable=True))


def downgrade() -> None:
    op.drop_column("ranking_results", "amount")
    op.drop_column("ranking_inputs", "amount")
    op.drop_column("program_applications", "amount")
    op.drop_column("program_rounds", "budget_leftover")
