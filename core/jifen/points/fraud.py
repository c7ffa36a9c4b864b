"""The fraud register (弄虚作假): the bar a finding of false materials puts on an applicant.

A reviewer (on an item of their department) or a county administrator records a finding with a reason
and, if they have one, an evidence file. From the day it is found the applicant cannot submit a points
application nor apply to any program round of the county until the bar ends: the rest of that year and
``[fraud] bar_years`` more (default 5: "this year and five more", as in Zhongshan and Beijing), that is
31 December of year + ``bar_years``. The applicant is told, with the end date and the way to contest it
(the county's hotline, within 15 working days). An administrator withdraws a finding after a
successful contest, with a reason. Every step is audited. Recording and withdrawing findings:
:mod:`jifen.points.fraud_register`.

The deduction: a finding rejects the item it concerns if that item waits for a decision. Points taken
off for false materials stay the score item the county's deductions plugin declares (its kind "false
materials"), recorded by the department that verifies it: the core names no plugin.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import clock
from jifen.calendar.workdays import add_working_days
from jifen.county.tenancy import require_tenant
from jifen.errors import ApplicationError
from jifen.models import FraudFinding
from jifen.models.fraud import ACTIVE, WITHDRAWN
from jifen.text import lazy_gettext as _l

DEFAULT_BAR_YEARS = 5
CONTEST_WORKING_DAYS = 15
ENDED = "ended"  # a state shown in lists: active once, its end date passed


def bar_years() -> int:
    """``[fraud] bar_years`` of the county's tenant.toml: the years after the year of the finding."""
    value = ((require_tenant().settings or {}).get("fraud") or {}).get("bar_years", DEFAULT_BAR_YEARS)
    try:
        return max(0, min(int(value), 50))
    except (TypeError, ValueError):
        return DEFAULT_BAR_YEARS


def bar_end(found_on: date) -> date:
    """The last day of the bar: 31 December of the year of the finding plus the county's ``bar_years``."""
    return date(found_on.year + bar_years(), 12, 31)


def contest_by(finding: FraudFinding) -> date:
    return add_working_days(finding.found_on, CONTEST_WORKING_DAYS)


def state_of(finding: FraudFinding, today: date | None = None) -> str:
    """active, ended (its end date passed) or withdrawn."""
    if finding.status == WITHDRAWN:
        return WITHDRAWN
    return ENDED if (today or clock.today()) > finding.ends_on else ACTIVE


def active_finding(session: Session, user_id: int, as_of: date | None = None) -> FraudFinding | None:
    """The finding that bars the applicant on ``as_of`` (today), the one ending last; None: not barred."""
    as_of = as_of or clock.today()
    return session.scalar(select(FraudFinding).where(
        FraudFinding.user_id == user_id, FraudFinding.status == ACTIVE,
        FraudFinding.found_on <= as_of, FraudFinding.ends_on >= as_of,
    ).order_by(FraudFinding.ends_on.desc(), FraudFinding.id.desc()).limit(1))


@dataclass(frozen=True)
class Bar:
    """What an applicant is told about the bar: the finding's number, reason, end date, how to contest."""

    reference: str
    reason: str
    ends_on: date
    contest_by: date
    hotline: str

    @property
    def message(self):
        return _l("You cannot apply in this county until %(date)s: a finding of false materials (%(reference)s): "
                  "%(reason)s. To contest it, contact the county on its hotline %(hotline)s within 15 working days "
                  "of the finding (by %(contest_by)s).",
                  date=self.ends_on.isoformat(), reference=self.reference, reason=self.reason,
                  hotline=self.hotline or "—", contest_by=self.contest_by.isoformat())


def bar_of(finding: FraudFinding | None) -> Bar | None:
    if finding is None:
        return None
    return Bar(finding.reference, finding.reason, finding.ends_on, contest_by(finding), require_tenant().hotline or "")


def barred(session: Session, user_id: int, as_of: date | None = None) -> Bar | None:
    return bar_of(active_finding(session, user_id, as_of))


def refuse_if_barred(session: Session, user_id: int) -> None:
    """Raise ApplicationError with the bar's reason, end date and way to contest, if the applicant is barred."""
    bar = barred(session, user_id)
    if bar is not None:
        raise ApplicationError(bar.message)
