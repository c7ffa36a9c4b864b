"""``jifen ranking``: run, verify, simulate and list, and their errors."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from jifen.ranking import runs as ranking
from jifen.models import (
    Application, AuditEvent, DeclaredItem, LedgerEntry, ProgramApplication, ProgramRound, RankingInput, RankingResult,
    RankingRun,
)
from jifen.models.application import CONFIRMED, ITEM_VERIFIED
from jifen.points.rules import ensure_current_version
from jifen.county.tenancy import require_tenant

LEVEL_POINTS = {"bachelor": 80, "college": 60}  # Jiashan's table (Zhongshan 2014)
# program application id: education level, social insurance (points under Jiashan's table: 1.5 per insurance
# type per year in the province, 0.5 more per type per year in the county; declared input)
APPLICANTS = {
    31: ("bachelor", 30, {"insurance_types": 5, "years": 4, "local_years": 0}),
    32: ("bachelor", 20, {"insurance_types": 4, "years": 3, "local_years": 1}),
    33: ("college", 45, {"insurance_types": 5, "years": 6, "local_years": 0}),
    34: ("college", 40, {"insurance_types": 5, "years": 5, "local_years": 1}),
    35: ("college", 5, {"insurance_types": 1, "years": 3, "local_years": 1}),
}


@pytest.fixture
def round_id(county, make_user):
    """A hukou transfer round in Jiashan, quota 2; five applicants with confirmed points 110, 100, 105, 100, 65."""
    users = {pa_id: make_user("jiashan") for pa_id in APPLICANTS}
    with county("jiashan") as session:
        version = ensure_current_version(session, actor="test").version
        found = ProgramRound(program_key="hukou_transfer", name="2026年积分入户", opens_on=date(2026, 9, 1),
                             closes_on=date(2026, 11, 30), quota=2, sub_quotas={}, rule_version=version)
        session.add(found)
        session.flush()
        for pa_id, (level, insurance, declared) in APPLICANTS.items():
            items = {"education": (LEVEL_POINTS[level], "personal_quality",
                                   {"level": level, "institution": "嘉兴学院", "graduated_on": "2012-07-01"}),
                     "social_insurance": (insurance, "basic_status", declared)}
            application = Application(user_id=users[pa_id].id, status=CONFIRMED, rule_version=version,
                                      total_points=Decimal(sum(p for p, _c, _i in items.values())))
            session.add(application)
            session.flush()
            for item_type, (points, category, data) in items.items():
                item = DeclaredItem(application_id=application.id, item_type=item_type, input=data,
                                    department="test", status=ITEM_VERIFIED)
                session.add(item)
                session.flush()
                session.add(LedgerEntry(application_id=application.id, item_id=item.id, item_type=item_type,
                                        category=category, rule_version=version, points=Decimal(points),
                                        raw_points=Decimal(points)))
            session.add(ProgramApplication(id=pa_id, reference=f"JS-2027-{pa_id:06d}", round_id=found.id, user_id=users[pa_id].id,
                                           applied_at=datetime(2026, 9, 10)))
        session.commit()
        return found.id


def _counts(county):
    with county("jiashan") as session:
        return tuple(session.scalar(select(func.count(column))) for column in (
            RankingRun.id, RankingInput.run_id, RankingResult.run_id, AuditEvent.seq))


def _run_id(output):
    return int(re.search(r"ranking run (\d+) of round", output).group(1))


def test_run_stores_a_run_and_prints_it(cli, county, round_id):
    result = cli("ranking", "run", "--tenant", "jiashan", str(round_id), "--seed", "42")
    assert result.exit_code == 0, result.output
    run_id = _run_id(result.output)
    with county("jiashan") as session:  # committed
        run = session.get(RankingRun, (require_tenant().id, run_id))
        assert run.seed == 42 and run.input_count == 5 and run.allocated_count == 2 and run.actor == "cli"
        assert run.cutoff == Decimal("105.00")
        digest = run.digest
    assert f"digest     {digest}" in result.output
    assert "inputs     5" in result.output
    assert "allocated  2 (allocated 2, waitlisted 3)" in result.output
    assert "cutoff     105.00" in result.output
    assert "snapshot: 5 of 5 applications" in result.output  # progress (on stderr)

    again = cli("ranking", "run", "--tenant", "jiashan", str(round_id), "--seed", "42")
    assert again.exit_code == 0 and f"digest     {digest}" in again.output


def test_verify(cli, county, round_id, tamper):
    run_id = _run_id(cli("ranking", "run", "--tenant", "jiashan", str(round_id)).output)
    result = cli("ranking", "verify", "--tenant", "jiashan", str(run_id))
    assert result.exit_code == 0, result.output
    assert f"jiashan: run {run_id} verifies: digest" in result.output

    with county("jiashan") as session:  # the last one becomes the first
        tamper(session, "UPDATE ranking_inputs SET points = 200.00 WHERE run_id = :run AND program_application_id = 35",
               run=run_id)
    result = cli("ranking", "verify", "--tenant", "jiashan", str(run_id))
    assert result.exit_code == 1
    assert f"run {run_id} does NOT verify" in result.output
    assert "recomputed from its snapshot" in result.output


def test_simulate_prints_the_cutoff_and_movers_and_stores_nothing(cli, county, round_id):
    run_id = _run_id(cli("ranking", "run", "--tenant", "jiashan", str(round_id), "--seed", "42").output)
    with county("jiashan") as session:
        ranking.make_current(session, session.get(RankingRun, (require_tenant().id, run_id)), "admin:1")
        session.commit()
    before = _counts(county)

    result = cli("ranking", "simulate", "--tenant", "jiashan", str(round_id), "--quota", "4")
    assert result.exit_code == 0, result.output
    assert "quota 4" in result.output and "nothing stored" in result.output
    assert "cutoff     100.00" in result.output
    assert f"against current run {run_id}:" in result.output
    assert "moving in  (2): 32, 34" in result.output
    assert "moving out (0): none" in result.output

    # college 60 -> 90: 33 (135) and 34 (130) overtake 31 (110) and 32 (100)
    result = cli("ranking", "simulate", "--tenant", "jiashan", str(round_id), "--set", "education.points.college=90")
    assert result.exit_code == 0, result.output
    assert "cutoff     130.00" in result.output
    assert "moving in  (1): 34" in result.output and "moving out (1): 31" in result.output
    assert _counts(county) == before

    bad = cli("ranking", "simulate", "--tenant", "jiashan", str(round_id), "--set", "education.points.college")
    assert bad.exit_code == 1 and "ITEM.KEY=VALUE" in bad.output
    bad = cli("ranking", "simulate", "--tenant", "jiashan", str(round_id), "--set", "diplomas.points.x=1")
    assert bad.exit_code == 1 and "no score item 'diplomas'" in bad.output
    assert _counts(county) == before


def test_list(cli, county, round_id):
    result = cli("ranking", "list", "--tenant", "jiashan")
    assert result.exit_code == 0 and "jiashan: no ranking run yet" in result.output
    first = _run_id(cli("ranking", "run", "--tenant", "jiashan", str(round_id)).output)
    second = _run_id(cli("ranking", "run", "--tenant", "jiashan", str(round_id)).output)
    with county("jiashan") as session:
        ranking.make_current(session, session.get(RankingRun, (require_tenant().id, first)), "admin:1")
        session.commit()
    result = cli("ranking", "list", "--tenant", "jiashan", str(round_id))
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1].startswith(f"  {second} ") and lines[2].startswith(f"* {first} ")  # newest first; * current
    assert "105.00" in lines[1]


def test_errors(cli, county, round_id):
    result = cli("ranking", "run", "--tenant", "nowhere", str(round_id))
    assert result.exit_code == 1 and "no county called 'nowhere'" in result.output
    result = cli("ranking", "run", "--tenant", "jiashan", "12345")
    assert result.exit_code == 1 and "jiashan: no round 12345" in result.output
    result = cli("ranking", "simulate", "--tenant", "jiashan", "12345")
    assert result.exit_code == 1 and "no round 12345" in result.output
    result = cli("ranking", "verify", "--tenant", "jiashan", "12345")
    assert result.exit_code == 1 and "no ranking run 12345" in result.output
    result = cli("ranking", "list", "--tenant", "jiashan", "12345")
    assert result.exit_code == 1 and "no round 12345" in result.output
    result = cli("ranking", "run", "--tenant", "haining", str(round_id))  # another county's round
    assert result.exit_code == 1 and f"haining: no round {round_id}" in result.output

    with county("jiashan") as session:
        found = ProgramRound(program_key="no_such_program", name="x", opens_on=date(2027, 1, 1),
                             closes_on=date(2027, 2, 1), quota=1)
        session.add(found)
        session.commit()
        other = found.id
    result = cli("ranking", "run", "--tenant", "jiashan", str(other))
    assert result.exit_code == 1 and "program 'no_such_program'" in result.output and "not enabled" in result.output
    assert _counts(county)[0] == 0
