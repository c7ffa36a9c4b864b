"""A decision keeps the declaration it was made on, so the reviewer sees what changed since, field by field.

Revision ID: core_0014
Revises: core_0013
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa

revision = "core_0014"
down_revision = "core_0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Decisions made before this revision have none: their page says the change, not the values.
    op.add_column("item_reviews", sa.Column("input", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("item_reviews", "input")
