"""A county's own tie-break chain per program (jifen.ranking.tie_breaks): it orders a tied pair, the run
records it, a round keeps the chain frozen with its rules, and the administrator changes it in words."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from jifen.county.context import current_county
from jifen.county.tenancy import require_tenant
from jifen.models import (
    Application, AuditEvent, DeclaredItem, LedgerEntry, ProgramApplication, ProgramRound, ProgramTieBreaks,
    RankingResult, RankingRun,
)
from jifen.models.application import CONFIRMED, ITEM_VERIFIED
from jifen.plugin.kinds import RankingScore, ServiceProgram
from jifen.points.rules import ensure_current_version
from jifen.programs import publication
from jifen.programs import rounds as programs
from jifen.ranking import runs as ranking
from jifen.ranking import tie_breaks

PROGRAM = "hukou_transfer"  # its own chain: personal_quality, social_insurance (an item), residence, applied_at
DEFAULT = ["personal_quality", "social_insurance", "residence", "applied_at"]
CATEGORY = {"education": "personal_quality", "social_insurance": "basic_status", "residence_permit": "residence",
            "age": "basic_status"}
T0 = datetime(2026, 9, 10, 9, 0)
# Both 150 points and 80 for personal quality. "insured" has more social insurance (40 > 35); "early" applied a
# day earlier. The program's chain puts "insured" first; a county that breaks ties by application time, "early".
PAIR = {
    "insured": ({"education": 80, "social_insurance": 40, "residence_permit": 30}, T0),
    "early": ({"education": 80, "social_insurance": 35, "residence_permit": 30, "age": 5}, T0 - timedelta(days=1)),
}


def _round(session, **values):
    found = ProgramRound(program_key=PROGRAM, **{"name": "2026 第一批", "opens_on": date(2026, 9, 1),
                                                 "closes_on": date(2026, 11, 30), "quota": 1, **values})
    session.add(found)
    session.flush()
    return found


def _apply(session, found, user_id, items, applied_at, version):
    application = Application(user_id=user_id, status=CONFIRMED, total_points=Decimal(sum(items.values())),
                              rule_version=version, confirmed_at=T0 - timedelta(days=30))
    session.add(application)
    session.flush()
    for item_type, points in items.items():
        item = DeclaredItem(application_id=application.id, item_type=item_type, input={}, department="test",
                            status=ITEM_VERIFIED)
        session.add(item)
        session.flush()
        session.add(LedgerEntry(application_id=application.id, item_id=item.id, item_type=item_type,
                                category=CATEGORY[item_type], rule_version=version, points=Decimal(points),
                                raw_points=Decimal(points)))
    entry = ProgramApplication(reference=f"JS-2027-{user_id % 1000000:06d}", round_id=found.id, user_id=user_id,
                               applied_at=applied_at)
    session.add(entry)
    session.flush()
    return entry.id


@pytest.fixture
def tied_pair(county, make_user):
    """``tied_pair(frozen=False)``: a hukou round of Jiashan with the pair; returns the round id and label -> id."""

    def build(**round_values):
        users = {label: make_user("jiashan") for label in PAIR}
        with county("jiashan") as session:
            version = ensure_current_version(session, actor="test").version
            found = _round(session, **round_values)
            ids = {label: _apply(session, found, users[label].id, items, at, version)
                   for label, (items, at) in PAIR.items()}
            session.commit()
            return found.id, ids

    return build


def _first(session, run_id, ids):
    first = session.scalar(select(RankingResult.program_application_id).where(RankingResult.run_id == run_id,
                                                                               RankingResult.position == 1))
    return next(label for label, pa_id in ids.items() if pa_id == first)


def _hukou(session):
    return programs.programs(session)[PROGRAM]


def _change(session, chain):
    return tie_breaks.change(session, _hukou(session), current_county(session).item_types, chain, actor="admin:1")


def test_the_county_chain_orders_a_tied_pair_and_the_run_records_it(tied_pair, county):
    round_id, ids = tied_pair(rule_version=None)
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        found.rule_version = ensure_current_version(session, actor="test").version  # ranked as frozen, no chain
        before = ranking.run(session, found, actor="test", seed=1)
        assert _first(session, before.run_id, ids) == "insured"
        assert session.get(RankingRun, (require_tenant().id, before.run_id)).params["tie_breaks"] == DEFAULT

        assert _change(session, ["applied_at", "", ""]) is True
        session.commit()
        after = ranking.run(session, found, actor="test", seed=1)
        session.commit()
        assert _first(session, after.run_id, ids) == "early"
        assert session.get(RankingRun, (require_tenant().id, after.run_id)).params["tie_breaks"] == ["applied_at"]
        assert after.digest != before.digest

        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "program.tie_breaks_changed")).one()
        assert event.target_id == PROGRAM and event.actor == "admin:1"
        assert event.details["tie_breaks_before"] == DEFAULT and event.details["tie_breaks"] == ["applied_at"]

        # Every step empty: back to the program's own chain (nothing stored for the county), audited.
        assert _change(session, ["", ""]) is True
        assert session.scalar(select(ProgramTieBreaks)) is None
        assert tie_breaks.chain_of(session, _hukou(session)) == tuple(DEFAULT)
        assert _change(session, []) is False  # nothing changed, nothing recorded
        assert len(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "program.tie_breaks_changed")).all()) == 2


def test_a_round_keeps_the_chain_frozen_with_its_rules(tied_pair, county, on_day):
    on_day(date(2026, 12, 2))
    round_id, ids = tied_pair(rule_version=None)
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        assert found.tie_breaks is None
        programs.freeze_rules(session, found, actor="test")
        assert found.tie_breaks == DEFAULT
        frozen = session.scalar(select(AuditEvent).where(AuditEvent.action == "round.rules_frozen"))
        assert frozen.details["tie_breaks"] == DEFAULT
        _change(session, ["residence", "applied_at"])
        session.commit()

        outcome = ranking.run(session, found, actor="test", seed=1)
        assert _first(session, outcome.run_id, ids) == "insured"  # the frozen chain, not the county's new one
        assert session.get(RankingRun, (require_tenant().id, outcome.run_id)).params["tie_breaks"] == DEFAULT

        later = _round(session, name="2027 第一批", opens_on=date(2026, 12, 1), closes_on=date(2026, 12, 1))
        programs.freeze_rules(session, later, actor="test")
        assert later.tie_breaks == ["residence", "applied_at"]
        session.commit()


@pytest.mark.parametrize("entered, field, words", [
    (["applied_at", "no_such_key"], "tb2", "Choose a tie-break from the list."),
    (["applied_at", "residence", "applied_at"], "tb3", "already earlier in the chain"),
    (["personal_quality", "residence", "social_insurance", "applied_at", "basic_status"], "tb4", "at most 4 steps"),
    (["program_score"], "tb1", "Choose a tie-break from the list."),  # hukou has no score of its own
])
def test_a_wrong_chain_is_refused_with_its_reason(county, entered, field, words):
    with county("jiashan") as session:
        with pytest.raises(tie_breaks.ChainError) as refused:
            _change(session, entered)
        assert list(refused.value.messages) == [field]
        assert words in str(refused.value.messages[field][0])
        assert session.scalar(select(ProgramTieBreaks)) is None
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "program.tie_breaks_changed")) is None


def test_the_keys_a_program_allows(county):
    with county("jiashan") as session:
        hukou, item_types = _hukou(session), current_county(session).item_types
        allowed = tie_breaks.choices(hukou, item_types)
        assert {"personal_quality", "residence", "basic_status", "social_insurance", "applied_at"} <= set(allowed)
        assert "program_score" not in allowed and len(allowed) == len(set(allowed))
        narrow = replace(hukou, tie_break_choices=("residence",))
        assert tie_breaks.choices(narrow, item_types) == ("residence", *DEFAULT[:2], "applied_at")
        scored = replace(hukou, ranking_score=RankingScore(names={"zh": "笔试成绩", "en": "Exam score"}))
        assert tie_breaks.choices(scored, item_types)[-1] == "program_score"
    with pytest.raises(ValueError, match="program_score needs a ranking_score"):
        ServiceProgram(key="tie_test", names={"zh": "项目", "en": "A program"}, quota_mode="headcount",
                       tie_break_choices=("program_score",))


def test_the_administrator_changes_the_chain_in_words(tied_pair, client_as, county):
    round_id, _ids = tied_pair(rule_version=None)
    admin = client_as("jiashan", role="admin")
    admin.get("/jiashan/?lang=en")  # the messages below are read in English
    page = f"/jiashan/admin/programs/{PROGRAM}/tie-breaks"
    shown = admin.get(page)
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "personal_quality" not in text.split("<form")[0]  # the chain in words, before the form's values
    assert 'value="applied_at" selected' in text

    assert admin.post(page, data={"tb1": "applied_at"}).status_code == 400  # no CSRF token
    wrong = admin.submit(page, {"tb1": "applied_at", "tb2": "residence", "tb3": "applied_at"})
    assert wrong.status_code == 400
    body = wrong.get_data(as_text=True)
    assert "already earlier in the chain" in body
    assert 'value="residence" selected' in body  # the entries are kept

    saved = admin.submit(page, {"tb1": "applied_at", "tb2": "residence"})
    assert saved.status_code == 302
    with county("jiashan") as session:
        assert tie_breaks.chain_of(session, _hukou(session)) == ("applied_at", "residence")
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "program.tie_breaks_changed"))
        assert event.actor == f"user:{admin.user.id}"

    overview = admin.get("/jiashan/admin/programs").get_data(as_text=True)
    assert "data-link=\"tie-breaks\"" in overview
    round_page = admin.get(f"/jiashan/admin/rounds/{round_id}").get_data(as_text=True)
    assert "data-chain" in round_page and "applied_at" not in round_page

    reviewer = client_as("jiashan", role="reviewer")
    assert reviewer.get(page).status_code == 403
    assert admin.get("/jiashan/admin/programs/no_such_program/tie-breaks").status_code == 404


def test_the_published_list_says_which_chain_ranked_it(tied_pair, county, client, on_day):
    on_day(date(2026, 12, 2))
    round_id, _ids = tied_pair(rule_version=None)
    with county("jiashan") as session:
        _change(session, ["applied_at"])
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        programs.freeze_rules(session, found, actor="test")
        outcome = ranking.run(session, found, actor="test", seed=1)
        ranking.make_current(session, session.get(RankingRun, (require_tenant().id, outcome.run_id)), actor="test")
        publication.publish_provisional(session, found, _hukou(session), actor="test")
        session.commit()
    listed = client.get(f"/jiashan/programs/{PROGRAM}/rounds/{round_id}/list?lang=en")
    assert listed.status_code == 200
    text = listed.get_data(as_text=True)
    chain = text.split("data-chain>")[1].split("</p>")[0]
    assert "Application time" in chain and "lottery" in chain and "applied_at" not in chain
