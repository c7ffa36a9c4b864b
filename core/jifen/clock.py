"""The platform's one clock: every "today" and "now" of the scheme, in the county's time zone.

Counties run on China time: a round that opens on 1 September is open from 00:00 in Asia/Shanghai,
whatever zone the server runs in (a server on UTC is eight hours behind, so between 00:00 and 08:00
its own "today" is still yesterday). The zone is a deployment setting (``JIFEN_TIME_ZONE``,
default Asia/Shanghai) that a county may override in its folder (``time_zone`` in tenant.toml).

* :func:`today`: the date in the bound county's zone (the platform's zone when none is bound);
* :func:`now`: the moment as an aware datetime in that zone (pages, messages, local deadlines);
* :func:`utcnow`: the moment as a naive UTC datetime, the way timestamps are stored.

Tests move the clock with :func:`set_moment` (the test kit's ``on_day`` fixture): every date the
platform derives, windows, due dates, re-check windows, offer deadlines, rule version dates and
stored timestamps, follows. A test fails on any other ``date.today()`` or ``datetime.now()``.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from jifen.county.tenancy import current_tenant

DEFAULT_TIME_ZONE = "Asia/Shanghai"

_moment: datetime | None = None  # set by tests: the instant the clock shows, aware


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as {DEFAULT_TIME_ZONE!r})") from None


def platform_time_zone() -> str:
    from flask import current_app, has_app_context

    configured = current_app.config.get("JIFEN_TIME_ZONE") if has_app_context() else None
    return configured or os.environ.get("JIFEN_TIME_ZONE") or DEFAULT_TIME_ZONE


def time_zone() -> ZoneInfo:
    """The bound county's zone (its ``time_zone`` setting), else the platform's."""
    tenant = current_tenant()
    name = (tenant.settings.get("time_zone") if tenant is not None else None) or platform_time_zone()
    return zone(name)


def _instant() -> datetime:
    return _moment if _moment is not None else datetime.now(timezone.utc)


def now() -> datetime:
    """The moment, as an aware datetime in the county's zone."""
    return _instant().astimezone(time_zone())


def today() -> date:
    """The date in the county's zone."""
    return now().date()


def utcnow() -> datetime:
    """The moment as a naive UTC datetime: how the platform stores timestamps."""
    return _instant().astimezone(timezone.utc).replace(tzinfo=None)


def set_moment(moment: datetime | None) -> None:
    """Stop the clock at ``moment`` (aware; a naive one is read in the platform's zone); None restarts it."""
    global _moment
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(platform_time_zone()))
    _moment = moment
