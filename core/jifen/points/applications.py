"""An applicant's points application: declaring items, the live estimate, submitting, supplements.

Every change of status writes a status event (the history the applicant reads), an in-portal
message where the applicant should know, and an audit record, in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import marshmallow as ma
from jifen import clock
from jifen.errors import ApplicationError  # noqa: F401 - raised and re-exported here
from jifen.text import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen import audit, references
from jifen.events import announce
from jifen.db.session import utcnow
from jifen.points.eligibility import Veto, facts_for, vetoes
from jifen.models import Application, DeclaredItem, EvidenceFile, ItemReview, StatusEvent, User
from jifen.models.application import (
    CONFIRMED, DRAFT, ITEM_DECLARED, ITEM_PENDING, ITEM_REJECTED, ITEM_SUPPLEMENT, RECHECK, SUBMITTED,
)
from jifen.notifications import notify
from jifen.plugin.kinds import ScoreItemType
from jifen.plugin.manager import CountyHooks
from jifen.points.rules import county_item_types, preview_rules
from jifen.points.scoring import Breakdown, Declared, score
from jifen.county.tenancy import require_tenant
from jifen.calendar.workdays import add_working_days

DEFAULT_REVIEW_DAYS = 15


class Vetoed(ApplicationError):
    def __init__(self, found: list[Veto]) -> None:
        super().__init__(_l("You cannot submit yet: a condition of the scheme is not met."))
        self.vetoes = found


def application_of(session: Session, user: User, *, create: bool = False) -> Application | None:
    found = session.scalar(select(Application).where(Application.user_id == user.id))
    if found is None and create:
        found = Application(user_id=user.id, status=DRAFT)
        session.add(found)
        session.flush()
        _event(session, found, DRAFT, actor=user.actor)
    return found


def items_of(session: Session, application: Application) -> list[DeclaredItem]:
    return list(session.scalars(
        select(DeclaredItem).where(DeclaredItem.application_id == application.id).order_by(DeclaredItem.id)))


def _event(session: Session, application: Application, status: str, *, actor: str, reason=None, item_id=None) -> None:
    session.add(StatusEvent(application_id=application.id, status=status, actor=actor, item_id=item_id,
                            reason=None if reason is None else str(reason)))


def _editable(application: Application) -> None:
    if application.status != DRAFT:
        raise ApplicationError(_l("This application is submitted; items can no longer be added or removed."))


def clean_input(item_type: ScoreItemType, raw: dict) -> dict:
    """Validate an applicant's input with the plugin's schema; return it in its stored (JSON) form."""
    schema = item_type.input_schema()
    try:
        loaded = schema.load(raw)
    except ma.ValidationError as exc:
        raise ApplicationError(_l("Please correct the marked fields."), exc.messages) from None
    return schema.dump(loaded)


def declare(session: Session, application: Application, item_type: ScoreItemType, raw: dict, *, actor: str) -> DeclaredItem:
    _editable(application)
    data = clean_input(item_type, raw)
    if item_type.aggregate == "single" and session.scalar(
        select(func.count(DeclaredItem.id))
        .where(DeclaredItem.application_id == application.id, DeclaredItem.item_type == item_type.key)
    ):
        raise ApplicationError(_l("You have declared this item already; change or remove it instead."))
    item = DeclaredItem(application_id=application.id, item_type=item_type.key, input=data,
                        department=item_type.department_for(data), status=ITEM_DECLARED)
    session.add(item)
    session.flush()
    audit.record(session, "item.declared", actor=actor, target_type="item", target_id=item.id,
                 details={"item_type": item_type.key})
    return item


def update_item(session: Session, item: DeclaredItem, item_type: ScoreItemType, raw: dict, *, actor: str) -> None:
    application = session.get(Application, (item.tenant_id, item.application_id))
    if item.status != ITEM_SUPPLEMENT:  # corrections are allowed during a supplement round
        _editable(application)
    item.input = clean_input(item_type, raw)
    item.department = item_type.department_for(item.input)
    audit.record(session, "item.changed", actor=actor, target_type="item", target_id=item.id)


def remove_item(session: Session, item: DeclaredItem, *, actor: str) -> None:
    from jifen.points import evidence

    application = session.get(Application, (item.tenant_id, item.application_id))
    _editable(application)
    for record in session.scalars(select(EvidenceFile).where(EvidenceFile.item_id == item.id)):
        evidence.remove(session, record)
    session.delete(item)
    session.flush()
    audit.record(session, "item.removed", actor=actor, target_type="item", target_id=item.id)


def declared(items: list[DeclaredItem]) -> list[Declared]:
    return [Declared(i.id, i.item_type, i.input) for i in items if i.status != ITEM_REJECTED]


def estimate(session: Session, application: Application | None) -> Breakdown:
    """The live estimate: the county's current rules over every item not rejected."""
    items = items_of(session, application) if application is not None else []
    return score(declared(items), preview_rules(session), county_item_types(session))


@dataclass(frozen=True)
class Readiness:
    vetoes: list[Veto]
    missing_evidence: list[DeclaredItem]
    no_items: bool

    @property
    def ready(self) -> bool:
        return not self.vetoes and not self.missing_evidence and not self.no_items


def readiness(session: Session, hooks: CountyHooks, application: Application, user: User) -> Readiness:
    items = items_of(session, application)
    types = county_item_types(session)
    with_files = set(session.scalars(select(EvidenceFile.item_id).where(
        EvidenceFile.item_id.in_([i.id for i in items]))))
    missing = [i for i in items if types.get(i.item_type) and types[i.item_type].evidence and i.id not in with_files]
    return Readiness(vetoes(hooks, facts_for(session, user.id)), missing, not items)


def _due(item_type_department: str) -> date:
    departments = require_tenant().settings.get("departments", {})
    days = int((departments.get(item_type_department) or {}).get("review_days", DEFAULT_REVIEW_DAYS))
    return add_working_days(clock.today(), days)


def submit(session: Session, hooks: CountyHooks, application: Application, user: User) -> None:
    if application.status != DRAFT:
        raise ApplicationError(_l("This application is already submitted."))
    state = readiness(session, hooks, application, user)
    if state.vetoes:
        raise Vetoed(state.vetoes)
    if state.no_items:
        raise ApplicationError(_l("Declare at least one item before submitting."))
    if state.missing_evidence:
        raise ApplicationError(_l("Upload the evidence for every item before submitting."))
    types = county_item_types(session)
    for item in items_of(session, application):
        if item.item_type not in types:
            raise ApplicationError(_l("An item you declared is no longer scored in this county; remove it first."))
        item.status = ITEM_PENDING
        item.due_on = _due(item.department)
    application.status = SUBMITTED
    application.submitted_at = utcnow()
    if application.reference is None:  # a number to quote, kept through supplements and re-checks
        application.reference = references.next_reference(session)
    _event(session, application, SUBMITTED, actor=user.actor)
    notify(session, hooks, user, _l("Application submitted"),
           _l("Your points application %(reference)s is submitted; the departments review each item.",
              reference=application.reference),
           kind="application.submitted", params={"reference": application.reference})
    audit.record(session, "application.submitted", actor=user.actor, target_type="application", target_id=application.id,
                 details={"number": application.reference})
    announce(session, "on_application_submitted", application_id=application.id, user_id=user.id,
             reference=application.reference)


def answer_supplement(session: Session, hooks: CountyHooks, item: DeclaredItem, user: User, note: str) -> None:
    """The applicant has added what was asked for: the item goes back to its department's queue."""
    if item.status != ITEM_SUPPLEMENT:
        raise ApplicationError(_l("No supplement is asked for on this item."))
    note = (note or "").strip()
    if not note:
        raise ApplicationError(_l("Say briefly what you added or corrected."), {"note": [_l("This field is required.")]})
    application = session.get(Application, (item.tenant_id, item.application_id))
    item.status = ITEM_PENDING
    item.due_on = _due(item.department)
    session.add(ItemReview(item_id=item.id, decision="supplemented", reason=note[:2000], actor=user.actor))
    _event(session, application, "supplemented", actor=user.actor, reason=note[:2000], item_id=item.id)
    if not session.scalar(select(func.count(DeclaredItem.id)).where(
            DeclaredItem.application_id == application.id, DeclaredItem.status == ITEM_SUPPLEMENT)):
        application.status = SUBMITTED
    audit.record(session, "item.supplemented", actor=user.actor, target_type="item", target_id=item.id)


def request_recheck(session: Session, application: Application, user: User, reason: str) -> None:
    reason = (reason or "").strip()
    if application.status != CONFIRMED:
        raise ApplicationError(_l("A re-check can be asked for once the points are confirmed."))
    if application.recheck_until is None or clock.today() > application.recheck_until:
        raise ApplicationError(_l("The period for asking a re-check has ended."))
    if not reason:
        raise ApplicationError(_l("Say why the points should be re-checked."), {"reason": [_l("This field is required.")]})
    application.status = RECHECK
    _event(session, application, RECHECK, actor=user.actor, reason=reason[:2000])
    audit.record(session, "application.recheck_requested", actor=user.actor, target_type="application",
                 target_id=application.id)


def history(session: Session, application: Application) -> list[StatusEvent]:
    return list(session.scalars(select(StatusEvent).where(StatusEvent.application_id == application.id)
                                .order_by(StatusEvent.at, StatusEvent.id)))

