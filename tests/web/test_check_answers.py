"""Check your answers before submitting (GOV.UK): items in words with change links, the county's declaration
of truthfulness to tick, and a confirmation page with the reference number."""

from __future__ import annotations

import html as html_text
import io
import re

from sqlalchemy import select

from jifen.models import Application, DeclaredItem

PDF = b"%PDF-1.4\n% diploma\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EDUCATION = {"level": "bachelor", "institution": "浙江大学", "graduated_on": "2012-06-30"}
REFERENCE = re.compile(r"^[A-Z]{2,4}-\d{4}-\d{6}$")
LONG_NUMBER = re.compile(r"\b\d{15,}\b")


def visible_text(html: str) -> str:
    """What a person reads: the page without its tags, scripts and attributes."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return html_text.unescape(re.sub(r"<[^>]+>", " ", html))


def ready_to_submit(client, slug="jiashan"):
    client.submit(f"/{slug}/me/profile", {"works_in_county_since": "2019-03-01", "employer": "嘉善某电子厂",
                                          "town": "魏塘街道", "has_residence_permit": "y"})
    response = client.submit(f"/{slug}/me/items/new/education", EDUCATION)
    assert response.status_code == 302
    item_id = int(response.location.rstrip("/").split("/")[-1])
    token = client.csrf_token(f"/{slug}/me/items/{item_id}")
    assert client.post(f"/{slug}/me/items/{item_id}/evidence",
                       data={"csrf_token": token, "file": (io.BytesIO(PDF), "diploma.pdf")},
                       content_type="multipart/form-data").status_code == 302
    return item_id


def test_check_page_lists_items_in_words_with_change_links(client_as):
    client = client_as("jiashan")
    item_id = ready_to_submit(client)
    client.get("/jiashan/?lang=en")
    page = client.get("/jiashan/me/submit")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    text = visible_text(html)
    assert "Bachelor's degree" in text and "Level" in text and "浙江大学" in text
    assert "bachelor" not in text  # never the raw key
    assert "diploma.pdf" in text
    assert f'href="/jiashan/me/items/{item_id}" data-change="education"' in html
    assert "I declare that the information" in text and 'name="declaration"' in html
    client.get("/jiashan/?lang=zh_Hans_CN")
    zh = visible_text(client.get("/jiashan/me/submit").get_data(as_text=True))
    assert "本人承诺所填信息及所附材料真实、准确、完整" in zh and "本科" in zh


def test_submitting_without_the_declaration_is_refused_and_submits_nothing(client_as, county):
    client = client_as("jiashan")
    item_id = ready_to_submit(client)
    client.get("/jiashan/?lang=en")
    refused = client.submit("/jiashan/me/submit", {})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "Tick the box to confirm the declaration" in html and 'id="declaration-error"' in html
    assert "Bachelor&#39;s degree" in html or "Bachelor's degree" in html  # the answers are still there
    with county("jiashan") as session:
        application = session.scalar(select(Application).where(Application.user_id == client.user.id))
        assert application.status == "draft" and application.reference is None
        assert session.scalar(select(DeclaredItem.status).where(DeclaredItem.id == item_id)) == "declared"


def test_confirmation_shows_the_reference_and_no_page_shows_an_internal_id(client_as, county):
    client = client_as("jiashan")
    item_id = ready_to_submit(client)
    client.get("/jiashan/?lang=en")
    done = client.submit("/jiashan/me/submit", {"declaration": "y"})
    assert done.status_code == 302 and done.location.endswith("/jiashan/me/submitted")
    html = client.get("/jiashan/me/submitted").get_data(as_text=True)
    reference = re.search(r'data-reference="([^"]+)"', html).group(1)
    assert REFERENCE.match(reference) and "Your reference number" in html and "phone" in html
    assert "What happens next" in html
    with county("jiashan") as session:
        assert session.scalar(select(Application.reference).where(Application.user_id == client.user.id)) == reference
    for path in ("/jiashan/me/", "/jiashan/me/submitted", f"/jiashan/me/items/{item_id}", "/jiashan/me/history",
                 "/jiashan/me/messages", "/jiashan/me/profile", "/jiashan/me/family"):
        text = visible_text(client.get(path).get_data(as_text=True))
        assert not LONG_NUMBER.search(text), (path, LONG_NUMBER.search(text).group(0))
    status = client.get("/jiashan/me/").get_data(as_text=True)
    assert f'data-reference="{reference}"' in status
    assert reference in client.get("/jiashan/me/messages").get_data(as_text=True)  # the message names it
    zh = client.get("/jiashan/me/submitted?lang=zh_Hans_CN").get_data(as_text=True)
    assert reference in zh


def test_a_county_may_word_its_own_declaration(client_as, county, monkeypatch):
    from jifen.web import applicant

    client = client_as("jiashan")
    ready_to_submit(client)
    original = applicant.require_tenant

    def with_declaration():
        tenant = original()
        settings = dict(tenant.settings or {})
        settings["points"] = dict(settings.get("points") or {}, declaration_zh="本县自定承诺文字。")
        from dataclasses import replace

        return replace(tenant, settings=settings)

    monkeypatch.setattr(applicant, "require_tenant", with_declaration)
    assert "本县自定承诺文字。" in client.get("/jiashan/me/submit?lang=zh_Hans_CN").get_data(as_text=True)
