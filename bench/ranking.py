"""Benchmark ``ranking``: a full ranking run of N applications to one round, against a bare window-function query.

On a freshly prepared database (PostgreSQL when reachable, else SQLite) the run makes N synthetic
applicants in Jiashan with ``jifen demo-data`` (N from ``BENCH_RANKING_N``, default 100,000; the
goal is stated for 2,000,000), writes their ledgers with ``jifen points rescore``, then, connected
as the application's role (row-level security applies), creates one closed ``hukou_transfer`` round
(quota N/20 split over the towns, second round on, capped at 10% of a town's places) and one
application to it per applicant, like a real round: applicants crowd into the central towns and two
towns have fewer applicants than places (their places go to the second round), 2% of the applicants
are married to another applicant (the family rule serves each couple once), and a third are entered
at a counter in a morning's batch, so equal points and tie-break values leave ties to the lottery. It prints how many of each the run met.
Then it measures:

(a) **run**: ``jifen ranking run --tenant jiashan ROUND --seed 1`` in its own process, as the
    application's role: snapshot, rank, family rule, allocation, digest, and the stored run;
(b) **baseline**: as the database owner, in the same database, ``CREATE TABLE ... AS SELECT
    program_application_id, row_number() OVER (<the run's total order>)`` over the snapshot rows
    the run ranked (its ``ranking_inputs``); the table is dropped afterwards.

(c) **by hand** (PostgreSQL): ``bench/ranking_by_hand.sql``, a hand-written script that writes the same
    snapshot rows, result rows and digest for this round as fast as we can make it in plain SQL, timed
    as the owner in one transaction, then checked row for row and digest for digest against the run.

Figures: the wall times, the ratios run/baseline (goal <= 4) and run/by hand (goal <= 1.0), and the
peak resident memory of the ranking process (goal < 300 MB). A measurement, not a test: the exit code is 0 whether the goals are met
or not, and 1 only when a step failed.
"""

from __future__ import annotations

import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from bench import report
from bench.database import owner_engine, prepared_database, vacuum

TENANT = "jiashan"
PROGRAM = "hukou_transfer"
SEED = 1
DEFAULT_N = 100_000
GOAL_N = 2_000_000
# Applicants made through the platform (demo-data, then the scoring of points rescore); beyond this,
# copies of them are added in SQL (see _replicate): scoring 2,000,000 applicants one by one would
# take hours and is not what is measured.
DEFAULT_SCORED = 100_000
COPY_ID_OFFSET = 10**16  # copy c's ids are the originals' + c * this (app ids are ~4e17; bigint holds 9.2e18)
COPY_MOBILE_PREFIX = "147"  # demo applicants' numbers start with 145
DEMO_BATCH = 2000
INSERT_BATCH = 5000
GOAL_RATIO = 4.0  # the run against the bare CTAS
GOAL_BY_HAND = 1.0  # the run against the hand-written script
GOAL_PEAK_MB = 300
# The round's sub-quotas: Jiashan's towns and subdistricts; the quota is split evenly over them.
TOWNS = ("魏塘街道", "罗星街道", "惠民街道", "大云镇", "西塘镇", "干窑镇", "陶庄镇", "姚庄镇", "天凝镇")
# Like a real round, applicants crowd into the centre: the last two towns draw 0.3% of them each, fewer
# than their places (the quota is 5% of the applicants, so a town has 0.56% of them in places); the
# places they leave go to the capped second round.
TOWN_WEIGHTS = (20, 18, 16, 14, 12, 10, 9.4, 0.3, 0.3)
COUPLES_PERCENT = 2  # of the applicants, married to another applicant of the round (both applied)
SECOND_ROUND_CAP = 10  # per cent of a town's own places (Zhongshan 2016)
WINDOW_DAYS = 30
BASELINE_TABLE = "bench_rank"
RESULTS = Path(__file__).resolve().parent / "results" / "ranking.json"
REPO_ROOT = Path(__file__).resolve().parent.parent
RUN_LINE = re.compile(r"ranking run (\d+) of round")


class BenchFailed(RuntimeError):
    pass


def _settings() -> tuple[int, int]:
    n = int(os.environ.get("BENCH_RANKING_N", DEFAULT_N))
    if n < len(TOWNS) * 20:
        raise BenchFailed(f"BENCH_RANKING_N must be at least {len(TOWNS) * 20}")
    scored = min(n, int(os.environ.get("BENCH_RANKING_SCORED", DEFAULT_SCORED)))
    if n % scored:
        raise BenchFailed(f"BENCH_RANKING_N ({n}) must be a multiple of BENCH_RANKING_SCORED ({scored})")
    return n, scored


def _jifen(env: dict[str, str], *args: str) -> tuple[float, str]:
    cli = Path(sys.executable).parent / "jifen"
    start = time.perf_counter()
    result = subprocess.run([str(cli), *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchFailed(f"jifen {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return time.perf_counter() - start, result.stdout


def _generate(env: dict[str, str], n: int) -> float:
    """``jifen demo-data`` (demo data is refused in production, so this one step runs in development mode)."""
    seconds, _ = _jifen({**env, "JIFEN_ENV": "development"}, "demo-data", "--tenant", TENANT, "--count", str(n),
                        "--seed", str(SEED), "--batch-size", str(DEMO_BATCH))
    return seconds


# -- copies of the scored applicants (as the owner, in SQL) --------------------------------------

# Per table: the columns that change in a copy (the others are copied as they are).
_COPIES = (
    ("users", "mobile LIKE '145%'", {
        "id": "id + :offset",
        "id_number_hash": "encode(sha256(convert_to(id_number_hash || ':' || :copy, 'UTF8')), 'hex')",
        "mobile": f"'{COPY_MOBILE_PREFIX}' || lpad(CAST(CAST(:copy AS BIGINT) * :scored + row_number() OVER (ORDER BY id) AS TEXT), 8, '0')",
    }),
    ("applications", "user_id IN (SELECT id FROM users WHERE mobile LIKE '145%')",
     {"id": "id + :offset", "user_id": "user_id + :offset"}),
    ("declared_items", "application_id IN (SELECT a.id FROM applications a JOIN users u ON u.tenant_id = a.tenant_id "
                       "AND u.id = a.user_id WHERE u.mobile LIKE '145%')",
     {"id": "id + :offset", "application_id": "application_id + :offset"}),
    ("ledger_entries", "application_id IN (SELECT a.id FROM applications a JOIN users u ON u.tenant_id = a.tenant_id "
                       "AND u.id = a.user_id WHERE u.mobile LIKE '145%')",
     {"id": "id + :offset", "application_id": "application_id + :offset", "item_id": "item_id + :offset"}),
)


def _replicate(env: dict[str, str], n: int, scored: int) -> float:
    """Add ``n / scored - 1`` copies of the scored applicants, their points applications, declared items
    and ledger rows (new ids, mobile numbers and ID hashes), so that N applicants with real ledgers exist."""
    from sqlalchemy import text

    start = time.perf_counter()
    engine = owner_engine(env)
    try:
        with engine.connect() as conn:
            for table, base, changed in _COPIES:
                columns = conn.execute(text(
                    "SELECT column_name FROM information_schema.columns WHERE table_name = :t ORDER BY ordinal_position"
                ), {"t": table}).scalars().all()
                values = ", ".join(changed.get(c, c) for c in columns)
                statement = text(f"INSERT INTO {table} ({', '.join(columns)}) SELECT {values} FROM {table} WHERE {base}")
                for copy in range(1, n // scored):
                    conn.execute(statement, {"offset": copy * COPY_ID_OFFSET, "copy": copy, "scored": scored})
    finally:
        engine.dispose()
    return time.perf_counter() - start


# -- the round and its applications (a child process, as the application's role) ------------------


def _quotas(n: int) -> tuple[int, dict[str, int]]:
    quota = n // 20
    share, rest = divmod(quota, len(TOWNS))
    return quota, {town: share + (1 if i < rest else 0) for i, town in enumerate(TOWNS)}


def _setup_worker(n: int) -> int:
    """Create the closed round and one application to it per applicant with a confirmed application."""
    from jifen.county.context import current_county
    from jifen.programs import rounds as programs
    from jifen.app import create_app
    from jifen.cli.binding import county
    from jifen.db.session import get_session
    from jifen.db.ids import new_id
    from jifen.models import Application, ProgramApplication
    from sqlalchemy import select

    app = create_app()
    with app.app_context(), county(TENANT) as tenant:
        session = get_session()
        program = next(p for p in current_county(session).programs if p.key == PROGRAM)
        quota, sub_quotas = _quotas(n)
        closes_on = date.today() - timedelta(days=7)
        opens_on = closes_on - timedelta(days=WINDOW_DAYS)
        found = programs.create_round(session, program, {
            "name": "Benchmark round", "opens_on": opens_on.isoformat(), "closes_on": closes_on.isoformat(),
            "quota": quota, "sub_quotas": sub_quotas, "second_round": True,
            "second_round_cap_percent": SECOND_ROUND_CAP,
        }, actor="bench")
        session.commit()
        round_id = found.id
        user_ids = list(session.scalars(select(Application.user_id).order_by(Application.user_id)))
        rng = random.Random(SEED)
        start = datetime.combine(opens_on, datetime.min.time())
        window_s = (WINDOW_DAYS + 1) * 86400 - 1
        table = ProgramApplication.__table__
        for first in range(0, len(user_ids), INSERT_BATCH):
            rows = [{
                "tenant_id": tenant.id, "id": new_id(), "round_id": round_id, "user_id": user_id,
                "reference": f"BN-{opens_on.year}-{first + index + 1:06d}",  # numbers as jifen.references gives
                "sub_quota": town, "fields": {"town": town}, "status": "applied",
                "applied_at": _applied_at(rng, start, window_s),
            } for index, (user_id, town) in enumerate(
                (u, rng.choices(TOWNS, TOWN_WEIGHTS)[0]) for u in user_ids[first:first + INSERT_BATCH])]
            session.connection().execute(table.insert(), rows)  # the transaction is bound to the county
            session.commit()
        couples = _marry(session, tenant.id, user_ids, rng)
    print(json.dumps({"round_id": round_id, "applications": len(user_ids), "quota": quota, "sub_quotas": sub_quotas,
                      "couples": couples}))
    return 0


def _applied_at(rng: random.Random, start: datetime, window_s: int) -> datetime:
    """Most apply online, at any second of the window; a third are entered at a service counter, in the
    morning's batch (9:00 of a day), so equal points and subtotals there are left to the lottery."""
    if rng.random() < 1 / 3:
        return start + timedelta(days=rng.randrange(WINDOW_DAYS + 1), hours=9)
    return start + timedelta(seconds=rng.randrange(window_s))


def _marry(session, tenant_id: int, user_ids: list[int], rng: random.Random) -> int:
    """Pairs of applicants, COUPLES_PERCENT of them, declare each other as spouse, linked and confirmed
    as the portal records it; the family rule then serves each couple once. Returns the pairs."""
    from jifen.db.ids import new_id
    from jifen.models import FamilyMember

    table = FamilyMember.__table__
    chosen = rng.sample(user_ids, len(user_ids) * COUPLES_PERCENT // 100 // 2 * 2)
    pairs = list(zip(chosen[0::2], chosen[1::2]))
    birth = date(1990, 1, 1)
    for first in range(0, len(pairs), INSERT_BATCH):
        rows = []
        for one, other in pairs[first:first + INSERT_BATCH]:
            for user_id, spouse in ((one, other), (other, one)):
                rows.append({"tenant_id": tenant_id, "id": new_id(), "user_id": user_id, "relation": "spouse",
                             "real_name": "配偶", "id_number_encrypted": b"bench", "birth_date": birth,
                             "id_number_hash": f"bench-{spouse}", "criminal_record": False,
                             "linked_user_id": spouse, "link_confirmed": True})
        session.connection().execute(table.insert(), rows)
        session.commit()
    return len(pairs)


def _setup(env: dict[str, str], n: int) -> dict:
    result = subprocess.run([sys.executable, "-m", "bench.ranking", "--setup", str(n)],
                            env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BenchFailed(f"setting up the round failed:\n{result.stdout}{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


# -- the measurements -----------------------------------------------------------------------------


def _measure_run(env: dict[str, str], round_id: int) -> dict:
    """``jifen ranking run`` in a child process; its peak RSS comes from wait4's resource usage of that child."""
    cli = Path(sys.executable).parent / "jifen"
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        process = subprocess.Popen(
            [str(cli), "ranking", "run", "--tenant", TENANT, str(round_id), "--seed", str(SEED)],
            env=env, cwd=REPO_ROOT, stdout=out, stderr=err,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        text = out.read()
        if process.returncode != 0:
            raise BenchFailed(f"jifen ranking run failed ({process.returncode}):\n{text}{err.read()}")
    match = RUN_LINE.search(text)
    if match is None:
        raise BenchFailed(f"no run id in the output of jifen ranking run:\n{text}")
    fields = dict(re.findall(r"^\s+(seed|digest|inputs|allocated|cutoff)\s+(.*)$", text, re.MULTILINE))
    kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    return {"seconds": round(seconds, 3), "run_id": int(match.group(1)), "inputs": int(fields.get("inputs", 0)),
            "allocated": fields.get("allocated"), "cutoff": fields.get("cutoff"), "digest": fields.get("digest"),
            "peak_rss_mb": round(kib / 1024, 1)}


def _shape(env: dict[str, str], run_id: int) -> dict:
    """What the run had to do besides ranking: couples served once, second-round places, ties the
    lottery broke (equal points and tie-break values), read as the owner from the stored run."""
    from sqlalchemy import text

    engine = owner_engine(env)
    try:
        with engine.connect() as conn:
            outcomes = dict(conn.execute(text(
                "SELECT outcome, count(*) FROM ranking_results WHERE run_id = :run GROUP BY outcome"),
                {"run": run_id}).all())
            second = conn.execute(text(
                "SELECT count(*) FROM ranking_results WHERE run_id = :run AND allocation_round = 2"),
                {"run": run_id}).scalar()
            couples = conn.execute(text(
                "SELECT count(DISTINCT family_key) FROM ranking_inputs WHERE run_id = :run AND family_key IS NOT NULL"),
                {"run": run_id}).scalar()
            lottery = conn.execute(text(
                "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM ranking_inputs WHERE run_id = :run "
                "GROUP BY points, tb1, tb2, tb3, tb4 HAVING count(*) > 1) AS ties"), {"run": run_id}).scalar()
    finally:
        engine.dispose()
    return {"couples": int(couples), "served_by_spouse": int(outcomes.get("served_by_spouse", 0)),
            "second_round_places": int(second), "decided_by_lottery": int(lottery)}


def _measure_baseline(env: dict[str, str], run_id: int) -> dict:
    """As the owner: the run's total order over its snapshot rows, written to a table; timed, then dropped."""
    from sqlalchemy import text

    order = ("points DESC, tb1 DESC NULLS LAST, tb2 DESC NULLS LAST, tb3 DESC NULLS LAST, tb4 DESC NULLS LAST, "
             "lottery, program_application_id")
    engine = owner_engine(env)
    try:
        with engine.connect() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {BASELINE_TABLE}"))
            conn.execute(text("SELECT 1"))
            start = time.perf_counter()
            conn.execute(text(
                f"CREATE TABLE {BASELINE_TABLE} AS SELECT program_application_id, "
                f"row_number() OVER (ORDER BY {order}) AS position FROM ranking_inputs WHERE run_id = :run"
            ), {"run": run_id})
            seconds = time.perf_counter() - start
            rows = conn.execute(text(f"SELECT count(*) FROM {BASELINE_TABLE}")).scalar()
            conn.execute(text(f"DROP TABLE {BASELINE_TABLE}"))
    finally:
        engine.dispose()
    return {"seconds": round(seconds, 3), "rows": rows}


# -- the run ranked by hand (bench/ranking_by_hand.sql) ---------------------------------------------------

BY_HAND = Path(__file__).resolve().parent / "ranking_by_hand.sql"
HAND_TABLES = {"bench_hand_inputs": "ranking_inputs", "bench_hand_results": "ranking_results"}


def _statements(script: str) -> list[str]:
    """The script's statements, comments left out."""
    lines = [line for line in script.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";\n") if part.strip().rstrip(";").strip()]


def _measure_by_hand(env: dict[str, str], run_id: int) -> dict:
    """As the owner: the hand-written script reproduces the run's rows in copies of its two tables (made
    beforehand without indexes, untimed; the script builds them as a large run does); timed in one
    transaction, then checked row for row and digest for digest against the run, and dropped."""
    from sqlalchemy import create_engine, text

    engine = create_engine(env["DATABASE_OWNER_URL"])
    try:
        with engine.begin() as conn:
            run = conn.execute(text("SELECT tenant_id, round_id, seed, params, digest, allocated_count "
                                    "FROM ranking_runs WHERE id = :run"), {"run": run_id}).one()
            for copy, table in HAND_TABLES.items():
                conn.execute(text(f"DROP TABLE IF EXISTS {copy}"))
                conn.execute(text(f"CREATE TABLE {copy} (LIKE {table} INCLUDING DEFAULTS)"))
        params = run.params
        values = {"tenant": run.tenant_id, "round": run.round_id, "run": run_id, "seed": run.seed,
                  "origin": params["applied_at_origin"], "threshold": params["threshold"],
                  "quotas": json.dumps(params["sub_quotas"]), "quota": params["quota"],
                  "cap": params["second_round_cap_percent"]}
        statements = _statements(BY_HAND.read_text(encoding="utf-8"))
        with engine.connect() as conn:
            start = time.perf_counter()
            with conn.begin():
                for statement in statements:
                    result = conn.execute(text(statement), values)
                    if result.returns_rows:
                        row = result.mappings().one()
                        if "digest" in row:
                            digest = row["digest"]
                        else:
                            figures = dict(row)
            seconds = time.perf_counter() - start
        with engine.begin() as conn:
            differing = {}
            for copy, table in HAND_TABLES.items():
                own = f"SELECT * FROM {table} WHERE tenant_id = :tenant AND run_id = :run"
                differing[copy] = conn.execute(text(
                    f"SELECT (SELECT count(*) FROM (SELECT * FROM {copy} EXCEPT ALL {own}) AS extra) + "
                    f"(SELECT count(*) FROM ({own} EXCEPT ALL SELECT * FROM {copy}) AS missing)"),
                    {"tenant": run.tenant_id, "run": run_id}).scalar()
            for copy in HAND_TABLES:
                conn.execute(text(f"DROP TABLE {copy}"))
    finally:
        engine.dispose()
    if any(differing.values()) or digest != run.digest or figures["allocated"] != run.allocated_count:
        raise BenchFailed(f"the hand-written script does not reproduce run {run_id}: rows differing {differing}, "
                          f"digest {digest} (the run's {run.digest}), allocated {figures['allocated']} "
                          f"(the run's {run.allocated_count})")
    return {"seconds": round(seconds, 3), "rows": figures["inputs"], "digest": digest, "identical": True}


# -- the run ----------------------------------------------------------------------------------------------


def _report(db_kind: str, n: int, prepare: dict, setup: dict, ranking: dict, baseline: dict,
            by_hand: dict | None) -> dict:
    ratio = ranking["seconds"] / baseline["seconds"] if baseline["seconds"] else 0.0
    ratio_ok = ratio <= GOAL_RATIO
    hand_ratio = ranking["seconds"] / by_hand["seconds"] if by_hand and by_hand["seconds"] else None
    hand_ok = hand_ratio is not None and hand_ratio <= GOAL_BY_HAND
    memory_ok = ranking["peak_rss_mb"] < GOAL_PEAK_MB
    print(f"demo-data   {prepare['demo_data_seconds']:9.1f} s  ({prepare['scored']} applicants; not a goal)")
    print(f"rescore     {prepare['rescore_seconds']:9.1f} s  (ledgers written; not a goal)")
    if prepare["scored"] != n:
        print(f"copies      {prepare['copy_seconds']:9.1f} s  ({n // prepare['scored'] - 1} copies of them in SQL, "
              f"{n} applicants; not a goal)")
    print(f"round       {prepare['setup_seconds']:9.1f} s  (round {setup['round_id']}, quota {setup['quota']} over "
          f"{len(setup['sub_quotas'])} towns, {setup['applications']} applications; not a goal)")
    print(f"run         {ranking['seconds']:9.2f} s  ({ranking['inputs']} inputs, allocated {ranking['allocated']}, "
          f"cutoff {ranking['cutoff']}; peak RSS {ranking['peak_rss_mb']:.0f} MB)")
    shape = ranking["shape"]
    print(f"round shape: {shape['couples']} couples (served once: {shape['served_by_spouse']} spouses not "
          f"competing), {shape['second_round_places']} second-round places, {shape['decided_by_lottery']} "
          "applications placed by the lottery among equals")
    print(f"baseline    {baseline['seconds']:9.2f} s  ({baseline['rows']} rows: CREATE TABLE ... AS SELECT row_number() "
          "OVER (...) on the run's snapshot)")
    if by_hand is not None:
        print(f"by hand     {by_hand['seconds']:9.2f} s  ({by_hand['rows']} rows: bench/ranking_by_hand.sql, the same "
              "snapshot rows, result rows and digest as the run: checked)")
    else:
        print("by hand     (PostgreSQL only: bench/ranking_by_hand.sql is PostgreSQL's SQL)")
    print(f"ratio run/baseline: {ratio:.2f}")
    report.goal(f"ratio run/baseline <= {GOAL_RATIO}", ratio_ok, missed="BELOW GOAL")
    if hand_ratio is not None:
        print(f"ratio run/by hand: {hand_ratio:.2f}")
        report.goal(f"ratio run/by hand <= {GOAL_BY_HAND}", hand_ok, missed="BELOW GOAL")
    report.goal(f"run peak RSS < {GOAL_PEAK_MB} MB", memory_ok, missed="BELOW GOAL")
    if n != GOAL_N:
        print(f"note: the goals are stated for {GOAL_N:,} applications; this run had {n:,} (BENCH_RANKING_N)")
    return {
        **report.header("ranking", db_kind),
        "applicants": n,
        "goal_applicants": GOAL_N,
        "seed": SEED,
        "preparation_seconds": prepare,
        "round": setup,
        "run": ranking,
        "baseline": baseline,
        "by_hand": by_hand,
        "ratio": round(ratio, 4),
        "ratio_by_hand": None if hand_ratio is None else round(hand_ratio, 4),
        "goal_ratio": GOAL_RATIO,
        "goal_ratio_by_hand": GOAL_BY_HAND,
        "goal_peak_rss_mb": GOAL_PEAK_MB,
        "passed": {"ratio": ratio_ok, "ratio_by_hand": hand_ok, "peak_rss": memory_ok},
    }


def run() -> int:
    try:
        n, scored = _settings()
        with prepared_database() as db:
            print(f"database: {db.kind} ({db.url})")
            print(f"applicants: {n} (BENCH_RANKING_N; the goal is stated for {GOAL_N:,}); "
                  f"making {scored} with jifen demo-data ...", flush=True)
            prepare = {"scored": scored, "demo_data_seconds": round(_generate(db.env, scored), 2)}
            print("writing ledgers with jifen points rescore ...", flush=True)
            prepare["rescore_seconds"] = round(_jifen(db.env, "points", "rescore", "--tenant", TENANT)[0], 2)
            if scored != n:
                if db.kind != "postgresql":
                    raise BenchFailed("copies of the scored applicants are made on PostgreSQL only: "
                                      "set BENCH_RANKING_SCORED to BENCH_RANKING_N on SQLite")
                print(f"copying them to {n} applicants ...", flush=True)
                prepare["copy_seconds"] = round(_replicate(db.env, n, scored), 2)
            print("creating the round and its applications ...", flush=True)
            start = time.perf_counter()
            setup = _setup(db.env, n)
            prepare["setup_seconds"] = round(time.perf_counter() - start, 2)
            if setup["applications"] != n:
                raise BenchFailed(f"{setup['applications']} applications to the round, not {n}")
            vacuum(db.env)
            print("measuring jifen ranking run ...", flush=True)
            ranking = _measure_run(db.env, setup["round_id"])
            if ranking["inputs"] != n:
                raise BenchFailed(f"the run ranked {ranking['inputs']} applications, not {n}")
            ranking["shape"] = _shape(db.env, ranking["run_id"])
            print("measuring baseline ...", flush=True)
            baseline = _measure_baseline(db.env, ranking["run_id"])
            if baseline["rows"] != ranking["inputs"]:
                raise BenchFailed(f"the baseline ranked {baseline['rows']} rows, the run {ranking['inputs']}")
            by_hand = None
            if db.kind == "postgresql":
                print("measuring the run by hand (bench/ranking_by_hand.sql) ...", flush=True)
                by_hand = _measure_by_hand(db.env, ranking["run_id"])
    except BenchFailed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    report = _report(db.kind, n, prepare, setup, ranking, baseline, by_hand)
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {RESULTS}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--setup":
        sys.exit(_setup_worker(int(sys.argv[2])))
    sys.exit(run())
