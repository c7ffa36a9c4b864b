"""Ages and school years, for the programs and score items that depend on someone's age."""

from __future__ import annotations

from datetime import date


def age_on(birth: date, day: date) -> int:
    """Completed years of life on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def school_year_cutoff(today: date) -> date:
    """31 August of the school year applied for: this year's until August, next year's from September
    (children enter school or kindergarten by their age on that day)."""
    return date(today.year if today.month < 9 else today.year + 1, 8, 31)
