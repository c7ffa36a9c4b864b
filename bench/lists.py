"""Benchmark ``lists``: a published list's page, and its search by reference number, against the county's
landing page, under the same gunicorn (issue: public lists as fast as the landing page).

On a freshly prepared database the run makes ``BENCH_LIST_N`` applicants (default 300) with
``jifen demo-data``, a closed ``hukou_transfer`` round with one application each (the ranking
benchmark's round), ranks it with ``jifen ranking run``, makes the run current and publishes its
provisional list. Beyond ``BENCH_RANKING_SCORED`` applicants (default 100,000) the rest are copies made
in SQL, as the ranking benchmark makes them (PostgreSQL only). Then, one server, the same load for each
path: the landing page ``/jiashan/``, the list's first page, the page at row 1,000,000 (or the middle
of a shorter list), its last page (``?after=``: keyset), a search by reference number, and the public
API's list endpoint at its start and at the deep row. Figures: req/s of each and the ratios against
the landing page (goal: each list path at least 0.5), and the deep and last pages against the first
(goal: each costs at most 1.2 times the first).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bench import load, report, servers
from bench.database import prepared_database, vacuum
from bench.ranking import (
    DEFAULT_SCORED, BenchFailed, TENANT, _generate, _jifen, _measure_run, _replicate, _setup,
)

DEFAULT_N = 300
GOAL_LIST = 0.5  # of the landing page's requests per second
GOAL_DEPTH = 1.2  # a deep page may cost at most this many times the first
DEEP_ROW = 1_000_000  # the depth: row 1,000,000 served as row 1
WARMUP_SECONDS = 2
RESULTS = Path(__file__).resolve().parent / "results" / "lists.json"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _publish_worker(round_id: int, run_id: int) -> int:
    """As the application's role: make the run current, publish its provisional list, print the paths."""
    from jifen.app import create_app
    from jifen.cli.binding import county
    from jifen.db.session import get_session
    from jifen.models import ProgramApplication, ProgramRound, RankingResult, RankingRun
    from jifen.programs import publication
    from jifen.programs import rounds as programs
    from jifen.ranking import runs as ranking
    from sqlalchemy import func, select

    app = create_app()
    with app.app_context(), county(TENANT) as tenant:
        session = get_session()
        found = session.get(ProgramRound, (tenant.id, round_id))
        ranking.make_current(session, session.get(RankingRun, (tenant.id, run_id)), actor="bench")
        publication.publish_provisional(session, found, programs.programs(session)[found.program_key], actor="bench")
        session.commit()
        last = session.scalar(select(func.max(RankingResult.position)).where(RankingResult.run_id == run_id))
        page = publication.PAGE_SIZE
        after = max(0, (last - 1) // page * page)  # the last page's keyset start
        row = DEEP_ROW if last >= DEEP_ROW else max(1, last // 2)
        deep = (row - 1) // page * page  # the keyset start of the page holding that row
        some = session.scalar(select(ProgramApplication.reference).where(ProgramApplication.round_id == round_id)
                              .order_by(ProgramApplication.reference.desc()).limit(1))
        base = f"/{TENANT}/programs/{found.program_key}/rounds/{round_id}/list"
        api = f"/{TENANT}/api/v1/programs/{found.program_key}/rounds/{round_id}/list?limit={page}"
    print(json.dumps({"first": base, "deep": f"{base}?after={deep}", "deep_row": row, "last": f"{base}?after={after}",
                      "search": f"{base}?number={some}", "api": api, "api_deep": f"{api}&after={deep}", "rows": last}))
    return 0


def _publish(env: dict[str, str], round_id: int, run_id: int) -> dict:
    done = subprocess.run([sys.executable, "-m", "bench.lists", "--publish", str(round_id), str(run_id)],
                          env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise BenchFailed(f"publishing the list failed:\n{done.stdout}{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _measure(db, settings: load.LoadSettings, paths: dict[str, str]) -> dict[str, load.LoadResult]:
    results = {}
    with servers.gunicorn_server("jifen", "jifen.app:create_app()", db.env, "/jiashan/") as server:
        for name, path in paths.items():
            status, body = servers.get(server.port, path)
            if status != 200:
                raise BenchFailed(f"GET {path} answered {status}:\n{body[:400]!r}\n{server.log_tail()}")
            print(f"{name:8s} GET {path} -> 200 ({len(body)} bytes)")
        for name, path in paths.items():
            load.run_load(server.url(path), settings, seconds=min(WARMUP_SECONDS, settings.seconds))
            results[name] = load.run_load(server.url(path), settings)
    return results


def _report(db_kind: str, n: int, rows: int, deep_row: int, settings: load.LoadSettings, paths: dict[str, str],
            results: dict[str, load.LoadResult]) -> dict:
    landing = results["landing"].requests_per_second or 0.0
    for name, r in results.items():
        lat = ", ".join(f"{k} {v:.2f} ms" for k, v in r.latency_ms.items())
        print(f"{name:8s} {r.requests_per_second:10.1f} req/s  ({r.requests} requests in {r.seconds:.1f} s; {lat})")
    ratios = {name: (results[name].requests_per_second / landing if landing else 0.0)
              for name in ("first", "deep", "last", "search", "api", "api_deep")}
    costs = {name: (results[base].requests_per_second / results[name].requests_per_second
                    if results[name].requests_per_second else 0.0)
             for name, base in (("deep", "first"), ("last", "first"), ("api_deep", "api"))}
    print(f"load generator: {results['landing'].generator}; list of {rows} rows; deep page at row {deep_row}")
    passed = {}
    for name, ratio in ratios.items():
        print(f"ratio {name}/landing: {ratio:.3f}")
        passed[name] = ratio >= GOAL_LIST
        report.goal(f"{name} >= {GOAL_LIST} of the landing page", passed[name], missed="BELOW GOAL")
    for name, cost in costs.items():
        print(f"cost of the {name} page / the first{' of the API' if name.startswith('api') else ''}: {cost:.3f}")
        passed[f"{name}_cost"] = cost <= GOAL_DEPTH
        report.goal(f"{name} page within {GOAL_DEPTH} x the first", passed[f"{name}_cost"], missed="BELOW GOAL")
    depth = costs["last"]
    return {**report.header("lists", db_kind), "applicants": n, "rows": rows, "paths": paths,
            "generator": results["landing"].generator, "seconds": settings.seconds,
            "gunicorn": servers.GUNICORN_SETTINGS, "results": {k: r.as_dict() for k, r in results.items()},
            "ratios": {k: round(v, 4) for k, v in ratios.items()}, "depth": round(depth, 4), "deep_row": deep_row,
            "deep_cost": round(costs["deep"], 4), "passed": passed}


def run() -> int:
    settings = load.LoadSettings.from_env()
    n = int(os.environ.get("BENCH_LIST_N", DEFAULT_N))
    scored = min(n, int(os.environ.get("BENCH_RANKING_SCORED", DEFAULT_SCORED)))
    try:
        if n % scored:
            raise BenchFailed(f"BENCH_LIST_N ({n}) must be a multiple of BENCH_RANKING_SCORED ({scored})")
        with prepared_database() as db:
            print(f"database: {db.kind} ({db.url}); {n} applicants (BENCH_LIST_N)", flush=True)
            _generate(db.env, scored)
            _jifen(db.env, "points", "rescore", "--tenant", TENANT)
            if scored != n:
                if db.kind != "postgresql":
                    raise BenchFailed("copies of the scored applicants are made on PostgreSQL only")
                print(f"copying {scored} applicants to {n} ...", flush=True)
                _replicate(db.env, n, scored)
            setup = _setup(db.env, n)
            vacuum(db.env)
            ranked = _measure_run(db.env, setup["round_id"])
            published = _publish(db.env, setup["round_id"], ranked["run_id"])
            vacuum(db.env)  # statistics for the run's rows, as autovacuum gives a live database
            paths = {"landing": "/jiashan/", "first": published["first"], "deep": published["deep"],
                     "last": published["last"], "search": published["search"], "api": published["api"],
                     "api_deep": published["api_deep"]}
            results = _measure(db, settings, paths)
    except (servers.ServerFailed, BenchFailed) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    summary = _report(db.kind, n, published["rows"], published["deep_row"], settings, paths, results)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {RESULTS}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--publish":
        sys.exit(_publish_worker(int(sys.argv[2]), int(sys.argv[3])))
    sys.exit(run())
