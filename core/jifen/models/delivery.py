"""Deliveries: one per message and channel (e-mail, SMS, ...), with what happened to it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKeyConstraint, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.ids import new_id
from jifen.db.session import Base, TenantScoped, utcnow


class Delivery(TenantScoped, Base):
    """``state`` is queued, sent or failed (after the last attempt); ``reference`` is the gateway's id."""

    __tablename__ = "deliveries"
    __table_args__ = (ForeignKeyConstraint(["tenant_id", "message_id"], ["messages.tenant_id", "messages.id"]),)

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    message_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int] = mapped_column()
    channel: Mapped[str] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(12), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    reference: Mapped[str | None] = mapped_column(String(100), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(nullable=True)
