"""An applicant finishes on a phone, in Chinese: every message of an applicant's form in one language, the
page's own, with a summary linking to each field; the first visit in the browser's language.

Each applicant-facing form (registration, login, profile, family, each score item's declaration, the
calculator, each program's application) gets bad values of every kind (empty, letters, a negative number,
a huge number, a long text) on a Chinese page and on an English one. No message may hold the other
language (the values typed and people's names excepted), and a page with messages about fields has the
error summary, role=alert, whose links lead to ids on the page.
"""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from html.parser import HTMLParser

import pytest

SLUG = "jiashan"
ZH, EN = "zh_Hans_CN", "en"
BAD_VALUES = ("", "abc", "-5", "99999999", "x" * 300, "1800, abc")
HAN = re.compile(r"[\u3400-\u9fff]")
WORD = re.compile(r"[A-Za-z]{2,}")
# Units, acronyms and formats that a Chinese sentence may hold.
ALLOWED_IN_ZH = {"PDF", "JPEG", "JPG", "PNG", "MB", "KB", "ID", "SHA", "CNY", "SMS"}
# Pages whose summary needs a change in a template owned elsewhere: the page -> what to change.
SUMMARY_GAPS = {
    f"/{SLUG}/me/profile": "applicant/profile.html draws form_errors(form) only: form_errors(form, contact) puts the "
                           "messages form's errors (the e-mail address) in the same summary",
}
TYPED = tuple(sorted({v for v in BAD_VALUES if v} | {"zzz", "name@example.com"}, key=len, reverse=True))


class _Forms(HTMLParser):
    """The POST forms (or the GET form of the calculator) of a page: action and field names with their kind."""

    def __init__(self, method: str) -> None:
        super().__init__(convert_charrefs=True)
        self.method, self.forms, self._form = method, [], None

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self._form = {"action": a.get("action", ""), "fields": {}} \
                if a.get("method", "get").lower() == self.method else None
            if self._form is not None:
                self.forms.append(self._form)
        elif self._form is not None and tag in ("input", "select", "textarea") and a.get("name"):
            kind = a.get("type", "text") if tag == "input" else tag
            self._form["fields"].setdefault(a["name"], (kind, a.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None


def forms_on(html: str, method: str = "post") -> list[dict]:
    parser = _Forms(method)
    parser.feed(html)
    return parser.forms


def _text(fragment: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def messages_of(html: str) -> list[str]:
    """What the page says is wrong: field errors, the summary's entries, error flashes."""
    found = re.findall(r'<p class="error"[^>]*>(.*?)</p>', html, re.S)
    found += re.findall(r'<p class="flash flash-error"[^>]*>(.*?)</p>', html, re.S)
    for box in re.findall(r'<div class="error-summary".*?</div>', html, re.S):
        found += re.findall(r"<li>(.*?)</li>", box, re.S)
    return [t for t in (_text(f) for f in found) if t]


def _without_data(message: str, data: tuple[str, ...]) -> str:
    for value in TYPED + data:
        message = message.replace(value, " ")
    return message


def wrong_language(message: str, locale: str, data: tuple[str, ...] = ()) -> bool:
    text = _without_data(message, data)
    if locale == ZH:
        english = [w for w in WORD.findall(text) if w not in ALLOWED_IN_ZH]
        return bool(english) or not HAN.search(text)
    return bool(HAN.search(text))


def check_summary(html: str) -> list[str]:
    """Problems with the error summary of a page that has messages about fields."""
    field_errors = re.findall(r'<div class="field[^"]*has-error|<fieldset class="calc-item has-error', html)
    if not field_errors:
        return []
    box = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S)
    if box is None:
        return ["field errors without an error summary"]
    problems = []
    links = re.findall(r'<a href="#([^"]+)"', box.group(1))
    if not links:
        problems.append("an error summary without links to the fields")
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    problems += [f"the summary links to #{target}, which is not on the page" for target in links
                 if unescape(target) not in ids]
    return problems


def _filled(fields: dict, value: str) -> dict:
    data = {}
    for name, (kind, shown) in fields.items():
        if name == "csrf_token" or kind in ("hidden", "submit", "checkbox", "radio", "file"):
            if kind == "hidden" and name != "csrf_token":
                data[name] = shown
            continue
        data[name] = "zzz" if (kind == "select" and value == "abc") else value
    return data


@pytest.fixture
def applicant_world(app, client, client_as, applicant_with_points, open_round, county, make_user, on_day):
    """Clients in Jiashan: a visitor, an applicant drafting (no item yet), and an applicant with confirmed
    points and a child, with a round open for every program (sub-quotas where the program has them)."""
    from jifen.county.context import current_county
    from jifen.models import User
    from jifen.points import family
    from jifen.county.tenancy import require_tenant

    on_day(date(2027, 4, 20))
    ranked = applicant_with_points(SLUG, {"education": {"level": "bachelor", "institution": "嘉兴学院",
                                                        "graduated_on": "2015-07-01"}}, real_name="陈新民")
    with county(SLUG) as session:
        me = session.get(User, (require_tenant().id, ranked.id))
        family.add(session, me, relation="child", real_name="小明", id_number=_id("33040220150601002"))
        session.commit()
        programs = {key: p.sub_quota_by for key, p in current_county(session).programs_by_key.items()}
    for key, sub in programs.items():
        open_round(SLUG, key, quota=2 if sub else 1, sub_quotas={"甲": 1, "乙": 1} if sub else None)
    return {"visitor": client, "drafting": client_as(make_user(SLUG, real_name="李建国")),
            "ranked": client_as(ranked), "programs": sorted(programs)}


def _id(first17: str) -> str:
    from jifen.identity.national_id import check_digit

    return first17 + check_digit(first17)


def _post_forms(client, page: str) -> list[tuple[str, str, int, str]]:
    """Each bad value in every field of the page's POST forms (one form per action): (what, value, status, HTML)."""
    html = client.get(page).get_data(as_text=True)
    answers = []
    seen = set()
    for form in forms_on(html):
        action = form["action"] or page
        if action in seen or "/delete" in action or "/remove" in action or "/logout" in action:
            continue
        seen.add(action)
        for value in BAD_VALUES:
            data = _filled(form["fields"], value)
            response = client.submit(action, data, form_page=page)
            answers.append((f"POST {action} ({page})", value, response.status_code, response.get_data(as_text=True)))
    return answers


def _calculator(client, types) -> list[tuple[str, str, int, str]]:
    answers = []
    html = client.get(f"/{SLUG}/calculator").get_data(as_text=True)
    (form,) = forms_on(html, "get")
    for value in BAD_VALUES:
        query = _filled(form["fields"], value)
        response = client.get(f"/{SLUG}/calculator", query_string=query)
        answers.append(("GET calculator", value, response.status_code, response.get_data(as_text=True)))
    return answers


def _walk(world, locale: str) -> list[tuple[str, str, int, str]]:
    for who in ("visitor", "drafting", "ranked"):
        world[who].get(f"/{SLUG}/?lang={locale}")
    visitor, drafting, ranked = world["visitor"], world["drafting"], world["ranked"]
    answers = _post_forms(visitor, f"/{SLUG}/register") + _post_forms(visitor, f"/{SLUG}/login")
    answers += _post_forms(drafting, f"/{SLUG}/me/profile") + _post_forms(drafting, f"/{SLUG}/me/family")
    html = drafting.get(f"/{SLUG}/me/").get_data(as_text=True)
    keys = sorted(set(re.findall(rf"/{SLUG}/me/items/new/([a-z_]+)", html)))
    assert keys, "the dashboard links to no score item's form"
    for key in keys:
        answers += _post_forms(drafting, f"/{SLUG}/me/items/new/{key}")
    answers += _calculator(visitor, keys)
    for key in world["programs"]:
        answers += [a for a in _post_forms(ranked, f"/{SLUG}/programs/{key}") if "/apply" in a[0]]
    return answers


@pytest.mark.parametrize("locale", [ZH, EN])
def test_every_applicant_form_speaks_one_language_with_a_summary(applicant_world, locale):
    answers = _walk(applicant_world, locale)
    pages = {what.split(" (")[0] for what, *_ in answers}
    assert len(pages) >= 10, pages
    wrong, summaries, said = [], [], 0
    names = ("陈新民", "李建国", "小明", "甲", "乙")
    for what, value, status, html in answers:
        assert status < 500, (what, value)
        found = messages_of(html)
        said += len(found)
        wrong += [f"{what} value={value[:12]!r}: {m}" for m in found if wrong_language(m, locale, names)]
        if not any(f"({page})" in what for page in SUMMARY_GAPS):
            summaries += [f"{what} value={value[:12]!r}: {p}" for p in check_summary(html)]
    assert said > 50
    assert not wrong, f"{len(wrong)} messages in the wrong language or mixed:\n" + "\n".join(sorted(set(wrong))[:60])
    assert not summaries, "\n".join(sorted(set(summaries))[:30])


def test_the_language_check_catches_mixed_and_half_translated_messages():
    assert wrong_language("子女须先登记为家庭成员 / Declare the child in your family first.", ZH)
    assert wrong_language("子女须先登记为家庭成员 / Declare the child in your family first.", EN)
    assert wrong_language("请选择本批次公布的 school 之一。", ZH)
    assert wrong_language("Must be greater than or equal to 1980.", ZH)
    assert not wrong_language("文件须为 PDF，不超过 5 MB。", ZH)
    assert not wrong_language("“小明” is not a child declared in your family.", EN, ("小明",))


def test_the_summary_lists_each_field_error_as_a_link_on_the_registration_page(client):
    client.get(f"/{SLUG}/?lang={EN}")
    html = client.submit(f"/{SLUG}/register", {"real_name": "", "id_number": "123", "mobile": "1",
                                               "password": "x", "confirm": "y"}).get_data(as_text=True)
    box = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S).group(1)
    assert {"real_name", "id_number", "mobile", "password", "confirm"} <= set(re.findall(r'href="#([^"]+)"', box))
    assert "National ID number: " in _text(box)
    assert not check_summary(html)


def test_a_formatted_marshmallow_message_is_translated_from_its_template(app):
    from jifen.plugin.fields import translate_errors

    messages = {"year": ["Must be greater than or equal to 1980 and less than or equal to 2100."],
                "endorsed_years": {0: ["Must be greater than or equal to 1980."], 2: ["Not a valid integer."]},
                "level": ["Must be one of: bachelor, master."], "name": ["Shorter than minimum length 2."]}
    with app.test_request_context(f"/{SLUG}/?lang={ZH}"):
        from flask import session

        session["lang"] = ZH
        zh = translate_errors(messages)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        en = translate_errors(messages)
    assert zh["year"] == ["须在 1980 到 2100 之间。"]
    assert zh["endorsed_years"] == ["不能小于 1980。", "请输入整数。"]
    assert "bachelor" not in zh["level"][0] and HAN.search(zh["level"][0])
    assert en["level"] == ["Choose one of the options offered."]
    assert en["year"] == messages["year"]


# --- the first visit in the browser's language --------------------------------------------------------------


def _lang_of(response) -> str:
    return re.search(r'<html[^>]*\slang="([^"]+)"', response.get_data(as_text=True)).group(1)


@pytest.mark.parametrize("header, expected", [
    ("en-US,en;q=0.9", "en"), ("en", "en"), ("zh-CN,zh;q=0.9,en;q=0.8", "zh-CN"), ("zh-TW", "zh-CN"),
    ("fr-FR,fr;q=0.9", "zh-CN"), ("fr-FR,en;q=0.5", "en"), ("", "zh-CN"), (None, "zh-CN"), ("*", "zh-CN"),
])
def test_the_first_visit_follows_the_browser_and_chinese_when_unsure(client, header, expected):
    headers = {"Accept-Language": header} if header is not None else {}
    response = client.get(f"/{SLUG}/", headers=headers)
    assert response.status_code == 200 and _lang_of(response) == expected
    assert "Accept-Language" in response.headers.get("Vary", "")


def test_an_explicit_choice_wins_over_the_browser_and_is_kept(client):
    english = {"Accept-Language": "en-US,en;q=0.9"}
    assert _lang_of(client.get(f"/{SLUG}/?lang=zh_Hans_CN", headers=english)) == "zh-CN"
    assert _lang_of(client.get(f"/{SLUG}/calculator", headers=english)) == "zh-CN"  # kept in the session
    assert _lang_of(client.get(f"/{SLUG}/?lang=en", headers={"Accept-Language": "zh-CN"})) == "en"
    assert _lang_of(client.get(f"/{SLUG}/login", headers={"Accept-Language": "zh-CN"})) == "en"
    assert _lang_of(client.get(f"/{SLUG}/?lang=xx", headers={"Accept-Language": "zh-CN"})) == "en"  # unknown: ignored
