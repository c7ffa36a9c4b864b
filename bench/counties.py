"""Benchmark ``counties``: the platform with a thousand counties (issue: many counties).

On a freshly prepared database with the two demo counties, the county list at ``/`` is measured; then
``BENCH_COUNTIES`` (default 1,000) county folders are generated (each a copy of Haining's with its own
slug, names, host and reference prefix) and loaded with ``jifen tenants load``, and under one gunicorn:

- the county list at ``/`` with all of them, against the list with two (goal: at least 0.8);
- one county's landing page, ``/jiashan/``;
- the landing pages of all counties in rotation (a wrk Lua script), against one county's through the same
  kind of script (goal 0.8);
- Jiashan's landing page by its host name (``Host: jiashan.jifen.localhost``), against by path (goal 0.9);
- a program's page, ``/jiashan/programs/hukou_transfer``, against the landing page (goal 0.5).
Needs wrk (a header and a script); a measurement, not a test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from bench import load, report, servers
from bench.database import prepared_database, vacuum

DEFAULT_COUNTIES = 1000
WARMUP_SECONDS = 2
GOALS = {"list": 0.8, "rotation": 0.8, "host": 0.9, "program": 0.5}
RESULTS = Path(__file__).resolve().parent / "results" / "counties.json"
REPO_ROOT = Path(__file__).resolve().parent.parent
LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def _prefix(i: int) -> str:
    """A reference prefix of its own per generated county: 3 capital letters."""
    return "".join(LETTERS[(i // len(LETTERS) ** k) % len(LETTERS)] for k in (2, 1, 0))


def _folders(root: Path, count: int) -> list[str]:
    """Copies of the demo counties, then ``count - 2`` generated ones; returns every slug."""
    source = REPO_ROOT / "tenants"
    for slug in ("jiashan", "haining"):
        shutil.copytree(source / slug, root / slug)
    text = (source / "haining" / "tenant.toml").read_text(encoding="utf-8")
    slugs = ["jiashan", "haining"]
    for i in range(1, count - 1):
        slug = f"county-{i:04d}"
        folder = root / slug
        shutil.copytree(source / "haining", folder)
        toml = text.replace('zh = "海宁市"', f'zh = "测试县{i:04d}"').replace('en = "Haining"', f'en = "Test County {i:04d}"')
        toml = toml.replace('"haining.jifen.localhost"', f'"{slug}.jifen.localhost"')
        toml = toml.replace('reference_prefix = "HN"', f'reference_prefix = "{_prefix(i)}"')
        (folder / "tenant.toml").write_text(toml, encoding="utf-8")
        slugs.append(slug)
    return slugs


def _rotation_script(directory: Path, slugs: list[str], name: str = "rotation.lua") -> Path:
    script = directory / name
    paths = ", ".join(f'"/{slug}/"' for slug in slugs)
    script.write_text(f"paths = {{{paths}}}\ni = 0\nrequest = function()\n  i = i % #paths + 1\n"
                      f"  return wrk.format(\"GET\", paths[i])\nend\n", encoding="utf-8")
    return script


# Before the rotation is measured, each county's landing page is asked for this many times, so that
# every worker has most likely served every county once: the rotation is measured as a server that has
# been up for a while serves it, not as the first visits each worker makes (a county's first request in
# a worker reads its plugins and renders its page; a later one reads one number).
WARMUP_VISITS = 6
REPEATS = int(os.environ.get("BENCH_REPEATS", "3"))


def _visit_every_county(server, slugs: list[str]) -> None:
    from concurrent.futures import ThreadPoolExecutor
    from urllib.request import urlopen

    def visit(slug: str) -> None:
        with urlopen(server.url(f"/{slug}/"), timeout=30) as response:
            response.read()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(visit, slugs * WARMUP_VISITS))


def _jifen(env: dict[str, str], *args: str) -> None:
    done = subprocess.run([str(Path(sys.executable).parent / "jifen"), *args], env=env, cwd=REPO_ROOT,
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"jifen {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def _load(server, path: str, settings, **kwargs) -> load.LoadResult:
    load.run_load(server.url(path), settings, seconds=min(WARMUP_SECONDS, settings.seconds), **kwargs)
    return load.run_load(server.url(path), settings, **kwargs)


def run() -> int:
    settings = load.LoadSettings.from_env()
    count = int(os.environ.get("BENCH_COUNTIES", DEFAULT_COUNTIES))
    results: dict[str, load.LoadResult] = {}
    with prepared_database() as db, tempfile.TemporaryDirectory(prefix="jifen-counties-") as tmp:
        print(f"database: {db.kind}; {count} counties (BENCH_COUNTIES)")
        with servers.gunicorn_server("two", "jifen.app:create_app()", db.env, "/") as server:
            results["list_2"] = _load(server, "/", settings)
        root = Path(tmp) / "tenants"
        root.mkdir()
        slugs = _folders(root, count)
        env = {**db.env, "JIFEN_TENANTS_DIR": str(root)}
        _jifen(env, "tenants", "load")
        vacuum(env)  # a thousand counties just written: measured as autovacuum would leave them
        script = _rotation_script(Path(tmp), slugs)
        # One county through the same script: wrk calls Lua for every request, which costs the client
        # (on the same two CPUs) what a plain request does not; the rotation is compared with this.
        one_script = _rotation_script(Path(tmp), ["jiashan"], "one.lua")
        with servers.gunicorn_server("many", "jifen.app:create_app()", env, "/jiashan/") as server:
            results["list_all"] = _load(server, "/", settings)
            _visit_every_county(server, slugs)
            # The pace of this machine drifts by half within a minute (other work on the same CPUs): the
            # pages compared are measured in turn, REPEATS rounds, and each one's median round counts.
            paths = {"landing": ("/jiashan/", ()), "program": ("/jiashan/programs/hukou_transfer", ()),
                     "host": ("/", ("-H", "Host: jiashan.jifen.localhost")),
                     "one_scripted": ("/", ("-s", str(one_script))), "rotation": ("/", ("-s", str(script)))}
            rounds: dict[str, list[load.LoadResult]] = {name: [] for name in paths}
            for _ in range(REPEATS):
                for name, (path, args) in paths.items():
                    rounds[name].append(_load(server, path, settings, wrk_args=args))
            for name, measured in rounds.items():
                results[name] = sorted(measured, key=lambda r: r.requests_per_second)[len(measured) // 2]
    for name, r in results.items():
        print(f"{name:9s} {r.requests_per_second:10.1f} req/s  ({r.requests} requests; non-2xx/3xx {r.non_2xx_3xx})")
    ratios = {
        "list": results["list_all"].requests_per_second / results["list_2"].requests_per_second,
        "rotation": results["rotation"].requests_per_second / results["one_scripted"].requests_per_second,
        "host": results["host"].requests_per_second / results["landing"].requests_per_second,
        "program": results["program"].requests_per_second / results["landing"].requests_per_second,
    }
    words = {"list": f"the county list with {count} / with 2", "rotation": f"{count} landing pages in rotation / one (both by script)",
             "host": "by host name / by path", "program": "a program's page / the landing page"}
    passed = {}
    for name, ratio in ratios.items():
        print(f"ratio {words[name]}: {ratio:.3f}")
        passed[name] = report.goal(f">= {GOALS[name]}", ratio >= GOALS[name], missed="BELOW GOAL")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps({**report.header("counties", db.kind), "counties": count,
                                   "results": {k: r.as_dict() for k, r in results.items()},
                                   "ratios": {k: round(v, 4) for k, v in ratios.items()}, "goals": GOALS,
                                   "passed": passed}, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {RESULTS}")
    failed = {name: r.non_2xx_3xx for name, r in results.items() if r.non_2xx_3xx}
    if failed:
        print(f"FAILED: answers other than 2xx/3xx: {failed}", file=sys.stderr)
        return 1
    return 0
