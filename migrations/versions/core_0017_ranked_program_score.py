"""A program's own ranking score in the ranking's records: the score each snapshot row ranked with
(``ranking_inputs.program_score``, so that a run is verified and explained from its snapshot alone), and
the terms of the score frozen with a round's rules (``program_rounds.ranking_terms``: points factor,
cap and pass mark), docs/ranking.md "A program's own ranking score".

Revision ID: core_0017
Revises: core_0016
Create Date: 2026-12-07
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

revision = "core_0017"
down_revision = "core_0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN, no table copies (the ranking tables' SQLite triggers name their neighbours).
    op.add_column("ranking_inputs", sa.Column("program_score", sa.Numeric(10, 2), nullable=True))
    op.add_column("program_rounds", sa.Column("ranking_terms", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("program_rounds", "ranking_terms")
    op.drop_column("ranking_inputs", "program_score")
