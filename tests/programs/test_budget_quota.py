"""Budget quotas (docs/ranking.md, "Budget quotas"): a temporary-relief round's money, paid in rank order.

The hand-worked round: a budget of 100,000 yuan, the county's grants 8,000 (major illness), 5,000
(accident or disaster) and 3,000 (other sudden hardship), 18 applicants with distinct points. In rank
order they ask for (thousands) 8 8 5 8 3 8 8 5 8 8 5 8 8 5 | 8 3 5 3; the running sum reaches 95 at
the 14th. The 15th (8) does not fit the 5 left:

* "stop": the allocation stops there: positions 1-14, 95,000 yuan;
* "skip": the 16th (3) still fits (2 left), the 17th (5) and 18th (3) do not: positions 1-14 and 16, 98,000 yuan.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import select

from jifen import clock
from jifen.county.switching import set_plugin_enabled
from jifen.county.tenancy import require_tenant
from jifen.models import (AuditEvent, ProgramApplication, ProgramRound, RankingInput, RankingResult, RankingRun,
                          User)
from jifen.points.applications import ApplicationError
from jifen.points.rules import ensure_current_version
from jifen.programs import rounds as programs
from jifen.ranking import runs as ranking
from tests.ledger_helpers import confirmed_points

SLUG = "jiashan"
OPENS, CLOSES = date(2027, 3, 1), date(2027, 3, 31)
NEED_OF = {8000: "major_illness", 5000: "accident_disaster", 3000: "sudden_hardship"}
ASKED = [8, 8, 5, 8, 3, 8, 8, 5, 8, 8, 5, 8, 8, 5, 8, 3, 5, 3]  # thousands of yuan, in rank order
STOP_PAID = list(range(1, 15))
SKIP_PAID = list(range(1, 15)) + [16]
SEED = 20270401


@pytest.fixture
def relief(county, make_user, monkeypatch):
    """Temporary relief switched on in Jiashan with its default grants, a round of 100,000 yuan and 18
    applicants who applied through the program's own form (the grant comes from the need they chose)."""
    monkeypatch.setattr(clock, "today", lambda: date(2027, 3, 10))
    people = [make_user(SLUG, real_name="王小红") for _ in ASKED]
    with county(SLUG) as session:
        set_plugin_enabled(session, "temporary_relief", True, actor="test")
        version = ensure_current_version(session, actor="test").version
        program = programs.programs(session)["temporary_relief"]
        found = programs.create_round(session, program, {"name": "2027年第一批临时救助", "opens_on": OPENS.isoformat(),
                                                         "closes_on": CLOSES.isoformat(), "quota": 100000},
                                      actor="test")
        ids = []
        for position, (person, thousands) in enumerate(zip(people, ASKED), start=1):
            confirmed_points(session, person.id, version, 200 - position)  # distinct points: rank = position
            application = programs.apply(session, program, session.get(User, (_tenant(session), person.id)), {
                "need": NEED_OF[thousands * 1000], "statement": "家中突发变故，收入中断，生活十分困难，需要帮助。",
                "evidence": "医院诊断证明、费用清单", "household_size": 3, "monthly_income": 1200})
            ids.append(application.id)
        found.rule_version = version
        session.commit()
        return found.id, ids


def _run(county, round_id, leftover):
    with county(SLUG) as session:
        found = session.get(ProgramRound, (_tenant(session), round_id))
        found.budget_leftover = leftover
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        rows = session.execute(select(RankingResult.position, RankingResult.outcome, RankingResult.amount)
                               .where(RankingResult.run_id == outcome.run_id).order_by(RankingResult.position)).all()
        session.commit()
        return outcome, rows


def _tenant(session):
    return require_tenant().id


def test_each_application_asks_for_the_grant_of_its_need(county, relief):
    _round_id, ids = relief
    with county(SLUG) as session:
        amounts = [session.get(ProgramApplication, (_tenant(session), i)).amount for i in ids]
    assert amounts == [Decimal(t * 1000) for t in ASKED]


@pytest.mark.parametrize("leftover, paid, total", [("stop", STOP_PAID, Decimal(95000)),
                                                    ("skip", SKIP_PAID, Decimal(98000))])
def test_a_relief_round_pays_in_rank_order_as_worked_by_hand(county, relief, leftover, paid, total):
    round_id, _ids = relief
    outcome, rows = _run(county, round_id, leftover)
    allocated = [position for position, result, _amount in rows if result == "allocated"]
    assert allocated == paid
    assert [amount for _p, _r, amount in rows] == [Decimal(t * 1000) for t in ASKED]
    assert outcome.paid == total == sum(Decimal(ASKED[p - 1] * 1000) for p in paid)
    assert outcome.allocated_count == len(paid)
    assert outcome.params["budget_leftover"] == leftover and outcome.params["quota"] == 100000
    with county(SLUG) as session:
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "ranking.run")
                               .order_by(AuditEvent.seq.desc()))
        assert event.details["paid"] == f"{total}.00"
        run = session.get(RankingRun, (_tenant(session), outcome.run_id))
        assert ranking.verify(session, run) == (True, run.digest)


def test_the_digest_covers_the_amounts(county, relief):
    round_id, _ids = relief
    outcome, _rows = _run(county, round_id, "stop")
    assert ranking.digest_line(1, "JS-2027-000001", Decimal(190), "allocated", 1, Decimal(8000)) == \
        "1,JS-2027-000001,190.00,allocated,1,8000.00\n"
    assert ranking.digest_line(1, "JS-2027-000001", Decimal(190), "allocated", 1) == \
        "1,JS-2027-000001,190.00,allocated,1\n"  # other runs' lines are as they always were
    with county(SLUG) as session:
        run = session.get(RankingRun, (_tenant(session), outcome.run_id))
        rows = session.execute(select(RankingResult.position, ProgramApplication.reference, RankingResult.points,
                                      RankingResult.outcome, RankingResult.allocation_round, RankingResult.amount)
                               .join(ProgramApplication, ProgramApplication.id == RankingResult.program_application_id)
                               .where(RankingResult.run_id == run.id).order_by(RankingResult.position)).all()
    with_amounts = hashlib.sha256("".join(ranking.digest_line(*row) for row in rows).encode()).hexdigest()
    without = hashlib.sha256("".join(ranking.digest_line(*row[:5]) for row in rows).encode()).hexdigest()
    assert run.digest == with_amounts != without


def test_the_sql_and_python_snapshots_carry_the_same_amounts(county, relief, monkeypatch):
    round_id, _ids = relief
    with county(SLUG) as session:
        found = session.get(ProgramRound, (_tenant(session), round_id))
        found.budget_leftover = "skip"
        in_sql = ranking.run(session, found, actor="test", seed=SEED)
        monkeypatch.setattr(ranking, "needs_python", lambda *a, **k: True)
        in_python = ranking.run(session, found, actor="test", seed=SEED)

        def amounts(run_id):
            return session.execute(select(RankingInput.program_application_id, RankingInput.amount)
                                   .where(RankingInput.run_id == run_id)
                                   .order_by(RankingInput.program_application_id)).all()

        assert amounts(in_sql.run_id) == amounts(in_python.run_id) and len(amounts(in_sql.run_id)) == len(ASKED)
        assert in_sql.digest == in_python.digest and in_sql.paid == Decimal(98000)
        session.rollback()


def test_a_round_without_a_budget_or_a_need_without_a_grant_is_refused_with_words(county, relief, make_user):
    with county(SLUG) as session:
        program = programs.programs(session)["temporary_relief"]
        with pytest.raises(ApplicationError) as refused:
            programs.create_round(session, program, {"name": "2027年第二批", "opens_on": "2027-04-01",
                                                     "closes_on": "2027-04-30"}, actor="test")
        assert "budget" in str(refused.value.message)
        session.rollback()
    person = make_user(SLUG, real_name="李四")
    with county(SLUG) as session:
        set_plugin_enabled(session, "temporary_relief", True, actor="test",
                           settings={"grant_sudden_hardship": "0"})
        version = ensure_current_version(session, actor="test").version
        confirmed_points(session, person.id, version, 80)
        program = programs.programs(session)["temporary_relief"]
        with pytest.raises(ApplicationError) as refused:
            programs.apply(session, program, session.get(User, (_tenant(session), person.id)), {
                "need": "sudden_hardship", "statement": "家中突发变故，收入中断，生活十分困难，需要帮助。",
                "evidence": "证明材料", "household_size": 2, "monthly_income": 800})
        assert "no relief grant" in str(refused.value.message)
        session.rollback()


def test_the_round_takes_the_countys_leftover_rule_and_the_run_refuses_an_unknown_one(county, relief):
    round_id, _ids = relief
    with county(SLUG) as session:
        found = session.get(ProgramRound, (_tenant(session), round_id))
        assert found.budget_leftover == "stop"  # the program's default setting
        found.budget_leftover = "sometimes"
        with pytest.raises(ranking.RankingError, match="neither skip nor stop"):
            ranking.run(session, found, actor="test", seed=SEED)
        session.rollback()


def test_only_a_budget_program_has_a_grant():
    from jifen import toolkit as tk

    with pytest.raises(ValueError, match="grant"):
        tk.ServiceProgram(key="x_relief", names={"zh": "救助", "en": "Relief"}, quota_mode="budget")
    with pytest.raises(ValueError, match="grant"):
        tk.ServiceProgram(key="x_places", names={"zh": "名额", "en": "Places"}, quota_mode="headcount",
                          grant=lambda fields, settings: 1)


# --------------------------------------------------------------------------- offers: the money, not the places


def _final_list(county, round_id, leftover):
    """Run, make the run current and publish its final list; offers made. Returns the round's offers."""
    from jifen.models import Publication
    from jifen.programs import offers

    outcome, _rows = _run(county, round_id, leftover)
    with county(SLUG) as session:
        found = session.get(ProgramRound, (_tenant(session), round_id))
        run = session.get(RankingRun, (_tenant(session), outcome.run_id))
        ranking.make_current(session, run, actor="test")
        for stage, day in (("provisional", date(2027, 4, 1)), ("final", date(2027, 4, 12))):
            session.add(Publication(round_id=round_id, run_id=run.id, stage=stage, starts_on=day, actor="test",
                                    published_at=datetime(day.year, day.month, day.day, 9)))
        session.flush()
        made = offers.make_offers(session, found, actor="test")
        session.commit()
        return [o.program_application_id for o in made]


def _position_of(ids, application_id):
    return ids.index(application_id) + 1


def test_a_declined_grant_passes_down_the_list_as_far_as_the_money_goes(county, relief):
    from jifen.models import Offer, User
    from jifen.programs import offers

    round_id, ids = relief
    offered = _final_list(county, round_id, "skip")
    assert [_position_of(ids, i) for i in offered] == SKIP_PAID  # 98,000 yuan offered
    with county(SLUG) as session:
        found = session.get(ProgramRound, (_tenant(session), round_id))
        assert offers.money_held(session, found) == Decimal(98000)

        def decline(position):
            offer = session.scalar(select(Offer).where(Offer.program_application_id == ids[position - 1]))
            user = session.get(User, (_tenant(session), offer.user_id))
            offers.decline(session, offer, user)
            return sorted(_position_of(ids, o.program_application_id) for o in offers.offers_of(session, found)
                          if o.status == "offered" and o.program_application_id not in offered)

        # 1 (8,000) declines: 10,000 left; the 15th (8,000) fits, the 17th (5,000) and 18th (3,000) do not.
        assert decline(1) == [15]
        # 3 (5,000) declines: 7,000 left; the 17th (5,000) fits, then 2,000 are left.
        assert decline(3) == [15, 17]
        assert offers.money_held(session, found) == Decimal(98000)
        session.commit()


@pytest.mark.parametrize("leftover, successors", [("skip", [17]), ("stop", [])])
def test_the_rounds_rule_decides_whether_a_smaller_grant_below_may_take_the_money(county, relief, leftover,
                                                                                   successors):
    from jifen.models import Offer, User
    from jifen.programs import offers

    round_id, ids = relief
    _final_list(county, round_id, "skip")  # 98,000 yuan offered: positions 1-14 and 16
    with county(SLUG) as session:
        found = session.get(ProgramRound, (_tenant(session), round_id))
        found.budget_leftover = leftover
        offer = session.scalar(select(Offer).where(Offer.program_application_id == ids[4]))  # the 5th: 3,000
        offers.decline(session, offer, session.get(User, (_tenant(session), offer.user_id)))
        # 5,000 left: the 15th (8,000) does not fit. "skip": the 17th (5,000) does; "stop": nobody below the 15th.
        new = [o for o in offers.offers_of(session, found) if o.replaces_offer_id == offer.id]
        assert [_position_of(ids, o.program_application_id) for o in new] == successors
        assert offers.money_held(session, found) == Decimal(95000 + 5000 * len(successors))
        session.rollback()


DECLINERS = {1, 2, 4, 6, 9, 12}  # decline (twice at once: a double submit); the others accept twice at once


@pytest.mark.postgres_only
def test_many_accepting_and_declining_at_once_never_exceed_the_budget(app, county, relief):
    import threading
    import time

    from jifen.cli.binding import county as bind
    from jifen.db.session import get_session
    from jifen.models import Offer, User
    from jifen.programs import offers

    round_id, ids = relief
    _final_list(county, round_id, "skip")
    budget = Decimal(100000)
    start = threading.Barrier(len(ids) * 2 + 1)
    stop = threading.Event()
    lock = threading.Lock()
    failures: list[str] = []
    samples: list[Decimal] = []

    def held(session) -> Decimal:
        return offers.money_held(session, session.get(ProgramRound, (_tenant(session), round_id)))

    def worker(position: int) -> None:
        try:
            with app.app_context(), bind(SLUG):
                session = get_session()
                application = ids[position - 1]
                start.wait(timeout=30)
                give_up = time.monotonic() + 60
                while time.monotonic() < give_up:
                    offer = session.scalar(select(Offer).where(Offer.program_application_id == application)
                                           .execution_options(populate_existing=True))
                    if offer is not None and offer.status != "offered":
                        session.rollback()
                        return
                    if offer is None:
                        still_open = session.scalar(select(Offer.id).where(Offer.round_id == round_id,
                                                                           Offer.status == "offered").limit(1))
                        session.rollback()
                        if still_open is None:
                            return  # nothing more will be offered
                        time.sleep(0.005)
                        continue
                    user = session.get(User, (offer.tenant_id, offer.user_id))
                    try:
                        (offers.decline if position in DECLINERS else offers.accept)(session, offer, user)
                        session.flush()
                        now = held(session)  # inside the deciding transaction
                        session.commit()
                        if now > budget:
                            with lock:
                                failures.append(f"{position}: {now} yuan held after its answer")
                    except ApplicationError:
                        session.rollback()  # the other click answered first
                        return
                with lock:
                    failures.append(f"{position}: still waiting after 60 s")
        except Exception as exc:  # noqa: BLE001 - every unexpected error fails the test
            with lock:
                failures.append(f"{position}: {type(exc).__name__}: {exc}")

    def monitor() -> None:
        with app.app_context(), bind(SLUG):
            session = get_session()
            start.wait(timeout=30)
            while not stop.is_set():
                value = held(session)
                session.rollback()
                with lock:
                    samples.append(value)
                time.sleep(0.002)

    threads = [threading.Thread(target=worker, args=(p,)) for p in range(1, len(ids) + 1) for _click in range(2)]
    watcher = threading.Thread(target=monitor)
    for t in (*threads, watcher):
        t.start()
    for t in threads:
        t.join(timeout=120)
    stop.set()
    watcher.join(timeout=10)

    assert not failures, failures
    assert samples and max(samples) <= budget, f"{max(samples)} yuan held at once"
    with county(SLUG) as session:
        every = session.scalars(select(Offer).where(Offer.round_id == round_id)).all()
        accepted = [o for o in every if o.status == "accepted"]
        amounts = {o.program_application_id: ASKED[ids.index(o.program_application_id)] * 1000 for o in every}
        assert "offered" not in {o.status for o in every}
        assert sum(amounts[o.program_application_id] for o in accepted) == held(session) <= budget
        assert {_position_of(ids, o.program_application_id) for o in every if o.status == "declined"} <= DECLINERS
        per_application = [o.program_application_id for o in every]
        assert len(per_application) == len(set(per_application))  # nobody was offered twice
        # Every decline passed its money on while a waiting grant fitted it: what is left fits none of them.
        waiting = [ASKED[i] * 1000 for i, app_id in enumerate(ids) if app_id not in amounts]
        assert all(budget - held(session) < amount for amount in waiting)


def test_the_toolkits_leftover_field_offers_the_two_rules_in_words():
    from jifen import toolkit as tk

    field = tk.budget_leftover_field("skip")
    assert field.load_default == "skip" and set(field.metadata["choices"]) == {"stop", "skip"}
    assert all(set(names) == {"zh", "en"} for names in field.metadata["choices"].values())
    with pytest.raises(ValueError, match="stop"):
        tk.budget_leftover_field("sometimes")
