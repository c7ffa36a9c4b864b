"""Timed work with no command run: each tick of the scheduler (or the embedded timer) expires offers
past their deadline and passes the place on, reminds reviewers of due items once a day, and tells
administrators once that a publication period has ended."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from jifen.county.tenancy import require_tenant
from jifen.jobs import timed
from jifen.models import Message, Offer, User
from jifen.programs import offers
from jifen.models import ProgramRound
from test_offers import build_round, on_day  # noqa: F401 - fixtures


def _messages(session, kind):
    return list(session.scalars(select(Message).where(Message.kind == kind)))


def test_an_unanswered_offer_expires_on_the_next_tick_after_its_deadline_and_the_next_applicant_is_offered(
        app, county, build_round, on_day):
    built = build_round([(None, "allocated", 1), (None, "waitlisted", None)], quota=1)
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, built["round"]))
        made = offers.make_offers(session, found, actor="test")
        session.commit()
        deadline = made[0].deadline
    on_day(deadline)  # the deadline day itself: still open
    assert timed.tick_in_app(app)["jiashan"]["expire_offers"] == 0
    on_day(deadline + timedelta(days=1))
    assert timed.tick_in_app(app)["jiashan"]["expire_offers"] == 1
    assert timed.tick_in_app(app)["jiashan"]["expire_offers"] == 0  # nothing is done twice
    with county("jiashan") as session:
        by_user = {o.user_id: o for o in session.scalars(select(Offer).where(Offer.round_id == built["round"]))}
        assert by_user[built["users"][1]].status == "expired"
        assert by_user[built["users"][2]].status == "offered"
        told = {m.user_id: m.kind for m in session.scalars(select(Message).where(Message.kind.like("offer.%")))
                if m.kind != "offer.made" or m.user_id == built["users"][2]}
        assert told[built["users"][1]] == "offer.expired" and told[built["users"][2]] == "offer.made"


def test_reviewers_hear_once_a_day_of_items_due_by_the_next_working_day(app, county, make_user,
                                                                        applicant_with_points, on_day):
    from jifen.models import DeclaredItem
    from jifen.models.application import ITEM_PENDING

    on_day(date(2027, 6, 1))
    reviewer = make_user("jiashan", role="reviewer", department="education")
    person = applicant_with_points("jiashan", [("education", {"level": "college", "institution": "嘉兴学院",
                                                              "graduated_on": "2012-06-30"})])
    with county("jiashan") as session:
        item = session.get(DeclaredItem, (require_tenant().id, person.item_ids[0]))
        item.status, item.due_on = ITEM_PENDING, date(2027, 6, 2)
        session.commit()
    assert timed.tick_in_app(app)["jiashan"]["remind_departments"] == 1
    assert timed.tick_in_app(app)["jiashan"]["remind_departments"] == 0
    with county("jiashan") as session:
        [reminder] = _messages(session, "review.due")
        assert reminder.user_id == reviewer.id and "1" in reminder.body and "2027-06-02" in reminder.body
    on_day(date(2027, 6, 2))
    assert timed.tick_in_app(app)["jiashan"]["remind_departments"] == 1  # a new day, a new reminder


def test_administrators_are_told_once_that_a_publication_period_ended(app, county, make_user, build_round, on_day):
    admin = make_user("jiashan", role="admin")
    build_round([(None, "allocated", 1)], quota=1, stage="provisional")  # its period ends on 2027-05-07
    on_day(date(2027, 5, 7))
    assert timed.tick_in_app(app)["jiashan"]["announce_period_ends"] == 0
    on_day(date(2027, 5, 8))
    assert timed.tick_in_app(app)["jiashan"]["announce_period_ends"] == 1
    assert timed.tick_in_app(app)["jiashan"]["announce_period_ends"] == 0
    with county("jiashan") as session:
        [told] = _messages(session, "publication.period_ended")
        assert told.user_id == admin.id and "2027-05-07" in told.body
        assert session.scalar(select(func.count(User.id)).where(User.role == "admin")) == 1
