"""The committee step of a program with ``committee_review`` (评优推先): applications are nominations, and
the reviewers of the department the county chose (the program's setting ``committee_department``)
approve each one or set it aside with a reason before the round can be ranked.

A nomination set aside leaves the competition: its status becomes ``set_aside`` (a ranking takes
``applied`` applications only) and its applicant is told why; an approved one competes. A decision is
taken once, while the round is open or closed and not yet ranked; each is audited. A county
administrator may decide too, like in any department's review queue. While a nomination waits the
round cannot be ranked (:func:`jifen.ranking.runs.run` refuses).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen import audit, clock
from jifen.county.context import current_county
from jifen.county.departments import department_field
from jifen.errors import ApplicationError
from jifen.models import ProgramApplication, ProgramRound, User
from jifen.notifications import notify
from jifen.plugin.kinds import ProgramSettings, ServiceProgram
from jifen.programs import states
from jifen.programs.rounds import APPLIED, settings_of
from jifen.text import lazy_gettext as _l

APPROVED, SET_ASIDE = "approved", "set_aside"  # ProgramApplication.review_status; None: waiting
DECISIONS = (APPROVED, SET_ASIDE)
SETTING = "committee_department"
DECIDABLE_STATES = frozenset({states.OPEN, states.CLOSED})  # after a current run, decisions are final
REASON_MAX = 500


class CommitteeSettings(ProgramSettings):
    """Settings of a program with ``committee_review``: derive the program's settings from it."""

    committee_department = department_field(
        label={"zh": "评审部门", "en": "Committee's department"},
        help={"zh": "由此部门的审核人员审议推荐名单，通过或不予推荐；不填则由县管理员审议。",
              "en": "The reviewers of this department approve the nominations or set them aside; "
                    "left empty, the county's administrators decide."})


def department_of(session: Session, program: ServiceProgram) -> str | None:
    """The committee's department the county chose for ``program`` (None: administrators only)."""
    return settings_of(session, program).get(SETTING)


def may_decide(session: Session, program: ServiceProgram, own_departments: tuple[str, ...] | None) -> bool:
    """Whether someone with ``own_departments`` (None: a county administrator) sits on the committee."""
    if not program.committee_review:
        return False
    if own_departments is None:
        return True
    department = department_of(session, program)
    return department is not None and department in own_departments


def committee_programs(session: Session, own_departments: tuple[str, ...] | None) -> list[ServiceProgram]:
    return [p for p in current_county(session).programs if may_decide(session, p, own_departments)]


@dataclass(frozen=True)
class Counts:
    waiting: int = 0
    approved: int = 0
    set_aside: int = 0

    @property
    def total(self) -> int:
        return self.waiting + self.approved + self.set_aside


def counts(session: Session, found: ProgramRound) -> Counts:
    """The round's nominations (withdrawn ones aside) by the committee's decision, counted by the database."""
    rows = session.execute(
        select(ProgramApplication.review_status, func.count(ProgramApplication.id))
        .where(ProgramApplication.round_id == found.id, ProgramApplication.status.in_((APPLIED, SET_ASIDE)))
        .group_by(ProgramApplication.review_status)).all()
    found_counts = {status: count for status, count in rows}
    return Counts(found_counts.get(None, 0), found_counts.get(APPROVED, 0), found_counts.get(SET_ASIDE, 0))


def nominations(session: Session, found: ProgramRound) -> list[ProgramApplication]:
    """The round's nominations, waiting ones first, then in the order they came."""
    rows = session.scalars(select(ProgramApplication)
                           .where(ProgramApplication.round_id == found.id,
                                  ProgramApplication.status.in_((APPLIED, SET_ASIDE)))
                           .order_by(ProgramApplication.applied_at, ProgramApplication.id))
    return sorted(rows, key=lambda a: a.review_status is not None)


def refusal(session: Session, found: ProgramRound):
    """Why the round's nominations can no longer be decided (a message), or None."""
    name = states.state_of(session, found).name
    if name == states.DRAFT:
        return _l("The round has not opened yet: there is nothing to decide.")
    if name not in DECIDABLE_STATES:
        return _l("The round is ranked: the committee's decisions can no longer change.")
    return None


def decide(session: Session, found: ProgramRound, application: ProgramApplication, raw: dict, *,
           reviewer: User) -> ProgramApplication:
    """Approve the nomination or set it aside with a reason; audited, and the applicant is told."""
    program = current_county(session).programs_by_key.get(found.program_key)
    if program is None or not program.committee_review or application.round_id != found.id:
        raise ApplicationError(_l("This county does not offer this program."))
    refused = refusal(session, found)
    if refused is not None:
        raise ApplicationError(refused)
    if application.status != APPLIED or application.review_status is not None:
        raise ApplicationError(_l("This nomination is decided already, or withdrawn."))
    decision = raw.get("decision")
    if decision not in DECISIONS:
        message = _l("Choose whether the committee approves the nomination or sets it aside.")
        raise ApplicationError(message, {"decision": [message]})
    reason = " ".join(str(raw.get("reason") or "").split())
    if len(reason) > REASON_MAX:
        message = _l("Keep the reason to %(most)d characters.", most=REASON_MAX)
        raise ApplicationError(message, {"reason": [message]})
    if decision == SET_ASIDE and len(reason) < 2:
        message = _l("Say why the nomination is set aside: the applicant reads the reason.")
        raise ApplicationError(message, {"reason": [message]})
    application.review_status = decision
    application.review_reason = reason or None
    application.reviewed_by = reviewer.id
    application.reviewed_at = clock.utcnow()
    if decision == SET_ASIDE:
        application.status = SET_ASIDE  # out of the competition: a ranking takes applied ones only
    session.flush()
    audit.record(session, f"nomination.{decision}", actor=reviewer.actor, target_type="program_application",
                 target_id=application.id, details={"round": found.id, "program": program.key,
                                                    "number": application.reference, "reason": reason or None})
    _tell(session, program, found, application, decision, reason)
    return application


def _tell(session: Session, program: ServiceProgram, found: ProgramRound, application: ProgramApplication,
          decision: str, reason: str) -> None:
    applicant = session.get(User, (application.tenant_id, application.user_id))
    if applicant is None:
        return
    values = {"round": found.name, "reference": application.reference}
    if decision == APPROVED:
        subject = _l("Your nomination is approved")
        body = _l("The committee approved your nomination %(reference)s in %(round)s. It is ranked with the other "
                  "approved nominations, and the list is published.", **values)
    else:
        subject = _l("Your nomination is set aside")
        body = _l("The committee set aside your nomination %(reference)s in %(round)s. Its reason: %(reason)s",
                  reason=reason, **values)
    notify(session, current_county(session).hooks, applicant, subject, body, kind="nomination.decided",
           params=values)
