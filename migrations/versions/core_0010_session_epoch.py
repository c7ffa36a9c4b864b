"""Sessions that end on the server: an account's session epoch, part of every login session id.

Logging out moves the epoch on, so a copy of the old session cookie opens nothing any more.

Revision ID: core_0010
Revises: core_0009
Create Date: 2026-12-02
"""
import sqlalchemy as sa
from alembic import op

revision = "core_0010"
down_revision = "core_0009"
branch_labels = None
depends_on = None

TABLES = ("users", "platform_admins")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("session_epoch", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("session_epoch")
