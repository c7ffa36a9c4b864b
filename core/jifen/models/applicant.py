"""What an applicant tells about themselves: the profile behind the veto conditions, and family."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKeyConstraint, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from jifen.db.session import Base, TenantScoped, utcnow
from jifen.db.ids import new_id


class ApplicantProfile(TenantScoped, Base):
    __tablename__ = "applicant_profiles"
    __table_args__ = (ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),)

    user_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    has_residence_permit: Mapped[bool] = mapped_column(default=False)
    permit_number: Mapped[str | None] = mapped_column(String(40), nullable=True)
    works_in_county_since: Mapped[date | None] = mapped_column(nullable=True)
    employer: Mapped[str | None] = mapped_column(String(100), nullable=True)
    town: Mapped[str | None] = mapped_column(String(40), nullable=True)
    criminal_penalty: Mapped[bool] = mapped_column(default=False)
    births_over_quota: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class FamilyMember(TenantScoped, Base):
    """A child, or a spouse; a spouse who also has an account is linked only when both confirm."""

    __tablename__ = "family_members"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id", "user_id"], ["users.tenant_id", "users.id"]),
        ForeignKeyConstraint(["tenant_id", "linked_user_id"], ["users.tenant_id", "users.id"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True, default=new_id, autoincrement=False)
    user_id: Mapped[int] = mapped_column(index=True)
    relation: Mapped[str] = mapped_column(String(10))  # "spouse" or "child"
    real_name: Mapped[str] = mapped_column(String(50))
    id_number_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    id_number_hash: Mapped[str] = mapped_column(String(64))
    birth_date: Mapped[date]
    criminal_record: Mapped[bool] = mapped_column(default=False)
    # Spouse link: the other applicant's account, confirmed when they declare this applicant back.
    linked_user_id: Mapped[int | None] = mapped_column(nullable=True)
    link_confirmed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
