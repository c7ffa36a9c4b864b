"""Ranking snapshots and results without foreign keys (decision 0010).

PostgreSQL checks a foreign key with one query per inserted row; for the millions of rows a run
writes in one INSERT ... SELECT, under the run row it created in the same transaction, those
checks cost as much as the ranking itself.

Revision ID: core_0007
Revises: core_0006
Create Date: 2026-11-27
"""
from alembic import op

revision = "core_0007"
down_revision = "core_0006"
branch_labels = None
depends_on = None

TABLES = ("ranking_inputs", "ranking_results")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_tenant_id_run_id_ranking_runs", type_="foreignkey")
            batch.drop_constraint(f"fk_{table}_tenant_id_tenants", type_="foreignkey")


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.create_foreign_key(f"fk_{table}_tenant_id_tenants", "tenants", ["tenant_id"], ["id"])
            batch.create_foreign_key(f"fk_{table}_tenant_id_run_id_ranking_runs", "ranking_runs",
                                     ["tenant_id", "run_id"], ["tenant_id", "id"])
