"""The administrators' statistics pages: every program's rounds, and one round per sub-quota with its points
distribution drawn as SVG, in Chinese and English; another county's round is a 404, and only
administrators see them."""

from __future__ import annotations

import re

import pytest


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg\b.*?</svg>", html, re.S)


def _cell(html: str, row_attr: str, figure: str) -> str:
    row = re.search(rf'<tr {row_attr}>(.*?)</tr>', html, re.S)
    assert row, f"no row {row_attr}"
    cell = re.search(rf'data-figure="{figure}">([^<]*)<', row.group(1))
    assert cell, f"no {figure} in row {row_attr}"
    return cell.group(1).strip()


@pytest.fixture
def admin(client_as):
    return client_as("jiashan", role="admin")


def test_the_round_page_in_english(admin, hand_ranked_round):
    made = hand_ranked_round("jiashan")
    response = admin.get(f"/jiashan/admin/rounds/{made['round']}/statistics?lang=en")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    assert "Statistics" in html and "Hukou transfer" in html and "2027 第一批" in html
    assert re.search(r'data-figure="applicants">4<', html) and re.search(r'data-figure="allocated">2<', html)
    assert re.search(r'data-figure="cutoff">88(\.00)?<', html)
    # the sub-quota as stored, with its figures
    assert _cell(html, 'data-sub-quota="魏塘街道"', "ranked") == "4"
    assert _cell(html, 'data-sub-quota="魏塘街道"', "allocated") == "2"
    svgs = _svgs(html)
    assert len(svgs) == 1
    svg = svgs[0]
    assert 'role="img"' in svg and 'aria-label="Points distribution with the cutoff line"' in svg
    assert "<title>" in svg and "<desc" in svg and 'viewBox="0 0 ' in svg and 'width="100%"' in svg
    assert 'class="cutoff"' in svg and "cutoff 88" in svg
    assert svg.count('class="bar"') == 8  # 60 to 95 in bars of 5 points
    # the same figures in a table next to the chart
    assert 'data-table="distribution"' in html and '<tr data-bin="95"><th scope="row">95–100</th><td>1</td><td>1</td></tr>' in html
    assert 'style="' not in svg  # the pages' CSP allows no inline style


def test_the_round_page_in_chinese(admin, hand_ranked_round):
    made = hand_ranked_round("jiashan")
    html = admin.get(f"/jiashan/admin/rounds/{made['round']}/statistics?lang=zh_Hans_CN").get_data(as_text=True)
    assert 'lang="zh-CN"' in html or 'lang="zh' in html
    assert "积分入户" in html and "申请人数" in html and "分数线" in html and "获得名额" in html
    assert "Hukou transfer" not in html
    svg = _svgs(html)[0]
    assert 'role="img"' in svg and 'aria-label="积分分布及分数线"' in svg


def test_the_overview_lists_each_program_with_its_rounds(admin, hand_ranked_round):
    made = hand_ranked_round("jiashan")
    response = admin.get("/jiashan/admin/statistics?lang=en")
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    html = response.get_data(as_text=True)
    hukou = re.search(r'<section class="card" data-program="hukou_transfer">(.*?)</section>', html, re.S).group(1)
    assert "Hukou transfer" in hukou
    row = f'data-round="{made["round"]}"'
    assert _cell(hukou, row, "applicants") == "4" and _cell(hukou, row, "allocated") == "2"
    assert re.match(r"88(\.00)?$", _cell(hukou, row, "cutoff"))
    assert f'/jiashan/admin/rounds/{made["round"]}/statistics' in hukou
    svg = _svgs(hukou)[0]
    assert 'role="img"' in svg and "aria-label=" in svg and "<title" in svg and "<desc" in svg
    assert f'<g data-round="{made["round"]}">' in svg
    # a program without rounds says so
    assert "No round yet." in html
    # the navigation and the round's page link here
    assert 'href="/jiashan/admin/statistics"' in html
    round_page = admin.get(f"/jiashan/admin/rounds/{made['round']}?lang=en").get_data(as_text=True)
    assert f'href="/jiashan/admin/rounds/{made["round"]}/statistics"' in round_page


def test_the_overview_in_chinese(admin, hand_ranked_round):
    hand_ranked_round("jiashan")
    html = admin.get("/jiashan/admin/statistics?lang=zh_Hans_CN").get_data(as_text=True)
    assert "积分入户" in html and "申请人数" in html and "批次" in html
    assert 'role="img"' in _svgs(html)[0]


def test_another_countys_round_is_not_found(admin, hand_ranked_round):
    other = hand_ranked_round("haining")
    assert admin.get(f"/jiashan/admin/rounds/{other['round']}/statistics").status_code == 404
    assert admin.get("/jiashan/admin/rounds/1/statistics").status_code == 404


@pytest.mark.parametrize("role", ["reviewer", "applicant"])
def test_only_administrators_see_the_statistics(client_as, hand_ranked_round, role):
    made = hand_ranked_round("jiashan")
    browser = client_as("jiashan", role=role)
    assert browser.get("/jiashan/admin/statistics").status_code == 403
    assert browser.get(f"/jiashan/admin/rounds/{made['round']}/statistics").status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client, hand_ranked_round):
    made = hand_ranked_round("jiashan")
    for path in ("/jiashan/admin/statistics", f"/jiashan/admin/rounds/{made['round']}/statistics"):
        response = client.get(path)
        assert response.status_code in (302, 303) and "/jiashan/login" in response.headers["Location"]


def test_a_round_without_a_current_run_says_so_and_draws_no_distribution(admin, county):
    from datetime import date

    from jifen.models import ProgramRound

    with county("jiashan") as session:
        found = ProgramRound(program_key="hukou_transfer", name="2028 第一批", opens_on=date(2028, 1, 1),
                             closes_on=date(2028, 2, 28), quota=3, sub_quotas={})
        session.add(found)
        session.commit()
        round_id = found.id
    html = admin.get(f"/jiashan/admin/rounds/{round_id}/statistics?lang=en").get_data(as_text=True)
    assert 'data-run="none"' in html and "no current ranking run" in html
    assert re.search(r'data-figure="places">3<', html) and re.search(r'data-figure="cutoff">—<', html)
    assert not _svgs(html)
