"""Real RQ workers for the job tests: a queue of the test's own in Redis, workers as separate processes."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

REDIS_URL = os.environ.get("JIFEN_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")
JIFEN = str(Path(sys.executable).with_name("jifen"))


def redis_or_skip():
    import redis

    connection = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
    try:
        connection.ping()
    except redis.RedisError as exc:
        if os.environ.get("JIFEN_REQUIRE_POSTGRES"):  # CI: Redis is part of what the suite needs
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return connection


@pytest.fixture
def rq_app(app, tmp_path):
    """The test's app on RQ: its own queue name, so parallel tests never take each other's jobs.
    ``rq_app.worker_env`` is the environment a `jifen worker` of the same deployment gets."""
    connection = redis_or_skip()
    queue = f"test-{uuid.uuid4().hex[:10]}"
    app.config.update(JIFEN_JOBS="rq", REDIS_URL=REDIS_URL, JIFEN_QUEUE=queue)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JIFEN_", "DATABASE_", "REDIS_"))}
    env.update({
        "JIFEN_ENV": "testing", "JIFEN_JOBS": "rq", "REDIS_URL": REDIS_URL, "JIFEN_QUEUE": queue,
        "SECRET_KEY": app.config["SECRET_KEY"], "DATABASE_URL": app.config["DATABASE_URL"],
        "DATABASE_OWNER_URL": app.config["DATABASE_OWNER_URL"], "JIFEN_INSTANCE_PATH": str(tmp_path / "worker"),
        "JIFEN_TENANTS_DIR": app.config["JIFEN_TENANTS_DIR"], "JIFEN_EVIDENCE_DIR": app.config["JIFEN_EVIDENCE_DIR"],
    })
    app.worker_env = env
    yield app
    for key in connection.scan_iter(f"rq:*{queue}*"):
        connection.delete(key)
    for key in connection.scan_iter("rq:job:jifen-*"):
        connection.delete(key)  # this database number is the tests' own


@pytest.fixture
def worker_burst():
    """`jifen worker --burst`: a separate process that runs what is queued, then stops."""

    def _run(env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run([JIFEN, "worker", "--burst"], env=env, capture_output=True, text=True, timeout=timeout)

    return _run


@pytest.fixture
def processes(tmp_path):
    """Start `jifen ...` processes (a worker, the scheduler); each is stopped by its pid at the end."""
    started: list[subprocess.Popen] = []

    def _start(command: list[str], env: dict) -> subprocess.Popen:
        log = open(tmp_path / f"{command[0]}-{len(started)}.log", "wb")
        process = subprocess.Popen([JIFEN, *command], env=env, stdout=log, stderr=subprocess.STDOUT)
        started.append(process)
        return process

    yield _start
    for process in started:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
