"""Department review: each declared item waits in the queue of the department that verifies it.

A reviewer verifies an item, rejects it with a reason, or asks for a supplement (补正) with a
reason; supplements may loop any number of rounds. When no item of an application is left
undecided, its points are confirmed (jifen.points.ledger.confirm).
"""

from __future__ import annotations

from collections.abc import Collection

from jifen.text import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen import audit
from jifen.points.applications import ApplicationError
from jifen.db.session import utcnow
from jifen.points.ledger import confirm
from jifen.models import Application, DeclaredItem, ItemReview, StatusEvent, User
from jifen.models.application import ITEM_PENDING, ITEM_REJECTED, ITEM_SUPPLEMENT, ITEM_VERIFIED, SUPPLEMENT
from jifen.notifications import notify
from jifen.plugin.manager import CountyHooks

DECISIONS = (ITEM_VERIFIED, ITEM_REJECTED, ITEM_SUPPLEMENT)
OPEN = (ITEM_PENDING, ITEM_SUPPLEMENT)


def _keys(departments: str | Collection[str]) -> list[str]:
    return [departments] if isinstance(departments, str) else list(departments)


def queue(session: Session, departments: str | Collection[str], *, waiting_only: bool = True,
          limit: int = 200) -> list[DeclaredItem]:
    """The items of a department (or of several), soonest due first (only those waiting for a decision by default)."""
    query = select(DeclaredItem).where(DeclaredItem.department.in_(_keys(departments)))
    query = query.where(DeclaredItem.status == ITEM_PENDING) if waiting_only else query.where(
        DeclaredItem.status != "declared")
    return list(session.scalars(query.order_by(DeclaredItem.due_on, DeclaredItem.id).limit(limit)))


def item_for_reviewer(session: Session, item_id: int, departments: str | Collection[str] | None) -> DeclaredItem | None:
    """The item if it is of the reviewer's county and of one of their ``departments`` (a department
    system's token has one); None: administrators, who see every department."""
    query = select(DeclaredItem).where(DeclaredItem.id == item_id, DeclaredItem.status != "declared")
    if departments is not None:
        query = query.where(DeclaredItem.department.in_(_keys(departments)))
    return session.scalar(query)


def reviews_of(session: Session, item: DeclaredItem) -> list[ItemReview]:
    return list(session.scalars(select(ItemReview).where(ItemReview.item_id == item.id).order_by(ItemReview.at, ItemReview.id)))


def decide(session: Session, hooks: CountyHooks, item: DeclaredItem, decision: str, reason: str | None,
           *, reviewer_actor: str) -> Application:
    if decision not in DECISIONS:
        raise ApplicationError(_l("Choose verify, reject or ask for a supplement."))
    reason = (reason or "").strip()[:2000] or None
    if decision in (ITEM_REJECTED, ITEM_SUPPLEMENT) and not reason:
        raise ApplicationError(_l("Give the reason: the applicant reads it."), {"reason": [_l("This field is required.")]})
    # Decisions on one application are made one at a time (PostgreSQL: row locks; SQLite has one writer):
    # two reviewers, a page and a department system, must not both decide one item, and whoever decides
    # the last open item must see the others' decisions to confirm the points.
    application = session.get(Application, (item.tenant_id, item.application_id), with_for_update=True)
    session.refresh(item, with_for_update=True)
    if item.status != ITEM_PENDING:
        raise ApplicationError(_l("This item is not waiting for a decision."))
    item.status = decision
    item.reason = reason
    item.decided_at = utcnow()
    session.add(ItemReview(item_id=item.id, decision=decision, reason=reason, actor=reviewer_actor))
    session.add(StatusEvent(application_id=application.id, status=f"item_{decision}", item_id=item.id,
                            reason=reason, actor=reviewer_actor))
    audit.record(session, f"item.{decision}", actor=reviewer_actor, target_type="item", target_id=item.id,
                 details={"reason": reason, "item_type": item.item_type})
    applicant = session.get(User, (item.tenant_id, application.user_id))
    if decision == ITEM_SUPPLEMENT:
        application.status = SUPPLEMENT
        notify(session, hooks, applicant, _l("Please supplement your application"),
               _l("A department asks for more on one of your items: %(reason)s", reason=reason),
               kind="application.supplement", params={"reason": reason})
    elif decision == ITEM_REJECTED:
        notify(session, hooks, applicant, _l("An item was not accepted"),
               _l("One of your items was not accepted: %(reason)s", reason=reason),
               kind="item.rejected", params={"reason": reason})
    session.flush()
    open_items = session.scalar(select(func.count(DeclaredItem.id)).where(
        DeclaredItem.application_id == application.id, DeclaredItem.status.in_(OPEN)))
    if not open_items:
        breakdown = confirm(session, application, actor=reviewer_actor)
        session.add(StatusEvent(application_id=application.id, status="confirmed", actor=reviewer_actor,
                                reason=str(breakdown.total)))
        notify(session, hooks, applicant, _l("Your points are confirmed"),
               _l("Every item is decided. Your confirmed points: %(total)s.", total=breakdown.total),
               kind="points.confirmed", params={"total": str(breakdown.total)})
    return application
