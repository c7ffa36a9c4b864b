"""Counties (tenants) and the host names that route to them. These are platform tables, not tenant data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from jifen.db.session import Base, utcnow
from jifen.county.tenancy import TenantRef


class Tenant(Base):
    __tablename__ = "tenants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    hotline: Mapped[str] = mapped_column(String(40), default="")
    primary_color: Mapped[str] = mapped_column(String(7), default="#b71c1c")
    accent_color: Mapped[str] = mapped_column(String(7), default="#ffffff")
    logo: Mapped[str | None] = mapped_column(String(200), nullable=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    # Changed by the database (triggers, core_0024) with every write to the county's plugin switches and
    # settings, to its rounds and to its publications, never to a value they had before: what the processes keep (County
    # contexts, pages) is checked against them (jifen.county.revisions).
    plugins_revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    rounds_revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    publications_revision: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")

    hosts: Mapped[list["TenantHost"]] = relationship(
        back_populates="tenant", cascade="all, delete-orphan", order_by="TenantHost.host"
    )

    def ref(self) -> TenantRef:
        return TenantRef(
            id=self.id,
            slug=self.slug,
            name_zh=self.name_zh,
            name_en=self.name_en,
            hotline=self.hotline,
            primary_color=self.primary_color,
            accent_color=self.accent_color,
            logo=self.logo,
            settings=dict(self.settings or {}),
        )


class TenantHost(Base):
    """A host name that serves one county's portal without the /<county>/ prefix (production)."""

    __tablename__ = "tenant_hosts"

    host: Mapped[str] = mapped_column(String(253), primary_key=True)
    tenant_id: Mapped[int] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)

    tenant: Mapped[Tenant] = relationship(back_populates="hosts")


class PlatformRevision(Base):
    """A stamp of something above the counties, changed by the database (triggers, core_0024) with every
    write to it and never back to a value it had: ``counties``, the list of counties at / (a county
    added, removed, or its slug or names changed). Pages kept per process are checked against it."""

    __tablename__ = "platform_revisions"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
