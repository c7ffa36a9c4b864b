"""``jifen points rescore``: the ledger of every confirmed application under the county's current rules."""

from collections import Counter
from decimal import Decimal

from sqlalchemy import func, select

from jifen.points import ledger
from jifen.county.context import current_county
from jifen.county.switching import set_plugin_enabled
from jifen.models import Application, AuditEvent, DeclaredItem, LedgerEntry
from jifen.models.application import ITEM_VERIFIED
from jifen.points.rules import county_item_types, latest_version, load_rules
from jifen.points.scoring import score


def _demo(cli, county, count=30, tenant="jiashan", seed=3):
    """Synthetic applicants; returns the county's current rule version (loading the county made some)."""
    result = cli("demo-data", "--tenant", tenant, "--count", str(count), "--seed", str(seed))
    assert result.exit_code == 0, result.output
    with county(tenant) as session:
        return latest_version(session).version


def _rows(session, version=None):
    query = select(LedgerEntry).order_by(LedgerEntry.application_id, LedgerEntry.item_id)
    if version is not None:
        query = query.where(LedgerEntry.rule_version == version)
    return [(r.id, r.application_id, r.item_id, r.item_type, r.category, r.rule_version, r.points, r.raw_points, r.note)
            for r in session.scalars(query)]


def _verified_count(session):
    return session.scalar(select(func.count(DeclaredItem.id)).where(DeclaredItem.status == ITEM_VERIFIED))


def _assert_ledger_matches_scoring(session, version):
    """Every application's rows under ``version`` are exactly jifen.points.scoring.score of its verified items."""
    rules = load_rules(session, ledger.rule_version(session, version))
    types = county_item_types(session)
    applications = session.scalars(select(Application).order_by(Application.id)).all()
    items = ledger.verified_items(session, [a.id for a in applications])
    rows = {}
    for row in _rows(session, version):
        rows.setdefault(row[1], []).append(row)
    assert applications
    for application in applications:
        breakdown = score(items.get(application.id, []), rules, types)
        expected = [(line.item_id, line.item_type, line.category, version, line.counted, line.raw, line.note)
                    for line in breakdown.lines]
        assert [row[2:] for row in rows.get(application.id, [])] == expected
        assert application.rule_version == version
        assert application.total_points == breakdown.total
        # the subtotals cached with the total are the sums of the rows per category and per item type
        sums: Counter = Counter()
        for row in rows.get(application.id, []):
            for key, name in (("c", row[4]), ("t", row[3])):
                if name:  # an item type no longer offered has no category
                    sums[f"{key}:{name}"] += row[6]
        assert {key: Decimal(value) for key, value in application.subtotals.items()} == dict(sums)


def test_rescore_writes_the_ledger_of_demo_applicants_as_scoring_computes_it(cli, county):
    v = _demo(cli, county)
    result = cli("points", "rescore", "--tenant", "jiashan", "--batch-size", "8")
    assert result.exit_code == 0, result.output
    assert f"jiashan: 30 applications rescored under rule version {v} (0 already under it)" in result.output
    with county("jiashan") as session:
        _assert_ledger_matches_scoring(session, v)
        assert len(_rows(session)) == _verified_count(session)
        assert {a.total_points is not None for a in session.scalars(select(Application))} == {True}
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "points.rescored")).all()
        assert [a.details["applications"] for a in audit] == [8, 8, 8, 6]  # one record per committed batch


def test_a_second_rescore_writes_nothing(cli, county):
    v = _demo(cli, county, 20)
    assert cli("points", "rescore", "--tenant", "jiashan").exit_code == 0
    with county("jiashan") as session:
        before = _rows(session)
        audit_before = session.scalar(select(func.count(AuditEvent.seq)))
    again = cli("points", "rescore", "--tenant", "jiashan")
    assert again.exit_code == 0, again.output
    assert f"jiashan: 0 applications rescored under rule version {v} (20 already under it)" in again.output
    with county("jiashan") as session:
        assert _rows(session) == before
        assert session.scalar(select(func.count(AuditEvent.seq))) == audit_before


def test_an_interrupted_rescore_resumes_without_counting_twice(cli, county):
    v = _demo(cli, county, 30)
    with county("jiashan") as session:
        first = ledger.rescore(session, actor="test", batch_size=7, stop_after_batches=1)
        assert (first.rescored, first.version) == (7, v)
        assert len({row[1] for row in _rows(session)}) == 7
    result = cli("points", "rescore", "--tenant", "jiashan", "--batch-size", "5")
    assert result.exit_code == 0, result.output
    assert f"jiashan: 23 applications rescored under rule version {v} (7 already under it)" in result.output
    with county("jiashan") as session:
        rows = _rows(session)
        per_item_and_version = Counter((row[2], row[5]) for row in rows)
        assert set(per_item_and_version.values()) == {1}
        assert len(rows) == _verified_count(session)
        _assert_ledger_matches_scoring(session, v)


def test_ctrl_c_keeps_committed_batches_and_the_next_run_goes_on(cli, county, monkeypatch):
    v = _demo(cli, county, 30)
    calls = {"n": 0}
    real_score = ledger.score

    def interrupted_score(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 8:  # inside the second batch of five
            raise KeyboardInterrupt
        return real_score(*args, **kwargs)

    monkeypatch.setattr(ledger, "score", interrupted_score)
    result = cli("points", "rescore", "--tenant", "jiashan", "--batch-size", "5")
    assert result.exit_code == 130, result.output
    assert "interrupted; 5 applications were rescored in committed batches" in result.output
    with county("jiashan") as session:
        assert len({row[1] for row in _rows(session)}) == 5
    monkeypatch.setattr(ledger, "score", real_score)
    result = cli("points", "rescore", "--tenant", "jiashan", "--batch-size", "5")
    assert result.exit_code == 0, result.output
    assert "jiashan: 25 applications rescored" in result.output
    with county("jiashan") as session:
        assert len(_rows(session)) == _verified_count(session)
        _assert_ledger_matches_scoring(session, v)


def test_a_changed_points_value_makes_a_new_version_and_keeps_the_old_rows(cli, county):
    v = _demo(cli, county, 40, seed=5)
    assert cli("points", "rescore", "--tenant", "jiashan").exit_code == 0
    with county("jiashan") as session:
        old_rows = _rows(session, v)
        settings = current_county(session).settings_of("education")
        points = {**settings["points"], "junior_high": "25", "senior_high": "35", "college": "65"}
        assert set_plugin_enabled(session, "education", True, actor="test", settings={**settings, "points": points})
        session.commit()
    result = cli("points", "rescore", "--tenant", "jiashan")
    assert result.exit_code == 0, result.output
    assert f"jiashan: 40 applications rescored under rule version {v + 1}" in result.output
    with county("jiashan") as session:
        assert _rows(session, v) == old_rows
        _assert_ledger_matches_scoring(session, v + 1)
        new_rows = _rows(session, v + 1)
        assert len(new_rows) == len(old_rows)
        raised = {row[2]: row[7] for row in new_rows if row[3] == "education"}
        assert any(old[7] + 5 == raised[old[2]] for old in old_rows if old[3] == "education")
    listing = cli("points", "versions", "--tenant", "jiashan")
    assert listing.exit_code == 0, listing.output
    lines = listing.output.splitlines()
    assert lines[0].split() == ["version", "created", "(UTC)", "actor", "note"]
    assert lines[1].split()[0] == str(v + 1) and "test" in lines[1] and "plugin education on" in lines[1]
    assert [line.split()[0] for line in lines[1:]] == [str(n) for n in range(v + 1, 0, -1)]


def test_rescore_of_a_county_without_applications(cli):
    result = cli("points", "rescore", "--tenant", "haining")
    assert result.exit_code == 0, result.output
    assert "haining: 0 applications rescored" in result.output


def test_unknown_county_is_a_clear_error(cli):
    for command in (("points", "rescore"), ("points", "versions")):
        result = cli(*command, "--tenant", "atlantis")
        assert result.exit_code == 1, result.output
        assert "no county called 'atlantis'" in result.output
    missing = cli("points", "rescore")
    assert missing.exit_code == 2 and "--tenant" in missing.output
