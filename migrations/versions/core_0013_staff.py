"""Staff accounts: a reviewer's departments (one or more), and the password change due at first login.

``users.department`` (one department per user) moves into ``user_departments``.

Revision ID: core_0013
Revises: core_0012
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa

from jifen.db.migration_helpers import tenant_table_created, tenant_table_dropping

revision = "core_0013"
down_revision = "core_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "user_departments",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.BigInteger(), nullable=False),
        sa.Column("department", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"], name=op.f("fk_user_departments_tenant_id_tenants")),
        sa.ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"],
                                name=op.f("fk_user_departments_tenant_id_users"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("tenant_id", "user_id", "department", name=op.f("pk_user_departments")),
    )
    tenant_table_created("user_departments")
    op.execute(
        "INSERT INTO user_departments (tenant_id, user_id, department) "
        "SELECT tenant_id, id, department FROM users WHERE department IS NOT NULL AND role = 'reviewer'"
    )
    # ALTER TABLE, not a batch: SQLite would copy ``users`` into a new table and drop the old one, and
    # dropping it deletes the rows of user_departments (ON DELETE CASCADE) just filled in.
    op.add_column("users", sa.Column("must_change_password", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.drop_column("users", "department")


def downgrade() -> None:
    op.add_column("users", sa.Column("department", sa.String(length=40), nullable=True))
    op.execute(
        "UPDATE users SET department = (SELECT MIN(d.department) FROM user_departments d "
        "WHERE d.tenant_id = users.tenant_id AND d.user_id = users.id)"
    )
    op.drop_column("users", "must_change_password")
    tenant_table_dropping("user_departments")
    op.drop_table("user_departments")
