"""Rule versions and the points ledger.

A county's scoring rules (each enabled score item's settings and the county's scoring settings)
are versioned: a change makes a new version and never rewrites old ledger rows. The ledger holds
one row per confirmed item and rule version; an application's total is derived from its rows.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKeyConstraint, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.session import Base, TenantScoped, utcnow
from jifen.db.ids import new_id
from jifen.models.application import POINTS


class RuleVersion(TenantScoped, Base):
    __tablename__ = "rule_versions"

    version: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    rules: Mapped[dict] = mapped_column(JSON)  # {"items": {key: settings}, "scoring": {...}}
    actor: Mapped[str] = mapped_column(String(100))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LedgerEntry(TenantScoped, Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "application_id"], ["applications.tenant_id", "applications.id"]),
        ForeignKeyConstraint(["tenant_id", "item_id"], ["declared_items.tenant_id", "declared_items.id"]),
        ForeignKeyConstraint(["tenant_id", "rule_version"], ["rule_versions.tenant_id", "rule_versions.version"]),
        UniqueConstraint("tenant_id", "application_id", "item_id", "rule_version"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    application_id: Mapped[int]
    item_id: Mapped[int]
    item_type: Mapped[str] = mapped_column(String(60))
    category: Mapped[str] = mapped_column(String(40))
    rule_version: Mapped[int]
    points: Mapped[Decimal] = mapped_column(POINTS)  # what counts, after highest-only, caps and groups
    raw_points: Mapped[Decimal] = mapped_column(POINTS)  # what the item alone is worth
    note: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
