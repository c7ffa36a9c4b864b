"""Benchmark ``jobs``: the administrator's "run the ranking" request, now that a worker does the ranking.

On a freshly prepared database (PostgreSQL when reachable, else SQLite) the run makes N synthetic
applicants in Jiashan (N from ``BENCH_JOBS_N``, default 200,000) and one closed ``hukou_transfer``
round with one application per applicant, with the generation and round set-up of
:mod:`bench.ranking`. It creates a county administrator with ``jifen users create-admin``, then starts
the app under gunicorn (:mod:`bench.servers`) and one ``jifen worker`` process, both with
``JIFEN_JOBS=rq``, Redis database 10 and a queue name of the run's own. Over HTTP the administrator
logs in (login page for the CSRF token and the cookie, then the form) and opens the round's page.
Then it measures:

(a) **request**: the wall time of ``POST /jiashan/admin/rounds/<id>/run`` up to its redirect to the
    job's page: what the administrator waits for;
(b) **worker**: the time from the start of that POST until the job's page says ``finished``, polling
    the page every 0.5 s and recording the state, phase and progress each poll saw;
(c) **baseline**: ``jifen ranking run --tenant jiashan ROUND --seed 1`` in its own process on the same
    data (what the request used to do inline), measured as :mod:`bench.ranking` measures it.

Figures: the three times, the ratio request/baseline (goal: the request under 1 s for 200,000
applications) and the phases seen. At the end gunicorn and the worker are stopped by their pids,
the Redis keys of the run's queue are deleted and the database is dropped. A measurement, not a
test: the exit code is 0 whether the goal is met or not, and 1 only when a step failed.
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from contextlib import ExitStack, contextmanager
from pathlib import Path

from bench import ranking, report, servers
from bench.database import prepared_database, vacuum

TENANT = ranking.TENANT
DEFAULT_N = 200_000
GOAL_N = 200_000
GOAL_REQUEST_SECONDS = 1.0
POLL_SECONDS = 0.5
REDIS_URL = "redis://127.0.0.1:6379/10"  # the benchmarks' own database number (the tests use 9)
RQ_MARKER = "rq:clean_groups"  # set by a starting worker (a 15-minute lock), not named after the queue
APP_SPEC = "jifen.app:create_app()"
WARMUP_REQUESTS = 6  # GETs of the admin pages before the POST, so that both gunicorn workers have served one
WORKER_START_SECONDS = 60
WORKER_STOP_SECONDS = 30
ADMIN_MOBILE = "13800000099"  # demo applicants' numbers start with 145, the demo accounts' with 139
ADMIN_BORN = "19800101"
RESULTS = Path(__file__).resolve().parent / "results" / "jobs.json"
REPO_ROOT = Path(__file__).resolve().parent.parent


class BenchFailed(RuntimeError):
    pass


FAILURES = (BenchFailed, ranking.BenchFailed, servers.ServerFailed, OSError)  # OSError: a connection refused


def _settings() -> int:
    n = int(os.environ.get("BENCH_JOBS_N", DEFAULT_N))
    if n < len(ranking.TOWNS) * 20:
        raise BenchFailed(f"BENCH_JOBS_N must be at least {len(ranking.TOWNS) * 20}")
    return n


# -- the county administrator ---------------------------------------------------------------------


def _create_admin(env: dict[str, str]) -> dict[str, str]:
    """``jifen users create-admin --tenant jiashan ...`` (production mode, as a deployment would)."""
    from jifen.identity.national_id import check_digit

    first17 = f"330421{ADMIN_BORN}{secrets.randbelow(1000):03d}"
    password = f"Bench-{secrets.token_hex(10)}"
    ranking._jifen(env, "users", "create-admin", "--tenant", TENANT, "--name", "基准管理员",
                   "--id-number", first17 + check_digit(first17), "--mobile", ADMIN_MOBILE, "--password", password)
    return {"mobile": ADMIN_MOBILE, "password": password}


# -- HTTP as the administrator's browser ------------------------------------------------------------


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the caller reads the 302 itself (its time is the request's, not the next page's)


class Browser:
    """One administrator's session: a cookie jar, redirects not followed."""

    def __init__(self, server: servers.Server) -> None:
        self.server = server
        # Production sets ``Secure`` on the session cookie; like a browser on 127.0.0.1 (a secure
        # context), the jar sends it back over plain HTTP to this loopback server.
        self.jar = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(secure_protocols=("https", "wss", "http")))
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path: str, form: dict[str, str] | None = None, timeout: float = 60) -> tuple[int, str, str]:
        """GET (or POST ``form``) ``path``: (status, Location or "", body)."""
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        try:
            with self.opener.open(self.server.url(path), data=data, timeout=timeout) as response:
                return response.status, response.headers.get("Location", ""), response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:  # 3xx (not followed) and errors
            with exc:
                return exc.code, exc.headers.get("Location", ""), exc.read().decode("utf-8", "replace")

    def get_ok(self, path: str) -> str:
        status, location, body = self.request(path)
        if status != 200:
            raise BenchFailed(f"GET {path} answered {status} {location}, not 200:\n{body[:400]}\n{self.server.log_tail()}")
        return body


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


def _csrf(body: str, where: str) -> str:
    match = CSRF.search(body)
    if match is None:
        raise BenchFailed(f"no CSRF token on {where}")
    return match.group(1) or match.group(2)


def _path(location: str) -> str:
    parts = urllib.parse.urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _log_in(browser: Browser, admin: dict[str, str]) -> None:
    login = f"/{TENANT}/login"
    token = _csrf(browser.get_ok(login), login)
    status, _, body = browser.request(login, {"csrf_token": token, "mobile": admin["mobile"],
                                                     "password": admin["password"], "next": ""})
    if status != 302:
        raise BenchFailed(f"POST {login} answered {status}, not 302 (not logged in):\n{body[:400]}")
    browser.get_ok(f"/{TENANT}/?lang=en")  # the job page's phases in English, kept in the session


# -- the worker process and the queue's keys ----------------------------------------------------------


@contextmanager
def _worker(env: dict[str, str], name: str, server: servers.Server):
    """One ``jifen worker`` with the web servers' environment; waits until /healthz counts it,
    stops it by its pid at the end. Yields a dict that gets ``peak_rss_mb`` once it stopped."""
    cli = Path(sys.executable).parent / "jifen"
    with tempfile.NamedTemporaryFile(prefix="bench-worker-", suffix=".log", delete=False) as log:
        log_path = log.name
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen([str(cli), "worker", "--name", name], env=env, cwd=REPO_ROOT,
                                   stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
    figures: dict = {"pid": process.pid}
    try:
        deadline = time.monotonic() + WORKER_START_SECONDS
        while True:
            if process.poll() is not None:
                raise BenchFailed(f"jifen worker exited with {process.returncode}:\n{_tail(log_path)}")
            status, body = servers.get(server.port, "/healthz")
            workers = (json.loads(body).get("queue") or {}).get("workers") if status in (200, 503) else None
            if workers:
                break
            if time.monotonic() > deadline:
                raise BenchFailed(f"/healthz counted no worker within {WORKER_START_SECONDS} s:\n{_tail(log_path)}")
            time.sleep(0.2)
        try:
            yield figures
        except BenchFailed as exc:
            raise BenchFailed(f"{exc}\njifen worker's log:\n{_tail(log_path)}") from None
    finally:
        figures["peak_rss_mb"] = _stop_worker(process)
        os.unlink(log_path)


def _stop_worker(process: subprocess.Popen) -> float | None:
    """SIGTERM (RQ's warm shutdown), then SIGKILL after a while; the peak RSS from wait4."""
    if process.returncode is not None:
        return None
    process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + WORKER_STOP_SECONDS
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.monotonic() > deadline:
            process.kill()
            pid, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.1)
    process.returncode = os.waitstatus_to_exitcode(status)
    kib = usage.ru_maxrss if sys.platform != "darwin" else usage.ru_maxrss / 1024
    return round(kib / 1024, 1)


def _tail(path: str, lines: int = 30) -> str:
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _redis():
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        connection.ping()
    except redis.RedisError as exc:
        raise BenchFailed(f"Redis not reachable at {REDIS_URL}: {exc}") from None
    return connection


@contextmanager
def _queue_keys_dropped(queue: str, job: dict):
    """At the end, delete what this run put in Redis: the queue's keys (its worker's too, named after
    it), the job's keys (``job["rq_id"]`` once known), the login rate limiter's new counters and RQ's
    new registry-cleaning marker; and take the queue out of RQ's set of queues."""
    connection = _redis()
    before = set(connection.scan_iter("LIMITS*")) | set(connection.scan_iter(RQ_MARKER))
    try:
        yield
    finally:
        keys = set(connection.scan_iter(f"*{queue}*"))
        if job.get("rq_id"):
            keys |= set(connection.scan_iter(f"*{job['rq_id']}")) | set(connection.scan_iter(f"*{job['rq_id']}:*"))
        keys |= (set(connection.scan_iter("LIMITS*")) | set(connection.scan_iter(RQ_MARKER))) - before
        if keys:
            connection.delete(*keys)
        connection.srem("rq:queues", f"rq:queue:{queue}")
        job["redis_keys_deleted"] = sorted(k.decode() for k in keys)


# -- the measurement --------------------------------------------------------------------------------

STATE = re.compile(r'data-job-state="(\w+)"')
PHASE = re.compile(r"<strong data-job-phase>(.*?)</strong>", re.DOTALL)
PROGRESS = re.compile(r'<progress max="(\d+)" value="(\d+)">')
COUNT = re.compile(r"</strong>\s*\(([\d,]+)\)")
RUN_ID = re.compile(r'data-run-id="(\d+)"')
TOOK = re.compile(r"<dt>Took</dt><dd>([\d.]+) s</dd>")
RANKED = re.compile(r"<dt>Ranked</dt><dd>(\d+)</dd>")
ERROR = re.compile(r'<p class="notice error">(.*?)</p>', re.DOTALL)


def _poll(body: str) -> dict:
    state = STATE.search(body)
    seen: dict = {"state": state.group(1) if state else None}
    phase = PHASE.search(body)
    if phase:
        seen["phase"] = html.unescape(phase.group(1).strip())
    progress = PROGRESS.search(body)
    if progress:
        seen["total"], seen["done"] = int(progress.group(1)), int(progress.group(2))
    elif (count := COUNT.search(body)):
        seen["done"] = int(count.group(1).replace(",", ""))
    return seen


def _seen_text(seen: dict) -> str:
    text = seen["state"] + (f": {seen['phase']}" if "phase" in seen else "")
    if "total" in seen:
        return f"{text} {seen['done']:,}/{seen['total']:,}"
    return f"{text} ({seen['done']:,})" if "done" in seen else text


def _measure_job(browser: Browser, round_id: int, n: int, job: dict) -> tuple[dict, dict]:
    round_page = f"/{TENANT}/admin/rounds/{round_id}"
    token = _csrf(browser.get_ok(round_page), round_page)
    for _ in range(WARMUP_REQUESTS):
        browser.get_ok(round_page)
    run_path = f"{round_page}/run"
    start = time.perf_counter()
    status, location, body = browser.request(run_path, {"csrf_token": token})
    request_seconds = time.perf_counter() - start
    if status != 302 or "/admin/jobs/" not in location:
        raise BenchFailed(f"POST {run_path} answered {status} {location}, not a redirect to the job:\n{body[:400]}")
    job_path = _path(location)
    job["rq_id"] = f"jifen-{TENANT}-{job_path.rstrip('/').rsplit('/', 1)[-1]}"
    request = {"seconds": round(request_seconds, 4), "status": status, "location": job_path}

    polls: list[dict] = []
    deadline = start + 600 + n / 1000
    tick = time.perf_counter()
    while True:
        page = browser.get_ok(job_path)
        seen = {"t": round(time.perf_counter() - start, 2), **_poll(page)}
        polls.append(seen)
        if seen["state"] == "finished":
            worker_seconds = time.perf_counter() - start
            break
        if seen["state"] == "failed":
            error = ERROR.search(page)
            reason = re.sub(r"<[^>]+>", "", error.group(1)).strip() if error else "?"
            raise BenchFailed(f"the job failed: {html.unescape(reason)}")
        if seen["state"] not in ("queued", "running"):
            raise BenchFailed(f"no job state on {job_path}:\n{page[:400]}")
        if time.perf_counter() > deadline:
            raise BenchFailed(f"the job did not finish within {deadline - start:.0f} s (last seen: {_seen_text(seen)})")
        tick += POLL_SECONDS
        time.sleep(max(0.0, tick - time.perf_counter()))
    run_id, took, ranked = RUN_ID.search(page), TOOK.search(page), RANKED.search(page)
    if run_id is None or ranked is None:
        raise BenchFailed(f"the finished job's page names no run:\n{page[:800]}")
    phases = []
    for seen in polls:
        text = _seen_text(seen)
        if not phases or phases[-1] != text:
            phases.append(text)
    worker = {"seconds": round(worker_seconds, 2), "job_seconds": float(took.group(1)) if took else None,
              "run_id": int(run_id.group(1)), "ranked": int(ranked.group(1)), "polls": polls,
              "phases_seen": phases, "poll_every_seconds": POLL_SECONDS}
    return request, worker


# -- the run ------------------------------------------------------------------------------------------


def _report(db_kind: str, n: int, queue: str, prepare: dict, setup: dict, request: dict, worker: dict,
            baseline: dict) -> dict:
    ratio = request["seconds"] / baseline["seconds"] if baseline["seconds"] else 0.0
    worker_ratio = worker["seconds"] / baseline["seconds"] if baseline["seconds"] else 0.0
    request_ok = request["seconds"] < GOAL_REQUEST_SECONDS
    job_took = f"the job itself {worker['job_seconds']:.1f} s, " if worker["job_seconds"] is not None else ""
    rss = f"; worker peak RSS {worker['peak_rss_mb']:.0f} MB" if worker.get("peak_rss_mb") else ""
    print(f"demo-data   {prepare['demo_data_seconds']:9.1f} s  ({n} applicants; not a goal)")
    print(f"rescore     {prepare['rescore_seconds']:9.1f} s  (ledgers written; not a goal)")
    print(f"round       {prepare['setup_seconds']:9.1f} s  (round {setup['round_id']}, quota {setup['quota']} over "
          f"{len(setup['sub_quotas'])} towns, {setup['applications']} applications; not a goal)")
    print(f"request     {request['seconds']:9.3f} s  (POST /{TENANT}/admin/rounds/{setup['round_id']}/run -> "
          f"{request['status']} {request['location']})")
    print(f"worker      {worker['seconds']:9.2f} s  (from the POST until the job page said finished; {job_took}"
          f"run {worker['run_id']}, {worker['ranked']} ranked, {len(worker['polls'])} polls every {POLL_SECONDS} s{rss})")
    print(f"baseline    {baseline['seconds']:9.2f} s  (jifen ranking run in its own process: {baseline['inputs']} inputs, "
          f"allocated {baseline['allocated']}; peak RSS {baseline['peak_rss_mb']:.0f} MB)")
    print(f"ratio request/baseline: {ratio:.4f}")
    print(f"ratio worker/baseline: {worker_ratio:.2f}")
    print("phases seen: " + " -> ".join(worker["phases_seen"]))
    report.goal(f"request < {GOAL_REQUEST_SECONDS:g} s for {GOAL_N:,} applications", request_ok)
    if n != GOAL_N:
        print(f"note: the goal is stated for {GOAL_N:,} applications; this run had {n:,} (BENCH_JOBS_N)")
    return {
        **report.header("jobs", db_kind),
        "applicants": n,
        "goal_applicants": GOAL_N,
        "gunicorn": servers.GUNICORN_SETTINGS,
        "jobs_backend": "rq",
        "redis_url": REDIS_URL,
        "queue": queue,
        "preparation_seconds": prepare,
        "round": setup,
        "request": request,
        "worker": worker,
        "baseline": baseline,
        "ratio_request_baseline": round(ratio, 5),
        "ratio_worker_baseline": round(worker_ratio, 4),
        "goal_request_seconds": GOAL_REQUEST_SECONDS,
        "passed": {"request": request_ok},
    }


def run() -> int:
    try:
        n = _settings()
        _redis()
        with prepared_database() as db:
            print(f"database: {db.kind} ({db.url})")
            print(f"applicants: {n} (BENCH_JOBS_N; the goal is stated for {GOAL_N:,}); making them with jifen demo-data ...",
                  flush=True)
            prepare = {"demo_data_seconds": round(ranking._generate(db.env, n), 2)}
            print("writing ledgers with jifen points rescore ...", flush=True)
            prepare["rescore_seconds"] = round(ranking._jifen(db.env, "points", "rescore", "--tenant", TENANT)[0], 2)
            print("creating the round and its applications ...", flush=True)
            start = time.perf_counter()
            setup = ranking._setup(db.env, n)
            prepare["setup_seconds"] = round(time.perf_counter() - start, 2)
            if setup["applications"] != n:
                raise BenchFailed(f"{setup['applications']} applications to the round, not {n}")
            admin = _create_admin(db.env)
            queue = f"bench-jobs-{uuid.uuid4().hex[:10]}"
            env = {**db.env, "JIFEN_JOBS": "rq", "REDIS_URL": REDIS_URL, "JIFEN_QUEUE": queue}
            job: dict = {}
            vacuum(db.env)
            with ExitStack() as stack:
                stack.enter_context(_queue_keys_dropped(queue, job))
                server = stack.enter_context(servers.gunicorn_server("jobs", APP_SPEC, env, "/healthz"))
                print(f"gunicorn on {server.url()} ({' '.join(servers.GUNICORN_SETTINGS)}), queue {queue} at {REDIS_URL}; "
                      "starting jifen worker ...", flush=True)
                worker_process = stack.enter_context(_worker(env, f"bench-worker-{queue}", server))
                browser = Browser(server)
                _log_in(browser, admin)
                print("measuring the request and the worker ...", flush=True)
                request, worker = _measure_job(browser, setup["round_id"], n, job)
            worker["peak_rss_mb"] = worker_process.get("peak_rss_mb")
            if worker["ranked"] != n:
                raise BenchFailed(f"the job ranked {worker['ranked']} applications, not {n}")
            print(f"stopped gunicorn and the worker; deleted {len(job.get('redis_keys_deleted', []))} Redis keys of the run",
                  flush=True)
            vacuum(db.env)
            print("measuring baseline (jifen ranking run) ...", flush=True)
            baseline = ranking._measure_run(db.env, setup["round_id"])
            if baseline["inputs"] != n:
                raise BenchFailed(f"the baseline ranked {baseline['inputs']} applications, not {n}")
    except FAILURES as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    result = _report(db.kind, n, queue, prepare, setup, request, worker, baseline)
    result["redis_keys_deleted"] = job.get("redis_keys_deleted", [])
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"written: {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(run())
