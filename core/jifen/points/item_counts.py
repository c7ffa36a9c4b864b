"""How far a score item type reaches in the bound county: figures for a plugin's own pages (tk.item_counts)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from jifen.db.session import get_session
from jifen.models import Application, DeclaredItem, LedgerEntry
from jifen.models.application import ITEM_PENDING, ITEM_SUPPLEMENT


@dataclass(frozen=True)
class ItemCounts:
    """``earning``: applicants whose confirmed points count the item (more than zero points), and
    ``points``, what it adds to them together; ``in_review``: applicants whose item of the type waits for
    its department or for a supplement."""

    earning: int
    points: Decimal
    in_review: int


def item_counts(key: str, session: Session | None = None) -> ItemCounts:
    """The figures of score item type ``key`` in the bound county (its points at each applicant's
    current rule version)."""
    session = session or get_session()
    earning, points = session.execute(
        select(func.count(func.distinct(LedgerEntry.application_id)), func.coalesce(func.sum(LedgerEntry.points), 0))
        .join(Application, and_(Application.tenant_id == LedgerEntry.tenant_id,
                                Application.id == LedgerEntry.application_id,
                                Application.rule_version == LedgerEntry.rule_version))
        .where(LedgerEntry.item_type == key, LedgerEntry.points > 0)
    ).one()
    in_review = session.scalar(
        select(func.count(func.distinct(DeclaredItem.application_id)))
        .where(DeclaredItem.item_type == key, DeclaredItem.status.in_((ITEM_PENDING, ITEM_SUPPLEMENT)))
    )
    return ItemCounts(earning=int(earning), points=Decimal(points).quantize(Decimal("0.01")), in_review=int(in_review or 0))
