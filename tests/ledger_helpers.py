"""Confirmed points written straight into the ledger, and couples declared both ways, for tests that rank
applicants by given totals."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from jifen.models import Application, DeclaredItem, LedgerEntry, User
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


def declare_spouses(session, first, second, names=("妻子", "丈夫")) -> None:
    """``first`` and ``second`` (test users) each declare the other as spouse: a confirmed couple
    (jifen.points.family.spouse_of). ``names``: how each names the other."""
    from jifen.points import family

    one = session.scalar(select(User).where(User.id == first.id))
    other = session.scalar(select(User).where(User.id == second.id))
    family.add(session, one, relation="spouse", real_name=names[0], id_number=second.id_number)
    family.add(session, other, relation="spouse", real_name=names[1], id_number=first.id_number)
