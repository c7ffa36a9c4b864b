"""Benchmark ``landing``: a county's landing page (GET /jiashan/) against a bare Flask baseline.

Both apps run under gunicorn with the same settings on the same freshly prepared database and
get the same load. The figure is the ratio of their throughputs, landing / bare; the goal is
that Jifen keeps at least half the throughput of the bare app. A measurement, not a test:
the exit code is 0 whether the goal is met or not, and 1 only when a server did not start or
answered something other than 200 (the first request checked, or any under load).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import report
from bench import load, servers
from bench.database import prepared_database

PATH = "/jiashan/"
GOAL = 0.7  # of the bare page (the performance issue; the house issue asked 0.5)
WARMUP_SECONDS = 2
RESULTS = Path(__file__).resolve().parent / "results" / "landing.json"
APPS = {  # name -> gunicorn app spec (both read DATABASE_URL etc. from the environment)
    "landing": "jifen.app:create_app()",
    "bare": "bench.bare_app:app",
}


class BenchFailed(RuntimeError):
    pass


def _check_200(server: servers.Server) -> None:
    status, body = servers.get(server.port, PATH)
    if status != 200:
        snippet = body[:400].decode("utf-8", "replace")
        raise BenchFailed(f"{server.name}: GET {PATH} answered {status}, not 200:\n{snippet}\n{server.log_tail()}")
    print(f"{server.name}: GET {server.url(PATH)} -> 200 ({len(body)} bytes)")


def _measure(db, settings: load.LoadSettings) -> dict[str, load.LoadResult]:
    results = {}
    with (
        servers.gunicorn_server("landing", APPS["landing"], db.env, PATH) as landing,
        servers.gunicorn_server("bare", APPS["bare"], db.env, PATH) as bare,
    ):
        for server in (landing, bare):
            _check_200(server)
        for server in (landing, bare):
            load.run_load(server.url(PATH), settings, seconds=min(WARMUP_SECONDS, settings.seconds))
            results[server.name] = load.run_load(server.url(PATH), settings)
    return results


def _report(db_kind: str, settings: load.LoadSettings, results: dict[str, load.LoadResult]) -> dict:
    landing, bare = results["landing"], results["bare"]
    ratio = landing.requests_per_second / bare.requests_per_second if bare.requests_per_second else 0.0
    for name, r in results.items():
        lat = ", ".join(f"{k} {v:.2f} ms" for k, v in r.latency_ms.items())
        print(f"{name:8s} {r.requests_per_second:10.1f} req/s  ({r.requests} requests in {r.seconds:.1f} s; {lat})")
        if r.socket_errors:
            print(f"{'':8s} socket errors: {r.socket_errors}")
    note = "" if landing.generator == "wrk" else " (built-in fallback: compare figures only within one run)"
    print(f"load generator: {landing.generator}{note}")
    print(f"ratio landing/bare: {ratio:.3f}")
    report.goal(f">= {GOAL}", ratio >= GOAL, missed="BELOW GOAL")
    return {
        **report.header("landing", db_kind),
        "path": PATH,
        "generator": landing.generator,
        "seconds": settings.seconds,
        "connections": settings.connections,
        "threads": settings.threads,
        "gunicorn": servers.GUNICORN_SETTINGS,
        "results": {name: r.as_dict() for name, r in results.items()},
        "ratio": round(ratio, 4),
        "goal": GOAL,
        "passed": ratio >= GOAL,
    }


def run() -> int:
    settings = load.LoadSettings.from_env()
    try:
        with prepared_database() as db:
            print(f"database: {db.kind} ({db.url})")
            print(
                f"load: {settings.seconds} s, {settings.connections} connections, {settings.threads} threads; "
                f"gunicorn: {' '.join(servers.GUNICORN_SETTINGS)}"
            )
            results = _measure(db, settings)
    except (servers.ServerFailed, BenchFailed) as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    report = _report(db.kind, settings, results)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {RESULTS}")
    failed = {name: r.non_2xx_3xx for name, r in results.items() if r.non_2xx_3xx}
    if failed:
        print(f"FAILED: responses other than 2xx/3xx under load: {failed}", file=sys.stderr)
        return 1
    return 0
