"""The programs' timed work, run every tick for each county (jifen.jobs.timed.TIMED_WORK).

* offers unanswered past their deadline expire, and each place is offered to the next applicant;
* departments are reminded of items due for a decision by the next working day (once a day);
* the county's administrators are told when a provisional list's publication period has ended.

Each is safe to run any number of times: what was done is not done twice.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen import clock
from jifen.calendar.workdays import add_working_days
from jifen.models import DeclaredItem, Message, Offer, ProgramRound, Publication, User, UserDepartment
from jifen.models.application import ITEM_PENDING
from jifen.notifications import notify
from jifen.county.context import current_county
from jifen.programs import offers
from jifen.text import lazy_gettext as _l

TIMED_ACTOR = "scheduler"


def expire_offers(session: Session) -> int:
    """Every round with an offer past its deadline: expire them and pass the places on."""
    round_ids = list(session.scalars(select(Offer.round_id).where(Offer.status == offers.OFFERED,
                                                                  Offer.deadline < clock.today()).distinct()))
    expired = 0
    for round_id in round_ids:
        found = session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))
        if found is not None:
            expired += len(offers.expire(session, found, actor=TIMED_ACTOR))
    return expired


def _already_told(session: Session, user_id: int, kind: str, key: str) -> bool:
    return (session.scalar(select(func.count(Message.id)).where(
        Message.user_id == user_id, Message.kind == kind, Message.params["key"].as_string() == key)) or 0) > 0


def remind_departments(session: Session) -> int:
    """Once a day, each reviewer hears how many of their departments' items are due by the next working day."""
    today = clock.today()
    horizon = add_working_days(today, 1)
    due = dict(session.execute(select(DeclaredItem.department, func.count(DeclaredItem.id))
                               .where(DeclaredItem.status == ITEM_PENDING, DeclaredItem.due_on <= horizon)
                               .group_by(DeclaredItem.department)).all())
    if not due:
        return 0
    hooks = current_county(session).hooks
    told = 0
    key = f"due:{today.isoformat()}"
    concerned = select(UserDepartment.user_id).where(UserDepartment.department.in_(list(due)))
    for reviewer in session.scalars(select(User).where(User.role == "reviewer", User.is_active.is_(True),
                                                       User.id.in_(concerned))):
        if _already_told(session, reviewer.id, "review.due", key):
            continue
        count = sum(due.get(department, 0) for department in reviewer.departments)
        notify(session, hooks, reviewer, _l("Items due for a decision"),
               _l("%(count)d items of your department are due for a decision by %(date)s.",
                  count=count, date=horizon.isoformat()),
               kind="review.due", params={"key": key, "count": count, "date": horizon.isoformat()})
        told += 1
    return told


def announce_period_ends(session: Session) -> int:
    """Tell the administrators, once, that a provisional list's objection period is over."""
    today = clock.today()
    ended = list(session.scalars(select(Publication).where(Publication.stage == "provisional",
                                                           Publication.ends_on < today,
                                                           Publication.ends_on >= today - timedelta(days=30))))
    if not ended:
        return 0
    hooks = current_county(session).hooks
    admins = list(session.scalars(select(User).where(User.role == "admin", User.is_active.is_(True))))
    told = 0
    for publication in ended:
        found = session.scalar(select(ProgramRound).where(ProgramRound.id == publication.round_id))
        if found is None:
            continue
        key = f"publication:{publication.id}"
        for admin in admins:
            if _already_told(session, admin.id, "publication.period_ended", key):
                continue
            notify(session, hooks, admin, _l("A publication period has ended"),
                   _l("The publication period of %(round)s ended on %(date)s: objections are closed, and the "
                      "final list can be published once every objection is decided.", round=found.name,
                      date=publication.ends_on.isoformat() if publication.ends_on else ""),
                   kind="publication.period_ended",
                   params={"key": key, "round": found.name,
                           "date": publication.ends_on.isoformat() if publication.ends_on else ""})
            told += 1
    return told
