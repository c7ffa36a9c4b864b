"""The ranking benchmark's round is shaped like a real one (bench/ranking.py): couples, under-subscribed
towns whose places go to the capped second round, ties left to the lottery; and its database is its own."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.sqlite_only
def test_the_benchmark_round_has_couples_second_round_places_and_lottery_ties(tmp_path):
    env = {**os.environ, "BENCH_DATABASE": "sqlite", "BENCH_RANKING_N": "4000"}
    done = subprocess.run([sys.executable, "-m", "bench", "ranking"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    shape = re.search(r"round shape: (\d+) couples \(served once: (\d+) spouses not competing\), (\d+) second-round "
                      r"places, (\d+) applications placed by the lottery", done.stdout)
    assert shape, done.stdout
    couples, served, second, lottery = map(int, shape.groups())
    assert couples == 40 and served == couples  # 2% of 4,000 applicants, each couple served once
    assert second > 0 and lottery > 0
    stored = json.loads((REPO / "bench" / "results" / "ranking.json").read_text())
    assert stored["run"]["shape"]["second_round_places"] == second


@pytest.mark.slow
@pytest.mark.postgres_only
def test_the_hand_written_script_reproduces_the_run(jifen_database):
    """bench/ranking_by_hand.sql writes the run's snapshot rows, result rows and digest: the benchmark
    compares them row for row (it fails otherwise) and prints the ratio of the run to the script."""
    env = {**os.environ, "BENCH_RANKING_N": "2000"}
    env.pop("BENCH_DATABASE", None)
    done = subprocess.run([sys.executable, "-m", "bench", "ranking"], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "database: postgresql" in done.stdout
    assert re.search(r"^by hand\s+[\d.]+ s  \(2000 rows: .*checked\)$", done.stdout, re.MULTILINE), done.stdout
    assert re.search(r"^ratio run/by hand: [\d.]+$", done.stdout, re.MULTILINE), done.stdout
    stored = json.loads((REPO / "bench" / "results" / "ranking.json").read_text())
    assert stored["by_hand"]["identical"] is True and stored["by_hand"]["digest"] == stored["run"]["digest"]


def test_each_run_has_its_own_database_and_drops_only_it(monkeypatch):
    from bench import database

    made, dropped = [], []
    monkeypatch.setattr(database, "postgres_reachable", lambda: True)
    monkeypatch.setattr(database, "_jifen", lambda env, *args: None)

    def admin(sql):
        (made if sql.startswith("CREATE") else dropped).append(sql.split()[-1] if sql.startswith("CREATE")
                                                                else sql.split()[4])

    monkeypatch.setattr(database, "_pg_admin", admin)
    monkeypatch.delenv("BENCH_DATABASE", raising=False)
    for _ in range(2):
        with database.prepared_database() as db:
            assert made[-1] in db.url
    assert len(set(made)) == 2 and all(name.startswith("jifen_bench_") for name in made)
    assert dropped == made  # each run drops its own database, and nothing else
