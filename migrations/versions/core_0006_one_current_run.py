"""At most one current ranking run per round (partial unique index).

Revision ID: core_0006
Revises: core_0005
Create Date: 2026-11-27
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0006"
down_revision = "core_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("uq_ranking_runs_current", "ranking_runs", ["tenant_id", "round_id"], unique=True,
                    postgresql_where=sa.text("is_current"), sqlite_where=sa.text("is_current"))


def downgrade() -> None:
    op.drop_index("uq_ranking_runs_current", table_name="ranking_runs")
