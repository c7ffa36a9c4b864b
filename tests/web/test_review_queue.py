"""The reviewer's queue and item page: masked applicants, dates on China's calendar, supplement rounds,
changes since the last decision, points each item would earn, filters, sorting and pages; the evidence
shown in the page from a sandboxed response; a decision without a default; departments and counties."""

from __future__ import annotations

import io
import random
import re
from datetime import date

from sqlalchemy import func, select

from jifen.calendar.workdays import add_working_days
from jifen.county.context import current_county
from jifen.identity import masking, protect
from jifen.models import DeclaredItem, EvidenceFile, ItemReview, User
from jifen.points import applications, evidence, review
from jifen.points.rules import county_item_types
from tests.exchange.helpers import EDUCATION, SKILL, submitted

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
HOUSING = {"tenure": "own", "since": "2007-05-04", "address": "魏塘街道231号"}
SEPTEMBER_1 = date(2026, 9, 1)  # a Tuesday, a working day


def _row(html: str, item_id: int) -> str:
    found = re.search(rf'<tr data-item="{item_id}".*?</tr>', html, re.S)
    assert found, f"item {item_id} is not in the queue"
    return found.group(0)


def _order(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-item="(\d+)"', html)]


def _ask_supplement(county, item_id: int, reason: str = "请补充学位证书原件扫描件") -> None:
    with county("jiashan") as session:
        item = session.scalar(select(DeclaredItem).where(DeclaredItem.id == item_id))
        review.decide(session, current_county(session).hooks, item, "supplement_requested", reason,
                      reviewer_actor="test:reviewer")
        session.commit()


def _supplement(county, item_id: int, user_id: int, *, new_file: tuple[str, bytes] | None = ("degree-2.png", PNG),
                new_input: dict | None = None) -> None:
    """The applicant answers the request: maybe a new file, maybe a changed declaration, and a note."""
    with county("jiashan") as session:
        item = session.scalar(select(DeclaredItem).where(DeclaredItem.id == item_id))
        user = session.scalar(select(User).where(User.id == user_id))
        if new_file:
            evidence.store(session, item, new_file[0], io.BytesIO(new_file[1]))
        if new_input is not None:
            applications.update_item(session, item, county_item_types(session)[item.item_type], new_input,
                                     actor=user.actor)
        applications.answer_supplement(session, current_county(session).hooks, item, user, "已补充")
        session.commit()


def _masked_id(county, user_id: int) -> tuple[str, str]:
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == user_id))
        number = protect.decrypt(user.id_number_encrypted)
        return number, masking.mask(number)


def test_queue_rows_show_the_applicant_masked_the_dates_the_round_the_change_and_the_points(
        county, make_user, client_as, on_day):
    on_day(SEPTEMBER_1)
    made = submitted(county, make_user, "jiashan", ("education", EDUCATION), name="陈新民")
    item_id = made["items"][0]
    number, masked = _masked_id(county, made["user"])
    with county("jiashan"):
        due = add_working_days(SEPTEMBER_1, 15)  # the department's review_days on China's calendar
    reviewer = client_as("jiashan", role="reviewer", department="education")

    page = reviewer.get("/jiashan/review/?lang=en").get_data(as_text=True)
    row = _row(page, item_id)
    assert "陈*民" in row and "陈新民" not in page
    assert masked in row and number not in page
    assert 'data-submitted="2026-09-01"' in row and f'data-due="{due.isoformat()}"' in row
    assert 'data-round="0"' in row and "Not decided yet" in row
    assert 'data-points="80.00"' in row  # a bachelor's degree under Jiashan's current table
    assert "data-overdue" not in row

    on_day(date(2026, 9, 8))
    _ask_supplement(county, item_id)
    on_day(date(2026, 9, 10))
    _supplement(county, item_id, made["user"])
    with county("jiashan"):
        due_again = add_working_days(date(2026, 9, 10), 15)
    row = _row(reviewer.get("/jiashan/review/?lang=en").get_data(as_text=True), item_id)
    assert 'data-round="1"' in row and "Round 1" in row
    assert 'data-changed="1"' in row and "Changed since 2026-09-08" in row
    assert f'data-due="{due_again.isoformat()}"' in row

    on_day(date(2026, 12, 1))
    row = _row(reviewer.get("/jiashan/review/?lang=en").get_data(as_text=True), item_id)
    assert "data-overdue" in row and "overdue" in row


def test_an_answer_without_a_new_file_or_change_is_unchanged_and_a_changed_declaration_is_told(
        county, make_user, client_as, on_day):
    on_day(SEPTEMBER_1)
    first = submitted(county, make_user, "jiashan", ("education", EDUCATION), name="王小红")
    second = submitted(county, make_user, "jiashan", ("education", EDUCATION), name="李大勇")
    for made in (first, second):
        _ask_supplement(county, made["items"][0])
    _supplement(county, first["items"][0], first["user"], new_file=None)
    _supplement(county, second["items"][0], second["user"], new_file=None,
                new_input={**EDUCATION, "level": "master"})
    reviewer = client_as("jiashan", role="reviewer", department="education")
    page = reviewer.get("/jiashan/review/?lang=en").get_data(as_text=True)
    assert 'data-changed="0"' in _row(page, first["items"][0])
    assert 'data-changed="1"' in _row(page, second["items"][0])
    item_page = reviewer.get(f"/jiashan/review/items/{second['items'][0]}?lang=en").get_data(as_text=True)
    assert 'data-change="input"' in item_page and "Master" in item_page
    # the decision kept the declaration it was made on: the change is shown field by field
    changed = re.search(r'<table class="table" tabindex="0" data-changed-fields="1">.*?</table>', item_page, re.S)
    assert changed, item_page
    before = dict(EDUCATION)["level"]
    assert ('<th scope="row">Level</th><td>Bachelor&#39;s degree</td><td><strong>Master&#39;s degree</strong>'
            in changed.group(0)), changed.group(0)
    unchanged_page = reviewer.get(f"/jiashan/review/items/{first['items'][0]}?lang=en").get_data(as_text=True)
    assert "data-changed-fields" not in unchanged_page
    with county("jiashan") as session:
        decided = session.scalars(select(ItemReview).where(ItemReview.item_id == second["items"][0],
                                                           ItemReview.decision == "supplement_requested")).one()
        assert decided.input["level"] == before


def test_filters_by_type_overdue_and_supplemented_and_sorts_by_due_or_submitted(county, make_user, client_as, on_day):
    with county("jiashan") as session:
        insurance = county_item_types(session)["social_insurance"].sample(random.Random(3))
    on_day(SEPTEMBER_1)
    early = submitted(county, make_user, "jiashan", ("skill", SKILL), name="赵一")["items"][0]
    on_day(date(2026, 9, 2))
    middle = submitted(county, make_user, "jiashan", ("social_insurance", insurance), name="钱二")["items"][0]
    on_day(date(2026, 9, 3))
    late = submitted(county, make_user, "jiashan", ("skill", {**SKILL, "level": "technician"}), name="孙三")
    on_day(date(2026, 9, 15))
    _ask_supplement(county, early)
    _supplement(county, early, _user_of(county, early))  # due again 15 working days after 15 September
    reviewer = client_as("jiashan", role="reviewer", department="human_resources")

    def shown(**query) -> list[int]:
        response = reviewer.get("/jiashan/review/", query_string={"lang": "en", **query})
        assert response.status_code == 200
        return _order(response.get_data(as_text=True))

    everything = shown()
    assert set(everything) == {early, middle, late["items"][0]}
    assert everything == [middle, late["items"][0], early]  # soonest due first
    assert shown(sort="submitted") == [early, middle, late["items"][0]]
    assert shown(type="skill") == [late["items"][0], early]
    assert shown(type="skill", sort="submitted") == [early, late["items"][0]]
    assert shown(supplemented="1") == [early]
    on_day(date(2026, 9, 30))  # past the first two due dates, not the supplemented one's (after the October holiday)
    assert shown(overdue="1") == [middle, late["items"][0]]
    assert shown(overdue="1", supplemented="1") == []
    form = reviewer.get("/jiashan/review/?lang=en&type=skill&overdue=1").get_data(as_text=True)
    assert 'method="get"' in form and '<option value="skill" selected>' in form
    assert 'name="overdue" value="1" checked' in form
    assert shown(type="no_such_type", sort="sideways") == shown()  # what is not understood is left out


def _user_of(county, item_id: int) -> int:
    from jifen.models import Application

    with county("jiashan") as session:
        return session.scalar(select(Application.user_id).join(DeclaredItem, DeclaredItem.application_id == Application.id)
                              .where(DeclaredItem.id == item_id))


def test_the_queue_is_paged_and_the_pages_keep_the_filters(county, make_user, client_as, on_day):
    on_day(SEPTEMBER_1)
    ids = [submitted(county, make_user, "jiashan", ("education", EDUCATION), name=f"周{n}明")["items"][0]
           for n in "一二三"]
    reviewer = client_as("jiashan", role="reviewer", department="education")
    original = review.PAGE_SIZE
    review.PAGE_SIZE = 2
    try:
        first = reviewer.get("/jiashan/review/?lang=en&sort=submitted").get_data(as_text=True)
        assert _order(first) == ids[:2] and "Page 1 of 2" in first
        link = re.search(r'<a rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
        assert "sort=submitted" in link and "page=2" in link
        second = reviewer.get(link + "&lang=en").get_data(as_text=True)
        assert _order(second) == ids[2:] and "Page 2 of 2" in second and 'rel="prev"' in second
        assert _order(reviewer.get("/jiashan/review/?page=99&sort=submitted").get_data(as_text=True)) == ids[2:]
    finally:
        review.PAGE_SIZE = original


def test_the_item_page_shows_the_declaration_in_words_and_the_points_it_would_earn(county, make_user, client_as):
    item_id = submitted(county, make_user, "jiashan", ("education", EDUCATION))["items"][0]
    reviewer = client_as("jiashan", role="reviewer", department="education")
    english = reviewer.get(f"/jiashan/review/items/{item_id}?lang=en").get_data(as_text=True)
    assert "Bachelor&#39;s degree" in english or "Bachelor's degree" in english
    assert ">bachelor<" not in english and "浙江大学" in english and "2012-06-30" in english
    assert 'data-points="80.00"' in english
    chinese = reviewer.get(f"/jiashan/review/items/{item_id}?lang=zh_Hans_CN").get_data(as_text=True)
    assert "本科" in chinese and "学历" in chinese


def test_evidence_is_shown_in_the_page_from_a_sandboxed_inline_response(county, make_user, client_as):
    made = submitted(county, make_user, "jiashan", ("education", EDUCATION))
    item_id = made["items"][0]
    with county("jiashan") as session:
        item = session.scalar(select(DeclaredItem).where(DeclaredItem.id == item_id))
        picture = evidence.store(session, item, "毕业证.png", io.BytesIO(PNG)).id
        pdf = session.scalar(select(EvidenceFile.id).where(EvidenceFile.item_id == item_id,
                                                           EvidenceFile.content_type == "application/pdf"))
        session.commit()
    reviewer = client_as("jiashan", role="reviewer", department="education")
    page = reviewer.get(f"/jiashan/review/items/{item_id}?lang=en").get_data(as_text=True)
    assert re.search(rf'<iframe src="/jiashan/review/evidence/{pdf}/view"[^>]*translate="no"', page)
    assert re.search(rf'<img src="/jiashan/review/evidence/{picture}/view"[^>]*translate="no"', page)
    assert f'href="/jiashan/review/evidence/{pdf}"' in page  # the download is kept
    assert re.search(r'<span translate="no">[0-9a-f]{64}</span>', page)

    for file_id, mimetype in ((pdf, "application/pdf"), (picture, "image/png")):
        shown = reviewer.get(f"/jiashan/review/evidence/{file_id}/view")
        assert shown.status_code == 200 and shown.mimetype == mimetype
        assert shown.headers["Content-Disposition"].startswith("inline")
        policy = [p.strip() for p in shown.headers["Content-Security-Policy"].split(";")]
        assert "sandbox" in policy and "frame-ancestors 'self'" in policy
        assert shown.headers["X-Content-Type-Options"] == "nosniff"
        assert shown.headers["Cache-Control"] == "no-store"
        assert shown.headers["X-Frame-Options"] == "SAMEORIGIN"
    download = reviewer.get(f"/jiashan/review/evidence/{pdf}")
    assert download.headers["Content-Disposition"].startswith("attachment")
    assert download.headers["Cache-Control"] == "no-store"

    police = client_as("jiashan", role="reviewer", department="public_security")
    assert police.get(f"/jiashan/review/evidence/{pdf}/view").status_code == 404
    haining = client_as("haining", role="reviewer", department="education")
    assert haining.get(f"/haining/review/evidence/{pdf}/view").status_code == 404


def test_the_decision_has_no_default_and_posting_without_one_decides_nothing(county, make_user, client_as):
    item_id = submitted(county, make_user, "jiashan", ("education", EDUCATION))["items"][0]
    reviewer = client_as("jiashan", role="reviewer", department="education")
    page_url = f"/jiashan/review/items/{item_id}"
    form = reviewer.get(page_url + "?lang=en").get_data(as_text=True)
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', form)
    assert len(radios) == 3 and not any("checked" in r for r in radios)

    refused = reviewer.submit(page_url, {"reason": "证书编号无法核验"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Choose a decision: verify, ask for a supplement or reject." in html
    assert re.search(r'<p class="error" id="decision-error" role="alert">', html)  # next to the field
    assert "证书编号无法核验</textarea>" in html  # what was typed is kept
    assert not any("checked" in r for r in re.findall(r'<input[^>]*type="radio"[^>]*>', html))
    with county("jiashan") as session:
        assert session.scalar(select(func.count(ItemReview.id)).where(ItemReview.item_id == item_id)) == 0
        assert session.scalar(select(DeclaredItem.status).where(DeclaredItem.id == item_id)) == "pending"

    chosen = reviewer.submit(page_url, {"decision": "rejected", "reason": ""})
    kept = re.findall(r'<input[^>]*type="radio"[^>]*>', chosen.get_data(as_text=True))
    assert chosen.status_code == 400 and [r for r in kept if "checked" in r] == [kept[2]] and 'value="rejected"' in kept[2]
    assert reviewer.submit(page_url, {"decision": "verified", "reason": ""}).status_code == 302


def test_a_reviewer_of_two_departments_sees_both_departments_items_and_no_others(county, make_user, client_as, login):
    made = submitted(county, make_user, "jiashan", ("education", EDUCATION), ("skill", SKILL), ("housing", HOUSING))
    education, skill, housing = made["items"]
    other_county = submitted(county, make_user, "haining", ("education", EDUCATION))["items"][0]
    reviewer = client_as("jiashan", role="reviewer", departments=("education", "human_resources"))

    first = reviewer.get("/jiashan/review/?lang=en").get_data(as_text=True)
    second = reviewer.get("/jiashan/review/?lang=en&department=human_resources").get_data(as_text=True)
    assert education in _order(first) and skill in _order(second)
    seen = set(_order(first)) | set(_order(second))
    assert seen == {education, skill}
    assert "Human Resources and Social Security Bureau" in first and "Housing and Urban" not in first
    assert set(_order(reviewer.get("/jiashan/review/?department=housing").get_data(as_text=True))) == {education}
    for item_id in (education, skill):
        assert reviewer.get(f"/jiashan/review/items/{item_id}").status_code == 200
    assert reviewer.get(f"/jiashan/review/items/{housing}").status_code == 404
    assert reviewer.get(f"/jiashan/review/items/{other_county}").status_code == 404
    with county("jiashan") as session:
        housing_file = session.scalar(select(EvidenceFile.id).where(EvidenceFile.item_id == housing))
    assert reviewer.get(f"/jiashan/review/evidence/{housing_file}/view").status_code == 404
