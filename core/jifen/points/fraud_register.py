"""Recording and withdrawing findings of false materials (弄虚作假); the bar itself: :mod:`jifen.points.fraud`.

The deduction: a finding rejects the item it concerns if that item waits for a decision. Points taken
off for false materials stay the score item the county's deductions plugin declares (its kind "false
materials"), recorded by the department that verifies it: the core names no plugin.
"""

from __future__ import annotations

from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit, clock, references, storage
from jifen.county.tenancy import require_tenant
from jifen.db.session import utcnow
from jifen.errors import ApplicationError
from jifen.models import DeclaredItem, FraudFinding, User
from jifen.models.application import ITEM_PENDING, ITEM_REJECTED
from jifen.models.fraud import ACTIVE, WITHDRAWN
from jifen.notifications import notify
from jifen.plugin.manager import CountyHooks
from jifen.points.fraud import bar_end, bar_of
from jifen.text import lazy_gettext as _l

AREA = "_findings"  # where evidence files of findings are kept (jifen.storage)


def _store_evidence(session: Session, filename: str, stream: BinaryIO) -> tuple[str, str, str, str]:
    """Check and keep the evidence file as evidence uploads are (PDF, JPEG, PNG by content); return
    (name, content type, key, sha256)."""
    from jifen.points.evidence import keep_checked

    kept = keep_checked(session, filename, stream, area=AREA)
    return kept.name, kept.content_type, kept.storage_name, kept.sha256


def open_evidence(session: Session, finding: FraudFinding) -> BinaryIO:
    """The finding's evidence file for reading; raises jifen.storage.StoredFileMissing."""
    if not finding.evidence_key:
        raise storage.StoredFileMissing(finding.id)
    return storage.current_store(session, area=AREA).open(finding.tenant_id, finding.evidence_key)


def record_finding(session: Session, hooks: CountyHooks, applicant: User, reason: str | None, *, actor: str,
                   item: DeclaredItem | None = None, concerns_reference: str | None = None,
                   evidence: tuple[str, BinaryIO] | None = None) -> FraudFinding:
    """Record a finding of false materials against ``applicant``; the caller commits.

    The item it concerns, if waiting for a decision, is rejected with the same reason. The applicant is
    told the end date of the bar and how to contest it.
    """
    from jifen.points import review
    from jifen.points.evidence import EvidenceError

    reason = (reason or "").strip()[:2000]
    if not reason:
        raise ApplicationError(_l("Give the reason: the applicant reads it."), {"reason": [_l("This field is required.")]})
    if applicant.role != "applicant":
        raise ApplicationError(_l("A finding of false materials is recorded against an applicant."))
    today = clock.today()
    finding = FraudFinding(user_id=applicant.id, reference=references.next_reference(session), reason=reason,
                           item_id=item.id if item is not None else None, concerns_reference=concerns_reference,
                           found_on=today, ends_on=bar_end(today), found_by=actor, status=ACTIVE)
    if evidence is not None and evidence[0]:
        try:
            finding.evidence_name, finding.evidence_type, finding.evidence_key, finding.evidence_sha256 = \
                _store_evidence(session, *evidence)
        except EvidenceError as exc:
            raise ApplicationError(exc.message, {"evidence": [exc.message]}) from None
    session.add(finding)
    session.flush()
    audit.record(session, "fraud.finding_recorded", actor=actor, target_type="user", target_id=applicant.id,
                 details={"number": finding.reference, "reason": reason, "ends_on": finding.ends_on.isoformat(),
                          "item_type": item.item_type if item is not None else None,
                          "sha256": finding.evidence_sha256})
    if item is not None and item.status == ITEM_PENDING:
        review.decide(session, hooks, item, ITEM_REJECTED, str(_l("False materials: %(reason)s", reason=reason)),
                      reviewer_actor=actor)
    bar = bar_of(finding)
    notify(session, hooks, applicant, _l("A finding of false materials"), bar.message, kind="fraud.finding_recorded",
           params={"reference": finding.reference, "ends_on": finding.ends_on.isoformat(),
                   "hotline": bar.hotline, "contest_by": bar.contest_by.isoformat()})
    return finding


def withdraw(session: Session, hooks: CountyHooks, finding: FraudFinding, reason: str | None, *, actor: str) -> None:
    """Withdraw a finding (after a successful contest): the bar is lifted at once. The caller commits."""
    reason = (reason or "").strip()[:2000]
    if finding.status == WITHDRAWN:
        raise ApplicationError(_l("This finding is withdrawn already."))
    if not reason:
        raise ApplicationError(_l("Say why the finding is withdrawn."), {"reason": [_l("This field is required.")]})
    finding.status, finding.withdrawn_reason, finding.withdrawn_by, finding.withdrawn_at = \
        WITHDRAWN, reason, actor, utcnow()
    audit.record(session, "fraud.finding_withdrawn", actor=actor, target_type="user", target_id=finding.user_id,
                 details={"number": finding.reference, "reason": reason})
    applicant = session.get(User, (finding.tenant_id, finding.user_id))
    if applicant is not None:
        notify(session, hooks, applicant, _l("A finding of false materials is withdrawn"),
               _l("The finding %(reference)s is withdrawn: %(reason)s. You may apply in this county again.",
                  reference=finding.reference, reason=reason),
               kind="fraud.finding_withdrawn", params={"reference": finding.reference})


def findings(session: Session) -> list[FraudFinding]:
    """The county's findings, newest first."""
    return list(session.scalars(select(FraudFinding).order_by(FraudFinding.created_at.desc(), FraudFinding.id.desc())))


def applicant_by_reference(session: Session, text: str | None) -> tuple[User, str] | None:
    """The applicant whose points or program application has the reference number ``text`` (as typed)."""
    from jifen.models import Application, ProgramApplication

    number = references.normalized(text)
    if number is None:
        return None
    for model in (Application, ProgramApplication):
        user_id = session.scalar(select(model.user_id).where(model.reference == number))
        if user_id is not None:
            user = session.get(User, (require_tenant().id, user_id))
            if user is not None:
                return user, number
    return None
