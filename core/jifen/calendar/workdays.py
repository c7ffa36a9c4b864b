"""Working days in China: the State Council's holiday notices, make-up working days (调休) included,
plus a county's own days off.

The national calendar comes from the ``chinesecalendar`` package, which carries every year's notice
(the State Council publishes the next year's in November; a new package release follows). For a
year the package does not know yet, working days are Monday to Friday, and the platform says so at
start-up (:func:`unknown_years`). A county adds its local days off, and local make-up working days, in
``tenants/<slug>/calendar.toml``::

    days_off = ["2026-11-11"]        # e.g. a county holiday
    working_days = []                 # a Saturday or Sunday that is worked

Publication periods, objection and re-check windows, review due dates and offer deadlines are all
counted here, in the bound county (jifen.clock gives their first day).
"""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar

from jifen.county.tenancy import current_tenant


def national_calendar_knows(year: int) -> bool:
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


def unknown_years(today: date) -> list[int]:
    """This year and the next, where the national calendar does not know them yet."""
    return [year for year in (today.year, today.year + 1) if not national_calendar_knows(year)]


def _county_days() -> tuple[frozenset[str], frozenset[str]]:
    tenant = current_tenant()
    local = (tenant.settings.get("calendar") if tenant is not None else None) or {}
    return frozenset(local.get("days_off", ())), frozenset(local.get("working_days", ()))


def is_working_day(day: date) -> bool:
    days_off, working_days = _county_days()
    if day.isoformat() in days_off:
        return False
    if day.isoformat() in working_days:
        return True
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year whose notice the package does not carry yet
        return day.weekday() < 5


def add_working_days(start: date, days: int) -> date:
    """The working day ``days`` working days after ``start`` (a due date ``days`` working days away)."""
    current = start
    added = 0
    while added < days:
        current += timedelta(days=1)
        if is_working_day(current):
            added += 1
    return current


def period_end(start: date, days: int) -> date:
    """The last day of a period of ``days`` working days that begins on ``start``, or on the first
    working day after it when ``start`` is not one (a 5-day publication from 30 September 2026 ends on
    12 October: the National Day week is off and Saturday 10 October is worked)."""
    first = start if is_working_day(start) else add_working_days(start, 1)
    return add_working_days(first, max(days - 1, 0))
