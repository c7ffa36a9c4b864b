"""The applicant's status page (/me/): rank, sub-quota position, cutoff and distance after a published list;
objections with their reference number and outcome; an item's current supplement reason; a too-large upload."""

from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import select

from jifen.models import DeclaredItem, Message, Objection

LONG_NUMBER = re.compile(r"\b\d{15,}\b")


def visible(html: str) -> str:
    import html as html_text

    return html_text.unescape(re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)))


def test_status_page_shows_rank_sub_quota_position_cutoff_and_distance(hand_ranked_round, client_as):
    ranked = hand_ranked_round(publish=True)
    client = client_as(ranked["people"][2])  # 80 points, third; the cutoff is 88
    client.get("/jiashan/?lang=en")
    html = client.get("/jiashan/me/").get_data(as_text=True)
    assert 'data-stage="ranked"' in html
    assert 'data-position="3"' in html and 'data-sub-position="3"' in html
    assert 'data-cutoff="88.00"' in html and 'data-distance="8.00"' in html
    assert 'data-sub-cutoff="88.00"' in html and 'data-sub-distance="8.00"' in html
    assert "8.00 points below" in html and "Position in 魏塘街道" in html
    assert 'data-outcome="waitlisted"' in html and "you may object until" in html
    assert 'data-event="publication.provisional"' in html  # on the timeline
    assert not LONG_NUMBER.search(visible(html))
    first = client_as(ranked["people"][0])
    assert 'data-distance="0.00"' in first.get("/jiashan/me/?lang=en").get_data(as_text=True)


def test_an_objection_is_acknowledged_by_reference_then_its_outcome_shown_and_sent(
        hand_ranked_round, client_as, county, on_day):
    ranked = hand_ranked_round(publish=True)
    round_id = ranked["round"]
    client = client_as(ranked["people"][3])
    client.get("/jiashan/?lang=en")
    list_url = f"/jiashan/programs/hukou_transfer/rounds/{round_id}/list"
    raised = client.submit(f"/jiashan/programs/hukou_transfer/rounds/{round_id}/objections",
                           {"reason": "我的社保年限未计入"}, form_page=list_url, follow_redirects=True)
    html = raised.get_data(as_text=True)
    with county("jiashan") as session:
        objection = session.scalars(select(Objection)).one()
        reference = objection.reference
    assert re.match(r"^[A-Z]{2,4}-\d{4}-\d{6}$", reference)
    assert f"reference number {reference}" in html  # the acknowledgement
    assert f'data-objection="{reference}"' in html and 'data-objection-status="open"' in html
    admin = client_as("jiashan", role="admin")
    on_day(date(2027, 3, 15))
    assert admin.submit(f"/jiashan/admin/objections/{objection.id}",
                        {"decision": "dismissed", "outcome": "经人社局复核，社保年限已按规定计入"},
                        form_page=f"/jiashan/admin/rounds/{round_id}").status_code == 302
    page = client.get("/jiashan/me/").get_data(as_text=True)
    assert 'data-objection-status="dismissed"' in page and "经人社局复核，社保年限已按规定计入" in page
    assert "Not upheld" in page and 'data-event="objection.decided"' in page
    with county("jiashan") as session:
        message = session.scalar(select(Message).where(Message.user_id == ranked["people"][3].id,
                                                       Message.kind == "objection.decided"))
        assert message is not None and message.params == {"reference": reference,
                                                           "outcome": "经人社局复核，社保年限已按规定计入"}
        assert reference in message.body and "经人社局复核" in message.body
    messages = client.get("/jiashan/me/messages").get_data(as_text=True)
    assert 'data-kind="objection.decided"' in messages and "Objection decided" in messages


def test_a_resubmitted_supplement_no_longer_shows_the_old_reason(applicant_with_points, client_as, county):
    from jifen.county.context import current_county
    from jifen.points import review

    from jifen.models import Application, User

    person = applicant_with_points("jiashan")
    client = client_as(person)
    client.get("/jiashan/?lang=en")
    with county("jiashan") as session:  # a re-check sends the item back: a department asks for more
        item = session.get(DeclaredItem, (session.scalar(select(User.tenant_id).where(User.id == person.id)),
                                          person.item_ids[0]))
        item.status = "pending"
        application = session.scalar(select(Application).where(Application.user_id == person.id))
        application.status = "submitted"
        review.decide(session, current_county(session).hooks, item, "supplement_requested", "请补充毕业证书原件扫描件",
                      reviewer_actor="test:reviewer")
        session.commit()
    page = client.get("/jiashan/me/").get_data(as_text=True)
    assert "请补充毕业证书原件扫描件" in page and "data-current-reason" in page
    assert client.submit(f"/jiashan/me/items/{person.item_ids[0]}/supplement", {"note": "已上传原件"},
                         form_page=f"/jiashan/me/items/{person.item_ids[0]}").status_code == 302
    page = client.get("/jiashan/me/").get_data(as_text=True)
    assert "请补充毕业证书原件扫描件" not in visible(page).split("What happened")[0]  # not as a current request
    item_page = client.get(f"/jiashan/me/items/{person.item_ids[0]}").get_data(as_text=True)
    assert "data-current-reason" not in item_page
    with county("jiashan") as session:
        item = session.scalar(select(DeclaredItem).where(DeclaredItem.id == person.item_ids[0]))
        review.decide(session, current_county(session).hooks, item, "supplement_requested", "证书需加盖公章",
                      reviewer_actor="test:reviewer")
        session.commit()
    page = client.get("/jiashan/me/").get_data(as_text=True)
    current = visible(page).split("What happened")[0]
    assert "证书需加盖公章" in current and "请补充毕业证书原件扫描件" not in current


def test_a_too_large_upload_returns_to_its_item_with_a_message(client_as, app, county):
    client = client_as("jiashan")
    response = client.submit("/jiashan/me/items/new/education",
                             {"level": "bachelor", "institution": "浙江大学", "graduated_on": "2012-06-30"})
    item_id = int(response.location.rstrip("/").split("/")[-1])
    client.get("/jiashan/?lang=en")
    token = client.csrf_token(f"/jiashan/me/items/{item_id}")
    app.config["MAX_CONTENT_LENGTH"] = 2048
    big = client.post(f"/jiashan/me/items/{item_id}/evidence",
                      data={"csrf_token": token, "file": (io.BytesIO(b"%PDF-1.4\n" + b"0" * 8192), "big.pdf")},
                      content_type="multipart/form-data")
    assert big.status_code == 303 and big.location.endswith(f"/jiashan/me/items/{item_id}")
    page = client.get(big.location).get_data(as_text=True)
    assert "The file is too large" in page and 'value="浙江大学"' in page  # the declaration is kept
    with county("jiashan") as session:
        from jifen.models import EvidenceFile

        assert session.scalar(select(EvidenceFile).where(EvidenceFile.item_id == item_id)) is None
