"""Ages and school years, for the programs and score items that depend on someone's age."""

from __future__ import annotations

from datetime import date

from jifen.text import lazy_gettext as _l


def age_on(birth: date, day: date) -> int:
    """Completed years of life on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def school_year_cutoff(today: date) -> date:
    """31 August of the school year applied for: this year's until August, next year's from September
    (children enter school or kindergarten by their age on that day)."""
    return date(today.year if today.month < 9 else today.year + 1, 8, 31)


def child_age_problems(applicant, child_name: str, low: int, high: int, *,
                       entering: dict[str, str] | None = None) -> list:
    """The check of a place for a child (kindergarten, school): the child is declared in the applicant's
    family and ``low``-``high`` years old on 31 August of the school year applied for.

    ``applicant`` has ``as_of`` and ``children`` (name, birth_date), as ``ApplicantFacts`` has. Returns the
    messages, each in the reader's language (translated text), or none. ``entering`` is no longer used.
    """
    name = child_name.strip()
    child = next((c for c in applicant.children if c.name == name), None)
    if child is None:
        return [_l("“%(name)s” is not a child declared in your family: declare the child on the Family page first.",
                   name=name)]
    day = school_year_cutoff(applicant.as_of)
    age = age_on(child.birth_date, day)
    if not low <= age <= high:
        return [_l("The child must be %(low)s-%(high)s years old on 31 August %(year)s; %(name)s will be %(age)s.",
                   low=low, high=high, year=day.year, name=name, age=age)]
    return []
