"""The equity report page of a round: a table and a chart of allocation rates per dimension, aggregates only
(no name, no ID number), small cells suppressed; only administrators of the county see it."""

from __future__ import annotations

import re
from datetime import date

import pytest

from tests.programs.test_equity import PEOPLE, build_round, id_number

D = "干窑镇"
EXTRA = [(D, date(1995, 6, 1), True, date(2020, 1, 1), True)] * 5 + [(D, date(1985, 3, 3), False, date(2015, 1, 1), False)] * 2


@pytest.fixture
def made(county):
    def _make(slug="jiashan"):
        with county(slug) as session:
            found = build_round(session, PEOPLE + EXTRA)
            session.commit()
            return found.id
    return _make


def _section(html: str, key: str) -> str:
    found = re.search(rf'<section class="card" data-dimension="{key}">(.*?)</section>', html, re.S)
    assert found, f"no section {key}"
    return found.group(1)


def _row(section: str, label: str) -> str:
    found = re.search(rf'<tr data-group="\d+">\s*<th scope="row"[^>]*>{re.escape(label)}</th>(.*?)</tr>', section, re.S)
    assert found, f"no row {label}"
    return found.group(1)


def test_the_page_shows_counts_rates_and_charts_but_no_person(client_as, made):
    round_id = made()
    admin = client_as("jiashan", role="admin")
    response = admin.get(f"/jiashan/admin/statistics/rounds/{round_id}/equity?lang=en")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert "Equity report" in html
    town = _section(html, "town")
    row = _row(town, D)
    assert '<td data-figure="applicants" data-state="shown">7</td>' in row and 'data-figure="rate">71.4%<' in row
    assert 'translate="no">干窑镇</th>' in town
    assert "fewer than 5" in _row(town, "姚庄镇") and "Town not stated" in town
    # the town chart draws the one town whose rate is shown
    svg = re.findall(r"<svg\b.*?</svg>", town, re.S)
    assert len(svg) == 1 and svg[0].count('class="bar"') == 1 and "71.4%" in svg[0]
    assert 'role="img"' in svg[0] and "<desc" in svg[0] and 'style="' not in svg[0]
    gender = _section(html, "gender")
    assert "Women" in gender and "Men" in gender
    assert "<svg" in _section(html, "age") and "55 and over" in html and "10 years or more" in html
    assert re.search(r'data-state="hidden">hidden<', html)  # a complementary suppression, in words
    # aggregates only: no name, no ID number, whole or masked
    assert "王小明" not in html and "3304" not in html
    assert not any(id_number(n, born, man) in html for n, (_t, born, man, _s, _a) in enumerate(PEOPLE, start=1))


def test_the_round_statistics_page_links_to_it(client_as, made):
    round_id = made()
    html = client_as("jiashan", role="admin").get(f"/jiashan/admin/rounds/{round_id}/statistics?lang=en").get_data(as_text=True)
    assert f'href="/jiashan/admin/statistics/rounds/{round_id}/equity"' in html


def test_the_page_in_chinese(client_as, made):
    round_id = made()
    html = client_as("jiashan", role="admin").get(
        f"/jiashan/admin/statistics/rounds/{round_id}/equity?lang=zh_Hans_CN").get_data(as_text=True)
    assert "公平性报告" in html and "少于5" in html and "获得名额比例" in html
    assert "Equity report" not in html and "fewer than" not in html


def test_another_countys_round_is_not_found(client_as, made):
    other = made("haining")
    admin = client_as("jiashan", role="admin")
    assert admin.get(f"/jiashan/admin/statistics/rounds/{other}/equity").status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "applicant"])
def test_only_administrators_see_it(client_as, made, role):
    round_id = made()
    assert client_as("jiashan", role=role).get(f"/jiashan/admin/statistics/rounds/{round_id}/equity").status_code == 403
