"""In-portal messages: one per status change an applicant should know about."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKeyConstraint, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.session import Base, TenantScoped, utcnow
from jifen.db.ids import new_id


class Message(TenantScoped, Base):
    __tablename__ = "messages"
    __table_args__ = (ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),)

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    user_id: Mapped[int] = mapped_column(index=True)
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    # What happened, for channels that send approved templates with parameters (SMS gateways).
    kind: Mapped[str | None] = mapped_column(String(60), nullable=True)
    params: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(nullable=True)
