"""One clock, in the county's time zone (jifen.clock): no other "today" or "now" in the code, and China's
dates on a server that runs on UTC."""

from __future__ import annotations

import ast
from datetime import date, datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from jifen import clock
from jifen.county.tenancy import TenantRef, bind_tenant

ROOT = Path(__file__).resolve().parent.parent
SHANGHAI = ZoneInfo("Asia/Shanghai")
FORBIDDEN = {("date", "today"), ("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today")}


def clock_calls_outside_the_clock(folder: Path) -> list[str]:
    found = []
    for file in sorted(folder.rglob("*.py")):
        if file == ROOT / "core" / "jifen" / "clock.py":
            continue
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and (node.value.id, node.attr) in FORBIDDEN:
                found.append(f"{file.relative_to(ROOT)}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


@pytest.mark.parametrize("folder", ["core", "plugins", "examples"])
def test_no_code_reads_the_time_but_the_clock(folder):
    assert clock_calls_outside_the_clock(ROOT / folder) == []


def test_the_scan_finds_a_direct_call(tmp_path):
    (tmp_path / "m.py").write_text("from datetime import date\nx = date.today()\n")
    global ROOT
    saved, ROOT = ROOT, tmp_path
    try:
        assert clock_calls_outside_the_clock(tmp_path) == ["m.py:2: date.today"]
    finally:
        ROOT = saved


def test_at_17_00_utc_it_is_already_tomorrow_in_china(on_day):
    on_day(datetime(2027, 8, 31, 17, 0, tzinfo=timezone.utc))  # 01:00 on 1 September in Asia/Shanghai
    assert clock.today() == date(2027, 9, 1)
    assert clock.now().utcoffset().total_seconds() == 8 * 3600
    assert clock.utcnow() == datetime(2027, 8, 31, 17, 0)  # stored timestamps stay UTC


def test_a_county_can_have_its_own_zone(on_day):
    on_day(datetime(2027, 8, 31, 17, 0, tzinfo=timezone.utc))
    with bind_tenant(TenantRef(id=1, slug="faraway", settings={"time_zone": "UTC"})):
        assert clock.today() == date(2027, 8, 31)
    assert clock.today() == date(2027, 9, 1)


def test_a_round_opening_on_1_september_is_open_at_one_in_the_morning_china_time(
        on_day, open_round, county, client):
    from jifen.county.tenancy import require_tenant
    from jifen.models import ProgramRound
    from jifen.programs import rounds

    on_day(datetime(2027, 8, 25, 10, 0, tzinfo=SHANGHAI))
    round_id = open_round("jiashan", "school_enrollment", quota=10, days=30)
    with county("jiashan") as session:
        found = session.get(ProgramRound, (require_tenant().id, round_id))
        found.opens_on, found.closes_on = date(2027, 9, 1), date(2027, 9, 30)
        session.commit()

    on_day(datetime(2027, 8, 31, 15, 59, tzinfo=timezone.utc))  # 23:59 on 31 August in China
    with county("jiashan") as session:
        assert rounds.open_round(session, "school_enrollment") is None
    assert f'data-round="{round_id}"' not in client.get("/jiashan/programs/school_enrollment").get_data(as_text=True)

    on_day(datetime(2027, 8, 31, 17, 0, tzinfo=timezone.utc))  # 01:00 on 1 September in China
    with county("jiashan") as session:
        assert rounds.open_round(session, "school_enrollment").id == round_id
    page = client.get("/jiashan/programs/school_enrollment").get_data(as_text=True)
    assert f'data-state="open" data-round="{round_id}"' in page


def test_on_day_moves_the_dates_the_platform_stores(on_day, county):
    from jifen.county.switching import set_plugin_enabled
    from jifen.points.rules import latest_version

    on_day(date(2027, 3, 1))
    with county("jiashan") as session:
        assert set_plugin_enabled(session, "family_planning", True, actor="test")  # a new rule version
        version = latest_version(session)
        assert version.rules["as_of"] == "2027-03-01"
        assert version.created_at.date() == date(2027, 3, 1)


def test_on_day_moves_an_applications_dates(on_day, applicant_with_points, county):
    from jifen.county.tenancy import require_tenant
    from jifen.models import Application, DeclaredItem

    on_day(date(2027, 3, 1))
    person = applicant_with_points("jiashan")
    with county("jiashan") as session:
        application = session.get(Application, (require_tenant().id, person.application_id))
        assert application.submitted_at.date() == date(2027, 3, 1)
        assert application.confirmed_at.date() == date(2027, 3, 1)
        assert date(2027, 3, 1) < application.recheck_until < date(2027, 4, 30)
        item = session.get(DeclaredItem, (require_tenant().id, person.item_ids[0]))
        assert date(2027, 3, 1) < item.due_on < date(2027, 4, 30)  # working days from the clock's day
