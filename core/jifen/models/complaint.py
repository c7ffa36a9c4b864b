"""Questions and complaints (咨询投诉), and the codes that prove a mobile number (jifen.complaints).

A case is filed by an account or by a mobile number proved with a code. Its mobile number is kept
encrypted and found by a keyed hash (jifen.identity.protect), like national ID numbers; codes are kept
only as keyed hashes.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKeyConstraint, Index, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.ids import new_id
from jifen.db.session import Base, TenantScoped, utcnow

QUESTION, COMPLAINT = "question", "complaint"
KINDS = (QUESTION, COMPLAINT)
COUNTY, PROGRAM, ROUND, LIST = "county", "program", "round", "list"
TOPICS = (COUNTY, PROGRAM, ROUND, LIST)
OPEN, ANSWERED, REOPENED = "open", "answered", "reopened"
PUBLIC, ANONYMISED, PRIVATE = "public", "anonymised", "private"
VISIBILITIES = (PUBLIC, ANONYMISED, PRIVATE)


class Complaint(TenantScoped, Base):
    """One question or complaint, from filing to its answer (and, once, its reopening)."""

    __tablename__ = "complaints"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        Index("uq_complaints_reference", "tenant_id", "reference", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    reference: Mapped[str] = mapped_column(String(20))  # JS-2027-000123 (jifen.references)
    kind: Mapped[str] = mapped_column(String(12))  # question, complaint
    topic: Mapped[str] = mapped_column(String(12))  # county, program, round, list
    program_key: Mapped[str | None] = mapped_column(String(60), nullable=True)
    round_id: Mapped[int | None] = mapped_column(nullable=True)
    publication_id: Mapped[int | None] = mapped_column(nullable=True)  # the published list complained about
    objection_id: Mapped[int | None] = mapped_column(nullable=True)  # raised with it, in the objection period
    in_objection_period: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(nullable=True, index=True)  # the filer's account, if any
    mobile_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    mobile_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    department: Mapped[str] = mapped_column(String(40), index=True)
    filed_on: Mapped[date]  # the county's date: the quarter it counts in
    due_on: Mapped[date]  # the answer is due by then (working days, jifen.calendar)
    status: Mapped[str] = mapped_column(String(12), default=OPEN)  # open, answered, reopened
    answer: Mapped[str | None] = mapped_column(Text, nullable=True)
    visibility: Mapped[str | None] = mapped_column(String(12), nullable=True)  # public, anonymised, private
    answered_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    answered_at: Mapped[datetime | None] = mapped_column(nullable=True)
    first_answered_on: Mapped[date | None] = mapped_column(nullable=True)
    answered_in_time: Mapped[bool | None] = mapped_column(nullable=True)  # the first answer, by the first due date
    reopen_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    reopened_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MobileCode(TenantScoped, Base):
    """A 6-digit code sent to a mobile number; only its keyed hash is kept. ``purpose``: file, follow."""

    __tablename__ = "complaint_codes"

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    mobile_hash: Mapped[str] = mapped_column(String(64), index=True)
    purpose: Mapped[str] = mapped_column(String(12))
    code_hash: Mapped[str] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
