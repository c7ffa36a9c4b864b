"""Officials read words, not keys: every page of the URL map that a county administrator, a reviewer or
the platform administrator opens in a county where every kind of object exists (the fuzz's world),
in Chinese and in English, shows no internal key and, in Chinese, no English.

Text inside an element marked ``translate="no"`` is data (file names, digests, token prefixes): it is
not read for keys or English. Text inside an element whose ``lang`` is English (the link to the English
pages) is not English on a Chinese page.

What counts as a key: a text a person reads (text between tags, and the title, placeholder, alt,
aria-label and button values) that is exactly one of the platform's keys (plugin names, departments,
roles, states, stages, modes, scopes), or that holds a dotted or snake_case identifier
(``points.rescored``, ``hukou_transfer``), or a JSON object. What counts as English on a Chinese page:
a word of Latin letters that is not on :data:`LATIN_ALLOWED` (file formats, units, abbreviations
Chinese officials write in Latin letters) and not a person's data (e-mail addresses, URLs).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from test_form_fuzz import PEOPLE, _fillings, url, world  # noqa: F401 - world is a fixture



OFFICIAL_ROLES = {"admin", "reviewer", "platform"}
LATIN_ALLOWED = {"PDF", "CSV", "XLSX", "JPEG", "PNG", "UTC", "API", "SHA", "ID", "SMS", "MB", "KB", "URL",
                 "HTTP", "HTTPS", "UTF", "GB", "Bearer", "Authorization", "OpenAPI", "JSON", "Excel", "SVG"}
READ_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")
IDENTIFIER = re.compile(r"\b[a-z][a-z0-9]*(?:[._][a-z0-9]+)+\b")
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
DATA = re.compile(r"\S+@\S+|https?://\S+|/\S*|\.[a-z]{2,4}\b")  # e-mail addresses, URLs, paths, file endings


class ReadText(HTMLParser):
    """The texts a person reads on the page, each with where it was found."""

    VOID = ("br", "img", "input", "meta", "link", "hr", "source", "wbr", "col", "area")
    SKIPPED = ("script", "style", "template")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[str, str, bool]] = []  # (where, text, in an English element)
        # open elements: (tag, skipped: script or data, English)
        self._stack: list[tuple[str, bool, bool]] = []

    def _inherited(self) -> tuple[bool, bool]:
        return (self._stack[-1][1], self._stack[-1][2]) if self._stack else (False, False)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skipped, english = self._inherited()
        skipped = skipped or tag in self.SKIPPED or attributes.get("translate") == "no"
        if attributes.get("lang"):
            english = attributes["lang"].lower().startswith("en")
        if tag not in self.VOID:
            self._stack.append((tag, skipped, english))
        if skipped:
            return
        for name in READ_ATTRIBUTES:
            if attributes.get(name):
                self.texts.append((f"<{tag} {name}>", attributes[name], english))
        if tag == "input" and attributes.get("type") in ("submit", "button") and attributes.get("value"):
            self.texts.append((f"<{tag} value>", attributes["value"], english))

    def handle_endtag(self, tag):
        if any(open_tag == tag for open_tag, _s, _e in self._stack):
            while self._stack and self._stack.pop()[0] != tag:
                pass

    def handle_data(self, data):
        text = " ".join(data.split())
        skipped, english = self._inherited()
        in_textarea = any(t == "textarea" for t, _s, _e in self._stack)  # a textarea holds what was typed
        if text and not skipped and not in_textarea:
            self.texts.append((f"<{self._stack[-1][0] if self._stack else ''}>", text, english))


def known_keys(app) -> set[str]:
    from jifen.county.lookup import lookup_tenant
    from jifen.identity.api_tokens import SCOPES
    from jifen.models.application import APPLICATION_STATUSES
    from jifen.plugin.manager import catalog

    keys = set(catalog()) | set(SCOPES) | set(APPLICATION_STATUSES)
    keys |= {"admin", "reviewer", "applicant", "offered", "accepted", "declined", "expired", "provisional", "final",
             "headcount", "cutoff", "threshold", "allocated", "waitlisted", "below_threshold", "verified",
             "rejected", "declared", "queued", "running", "finished", "failed", "dismissed", "upheld", "pending"}
    with app.app_context():
        for tenant in ("jiashan", "haining"):
            keys |= set(lookup_tenant(tenant).settings.get("departments", {}))  # the county folders' departments
    return keys


def problems_of(html: str, language: str, keys: set[str]) -> list[str]:
    parser = ReadText()
    parser.feed(html)
    found = []
    for where, text, english_element in parser.texts:
        if text in keys:
            found.append(f"{where} key: {text!r}")
            continue
        plain = DATA.sub(" ", text)
        identifiers = [m for m in IDENTIFIER.findall(plain) if not re.fullmatch(r"[a-z]\.[a-z]", m)]
        if identifiers or re.search(r"\{\s*\"", text):
            found.append(f"{where} identifier: {text[:120]!r}")
            continue
        if language == "zh_Hans_CN" and not english_element:
            english = [w for w in LATIN_WORD.findall(plain) if w not in LATIN_ALLOWED]
            if english:
                found.append(f"{where} English: {text[:120]!r}")
    return found


def official_pages(app, world) -> list[tuple[str, str]]:
    """(person, URL) of every GET page an official may open, with the county's objects filled in."""
    pages = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if "GET" not in rule.methods or rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        view = app.view_functions[rule.endpoint]
        roles = set(getattr(view, "jifen_roles", None) or ())
        officials = [who for who, role in PEOPLE if role in (roles | ({"platform"} if "admin" in roles else set()))
                     and role in OFFICIAL_ROLES]
        if rule.rule == "/" or rule.endpoint.startswith("platform"):
            officials = officials or ["platform"]
        if not officials:
            continue
        for values in _fillings(rule, world):
            pages.append((officials[0], url(app, rule.endpoint, **values)))
    return pages


@pytest.mark.slow
@pytest.mark.sqlite_only
@pytest.mark.parametrize("language", ["zh_Hans_CN", "en"])
def test_official_pages_show_words_not_keys(app, world, jifen_database, language):
    keys = known_keys(app)
    seen, problems = 0, []
    for who, page in official_pages(app, world):
        client = world.client(who)
        response = client.get(page, query_string={"lang": language})
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        seen += 1
        problems += [f"{who} {page}: {p}" for p in problems_of(response.get_data(as_text=True), language, keys)]
    assert seen >= 20, f"only {seen} official pages rendered"
    assert not problems, f"{len(problems)} raw keys or untranslated texts on {seen} pages:\n" + "\n".join(
        sorted(set(problems))[:300])


@pytest.mark.parametrize("html, language, found", [
    ("<td>hukou_transfer</td>", "en", "key"),
    ("<p>已启用插件: age, awards</p>", "zh_Hans_CN", "English"),
    ("<code>{\"cap\": null}</code>", "en", "identifier"),
    ("<label>junior_high</label>", "en", "identifier"),
    ("<p title=\"points.rescored\">x</p>", "en", "identifier"),
    ("<a lang=\"en\">hukou_transfer</a>", "zh_Hans_CN", "key"),
])
def test_the_reader_finds_keys_json_and_english(html, language, found):
    problems = problems_of(html, language, {"hukou_transfer"})
    assert problems and found in problems[0], problems


@pytest.mark.parametrize("html", [
    "<a href=\"?lang=en\" lang=\"en\">English</a>",
    "<span translate=\"no\">diploma.pdf <b>b6f4d772</b></span>",
    "<script>var a = {\"b\": 1}</script>",
    "<textarea>what_was typed</textarea>",
    "<p>积分 PDF 5 MB</p>",
    "<p>Excel 工作簿（.xlsx）</p>",
])
def test_the_reader_lets_data_and_the_language_link_be(html):
    assert problems_of(html, "zh_Hans_CN", {"hukou_transfer"}) == []
