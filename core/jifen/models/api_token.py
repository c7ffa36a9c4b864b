"""API tokens: how a county's department systems call the integration API (docs/api.md).

Only a SHA-256 hash of the token is stored; the token itself is shown once, when it is made.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.session import Base, TenantScoped, utcnow
from jifen.db.ids import new_id


class ApiToken(TenantScoped, Base):
    __tablename__ = "api_tokens"
    __table_args__ = (UniqueConstraint("tenant_id", "token_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64))  # hex SHA-256 of the whole token
    prefix: Mapped[str] = mapped_column(String(16))  # its first characters, to recognise it in lists
    scopes: Mapped[list] = mapped_column(JSON, default=list)
    department: Mapped[str | None] = mapped_column(String(40), nullable=True)  # for verifications:*
    created_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_by: Mapped[str | None] = mapped_column(String(100), nullable=True)

    @property
    def active(self) -> bool:
        return self.revoked_at is None
