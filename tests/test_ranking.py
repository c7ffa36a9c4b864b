"""Ranking runs (jifen.ranking.runs): a round worked out by hand, then the properties of runs as records."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select, text, update
from sqlalchemy.exc import DBAPIError

from jifen.points import family

from jifen.ranking import runs as ranking

from jifen.ranking import allocation as ranking_allocation
from jifen.county.switching import set_plugin_enabled
from jifen.plugin.hookspecs import hookimpl
from jifen.models import (
    Application, AuditEvent, DeclaredItem, LedgerEntry, ProgramApplication, ProgramRound, RankingInput, RankingResult,
    RankingRun, RuleVersion, User,
)
from jifen.models.application import CONFIRMED, DRAFT, ITEM_VERIFIED
from jifen.plugin.kinds import ServiceProgram
from jifen.plugin.manager import register_plugin, unregister_plugin
from jifen.points.rules import ensure_current_version
from jifen.county.tenancy import require_tenant

CATEGORY = {"education": "personal_quality", "social_insurance": "basic_status", "residence_permit": "residence",
            "age": "basic_status", "awards": "awards"}
TOWN_A, TOWN_B = "魏塘街道", "西塘镇"
OPENS, CLOSES = date(2026, 9, 1), date(2026, 11, 30)
T0 = datetime(2026, 9, 10, 9, 0)

# --- The hand-worked round ------------------------------------------------------------------------
# Hukou transfer in Jiashan (headcount; tie-breaks: personal_quality (a category), social_insurance (an
# item type, in category basic_status), residence (a category), applied_at; higher-ranked spouse;
# Jiashan's threshold 60). Quota 9: 魏塘街道 5, 西塘镇 4; second round with a cap of 50% of a town's own
# quota: 魏塘街道 at most 2, 西塘镇 at most 2 second-round places.
#
# label: program application id, town, points per item type, applied at
APPLICANTS = {
    "a1": (1101, TOWN_A, {"education": 80, "social_insurance": 40, "residence_permit": 30}, T0),  # 150
    # 150 as well; ties a1 on personal quality (80); loses on the social insurance ITEM (35 < 40) although
    # its basic_status CATEGORY (35 + age 5 = 40) equals a1's and it applied a day earlier.
    "h": (1102, TOWN_A, {"education": 80, "social_insurance": 35, "residence_permit": 30, "age": 5},
          T0 - timedelta(days=1)),
    "a2": (1103, TOWN_A, {"education": 30, "social_insurance": 15, "residence_permit": 10}, T0),  # 55 < 60
    "b1": (1201, TOWN_B, {"education": 80, "social_insurance": 30, "residence_permit": 30}, T0),  # 140
    "b2": (1202, TOWN_B, {"education": 60, "social_insurance": 50, "residence_permit": 30}, T0),  # 140, PQ 60 < 80
    "b3": (1203, TOWN_B, {"education": 60, "social_insurance": 45, "residence_permit": 30}, T0),  # 135
    "b4": (1204, TOWN_B, {"education": 60, "social_insurance": 40, "residence_permit": 30}, T0),  # 130
    "b5": (1205, TOWN_B, {"education": 60, "social_insurance": 40, "residence_permit": 20, "awards": 10}, T0),  # 130,
    # ties b4 on personal quality and social insurance, loses on residence (20 < 30)
    "w": (1206, TOWN_B, {"education": 60, "social_insurance": 35, "residence_permit": 30}, T0),  # 125, wife of h
    "b6": (1207, TOWN_B, {"education": 60, "social_insurance": 30, "residence_permit": 30}, T0),  # 120 } the same in
    "b7": (1208, TOWN_B, {"education": 60, "social_insurance": 30, "residence_permit": 30}, T0),  # 120 } everything
    "b8": (1209, TOWN_B, {"education": 60, "social_insurance": 25, "residence_permit": 30}, T0 - timedelta(days=5)),
    "b9": (1210, TOWN_B, {"education": 60, "social_insurance": 25, "residence_permit": 30}, T0 - timedelta(days=4)),
}
# Not ranked: a withdrawn application (200 points) and an applicant whose points are not confirmed.
WITHDRAWN = (1104, TOWN_A, {"education": 80, "social_insurance": 70, "residence_permit": 50}, T0)
UNCONFIRMED = (1211, TOWN_B, {"education": 80, "social_insurance": 70, "residence_permit": 50}, T0)

# With this seed the lottery puts b7 (1208) before b6 (1207): the higher id wins, so the lottery and
# not the id decides. SEED_FLIPPED puts b6 first.
SEED, SEED_FLIPPED = 20260903, 20260901

# Worked out by hand. Round 1: 魏塘街道 (5 places) has a1 and h competing (a2 is below 60): 2 allocated,
# 3 left over; 西塘镇 (4 places) gives b1-b4. Second round, 3 places, in overall order: b5; w is served by
# her husband h (higher ranked: position 2); the b6/b7 lottery winner b7 takes the second place and
# 西塘镇 has reached its cap of 2: b6, b8 and b9 wait and one place stays unallocated.
# position, label, sub_position, points, outcome, allocation round
EXPECTED = [
    (1, "a1", 1, 150, "allocated", 1),
    (2, "h", 2, 150, "allocated", 1),
    (3, "b1", 1, 140, "allocated", 1),
    (4, "b2", 2, 140, "allocated", 1),
    (5, "b3", 3, 135, "allocated", 1),
    (6, "b4", 4, 130, "allocated", 1),
    (7, "b5", 5, 130, "allocated", 2),
    (8, "w", 6, 125, "served_by_spouse", None),
    (9, "b7", 7, 120, "allocated", 2),
    (10, "b6", 8, 120, "waitlisted", None),
    (11, "b8", 9, 115, "waitlisted", None),
    (12, "b9", 10, 115, "waitlisted", None),
    (13, "a2", 3, 55, "below_threshold", None),
]


def _pa_id(label):
    return APPLICANTS[label][0]


def _expected_digest(table):
    # digest format 2: each line names the application by its reference number, as the published list does
    lines = "".join(f"{pos},JS-2027-{_pa_id(label):06d},{points}.00,{outcome},{rnd or ''}\n"
                    for pos, label, _sub, points, outcome, rnd in table)
    return hashlib.sha256(lines.encode()).hexdigest()


def _version(session):
    return ensure_current_version(session, actor="test").version


def _confirmed_points(session, user_id, version, items, *, status=CONFIRMED, inputs=None):
    """An application with confirmed points: one verified item and one ledger row per item type."""
    application = Application(user_id=user_id, status=status, total_points=Decimal(sum(items.values())),
                              rule_version=version, confirmed_at=T0 - timedelta(days=30))
    session.add(application)
    session.flush()
    for item_type, points in items.items():
        item = DeclaredItem(application_id=application.id, item_type=item_type,
                            input=(inputs or {}).get(item_type, {}), department="test", status=ITEM_VERIFIED)
        session.add(item)
        session.flush()
        session.add(LedgerEntry(application_id=application.id, item_id=item.id, item_type=item_type,
                                category=CATEGORY[item_type], rule_version=version, points=Decimal(points),
                                raw_points=Decimal(points)))
    session.flush()
    return application


def _round(session, program_key="hukou_transfer", **values):
    defaults = dict(name="2026年积分入户", opens_on=OPENS, closes_on=CLOSES, quota=9,
                    sub_quotas={TOWN_A: 5, TOWN_B: 4}, second_round=True, second_round_cap_percent=50,
                    cutoff_ties="strict")
    defaults.update(values)
    found = ProgramRound(program_key=program_key, **defaults)
    session.add(found)
    session.flush()
    return found


def _user(session, test_user):
    return session.get(User, (require_tenant().id, test_user.id))


@pytest.fixture
def hand_worked(county, make_user):
    """Build the hand-worked round, inserting applicants in the given order; returns labels -> user ids."""

    def build(order=tuple(APPLICANTS)):
        users = {label: make_user("jiashan") for label in (*order, "withdrawn", "unconfirmed")}
        with county("jiashan") as session:
            version = _version(session)
            found = _round(session, rule_version=version)
            rows = [(label, APPLICANTS[label]) for label in order]
            rows += [("withdrawn", WITHDRAWN), ("unconfirmed", UNCONFIRMED)]
            for label, (pa_id, town, items, applied_at) in rows:
                status = DRAFT if label == "unconfirmed" else CONFIRMED
                _confirmed_points(session, users[label].id, version, items, status=status)
                session.add(ProgramApplication(id=pa_id, reference=f"JS-2027-{pa_id:06d}", round_id=found.id, user_id=users[label].id, sub_quota=town,
                                               applied_at=applied_at,
                                               status="withdrawn" if label == "withdrawn" else "applied"))
            session.flush()
            # h and w declare each other: a confirmed spouse link (jifen.points.family.spouse_of)
            h, w = _user(session, users["h"]), _user(session, users["w"])
            family.add(session, h, relation="spouse", real_name="妻子", id_number=users["w"].id_number)
            family.add(session, w, relation="spouse", real_name="丈夫", id_number=users["h"].id_number)
            assert family.spouse_of(session, h).id == w.id
            session.commit()
            return found.id, {label: u.id for label, u in users.items()}

    return build


def _results(session, run_id):
    by_id = {pa_id: label for label, (pa_id, *_rest) in APPLICANTS.items()}
    rows = session.scalars(select(RankingResult).where(RankingResult.run_id == run_id)
                           .order_by(RankingResult.position)).all()
    return [(r.position, by_id.get(r.program_application_id, r.program_application_id), r.sub_position, r.points,
             r.outcome, r.allocation_round) for r in rows]


def _as_table(expected):
    return [(pos, label, sub, Decimal(points), outcome, rnd) for pos, label, sub, points, outcome, rnd in expected]


def _table_counts(session):
    return (session.scalar(select(func.count(RankingRun.id))),
            session.scalar(select(func.count(RankingInput.run_id))),
            session.scalar(select(func.count(RankingResult.run_id))),
            session.scalar(select(func.count(AuditEvent.seq))))


@pytest.mark.parametrize("order", ["as listed", "reversed"])
def test_the_hand_worked_round(hand_worked, county, order):
    labels = tuple(APPLICANTS) if order == "as listed" else tuple(reversed(APPLICANTS))
    round_id, users = hand_worked(labels)
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        outcome = ranking.run(session, found, actor="admin:1", seed=SEED)
        session.commit()

        assert _results(session, outcome.run_id) == _as_table(EXPECTED)
        # the same data inserted in another order gives the same results and the same digest
        assert outcome.digest == _expected_digest(EXPECTED)

        run = session.get(RankingRun, (require_tenant().id, outcome.run_id))
        assert (run.digest, run.seed, run.input_count, run.allocated_count, run.cutoff) == (
            outcome.digest, SEED, 13, 8, Decimal("120.00"))
        assert run.rule_version == found.rule_version and run.is_current is False
        assert run.plugin_versions["hukou_transfer"]
        assert run.params == {
            "program": "hukou_transfer", "quota_mode": "headcount", "quota": 9,
            "sub_quotas": {TOWN_A: 5, TOWN_B: 4},
            "tie_breaks": ["personal_quality", "social_insurance", "residence", "applied_at"],
            "cutoff_ties": "strict", "second_round": True, "second_round_cap_percent": 50, "threshold": "60.00",
            "family_rule": "higher_ranked_spouse", "points_source": "round_rule_version",
            "applied_at_origin": "2026-09-01",
        }
        assert outcome.counts == {"allocated": 8, "waitlisted": 3, "served_by_spouse": 1, "below_threshold": 1}

        note = session.scalar(select(RankingResult.note).where(RankingResult.run_id == run.id,
                                                               RankingResult.program_application_id == _pa_id("w")))
        assert note == f"higher_ranked_spouse: the family competes with application {_pa_id('h')} at position 2"

        inputs = {i.program_application_id: i for i in session.scalars(
            select(RankingInput).where(RankingInput.run_id == run.id))}
        a1, h, w = inputs[_pa_id("a1")], inputs[_pa_id("h")], inputs[_pa_id("w")]
        assert (a1.tb1, a1.tb2, a1.tb3) == (Decimal(80), Decimal(40), Decimal(30))
        assert (h.tb1, h.tb2, h.tb3) == (Decimal(80), Decimal(35), Decimal(30))
        assert h.tb4 == Decimal(-(T0 - timedelta(days=1) - datetime(2026, 9, 1)).total_seconds())  # earlier: higher
        assert h.family_key == w.family_key == str(min(users["h"], users["w"]))
        assert a1.family_key is None
        expected_lottery = int(hashlib.sha256(f"{SEED}:{_pa_id('b7')}".encode()).hexdigest()[:15], 16)
        assert inputs[_pa_id("b7")].lottery == expected_lottery < inputs[_pa_id("b6")].lottery

        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "ranking.run")).one()
        assert event.target_id == str(run.id)
        assert event.details["digest"] == run.digest and event.details["allocated"] == 8


def test_the_seed_decides_only_the_lottery(hand_worked, county):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        first = ranking.run(session, found, actor="test", seed=SEED)
        again = ranking.run(session, found, actor="test", seed=SEED)
        flipped = ranking.run(session, found, actor="test", seed=SEED_FLIPPED)
        session.commit()
        assert again.digest == first.digest
        assert _results(session, again.run_id) == _results(session, first.run_id) == _as_table(EXPECTED)
        swapped = [(9, "b6", 7, 120, "allocated", 2), (10, "b7", 8, 120, "waitlisted", None)]
        assert _results(session, flipped.run_id) == _as_table(EXPECTED[:8] + swapped + EXPECTED[10:])
        assert flipped.digest == _expected_digest(EXPECTED[:8] + swapped + EXPECTED[10:])
        random_seed = ranking.run(session, found, actor="test")
        assert 0 <= random_seed.seed < 2 ** 63


def test_the_second_round_cap_bites(hand_worked, county):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        found.second_round_cap_percent = 100  # without the cap, b6 would take the third leftover place
        uncapped = ranking.run(session, found, actor="test", seed=SEED, persist=False)
        assert uncapped.allocated_count == 9 and _pa_id("b6") in uncapped.allocated
        found.second_round = False
        no_second = ranking.run(session, found, actor="test", seed=SEED, persist=False)
        assert no_second.allocated == {_pa_id(label) for label in ("a1", "h", "b1", "b2", "b3", "b4")}
        assert no_second.cutoff == Decimal("130.00")


def test_verify_reproduces_the_digest_and_detects_a_changed_input(hand_worked, county, tamper):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        session.commit()
        run = session.get(RankingRun, (require_tenant().id, outcome.run_id))
        before = _table_counts(session)
        assert ranking.verify(session, run) == (True, run.digest)
        assert _table_counts(session) == before  # the re-ranking left nothing

        # Live data plays no part: changing the round and the points afterwards does not matter.
        found.quota, found.sub_quotas = 1, {TOWN_A: 1}
        session.execute(update(LedgerEntry).values(points=Decimal(1)))
        assert ranking.verify(session, run)[0] is True
        session.rollback()

        # Someone with the database owner's rights changes one input row: b6 now ranks before b7.
        tamper(session, "UPDATE ranking_inputs SET points = 120.50 WHERE run_id = :run AND program_application_id = :id",
                run=run.id, id=_pa_id("b6"))
        ok, recomputed = ranking.verify(session, run)
        assert ok is False and recomputed != run.digest
        check = ranking.verification(session, run)
        assert check.stored_results == run.digest and check.recomputed == recomputed

        tamper(session, "UPDATE ranking_inputs SET points = 120.00 WHERE run_id = :run AND program_application_id = :id",
                run=run.id, id=_pa_id("b6"))
        assert ranking.verify(session, run) == (True, run.digest)
        # the stored results changed instead of the inputs: still refused
        tamper(session, "UPDATE ranking_results SET outcome = 'allocated' WHERE run_id = :run "
                     "AND program_application_id = :id", run=run.id, id=_pa_id("b6"))
        check = ranking.verification(session, run)
        assert check.ok is False and check.recomputed == run.digest and check.stored_results != run.digest


@pytest.mark.parametrize("change", [
    "UPDATE ranking_results SET outcome = 'allocated' WHERE run_id = :run",
    "DELETE FROM ranking_results WHERE run_id = :run",
    "UPDATE ranking_inputs SET points = points + 1 WHERE run_id = :run",
    "DELETE FROM ranking_inputs WHERE run_id = :run",
    "UPDATE ranking_runs SET digest = 'x' WHERE id = :run",
    "UPDATE ranking_runs SET cutoff = 1 WHERE id = :run",
    "DELETE FROM ranking_runs WHERE id = :run",
])
def test_a_finished_run_is_final_in_the_database(hand_worked, county, change):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        session.commit()
        with pytest.raises(DBAPIError, match="never changed"):
            session.execute(text(change), {"run": outcome.run_id})
        session.rollback()
        run = session.get(RankingRun, (require_tenant().id, outcome.run_id))
        assert ranking.verification(session, run).ok
        ranking.make_current(session, run, actor="test")  # publishing switches is_current: allowed
        session.commit()
        assert session.get(RankingRun, (require_tenant().id, outcome.run_id)).is_current


def test_a_failure_half_way_leaves_nothing_and_keeps_the_current_run(hand_worked, county, monkeypatch):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        first = ranking.run(session, found, actor="test", seed=SEED)
        run = session.get(RankingRun, (require_tenant().id, first.run_id))
        ranking.make_current(session, run, "admin:1")
        session.commit()
        before = _table_counts(session)

        def broken(*args, **kwargs):
            raise RuntimeError("injected failure in the second round")

        monkeypatch.setattr(ranking_allocation, "tally", broken)  # after the snapshot and the ranking
        with pytest.raises(RuntimeError, match="injected"):
            ranking.run(session, found, actor="test", seed=SEED_FLIPPED)
        assert _table_counts(session) == before  # nothing of the failed run, even before any rollback
        session.commit()
    monkeypatch.undo()
    with county("jiashan") as session:
        assert _table_counts(session) == before
        runs = session.scalars(select(RankingRun)).all()
        assert [(r.id, r.is_current, r.digest) for r in runs] == [(first.run_id, True, first.digest)]
        assert {r.run_id for r in session.scalars(select(RankingInput))} == {first.run_id}
        assert {r.run_id for r in session.scalars(select(RankingResult))} == {first.run_id}
        assert ranking.verify(session, runs[0])[0] is True


def test_make_current_switches_the_one_current_run_of_the_round(hand_worked, county):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        first = session.get(RankingRun, (require_tenant().id, ranking.run(session, found, actor="t", seed=1).run_id))
        second = session.get(RankingRun, (require_tenant().id, ranking.run(session, found, actor="t", seed=2).run_id))
        ranking.make_current(session, first, "admin:1")
        ranking.make_current(session, second, "admin:1")
        session.commit()
        assert [r.id for r in session.scalars(select(RankingRun).where(RankingRun.is_current.is_(True)))] == [second.id]
        assert ranking.current_run(session, found).id == second.id
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "ranking.made_current")
                                 .order_by(AuditEvent.seq)).all()
        assert [e.details["previous"] for e in events] == [[], [first.id]]


def test_simulate_changes_nothing(hand_worked, county):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        current = ranking.run(session, found, actor="test", seed=SEED)
        ranking.make_current(session, session.get(RankingRun, (require_tenant().id, current.run_id)), "admin:1")
        session.commit()
        before = _table_counts(session)

        smaller = ranking.simulate(session, found, quota=7, sub_quotas={TOWN_A: 4, TOWN_B: 3})
        assert smaller.persisted is False and smaller.run_id is None and smaller.seed == SEED  # the current run's
        assert smaller.compared_with == current.run_id
        # 西塘镇 round 1 gives b1-b3; 2 places left over, 西塘镇's cap is now 1: b4 only.
        assert smaller.moved_in == ()
        assert smaller.moved_out == tuple(sorted((_pa_id("b5"), _pa_id("b7"))))
        assert smaller.cutoff == Decimal("130.00")
        same = ranking.simulate(session, found)
        assert (same.digest, same.moved_in, same.moved_out) == (current.digest, (), ())
        assert _table_counts(session) == before
        session.commit()
        assert _table_counts(session) == before
        assert found.quota == 9


def test_simulate_a_changed_points_table(county, make_user):
    users = [make_user("jiashan") for _ in range(3)]
    education = {"bachelor": {"level": "bachelor", "institution": "浙江大学", "graduated_on": "2010-07-01"},
                 "college": {"level": "college", "institution": "嘉兴学院", "graduated_on": "2010-07-01"}}
    with county("jiashan") as session:
        version = _version(session)  # Jiashan: bachelor 80, college 60 (Zhongshan 2014)
        found = _round(session, quota=1, sub_quotas={}, second_round=False, rule_version=version)
        for pa_id, user, level in ((1, users[0], "bachelor"), (2, users[1], "college"), (3, users[2], "college")):
            _confirmed_points(session, user.id, version, {"education": 80 if level == "bachelor" else 60},
                              inputs={"education": education[level]})
            session.add(ProgramApplication(id=pa_id, reference=f"JS-2027-{pa_id:06d}", round_id=found.id, user_id=user.id, applied_at=T0))
        session.flush()
        current = ranking.run(session, found, actor="test", seed=SEED)
        ranking.make_current(session, session.get(RankingRun, (require_tenant().id, current.run_id)), "test")
        session.commit()
        before = _table_counts(session)

        changed = ranking.simulate(session, found, points_table={"education": {"points": {"college": "90"}}})
        assert changed.cutoff == Decimal("90.00")
        assert changed.params["points_source"] == "rescored"
        assert changed.moved_out == (1,) and len(changed.moved_in) == 1 and changed.moved_in[0] in (2, 3)
        assert _table_counts(session) == before

        with pytest.raises(ranking.RankingError, match="no score item 'nonsense'"):
            ranking.simulate(session, found, points_table={"nonsense": {"points": "1"}})
        with pytest.raises(ranking.RankingError, match="invalid"):
            ranking.simulate(session, found, points_table={"education": {"points": {"college": "lots"}}})
        with pytest.raises(ranking.RankingError, match="simulation"):
            ranking.run(session, found, actor="test", rules_override=ranking.changed_rules(
                session, found, {"education": {"points": {"college": "90"}}}))
        assert _table_counts(session) == before


def _version_and_a_later_one(session):
    """The current rule version, and a later one with the same rules; returns the earlier number."""
    old = _version(session)
    latest = session.get(RuleVersion, (require_tenant().id, old))
    session.add(RuleVersion(version=old + 1, rules=latest.rules, actor="test", note="a later table"))
    session.flush()
    return old


def test_points_come_from_the_rounds_rule_version(county, make_user):
    users = [make_user("jiashan") for _ in range(3)]
    with county("jiashan") as session:
        old = _version_and_a_later_one(session)
        found = _round(session, quota=3, sub_quotas={}, second_round=False, rule_version=old)
        # 1: rows under the round's version (70) and a later one (95, its current total): ranks with 70
        first = _confirmed_points(session, users[0].id, old, {"education": 70})
        item = session.scalars(select(DeclaredItem).where(DeclaredItem.application_id == first.id)).one()
        session.add(LedgerEntry(application_id=first.id, item_id=item.id, item_type="education",
                                category="personal_quality", rule_version=old + 1, points=Decimal(95),
                                raw_points=Decimal(95)))
        first.total_points, first.rule_version = Decimal(95), old + 1
        # 2: scored only under the later version: scored under the round's version from its verified items
        # (Jiashan: bachelor 80)
        _confirmed_points(session, users[1].id, old + 1, {"education": 99},
                          inputs={"education": {"level": "bachelor", "institution": "浙江大学",
                                                "graduated_on": "2010-07-01"}})
        # 3: under the round's version
        _confirmed_points(session, users[2].id, old, {"education": 65})
        for pa_id, user in zip((11, 12, 13), users, strict=True):
            session.add(ProgramApplication(id=pa_id, reference=f"JS-2027-{pa_id:06d}", round_id=found.id, user_id=user.id, applied_at=T0))
        session.flush()
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        points = dict(session.execute(select(RankingInput.program_application_id, RankingInput.points)
                                      .where(RankingInput.run_id == outcome.run_id)).all())
        assert points == {11: Decimal(70), 12: Decimal(80), 13: Decimal(65)}

        found.rule_version = None  # not frozen: each applicant's current points
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        points = dict(session.execute(select(RankingInput.program_application_id, RankingInput.points)
                                      .where(RankingInput.run_id == outcome.run_id)).all())
        assert points == {11: Decimal(95), 12: Decimal(99), 13: Decimal(65)}
        assert outcome.params["points_source"] == "applicant_rule_version"


# --- Other quota modes: a plugin with a cutoff-score and a threshold program -----------------------

KINDERGARTEN = ServiceProgram(key="test_kindergarten", names={"zh": "积分入园", "en": "Kindergarten places"},
                              quota_mode="cutoff", tie_breaks=("personal_quality", "applied_at"))
MEDICAL = ServiceProgram(key="test_medical_insurance", names={"zh": "居民医保", "en": "Resident medical insurance"},
                         quota_mode="threshold")


class _Programs:
    @hookimpl
    def register_service_programs(self):
        return [KINDERGARTEN, MEDICAL]


@pytest.fixture
def more_programs(county):
    register_plugin(_Programs(), "ranking_test_programs")
    try:
        with county("jiashan") as session:
            set_plugin_enabled(session, "ranking_test_programs", True, actor="test")
            session.commit()
        yield
    finally:
        unregister_plugin("ranking_test_programs")


# id: (personal quality, other points): totals 100, 90, 80, 80, 80, 70; the 80s are ordered by personal
# quality: 23 (50), 24 (40), 25 (30).
POINTS = {21: (60, 40), 22: (50, 40), 23: (50, 30), 24: (40, 40), 25: (30, 50), 26: (40, 30)}


def _points_round(county, make_user, program_key, **values):
    users = {pa_id: make_user("jiashan") for pa_id in POINTS}
    with county("jiashan") as session:
        version = _version(session)
        found = _round(session, program_key=program_key, sub_quotas={}, second_round=False, rule_version=version,
                       **values)
        for pa_id, (quality, other) in POINTS.items():
            _confirmed_points(session, users[pa_id].id, version, {"education": quality, "awards": other})
            session.add(ProgramApplication(id=pa_id, reference=f"JS-2027-{pa_id:06d}", round_id=found.id, user_id=users[pa_id].id, applied_at=T0))
        session.commit()
        return found.id


def _outcomes(session, run_id):
    return {r.program_application_id: r.outcome for r in session.scalars(
        select(RankingResult).where(RankingResult.run_id == run_id))}


@pytest.mark.parametrize("ties, allocated", [("strict", {21, 22, 23}), ("all", {21, 22, 23, 24, 25})])
def test_cutoff_mode(more_programs, county, make_user, ties, allocated):
    round_id = _points_round(county, make_user, KINDERGARTEN.key, quota=3, cutoff_ties=ties)
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        assert outcome.cutoff == Decimal("80.00")  # the points of the 3rd
        assert {k for k, v in _outcomes(session, outcome.run_id).items() if v == "allocated"} == allocated
        assert set(_outcomes(session, outcome.run_id).values()) == {"allocated", "waitlisted"}
        # more places than applications: everyone
        assert ranking.run(session, found, actor="test", quota=10, persist=False).allocated == set(POINTS)


def test_threshold_mode(more_programs, county, make_user):
    round_id = _points_round(county, make_user, MEDICAL.key, quota=None, threshold=Decimal(85))
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        assert outcome.cutoff == Decimal("85.00") and outcome.allocated_count == 2
        assert _outcomes(session, outcome.run_id) == {21: "allocated", 22: "allocated", 23: "below_threshold",
                                                      24: "below_threshold", 25: "below_threshold",
                                                      26: "below_threshold"}
        found.threshold = None
        with pytest.raises(ranking.RankingError, match="no threshold"):
            ranking.run(session, found, actor="test")


def test_a_round_of_a_program_the_county_does_not_offer(county):
    with county("jiashan") as session:
        found = _round(session, program_key="no_such_program")
        with pytest.raises(ranking.RankingError, match="not enabled in this county"):
            ranking.run(session, found, actor="test")
        found = _round(session, quota=None, sub_quotas={}, opens_on=date(2027, 9, 1), closes_on=date(2027, 10, 1))
        with pytest.raises(ranking.RankingError, match="no quota"):
            ranking.run(session, found, actor="test")


def test_setting_parser():
    assert ranking.parse_setting("education.points.college=90") == {"education": {"points": {"college": "90"}}}
    assert ranking.merge_settings([ranking.parse_setting("education.points.college=90"),
                                   ranking.parse_setting("education.cap=100")]) == {
        "education": {"points": {"college": "90"}, "cap": "100"}}
    for bad in ("education=90", "education.points.college", ".x=1"):
        with pytest.raises(ranking.RankingError):
            ranking.parse_setting(bad)


def test_a_run_belongs_to_the_callers_transaction(hand_worked, county):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        before = _table_counts(session)
        session.rollback()
        ranking.run(session, found, actor="test", seed=SEED)  # the run's SAVEPOINT may open the transaction
        session.rollback()
        assert _table_counts(session) == before


def test_a_spouse_declared_by_one_side_only_is_no_couple(hand_worked, county):
    round_id, users = hand_worked()
    with county("jiashan") as session:
        w = session.get(User, (require_tenant().id, users["w"]))
        declared = [m for m in family.members(session, w) if m.relation == "spouse"]
        family.remove(session, w, declared[0])  # h still declares w; the link is no longer confirmed
        assert family.spouse_of(session, session.get(User, (require_tenant().id, users["h"]))) is None
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        # w competes: she takes 西塘镇's second second-round place, and b7 waits
        changed = [(8, "w", 6, 125, "allocated", 2), (9, "b7", 7, 120, "waitlisted", None)]
        assert _results(session, outcome.run_id) == _as_table(EXPECTED[:7] + changed + EXPECTED[9:])
        assert session.scalar(select(func.count(RankingInput.run_id)).where(
            RankingInput.run_id == outcome.run_id, RankingInput.family_key.is_not(None))) == 0


# --- The snapshot: one INSERT ... SELECT, or page by page through the scoring function -------------

SNAPSHOT_COLUMNS = ("program_application_id", "user_id", "sub_quota", "family_key", "points", "tb1", "tb2", "tb3",
                    "tb4", "lottery")


def _snapshot_rows(session, run_id):
    rows = session.execute(select(*(getattr(RankingInput, c) for c in SNAPSHOT_COLUMNS))
                           .where(RankingInput.run_id == run_id).order_by(RankingInput.program_application_id))
    return [tuple(row) for row in rows]


def _python_snapshot(session, found, run_id, seed):
    """Write the Python snapshot of ``found`` under a scratch run; returns the scratch run's id."""
    from jifen.ranking import snapshot as ranking_snapshot

    params = ranking.params_for(session, found, ranking.program_of(session, found))
    scratch = RankingRun(round_id=found.id, plugin_versions={}, seed=seed, params={}, digest="", actor="test")
    session.add(scratch)
    session.flush()
    connection = ranking._connection(session, require_tenant().id)
    ranking_snapshot.snapshot_in_python(session, connection, require_tenant().id, found, params, scratch.id, seed,
                                        None, lambda *a: None)
    return scratch.id


def _cache_subtotals_from_the_ledger(session) -> None:
    """Each scored application's subtotals as the ledger's writer caches them (jifen.points.ledger._write)."""
    for application in session.scalars(select(Application).where(Application.rule_version.is_not(None))):
        cached: dict[str, Decimal] = {}
        for entry in session.scalars(select(LedgerEntry).where(LedgerEntry.application_id == application.id,
                                                               LedgerEntry.rule_version == application.rule_version)):
            for key in (f"c:{entry.category}", f"t:{entry.item_type}"):
                cached[key] = cached.get(key, Decimal("0")) + entry.points
        application.subtotals = {key: str(points) for key, points in cached.items()}
    session.flush()


@pytest.mark.parametrize("frozen", [True, False, "cached"])
def test_the_sql_snapshot_gives_the_rows_of_the_python_one(hand_worked, county, monkeypatch, frozen):
    from jifen.ranking import snapshot as ranking_snapshot

    round_id, users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        if frozen is not True:
            found.rule_version = None
        if frozen == "cached":  # the tie-break subtotals read from the applications, not the ledger
            assert ranking_snapshot.subtotals_cached(session.connection(), require_tenant().id, found.id) is False
            _cache_subtotals_from_the_ledger(session)
            assert ranking_snapshot.subtotals_cached(session.connection(), require_tenant().id, found.id) is True
            session.execute(update(LedgerEntry).values(points=LedgerEntry.points + 1000))  # the ledger is not read
            session.flush()
        # an application time with microseconds, on the half of a hundredth (rounds away from zero)
        session.execute(update(ProgramApplication).where(ProgramApplication.id == 1209)
                        .values(applied_at=T0 + timedelta(seconds=1, microseconds=5000)))
        session.flush()
        python = monkeypatch.setattr  # the run must not fall back to the Python snapshot
        python(ranking, "snapshot_in_python", lambda *a, **k: pytest.fail("the run used the Python snapshot"))
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        monkeypatch.undo()
        in_sql = _snapshot_rows(session, outcome.run_id)
        if frozen == "cached":  # the Python snapshot reads the ledger: as it was
            session.execute(update(LedgerEntry).values(points=LedgerEntry.points - 1000))
            session.flush()
        in_python = _snapshot_rows(session, _python_snapshot(session, found, outcome.run_id, SEED))

        assert len(in_sql) == 13 and in_sql == in_python
        by_id = {row[0]: row for row in in_sql}
        assert by_id[1101][-1] == ranking_snapshot.lottery_number(SEED, 1101)
        assert by_id[1209][8] == Decimal("-810001.01")  # applied_at (4th tie-break): 9 d 9 h 1.005 s after opening
        h, w = by_id[1102], by_id[1206]
        assert h[3] == w[3] == str(min(users["h"], users["w"]))  # the couple's family key


def test_points_needing_the_scoring_function_take_the_python_snapshot(county, make_user, monkeypatch):
    """Under a frozen rule version, an applicant with no ledger rows for it is scored page by page."""
    from jifen.ranking import snapshot as ranking_snapshot

    calls = []
    original = ranking_snapshot.snapshot_in_python
    monkeypatch.setattr(ranking, "snapshot_in_python", lambda *a, **k: calls.append(1) or original(*a, **k))
    users = [make_user("jiashan") for _ in range(3)]
    with county("jiashan") as session:
        old = _version_and_a_later_one(session)
        found = _round(session, quota=2, sub_quotas={}, second_round=False, rule_version=old)
        _confirmed_points(session, users[0].id, old, {"education": 65})
        _confirmed_points(session, users[1].id, old, {"education": 70})
        for pa_id, user in zip((11, 12), users, strict=False):
            session.add(ProgramApplication(id=pa_id, reference=f"JS-2027-{pa_id:06d}", round_id=found.id, user_id=user.id, applied_at=T0))
        session.flush()
        ranking.run(session, found, actor="test", seed=SEED)
        assert calls == []  # every applicant has ledger rows under the round's version
        _confirmed_points(session, users[2].id, old + 1, {"education": 99},
                          inputs={"education": {"level": "bachelor", "institution": "浙江大学",
                                                "graduated_on": "2010-07-01"}})
        session.add(ProgramApplication(id=13, reference=f"JS-2027-{13:06d}", round_id=found.id, user_id=users[2].id, applied_at=T0))
        session.flush()
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        assert calls == [1] and outcome.input_count == 3
