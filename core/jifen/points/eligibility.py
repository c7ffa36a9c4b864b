"""Veto conditions (一票否决): who may submit a points application at all.

The conditions come from plugins through the ``check_eligibility`` hook; the core's default plugin
:mod:`jifen.default_plugins.basic_eligibility` holds the ones every scheme has (residence permit,
continuous work in the county, no criminal penalty, minor children without a record), each
switchable in the county's ``[eligibility]`` settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import clock
from jifen.models import ApplicantProfile, FamilyMember
from jifen.plugin.manager import CountyHooks
from jifen.points.fraud import Bar, barred
from jifen.points.record import ApplicantRecord, record_of
from jifen.county.tenancy import require_tenant


@dataclass(frozen=True)
class Child:
    birth_date: date
    criminal_record: bool


@dataclass(frozen=True)
class ApplicantFacts:
    has_residence_permit: bool = False
    works_in_county_since: date | None = None
    criminal_penalty: bool = False
    births_over_quota: bool = False
    children: tuple[Child, ...] = field(default=())
    as_of: date = field(default_factory=clock.today)
    # The confirmed points: items with their dates, subtotals, deductions, family (jifen.points.record).
    record: ApplicantRecord = field(default_factory=ApplicantRecord)
    # A finding of false materials barring the applicant on ``as_of`` (jifen.points.fraud); None: not barred.
    fraud_bar: Bar | None = None


@dataclass(frozen=True)
class Veto:
    """A failed condition: a stable key, and the message the applicant reads (a lazy string)."""

    key: str
    message: object


def facts_for(session: Session, user_id: int, as_of: date | None = None) -> ApplicantFacts:
    profile = session.get(ApplicantProfile, (require_tenant().id, user_id))
    as_of = as_of or clock.today()
    family = list(session.scalars(select(FamilyMember).where(FamilyMember.user_id == user_id)
                                  .order_by(FamilyMember.id)))
    children = tuple(Child(m.birth_date, m.criminal_record) for m in family if m.relation == "child")
    record = record_of(session, user_id, family=family, as_of=as_of)
    bar = barred(session, user_id, as_of)
    if profile is None:
        return ApplicantFacts(children=children, as_of=as_of, record=record, fraud_bar=bar)
    return ApplicantFacts(
        has_residence_permit=profile.has_residence_permit,
        works_in_county_since=profile.works_in_county_since,
        criminal_penalty=profile.criminal_penalty,
        births_over_quota=profile.births_over_quota,
        children=children,
        as_of=as_of,
        record=record,
        fraud_bar=bar,
    )


def vetoes(hooks: CountyHooks, facts: ApplicantFacts) -> list[Veto]:
    settings = dict(require_tenant().settings.get("eligibility", {}))
    found: list[Veto] = []
    if facts.fraud_bar is not None and facts.fraud_bar.ends_on >= facts.as_of:  # the core's rule, not switchable
        found.append(Veto("fraud_bar", facts.fraud_bar.message))
    for result in hooks.check_eligibility(applicant=facts, settings=settings):
        found.extend(result or [])
    return found
