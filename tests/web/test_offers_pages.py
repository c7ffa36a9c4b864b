"""An offer people understand: what is offered in words, confirmation pages naming the consequence, a box
to tick (nothing changes without it), and what happens next after accepting."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from jifen import references
from jifen.models import Offer, ProgramApplication, ProgramRound, Publication, RankingResult, RankingRun
from jifen.programs import offers

SCHOOL = "嘉善第一小学"


@pytest.fixture
def offered(county, make_user, client_as, on_day):
    """A Jiashan school round whose final list gave the first of two applicants a place; offers made."""
    on_day(date(2027, 6, 1))
    people = [make_user("jiashan", real_name=name) for name in ("陈新民", "王芳芳")]
    with county("jiashan") as session:
        found = ProgramRound(program_key="school_enrollment", name="2027 秋季", opens_on=date(2027, 3, 1),
                             closes_on=date(2027, 4, 30), quota=1, sub_quotas={SCHOOL: 1})
        session.add(found)
        session.flush()
        run = RankingRun(round_id=found.id, seed=7, digest="cd" * 32, input_count=2, allocated_count=1,
                         is_current=True, actor="test")
        session.add(run)
        session.flush()
        for position, (person, child) in enumerate(zip(people, ("陈小明", "王小红")), start=1):
            application = ProgramApplication(reference=references.next_reference(session), round_id=found.id,
                                             user_id=person.id, sub_quota=SCHOOL,
                                             fields={"child_name": child, "school": SCHOOL})
            session.add(application)
            session.flush()
            session.add(RankingResult(run_id=run.id, program_application_id=application.id, position=position,
                                      sub_quota=SCHOOL, sub_position=position, points=Decimal(100 - position),
                                      outcome="allocated" if position == 1 else "waitlisted",
                                      allocation_round=1 if position == 1 else None))
        session.add(Publication(round_id=found.id, run_id=run.id, stage="provisional", starts_on=date(2027, 5, 1),
                                ends_on=date(2027, 5, 7), actor="test", published_at=datetime(2027, 5, 1, 1)))
        session.add(Publication(round_id=found.id, run_id=run.id, stage="final", starts_on=date(2027, 5, 20),
                                actor="test", published_at=datetime(2027, 5, 20, 1)))
        session.flush()
        made = offers.make_offers(session, found, actor="test")
        session.commit()
        assert len(made) == 1
        offer_id = made[0].id
    winner = client_as(people[0])
    winner.get("/jiashan/?lang=en")
    return {"client": winner, "offer": offer_id, "people": people,
            "page": f"/jiashan/programs/school_enrollment/offers/{offer_id}"}


def _status(county, offer_id):
    with county("jiashan") as session:
        return session.scalar(select(Offer.status).where(Offer.id == offer_id))


def test_the_offer_says_what_is_offered_in_words(offered):
    client = offered["client"]
    program_page = client.get("/jiashan/programs/school_enrollment").get_data(as_text=True)
    assert offered["page"] in program_page  # the program page links to the offer
    html = client.get(offered["page"]).get_data(as_text=True)
    assert SCHOOL in html and "陈小明" in html and "2027 秋季" in html
    assert "data-deadline=" in html and "Answer by" in html
    assert 'data-answer="accept"' in html and 'data-answer="decline"' in html


def test_accepting_goes_through_a_confirmation_that_names_the_consequence(offered, county):
    client, page = offered["client"], offered["page"]
    confirm = client.get(page + "/accept")
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and 'data-consequence="accept"' in html
    assert "You take this place" in html and 'name="confirm"' in html
    unticked = client.submit(page + "/accept", {})
    assert unticked.status_code == 400 and "Tick the box" in unticked.get_data(as_text=True)
    assert _status(county, offered["offer"]) == "offered"  # nothing changed
    done = client.submit(page + "/accept", {"confirm": "y"})
    assert done.status_code == 302 and _status(county, offered["offer"]) == "accepted"
    after = client.get(page).get_data(as_text=True)
    assert 'data-next="accepted"' in after and "What happens next" in after
    assert "Bring your identity card" in after and "0573-84012345" in after
    assert "data-deadline=" not in after and "Accept the place" not in after  # no longer asks to answer
    status = client.get("/jiashan/me/").get_data(as_text=True)
    assert 'data-stage="accepted"' in status


def test_declining_names_the_forfeit_and_the_waiting_list(offered, county):
    client, page = offered["client"], offered["page"]
    html = client.get(page + "/decline").get_data(as_text=True)
    assert "Declining forfeits the place" in html and "next applicant on the waiting list" in html
    unticked = client.submit(page + "/decline", {"reason": "搬家了"})
    assert unticked.status_code == 400 and "搬家了</textarea>" in unticked.get_data(as_text=True)
    assert _status(county, offered["offer"]) == "offered"
    assert client.submit(page + "/decline", {"confirm": "y", "reason": "搬家了"}).status_code == 302
    assert _status(county, offered["offer"]) == "declined"
    with county("jiashan") as session:  # the place passed to the next on the waiting list
        assert session.scalar(select(Offer).where(Offer.replaces_offer_id == offered["offer"])) is not None


def test_another_applicant_cannot_open_the_offer(offered, client_as):
    other = client_as("jiashan")
    assert other.get(offered["page"]).status_code == 404
    assert other.get(offered["page"] + "/accept").status_code == 404
