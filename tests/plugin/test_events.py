"""Events (the ``on_*`` hooks): a plugin hears what happened in a county once the change is committed,
only where the county enables it, never for a change rolled back; a failing implementation is logged
and undoes nothing."""

from __future__ import annotations

import io
import json
import logging
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from jifen import clock
from jifen import toolkit as tk
from jifen.county.context import current_county
from jifen.db.session import get_db
from jifen.events import announce, pending_events
from jifen.models import Application, ApplicantProfile, Offer, ProgramApplication, ProgramRound, RankingRun, User
from jifen.points import applications, evidence, review
from jifen.points.rules import county_item_types
from jifen.programs import offers, publication, rounds
from jifen.ranking import runs

pytestmark = pytest.mark.sqlite_only  # the spy's table is made by the test, not by a migration

DEGREE = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2012-07-01"}
HOUSING = {"household_income": "30000", "floor_area_per_person": "8", "household_size": "3"}

# The spy plugin's own table (its name starts with the plugin's): one row per event it heard.
METADATA = sa.MetaData()
LOG = sa.Table(
    "events_spy_log", METADATA,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.Integer, nullable=False),
    sa.Column("plugin", sa.String(40), nullable=False),
    sa.Column("hook", sa.String(60), nullable=False),
    sa.Column("arguments", sa.Text, nullable=False),
)


def _record(plugin: str, hook: str, **arguments) -> None:
    """What a plugin does with an event: write a row of its own, through the session the core gives it."""
    tk.get_session().execute(LOG.insert().values(tenant_id=tk.require_tenant().id, plugin=plugin, hook=hook,
                                                 arguments=json.dumps(arguments, default=str)))


class EventsSpy:
    """Implements every event hook (``on_points_confirmed`` with a subset of its arguments)."""

    name = "events_spy"

    @tk.hookimpl
    def on_application_submitted(self, county, application_id, user_id, reference):
        # Called after the commit: a session of its own (another connection) sees the submitted application.
        seen = tk.get_session().scalar(select(Application.status).where(Application.id == application_id))
        _record(self.name, "on_application_submitted", county=county, application_id=application_id,
                user_id=user_id, reference=reference, seen=seen)

    @tk.hookimpl
    def on_item_decided(self, county, application_id, item_id, item_type, department, decision, reason):
        _record(self.name, "on_item_decided", county=county, application_id=application_id, item_id=item_id,
                item_type=item_type, department=department, decision=decision, reason=reason)

    @tk.hookimpl
    def on_points_confirmed(self, total, application_id):
        assert isinstance(total, Decimal)
        _record(self.name, "on_points_confirmed", total=total, application_id=application_id)

    @tk.hookimpl
    def on_program_application_changed(self, county, program, round_id, program_application_id, user_id, reference,
                                       status, sub_quota):
        _record(self.name, "on_program_application_changed", program=program, round_id=round_id,
                program_application_id=program_application_id, user_id=user_id, reference=reference,
                status=status, sub_quota=sub_quota)

    @tk.hookimpl
    def on_run_made_current(self, county, program, round_id, run_id, previous_run_id, digest):
        _record(self.name, "on_run_made_current", program=program, round_id=round_id, run_id=run_id,
                previous_run_id=previous_run_id, digest=digest)

    @tk.hookimpl
    def on_list_published(self, county, program, round_id, publication_id, run_id, stage, digest, ends_on):
        _record(self.name, "on_list_published", program=program, round_id=round_id, publication_id=publication_id,
                run_id=run_id, stage=stage, digest=digest, ends_on=ends_on)

    @tk.hookimpl
    def on_offer_changed(self, county, program, round_id, offer_id, program_application_id, user_id, status,
                         sub_quota, deadline, replaces_offer_id):
        assert isinstance(deadline, date)
        _record(self.name, "on_offer_changed", program=program, round_id=round_id, offer_id=offer_id,
                program_application_id=program_application_id, user_id=user_id, status=status,
                replaces_offer_id=replaces_offer_id)


class BrokenListener:
    """Writes a row, then raises: its row is rolled back, the change and the other plugins' rows stay."""

    @tk.hookimpl
    def on_application_submitted(self, application_id):
        _record("events_broken", "on_application_submitted", application_id=application_id)
        raise RuntimeError("the county's messaging service is down")


@pytest.fixture
def spy_table(app):
    with app.app_context():
        METADATA.create_all(get_db().engine)


@pytest.fixture
def heard(county, spy_table):
    """``heard("<slug>", hook=None)``: the events the spy plugins recorded in the county, in order."""

    def _heard(slug: str, hook: str | None = None, plugin: str = "events_spy") -> list[dict]:
        with county(slug) as session:
            tenant_id = tk.require_tenant().id
            rows = session.execute(select(LOG.c.hook, LOG.c.arguments).where(
                LOG.c.tenant_id == tenant_id, LOG.c.plugin == plugin).order_by(LOG.c.seq)).all()
        return [dict(json.loads(arguments), hook=name) for name, arguments in rows if hook in (None, name)]

    return _heard


def _applicant(county, make_user, slug: str, items: list[dict]):
    """An applicant whose ``items`` (education) are declared and submitted, not yet decided."""
    person = make_user(slug)
    with county(slug) as session:
        user = session.get(User, (tk.require_tenant().id, person.id))
        today = clock.today()
        session.add(ApplicantProfile(user_id=user.id, has_residence_permit=True,
                                     works_in_county_since=today.replace(year=today.year - 5)))
        application = applications.application_of(session, user, create=True)
        education = county_item_types(session)["education"]
        for data in items:
            item = applications.declare(session, application, education, data, actor=user.actor)
            evidence.store(session, item, "diploma.pdf", io.BytesIO(b"%PDF-1.4\n% test\n"))
        applications.submit(session, current_county(session).hooks, application, user)
        session.commit()
        return person, application.id, [i.id for i in applications.items_of(session, application)]


SPY = {"events_spy": EventsSpy()}


@pytest.mark.with_plugins(county="jiashan", install=SPY)
def test_a_plugin_hears_every_event_of_points_ranking_publication_and_offers(
        county, heard, applicant_with_points, open_round, on_day):
    today = clock.today()
    # Points: submitted, each item verified, points confirmed (the kit goes through the core's functions).
    people = [applicant_with_points("jiashan", {"education": DEGREE}) for _ in range(3)]
    with county("jiashan") as session:
        references = {a.id: a.reference for a in session.scalars(select(Application))}
    submitted = heard("jiashan", "on_application_submitted")
    assert [(e["application_id"], e["user_id"], e["reference"]) for e in submitted] == [
        (p.application_id, p.id, references[p.application_id]) for p in people]
    assert {e["county"] for e in submitted} == {"jiashan"}
    # Told after the commit: another connection sees what the transaction (submitted, decided) committed.
    assert {e["seen"] for e in submitted} == {"confirmed"}
    decided = heard("jiashan", "on_item_decided")
    assert [(e["item_id"], e["decision"], e["item_type"], e["department"], e["reason"]) for e in decided] == [
        (p.item_ids[0], "verified", "education", "education", None) for p in people]
    confirmed = heard("jiashan", "on_points_confirmed")
    assert [(e["application_id"], Decimal(e["total"])) for e in confirmed] == [
        (p.application_id, p.total_points) for p in people]

    # Programs: applied, withdrawn, applied again (the same record).
    round_id = open_round("jiashan", "public_rental_housing", quota=2)
    with county("jiashan") as session:
        program = current_county(session).programs_by_key["public_rental_housing"]
        users = [session.get(User, (tk.require_tenant().id, p.id)) for p in people]
        for user in users:
            rounds.apply(session, program, user, HOUSING)
            session.commit()
        found = session.get(ProgramRound, (tk.require_tenant().id, round_id))
        first = rounds.withdraw(session, found, users[0])
        session.commit()
        rounds.apply(session, program, users[0], HOUSING)
        session.commit()
    changed = heard("jiashan", "on_program_application_changed")
    assert [(e["user_id"], e["status"]) for e in changed] == [
        (people[0].id, "applied"), (people[1].id, "applied"), (people[2].id, "applied"),
        (people[0].id, "withdrawn"), (people[0].id, "applied")]
    assert {(e["program"], e["round_id"], e["sub_quota"]) for e in changed} == {
        ("public_rental_housing", round_id, None)}
    assert changed[3]["program_application_id"] == changed[4]["program_application_id"] == first.id
    assert changed[0]["reference"] == first.reference

    # Ranking: a run made current, the provisional list, the final list.
    on_day(today + timedelta(days=35))  # the round has closed
    with county("jiashan") as session:
        found = session.get(ProgramRound, (tk.require_tenant().id, round_id))
        outcome = runs.run(session, found, actor="admin:1", seed=5)
        session.commit()
        run = session.get(RankingRun, (found.tenant_id, outcome.run_id))
        runs.make_current(session, run, "admin:1")
        session.commit()
        provisional = publication.publish_provisional(session, found, program, actor="admin:1")
        session.commit()
        provisional_id, ends_on = provisional.id, provisional.ends_on
    on_day(ends_on + timedelta(days=1))
    with county("jiashan") as session:
        found = session.get(ProgramRound, (tk.require_tenant().id, round_id))
        final = publication.publish_final(session, found, actor="admin:1")
        session.commit()
        final_id = final.id
    made_current, = heard("jiashan", "on_run_made_current")
    assert made_current == {"hook": "on_run_made_current", "program": "public_rental_housing", "round_id": round_id,
                            "run_id": outcome.run_id, "previous_run_id": None, "digest": outcome.digest}
    published = heard("jiashan", "on_list_published")
    assert [(e["publication_id"], e["stage"], e["run_id"], e["ends_on"]) for e in published] == [
        (provisional_id, "provisional", outcome.run_id, ends_on.isoformat()), (final_id, "final", outcome.run_id, None)]

    # Offers: two made, one declined (passed on: made), one accepted, the last one expires.
    with county("jiashan") as session:
        found = session.get(ProgramRound, (tk.require_tenant().id, round_id))
        made = offers.make_offers(session, found, actor="admin:1")
        session.commit()
        assert len(made) == 2
        holders = {o.user_id: o for o in made}
        declining, accepting = (session.get(User, (found.tenant_id, uid)) for uid in holders)
        successor = offers.decline(session, holders[declining.id], declining)
        session.commit()
        offers.accept(session, holders[accepting.id], accepting)
        session.commit()
        deadline = successor.deadline
    on_day(deadline + timedelta(days=1))
    with county("jiashan") as session:
        found = session.get(ProgramRound, (tk.require_tenant().id, round_id))
        expired = offers.expire(session, found, actor="system")
        session.commit()
        assert [e.offer.id for e in expired] == [successor.id]
        by_id = {o.id: o for o in session.scalars(select(Offer))}
    told = heard("jiashan", "on_offer_changed")
    assert [(e["offer_id"], e["status"]) for e in told] == [
        (made[0].id, "offered"), (made[1].id, "offered"), (holders[declining.id].id, "declined"),
        (successor.id, "offered"), (holders[accepting.id].id, "accepted"), (successor.id, "expired")]
    assert told[3]["replaces_offer_id"] == holders[declining.id].id
    assert all(by_id[e["offer_id"]].program_application_id == e["program_application_id"] for e in told)
    assert {(e["program"], e["round_id"]) for e in told} == {("public_rental_housing", round_id)}


@pytest.mark.with_plugins(county="jiashan", install=SPY)
def test_rejections_and_supplement_requests_are_told_with_the_reason(county, make_user, heard):
    person, application_id, (first, second) = _applicant(county, make_user, "jiashan", [DEGREE, DEGREE])
    with county("jiashan") as session:
        hooks = current_county(session).hooks
        items = {i.id: i for i in applications.items_of(session, session.get(Application, (tk.require_tenant().id,
                                                                                          application_id)))}
        review.decide(session, hooks, items[first], "rejected", "证书不清晰", reviewer_actor="reviewer:1")
        session.commit()
        review.decide(session, hooks, items[second], "supplement_requested", "请补充毕业证书",
                      reviewer_actor="reviewer:1")
        session.commit()
    assert [(e["item_id"], e["decision"], e["reason"], e["application_id"]) for e in heard("jiashan", "on_item_decided")] == [
        (first, "rejected", "证书不清晰", application_id), (second, "supplement_requested", "请补充毕业证书", application_id)]
    assert heard("jiashan", "on_points_confirmed") == []  # an item is still open


@pytest.mark.with_plugins(county="jiashan", install=SPY)
def test_nothing_is_told_of_a_change_rolled_back(county, make_user, heard, applicant_with_points, open_round):
    person = applicant_with_points("jiashan", {"education": DEGREE})
    round_id = open_round("jiashan", "public_rental_housing", quota=1)
    with county("jiashan") as session:
        program = current_county(session).programs_by_key["public_rental_housing"]
        user = session.get(User, (tk.require_tenant().id, person.id))
        rounds.apply(session, program, user, HOUSING)
        assert [hook for hook, _ in pending_events(session)] == ["on_program_application_changed"]
        session.rollback()
        assert pending_events(session) == []
        session.commit()  # a later commit announces nothing of it
        # A savepoint rolled back forgets what was announced inside it; the rest is told at the commit.
        savepoint = session.begin_nested()
        rounds.apply(session, program, session.get(User, (tk.require_tenant().id, person.id)), HOUSING)
        savepoint.rollback()
        announce(session, "on_run_made_current", program="public_rental_housing", round_id=round_id, run_id=1,
                 previous_run_id=None, digest="ab" * 32)
        session.commit()
        assert session.scalar(select(ProgramApplication.id)) is None
    assert heard("jiashan", "on_program_application_changed") == []
    assert [e["run_id"] for e in heard("jiashan", "on_run_made_current")] == [1]


@pytest.mark.with_plugins(county="jiashan", install=SPY)
def test_a_county_that_does_not_enable_the_plugin_does_not_call_it(heard, applicant_with_points):
    applicant_with_points("haining")  # the plugin is installed, and enabled in Jiashan only
    assert heard("haining") == []
    applicant_with_points("jiashan", {"education": DEGREE})
    assert [e["hook"] for e in heard("jiashan")] == ["on_application_submitted", "on_item_decided",
                                                     "on_points_confirmed"]


@pytest.mark.with_plugins(county="jiashan", install={"events_spy": EventsSpy(), "events_broken": BrokenListener()})
def test_a_failing_implementation_is_logged_and_undoes_nothing(county, heard, applicant_with_points, caplog):
    caplog.set_level(logging.ERROR, logger="jifen.events")
    person = applicant_with_points("jiashan", {"education": DEGREE})  # the broken one is called first
    with county("jiashan") as session:
        application = session.get(Application, (tk.require_tenant().id, person.application_id))
        assert application.status == "confirmed" and application.reference
    failed = [r for r in caplog.records if r.name == "jifen.events"]
    assert len(failed) == 1
    assert "on_application_submitted" in failed[0].getMessage() and "events_broken" in failed[0].getMessage()
    assert "the county's messaging service is down" in caplog.text
    assert heard("jiashan", plugin="events_broken") == []  # what it wrote before raising is rolled back
    assert [e["hook"] for e in heard("jiashan")] == ["on_application_submitted", "on_item_decided",
                                                     "on_points_confirmed"]


def test_only_event_hooks_can_be_announced(county, app):
    with county("jiashan") as session, pytest.raises(ValueError, match="not an event hook"):
        announce(session, "register_service_programs")
