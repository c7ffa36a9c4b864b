"""The example plugin's page for county administrators (examples/jifen-sanitation-bonus, register_routes):
in each county that enables the plugin it counts that county's applicants only, and says the county's rule."""

from __future__ import annotations

import pytest

WORKER = {"years": 7, "employer": "嘉善县环境卫生管理处"}  # 10 points at five years, 2 for each of two more
SUMMARY = "/{slug}/admin/p/sanitation_bonus/summary"


@pytest.mark.with_plugins("sanitation_bonus", county=["jiashan", "haining"],
                          settings={"sanitation_bonus": {"min_years": 3, "points": "5", "per_extra_year": "1"}})
def test_each_countys_page_counts_its_own_applicants_and_says_its_rule(client_as, applicant_with_points):
    applicant_with_points("haining", {"sanitation_bonus": WORKER})
    applicant_with_points("haining", {"sanitation_bonus": {**WORKER, "years": 1}})  # too few years: no bonus
    jiashan = client_as("jiashan", role="admin").get(SUMMARY.format(slug="jiashan") + "?lang=en")
    haining = client_as("haining", role="admin").get(SUMMARY.format(slug="haining") + "?lang=en")
    assert jiashan.status_code == haining.status_code == 200
    assert jiashan.headers["Cache-Control"] == "no-store"
    assert "Applicants in this county with the bonus in their confirmed points: 0 (0.00 points in all)." in jiashan.text
    assert "Applicants in this county with the bonus in their confirmed points: 1 (9.00 points in all)." in haining.text
    assert "with 3 years of work in this county get 5 points, and 1 more for each further year." in haining.text
    assert "<h1>Sanitation workers&#39; bonus</h1>" in haining.text  # its menu label, in the reader's language


@pytest.mark.with_plugins("sanitation_bonus", county="jiashan")
def test_only_a_county_that_enables_it_has_the_page_and_its_menu_entry(client_as, client):
    admin = client_as("jiashan", role="admin")
    assert '<a href="/jiashan/admin/p/sanitation_bonus/summary">环卫工人加分</a>' in admin.get("/jiashan/admin/").text
    other = client_as("haining", role="admin")
    assert other.get(SUMMARY.format(slug="haining")).status_code == 404
    assert "sanitation_bonus" not in other.get("/haining/admin/").text
    assert client_as("jiashan", role="reviewer").get(SUMMARY.format(slug="jiashan")).status_code == 403
    anonymous = client.get(SUMMARY.format(slug="jiashan"))
    assert anonymous.status_code == 302 and anonymous.location.startswith("/jiashan/login?next=")
