"""Stored files: evidence and kept imports in the database, shared by every application server.

Revision ID: core_0012
Revises: core_0011
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa

from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

revision = "core_0012"
down_revision = "core_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "stored_files",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=250), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_stored_files_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=op.f("pk_stored_files")),
    )
    tenant_table_created("stored_files")


def downgrade() -> None:
    tenant_table_dropping("stored_files")
    op.drop_table("stored_files")
