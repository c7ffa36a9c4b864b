"""A large run's own tables on PostgreSQL (jifen.ranking.run_tables, migration core_0025).

The test configuration gives every run on PostgreSQL tables of its own (JIFEN_RANKING_OWN_TABLES_FROM
is 0), so every ranking test there goes this way; here a huge threshold sends a run through the shared
tables, the way every run went before.
"""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import DBAPIError

from jifen.county.tenancy import require_tenant
from jifen.models import ProgramRound, RankingInput, RankingResult, RankingRun
from jifen.ranking import runs as ranking
from tests.test_ranking import EXPECTED, SEED, _as_table, _expected_digest, _results, hand_worked  # noqa: F401

pytestmark = pytest.mark.postgres_only

INPUT_COLUMNS = [c.name for c in RankingInput.__table__.columns if c.name != "run_id"]
RESULT_COLUMNS = [c.name for c in RankingResult.__table__.columns if c.name != "run_id"]


def _own_tables(session) -> set[str]:
    return set(session.execute(text(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = 'jifen_runs' AND c.relkind = 'r'")).scalars())


def _rows(session, model, columns, run_id):
    return sorted(tuple(row) for row in session.execute(
        select(*(getattr(model, name) for name in columns)).where(model.run_id == run_id)))


def _owner(app):
    return create_engine(app.config["DATABASE_OWNER_URL"])


def test_a_run_writes_its_own_tables_and_reads_them_through_the_shared_ones(app, hand_worked, county):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        session.commit()
        assert _own_tables(session) == {f"inputs_{outcome.run_id}", f"results_{outcome.run_id}"}
        assert _results(session, outcome.run_id) == _as_table(EXPECTED)
        assert outcome.digest == _expected_digest(EXPECTED)
        # The application's role reaches them only through the shared tables once they are attached.
        with pytest.raises(DBAPIError, match="permission denied"):
            session.execute(text(f"SELECT count(*) FROM jifen_runs.results_{outcome.run_id}"))
        session.rollback()
    engine = _owner(app)
    try:
        with engine.connect() as conn:
            parents = dict(conn.execute(text(
                "SELECT c.relname, p.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent")).all())
            assert parents == {f"inputs_{outcome.run_id}": "ranking_inputs",
                               f"results_{outcome.run_id}": "ranking_results"}
            indexes = set(conn.execute(text(
                "SELECT indexdef FROM pg_indexes WHERE schemaname = 'jifen_runs'")).scalars())
            assert any("(tenant_id, run_id, \"position\")" in d or "(tenant_id, run_id, position)" in d
                       for d in indexes), indexes
            assert sum("UNIQUE" in d and "program_application_id" in d for d in indexes) == 2
            analysed = conn.execute(text(
                "SELECT count(*) FROM pg_stat_all_tables WHERE schemaname = 'jifen_runs' "
                "AND last_analyze IS NOT NULL")).scalar()
            assert analysed == 2
    finally:
        engine.dispose()


def test_the_rows_written_the_new_way_equal_the_rows_written_the_old_way(app, hand_worked, county):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        app.config["JIFEN_RANKING_OWN_TABLES_FROM"] = 10 ** 9
        shared = ranking.run(session, found, actor="test", seed=SEED)
        assert _own_tables(session) == set()  # the old way: the shared tables
        app.config["JIFEN_RANKING_OWN_TABLES_FROM"] = 0
        own = ranking.run(session, found, actor="test", seed=SEED)
        assert _own_tables(session) == {f"inputs_{own.run_id}", f"results_{own.run_id}"}
        session.commit()
        assert own.digest == shared.digest
        assert (own.input_count, own.allocated_count, own.cutoff, own.counts) == \
            (shared.input_count, shared.allocated_count, shared.cutoff, shared.counts)
        for model, columns in ((RankingInput, INPUT_COLUMNS), (RankingResult, RESULT_COLUMNS)):
            assert _rows(session, model, columns, own.run_id) == _rows(session, model, columns, shared.run_id)
            assert _rows(session, model, columns, own.run_id)
        # A run made the old way is verified the new way (its re-ranking in tables of its own), and back.
        for made in (shared, own):
            assert ranking.verify(session, session.get(RankingRun, (require_tenant().id, made.run_id))) == \
                (True, made.digest)
        app.config["JIFEN_RANKING_OWN_TABLES_FROM"] = 10 ** 9
        assert ranking.verify(session, session.get(RankingRun, (require_tenant().id, own.run_id))) == \
            (True, own.digest)
        assert _own_tables(session) == {f"inputs_{own.run_id}", f"results_{own.run_id}"}  # verify kept none


@pytest.mark.parametrize("change", [
    "UPDATE jifen_runs.results_{run} SET outcome = 'allocated'",
    "DELETE FROM jifen_runs.results_{run}",
    "UPDATE jifen_runs.inputs_{run} SET points = points + 1",
    "DELETE FROM jifen_runs.inputs_{run}",
    "UPDATE ranking_results SET outcome = 'allocated' WHERE run_id = {run}",
    "DELETE FROM ranking_inputs WHERE run_id = {run}",
])
def test_the_owner_cannot_change_a_finished_runs_own_tables(app, hand_worked, county, change):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        session.commit()
    engine = _owner(app)
    try:
        with engine.connect() as conn:
            with pytest.raises(DBAPIError, match="never changed"):
                conn.execute(text(change.format(run=outcome.run_id)))
    finally:
        engine.dispose()


def test_a_simulation_or_a_failed_run_leaves_no_table(hand_worked, county, monkeypatch):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        ranking.simulate(session, found, seed=SEED + 1)
        assert _own_tables(session) == set()

        def broken(*args, **kwargs):
            raise RuntimeError("injected failure after the results")

        monkeypatch.setattr(ranking, "_digest", broken)
        with pytest.raises(RuntimeError, match="injected"):
            ranking.run(session, found, actor="test", seed=SEED)
        assert _own_tables(session) == set()
        session.commit()


def test_tables_are_made_only_for_a_run_of_the_bound_county_being_made(hand_worked, county):
    round_id, _users = hand_worked()
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        finished = ranking.run(session, found, actor="test", seed=SEED).run_id
        session.commit()
        ranking._connection(session, require_tenant().id)
        for call in (f"SELECT jifen_run_tables_create({finished})", f"SELECT jifen_run_tables_attach({finished})",
                     f"SELECT jifen_run_table_loaded({finished}, 'inputs')", "SELECT jifen_run_tables_create(999999)"):
            with pytest.raises(DBAPIError, match="no ranking run"):
                session.execute(text(call))
            session.rollback()
            ranking._connection(session, require_tenant().id)
        # A run being made, but the county bound is another one: refused; bound to its own county: made.
        being_made = RankingRun(round_id=round_id, plugin_versions={}, seed=1, params={}, digest="", actor="test")
        session.add(being_made)
        session.flush()
        haining = session.scalar(text("SELECT id FROM tenants WHERE slug = 'haining'"))
        session.execute(text("SELECT set_config('jifen.tenant_id', :t, true)"), {"t": str(haining)})
        with pytest.raises(DBAPIError, match="no ranking run"):
            session.execute(text("SELECT jifen_run_tables_create(:run)"), {"run": being_made.id})
        session.rollback()
        being_made = RankingRun(round_id=round_id, plugin_versions={}, seed=1, params={}, digest="", actor="test")
        session.add(being_made)
        session.flush()
        ranking._connection(session, require_tenant().id)
        session.execute(text("SELECT jifen_run_tables_create(:run)"), {"run": being_made.id})
        assert _own_tables(session) == {f"inputs_{finished}", f"results_{finished}",
                                        f"inputs_{being_made.id}", f"results_{being_made.id}"}
        session.rollback()
