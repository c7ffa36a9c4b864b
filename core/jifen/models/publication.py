"""Publishing a ranking (公示): provisional list, objections and their re-check, final list."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKeyConstraint, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.session import Base, TenantScoped, utcnow
from jifen.db.ids import new_id


class Publication(TenantScoped, Base):
    """One stage of a round's public list: which run it shows, and for how long objections are taken."""

    __tablename__ = "publications"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "round_id"], ["program_rounds.tenant_id", "program_rounds.id"]),
        ForeignKeyConstraint(["tenant_id", "run_id"], ["ranking_runs.tenant_id", "ranking_runs.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    round_id: Mapped[int] = mapped_column(index=True)
    run_id: Mapped[int]
    stage: Mapped[str] = mapped_column(String(20))  # provisional, final
    starts_on: Mapped[date]
    ends_on: Mapped[date | None] = mapped_column(nullable=True)  # last day of objections (provisional)
    actor: Mapped[str] = mapped_column(String(100))
    published_at: Mapped[datetime] = mapped_column(default=utcnow)


class Objection(TenantScoped, Base):
    __tablename__ = "objections"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "publication_id"], ["publications.tenant_id", "publications.id"]),
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        Index("uq_objections_reference", "tenant_id", "reference", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    # A number people read aloud and type (JS-2027-000123: jifen.references), unique in the county.
    reference: Mapped[str | None] = mapped_column(String(20), nullable=True)
    publication_id: Mapped[int] = mapped_column(index=True)
    user_id: Mapped[int]
    program_application_id: Mapped[int | None] = mapped_column(nullable=True)  # the entry objected to
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open, upheld, dismissed
    outcome: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
