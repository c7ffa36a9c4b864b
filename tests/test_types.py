"""The type checker (mypy, configured in pyproject.toml) passes over core/ and plugins/."""

from __future__ import annotations

from pathlib import Path

import pytest
from mypy import api

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_mypy_passes_over_the_core_and_the_built_in_plugins(monkeypatch):
    monkeypatch.chdir(ROOT)
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--no-incremental"])
    assert status == 0, out + err
    assert "Success: no issues found" in out


def test_mypy_at_this_strictness_still_catches_a_wrong_call(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    wrong = tmp_path / "wrong.py"
    wrong.write_text("from jifen.calendar.ages import age_on\nage_on(1, 2, 3)\nundefined_name\n", encoding="utf-8")
    out, _, status = api.run(["--config-file", str(ROOT / "pyproject.toml"), "--no-incremental", str(wrong)])
    assert status == 1
    assert "Too many arguments" in out and "Name \"undefined_name\" is not defined" in out
