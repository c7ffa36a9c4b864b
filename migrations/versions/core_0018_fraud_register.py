"""The fraud register (弄虚作假): findings of false materials that bar an applicant for the county's period.

Revision ID: core_0018
Revises: core_0017
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

revision = "core_0018"
down_revision = "core_0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fraud_findings",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("item_id", sa.BigInteger(), nullable=True),
        sa.Column("concerns_reference", sa.String(length=20), nullable=True),
        sa.Column("found_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("found_by", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("withdrawn_reason", sa.Text(), nullable=True),
        sa.Column("withdrawn_by", sa.String(length=100), nullable=True),
        sa.Column("withdrawn_at", sa.DateTime(), nullable=True),
        sa.Column("evidence_name", sa.String(length=200), nullable=True),
        sa.Column("evidence_type", sa.String(length=50), nullable=True),
        sa.Column("evidence_key", sa.String(length=80), nullable=True),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_fraud_findings_tenant_id_tenants")),
        sa.ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                                name=op.f("fk_fraud_findings_tenant_id_user_id_users")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_fraud_findings")),
    )
    op.create_index("ix_fraud_findings_user", "fraud_findings", ["tenant_id", "user_id"])
    op.create_index("uq_fraud_findings_reference", "fraud_findings", ["tenant_id", "reference"], unique=True)
    tenant_table_created("fraud_findings")


def downgrade() -> None:
    tenant_table_dropping("fraud_findings")
    op.drop_index("uq_fraud_findings_reference", table_name="fraud_findings")
    op.drop_index("ix_fraud_findings_user", table_name="fraud_findings")
    op.drop_table("fraud_findings")
