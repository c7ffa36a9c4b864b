"""The fraud register (弄虚作假): findings of false materials that bar an applicant for the county's period."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.ids import new_id
from jifen.db.session import Base, TenantScoped, utcnow

ACTIVE, WITHDRAWN = "active", "withdrawn"
FINDING_STATUSES = (ACTIVE, WITHDRAWN)


class FraudFinding(TenantScoped, Base):
    """A reviewer's or administrator's finding that an applicant gave false materials.

    While ``status`` is active, the applicant cannot submit or apply in the county from ``found_on``
    through ``ends_on`` (jifen.points.fraud). An administrator withdraws it after a successful contest.
    """

    __tablename__ = "fraud_findings"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        Index("ix_fraud_findings_user", "tenant_id", "user_id"),
        Index("uq_fraud_findings_reference", "tenant_id", "reference", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    user_id: Mapped[int]
    reference: Mapped[str] = mapped_column(String(20))  # jifen.references: quoted when contesting
    reason: Mapped[str] = mapped_column(Text)
    item_id: Mapped[int | None] = mapped_column(nullable=True)  # the declared item it concerns, if any
    concerns_reference: Mapped[str | None] = mapped_column(String(20), nullable=True)  # the application's number
    found_on: Mapped[date]
    ends_on: Mapped[date]  # the last day of the bar
    found_by: Mapped[str] = mapped_column(String(100))  # the actor
    status: Mapped[str] = mapped_column(String(20), default=ACTIVE)
    withdrawn_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    withdrawn_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    withdrawn_at: Mapped[datetime | None] = mapped_column(nullable=True)
    # The evidence file, kept through jifen.storage (area "_findings") under a random key.
    evidence_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    evidence_type: Mapped[str | None] = mapped_column(String(50), nullable=True)
    evidence_key: Mapped[str | None] = mapped_column(String(80), nullable=True)
    evidence_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
