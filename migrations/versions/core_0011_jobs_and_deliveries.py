"""Background jobs, message deliveries per channel, and what an applicant chose for messages.

Revision ID: core_0011
Revises: core_0010
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa

from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

revision = "core_0011"
down_revision = "core_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("kind", sa.String(length=60), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("phase", sa.String(length=40), nullable=True),
        sa.Column("done", sa.BigInteger(), nullable=True),
        sa.Column("total", sa.BigInteger(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=100), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=True),
        sa.Column("target_id", sa.BigInteger(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=True),
        sa.Column("finished_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_jobs_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_jobs")),
    )
    op.create_index("ix_jobs_tenant_id_target", "jobs", ["tenant_id", "target_type", "target_id"])
    tenant_table_created("jobs")
    with op.batch_alter_table("messages") as batch:
        batch.add_column(sa.Column("kind", sa.String(length=60), nullable=True))
        batch.add_column(sa.Column("params", sa.JSON(), nullable=True))
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("language", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("channels", sa.JSON(), nullable=True))
    op.create_table(
        "deliveries",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("message_id", sa.BigInteger(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("reference", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_deliveries_tenant_id_tenants")),
        sa.ForeignKeyConstraint(["tenant_id", "message_id"], ["messages.tenant_id", "messages.id"],
                                name=op.f("fk_deliveries_tenant_id_messages")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_deliveries")),
    )
    op.create_index(op.f("ix_deliveries_message_id"), "deliveries", ["message_id"])
    tenant_table_created("deliveries")


def downgrade() -> None:
    tenant_table_dropping("deliveries")
    op.drop_table("deliveries")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("channels")
        batch.drop_column("language")
        batch.drop_column("email")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("params")
        batch.drop_column("kind")
    tenant_table_dropping("jobs")
    op.drop_table("jobs")
