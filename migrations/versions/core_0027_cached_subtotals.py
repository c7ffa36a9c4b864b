"""``applications.subtotals``: the points per category and item type, cached with the total.

A ranking's tie-breaks are subtotals of an application's points (a category, an item type). The
snapshot summed them from the ledger for every application of the round: at 2,000,000 applications
an aggregate of several million ledger rows that spilled to disk, about half of the snapshot's time.
The ledger's writer (``jifen.points.ledger._write``) now caches them with the total, from the same
breakdown, as ``{"c:<category>": "12.50", "t:<item type>": "8.00"}``; this revision fills them for
the applications already scored, from their ledger rows of their own rule version. On PostgreSQL the
column is ``jsonb``: reading three keys of a ``json`` text per row cost a third of the snapshot.

Revision ID: core_0027
Revises: core_0026
Create Date: 2026-12-07
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "core_0027"
down_revision = "core_0026"
branch_labels = None
depends_on = None

_SUMS = """
    SELECT tenant_id, application_id, rule_version, 'c:' || category AS name, sum(points) AS points
    FROM ledger_entries WHERE category <> '' GROUP BY tenant_id, application_id, rule_version, category
    UNION ALL
    SELECT tenant_id, application_id, rule_version, 't:' || item_type, sum(points)
    FROM ledger_entries WHERE item_type <> '' GROUP BY tenant_id, application_id, rule_version, item_type
"""


def upgrade() -> None:
    # Not a batch (a copy of the table): SQLite adds and drops a column in place, and other tables point here.
    op.add_column("applications", sa.Column("subtotals", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            UPDATE applications a SET subtotals = s.cached
            FROM (SELECT tenant_id, application_id, rule_version,
                         jsonb_object_agg(name, CAST(CAST(points AS NUMERIC(12, 2)) AS TEXT)) AS cached
                  FROM ({_SUMS}) AS sums GROUP BY tenant_id, application_id, rule_version) AS s
            WHERE s.tenant_id = a.tenant_id AND s.application_id = a.id AND s.rule_version = a.rule_version
              AND a.total_points IS NOT NULL""")
    else:
        op.execute(f"""
            UPDATE applications SET subtotals = (
                SELECT json_group_object(name, printf('%.2f', points)) FROM ({_SUMS}) AS sums
                WHERE sums.tenant_id = applications.tenant_id AND sums.application_id = applications.id
                  AND sums.rule_version = applications.rule_version)
            WHERE total_points IS NOT NULL AND rule_version IS NOT NULL""")
    # Scored but without ledger rows (nothing verified counted): no subtotal, not unknown ones.
    op.execute("UPDATE applications SET subtotals = '{}' "
               "WHERE subtotals IS NULL AND total_points IS NOT NULL AND rule_version IS NOT NULL")


def downgrade() -> None:
    op.drop_column("applications", "subtotals")
