"""Commendation (评优推先): its settings, who may be nominated (no deduction in the last N years, at least M
points), the nomination's employer and statement, the committee's approvals and set-asides, a ranking refused
while a nomination waits, the rest ranked by points, then the social-service subtotal, then time, and the list
of commended residents published."""

from __future__ import annotations

import ast
import html
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import marshmallow as ma
import pytest
from flask_babel import force_locale
from sqlalchemy import select

from jifen import toolkit as tk
from jifen.county.folders import read_spec
from jifen.models import AuditEvent, Message, ProgramApplication, ProgramRound, RankingResult, RankingRun, User
from jifen.plugin import fields as item_forms
from jifen.programs import publication, rounds, states
from jifen.ranking import runs as ranking
from jifen_plugins import commendation
from jifen_plugins.commendation import PROGRAM, CommendationSettings, Nomination, check

ROOT = Path(__file__).resolve().parents[2]
SHANGHAI = ZoneInfo("Asia/Shanghai")
OPENS, CLOSES = date(2027, 3, 1), date(2027, 3, 31)
STATEMENT = "多年参加社区志愿服务，组织邻里互助，带动新居民参与社会治理。"
BACHELOR = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2015-07-01"}
JUNIOR_HIGH = {"level": "junior_high", "institution": "某县中学", "graduated_on": "2005-07-01"}


def volunteer(hours: int) -> dict:
    return {"kind": "volunteer", "amount": hours, "certified_by": "嘉善县志愿者协会"}


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


# --- The declaration and its settings ---------------------------------------------------------------


def test_the_program_is_a_yearly_headcount_reviewed_by_a_committee():
    assert (PROGRAM.quota_mode, PROGRAM.committee_review) == ("headcount", True)
    assert PROGRAM.tie_breaks == ("social_service", "applied_at")
    assert (PROGRAM.family_rule, PROGRAM.offer_rule) == (None, None)
    defaults = CommendationSettings().load({})
    assert (defaults["quota"], defaults["deduction_free_years"], defaults["min_points"]) == (10, 3, Decimal("60"))
    assert defaults["committee_department"] is None
    with pytest.raises(ma.ValidationError):
        CommendationSettings().load({"deduction_free_years": 0})


def test_jiashan_brings_it_in_with_the_civil_affairs_committee(county):
    stored = read_spec(ROOT / "tenants" / "jiashan").plugins["commendation"]
    assert stored["enabled"]
    with county("jiashan") as session:
        settings = rounds.settings_of(session, PROGRAM)
        fields = {f.name: f for f in item_forms.specs(CommendationSettings())}
        with pytest.raises(ma.ValidationError):  # a department the county does not have
            CommendationSettings().load({"committee_department": "ministry_of_magic"})
    assert settings["committee_department"] == "civil_affairs" and settings["quota"] == 10
    department = fields["committee_department"]
    assert department.kind == "choice" and dict(department.choices)["civil_affairs"]["zh"] == "民政局"


def test_the_statement_holds_up_to_200_characters_and_the_employer_is_needed():
    assert Nomination().load({"employer": "嘉善某公司", "statement": "好" * 200})["statement"] == "好" * 200
    with pytest.raises(ma.ValidationError) as refused:
        Nomination().load({"employer": "嘉善某公司", "statement": "好" * 201})
    assert refused.value.messages == {"statement": ["Longer than maximum length 200."]}
    with pytest.raises(ma.ValidationError) as refused:
        Nomination().load({"statement": STATEMENT})
    assert set(refused.value.messages) == {"employer"}


def record(total: str, *deductions: tuple[str, date]) -> tk.ApplicantRecord:
    items = tuple(tk.RecordItem("deductions", "deductions", Decimal("-10"), Decimal("-10"), on, on, "public_security",
                                {"zh": name, "en": "Administrative detention"}) for name, on in deductions)
    return tk.ApplicantRecord(confirmed=True, total=Decimal(total), items=items, as_of=date(2027, 3, 10))


def applicant(rec: tk.ApplicantRecord):
    return rounds.ApplicantContext(user_id=1, town=None, as_of=rec.as_of, record=rec)


def test_the_check_refuses_a_recent_deduction_by_name_and_date_and_too_few_points(app):
    settings = CommendationSettings().load({})
    assert check({}, applicant(record("80")), settings) == []
    assert check({}, applicant(record("80", ("行政拘留", date(2024, 3, 10)))), settings) == []  # 3 full years ago
    problems = check({}, applicant(record("59.5", ("行政拘留", date(2025, 3, 10)))), settings)
    with app.test_request_context("/"), force_locale("en"):
        assert [str(p) for p in problems] == [
            "Nominees need 3 years without a deduction; your record has Administrative detention on 2025-03-10.",
            "Nominees need at least 60 confirmed points; you have 59.5."]


def test_the_plugin_imports_only_the_toolkit():
    tree = ast.parse(Path(commendation.__file__).read_text(encoding="utf-8"))
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    imported |= {f"{node.module}.{alias.name}" if node.module == "jifen" else node.module
                 for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) for alias in node.names}
    assert {name for name in imported if name.startswith("jifen")} == {"jifen.toolkit"}


# --- From nominations to the published list ----------------------------------------------------------


def _user(session, person) -> User:
    return session.scalar(select(User).where(User.id == person.id))


def _nomination(session, round_id: int, person) -> ProgramApplication:
    return session.scalar(select(ProgramApplication).where(ProgramApplication.round_id == round_id,
                                                           ProgramApplication.user_id == person.id))


def test_nominations_are_checked_decided_by_the_committee_ranked_and_published(
        app, county, on_day, applicant_with_points, client_as, make_user):
    on_day(at(date(2027, 3, 1), 9))
    people = {
        # 84 points with 4 of social service; 84 with none; 80 and 80 (applying in that order); 90, set aside
        "first": applicant_with_points("jiashan", [("education", BACHELOR), ("social_service", volunteer(100))],
                                       real_name="陈优秀"),
        "second": applicant_with_points("jiashan", [("education", BACHELOR), ("investment_tax", {
            "kind": "income_tax", "amount": "4000.00", "year": 2026})], real_name="李纳税"),
        "later": applicant_with_points("jiashan", {"education": BACHELOR}, real_name="王后来"),
        "earlier": applicant_with_points("jiashan", {"education": BACHELOR}, real_name="赵先到"),
        "set_aside": applicant_with_points("jiashan", [("education", BACHELOR), ("social_service", volunteer(500))],
                                           real_name="孙不符"),
        "detained": applicant_with_points("jiashan", [("education", BACHELOR), ("deductions", {
            "kind": "detention", "decided_on": "2025-02-20", "decided_by": "嘉善县公安局"})], real_name="周拘留"),
        "few_points": applicant_with_points("jiashan", {"education": JUNIOR_HIGH}, real_name="吴低分"),
    }
    admin = client_as("jiashan", role="admin")
    with county("jiashan") as session:
        program = rounds.programs(session)["commendation"]
        yearly = rounds.create_round(session, program, {"name": "2027 年度评优推先", "opens_on": "2027-03-01",
                                                        "closes_on": "2027-03-31"}, actor="test")
        assert yearly.quota == 10  # the county's yearly headcount, no quota given
        yearly.quota = 3
        round_id = yearly.id
        session.commit()

    # Applying: the detention of two years ago and too few points are refused with the reason; 201 characters too.
    page = "/jiashan/programs/commendation"
    detained = client_as(people["detained"])
    refused = detained.submit(f"{page}/apply", {"employer": "嘉善某公司", "statement": STATEMENT}, form_page=page)
    assert refused.status_code == 400
    text = html.unescape(refused.get_data(as_text=True))
    assert "行政拘留" in text and "2025-02-20" in text
    refused = client_as(people["few_points"]).submit(f"{page}/apply", {"employer": "嘉善某公司", "statement": STATEMENT},
                                                     form_page=page)
    assert refused.status_code == 400 and "20.00" in refused.get_data(as_text=True)
    first = client_as(people["first"])
    too_long = first.submit(f"{page}/apply", {"employer": "嘉善某公司", "statement": "好" * 201}, form_page=page)
    assert too_long.status_code == 400 and "长度不能超过 200" in too_long.get_data(as_text=True)
    for minute, who in enumerate(("first", "second", "earlier", "later", "set_aside")):
        on_day(at(date(2027, 3, 2), 10, minute))
        done = client_as(people[who]).submit(f"{page}/apply", {"employer": f"嘉善{who}公司", "statement": STATEMENT},
                                             form_page=page)
        assert done.status_code == 302, (who, done.get_data(as_text=True)[:500])
    with county("jiashan") as session:
        assert _nomination(session, round_id, people["detained"]) is None
        assert _nomination(session, round_id, people["few_points"]) is None

    # The committee: the civil affairs bureau's reviewers; another department's reviewer finds nothing.
    on_day(at(date(2027, 4, 2), 9))
    outsider = client_as("jiashan", role="reviewer", department="education")
    assert outsider.get(f"/jiashan/committee/rounds/{round_id}").status_code == 404
    member = client_as("jiashan", role="reviewer", department="civil_affairs")
    assert f"/jiashan/committee/rounds/{round_id}" in member.get("/jiashan/committee/").get_data(as_text=True)
    listing = member.get(f"/jiashan/committee/rounds/{round_id}").get_data(as_text=True)
    assert "陈*秀" in listing and "陈优秀" not in listing  # masked as in the review queue
    assert "嘉善first公司" in listing and STATEMENT in listing
    with county("jiashan") as session:
        ids = {who: _nomination(session, round_id, people[who]).id
               for who in ("first", "second", "earlier", "later", "set_aside")}
    url = f"/jiashan/committee/rounds/{round_id}"
    assert outsider.submit(f"/jiashan/committee/nominations/{ids['first']}", {"decision": "approved"},
                           form_page="/jiashan/review/").status_code == 404
    for who in ("first", "second", "earlier"):
        assert member.submit(f"/jiashan/committee/nominations/{ids[who]}", {"decision": "approved"},
                             form_page=url).status_code == 302

    # While nominations wait, the round cannot be ranked.
    with county("jiashan") as session:
        found = session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))
        rounds.freeze_rules(session, found, actor="test")
        with pytest.raises(ranking.RankingError) as waiting:
            ranking.run(session, found, actor="test", seed=7)
        session.rollback()
    with force_locale("en"):
        assert "waiting for the committee's decision: 2" in str(waiting.value)

    no_reason = member.submit(f"/jiashan/committee/nominations/{ids['set_aside']}", {"decision": "set_aside"},
                              form_page=url)
    assert no_reason.status_code == 400 and 'class="error"' in no_reason.get_data(as_text=True)
    reason = "推荐材料所述事迹与所在社区核实情况不符"
    assert member.submit(f"/jiashan/committee/nominations/{ids['set_aside']}",
                         {"decision": "set_aside", "reason": reason}, form_page=url).status_code == 302
    assert member.submit(f"/jiashan/committee/nominations/{ids['later']}", {"decision": "approved"},
                         form_page=url).status_code == 302
    again = member.submit(f"/jiashan/committee/nominations/{ids['later']}", {"decision": "set_aside",
                                                                            "reason": "重复"}, form_page=url)
    assert again.status_code == 400  # decided once

    # Audited, told to the applicant, shown on their status page; the administrator sees the counts.
    with county("jiashan") as session:
        decisions = {e.target_id: (e.action, (e.details or {}).get("reason")) for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action.in_(("nomination.approved", "nomination.set_aside"))))}
        set_aside = _nomination(session, round_id, people["set_aside"])
        told = session.scalar(select(Message).where(Message.user_id == people["set_aside"].id,
                                                    Message.kind == "nomination.decided"))
    assert decisions[str(ids["set_aside"])] == ("nomination.set_aside", reason)
    assert [a for a, _r in decisions.values()].count("nomination.approved") == 4
    assert (set_aside.status, set_aside.review_status, set_aside.review_reason) == ("set_aside", "set_aside", reason)
    assert told is not None and reason in told.body
    status_page = client_as(people["set_aside"]).get("/jiashan/me/").get_data(as_text=True)
    assert 'data-stage="set_aside"' in status_page and reason in status_page
    admin_page = admin.get(f"/jiashan/admin/rounds/{round_id}").get_data(as_text=True)
    assert 'data-committee="0-4-1"' in admin_page

    # Ranked: points, then the social-service subtotal, then the earlier application; the set-aside one not at all.
    with county("jiashan") as session:
        found = session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))
        outcome = ranking.run(session, found, actor="test", seed=7)
        run = session.scalar(select(RankingRun).where(RankingRun.id == outcome.run_id))
        ranking.make_current(session, run, "test")
        results = session.execute(select(ProgramApplication.user_id, RankingResult.position, RankingResult.outcome)
                                  .join(RankingResult, RankingResult.program_application_id == ProgramApplication.id)
                                  .where(RankingResult.run_id == run.id).order_by(RankingResult.position)).all()
        publication.publish_provisional(session, found, program, actor="test")
        session.commit()
    names = {p.id: who for who, p in people.items()}
    assert [(names[u], o) for u, _p, o in results] == [("first", "allocated"), ("second", "allocated"),
                                                       ("earlier", "allocated"), ("later", "waitlisted")]

    # Published: the provisional list, then after the publication period the final list of commended residents.
    on_day(at(date(2027, 4, 30), 9))
    with county("jiashan") as session:
        found = session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))
        publication.publish_final(session, found, actor="test")
        session.commit()
        assert states.state_of(session, found).name == states.DONE  # nothing to offer or accept
    listed = client_as("jiashan").get(f"/jiashan/programs/commendation/rounds/{round_id}/list").get_data(as_text=True)
    assert 'data-stage="final"' in listed
    assert re.search(r"陈\*秀.*李\*税.*赵\*到.*王\*来", listed, re.S) and "孙*符" not in listed

