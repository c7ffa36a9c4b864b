"""Offers of places after a round's final list, and the waiting list behind them.

An offer holds one place of a round until the applicant accepts or declines it, or its deadline
passes. ``sub_quota`` is the sub-quota whose place the offer holds (``None`` for a round without
sub-quotas); an offer made in the county-wide second round holds a place left over by another
sub-quota, so it may differ from the applicant's own.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKeyConstraint, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.session import Base, TenantScoped, utcnow
from jifen.db.ids import new_id

OFFERED = "offered"
ACCEPTED = "accepted"
DECLINED = "declined"
EXPIRED = "expired"
OFFER_STATUSES = (OFFERED, ACCEPTED, DECLINED, EXPIRED)
HOLDING = (OFFERED, ACCEPTED)  # the statuses that hold a place


class Offer(TenantScoped, Base):
    __tablename__ = "offers"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "round_id"], ["program_rounds.tenant_id", "program_rounds.id"]),
        ForeignKeyConstraint(["tenant_id", "run_id"], ["ranking_runs.tenant_id", "ranking_runs.id"]),
        ForeignKeyConstraint(["tenant_id", "program_application_id"],
                             ["program_applications.tenant_id", "program_applications.id"]),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        UniqueConstraint("tenant_id", "round_id", "program_application_id"),
        Index("ix_offers_user", "tenant_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    round_id: Mapped[int]
    run_id: Mapped[int]  # the ranking run whose final list the offer follows
    program_application_id: Mapped[int]
    user_id: Mapped[int]
    sub_quota: Mapped[str | None] = mapped_column(String(60), nullable=True)  # whose place it holds
    allocation_round: Mapped[int] = mapped_column(default=1)  # 2: a place of the county-wide second round
    replaces_offer_id: Mapped[int | None] = mapped_column(nullable=True)  # the offer whose place passed on
    status: Mapped[str] = mapped_column(String(20), default=OFFERED)  # offered, accepted, declined, expired
    deadline: Mapped[date]  # the last day to accept or decline
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)  # the applicant's, on declining
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
