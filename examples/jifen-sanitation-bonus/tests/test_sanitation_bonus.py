"""Tests of the sanitation_bonus plugin, with Jifen's test kit.

Every test that uses ``app`` (directly or through another fixture) runs on SQLite and on PostgreSQL.
"""

from decimal import Decimal

import pytest

from jifen_sanitation_bonus import ITEM, Settings


def test_score_is_points_per_year():  # pure: no app, runs once
    settings = Settings().load({"points_per_year": "1.5"})
    assert ITEM.score({"years": 4}, settings) == Decimal("6.0")


def test_only_the_county_that_enables_it_shows_it(client):
    assert "环卫工人加分" in client.get("/testcounty/").get_data(as_text=True)
    assert "环卫工人加分" not in client.get("/othercounty/").get_data(as_text=True)


def test_a_verified_item_counts_with_the_countys_settings(applicant_with_points):
    applicant = applicant_with_points("testcounty", {"sanitation_bonus": {"years": 3}})
    assert applicant.total_points == Decimal("6")  # 3 years x 2 points (tests/tenants/testcounty)


def test_the_applicant_sees_the_plugins_block_in_their_language(client_as):
    client = client_as("testcounty")
    page = client.get("/testcounty/me/items/new/sanitation_bonus?lang=en").get_data(as_text=True)
    assert 'data-plugin-block="sanitation_bonus"' in page and "This county gives 2 points per year." in page
    page = client.get("/testcounty/me/items/new/sanitation_bonus?lang=zh_Hans_CN").get_data(as_text=True)
    assert "本县每年计 2 分。" in page


def test_bad_input_is_refused_with_the_plugins_message(client_as):
    client = client_as("testcounty")
    client.get("/testcounty/?lang=en")
    response = client.submit("/testcounty/me/items/new/sanitation_bonus", {"years": "99"})
    assert response.status_code == 400 and "Give the years, from 0 to 60." in response.get_data(as_text=True)


@pytest.mark.with_plugins("sanitation_bonus", county="othercounty")
def test_the_with_plugins_marker_switches_it_on_for_a_test(client):
    assert "环卫工人加分" in client.get("/othercounty/").get_data(as_text=True)


def test_an_administrator_switches_it_off(client_as, client):
    admin = client_as("testcounty", role="admin")
    response = admin.submit("/testcounty/admin/plugins/sanitation_bonus", {"action": "disable"},
                            form_page="/testcounty/admin/plugins")
    assert response.status_code == 302
    assert "环卫工人加分" not in client.get("/testcounty/").get_data(as_text=True)


def test_the_plugin_passes_jifens_conformance_check(cli):
    result = cli("plugin", "check", "sanitation_bonus")
    assert result.exit_code == 0, result.output
