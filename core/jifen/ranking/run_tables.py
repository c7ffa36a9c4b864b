"""Where a run writes its rows: the shared tables, or (a large run on PostgreSQL) tables of its own.

A run of at least ``JIFEN_RANKING_OWN_TABLES_FROM`` applications (default 10,000) on PostgreSQL writes its
snapshot and results into two tables of its own in schema ``jifen_runs`` (migration core_0025):

1. made without indexes (:func:`own`), so that writing two million rows maintains no index;
2. indexed and analysed once each is written (:func:`loaded`): one index build instead of an
   update per row, and statistics for the planner, which the application's role cannot give the
   shared tables;
3. made children of ``ranking_inputs`` and ``ranking_results`` (:func:`attach`) before the run's
   digest: from then on its rows are read through the shared tables like any other run's, and
   triggers refuse to change them once the run is finished.

All three steps happen inside the run's SAVEPOINT: a run rolled back leaves no table behind. The
rows are the same either way (``tests/test_ranking_run_tables.py``). Attaching locks the shared
tables against another attach until the run's transaction ends, so two large runs finish one after
the other; readers are never blocked.

Small runs, and every run on SQLite, write the shared tables: a table per run would only add to the
catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, has_app_context
from sqlalchemy import MetaData, Table, text
from sqlalchemy.engine import Connection

from jifen.models import RankingInput, RankingResult

SCHEMA = "jifen_runs"
DEFAULT_FROM = 10_000


@dataclass(frozen=True)
class RunTables:
    """The tables a run's steps write and read: ``inputs`` (the snapshot) and ``results``."""

    inputs: Table
    results: Table
    own: bool = False  # the run's own tables, to be attached


SHARED = RunTables(RankingInput.__table__, RankingResult.__table__)


def wanted(connection: Connection, applications: int) -> bool:
    """Whether a run of ``applications`` gets tables of its own."""
    if connection.dialect.name != "postgresql":
        return False
    config = current_app.config if has_app_context() else {}
    return applications >= int(config.get("JIFEN_RANKING_OWN_TABLES_FROM", DEFAULT_FROM))


def own(connection: Connection, run_id: int) -> RunTables:
    """Make the run's two tables (empty, no index) and name them."""
    connection.execute(text("SELECT jifen_run_tables_create(:run)"), {"run": run_id})
    metadata = MetaData()
    return RunTables(
        RankingInput.__table__.to_metadata(metadata, schema=SCHEMA, name=f"inputs_{run_id}"),
        RankingResult.__table__.to_metadata(metadata, schema=SCHEMA, name=f"results_{run_id}"),
        own=True,
    )


def loaded(connection: Connection, tables: RunTables, run_id: int, kind: str) -> None:
    """``kind`` ("inputs" or "results") is written: build its indexes and analyse it."""
    if tables.own:
        connection.execute(text("SELECT jifen_run_table_loaded(:run, :kind)"), {"run": run_id, "kind": kind})


def attach(connection: Connection, tables: RunTables, run_id: int) -> None:
    """Make the run's tables children of the shared ones (the run's rows are final from here on)."""
    if tables.own:
        connection.execute(text("SELECT jifen_run_tables_attach(:run)"), {"run": run_id})


def quoted(connection: Connection, table: Table) -> str:
    """``table``'s name as raw SQL writes it (schema-qualified for a run's own table)."""
    return connection.dialect.identifier_preparer.format_table(table)
