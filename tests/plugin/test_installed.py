"""jifen.plugin.installed: the installed plugins' fingerprint, made without importing a plugin."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys

from jifen.plugin import installed


def test_the_fingerprint_imports_no_plugin():
    probe = ("import sys; from jifen.plugin.installed import fingerprint; fingerprint(); "
             "print(sorted(m for m in sys.modules if m.startswith('jifen_plugins.') or m in "
             "('sqlalchemy', 'marshmallow', 'jifen.toolkit', 'jifen.plugin.manager')))")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "[]"


def test_the_fingerprint_follows_the_plugins_sources_entry_points_and_versions(tmp_path, monkeypatch):
    package = tmp_path / "jifen_fingerprint_probe"
    package.mkdir()
    (package / "__init__.py").write_text("X = 1\n", encoding="utf-8")
    (package / "commands.py").write_text("Y = 1\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))

    class Dist:
        name, version = "jifen-fingerprint-probe", "1.0"

    def points(version="1.0", value="jifen_fingerprint_probe"):
        Dist.version = version
        ep = importlib.metadata.EntryPoint("probe", value, installed.ENTRY_POINT_GROUP)._for(Dist)
        return lambda group: [ep] if group == installed.ENTRY_POINT_GROUP else []

    monkeypatch.setattr(importlib.metadata, "entry_points", points())
    first = installed.fingerprint()
    assert installed.fingerprint() == first  # the same plugins: the same fingerprint
    later = os.stat(package / "commands.py").st_mtime_ns + 5_000_000_000
    os.utime(package / "commands.py", ns=(later, later))  # a command added to a module of the package
    edited = installed.fingerprint()
    assert edited != first
    (package / "more.py").write_text("Z = 1\n", encoding="utf-8")
    added = installed.fingerprint()
    assert added != edited
    monkeypatch.setattr(importlib.metadata, "entry_points", points(version="1.1"))
    upgraded = installed.fingerprint()
    assert upgraded != added
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: [])
    assert installed.fingerprint() not in (first, edited, added, upgraded)  # uninstalled
