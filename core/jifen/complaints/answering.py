"""Answering a case: the department's queue, the answer (public, anonymised or private), the filer's one
reopening, and an administrator moving a case to another department. Every change is audited in the
caller's transaction and the filer is told."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit, clock
from jifen.complaints import assignment
from jifen.complaints.filing import mobile_of
from jifen.complaints.reaching import tell_filer
from jifen.db.session import utcnow
from jifen.errors import ApplicationError
from jifen.identity.accounts import departments
from jifen.models import Complaint, User
from jifen.models.complaint import ANSWERED, OPEN, REOPENED, VISIBILITIES
from jifen.text import lazy_gettext as _l

MAX_TEXT = 4000
WAITING = (OPEN, REOPENED)


def queue(session: Session, own: Iterable[str] | None, *, waiting: bool = True) -> list[Complaint]:
    """The cases of the departments ``own`` (None: every department, an administrator's view), the ones
    waiting for an answer by due date, or the answered ones, latest first."""
    query = select(Complaint)
    if own is not None:
        query = query.where(Complaint.department.in_(list(own)))
    if waiting:
        query = query.where(Complaint.status.in_(WAITING)).order_by(Complaint.due_on, Complaint.created_at)
    else:
        query = query.where(Complaint.status == ANSWERED).order_by(Complaint.answered_at.desc())
    return list(session.scalars(query.limit(200)))


def may_answer(case: Complaint, own: Iterable[str] | None) -> bool:
    return own is None or case.department in tuple(own)


def _filer(session: Session, case: Complaint) -> User | None:
    return session.get(User, (case.tenant_id, case.user_id)) if case.user_id else None


def answer(session: Session, case: Complaint, text: str | None, visibility: str | None, *, actor: str) -> None:
    if case.status not in WAITING:
        raise ApplicationError(_l("This case is answered already."))
    text = (text or "").strip()
    errors: dict[str, list] = {}
    if len(text) < 2:
        errors["answer"] = [_l("Write the answer.")]
    elif len(text) > MAX_TEXT:
        errors["answer"] = [_l("Write at most %(count)s characters.", count=MAX_TEXT)]
    if visibility not in VISIBILITIES:
        errors["visibility"] = [_l("Choose how the answer is published.")]
    if errors:
        raise ApplicationError(_l("Some answers need a look."), errors)
    today = clock.today()
    first = case.first_answered_on is None
    case.status, case.answer, case.visibility = ANSWERED, text, visibility
    case.answered_by, case.answered_at = actor, utcnow()
    if first:
        case.first_answered_on = today
        case.answered_in_time = today <= case.due_on
    session.flush()
    audit.record(session, "complaint.answered", actor=actor, target_type="complaint", target_id=case.id,
                 details={"reference": case.reference, "in_time": today <= case.due_on})
    values = {"reference": case.reference}
    tell_filer(session, _filer(session, case), mobile_of(case), _l("Your question or complaint is answered"),
               _l("Your question or complaint %(reference)s is answered. Read the answer on the county's portal "
                  "with its reference number.", **values), kind="complaint.answered", params=values)


def may_reopen(case: Complaint) -> bool:
    return case.status == ANSWERED and case.reopened_at is None


def reopen(session: Session, case: Complaint, reason: str | None, *, actor: str) -> None:
    """The filer is not satisfied: the case goes back to its department once, due again in working days."""
    if not may_reopen(case):
        raise ApplicationError(_l("A case can be reopened once, after its answer."))
    reason = (reason or "").strip()
    if len(reason) < 2:
        message = _l("Say why the answer does not settle it.")
        raise ApplicationError(message, {"reason": [message]})
    case.status, case.reopen_reason, case.reopened_at = REOPENED, reason[:MAX_TEXT], utcnow()
    case.due_on = assignment.due_date(clock.today())
    session.flush()
    audit.record(session, "complaint.reopened", actor=actor, target_type="complaint", target_id=case.id,
                 details={"reference": case.reference, "due_on": case.due_on.isoformat()})


def reassign(session: Session, case: Complaint, department: str | None, *, actor: str) -> None:
    """An administrator gives the case to another department (its due date stays)."""
    if department not in departments():
        message = _l("Choose one of the county's departments.")
        raise ApplicationError(message, {"department": [message]})
    if department == case.department:
        message = _l("The case is with that department already.")
        raise ApplicationError(message, {"department": [message]})
    case.department = department
    session.flush()
    audit.record(session, "complaint.reassigned", actor=actor, target_type="complaint", target_id=case.id,
                 details={"reference": case.reference, "department": department})
