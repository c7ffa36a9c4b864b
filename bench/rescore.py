"""Benchmark ``rescore``: re-applying a county's rules to N confirmed applications, against writing the same rows.

On a freshly prepared database (PostgreSQL when reachable, else SQLite) the run makes N synthetic
applicants in Jiashan with ``jifen demo-data`` (N from ``BENCH_RESCORE_N``, default 200,000), then
measures, each in its own process connected as the application's role (row-level security applies):

(a) **rescore**: ``jifen.points.ledger.rescore``, which reads every application's verified items, scores
    them and writes the ledger rows and cached totals in batches;
(b) **baseline**: the same walk over the same applications in the same batches, writing the same
    ledger rows and totals through the same bulk writer (``jifen.points.ledger._write``), but with the
    values read back from a copy of what (a) wrote instead of scored, so the only difference is
    the scoring work.

Between the two, the database owner copies the ledger aside, empties it and resets the cached
totals, then vacuums and analyses, so (b) starts from the state (a) started from.

Figures: both wall times, their ratio (goal <= 2.0) and the peak resident memory of the rescoring
process (goal < 500 MB). A measurement, not a test: the exit code is 0 whether the goals are met
or not, and 1 only when a step failed.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import report
from bench.database import PG_APP_ROLE, owner_engine, prepared_database, vacuum

TENANT = "jiashan"
SEED = 1
DEFAULT_N = 200_000
BATCH_SIZE = 2000
GOAL_RATIO = 2.0
GOAL_PEAK_MB = 500
COPY_TABLE = "bench_ledger_copy"
RESULTS = Path(__file__).resolve().parent / "results" / "rescore.json"
REPO_ROOT = Path(__file__).resolve().parent.parent


class BenchFailed(RuntimeError):
    pass


def _settings() -> tuple[int, int]:
    n = int(os.environ.get("BENCH_RESCORE_N", DEFAULT_N))
    batch = int(os.environ.get("BENCH_RESCORE_BATCH", BATCH_SIZE))
    if n < 1 or batch < 1:
        raise BenchFailed("BENCH_RESCORE_N and BENCH_RESCORE_BATCH must be at least 1")
    return n, batch


def _generate(env: dict[str, str], n: int, batch: int) -> float:
    """``jifen demo-data`` (demo data is refused in production, so this one step runs in development mode)."""
    cli = Path(sys.executable).parent / "jifen"
    start = time.perf_counter()
    result = subprocess.run(
        [str(cli), "demo-data", "--tenant", TENANT, "--count", str(n), "--seed", str(SEED), "--batch-size", str(batch)],
        env={**env, "JIFEN_ENV": "development"}, cwd=REPO_ROOT, capture_output=True, text=True, check=False,
    )
    if result.returncode != 0:
        raise BenchFailed(f"jifen demo-data failed:\n{result.stdout}{result.stderr}")
    return time.perf_counter() - start


def _set_aside(env: dict[str, str], app_role: str | None) -> int:
    """As the owner: copy the ledger (with each application's total) aside, empty it, reset the totals."""
    from sqlalchemy import text

    engine = owner_engine(env)
    try:
        with engine.connect() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {COPY_TABLE}"))
            conn.execute(text(
                f"CREATE TABLE {COPY_TABLE} AS SELECT l.tenant_id, l.application_id, l.item_id, l.item_type, l.category, "
                "l.rule_version, l.points, l.raw_points, l.note, a.total_points AS application_total "
                "FROM ledger_entries l JOIN applications a ON a.tenant_id = l.tenant_id AND a.id = l.application_id"
            ))
            conn.execute(text(f"CREATE INDEX ix_{COPY_TABLE}_application ON {COPY_TABLE} (application_id)"))
            if engine.dialect.name == "postgresql" and app_role:
                conn.execute(text(f"GRANT SELECT ON {COPY_TABLE} TO {app_role}"))
            rows = conn.execute(text(f"SELECT count(*) FROM {COPY_TABLE}")).scalar()
            conn.execute(text("TRUNCATE ledger_entries" if engine.dialect.name == "postgresql" else "DELETE FROM ledger_entries"))
            conn.execute(text("UPDATE applications SET total_points = NULL, rule_version = NULL"))
    finally:
        engine.dispose()
    return rows


# -- the measured processes -------------------------------------------------------------------------


def _measure(kind: str, env: dict[str, str], batch: int) -> dict:
    """Run one measurement in a child process; its peak RSS comes from wait4's resource usage of that child."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.rescore", "--worker", kind, str(batch)],
            env=env, cwd=REPO_ROOT, stdout=out, stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if process.returncode != 0:
            raise BenchFailed(f"{kind} process failed ({process.returncode}):\n{out.read()}{err.read()}")
        figures = json.loads(out.read().strip().splitlines()[-1])
    kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    figures["peak_rss_mb"] = round(kib / 1024, 1)
    return figures


def _baseline(session, batch: int) -> int:
    """The rescore's walk and writer, with the values read back instead of scored."""
    from decimal import Decimal

    from sqlalchemy import Column, MetaData, Numeric, String, Table, select
    from sqlalchemy import BigInteger, Integer

    from jifen.points import ledger
    from jifen.models import Application
    from jifen.models.application import CONFIRMED, RECHECK
    from jifen.points.rules import latest_version
    from jifen.points.scoring import Breakdown, Line
    from jifen.county.tenancy import require_tenant

    copy = Table(
        COPY_TABLE, MetaData(),
        Column("tenant_id", Integer), Column("application_id", BigInteger), Column("item_id", BigInteger),
        Column("item_type", String), Column("category", String), Column("rule_version", BigInteger),
        Column("points", Numeric(10, 2)), Column("raw_points", Numeric(10, 2)), Column("note", String),
        Column("application_total", Numeric(10, 2)),
    )
    version = latest_version(session).version
    tenant_id = require_tenant().id
    todo = (Application.status.in_([CONFIRMED, RECHECK]),
            (Application.rule_version.is_(None)) | (Application.rule_version != version))
    done, last_id = 0, -1
    while True:
        ids = list(session.scalars(
            select(Application.id).where(*todo, Application.id > last_id).order_by(Application.id).limit(batch)))
        if not ids:
            break
        lines: dict[int, list[Line]] = {}
        totals: dict[int, Decimal] = {}
        for row in session.connection().execute(
            select(copy).where(copy.c.tenant_id == tenant_id, copy.c.application_id.in_(ids))
        ):
            lines.setdefault(row.application_id, []).append(
                Line(row.item_id, row.item_type, row.category, row.raw_points, row.points, row.note))
            totals[row.application_id] = row.application_total
        breakdowns = {
            app_id: Breakdown(tuple(sorted(lines.get(app_id, []), key=lambda line: line.item_id)),
                              totals.get(app_id, Decimal("0.00")), {}, {})
            for app_id in ids
        }
        ledger._write(session, breakdowns, version)
        session.commit()
        session.expunge_all()
        done += len(ids)
        last_id = ids[-1]
    return done


def _worker(kind: str, batch: int) -> int:
    from sqlalchemy import func, select

    from jifen.points import ledger
    from jifen.app import create_app
    from jifen.cli.binding import county
    from jifen.db.session import get_session
    from jifen.models import LedgerEntry

    app = create_app()
    with app.app_context(), county(TENANT):
        session = get_session()
        rss_before_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        if kind == "rescore":
            applications = ledger.rescore(session, actor="bench", batch_size=batch).rescored
        else:
            applications = _baseline(session, batch)
        seconds = time.perf_counter() - start
        rows = session.scalar(select(func.count(LedgerEntry.id)))
    print(json.dumps({"seconds": round(seconds, 3), "applications": applications, "ledger_rows": rows,
                      "rss_before_mb": round(rss_before_kib / 1024, 1)}))
    return 0


# -- the run ----------------------------------------------------------------------------------------------


def _report(db_kind: str, n: int, batch: int, generate_s: float, rescore: dict, baseline: dict) -> dict:
    ratio = rescore["seconds"] / baseline["seconds"] if baseline["seconds"] else 0.0
    ratio_ok = ratio <= GOAL_RATIO
    memory_ok = rescore["peak_rss_mb"] < GOAL_PEAK_MB
    print(f"demo-data   {generate_s:9.1f} s  ({n} applicants, {rescore['ledger_rows']} verified items; not a goal)")
    for name, r in (("rescore", rescore), ("baseline", baseline)):
        rate = r["ledger_rows"] / r["seconds"] if r["seconds"] else 0.0
        print(f"{name:10s}  {r['seconds']:9.1f} s  ({r['applications']} applications, {r['ledger_rows']} ledger rows, "
              f"{rate:,.0f} rows/s; peak RSS {r['peak_rss_mb']:.0f} MB, {r['rss_before_mb']:.0f} MB before starting)")
    print(f"ratio rescore/baseline: {ratio:.2f}")
    report.goal(f"ratio <= {GOAL_RATIO}", ratio_ok)
    report.goal(f"rescore peak RSS < {GOAL_PEAK_MB} MB", memory_ok)
    return {
        **report.header("rescore", db_kind),
        "applicants": n,
        "batch_size": batch,
        "seed": SEED,
        "demo_data_seconds": round(generate_s, 2),
        "rescore": rescore,
        "baseline": baseline,
        "ratio": round(ratio, 4),
        "goal_ratio": GOAL_RATIO,
        "goal_peak_rss_mb": GOAL_PEAK_MB,
        "passed": {"ratio": ratio_ok, "peak_rss": memory_ok},
    }


def run() -> int:
    try:
        n, batch = _settings()
        with prepared_database() as db:
            print(f"database: {db.kind} ({db.url})")
            print(f"applicants: {n} (BENCH_RESCORE_N), batch size {batch}; making them with jifen demo-data ...",
                  flush=True)
            generate_s = _generate(db.env, n, batch)
            vacuum(db.env)
            print("measuring rescore ...", flush=True)
            rescore = _measure("rescore", db.env, batch)
            if rescore["applications"] != n:
                raise BenchFailed(f"rescore rescored {rescore['applications']} applications, not {n}")
            copied = _set_aside(db.env, PG_APP_ROLE if db.kind == "postgresql" else None)
            vacuum(db.env)
            print("measuring baseline ...", flush=True)
            baseline = _measure("baseline", db.env, batch)
            if baseline["ledger_rows"] != copied or rescore["ledger_rows"] != copied:
                raise BenchFailed(f"row counts differ: rescore {rescore['ledger_rows']}, copy {copied}, "
                                  f"baseline {baseline['ledger_rows']}")
    except BenchFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    report = _report(db.kind, n, batch, generate_s, rescore, baseline)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {RESULTS}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--worker":
        sys.exit(_worker(sys.argv[2], int(sys.argv[3])))
    sys.exit(run())
