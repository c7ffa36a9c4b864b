"""Stored files: evidence and kept imports held in the database (``JIFEN_STORAGE=database``), so that
every application server reads what any one of them stored (jifen.storage)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.session import Base, TenantScoped, utcnow


class StoredFile(TenantScoped, Base):
    """One file of a county under its key (a random name; kept imports under ``_imports/...``)."""

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(String(250), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only when the file is opened
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
