"""The answered cases a county publishes: public ones with the filer masked (张*明, 139****0003),
anonymised ones with no filer at all; numbers in the texts masked in both. Private answers stay private."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen.complaints.filing import mobile_of
from jifen.identity.masking import mask_mobile, mask_name, mask_text
from jifen.models import Complaint, User
from jifen.models.complaint import ANONYMISED, ANSWERED, PUBLIC

PAGE_SIZE = 20


@dataclass(frozen=True)
class PublishedCase:
    reference: str
    kind: str
    topic: str
    program_key: str | None
    body: str  # masked
    answer: str  # masked
    filer: str | None  # masked; None when anonymised
    answered_at: datetime


def _filer(session: Session, case: Complaint) -> str | None:
    if case.visibility != PUBLIC:
        return None
    user = session.get(User, (case.tenant_id, case.user_id)) if case.user_id else None
    if user is not None:
        return mask_name(user.real_name)
    mobile = mobile_of(case)
    return mask_mobile(mobile) if mobile else None


def published(session: Session, page: int = 1) -> tuple[list[PublishedCase], int]:
    """One page of the published answers, latest first, and how many there are."""
    where = (Complaint.status == ANSWERED, Complaint.visibility.in_((PUBLIC, ANONYMISED)))
    total = session.scalar(select(func.count(Complaint.id)).where(*where)) or 0
    found = session.scalars(select(Complaint).where(*where).order_by(Complaint.answered_at.desc(), Complaint.id.desc())
                            .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE))
    return [PublishedCase(c.reference, c.kind, c.topic, c.program_key, mask_text(c.body), mask_text(c.answer or ""),
                          _filer(session, c), c.answered_at) for c in found], total
