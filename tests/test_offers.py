"""Offers after the final list: accept, decline, expiry, the waiting list, and the quota under concurrency."""

from __future__ import annotations

import random
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from flask_babel import force_locale, lazy_gettext
from sqlalchemy import func, select

from jifen import references
from jifen import audit, clock

from jifen.programs import offers
from jifen.points.applications import ApplicationError
from jifen.models import (
    AuditEvent, Message, Offer, ProgramApplication, ProgramRound, Publication, RankingResult, RankingRun, User,
)
from jifen.notifications import MESSAGE_LOCALE
from jifen.calendar.workdays import add_working_days

TODAY = date(2027, 6, 1)  # a Tuesday
TOWN_A, TOWN_B = "魏塘街道", "罗星街道"
GIVEN_NAMES = "一二三四五六七八九十"


@pytest.fixture
def on_day(monkeypatch):
    def _set(day):
        monkeypatch.setattr(clock, "today", lambda: day)

    _set(TODAY)
    return _set


@pytest.fixture
def build_round(county, make_user, on_day):
    """A round made by hand: its applicants, a current run with the given results, and its lists.

    ``entries``: one ``(sub_quota, outcome, allocation_round)`` per applicant, in position order.
    Returns the round id and, per position (from 1), the application number and the user id.
    """

    def _build(entries, *, quota, sub_quotas=None, program="hukou_transfer", second_round=False, cap_percent=10,
               stage="final", tenant="jiashan"):
        people = [make_user(tenant, real_name=f"申请人{GIVEN_NAMES[i % 10]}") for i in range(len(entries))]
        with county(tenant) as session:
            found = ProgramRound(program_key=program, name="2027 第一批", opens_on=date(2027, 1, 1),
                                 closes_on=date(2027, 2, 28), quota=quota, sub_quotas=sub_quotas or {},
                                 second_round=second_round, second_round_cap_percent=cap_percent)
            session.add(found)
            session.flush()
            run = RankingRun(round_id=found.id, seed=7, digest="cd" * 32, input_count=len(entries),
                             allocated_count=sum(1 for e in entries if e[1] == "allocated"), is_current=True,
                             actor="test")
            session.add(run)
            session.flush()
            numbers, users, sub_positions = {}, {}, {}
            for position, (person, (sub, outcome, allocation_round)) in enumerate(zip(people, entries), start=1):
                application = ProgramApplication(reference=references.next_reference(session), round_id=found.id, user_id=person.id, sub_quota=sub)
                session.add(application)
                session.flush()
                sub_positions[sub] = sub_positions.get(sub, 0) + 1
                session.add(RankingResult(run_id=run.id, program_application_id=application.id, position=position,
                                          sub_quota=sub, sub_position=sub_positions[sub],
                                          points=Decimal(200 - position), outcome=outcome,
                                          allocation_round=allocation_round))
                numbers[position], users[position] = application.id, person.id
            published = datetime(2027, 5, 1, 9, 0)
            session.add(Publication(round_id=found.id, run_id=run.id, stage="provisional", starts_on=date(2027, 5, 1),
                                    ends_on=date(2027, 5, 7), actor="test", published_at=published))
            if stage == "final":
                session.add(Publication(round_id=found.id, run_id=run.id, stage="final", starts_on=date(2027, 5, 20),
                                        actor="test", published_at=published + timedelta(days=19)))
            session.commit()
            return {"round": found.id, "numbers": numbers, "users": users, "people": people}

    return _build


def _round(session, built) -> ProgramRound:
    return session.scalar(select(ProgramRound).where(ProgramRound.id == built["round"]))


def _user(session, built, position) -> User:
    return session.scalar(select(User).where(User.id == built["users"][position]))


def _offer_of(session, built, position) -> Offer | None:
    return session.scalar(select(Offer).where(Offer.round_id == built["round"],
                                              Offer.program_application_id == built["numbers"][position]))


def _statuses(session, built) -> dict[int, str]:
    by_number = {number: position for position, number in built["numbers"].items()}
    return {by_number[o.program_application_id]: o.status
            for o in session.scalars(select(Offer).where(Offer.round_id == built["round"]))}


def _holding(session, round_id, sub_quota=...) -> int:
    query = select(func.count(Offer.id)).where(Offer.round_id == round_id, Offer.status.in_(("offered", "accepted")))
    if sub_quota is not ...:
        query = query.where(Offer.sub_quota == sub_quota)
    return session.scalar(query)


ALLOC = (TOWN_A, "allocated", 1)
WAIT = (TOWN_A, "waitlisted", None)


def test_offers_are_made_after_the_final_list_only_and_only_to_allocated(build_round, county):
    built = build_round([ALLOC, ALLOC, WAIT, WAIT, (TOWN_A, "served_by_spouse", None)], quota=2,
                        sub_quotas={TOWN_A: 2}, stage="provisional")
    with county("jiashan") as session:
        with pytest.raises(ApplicationError, match="after the final list"):
            offers.make_offers(session, _round(session, built), actor="test")
        session.rollback()
        found = _round(session, built)
        run = session.scalar(select(RankingRun).where(RankingRun.round_id == found.id))
        session.add(Publication(round_id=found.id, run_id=run.id, stage="final", starts_on=TODAY, actor="test",
                                published_at=datetime(2027, 5, 30)))
        session.commit()
        made = offers.make_offers(session, _round(session, built), actor="admin:1")
        session.commit()
        assert sorted(o.program_application_id for o in made) == [built["numbers"][1], built["numbers"][2]]
        assert all(o.status == "offered" and o.sub_quota == TOWN_A and o.allocation_round == 1 for o in made)
        assert all(o.deadline == add_working_days(TODAY, offers.DEFAULT_OFFER_DAYS) == date(2027, 6, 15)
                   for o in made)
        assert _statuses(session, built) == {1: "offered", 2: "offered"}
        told = session.scalars(select(Message.user_id).where(Message.user_id.in_(built["users"].values()))).all()
        assert sorted(told) == sorted([built["users"][1], built["users"][2]])
        assert "2027-06-15" in session.scalar(select(Message.body).where(Message.user_id == built["users"][1]))
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("offer%"))).all()
        assert actions.count("offer.made") == 2 and actions.count("offers.made") == 1


def test_never_more_offers_than_places_even_if_the_list_allocates_more(build_round, county):
    built = build_round([ALLOC, ALLOC, ALLOC, WAIT], quota=2, sub_quotas={TOWN_A: 2})
    with county("jiashan") as session:
        made = offers.make_offers(session, _round(session, built), actor="test")
        session.commit()
        assert [o.program_application_id for o in made] == [built["numbers"][1], built["numbers"][2]]
        assert _holding(session, built["round"]) == 2


def test_a_new_current_run_without_its_final_list_is_refused(build_round, county):
    built = build_round([ALLOC, WAIT], quota=1, sub_quotas={TOWN_A: 1})
    with county("jiashan") as session:
        found = _round(session, built)
        for run in session.scalars(select(RankingRun).where(RankingRun.round_id == found.id)):
            run.is_current = False
        session.add(RankingRun(round_id=found.id, seed=8, digest="ef" * 32, is_current=True, actor="test"))
        session.commit()
        with pytest.raises(ApplicationError, match="another run"):
            offers.make_offers(session, _round(session, built), actor="test")


def test_a_second_make_offers_is_idempotent(build_round, county):
    built = build_round([ALLOC, ALLOC, WAIT], quota=2, sub_quotas={TOWN_A: 2})
    with county("jiashan") as session:
        assert len(offers.make_offers(session, _round(session, built), actor="test")) == 2
        session.commit()
        offers.decline(session, _offer_of(session, built, 1), _user(session, built, 1))
        session.commit()
        events = session.scalar(select(func.count(AuditEvent.seq)))
        messages = session.scalar(select(func.count(Message.id)))
        assert offers.make_offers(session, _round(session, built), actor="test") == []
        session.commit()
        assert session.scalar(select(func.count(Offer.id))) == 3
        assert _statuses(session, built) == {1: "declined", 2: "offered", 3: "offered"}
        assert session.scalar(select(func.count(AuditEvent.seq))) == events
        assert session.scalar(select(func.count(Message.id))) == messages


def test_accept(build_round, county):
    built = build_round([ALLOC, WAIT], quota=1)
    with county("jiashan") as session:
        offers.make_offers(session, _round(session, built), actor="test")
        session.commit()
        offer = offers.accept(session, _offer_of(session, built, 1), _user(session, built, 1))
        session.commit()
        assert offer.status == "accepted" and offer.decided_at is not None
        assert _statuses(session, built) == {1: "accepted"}  # nobody else is offered anything
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "offer.accepted"))
        assert event.actor == f"user:{built['users'][1]}" and event.target_id == str(offer.id)
        with pytest.raises(ApplicationError, match="answered already"):
            offers.decline(session, _offer_of(session, built, 1), _user(session, built, 1))
        session.rollback()
        assert offers.offer_for(session, _round(session, built), _user(session, built, 1)).status == "accepted"
        assert audit.verify(session).ok


def test_decline_passes_the_place_to_the_next_waitlisted_of_the_same_sub_quota(build_round, county):
    # Town A has two places, town B one. B's waitlisted applicant ranks above A's overall.
    built = build_round([(TOWN_A, "allocated", 1), (TOWN_A, "allocated", 1), (TOWN_B, "allocated", 1),
                         (TOWN_B, "waitlisted", None), (TOWN_A, "waitlisted", None), (TOWN_A, "waitlisted", None)],
                        quota=3, sub_quotas={TOWN_A: 2, TOWN_B: 1})
    with county("jiashan") as session:
        offers.make_offers(session, _round(session, built), actor="test")
        session.commit()
        successor = offers.decline(session, _offer_of(session, built, 1), _user(session, built, 1), reason=" 已在外地落户 ")
        session.commit()
        declined = _offer_of(session, built, 1)
        assert declined.status == "declined" and declined.reason == "已在外地落户" and declined.decided_at
        assert successor.program_application_id == built["numbers"][5]  # A's next, not B's better-placed one
        assert successor.sub_quota == TOWN_A and successor.replaces_offer_id == declined.id
        assert successor.allocation_round == 1 and successor.deadline == add_working_days(TODAY, 10)
        assert session.scalar(select(func.count(Message.id)).where(Message.user_id == built["users"][5])) == 1
        successor = offers.decline(session, _offer_of(session, built, 3), _user(session, built, 3))
        session.commit()
        assert successor.program_application_id == built["numbers"][4] and successor.sub_quota == TOWN_B
        # B has nobody left and the round has no second round: the place stays empty.
        assert offers.decline(session, _offer_of(session, built, 4), _user(session, built, 4)) is None
        session.commit()
        assert _statuses(session, built) == {1: "declined", 2: "offered", 3: "declined", 4: "declined", 5: "offered"}
        assert _holding(session, built["round"], TOWN_A) == 2 and _holding(session, built["round"], TOWN_B) == 0
        summary = {line.sub_quota: line for line in offers.summary(session, _round(session, built))}
        assert (summary[TOWN_A].places, summary[TOWN_A].offered, summary[TOWN_A].waiting) == (2, 2, 1)
        assert (summary[TOWN_B].places, summary[TOWN_B].declined, summary[TOWN_B].free) == (1, 2, 1)


def test_a_sub_quota_with_nobody_left_passes_on_county_wide_in_a_second_round_within_the_cap(build_round, county):
    # Two places each; B has nobody waiting. A cap of 50% lets A's applicants take one of B's places.
    built = build_round([(TOWN_A, "allocated", 1), (TOWN_B, "allocated", 1), (TOWN_A, "allocated", 1),
                         (TOWN_B, "allocated", 1), (TOWN_A, "waitlisted", None), (TOWN_A, "waitlisted", None)],
                        quota=4, sub_quotas={TOWN_A: 2, TOWN_B: 2}, second_round=True, cap_percent=50)
    with county("jiashan") as session:
        offers.make_offers(session, _round(session, built), actor="test")
        session.commit()
        successor = offers.decline(session, _offer_of(session, built, 2), _user(session, built, 2))
        session.commit()
        assert successor.program_application_id == built["numbers"][5]
        assert successor.sub_quota == TOWN_B and successor.allocation_round == 2
        assert offers.decline(session, _offer_of(session, built, 4), _user(session, built, 4)) is None  # cap reached
        session.commit()
        # A place of A's own still goes to A's next.
        successor = offers.decline(session, _offer_of(session, built, 1), _user(session, built, 1))
        session.commit()
        assert successor.program_application_id == built["numbers"][6] and successor.sub_quota == TOWN_A
        assert _holding(session, built["round"], TOWN_A) == 2 and _holding(session, built["round"], TOWN_B) == 1


def test_second_round_allocations_of_the_list_hold_places_left_by_other_sub_quotas(build_round, county):
    built = build_round([(TOWN_A, "allocated", 1), (TOWN_A, "allocated", 2), (TOWN_B, "allocated", 1),
                         (TOWN_A, "waitlisted", None)],
                        quota=4, sub_quotas={TOWN_A: 1, TOWN_B: 3}, second_round=True, cap_percent=100)
    with county("jiashan") as session:
        made = offers.make_offers(session, _round(session, built), actor="test")
        session.commit()
        pools = {o.program_application_id: (o.sub_quota, o.allocation_round) for o in made}
        assert pools == {built["numbers"][1]: (TOWN_A, 1), built["numbers"][2]: (TOWN_B, 2),
                         built["numbers"][3]: (TOWN_B, 1)}


def test_expiry_passes_the_place_on(build_round, county, on_day, cli):
    built = build_round([ALLOC, ALLOC, WAIT, WAIT], quota=2)
    with county("jiashan") as session:
        offers.make_offers(session, _round(session, built), actor="test", days=3)
        session.commit()
        offers.accept(session, _offer_of(session, built, 2), _user(session, built, 2))
        session.commit()
        assert offers.expire(session, _round(session, built), actor="test") == []
    on_day(date(2027, 6, 4))  # the deadline itself: still open
    with county("jiashan") as session:
        assert offers.expire(session, _round(session, built), actor="test") == []
    on_day(date(2027, 6, 7))
    result = cli("offers", "expire", "--tenant", "jiashan", str(built["round"]))
    assert result.exit_code == 0, result.output
    assert "1 offers expired" in result.output and f"offered to application {built['numbers'][3]}" in result.output
    with county("jiashan") as session:
        assert _statuses(session, built) == {1: "expired", 2: "accepted", 3: "offered"}
        successor = _offer_of(session, built, 3)
        assert successor.deadline == add_working_days(date(2027, 6, 7), 10)
        assert successor.replaces_offer_id == _offer_of(session, built, 1).id
        subjects = session.scalars(select(Message.subject).where(Message.user_id == built["users"][1])).all()
        assert len(subjects) == 2  # the offer, then its expiry
        assert session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action == "offer.expired")) == 1
        assert offers.expire(session, _round(session, built), actor="test") == []


def test_only_the_applicant_may_answer(build_round, county, make_user):
    built = build_round([ALLOC, ALLOC], quota=2)
    admin = make_user("jiashan", role="admin")
    with county("jiashan") as session:
        offers.make_offers(session, _round(session, built), actor="test")
        session.commit()
        offer = _offer_of(session, built, 1)
        for other in (_user(session, built, 2), session.scalar(select(User).where(User.id == admin.id))):
            for answer in (offers.accept, offers.decline):
                with pytest.raises(ApplicationError, match="Only the applicant"):
                    answer(session, offer, other)
                session.rollback()
        assert _statuses(session, built) == {1: "offered", 2: "offered"}


def test_after_the_deadline_the_offer_cannot_be_answered(build_round, county, on_day):
    built = build_round([ALLOC, WAIT], quota=1)
    with county("jiashan") as session:
        offers.make_offers(session, _round(session, built), actor="test", days=2)
        session.commit()
    on_day(date(2027, 6, 3))  # the deadline: still in time
    with county("jiashan") as session:
        assert _offer_of(session, built, 1).deadline == date(2027, 6, 3)
    on_day(date(2027, 6, 4))
    with county("jiashan") as session:
        for answer in (offers.accept, offers.decline):
            with pytest.raises(ApplicationError, match="deadline"):
                answer(session, _offer_of(session, built, 1), _user(session, built, 1))
            session.rollback()
        assert _statuses(session, built) == {1: "offered"}


def test_the_offer_days_setting_and_the_forfeit_rule(build_round, county):
    from jifen.models import PluginEnablement

    built = build_round([("实验小学", "allocated", 1), ("实验小学", "waitlisted", None)], quota=1,
                        sub_quotas={"实验小学": 1}, program="school_enrollment")
    with county("jiashan") as session:
        row = session.scalar(select(PluginEnablement).where(PluginEnablement.plugin_name == "school_enrollment"))
        row.settings = {**row.settings, "offer_days": 5}
        session.commit()
        [offer] = offers.make_offers(session, _round(session, built), actor="test")
        session.commit()
        assert offer.deadline == add_working_days(TODAY, 5)
        body = session.scalar(select(Message.body).where(Message.user_id == built["users"][1]))
        with force_locale(MESSAGE_LOCALE):
            assert body == str(lazy_gettext(
                "You are offered a place in %(round)s (application %(number)s). Accept or decline it by "
                "%(deadline)s. Declining forfeits the place. If you have not answered by then, the place "
                "passes to the next applicant on the waiting list.", round="2027 第一批",
                number=session.get(ProgramApplication, (offer.tenant_id, offer.program_application_id)).reference,
                deadline=offer.deadline.isoformat()))
        offers.decline(session, offer, _user(session, built, 1))
        session.commit()
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "offer.declined"))
        assert event.details["forfeits"] is True
        assert _statuses(session, built) == {1: "declined", 2: "offered"}


def test_offers_commands(build_round, cli):
    built = build_round([ALLOC, ALLOC, WAIT], quota=2, sub_quotas={TOWN_A: 2})
    round_id = str(built["round"])
    result = cli("offers", "make", "--tenant", "jiashan", round_id)
    assert result.exit_code == 0, result.output
    assert "2 offers made" in result.output and "2027-06-15" in result.output
    again = cli("offers", "make", "--tenant", "jiashan", round_id)
    assert again.exit_code == 0 and "no new offer" in again.output
    listing = cli("offers", "list", "--tenant", "jiashan", round_id)
    assert listing.exit_code == 0, listing.output
    assert str(built["numbers"][1]) in listing.output and str(built["numbers"][3]) not in listing.output
    assert any(line.split()[:3] == [TOWN_A, "2", "2"] for line in listing.output.splitlines())
    assert cli("offers", "list", "--tenant", "jiashan", "--status", "accepted", round_id).output.endswith(
        "no offer accepted yet\n")
    missing = cli("offers", "make", "--tenant", "jiashan", "12345")
    assert missing.exit_code != 0 and "no round 12345" in missing.output
    assert cli("offers", "make", "--tenant", "nowhere", round_id).exit_code != 0


def test_offers_need_the_final_list_on_the_command_line_too(build_round, cli):
    built = build_round([ALLOC], quota=1, stage="provisional")
    result = cli("offers", "make", "--tenant", "jiashan", str(built["round"]))
    assert result.exit_code != 0 and "final list" in result.output


def test_offers_are_county_scoped(build_round, county):
    built = build_round([ALLOC, WAIT], quota=1)
    with county("jiashan") as session:
        offers.make_offers(session, _round(session, built), actor="test")
        session.commit()
    with county("haining") as session:
        assert session.scalar(select(func.count(Offer.id))) == 0


# --------------------------------------------------------------------------- concurrency (PostgreSQL)

QUOTA = 3
APPLICANTS = 10
DECLINERS = {1, 2, 3, 5, 6, 8}  # positions that decline (twice at once: a double submit)
TORN = {4, 7}  # accept and decline at once (a change of mind racing the acceptance)
CLICKS = 2  # each applicant answers twice at once; the others accept twice


def _answer(position: int, click: int):
    if position in DECLINERS or (position in TORN and click == 1):
        return offers.decline
    return offers.accept


@pytest.mark.postgres_only
def test_many_accepting_and_declining_at_once_never_exceed_the_quota(app, build_round, county):
    from jifen.cli.binding import county as bind
    from jifen.db.session import get_session

    built = build_round([ALLOC] * QUOTA + [WAIT] * (APPLICANTS - QUOTA), quota=QUOTA, sub_quotas={TOWN_A: QUOTA})
    round_id = built["round"]
    with county("jiashan") as session:
        assert len(offers.make_offers(session, _round(session, built), actor="test")) == QUOTA
        session.commit()

    start = threading.Barrier(APPLICANTS * CLICKS + 1)
    stop = threading.Event()
    lock = threading.Lock()
    failures: list[str] = []
    refused: list[str] = []
    samples: list[int] = []

    def worker(position: int, click: int) -> None:
        rng = random.Random(position * 10 + click)
        try:
            with app.app_context(), bind("jiashan"):
                session = get_session()
                user = session.scalar(select(User).where(User.id == built["users"][position]))
                session.commit()
                start.wait(timeout=30)
                give_up = time.monotonic() + 60
                while time.monotonic() < give_up:
                    offer = session.scalar(select(Offer).where(Offer.round_id == round_id,
                                                               Offer.program_application_id == built["numbers"][position])
                                           .execution_options(populate_existing=True))
                    if offer is not None and offer.status != "offered":
                        session.rollback()
                        return  # answered (by this click or the other)
                    if offer is None:
                        still_open = session.scalar(select(func.count(Offer.id)).where(
                            Offer.round_id == round_id, Offer.status == "offered"))
                        session.rollback()
                        if not still_open:
                            return  # every place is taken for good: nothing more will be offered
                        time.sleep(rng.uniform(0.001, 0.01))
                        continue
                    try:
                        _answer(position, click)(session, offer, user)
                        session.flush()
                        held = _holding(session, round_id)  # inside the deciding transaction
                        session.commit()
                        if held > QUOTA:
                            with lock:
                                failures.append(f"{position}: {held} places held after its answer")
                    except ApplicationError as exc:
                        session.rollback()
                        with lock:
                            refused.append(f"{position}/{click}: {exc}")
                        return
                with lock:
                    failures.append(f"{position}/{click}: still waiting after 60 s")
        except Exception as exc:  # noqa: BLE001 - every unexpected error fails the test
            with lock:
                failures.append(f"{position}/{click}: {type(exc).__name__}: {exc}")

    def monitor() -> None:
        with app.app_context(), bind("jiashan"):
            session = get_session()
            start.wait(timeout=30)
            while not stop.is_set():
                held = _holding(session, round_id)
                session.rollback()
                with lock:
                    samples.append(held)
                time.sleep(0.002)

    threads = [threading.Thread(target=worker, args=(p, c)) for p in range(1, APPLICANTS + 1) for c in range(CLICKS)]
    watcher = threading.Thread(target=monitor)
    for t in (*threads, watcher):
        t.start()
    for t in threads:
        t.join(timeout=120)
    stop.set()
    watcher.join(timeout=10)

    assert not failures, failures
    assert samples and max(samples) <= QUOTA, f"{max(samples)} places held at once"
    with county("jiashan") as session:
        statuses = _statuses(session, built)
        every = session.scalars(select(Offer).where(Offer.round_id == round_id)).all()
        assert "offered" not in statuses.values()  # every offer was answered
        accepted = [p for p, status in statuses.items() if status == "accepted"]
        assert len(accepted) == _holding(session, round_id) <= QUOTA
        assert all(statuses[p] == "declined" for p in DECLINERS if p in statuses)
        assert all(statuses[p] == "accepted" for p in statuses if p not in DECLINERS | TORN)
        assert {1, 2, 3} <= statuses.keys()
        # Every declined place was offered to the next while anybody was waiting, exactly once.
        declined_ids = {o.id for o in every if o.status == "declined"}
        replaced = [o.replaces_offer_id for o in every if o.replaces_offer_id is not None]
        assert len(replaced) == len(set(replaced)) and set(replaced) <= declined_ids
        if set(replaced) != declined_ids:
            assert len(every) == APPLICANTS  # only once nobody was left waiting
        if len(every) < APPLICANTS:
            assert len(accepted) == QUOTA  # people still waiting: no place left empty
        assert len(every) == QUOTA + len(replaced)
        # Positions were offered down the list in order: nobody skipped.
        assert sorted(statuses) == list(range(1, len(every) + 1))
        per_application = session.execute(select(Offer.program_application_id, func.count(Offer.id))
                                          .where(Offer.round_id == round_id)
                                          .group_by(Offer.program_application_id)).all()
        assert all(n == 1 for _number, n in per_application)
        decisions = session.execute(select(AuditEvent.target_id, func.count(AuditEvent.seq))
                                    .where(AuditEvent.action.in_(("offer.accepted", "offer.declined")))
                                    .group_by(AuditEvent.target_id)).all()
        assert len(decisions) == len(every) and all(n == 1 for _target, n in decisions)  # one click won each
        assert audit.verify(session).ok
