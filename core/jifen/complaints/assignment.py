"""Which department answers a case, and by when.

A county names them in its tenant.toml; without it, its first department answers everything in 15
working days::

    [complaints]
    answer_days = 15                      # working days (jifen.calendar), from the day of filing
    department = "civil_affairs"          # the department for the county in general
    [complaints.departments]              # a program's own department (its rounds and lists too)
    school_enrollment = "education"
"""

from __future__ import annotations

from datetime import date

from jifen.calendar.workdays import add_working_days
from jifen.county.tenancy import require_tenant
from jifen.identity.accounts import departments

DEFAULT_ANSWER_DAYS = 15


def _settings() -> dict:
    found = require_tenant().settings.get("complaints")
    return found if isinstance(found, dict) else {}


def answer_days() -> int:
    days = _settings().get("answer_days")
    return days if isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= 60 else DEFAULT_ANSWER_DAYS


def due_date(start: date) -> date:
    return add_working_days(start, answer_days())


def department_for(program_key: str | None) -> str:
    """The department that answers a case about ``program_key`` (None: the county in general); "" when the
    county has no departments (then only its administrators see the case)."""
    known = departments()
    settings = _settings()
    by_program = settings.get("departments") if isinstance(settings.get("departments"), dict) else {}
    if program_key and by_program.get(program_key) in known:
        return by_program[program_key]
    if settings.get("department") in known:
        return settings["department"]
    return next(iter(known), "")
