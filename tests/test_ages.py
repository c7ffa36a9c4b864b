"""Ages and school years (jifen.calendar.ages)."""

from datetime import date

from jifen.calendar.ages import age_on, school_year_cutoff


def test_age_on_counts_completed_years_and_turns_on_the_birthday():
    born = date(2021, 8, 31)
    assert age_on(born, date(2024, 8, 30)) == 2
    assert age_on(born, date(2024, 8, 31)) == 3
    assert age_on(date(2020, 2, 29), date(2023, 2, 28)) == 2 and age_on(date(2020, 2, 29), date(2023, 3, 1)) == 3


def test_the_school_year_cutoff_is_this_august_until_august_then_next():
    assert school_year_cutoff(date(2027, 3, 1)) == date(2027, 8, 31)
    assert school_year_cutoff(date(2027, 8, 31)) == date(2027, 8, 31)
    assert school_year_cutoff(date(2027, 9, 1)) == date(2028, 8, 31)
