"""Every form of the URL map, fuzzed: hostile values in any field never make a server error.

For every rule that accepts POST the test takes a person whose role the view allows, finds the form
that posts to the rule on the pages that person can open (the URL map's GET rules, their arguments
filled with the objects of a county where every kind of object exists), and posts each field of that
form, one at a time, with each value of :data:`HOSTILE` and the CSRF token of the page, so that the
request reaches the view. Fields the view reads from ``request.form`` without the page showing them
are fuzzed too, and so are the string arguments of the form's URL (the county's, ``<key>``,
``<name>``...). The API's JSON operations get the hostile values in each leaf of a body made from
their marshmallow schema, as strings and, for the numbers, as bare JSON numbers.

No answer may be a 5xx, and a 400 must say what is wrong (an error message on the page, or the API's
``error.message``). Each request meets the county as it was built (:class:`RolledBack`), so a value
accepted in one field does not change what the next request meets.

The walk is data-driven: a new POST route is fuzzed without a change here; its test fails until its
form is found on some page, or the route is listed in :data:`UNFUZZABLE` with the reason.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import random
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from html.parser import HTMLParser
from itertools import product
from pathlib import Path
from urllib.parse import urlsplit

import marshmallow as ma
import pytest
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import AnyConverter, PathConverter

SLUG = "jiashan"
MISSING_ID = 2**63 - 1  # the largest id the URL map accepts; no object has it
FUZZ_DAY = date(2027, 4, 20)
PDF = b"%PDF-1.4\n% jifen fuzz evidence\n"

HOSTILE = {
    "nul": "ab\x00cd",
    "huge_text": "x" * 100_000,
    "huge_negative": "-99999999999999999999",
    "huge_positive": "99999999999999999999",
    "minus_one": "-1",
    "not_a_number": "abc",
    "empty": "",
    "float_overflow": "1e309",
    "arabic_indic_digit": "\u0663",  # ٣: a digit to str.isdigit() and int(), not to a database
}
NUMBERS = ("huge_negative", "huge_positive", "minus_one", "float_overflow")  # also sent as bare JSON numbers
# Refused for every page before any view runs (jifen.http.input_checks): sent to every field of a route's
# first form, not again to the other forms of the route (each score item's own form...).
REFUSED_BEFORE_VIEWS = ("nul", "huge_negative", "huge_positive")

# POST rules the walk cannot fuzz, each with the reason. Keep it short: nobody checks a route listed here.
UNFUZZABLE: dict[str, str] = {
    **{f"plugin_pages.{area}": "dispatches to the pages of a plugin the county enables; no plugin of the fuzz's county "
       "has pages, and tests/plugin/test_pages.py posts through it" for area in ("public", "applicant", "reviewer",
                                                                                 "admin")},
    "admin.rescore_preview": "its form is shown only after a plugin that scored confirmed points was upgraded; "
                             "tests/plugin/test_settings_versions.py posts it",
    "complaints.case": "a case's page shows its reopen form to the case's filer only, who is no visitor; "
                       "tests/complaints/test_complaints.py posts hostile values to it",
}

# Forms shown only on the answer to another form: the walk posts that form first (see second_step).
SECOND_STEPS = {
    "exchange.apply_import": "the apply form is on the dry run's page: upload the pending item's decision as CSV",
    "admin.save_previewed": "the save form is on a preview's page: preview the education points table as it is",
    "program_scores.apply_scores": "the apply form is on the dry run's page: upload the recruitment candidate's "
                                   "exam score as CSV",
    "exchange.apply_onboarding": "the apply form is on the dry run's page: upload a workbook of one registrant",
}

# Where the first person allowed is refused before the fields are read, who goes first instead.
FIRST_PERSON = {"programs.apply": "rechecking"}  # applying needs confirmed points, which a draft has not


def _id_number(first17: str) -> str:
    from jifen.identity.national_id import check_digit

    return first17 + check_digit(first17)


def _onboarding_xlsx() -> bytes:
    """A county's existing records: one registrant on the registrants sheet (docs/onboarding.md)."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "登记人"
    book.active.append(["身份证号码", "姓名", "手机号码"])
    book.active.append([_id_number("11010119850101823"), "孙立平", "13987654321"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# What a person would type into a form that a page shows empty, so that in each request the fuzzed field
# is the one wrong value and the others pass the view's checks: endpoint -> (world, URL values) -> fields.
# A route not listed here is fuzzed with the values its page shows.
FILLED_IN = {
    "auth.register": lambda w, a: {"real_name": "钱多多", "id_number": _id_number("11010119900307447"),
                                   "mobile": "13912345678", "password": "Strong-pass-2027-x",
                                   "confirm": "Strong-pass-2027-x"},
    "auth.login": lambda w, a: {"mobile": w.users["second"].mobile, "password": w.users["second"].password},
    "platform.login": lambda w, a: {"username": "fuzzer", "password": "Fuzz-pass-2026-x"},
    "auth.change_password": lambda w, a: {"current_password": w.users["ranked"].password,
                                          "new_password": "Newer-pass-2027-x", "confirm": "Newer-pass-2027-x"},
    "admin_tokens.index": lambda w, a: {"name": "人社局系统", "scopes": ["verifications:read"],
                                        "department": "education"},
    "admin_programs.new_round": lambda w, a: {"name": "2027 第三批", "opens_on": "2027-06-01",
                                              "closes_on": "2027-06-30", "quota": "1"},
    "admin_programs.decide_objection": lambda w, a: {"decision": "dismissed", "outcome": "已复核，名次无误"},
    "admin_programs.publish": lambda w, a: {"confirm": "y"},
    "admin_programs.make_offers": lambda w, a: {"confirm": "y"},
    "admin_programs.change_window": lambda w, a: {"reason": "系统维护，延长受理"},
    "admin_programs.change_period": lambda w, a: {"reason": "系统故障，顺延公示", "confirm": "y"},
    "applicant.new_item": lambda w, a: w.form_samples.get(a.get("key"), {}),
    "applicant.family_page": lambda w, a: {"relation": "child", "real_name": "小红",
                                           "id_number": _id_number("33040220170601001")},
    "applicant.recheck": lambda w, a: {"reason": "学历分数有误"},
    "applicant.supplement": lambda w, a: {"note": "已补充学位证书"},
    "review.item": lambda w, a: {"decision": "supplement_requested", "reason": "请补充学位证书"},
    "programs.apply": lambda w, a: {"hukou_transfer": {"town": "魏塘街道"}}.get(a.get("key"), {}),
    "programs.object_to": lambda w, a: {"reason": "名次有误"},
    "programs.answer_offer": lambda w, a: {"reason": "已有住处", "confirm": "y"} if a.get("answer") == "decline"
    else {"confirm": "y"},
    "programs.withdraw": lambda w, a: {"confirm": "y"},
    "committee.decide": lambda w, a: {"decision": "set_aside", "reason": "事迹与核实情况不符"},
    "exchange.import_verifications": lambda w, a: {"file": ("file", w.import_csv, "queue.csv"),
                                                   "department": "education"},
    "program_scores.import_scores": lambda w, a: {"file": ("file", w.scores_csv, "scores.csv")},
    "exchange.import_onboarding": lambda w, a: {"file": ("file", _onboarding_xlsx(), "county.xlsx")},
    "admin_surveys.index": lambda w, a: {"title_zh": "新居民需求调查"},
    "admin_surveys.add_question": lambda w, a: {"kind": "single", "text_zh": "您最需要哪项服务？",
                                                "options_zh": "子女入学\n公租房"},
    "admin_surveys.publish": lambda w, a: {"confirm": "y"},
    "admin_surveys.close": lambda w, a: {"confirm": "y"},
    "findings.register": lambda w, a: {"reference": w.reference, "reason": "伪造学历证书"},
    "findings.item_finding": lambda w, a: {"reason": "伪造学历证书"},
    "findings.withdraw": lambda w, a: {"reason": "复核后证书属实"},
    "complaints.new": lambda w, a: {"kind": "question", "about": "county", "body": "积分怎么查询？",
                                    "mobile": "13900001111", "code": "123456"},
    "complaints.follow": lambda w, a: {"reference": "JS-2027-000001", "mobile": "13900001111", "code": "123456"},
    "complaint_answers.answer": lambda w, a: {"answer": "请登录后查看积分明细。", "visibility": "public"},
    "complaint_answers.move": lambda w, a: {"move-department": "health"},
}

# Server errors found whose fix belongs to code another change is rewriting now:
# (endpoint, field, hostile value, databases where it fails) -> what fails and where the fix goes.
# Each runs as a strict xfail of test_a_known_server_error_still_fails and is left out of the walk.
KNOWN_SERVER_ERRORS: dict[tuple[str, str, str, tuple[str, ...]], str] = {}


# --- the URL map, read when the tests are collected -------------------------------------------------


def _app_for_the_url_map():
    """An application made only to read its URL map and views, when the tests are collected (it opens no
    database; its instance folder is a temporary one)."""
    from jifen.app import create_app

    with tempfile.TemporaryDirectory() as folder:
        before = os.environ.get("JIFEN_INSTANCE_PATH")
        os.environ["JIFEN_INSTANCE_PATH"] = folder
        try:
            app = create_app({"JIFEN_ENV": "testing", "SECRET_KEY": "url-map",
                              "DATABASE_URL": f"sqlite:///{folder}/unused.db"})
            app.extensions["jifen.db"].dispose()
            return app
        finally:
            if before is None:
                os.environ.pop("JIFEN_INSTANCE_PATH", None)
            else:
                os.environ["JIFEN_INSTANCE_PATH"] = before


def post_endpoints(app) -> set[str]:
    return {r.endpoint for r in app.url_map.iter_rules() if "POST" in r.methods}


def api_operation(app, endpoint: str):
    return getattr(app.view_functions[endpoint], "jifen_api", None)


COLLECTED = _app_for_the_url_map()
POST_ENDPOINTS = sorted(post_endpoints(COLLECTED))
FUZZED = [e for e in POST_ENDPOINTS if e not in UNFUZZABLE]


# --- forms on a page --------------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # text, hidden, password, checkbox, radio, select, textarea, file, button
    value: str = ""
    checked: bool = False
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    page: str
    action: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)

    def names(self) -> list[str]:
        return list(dict.fromkeys(f.name for f in self.fields))

    def kind_of(self, name: str) -> str:
        return next((f.kind for f in self.fields if f.name == name), "text")

    def baseline(self, filled: dict | None = None) -> list[tuple[str, object]]:
        """What a browser sends for the form as the page shows it (a file: a small PDF), with the fields
        of ``filled`` filled in as a person would (a list: several values, as a group of checkboxes)."""
        filled = filled or {}
        pairs = [(n, v) for n, v in self._shown() if n not in filled]
        for name, value in filled.items():
            pairs.extend((name, v) for v in (value if isinstance(value, list) else [value]))
        return pairs

    def _shown(self) -> list[tuple[str, object]]:
        pairs: list[tuple[str, object]] = []
        radios: set[str] = set()
        button = False
        for f in self.fields:
            if f.kind in ("checkbox", "radio") and (not f.checked or f.name in radios):
                continue
            if f.kind == "radio":
                radios.add(f.name)
            if f.kind == "button":
                if button:
                    continue  # the first button submits the form
                button = True
            if f.kind == "file":
                pairs.append((f.name, ("file", PDF, "evidence.pdf")))
            elif f.kind == "select":
                pairs.append((f.name, f.value or (f.options[0] if f.options else "")))
            else:
                pairs.append((f.name, f.value))
        return pairs


class FormParser(HTMLParser):
    """The POST forms of a page with their fields, as html.parser reads them."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page = page
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: Field | None = None
        self._option: tuple[str | None, bool] | None = None
        self._option_text = ""
        self._textarea: Field | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            post = a.get("method", "get").lower() == "post"
            self._form = Form(self.page, a.get("action") or self.page, "multipart" in a.get("enctype", "")) \
                if post else None
            if self._form is not None:
                self.forms.append(self._form)
            return
        name = a.get("name")
        if self._form is None or not (name or tag == "option"):
            return
        if tag == "input":
            kind = a.get("type", "text").lower()
            kind = "button" if kind in ("submit", "image") else kind
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form.fields.append(Field(name, kind, a.get("value", default), checked="checked" in a))
        elif tag == "button":
            self._form.fields.append(Field(name, "button", a.get("value", "")))
        elif tag == "select":
            self._select = Field(name, "select")
            self._form.fields.append(self._select)
        elif tag == "option" and self._select is not None:
            self._option, self._option_text = (a["value"] if "value" in a else None, "selected" in a), ""
        elif tag == "textarea":
            self._textarea = Field(name, "textarea")
            self._form.fields.append(self._textarea)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data
        if self._option is not None:
            self._option_text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected = self._option
            value = self._option_text.strip() if value is None else value
            self._select.options.append(value)
            if selected and not self._select.value:
                self._select.value = value
            self._option = None
        elif tag == "select":
            self._select = None


def forms_of(page: str, html: str) -> list[Form]:
    parser = FormParser(page)
    parser.feed(html)
    return parser.forms


def read_by_view(app, endpoint: str) -> list[str]:
    """Names the view reads from ``request.form`` itself: fields no page shows are read all the same."""
    try:
        source = inspect.getsource(inspect.unwrap(app.view_functions[endpoint]))
    except (OSError, TypeError):
        return []
    found = re.findall(r"request\.form(?:\.get|\.getlist)?[\[(]\s*[\"']([^\"']+)[\"']", source)
    return list(dict.fromkeys(found))


# --- a county where every kind of object exists -------------------------------------------------------


@dataclass
class World:
    app: object
    users: dict  # who -> TestUser
    ids: dict[str, list[int]]  # URL argument -> the county's objects of that kind, the one to post to first
    keys: list[str]  # values of <key>: the county's programs and score items
    samples: dict[str, dict]  # score item type -> a valid input
    form_samples: dict[str, dict]  # score item type -> that input as its form sends it
    token: str  # an API token of the education department with every scope
    import_csv: bytes  # the reviewer's decision on the waiting item, as a spreadsheet
    make_client: object
    clients: dict = field(default_factory=dict)
    scores_round: int = 0  # a recruitment round (a program with its own ranking score)
    scores_csv: bytes = b""  # the exam score of its candidate, as a spreadsheet
    reference: str = ""  # a program application's reference number (the fraud register finds its applicant by it)

    def client(self, who: str):
        if who not in self.clients:
            self.clients[who] = self.make_client(who)
        return self.clients[who]


# The people of the county, in the order the walk tries them, with their role.
PEOPLE = (("anonymous", None), ("drafting", "applicant"), ("supplementing", "applicant"),
          ("rechecking", "applicant"), ("ranked", "applicant"), ("reviewer", "reviewer"), ("admin", "admin"),
          ("platform", "platform"))


def people_for(app, endpoint: str) -> list[str]:
    """Who may post to ``endpoint``: the view's roles (platform administrators count as county
    administrators), anyone logged in for views without roles, visitors for public views."""
    view = app.view_functions[endpoint]
    roles = getattr(view, "jifen_roles", None)
    if roles:
        allowed = set(roles) | ({"platform"} if "admin" in roles else set())
        people = [who for who, role in PEOPLE if role in allowed]
    elif getattr(view, "jifen_public", False):
        people = ["anonymous"]
    else:
        people = [who for who, role in PEOPLE if role is not None]
    return sorted(people, key=lambda who: who != FIRST_PERSON.get(endpoint))


def _get(session, model, object_id: int):
    from jifen.county.tenancy import require_tenant

    return session.get(model, (require_tenant().id, object_id))


def _as_form(values: dict) -> dict:
    """Values as a browser sends them: a ticked box as "on", an unticked one not at all."""
    return {k: ("on" if v is True else str(v)) for k, v in values.items() if v is not False and v is not None}


@pytest.fixture
def world(app, county, make_user, client_as, applicant_with_points, on_day) -> World:
    """Jiashan on 20 April 2027: a hukou round whose offers are made (the ranked applicant holds one), a
    rental round in its objection period with an objection and a second, not current, run, an open hukou
    round, a school round with its final list and no offers yet, a kindergarten round ranked and not published, a commendation round with a nomination waiting for the committee; applicants with confirmed points (one still in time to ask a re-check), one drafting (an item,
    a child), one asked for a supplement on one item with another waiting for the education reviewer;
    a county administrator, a platform administrator and an API token; the points tables changed since the
    points were confirmed (so a rescore is offered)."""
    from jifen.county.context import current_county
    from jifen.county.switching import set_plugin_enabled
    from jifen.db.session import get_session
    from jifen.identity import accounts
    from jifen.identity import api_tokens as tokens
    from jifen import references
    from jifen.models import ApplicantProfile, ProgramApplication, ProgramRound, RankingRun, User
    from jifen.plugin import fields as item_forms
    from jifen.points import applications, evidence, family, review
    from jifen.points.rules import county_item_types
    from jifen.programs import offers, publication
    from jifen.programs import rounds as programs
    from jifen.ranking import runs as ranking

    education = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2015-07-01"}
    on_day(date(2027, 3, 1))
    ranked = applicant_with_points(SLUG, {"education": education}, real_name="陈新民")
    second = applicant_with_points(SLUG, {"education": {**education, "level": "college"}}, real_name="王芳芳")
    drafting = make_user(SLUG, real_name="李建国")
    supplementing = make_user(SLUG, real_name="赵德胜")
    barred = make_user(SLUG, real_name="周假证")
    reviewer = make_user(SLUG, role="reviewer", department="education")
    admin = make_user(SLUG, role="admin")
    with county(SLUG) as session:
        catalog = programs.programs(session)
        hukou, rental = catalog["hukou_transfer"], catalog["public_rental_housing"]
        window = {"opens_on": "2027-03-01", "closes_on": "2027-03-31", "quota": 1}
        offered_id = programs.create_round(session, hukou, {"name": "2027 第一批", **window}, actor="test").id
        objected_id = programs.create_round(session, rental, {"name": "2027 公租房", **window}, actor="test").id
        for person in (ranked, second):
            programs.apply(session, hukou, _get(session, User, person.id), {"town": "魏塘街道"})
            programs.apply(session, rental, _get(session, User, person.id),
                           {"household_income": 30000, "floor_area_per_person": 10, "household_size": 3})
        # A commendation round whose nomination waits for its committee (here the education bureau's reviewers).
        set_plugin_enabled(session, "commendation", True, actor="test", settings={
            **current_county(session).settings_of("commendation"), "committee_department": "education"})
        commendation = programs.programs(session)["commendation"]
        nominated_id = programs.create_round(session, commendation, {"name": "2027 评优推先", **window},
                                             actor="test").id
        programs.apply(session, commendation, _get(session, User, ranked.id),
                       {"employer": "嘉善某公司", "statement": "多年参加社区志愿服务，带动邻里互助。"})
        # A recruitment round whose candidate's exam score is to be imported.
        set_plugin_enabled(session, "recruitment", True, actor="test")
        recruitment = programs.programs(session)["recruitment"]
        scored_id = programs.create_round(session, recruitment, {"name": "2027 社区工作者", **window}, actor="test").id
        scored_reference = programs.apply(session, recruitment, _get(session, User, ranked.id),
                                          {"post": "社区工作者"}).reference
        session.commit()
    on_day(date(2027, 4, 6))
    with county(SLUG) as session:
        found = _get(session, ProgramRound, offered_id)
        programs.freeze_rules(session, found, actor="test")
        hukou_run = ranking.run(session, found, actor="test", seed=1).run_id
        ranking.make_current(session, _get(session, RankingRun, hukou_run), "test")
        publication.publish_provisional(session, found, hukou, actor="test")
        # Rounds without applicants whose page offers the next step: the final list, then the offers.
        listed, unpublished = (programs.create_round(session, catalog[key], {"name": name, **window}, actor="test")
                               for key, name in (("school_enrollment", "2027 秋季入学"),
                                                 ("kindergarten", "2027 秋季入园")))
        for each in (listed, unpublished):
            programs.freeze_rules(session, each, actor="test")
            ranking.make_current(session, _get(session, RankingRun, ranking.run(session, each, actor="test",
                                                                                seed=1).run_id), "test")
        publication.publish_provisional(session, listed, catalog["school_enrollment"], actor="test")
        listed_id, unpublished_id = listed.id, unpublished.id
        session.commit()
    on_day(FUZZ_DAY)
    rechecking = applicant_with_points(SLUG, {"education": education}, real_name="孙立平")
    with county(SLUG) as session:
        found = _get(session, ProgramRound, offered_id)
        publication.publish_final(session, found, actor="test")
        publication.publish_final(session, _get(session, ProgramRound, listed_id), actor="test")
        made = offers.make_offers(session, found, actor="test")
        other = _get(session, ProgramRound, objected_id)
        programs.freeze_rules(session, other, actor="test")
        rental_run = ranking.run(session, other, actor="test", seed=1).run_id
        spare_run = ranking.run(session, other, actor="test", seed=2).run_id
        ranking.make_current(session, _get(session, RankingRun, rental_run), "test")
        provisional = publication.publish_provisional(session, other, rental, actor="test")
        objection = publication.object_to(session, provisional, _get(session, User, second.id), "名次有误")
        still_open = programs.create_round(session, hukou, {"name": "2027 第二批", "opens_on": "2027-04-15",
                                                            "closes_on": "2027-05-31", "quota": 1}, actor="test")
        # the ranked applicant has applied to the open round too (its page offers to withdraw)
        session.add(ProgramApplication(round_id=still_open.id, user_id=ranked.id, sub_quota="魏塘街道",
                                       fields={"town": "魏塘街道"}, reference=references.next_reference(session)))
        types = county_item_types(session)
        me = _get(session, User, drafting.id)
        session.add(ApplicantProfile(user_id=me.id, has_residence_permit=True, works_in_county_since=date(2020, 1, 1)))
        child = family.add(session, me, relation="child", real_name="小明", id_number=_id_number("33040220150601002"))
        draft_item = applications.declare(session, applications.application_of(session, me, create=True),
                                          types["education"], education, actor="test")
        asking = _get(session, User, supplementing.id)
        session.add(ApplicantProfile(user_id=asking.id, has_residence_permit=True,
                                     works_in_county_since=date(2020, 1, 1)))
        submitted = applications.application_of(session, asking, create=True)
        asked = applications.declare(session, submitted, types["education"], education, actor="test")
        waiting = applications.declare(session, submitted, types["education"], {**education, "level": "master"},
                                       actor="test")
        record = evidence.store(session, asked, "diploma.pdf", io.BytesIO(PDF))
        evidence.store(session, waiting, "diploma.pdf", io.BytesIO(PDF))
        hooks = current_county(session).hooks
        applications.submit(session, hooks, submitted, asking)
        review.decide(session, hooks, asked, "supplement_requested", "请补充学位证书", reviewer_actor="test:reviewer")
        token = tokens.create(session, "教育局系统", ["lists:read", "verifications:read", "verifications:write"],
                              "education", actor="test")
        from jifen.points import fraud_register  # a finding of false materials: its withdraw form on the register
        finding = fraud_register.record_finding(session, hooks, _get(session, User, barred.id), "伪造学历证书",
                                       actor="test:reviewer")
        raised = current_county(session).settings_of("education")
        raised["points"] = {**raised["points"], "bachelor": "85"}  # a rule version newer than the confirmed points
        set_plugin_enabled(session, "education", True, actor="test", settings=raised)
        # Residents' surveys: a draft with one question (its page holds the editing forms), one open to answers.
        from jifen.surveys import editing as surveys

        draft_survey = surveys.create(session, title_zh="服务需求调查（草稿）", actor="test")
        surveys.add_question(session, draft_survey, kind="single", text_zh="您最需要哪项服务？",
                             options_zh="子女入学\n公租房", actor="test")
        open_survey = surveys.create(session, title_zh="新居民服务需求调查", actor="test")
        for kind, source in (("single", "given"), ("multiple", "given"), ("ranking", "programs"), ("text", "given")):
            surveys.add_question(session, open_survey, kind=kind, text_zh="请回答", options_zh="子女入学\n公租房",
                                 source=source, required=kind == "single", actor="test")
        surveys.publish(session, open_survey, actor="test")
        from jifen.complaints import filing as complaints  # a question waiting for the education department

        question = complaints.file_case(session, kind="question", about="county", body="积分怎么查询？",
                                        user=_get(session, User, second.id))
        session.commit()
        assert made, "the ranked applicant should hold an offer"
        samples = {key: t.sample(random.Random(1)) for key, t in sorted(types.items()) if t.sample}
        form_samples = {key: _as_form(item_forms.shown(samples[key], item_forms.specs(types[key].input_schema())))
                        for key in samples}
        ids = {"item_id": [waiting.id, asked.id, draft_item.id], "member_id": [child.id], "file_id": [record.id],
               "round_id": [offered_id, objected_id, still_open.id, listed_id, unpublished_id, nominated_id, scored_id],
               "run_id": [spare_run, rental_run, hukou_run],
               "offer_id": [o.id for o in made], "objection_id": [objection.id], "token_id": [token.record.id],
               "user_id": [ranked.id, drafting.id], "finding_id": [finding.id],
               "survey_id": [draft_survey.id, open_survey.id], "complaint_id": [question.id]}
        keys = sorted(catalog) + sorted(types)
    with app.app_context():
        accounts.create_platform_admin(get_session(), "fuzzer", "Fuzz-pass-2026-x")
        get_session().commit()
    users = {"ranked": ranked, "second": second, "rechecking": rechecking, "drafting": drafting,
             "supplementing": supplementing, "reviewer": reviewer, "admin": admin}

    def make_client(who: str):
        from jifen.testing.pytest_plugin import JifenClient

        if who in users:
            return client_as(users[who])
        app.test_client_class = JifenClient
        browser = app.test_client()
        if who == "platform":
            done = browser.submit("/platform/login", {"username": "fuzzer", "password": "Fuzz-pass-2026-x"})
            assert done.status_code == 302, done.status_code
        return browser

    csv = f"事项编号,审核结果,理由\n#{waiting.id},通过,\n".encode("utf-8")
    scores = f"申请编号,笔试成绩\n{scored_reference},82.5\n".encode("utf-8")
    return World(app, users, ids, keys, samples, form_samples, token.token, csv, make_client, scores_round=scored_id,
                 scores_csv=scores, reference=scored_reference)


def second_step(world: World, endpoint: str, client) -> list[tuple[str, str]]:
    """(page, HTML) of the answers that hold the form of ``endpoint`` (:data:`SECOND_STEPS`)."""
    if endpoint == "exchange.apply_import":
        page = f"/{SLUG}/review/import"
        answer = client.submit(page, {"file": (io.BytesIO(world.import_csv), "queue.csv")},
                               content_type="multipart/form-data")
        assert answer.status_code == 200, answer.status_code
        return [(page, answer.get_data(as_text=True))]
    if endpoint == "exchange.apply_onboarding":
        page = f"/{SLUG}/admin/onboarding"
        started = client.submit(page, {"file": (io.BytesIO(_onboarding_xlsx()), "county.xlsx")},
                                content_type="multipart/form-data")
        assert started.status_code == 303, started.status_code  # the check runs as a job; its page follows it
        answer = client.get(started.location)
        assert answer.status_code == 200, answer.status_code
        return [(page, answer.get_data(as_text=True))]
    if endpoint == "program_scores.apply_scores":
        page = f"/{SLUG}/admin/rounds/{world.scores_round}/scores"
        answer = client.submit(page, {"file": (io.BytesIO(world.scores_csv), "scores.csv")},
                               content_type="multipart/form-data")
        assert answer.status_code == 200, answer.status_code
        return [(page, answer.get_data(as_text=True))]
    if endpoint == "admin.save_previewed":
        page = f"/{SLUG}/admin/rules/education"
        html = client.get(page).get_data(as_text=True)
        fields = dict(re.findall(r'<input[^>]*name="(points\.[a-z_]+)"[^>]*value="([^"]*)"', html))
        answer = client.submit(page, fields, follow_redirects=True)
        assert answer.status_code == 200, answer.status_code
        return [(answer.request.path, answer.get_data(as_text=True))]
    raise AssertionError(f"SECOND_STEPS lists {endpoint}, but second_step does not know how to get there")


# --- walking the pages --------------------------------------------------------------------------------


def url(app, endpoint: str, **values) -> str:
    from flask import url_for

    with app.test_request_context():
        return url_for(endpoint, **values)


def endpoint_of(app, target: str, method: str = "POST") -> tuple[str | None, dict]:
    try:
        return app.url_map.bind("localhost").match(urlsplit(target).path, method=method)
    except (NotFound, MethodNotAllowed):
        return None, {}


def _fillings(rule, world: World) -> list[dict]:
    """Every filling of ``rule``'s arguments with the county's objects (none for files and downloads)."""
    choices = []
    for name in rule.arguments:
        converter = rule._converters.get(name)
        if name == "tenant":
            options = [SLUG]
        elif name in world.ids:
            options = world.ids[name]
        elif name.endswith("_id"):
            options = [MISSING_ID]
        elif isinstance(converter, AnyConverter):
            options = sorted(converter.items)
        elif name == "key" and not isinstance(converter, PathConverter):
            options = world.keys
        else:
            return []  # a file's path (static, theme): no forms there
        choices.append([(name, value) for value in options])
    return [dict(combo) for combo in product(*choices)]


def _page_rules(app, endpoint: str) -> list:
    """The GET rules of pages: the view's own first, then its blueprint's, then the others."""
    blueprint = endpoint.rpartition(".")[0]
    rules = [r for r in app.url_map.iter_rules()
             if "GET" in r.methods and r.endpoint != "static" and not api_operation(app, r.endpoint)]
    return sorted(rules, key=lambda r: (r.endpoint != endpoint, r.endpoint.rpartition(".")[0] != blueprint, r.rule))


VARIANTS = 2  # forms with the same fields but other URL values are fuzzed this often (accept and decline)


def find_forms(world: World, endpoint: str) -> tuple[str, list[Form]]:
    """The first person allowed to post to ``endpoint`` who is shown a form for it, and the forms for it
    on the first page rule showing one: one per set of fields (each score item's, each program's...)."""
    app = world.app
    people = people_for(app, endpoint)
    if endpoint in SECOND_STEPS:
        for who in people:
            for page, html in second_step(world, endpoint, world.client(who)):
                forms = [f for f in forms_of(page, html) if endpoint_of(app, f.action)[0] == endpoint]
                if forms:
                    return who, forms[:1]
    for rule in _page_rules(app, endpoint):
        fillings = _fillings(rule, world)
        for who in people if fillings else ():
            client = world.client(who)
            found: dict[tuple, list[Form]] = {}
            for values in fillings:
                page = url(app, rule.endpoint, **values)
                response = client.get(page)
                if response.status_code != 200 or response.mimetype != "text/html":
                    continue
                for form in forms_of(page, response.get_data(as_text=True)):
                    action, args = endpoint_of(app, form.action)
                    if action != endpoint:
                        continue
                    variants = found.setdefault(tuple(form.names()), [])
                    others = {tuple(sorted(endpoint_of(app, f.action)[1].items())) for f in variants}
                    if len(variants) < VARIANTS and tuple(sorted(args.items())) not in others:
                        variants.append(form)
            if found:
                return who, [form for variants in found.values() for form in variants]
    raise AssertionError(f"no page that {people} can open shows a form posting to {endpoint}: teach the walk "
                         "how to get there (the world fixture, SECOND_STEPS) or list it in UNFUZZABLE with the reason")


# --- each request meets the same county -----------------------------------------------------------------


class RolledBack:
    """Requests whose work is undone after each one. The app's sessions join one connection's transaction
    in savepoints; every request runs in a savepoint of its own that is rolled back afterwards, and the
    county's stored files (evidence, checked imports) are put back as they were. So a hostile value that
    is accepted (a round named "-1", an import applied) does not change what the next request meets."""

    def __init__(self, app) -> None:
        self.db = app.extensions["jifen.db"]
        self.files_root = Path(app.config["JIFEN_EVIDENCE_DIR"])

    def __enter__(self) -> RolledBack:
        self.files = {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in self._files()}
        self.connection = self.db.engine.connect()
        self.outer = self.connection.begin()
        self.saved = dict(self.db.sessionmaker.kw)
        self.db.sessionmaker.configure(bind=self.connection, join_transaction_mode="create_savepoint")
        return self

    def send(self, client, target: str, label: str, **kwargs) -> Outcome:
        savepoint = self.connection.begin_nested()
        try:
            return send(client, target, label, **kwargs)
        finally:
            if savepoint.is_active:
                savepoint.rollback()
            self._restore_files()

    def __exit__(self, *exc_info) -> None:
        self.db.sessionmaker.kw.clear()
        self.db.sessionmaker.kw.update(self.saved)
        self.outer.rollback()
        self.connection.close()

    def _files(self) -> set[Path]:
        return {p for p in self.files_root.rglob("*") if p.is_file()} if self.files_root.exists() else set()

    def _restore_files(self) -> None:
        for path in self._files() - set(self.files):
            path.unlink()
        for path, (data, mtime) in self.files.items():
            if not path.exists():
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                os.utime(path, ns=(mtime, mtime))  # the folder store dates a file by its time


# --- posting and judging the answer ----------------------------------------------------------------------


@dataclass
class Outcome:
    request: str
    status: int
    problem: str | None
    where: str = ""  # the field, <argument> or body path that held the hostile value
    value_name: str = ""


_MESSAGE = re.compile(r'class="(?:error|error-message|flash flash-error)"[^>]*>\s*[^<\s]')


def says_what_is_wrong(response) -> bool:
    if response.mimetype == "application/json":
        body = response.get_json(silent=True) or {}
        return bool(str((body.get("error") or {}).get("message") or "").strip())
    return _MESSAGE.search(response.get_data(as_text=True)) is not None


def send(client, target: str, label: str, **kwargs) -> Outcome:
    try:
        response = client.post(target, follow_redirects=False, **kwargs)
    except Exception as exc:  # noqa: BLE001 - in testing, what would be a 500 reaches the test client
        return Outcome(label, 500, f"raised {type(exc).__name__}: {str(exc)[:300]}")
    problem = None
    if response.status_code >= 500:
        problem = f"answered {response.status_code}"
    elif response.status_code == 400 and not says_what_is_wrong(response):
        problem = "answered 400 without a message"
    return Outcome(label, response.status_code, problem)


def _payload(pairs: list[tuple[str, object]]) -> MultiDict:
    data: MultiDict = MultiDict()
    for name, value in pairs:
        if isinstance(value, tuple):  # ("file", content, file name)
            data.add(name, (io.BytesIO(value[1]), value[2]))
        else:
            data.add(name, value)
    return data


def form_requests(world: World, endpoint: str, form: Form, *,
                  first: bool = True) -> Iterator[tuple[str, str, str, dict]]:
    """(field, value name, URL, request keywords): each hostile value in each field of ``form`` (a file:
    as its name, then as its content) and, for the ``first`` form of an endpoint, in the CSRF token and
    in each string argument of the URL; then the form as filled in. The other forms of the endpoint do
    not get the values refused before any view."""
    app = world.app
    _endpoint, args = endpoint_of(app, form.action)
    filled = FILLED_IN[endpoint](world, args) if endpoint in FILLED_IN else {}
    baseline = form.baseline(filled)
    extra = {"content_type": "multipart/form-data"} if form.multipart else {}
    names = [n for n in dict.fromkeys(form.names() + list(filled) + read_by_view(app, endpoint))
             if first or n != "csrf_token"]
    hostile = {k: v for k, v in HOSTILE.items() if first or k not in REFUSED_BEFORE_VIEWS}
    for name in names:
        for value_name, value in hostile.items():
            if form.kind_of(name) == "file":
                variants: list[object] = [("file", PDF, value), ("file", value.encode("utf-8"), "evidence.pdf")]
            else:
                variants = [value]
            for variant in variants:
                pairs = [(n, v) for n, v in baseline if n != name] + [(name, variant)]
                yield name, value_name, form.action, {"data": _payload(pairs), **extra}
    for arg, current in args.items() if first else ():
        if isinstance(current, str):
            for value_name, value in HOSTILE.items():
                if value:  # an empty segment is another URL
                    try:
                        target = url(app, endpoint, **{**args, arg: value})
                    except ValueError:  # an any(...) segment: the map builds (and routes) no other value
                        continue
                    yield f"<{arg}>", value_name, target, {"data": _payload(baseline), **extra}
    yield "(filled in)", "none", form.action, {"data": _payload(baseline), **extra}


def _known(endpoint: str, where: str, value_name: str, kind: str) -> bool:
    return any((e, f, v) == (endpoint, where, value_name) and kind in kinds
               for e, f, v, kinds in KNOWN_SERVER_ERRORS)


def fuzz_form(world: World, endpoint: str, kind: str, only: tuple[str, str] | None = None) -> list[Outcome]:
    who, forms = find_forms(world, endpoint)
    client = world.client(who)
    outcomes = []
    with RolledBack(world.app) as county:
        for index, form in enumerate(forms):
            for name, value_name, target, kwargs in form_requests(world, endpoint, form, first=index == 0):
                wanted = (name, value_name) == only if only else not _known(endpoint, name, value_name, kind)
                if not wanted:
                    continue
                label = f"{who}: POST {target[:120]} {name}={value_name} (form on {form.page})"
                outcome = county.send(client, target, label, **kwargs)
                outcome.where, outcome.value_name = name, value_name
                outcomes.append(outcome)
    return outcomes


# --- the API's JSON bodies -------------------------------------------------------------------------------


def _json_value(schema_field: ma.fields.Field):
    if isinstance(schema_field, ma.fields.Nested):
        body = json_body(type(schema_field.schema))
        return [body] if schema_field.many else body
    if isinstance(schema_field, ma.fields.List):
        return [_json_value(schema_field.inner)]
    if isinstance(schema_field, ma.fields.Dict):
        return {}
    choices = next((v.choices for v in schema_field.validators if isinstance(v, ma.validate.OneOf)), None)
    if choices:
        return list(choices)[0]
    if isinstance(schema_field, ma.fields.Boolean):
        return True
    if isinstance(schema_field, ma.fields.Integer):
        return 1
    if isinstance(schema_field, ma.fields.Number):
        return 1.5
    if isinstance(schema_field, ma.fields.Date):
        return FUZZ_DAY.isoformat()
    return "测试"


def json_body(schema_class: type[ma.Schema]) -> dict:
    """A body the schema reads: every field with a plain value of its type (a choice: the first)."""
    return {f.data_key or name: _json_value(f) for name, f in schema_class().load_fields.items()}


def json_bodies(world: World, op) -> list[dict]:
    from jifen.api.schemas import CalculatorBody

    if op.body is CalculatorBody:  # an item's input is a free object, read by the score item's own schema
        return [{"items": [{"item_type": key, "input": sample}]} for key, sample in world.samples.items()]
    return [json_body(op.body)] if op.body is not None else [{}]


def _leaves(value, path: tuple = ()) -> Iterator[tuple]:
    if isinstance(value, dict) and value:
        for key, inner in value.items():
            yield from _leaves(inner, (*path, key))
    elif isinstance(value, list) and value:
        for index, inner in enumerate(value):
            yield from _leaves(inner, (*path, index))
    else:
        yield path


def _replaced(value, path: tuple, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = _replaced(value[path[0]], path[1:], new)
    return copy


_BARE = "\u2063bare\u2063"  # stands for a bare JSON number until the body is encoded


def json_requests(world: World, op) -> Iterator[tuple[str, str, dict]]:
    for body in json_bodies(world, op):
        for path in _leaves(body):
            where = ".".join(map(str, path)) or "(body)"
            for value_name, value in HOSTILE.items():
                yield where, value_name, {"data": json.dumps(_replaced(body, path, value)),
                                          "content_type": "application/json"}
                if value_name in NUMBERS:
                    text = json.dumps(_replaced(body, path, _BARE)).replace(json.dumps(_BARE), value)
                    yield where, f"{value_name} (number)", {"data": text, "content_type": "application/json"}


def fuzz_api(world: World, endpoint: str, kind: str) -> list[Outcome]:
    app = world.app
    op = api_operation(app, endpoint)
    rule = min((r for r in app.url_map.iter_rules() if r.endpoint == endpoint and "POST" in r.methods),
               key=lambda r: "tenant" not in r.arguments)
    target = url(app, endpoint, **{name: SLUG if name == "tenant" else (world.ids.get(name) or [MISSING_ID])[0]
                                   for name in rule.arguments})
    who, headers = {"token": ("anonymous", {"Authorization": f"Bearer {world.token}"}),
                    "session": ("ranked", {})}.get(op.auth, ("anonymous", {}))
    client = world.client(who)
    outcomes = []
    with RolledBack(app) as county:
        for where, value_name, kwargs in json_requests(world, op):
            if not _known(endpoint, where, value_name, kind):
                label = f"{op.auth}: POST {target} {where}={value_name}"
                outcomes.append(county.send(client, target, label, headers=headers, **kwargs))
    return outcomes


def _report(outcomes: list[Outcome]) -> str:
    bad = [o for o in outcomes if o.problem]
    return f"{len(bad)} of {len(outcomes)} hostile requests failed:\n" + "\n".join(
        f"{o.request}: {o.problem}" for o in bad[:40])


# --- the tests ---------------------------------------------------------------------------------------------


def test_every_post_rule_is_fuzzed_or_listed_with_its_reason(app):
    endpoints = post_endpoints(app)
    assert endpoints == set(POST_ENDPOINTS), "the URL map of the tests differs from the one collected"
    assert set(FUZZED) | set(UNFUZZABLE) == endpoints and not set(FUZZED) & set(UNFUZZABLE)
    assert set(UNFUZZABLE) <= endpoints, f"listed but no POST rule: {sorted(set(UNFUZZABLE) - endpoints)}"
    assert all(reason.strip() for reason in UNFUZZABLE.values())
    assert set(SECOND_STEPS) | set(FILLED_IN) | set(FIRST_PERSON) <= endpoints
    assert {endpoint for endpoint, *_ in KNOWN_SERVER_ERRORS} <= set(FUZZED)
    assert len(FUZZED) >= 30  # the pages' forms and the API's POST operations


def test_the_form_parser_reads_what_a_browser_sends():
    html = """<form method="get"><input name="q"></form>
    <form method="post" action="/x" enctype="multipart/form-data">
      <input type="hidden" name="csrf_token" value="t"><input name="a" value="1">
      <input type="checkbox" name="b" value="y"><input type="checkbox" name="c" value="y" checked>
      <select name="s"><option value="p">P</option><option value="q" selected>Q</option></select>
      <select name="u"><option>first</option><option>second</option></select>
      <textarea name="t">hello</textarea><input type="file" name="f"><button name="go" value="now">Go</button>
      <button name="stop" value="no">Stop</button>
    </form>"""
    (form,) = forms_of("/page", html)
    assert form.action == "/x" and form.multipart
    assert form.names() == ["csrf_token", "a", "b", "c", "s", "u", "t", "f", "go", "stop"]
    sent = dict(form.baseline())
    assert sent == {"csrf_token": "t", "a": "1", "c": "y", "s": "q", "u": "first", "t": "hello",
                    "f": ("file", PDF, "evidence.pdf"), "go": "now"}
    assert form.baseline({"b": ["1", "2"], "a": "9"})[-3:] == [("b", "1"), ("b", "2"), ("a", "9")]


def test_fields_a_view_reads_itself_are_found():
    assert "reason" in read_by_view(COLLECTED, "programs.answer_offer")
    assert {"decision", "outcome"} <= set(read_by_view(COLLECTED, "admin_programs.decide_objection"))


def test_a_400_without_words_is_caught():
    from flask import Response

    assert not says_what_is_wrong(Response("", status=400, mimetype="text/html"))
    assert not says_what_is_wrong(Response('<p class="error"></p>', status=400, mimetype="text/html"))
    assert says_what_is_wrong(Response('<p class="error" role="alert">Too long.</p>', mimetype="text/html"))
    assert not says_what_is_wrong(Response('{"error": {"message": ""}}', mimetype="application/json"))


@pytest.mark.slow
@pytest.mark.parametrize("endpoint", FUZZED)
def test_hostile_values_in_every_field_make_no_server_error(world, jifen_database, endpoint):
    kind = jifen_database.kind
    api = api_operation(world.app, endpoint)
    outcomes = (fuzz_api if api else fuzz_form)(world, endpoint, kind)
    assert len(outcomes) >= len(HOSTILE), f"{endpoint}: only {len(outcomes)} requests"
    assert not [o for o in outcomes if o.problem], _report(outcomes)
    if not api:  # what lets the other forms of a route skip these values: no view ever sees them
        assert {o.status for o in outcomes if o.value_name in REFUSED_BEFORE_VIEWS and o.where[0] != "<"} == {400}


@pytest.mark.slow
@pytest.mark.parametrize("case", [pytest.param(case, id="-".join(case[:3])) for case in KNOWN_SERVER_ERRORS]
                         or [pytest.param(None, marks=pytest.mark.skip(reason="no known server error"))])
def test_a_known_server_error_still_fails(world, jifen_database, request, case):
    endpoint, where, value_name, kinds = case
    if jifen_database.kind not in kinds:
        pytest.skip(f"fails on {', '.join(kinds)} only (the walk covers this database)")
    request.applymarker(pytest.mark.xfail(reason=KNOWN_SERVER_ERRORS[case], strict=True))
    assert not api_operation(world.app, endpoint), "known API errors: run them through fuzz_api"
    outcomes = fuzz_form(world, endpoint, jifen_database.kind, only=(where, value_name))
    assert outcomes and not [o for o in outcomes if o.problem], _report(outcomes)
