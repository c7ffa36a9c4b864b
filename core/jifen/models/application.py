"""A points application: the items an applicant declares, their evidence, review and history."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, ForeignKeyConstraint, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.session import Base, TenantScoped, utcnow
from jifen.db.ids import new_id

POINTS = Numeric(10, 2)

# Application statuses, in the order an application usually passes them.
DRAFT, SUBMITTED, SUPPLEMENT, CONFIRMED, RECHECK = "draft", "submitted", "supplement_requested", "confirmed", "recheck_requested"
APPLICATION_STATUSES = (DRAFT, SUBMITTED, SUPPLEMENT, CONFIRMED, RECHECK)
# Item statuses: declared in a draft, then in a department's queue until decided.
ITEM_DECLARED, ITEM_PENDING, ITEM_SUPPLEMENT, ITEM_VERIFIED, ITEM_REJECTED = (
    "declared", "pending", "supplement_requested", "verified", "rejected")


class Application(TenantScoped, Base):
    __tablename__ = "applications"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        UniqueConstraint("tenant_id", "user_id"),
        Index("uq_applications_reference", "tenant_id", "reference", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    user_id: Mapped[int]
    # A number people read aloud and type (JS-2027-000123: jifen.references), unique in the county.
    reference: Mapped[str | None] = mapped_column(String(20), nullable=True)
    status: Mapped[str] = mapped_column(String(30), default=DRAFT)
    submitted_at: Mapped[datetime | None] = mapped_column(nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # Derived from the ledger (sum of the current rule version's rows, floored), cached here.
    total_points: Mapped[Decimal | None] = mapped_column(POINTS, nullable=True)
    rule_version: Mapped[int | None] = mapped_column(nullable=True)
    # Cached with the total: the same rows' points per category ("c:<category>") and per item type
    # ("t:<item type>"), text with two decimals; a ranking's tie-breaks read them instead of the ledger.
    # (jsonb on PostgreSQL: a key is read without parsing the whole text, two million times per snapshot)
    subtotals: Mapped[dict | None] = mapped_column(JSON().with_variant(JSONB(), "postgresql"), nullable=True)
    recheck_until: Mapped[date | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DeclaredItem(TenantScoped, Base):
    __tablename__ = "declared_items"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "application_id"], ["applications.tenant_id", "applications.id"]),
        Index("ix_declared_items_queue", "tenant_id", "department", "status", "due_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    application_id: Mapped[int] = mapped_column(index=True)
    item_type: Mapped[str] = mapped_column(String(60))
    input: Mapped[dict] = mapped_column(JSON)
    department: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(30), default=ITEM_DECLARED)
    due_on: Mapped[date | None] = mapped_column(nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # of the latest decision
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)


class ItemReview(TenantScoped, Base):
    """One decision of a reviewer on an item; supplement rounds leave one row each."""

    __tablename__ = "item_reviews"
    __table_args__ = (ForeignKeyConstraint(["tenant_id", "item_id"], ["declared_items.tenant_id", "declared_items.id"]),)

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    item_id: Mapped[int] = mapped_column(index=True)
    decision: Mapped[str] = mapped_column(String(30))  # verified, rejected, supplement_requested, supplemented
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    # The declaration as it was decided on (a reviewer's decision; None before core_0014 and for supplements).
    input: Mapped[dict | None] = mapped_column(JSON, nullable=True)


class EvidenceFile(TenantScoped, Base):
    __tablename__ = "evidence_files"
    __table_args__ = (ForeignKeyConstraint(["tenant_id", "item_id"], ["declared_items.tenant_id", "declared_items.id"]),)

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    item_id: Mapped[int] = mapped_column(index=True)
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(50))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    storage_name: Mapped[str] = mapped_column(String(80))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)


class StatusEvent(TenantScoped, Base):
    """The history an applicant reads: every status change of the application, with its reason."""

    __tablename__ = "status_events"
    __table_args__ = (ForeignKeyConstraint(["tenant_id", "application_id"], ["applications.tenant_id", "applications.id"]),)

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    application_id: Mapped[int] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(30))
    item_id: Mapped[int | None] = mapped_column(nullable=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    actor: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime] = mapped_column(default=utcnow)
