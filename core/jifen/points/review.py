"""Department review: each declared item waits in the queue of the department that verifies it.

A reviewer verifies an item, rejects it with a reason, or asks for a supplement (补正) with a
reason; supplements may loop any number of rounds. When no item of an application is left
undecided, its points are confirmed (jifen.points.ledger.confirm).

The reviewer's queue is read a page at a time (:func:`queue_page`): each row with the applicant masked,
the dates, the supplement round, whether the item changed since its last decision (told from the audit
trail and the evidence uploaded since; the earlier input itself is not kept) and what it alone would earn
under the county's current rules, scored for the rows of the page only.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timezone
from decimal import Decimal

from jifen.text import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen import audit, clock
from jifen.events import announce
from jifen.identity import masking, protect
from jifen.points.applications import ApplicationError
from jifen.db.session import utcnow
from jifen.points.ledger import confirm
from jifen.models import Application, AuditEvent, DeclaredItem, EvidenceFile, ItemReview, StatusEvent, User
from jifen.models.application import ITEM_PENDING, ITEM_REJECTED, ITEM_SUPPLEMENT, ITEM_VERIFIED, SUPPLEMENT
from jifen.notifications import notify
from jifen.plugin.manager import CountyHooks
from jifen.points.rules import county_item_types, preview_rules
from jifen.points.scoring import Declared, score

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
    session.add(ItemReview(item_id=item.id, decision=decision, reason=reason, actor=reviewer_actor,
                           input=dict(item.input or {})))
    session.add(StatusEvent(application_id=application.id, status=f"item_{decision}", item_id=item.id,
                            reason=reason, actor=reviewer_actor))
    audit.record(session, f"item.{decision}", actor=reviewer_actor, target_type="item", target_id=item.id,
                 details={"reason": reason, "item_type": item.item_type})
    announce(session, "on_item_decided", application_id=application.id, item_id=item.id, item_type=item.item_type,
             department=item.department, decision=decision, reason=reason)
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


# --------------------------------------------------------------------------- the reviewer's queue, a page at a time

PAGE_SIZE = 25
SORTS = ("due", "submitted")
SUPPLEMENTED = "supplemented"  # the ItemReview row an applicant's answer to a supplement request leaves


@dataclass(frozen=True)
class QueueFilters:
    """What a reviewer narrows the queue to (GET parameters of the queue page)."""

    item_type: str | None = None
    overdue: bool = False
    supplemented: bool = False
    sort: str = "due"  # "due": soonest due first; "submitted": earliest submitted first
    page: int = 1


@dataclass(frozen=True)
class QueueRow:
    item: DeclaredItem
    applicant_name: str  # masked: 张*明
    applicant_id_number: str  # masked: 3304**********123X
    submitted_on: date | None  # the day the application was submitted, in the county's zone
    due_on: date | None
    overdue: bool
    supplement_round: int  # how often the applicant answered a supplement request on this item
    last_decision_on: date | None  # the county's day of the last decision; None: never decided
    changed: bool  # the input or the evidence changed since the last decision
    points: Decimal | None  # what the item alone would earn under the county's current rules
    note: str | None = None  # capped, not scored in this county


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    filters: QueueFilters


def local_day(moment: datetime | None) -> date | None:
    """The county's date of a stored (naive UTC) timestamp."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(clock.time_zone()).date()


def _supplemented_item_ids():
    return select(ItemReview.item_id).where(ItemReview.decision == SUPPLEMENTED)


def queue_page(session: Session, departments: str | Collection[str], filters: QueueFilters = QueueFilters(),
               *, per_page: int | None = None) -> QueuePage:
    """One page of the items waiting for a decision in ``departments``, filtered and sorted, each row with
    the applicant (masked), the dates, the supplement round, whether it changed since the last decision
    and the points it would earn. Scoring is per row of the page only."""
    per_page = per_page or PAGE_SIZE
    today = clock.today()
    conditions = [DeclaredItem.department.in_(_keys(departments)), DeclaredItem.status == ITEM_PENDING]
    if filters.item_type:
        conditions.append(DeclaredItem.item_type == filters.item_type)
    if filters.overdue:
        conditions.append(DeclaredItem.due_on < today)
    if filters.supplemented:
        conditions.append(DeclaredItem.id.in_(_supplemented_item_ids()))
    total = session.scalar(select(func.count(DeclaredItem.id)).where(*conditions)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(1, filters.page), pages)
    order = ((Application.submitted_at, DeclaredItem.due_on, DeclaredItem.id) if filters.sort == "submitted"
             else (DeclaredItem.due_on, Application.submitted_at, DeclaredItem.id))
    found = session.execute(
        select(DeclaredItem, Application.submitted_at, User.real_name, User.id_number_encrypted)
        .join(Application, Application.id == DeclaredItem.application_id)
        .join(User, User.id == Application.user_id)
        .where(*conditions).order_by(*order).offset((page - 1) * per_page).limit(per_page)
    ).all()
    items = [row[0] for row in found]
    rounds = supplement_rounds(session, items)
    decided = last_decisions(session, items)
    changed = changed_since_decision(session, items, decided)
    worth = points_of(session, items)
    rows = []
    for item, submitted_at, real_name, encrypted in found:
        points, note = worth.get(item.id, (None, None))
        rows.append(QueueRow(
            item=item, applicant_name=masking.mask_name(real_name),
            applicant_id_number=masking.mask(protect.decrypt(encrypted)),
            submitted_on=local_day(submitted_at), due_on=item.due_on,
            overdue=item.due_on is not None and item.due_on < today, supplement_round=rounds.get(item.id, 0),
            last_decision_on=local_day(decided[item.id].at) if item.id in decided else None, changed=item.id in changed, points=points, note=note))
    return QueuePage(rows, total, page, pages, replace(filters, page=page))


def supplement_rounds(session: Session, items: Collection[DeclaredItem]) -> dict[int, int]:
    """Per item: how many times the applicant answered a supplement request."""
    ids = [i.id for i in items]
    if not ids:
        return {}
    return dict(session.execute(
        select(ItemReview.item_id, func.count(ItemReview.id))
        .where(ItemReview.item_id.in_(ids), ItemReview.decision == SUPPLEMENTED).group_by(ItemReview.item_id)).all())


def last_decisions(session: Session, items: Collection[DeclaredItem]) -> dict[int, ItemReview]:
    """Per item: a reviewer's last decision on it (a supplement request, usually); absent if never decided."""
    ids = [i.id for i in items]
    if not ids:
        return {}
    latest = (select(func.max(ItemReview.id)).where(ItemReview.item_id.in_(ids), ItemReview.decision.in_(DECISIONS))
              .group_by(ItemReview.item_id))
    return {r.item_id: r for r in session.scalars(select(ItemReview).where(ItemReview.id.in_(latest)))}


@dataclass(frozen=True)
class Changes:
    """What changed on an item since its last decision: the declaration (the decision keeps the one it was
    made on, so ``decision.input`` holds the earlier values; decisions older than that only tell the change)
    and the evidence uploaded since."""

    decision: ItemReview | None
    input_changed: bool = False
    new_files: tuple[EvidenceFile, ...] = ()

    @property
    def any(self) -> bool:
        return self.input_changed or bool(self.new_files)


_DECISION_ACTIONS = tuple(f"item.{d}" for d in DECISIONS)


def _input_changed_after(session: Session, decided: Mapping[int, ItemReview]) -> set[int]:
    """Items whose input the applicant changed after their last decision, in the order of the audit trail
    (timestamps can tie; the trail's sequence cannot)."""
    if not decided:
        return set()
    events = session.execute(select(AuditEvent.target_id, AuditEvent.action, func.max(AuditEvent.seq)).where(
        AuditEvent.target_type == "item", AuditEvent.target_id.in_([str(i) for i in decided]),
        AuditEvent.action.in_(("item.changed", *_DECISION_ACTIONS))).group_by(AuditEvent.target_id, AuditEvent.action)).all()
    last_change: dict[int, int] = {}
    last_decision: dict[int, int] = {}
    for target, action, seq in events:
        into = last_change if action == "item.changed" else last_decision
        into[int(target)] = max(seq, into.get(int(target), 0))
    return {item_id for item_id, seq in last_change.items() if seq > last_decision.get(item_id, 0)}


def _files_after(session: Session, decided: Mapping[int, ItemReview]) -> list[EvidenceFile]:
    """Evidence uploaded after the item's last decision (row ids are time-ordered; timestamps can tie)."""
    if not decided:
        return []
    files = session.scalars(select(EvidenceFile).where(
        EvidenceFile.item_id.in_(list(decided)), EvidenceFile.id > min(r.id for r in decided.values()))
        .order_by(EvidenceFile.id)).all()
    return [f for f in files if f.id > decided[f.item_id].id]


def changed_since_decision(session: Session, items: Collection[DeclaredItem],
                           decided: Mapping[int, ItemReview] | None = None) -> set[int]:
    """The ids of ``items`` whose input or evidence changed after their last decision."""
    decided = last_decisions(session, items) if decided is None else decided
    return _input_changed_after(session, decided) | {f.item_id for f in _files_after(session, decided)}


def changes_of(session: Session, item: DeclaredItem) -> Changes:
    decided = last_decisions(session, [item])
    return Changes(decided.get(item.id), item.id in _input_changed_after(session, decided),
                   tuple(_files_after(session, decided)))


def points_of(session: Session, items: Collection[DeclaredItem]) -> dict[int, tuple[Decimal, str | None]]:
    """Per item: what it alone would earn under the county's current rules (its type's cap applied), with the
    note of the scoring (capped, not scored in this county). The rules are loaded once for all ``items``."""
    if not items:
        return {}
    rules, types = preview_rules(session), county_item_types(session)
    worth = {}
    for item in items:
        line = score([Declared(item.id, item.item_type, item.input)], rules, types).line(item.id)
        if line is not None:
            worth[item.id] = (line.counted, line.note)
    return worth
