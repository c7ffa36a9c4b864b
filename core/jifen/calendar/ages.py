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


def child_age_problems(applicant, child_name: str, low: int, high: int, *, entering: dict[str, str]) -> list[str]:
    """The check of a place for a child (kindergarten, school): the child is declared in the applicant's
    family and ``low``-``high`` years old on 31 August of the school year applied for.

    ``applicant`` has ``as_of`` and ``children`` (name, birth_date), as ``ApplicantFacts`` has;
    ``entering`` names what the child enters, e.g. ``{"zh": "入园"}``. Returns the messages, or none.
    """
    name = child_name.strip()
    child = next((c for c in applicant.children if c.name == name), None)
    if child is None:
        return [f"“{name}”不是已登记的子女：请先在“家庭”页登记 / "
                f"“{name}” is not a child declared in your family: declare the child on the Family page first."]
    day = school_year_cutoff(applicant.as_of)
    age = age_on(child.birth_date, day)
    if not low <= age <= high:
        return [f"{entering['zh']}年龄须在 {low}–{high} 岁之间（{day.year}年8月31日），{name} 届时 {age} 岁 / "
                f"The child must be {low}-{high} years old on 31 August {day.year}; {name} will be {age}."]
    return []
