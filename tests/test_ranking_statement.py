"""The ranking statement (jifen.ranking.allocation): one sort with whole-number keys gives the rows the
former statement gave (two sorts, numeric keys) for the same snapshot, on both databases."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from jifen.county.tenancy import require_tenant
from jifen.models import ProgramRound, RankingInput, RankingResult, RankingRun
from jifen.ranking import allocation
from jifen.ranking import runs as ranking
from jifen.ranking.params import Params
from jifen.ranking.program_score import ScoreTerms

TOWNS = ("魏塘街道", "西塘镇", "姚庄镇")
RESULT_COLUMNS = ("program_application_id", "position", "sub_quota", "sub_position", "points", "outcome",
                  "allocation_round", "note", "amount")


def _params(**changes) -> Params:
    values = dict(program="hukou_transfer", quota_mode="headcount", quota=60,
                  sub_quotas={TOWNS[0]: 30, TOWNS[1]: 25, TOWNS[2]: 5},
                  tie_breaks=("personal_quality", "social_insurance", "residence", "applied_at"),
                  cutoff_ties="strict", second_round=True, second_round_cap_percent=40, threshold=Decimal("60"),
                  family_rule="higher_ranked_spouse", points_source="round_rule_version",
                  applied_at_origin="2026-09-01")
    values.update(changes)
    return Params(**values)


def _snapshot(session, tenant_id: int, run_id: int, *, amounts: bool = False, scores: bool = False) -> None:
    """400 applications with many ties (points in steps of 5, few tie-break values, some equal lotteries),
    sub-quotas with and without places, none at all, and couples."""
    rng = random.Random(20261206)
    rows = []
    for i in range(400):
        town = rng.choices([*TOWNS, "干窑镇", None], weights=[45, 35, 2, 10, 8])[0]
        rows.append(RankingInput(
            run_id=run_id, program_application_id=5000 + i, user_id=9000 + i, sub_quota=town,
            family_key=str(9000 + i - i % 2) if i % 37 in (0, 1) else None,
            points=Decimal(rng.randrange(40, 130, 5)) + (Decimal("0.25") if i % 11 == 0 else 0),
            tb1=Decimal(rng.choice([60, 80])), tb2=rng.choice([None, Decimal(30), Decimal("35.50")]),
            tb3=Decimal(rng.choice([20, 30])), tb4=Decimal(-rng.randrange(0, 4) * 86400),
            lottery=rng.randrange(3), program_score=Decimal(rng.randrange(50, 100)) if scores and i % 9 else None,
            amount=Decimal(rng.choice([3000, 5000, 8000])) if amounts else None,
        ))
    session.add_all(rows)
    session.flush()


def _rank(session, params: Params, inputs_run: int) -> list[tuple]:
    """Rank the snapshot of ``inputs_run`` into a new scratch run; its result rows by application."""
    tenant_id = require_tenant().id
    found = session.get(RankingRun, (tenant_id, inputs_run))
    scratch = RankingRun(round_id=found.round_id, plugin_versions={}, seed=1, params={}, digest="", actor="test")
    session.add(scratch)
    session.flush()
    connection = ranking._connection(session, tenant_id)
    tallied = allocation.rank_and_allocate(connection, tenant_id, params, inputs_run, scratch.id, lambda *args: None)
    # the tally after a second round is counted from the rows it allocated: as a count of the stored rows
    assert tallied == allocation.tally(connection, tenant_id, scratch.id)
    rows = session.execute(select(*(getattr(RankingResult, c) for c in RESULT_COLUMNS))
                           .where(RankingResult.run_id == scratch.id)
                           .order_by(RankingResult.program_application_id))
    return [tuple(row) for row in rows]


def _second_round_by_hand(params: Params, rows: list[tuple]) -> set[int]:
    """The second round as the rule says it, one application at a time in rank order: the places round 1
    left go to competing applications not placed in round 1, at most floor(cap% x places) per sub-quota."""
    by_position = sorted(rows, key=lambda row: row[1])
    left = params.total_quota - sum(1 for row in rows if row[6] == 1)
    caps = {name: places * params.second_round_cap_percent // 100 for name, places in params.sub_quotas.items()}
    picked: set[int] = set()
    for app_id, _position, sub_quota, _sub, _points, outcome, allocation_round, *_rest in by_position:
        if left <= 0:
            break
        if outcome in ("allocated", "waitlisted") and allocation_round != 1 and caps.get(sub_quota, 0) > 0:
            picked.add(app_id)
            caps[sub_quota] -= 1
            left -= 1
    return picked


def _former_statement(monkeypatch) -> None:
    """The statement as it was: numeric sort keys and a second sort per sub-quota."""
    monkeypatch.setattr(allocation, "ONE_SORT_SUB_QUOTAS", 0)
    monkeypatch.setattr(allocation, "sort_keys", lambda dialect: allocation.NUMERIC_KEYS)


@pytest.mark.parametrize("case", ["headcount", "budget", "cutoff", "program score"])
def test_one_sort_gives_the_rows_of_the_former_statement(county, monkeypatch, case):
    params = {
        "headcount": _params(),
        "budget": _params(quota_mode="budget", quota=150000, sub_quotas={}, second_round=False,
                          budget_leftover="skip"),
        "cutoff": _params(quota_mode="cutoff", sub_quotas={}, second_round=False, cutoff_ties="all"),
        "program score": _params(score_terms=ScoreTerms(points_factor=Decimal("0.5"), pass_mark=Decimal("60"))),
    }[case]
    with county("jiashan") as session:
        tenant_id = require_tenant().id
        found = ProgramRound(program_key="hukou_transfer", name="2026", opens_on=date(2026, 9, 1),
                             closes_on=date(2026, 11, 30), quota=60)
        session.add(found)
        session.flush()
        snapshot = RankingRun(round_id=found.id, plugin_versions={}, seed=1, params={}, digest="", actor="test")
        session.add(snapshot)
        session.flush()
        _snapshot(session, tenant_id, snapshot.id, amounts=case == "budget", scores=case == "program score")

        one_sort = _rank(session, params, snapshot.id)
        assert set(allocation._sub_quotas_of(ranking._connection(session, tenant_id), tenant_id, snapshot.id)) == {
            *TOWNS, "干窑镇", None}
        with monkeypatch.context() as patched:  # more sub-quotas than one sort takes: the per-sub-quota sort
            patched.setattr(allocation, "ONE_SORT_SUB_QUOTAS", 2)
            two_sorts = _rank(session, params, snapshot.id)
        with monkeypatch.context() as patched:
            _former_statement(patched)
            former = _rank(session, params, snapshot.id)

        assert len(former) == 400 and one_sort == former and two_sorts == former
        outcomes = {row[5] for row in former}
        assert "allocated" in outcomes and "waitlisted" in outcomes
        if case == "headcount":  # the case exercises what the statement decides
            assert {"served_by_spouse", "below_threshold"} <= outcomes
            assert any(row[6] == 2 for row in former)  # second-round places
            assert _second_round_by_hand(params, former) == {row[0] for row in former if row[6] == 2}
            assert any(row[2] is None and row[3] is not None for row in former)  # sub-positions without a sub-quota
        session.rollback()
