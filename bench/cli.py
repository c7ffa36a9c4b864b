"""Benchmark ``cli``: how long the `jifen` command takes to start (issue: a CLI that starts at once).

On a freshly prepared database: the wall time of ``jifen --help`` and of ``jifen ranking list --tenant
jiashan`` (a county with no run), each the median of 5 runs in its own process, against ``python -c
pass`` measured the same way in the same run. Goal: each under 0.5 s, the interpreter's own start
subtracted by the figure printed beside it.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench import report
from bench.database import prepared_database

RUNS = 5
GOAL_SECONDS = 0.5
RESULTS = Path(__file__).resolve().parent / "results" / "cli.json"
REPO_ROOT = Path(__file__).resolve().parent.parent


def _median(command: list[str], env: dict[str, str]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        done = subprocess.run(command, env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed:\n{done.stdout}{done.stderr}")
    return statistics.median(times)


def run() -> int:
    jifen = str(Path(sys.executable).parent / "jifen")
    with prepared_database() as db:
        print(f"database: {db.kind}")
        figures = {
            "python -c pass": _median([sys.executable, "-c", "pass"], db.env),
            "jifen --help": _median([jifen, "--help"], db.env),
            "jifen ranking list": _median([jifen, "ranking", "list", "--tenant", "jiashan"], db.env),
        }
    base = figures["python -c pass"]
    passed = {}
    for name, seconds in figures.items():
        print(f"{name:20s} {seconds:6.3f} s  (median of {RUNS})")
    for name in ("jifen --help", "jifen ranking list"):
        passed[name] = figures[name] < GOAL_SECONDS
        report.goal(f"{name} < {GOAL_SECONDS} s (the interpreter alone: {base:.3f} s)", passed[name],
                    missed="BELOW GOAL")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({**report.header("cli", db.kind), "seconds": {k: round(v, 3) for k, v in
                                                                                  figures.items()},
                                   "goal_seconds": GOAL_SECONDS, "passed": passed}, indent=2) + "\n")
    print(f"written: {RESULTS}")
    return 0
