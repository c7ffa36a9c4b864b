"""Confirmed points written straight into the ledger, for tests that rank many applicants by given totals."""

from __future__ import annotations

from decimal import Decimal

from jifen.models import Application, DeclaredItem, LedgerEntry
from jifen.models.application import CONFIRMED, ITEM_VERIFIED


def confirmed_points(session, user_id: int, version: int, points) -> Application:
    """A confirmed points application of ``points`` under rule ``version``: one verified education item and
    its ledger row."""
    application = Application(user_id=user_id, status=CONFIRMED, total_points=Decimal(points), rule_version=version)
    session.add(application)
    session.flush()
    item = DeclaredItem(application_id=application.id, item_type="education", input={}, department="test",
                        status=ITEM_VERIFIED)
    session.add(item)
    session.flush()
    session.add(LedgerEntry(application_id=application.id, item_id=item.id, item_type="education",
                            category="personal_quality", rule_version=version, points=Decimal(points),
                            raw_points=Decimal(points)))
    return application
