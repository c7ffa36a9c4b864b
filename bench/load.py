"""Driving HTTP load at a 127.0.0.1 server: wrk when available, else a small built-in generator.

wrk comes from the Debian package ``wrk``; when it is missing, ``apt-get install -y wrk`` is tried
once per run. The fallback (threads + ``http.client`` with keep-alive, one connection per thread)
is bounded in time and in requests; being Python, it saturates earlier than wrk, so compare
figures only within one run (same generator for every server), never across generators.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import subprocess
import threading
import time
from dataclasses import asdict, dataclass, field
from urllib.parse import urlsplit

FALLBACK_MAX_REQUESTS = 200_000


@dataclass(frozen=True)
class LoadSettings:
    seconds: int = 10
    connections: int = 16
    threads: int = 2

    @classmethod
    def from_env(cls) -> LoadSettings:
        return cls(seconds=max(1, int(os.environ.get("BENCH_SECONDS", "10"))))


@dataclass
class LoadResult:
    generator: str
    requests: int
    seconds: float
    requests_per_second: float
    non_2xx_3xx: int = 0
    socket_errors: int = 0
    latency_ms: dict[str, float] = field(default_factory=dict)  # avg, p50, p99 when known

    def as_dict(self) -> dict:
        return asdict(self)


_apt_tried = False


def find_wrk() -> str | None:
    """The wrk executable, installing the Debian package once if it is missing."""
    global _apt_tried
    found = shutil.which("wrk")
    if found or _apt_tried or not shutil.which("apt-get"):
        return found
    _apt_tried = True
    print("wrk not found: trying apt-get install -y wrk")
    try:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"],
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            capture_output=True,
            timeout=300,
            check=False,  # a failure only means: use the fallback
        )
    except (OSError, subprocess.TimeoutExpired):
        pass
    found = shutil.which("wrk")
    print("wrk installed" if found else "wrk could not be installed: using the built-in load generator")
    return found


def _check_local(url: str) -> None:
    if urlsplit(url).hostname != "127.0.0.1":
        raise ValueError(f"load is only ever driven at 127.0.0.1, not {url}")


def run_load(url: str, settings: LoadSettings, seconds: int | None = None, *, wrk_args: tuple[str, ...] = ()
             ) -> LoadResult:
    """``wrk_args``: more of wrk's options (a ``Host`` header, a Lua script); with them wrk is required."""
    _check_local(url)
    seconds = seconds or settings.seconds
    wrk = find_wrk()
    if wrk:
        return _run_wrk(wrk, url, settings, seconds, wrk_args)
    if wrk_args:
        raise RuntimeError("this measurement needs wrk (a header or a script), and wrk could not be installed")
    return _run_python(url, settings, seconds)


# -- wrk ---------------------------------------------------------------------------------------

_UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * _UNITS_MS[unit]


def _run_wrk(wrk: str, url: str, settings: LoadSettings, seconds: int, extra: tuple[str, ...] = ()) -> LoadResult:
    cmd = [wrk, f"-t{settings.threads}", f"-c{settings.connections}", f"-d{seconds}s", "--latency", *extra, url]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60, check=True).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> LoadResult:
    total = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not (total and rps):
        raise RuntimeError(f"could not read wrk's output:\n{out}")
    latency = {}
    if m := re.search(r"Latency\s+([\d.]+\w+)", out):
        latency["avg"] = round(_ms(m.group(1)), 3)
    for pct in ("50", "99"):
        if m := re.search(rf"^\s+{pct}%\s+([\d.]+\w+)", out, re.MULTILINE):
            latency[f"p{pct}"] = round(_ms(m.group(1)), 3)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non_ok = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return LoadResult(
        generator="wrk",
        requests=int(total.group(1)),
        seconds=round(_ms(total.group(2) + total.group(3)) / 1000, 3),
        requests_per_second=float(rps.group(1)),
        non_2xx_3xx=int(non_ok.group(1)) if non_ok else 0,
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
        latency_ms=latency,
    )


# -- built-in fallback -------------------------------------------------------------------------


def _run_python(url: str, settings: LoadSettings, seconds: int) -> LoadResult:
    parts = urlsplit(url)
    path = parts.path or "/"
    deadline = time.monotonic() + seconds
    budget = threading.Semaphore(FALLBACK_MAX_REQUESTS)
    lock = threading.Lock()
    latencies: list[float] = []
    counts = {"non_ok": 0, "errors": 0}

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        mine: list[float] = []
        non_ok = errors = 0
        while time.monotonic() < deadline and budget.acquire(blocking=False):
            start = time.perf_counter()
            try:
                conn.request("GET", path)  # reconnects by itself after a "Connection: close"
                response = conn.getresponse()
                response.read()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                continue
            mine.append((time.perf_counter() - start) * 1000)
            if not 200 <= response.status < 400:
                non_ok += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            counts["non_ok"] += non_ok
            counts["errors"] += errors

    started = time.monotonic()
    threads = [threading.Thread(target=worker) for _ in range(settings.connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    n = len(latencies)
    latency = {}
    if n:
        latency = {
            "avg": round(sum(latencies) / n, 3),
            "p50": round(latencies[n // 2], 3),
            "p99": round(latencies[min(n - 1, int(n * 0.99))], 3),
        }
    return LoadResult(
        generator="python",
        requests=n,
        seconds=round(elapsed, 3),
        requests_per_second=round(n / elapsed, 2) if elapsed else 0.0,
        non_2xx_3xx=counts["non_ok"],
        socket_errors=counts["errors"],
        latency_ms=latency,
    )
