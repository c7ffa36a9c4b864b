"""Tests of the sanitation_bonus plugin, with Jifen's test kit.

Every test that uses ``app`` (directly or through another fixture) runs on SQLite and on PostgreSQL.
"""

from decimal import Decimal

import pytest

from jifen_sanitation_bonus import ITEM, Settings

WORKER = {"years": 8, "employer": "县环境卫生管理处"}


@pytest.mark.parametrize("years, points", [(4, "0"), (5, "10"), (8, "16"), (30, "60")])
def test_the_bonus_starts_at_the_years_needed_and_grows_each_year(years, points):  # pure: runs once
    settings = Settings().load({})
    assert ITEM.score({"years": years, "employer": "x"}, settings) == Decimal(points)


def test_only_the_county_that_enables_it_shows_it(client):
    assert "环卫工人加分" in client.get("/testcounty/").get_data(as_text=True)
    assert "环卫工人加分" not in client.get("/othercounty/").get_data(as_text=True)


def test_a_verified_item_counts_up_to_the_countys_cap(applicant_with_points):
    assert applicant_with_points("testcounty", {"sanitation_bonus": WORKER}).total_points == Decimal("16")
    veteran = applicant_with_points("testcounty", {"sanitation_bonus": {**WORKER, "years": 30}})
    assert veteran.total_points == Decimal("20")  # 60 before the cap


def test_the_applicant_reads_the_countys_rule_in_their_language(client_as):
    client = client_as("testcounty")
    page = client.get("/testcounty/me/items/new/sanitation_bonus?lang=en").get_data(as_text=True)
    assert 'data-plugin-block="sanitation_bonus"' in page
    assert "with 5 years of work in this county get 10 points, and 2 more for each further year." in page
    assert "At most 20 points." in page
    page = client.get("/testcounty/me/items/new/sanitation_bonus?lang=zh_Hans_CN").get_data(as_text=True)
    assert "在本县从事一线环卫工作满 5 年的加 10 分，此后每满一年再加 2 分。" in page


def test_bad_input_is_refused_with_the_plugins_message_and_kept(client_as):
    client = client_as("testcounty")
    client.get("/testcounty/?lang=en")
    response = client.submit("/testcounty/me/items/new/sanitation_bonus", {"years": "99", "employer": "县环卫处"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Give the years of frontline sanitation work, from 0 to 50." in html and "县环卫处" in html


@pytest.mark.with_plugins("sanitation_bonus", county="othercounty")
def test_the_with_plugins_marker_switches_it_on_for_a_test(client):
    assert "环卫工人加分" in client.get("/othercounty/").get_data(as_text=True)


def test_an_administrator_switches_it_off(client_as, client):
    admin = client_as("testcounty", role="admin")
    response = admin.submit("/testcounty/admin/plugins/sanitation_bonus", {"action": "disable"},
                            form_page="/testcounty/admin/plugins")
    assert response.status_code == 302
    assert "环卫工人加分" not in client.get("/testcounty/").get_data(as_text=True)


def test_its_page_tells_the_countys_administrators_who_earns_the_bonus(client_as, applicant_with_points):
    applicant_with_points("testcounty", {"sanitation_bonus": WORKER})
    admin = client_as("testcounty", role="admin")
    assert "/testcounty/admin/p/sanitation_bonus/summary" in admin.get("/testcounty/admin/").get_data(as_text=True)
    page = admin.get("/testcounty/admin/p/sanitation_bonus/summary?lang=zh_Hans_CN").get_data(as_text=True)
    assert "本县确认积分含此项加分的申请人：1 名（共 16.00 分）。" in page
    assert client_as("testcounty").get("/testcounty/admin/p/sanitation_bonus/summary").status_code == 403
    assert client_as("othercounty", role="admin").get("/othercounty/admin/p/sanitation_bonus/summary").status_code == 404


def test_the_plugin_passes_jifens_conformance_check(cli):
    result = cli("plugin", "check", "sanitation_bonus")
    assert result.exit_code == 0, result.output
