"""Filing a question or a complaint: what it may be about, the reference number, the department and due
date, and the link to the objections of a list in its objection period.

About a published list in its objection period, a complaint is also an objection to that list
(jifen.programs.publication.object_to), with the same reference number, so that the list's re-check takes
it before the final list: when it is filed from an account, or from a mobile number that is the mobile of
an account of the county (the code proved it). An objection names the account that raises it, so a
complaint from a number without an account stays a complaint, marked as filed in the objection period,
and the administrators see it beside the list's objections (docs/complaints.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit, clock, references
from jifen.complaints import assignment
from jifen.complaints.mobile_codes import ProvedMobile, mobile_hash
from jifen.complaints.reaching import tell_filer
from jifen.county.tenancy import require_tenant
from jifen.errors import ApplicationError
from jifen.identity import accounts, protect
from jifen.models import Complaint, ProgramRound, Publication, User
from jifen.models.complaint import COMPLAINT, COUNTY, KINDS, LIST, PROGRAM, ROUND
from jifen.programs import publication as lists
from jifen.programs.rounds import programs
from jifen.text import lazy_gettext as _l

MAX_TEXT = 4000


@dataclass(frozen=True)
class Subject:
    """What a case may be about: ``value`` is the form's choice (``county``, ``program:<key>``,
    ``round:<id>``, ``list:<id>``)."""

    value: str
    topic: str
    program_key: str | None = None
    round_id: int | None = None
    publication_id: int | None = None
    round_name: str | None = None
    stage: str | None = None  # of a list: provisional, final


def subjects(session: Session) -> list[Subject]:
    """The county, its programs, their rounds, and each round's latest published list."""
    found = [Subject("county", COUNTY)]
    offered = programs(session)
    found += [Subject(f"program:{key}", PROGRAM, program_key=key) for key in offered]
    rounds = list(session.scalars(select(ProgramRound).where(ProgramRound.program_key.in_(list(offered)))
                                  .order_by(ProgramRound.opens_on.desc(), ProgramRound.id.desc())))
    for each in rounds:
        found.append(Subject(f"round:{each.id}", ROUND, program_key=each.program_key, round_id=each.id,
                             round_name=each.name))
    for each in rounds:
        published = lists.latest(session, each)
        if published is not None:
            found.append(Subject(f"list:{published.id}", LIST, program_key=each.program_key, round_id=each.id,
                                 publication_id=published.id, round_name=each.name, stage=published.stage))
    return found


def subject_of(session: Session, value: str | None) -> Subject:
    for subject in subjects(session):
        if subject.value == value:
            return subject
    message = _l("Choose what your question or complaint is about.")
    raise ApplicationError(message, {"about": [message]})


def file_case(session: Session, *, kind: str, about: str | None, body: str | None, user: User | None = None,
              proved: ProvedMobile | None = None, language: str | None = None) -> Complaint:
    """File a case from an account (``user``) or a proved mobile number; it gets its reference number,
    department and due date, an audit record, and a message to the filer."""
    errors: dict[str, list] = {}
    if kind not in KINDS:
        errors["kind"] = [_l("Choose question or complaint.")]
    try:
        subject = subject_of(session, about)
    except ApplicationError as exc:
        errors.update(exc.messages)
        subject = None
    body = (body or "").strip()
    if len(body) < 5:
        errors["body"] = [_l("Write your question or complaint (at least 5 characters).")]
    elif len(body) > MAX_TEXT:
        errors["body"] = [_l("Write at most %(count)s characters.", count=MAX_TEXT)]
    if errors:
        raise ApplicationError(_l("Some answers need a look."), errors)
    if user is None and proved is None:
        raise ApplicationError(_l("Log in, or prove your mobile number with a code."))
    mobile = proved.mobile if proved is not None else None
    if user is None and mobile:
        user = accounts.find_by_mobile(session, mobile)  # the code proved the number of this account
    today = clock.today()
    case = Complaint(kind=kind, topic=subject.topic, program_key=subject.program_key, round_id=subject.round_id,
                     publication_id=subject.publication_id, body=body, user_id=user.id if user else None,
                     mobile_encrypted=protect.encrypt(mobile) if mobile else None,
                     mobile_hash=mobile_hash(mobile) if mobile else None,
                     department=assignment.department_for(subject.program_key), filed_on=today,
                     due_on=assignment.due_date(today), reference="")
    published = session.get(Publication, (require_tenant().id, subject.publication_id)) \
        if subject.publication_id else None
    if kind == COMPLAINT and published is not None and lists.in_objection_period(published, today):
        case.in_objection_period = True
        if user is not None:
            objection = lists.object_to(session, published, user, body)
            case.objection_id, case.reference = objection.id, objection.reference
    if not case.reference:
        case.reference = references.next_reference(session)
    session.add(case)
    session.flush()
    actor = user.actor if user is not None else f"mobile:{case.mobile_hash[:12]}"
    audit.record(session, "complaint.filed", actor=actor, target_type="complaint", target_id=case.id,
                 details={"reference": case.reference, "department": case.department,
                          "due_on": case.due_on.isoformat()})
    values = {"reference": case.reference, "date": case.due_on.isoformat()}
    tell_filer(session, user, mobile, _l("We have your question or complaint"),
               _l("Your question or complaint %(reference)s is received. It will be answered by %(date)s.", **values),
               kind="complaint.filed", params=values, language=language)
    return case


def mobile_of(case: Complaint) -> str | None:
    return protect.decrypt(case.mobile_encrypted) if case.mobile_encrypted else None


def find_case(session: Session, reference: str | None, proved: ProvedMobile) -> Complaint:
    """The case with ``reference`` filed from the proved mobile number (or its account's)."""
    number = references.normalized(reference)
    case = session.scalar(select(Complaint).where(Complaint.reference == number)) if number else None
    if case is not None and case.mobile_hash != mobile_hash(proved.mobile):
        owner = session.get(User, (case.tenant_id, case.user_id)) if case.user_id else None
        if owner is None or owner.mobile != proved.mobile:
            case = None
    if case is None:
        message = _l("No question or complaint has this reference number and mobile number.")
        raise ApplicationError(message, {"reference": [message]})
    return case
