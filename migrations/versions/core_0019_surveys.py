"""The residents' survey (问卷): surveys, their questions and anonymous answers, one per person.

Revision ID: core_0019
Revises: core_0018
Create Date: 2026-12-06
"""
from __future__ import annotations

from alembic import op
import sqlalchemy as sa

from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

revision = "core_0019"
down_revision = "core_0018"
branch_labels = None
depends_on = None

_CHILDREN = ("survey_questions", "survey_responses", "survey_participants")


def _survey_keys(table: str) -> list:
    return [
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f(f"fk_{table}_tenant_id_tenants")),
        sa.ForeignKeyConstraint(["tenant_id", "survey_id"], ["surveys.tenant_id", "surveys.id"],
                                name=op.f(f"fk_{table}_tenant_id_surveys"), ondelete="CASCADE"),
    ]


def upgrade() -> None:
    op.create_table(
        "surveys",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=True),
        sa.Column("intro_zh", sa.Text(), nullable=True),
        sa.Column("intro_en", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("opens_on", sa.Date(), nullable=True),
        sa.Column("closes_on", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=100), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("published_at", sa.DateTime(), nullable=True),
        sa.Column("closed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_surveys_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_surveys")),
    )
    tenant_table_created("surveys")
    op.create_table(
        "survey_questions",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("survey_id", sa.BigInteger(), nullable=False),
        sa.Column("position", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=True),
        sa.Column("options", sa.JSON(), nullable=False),
        sa.Column("option_source", sa.String(length=20), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        *_survey_keys("survey_questions"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_survey_questions")),
    )
    op.create_index(op.f("ix_survey_questions_survey_id"), "survey_questions", ["survey_id"])
    tenant_table_created("survey_questions")
    op.create_table(
        "survey_responses",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("survey_id", sa.BigInteger(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        *_survey_keys("survey_responses"),
        sa.PrimaryKeyConstraint("tenant_id", "id", name=op.f("pk_survey_responses")),
    )
    op.create_index(op.f("ix_survey_responses_survey_id"), "survey_responses", ["survey_id"])
    tenant_table_created("survey_responses")
    op.create_table(
        "survey_participants",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("survey_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("person_hash", sa.String(length=64), nullable=False),
        *_survey_keys("survey_participants"),
        sa.PrimaryKeyConstraint("tenant_id", "survey_id", "person_hash", name=op.f("pk_survey_participants")),
    )
    tenant_table_created("survey_participants")


def downgrade() -> None:
    for table in reversed(_CHILDREN):
        tenant_table_dropping(table)
        if table != "survey_participants":
            op.drop_index(op.f(f"ix_{table}_survey_id"), table_name=table)
        op.drop_table(table)
    tenant_table_dropping("surveys")
    op.drop_table("surveys")
