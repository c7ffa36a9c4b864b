"""Today's date and the time, from one place, so tests can move the calendar (rollout dates, windows)."""

from __future__ import annotations

from datetime import date, datetime, timezone


def today() -> date:
    return datetime.now(timezone.utc).astimezone().date()


def now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)
