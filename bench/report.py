"""What every benchmark prints and records the same way: the record's header and its goal lines."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime


def header(benchmark: str, database: str) -> dict:
    """The first fields of a result record: which benchmark, when, on what database and machine."""
    return {"benchmark": benchmark, "when": datetime.now(UTC).isoformat(timespec="seconds"), "database": database,
            "cpus": os.cpu_count(), "python": platform.python_version()}


def goal(text: str, met: bool, *, missed: str = "ABOVE GOAL") -> bool:
    print(f"goal: {text}  -> {'PASS' if met else missed}")
    return met
