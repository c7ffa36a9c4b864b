"""The counter behind reference numbers: one row per county and year (jifen.references)."""

from __future__ import annotations

from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.session import Base, TenantScoped


class ReferenceCounter(TenantScoped, Base):
    __tablename__ = "reference_counters"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)  # the last number given out that year
