"""Starting a WSGI app under gunicorn on a free 127.0.0.1 port, waiting for it, and stopping it.

``gunicorn_server(...)`` is a context manager: the server is stopped on leaving it, also after an
error. Every server of one benchmark gets the same settings (:data:`GUNICORN_SETTINGS`).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
WORKERS = 2
GUNICORN_SETTINGS = ["--workers", str(WORKERS), "--worker-class", "sync", "--log-level", "warning"]


class ServerFailed(RuntimeError):
    """The server did not come up (or died)."""


@dataclass(frozen=True)
class Server:
    name: str
    port: int
    process: subprocess.Popen
    log_path: str

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(Path(self.log_path).read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, timeout: float = 5.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _wait_until_answering(server: Server, path: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise ServerFailed(f"{server.name} exited with {server.process.returncode}:\n{server.log_tail()}")
        try:
            get(server.port, path, timeout=2)
            return  # any HTTP answer will do here; the caller checks the status
        except OSError:
            time.sleep(0.2)
    raise ServerFailed(f"{server.name} did not answer within {timeout:.0f} s:\n{server.log_tail()}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # gunicorn's graceful shutdown; the master stops its workers
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # the group of this server only (own session)
        process.wait()


@contextmanager
def gunicorn_server(name: str, app_spec: str, env: dict[str, str], probe_path: str = "/", timeout: float = 60.0):
    """Serve ``app_spec`` (``module:app`` or ``module:factory()``) and yield a :class:`Server`."""
    port = free_port()
    with tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False) as log:
        log_path = log.name
    cmd = [sys.executable, "-m", "gunicorn", *GUNICORN_SETTINGS, "--bind", f"127.0.0.1:{port}", app_spec]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(
            cmd, cwd=REPO_ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Server(name, port, process, log_path)
    try:
        _wait_until_answering(server, probe_path, timeout)
        yield server
    finally:
        _stop(process)
        os.unlink(log_path)
