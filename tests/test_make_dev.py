"""`make dev` from this tree: migrate, load the counties, demo accounts, serve; then the pages answer."""

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


@pytest.mark.slow
def test_make_dev_serves_both_counties_and_404s_the_rest(tmp_path):
    port = free_port()
    env = dict(os.environ, JIFEN_INSTANCE_PATH=str(tmp_path / "instance"), DEV_PORT=str(port))
    env.pop("DATABASE_URL", None)
    env.pop("DATABASE_OWNER_URL", None)
    log = open(tmp_path / "make-dev.log", "w+")
    process = subprocess.Popen(["make", "--no-print-directory", "dev"], cwd=ROOT, env=env, stdout=log,
                               stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                status, _ = fetch(base + "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            assert process.poll() is None, f"make dev stopped:\n{(tmp_path / 'make-dev.log').read_text()}"
            time.sleep(0.5)
        else:
            raise AssertionError(f"make dev did not serve in time:\n{(tmp_path / 'make-dev.log').read_text()}")

        status, jiashan = fetch(base + "/jiashan/")
        assert status == 200 and "嘉善" in jiashan
        assert 'data-program="hukou_transfer"' in jiashan and 'data-program="school_enrollment"' in jiashan
        status, haining = fetch(base + "/haining/")
        assert status == 200 and "海宁" in haining
        assert 'data-program="school_enrollment"' in haining and 'data-program="public_rental_housing"' not in haining
        assert fetch(base + "/nowhere/")[0] == 404
        output = (tmp_path / "make-dev.log").read_text()
        assert "Demo accounts" in output and "reviewer (education)" in output
        assert (tmp_path / "instance" / "jifen.db.session").is_file()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
        log.close()
