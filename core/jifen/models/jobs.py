"""Background jobs: what a county asked the workers to do, and how far they got."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.ids import new_id
from jifen.db.session import Base, TenantScoped, utcnow


class Job(TenantScoped, Base):
    """One unit of long or timed work, run with its county bound (jifen.jobs).

    ``state`` moves queued -> running -> finished | failed; ``phase``, ``done`` and ``total`` are the
    progress a page shows; ``result`` is the job's own summary, ``error`` what a person is told.
    """

    __tablename__ = "jobs"
    __table_args__ = (Index("ix_jobs_tenant_id_target", "tenant_id", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    state: Mapped[str] = mapped_column(String(12), default="queued")
    phase: Mapped[str | None] = mapped_column(String(40), nullable=True)
    done: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    total: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    result: Mapped[dict | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    actor: Mapped[str] = mapped_column(String(100))
    target_type: Mapped[str | None] = mapped_column(String(40), nullable=True)
    target_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
