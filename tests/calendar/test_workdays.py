"""China's working days: the State Council's holidays and make-up working days, a county's own days off."""

from __future__ import annotations

import logging
from datetime import date

import pytest

from jifen import app as app_module
from jifen.calendar import workdays
from jifen.county.tenancy import TenantRef, bind_tenant


def test_a_five_day_publication_from_30_september_2026_ends_after_the_national_day_week():
    # 1-7 October are off; Saturday 10 October is a make-up working day (State Council notice for 2026).
    assert workdays.period_end(date(2026, 9, 30), 5) == date(2026, 10, 12)
    assert [workdays.add_working_days(date(2026, 9, 30), n) for n in (1, 2, 3, 4)] == [
        date(2026, 10, 8), date(2026, 10, 9), date(2026, 10, 10), date(2026, 10, 12)]


def test_a_make_up_sunday_is_a_working_day_and_a_festival_friday_is_not():
    assert workdays.is_working_day(date(2026, 9, 20))  # Sunday, worked for the National Day week
    assert not workdays.is_working_day(date(2026, 9, 25))  # Friday, Mid-Autumn Festival


def test_a_period_that_begins_on_a_holiday_begins_on_the_next_working_day():
    assert workdays.period_end(date(2026, 10, 3), 1) == date(2026, 10, 8)


def test_a_county_adds_its_own_days_off_and_worked_days():
    local = {"calendar": {"days_off": ["2026-11-11"], "working_days": ["2026-11-14"]}}
    with bind_tenant(TenantRef(id=1, slug="somewhere", settings=local)):
        assert not workdays.is_working_day(date(2026, 11, 11))
        assert workdays.is_working_day(date(2026, 11, 14))  # a Saturday
        assert workdays.add_working_days(date(2026, 11, 10), 1) == date(2026, 11, 12)
    assert workdays.is_working_day(date(2026, 11, 11))  # elsewhere a Wednesday like any other


def test_a_year_without_a_notice_counts_monday_to_friday():
    unknown = next(year for year in range(2026, 2100) if not workdays.national_calendar_knows(year))
    assert workdays.unknown_years(date(unknown - 1, 12, 1)) == [unknown]
    friday = next(date(unknown, 3, d) for d in range(1, 8) if date(unknown, 3, d).weekday() == 4)
    assert workdays.add_working_days(friday, 1).weekday() == 0


def test_the_platform_warns_at_start_up_when_next_years_calendar_is_unknown(on_day, caplog, monkeypatch):
    unknown = next(year for year in range(2026, 2100) if not workdays.national_calendar_knows(year))
    on_day(date(unknown - 1, 12, 1))
    monkeypatch.setattr(app_module, "_calendar_warned", False)
    with caplog.at_level(logging.WARNING, logger="jifen"):
        assert app_module.warn_of_unknown_calendar_years() == [unknown]
    assert f"China's holiday calendar for {unknown} is not known yet" in caplog.text


@pytest.mark.parametrize("content, message", [
    ('days_off = "2026-11-11"', "days_off must be a list of dates"),
    ('days_off = ["11/11/2026"]', "days_off must be a list of dates"),
    ('holidays = []', "unknown keys ['holidays']"),
])
def test_a_bad_county_calendar_is_refused_with_what_to_change(tmp_path, content, message):
    from jifen.county.folders import TenantFolderError, _local_calendar

    (tmp_path / "calendar.toml").write_text(content, encoding="utf-8")
    with pytest.raises(TenantFolderError, match=message.replace("[", r"\[").replace("]", r"\]")):
        _local_calendar(tmp_path)
