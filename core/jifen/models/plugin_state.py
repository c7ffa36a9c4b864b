"""Which installed plugins each county has switched on, with the county's settings for each."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.session import Base, TenantScoped, utcnow


class PluginEnablement(TenantScoped, Base):
    __tablename__ = "plugin_enablements"

    plugin_name: Mapped[str] = mapped_column(String(100), primary_key=True)
    enabled: Mapped[bool] = mapped_column(default=True)
    settings: Mapped[dict] = mapped_column(JSON, default=dict)
    # The version of the plugin's settings schema they were stored under (None: 1, before versions).
    settings_version: Mapped[int | None] = mapped_column(nullable=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
