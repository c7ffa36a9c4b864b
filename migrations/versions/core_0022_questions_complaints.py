"""Questions and complaints (咨询投诉): the cases, and the codes that prove a mobile number (docs/complaints.md).

Revision ID: core_0022
Revises: core_0021
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

revision = "core_0022"
down_revision = "core_0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "complaints",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("topic", sa.String(length=12), nullable=False),
        sa.Column("program_key", sa.String(length=60), nullable=True),
        sa.Column("round_id", sa.BigInteger(), nullable=True),
        sa.Column("publication_id", sa.BigInteger(), nullable=True),
        sa.Column("objection_id", sa.BigInteger(), nullable=True),
        sa.Column("in_objection_period", sa.Boolean(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=True),
        sa.Column("mobile_encrypted", sa.LargeBinary(), nullable=True),
        sa.Column("mobile_hash", sa.String(length=64), nullable=True),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("visibility", sa.String(length=12), nullable=True),
        sa.Column("answered_by", sa.String(length=100), nullable=True),
        sa.Column("answered_at", sa.DateTime(), nullable=True),
        sa.Column("first_answered_on", sa.Date(), nullable=True),
        sa.Column("answered_in_time", sa.Boolean(), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.Column("reopened_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_complaints_tenant_id_tenants")),
        sa.ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                                name=op.f("fk_complaints_tenant_id_user_id_users")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_complaints")),
    )
    op.create_index("uq_complaints_reference", "complaints", ["tenant_id", "reference"], unique=True)
    for column in ("user_id", "mobile_hash", "department"):
        op.create_index(op.f(f"ix_complaints_{column}"), "complaints", [column])
    tenant_table_created("complaints")
    op.create_table(
        "complaint_codes",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("mobile_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("used_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_complaint_codes_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_complaint_codes")),
    )
    op.create_index(op.f("ix_complaint_codes_mobile_hash"), "complaint_codes", ["mobile_hash"])
    tenant_table_created("complaint_codes")


def downgrade() -> None:
    tenant_table_dropping("complaint_codes")
    op.drop_index(op.f("ix_complaint_codes_mobile_hash"), table_name="complaint_codes")
    op.drop_table("complaint_codes")
    tenant_table_dropping("complaints")
    for column in ("user_id", "mobile_hash", "department"):
        op.drop_index(op.f(f"ix_complaints_{column}"), table_name="complaints")
    op.drop_index("uq_complaints_reference", table_name="complaints")
    op.drop_table("complaints")
