"""People: a county's users (applicants, reviewers, county administrators) and platform administrators."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import JSON, ForeignKeyConstraint, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jifen.db.session import Base, TenantScoped, utcnow
from jifen.db.ids import new_id

ROLES = ("applicant", "reviewer", "admin")
STAFF_ROLES = ("reviewer", "admin")


def _fingerprint(password_hash: str, session_epoch: int) -> str:
    # Part of the login session id: changing the password, or logging out (which moves the epoch on),
    # ends every session opened before; the server keeps no list of sessions.
    return hashlib.sha256(f"{password_hash}:{session_epoch or 0}".encode()).hexdigest()[:12]


class User(TenantScoped, Base):
    __tablename__ = "users"
    __table_args__ = (
        UniqueConstraint("tenant_id", "mobile"),
        UniqueConstraint("tenant_id", "id_number_hash"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    real_name: Mapped[str] = mapped_column(String(50))
    # National ID number: encrypted at rest, found by a keyed hash (jifen.identity.protect).
    id_number_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str] = mapped_column(String(64))
    mobile: Mapped[str] = mapped_column(String(11))
    password_hash: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), default="applicant")
    is_active: Mapped[bool] = mapped_column(default=True)
    # An account made by a county administrator gets an initial password, changed at first login.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)  # of messages; None: the county's
    channels: Mapped[list | None] = mapped_column(JSON, nullable=True)  # chosen channels; None: every one
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(nullable=True)
    department_rows: Mapped[list["UserDepartment"]] = relationship(
        lazy="selectin", cascade="all, delete-orphan", order_by="UserDepartment.department")

    # flask-login protocol
    is_authenticated = True
    is_anonymous = False
    is_platform_admin = False

    def get_id(self) -> str:
        return f"u:{self.tenant_id}:{self.id}:{_fingerprint(self.password_hash, self.session_epoch)}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def departments(self) -> tuple[str, ...]:
        """The keys of the departments whose items this reviewer decides (none for other roles)."""
        return tuple(row.department for row in self.department_rows) if self.role == "reviewer" else ()

    @property
    def actor(self) -> str:
        return f"user:{self.id}"


class UserDepartment(TenantScoped, Base):
    """One department (a key of tenant.toml ``[departments]``) of a reviewer."""

    __tablename__ = "user_departments"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"], ondelete="CASCADE"),
    )

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    department: Mapped[str] = mapped_column(String(40), primary_key=True)


class PlatformAdmin(Base):
    """Operates the whole deployment; acts as a county administrator in every county."""

    __tablename__ = "platform_admins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    session_epoch: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    is_authenticated = True
    is_anonymous = False
    is_platform_admin = True
    role = "platform_admin"
    departments = ()
    must_change_password = False
    real_name = property(lambda self: self.username)

    def get_id(self) -> str:
        return f"p:{self.id}:{_fingerprint(self.password_hash, self.session_epoch)}"

    def has_role(self, *roles: str) -> bool:
        return "admin" in roles or "platform_admin" in roles

    @property
    def actor(self) -> str:
        return f"platform:{self.username}"
