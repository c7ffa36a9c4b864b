"""The fixtures come from Jifen's test kit, jifen.testing.pytest_plugin, which pytest loads through
the jifen distribution's ``pytest11`` entry point (the same way a plugin's own tests get it).

Here only what the core's tests of plugin packaging need: installing distributions for one test.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent


class SiteDir:
    """A temporary site directory: packages are pip-installed (or written by hand) into it, then it is
    put on ``sys.path`` and Jifen looks at the entry points again, as a process started now would."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.mkdir(parents=True, exist_ok=True)
        self.active = False

    def pip_install(self, *folders: Path) -> None:
        """``pip install --no-deps --no-build-isolation --target`` (offline: the venv has setuptools)."""
        command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
                   "--disable-pip-version-check", "--target", str(self.path), *map(str, folders)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"pip install failed:\n{done.stdout}\n{done.stderr}"

    def distribution(self, dist: str, *, entry_points: dict[str, str], modules: dict[str, str],
                     requires: tuple[str, ...] = ("jifen>=0.1,<0.2",), version: str = "1.0") -> None:
        """Write an installed distribution by hand: its metadata, entry points and module files."""
        info = self.path / f"{dist.replace('-', '_')}-{version}.dist-info"
        info.mkdir()
        lines = ["Metadata-Version: 2.1", f"Name: {dist}", f"Version: {version}",
                 *(f"Requires-Dist: {r}" for r in requires)]
        (info / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")
        points = "\n".join(f"{name} = {value}" for name, value in entry_points.items())
        (info / "entry_points.txt").write_text(f"[jifen.plugins]\n{points}\n", encoding="utf-8")
        for relative, source in modules.items():
            target = self.path / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(source, encoding="utf-8")

    def activate(self) -> None:
        from jifen.plugin_manager import load_installed_plugins

        if not self.active:
            sys.path.insert(0, str(self.path))
            self.active = True
        importlib.invalidate_caches()
        load_installed_plugins(rescan=True)

    def env(self) -> dict[str, str]:
        """The environment of a subprocess that should see these packages (and this checkout's jifen)."""
        return dict(os.environ, PYTHONPATH=os.pathsep.join([str(self.path), os.environ.get("PYTHONPATH", "")]))

    def entry_point_names(self) -> list[str]:
        names = []
        for points in self.path.glob("*.dist-info/entry_points.txt"):
            in_group = False
            for line in points.read_text(encoding="utf-8").splitlines():
                if line.startswith("["):
                    in_group = line.strip() == "[jifen.plugins]"
                elif in_group and "=" in line:
                    names.append(line.split("=", 1)[0].strip())
        return names

    def remove(self) -> None:
        from jifen.plugin_manager import forget_plugin

        for name in self.entry_point_names():
            forget_plugin(name)
        if self.active:
            sys.path.remove(str(self.path))
        for module_name, module in list(sys.modules.items()):
            if str(getattr(module, "__file__", "") or "").startswith(str(self.path)):
                del sys.modules[module_name]
        importlib.invalidate_caches()


@pytest.fixture
def site_dir(tmp_path):
    """A :class:`SiteDir` for this test; its plugins are forgotten and its modules dropped afterwards."""
    site = SiteDir(tmp_path / "site")
    yield site
    site.remove()


@pytest.fixture
def core_fingerprint():
    """``core_fingerprint()``: every file of core/ (bytecode aside) with its size and modification time."""

    def _fingerprint() -> dict[str, tuple[int, int]]:
        return {str(p.relative_to(ROOT)): (p.stat().st_size, p.stat().st_mtime_ns)
                for p in sorted((ROOT / "core").rglob("*")) if p.is_file() and "__pycache__" not in p.parts}

    return _fingerprint


@pytest.fixture
def run_plugin_tests():
    """``run_plugin_tests(folder, site, "sqlite")``: a plugin package's own tests in a new pytest process."""

    def _run(folder: Path, site: SiteDir | None, database: str) -> subprocess.CompletedProcess:
        env = site.env() if site is not None else dict(os.environ)
        env.pop("PYTEST_ADDOPTS", None)
        if "postgresql" not in database:
            env.pop("JIFEN_REQUIRE_POSTGRES", None)  # this run asks for the SQLite half only
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--jifen-databases={database}"]
        return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=900)

    return _run
