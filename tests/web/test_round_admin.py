"""A round's page offers only what its state allows, and the server refuses the rest with a message;
irreversible steps need their confirmation box; switching a plugin off that leaves rounds unfinished
needs one too, and the published lists of a program switched off stay readable."""

import re
from datetime import date

import pytest
from sqlalchemy import func, select

from jifen.calendar.workdays import period_end
from jifen.models import AuditEvent, Job, ProgramRound, Publication, RankingRun
from jifen.programs import offers, publication
from jifen.programs import rounds as programs
from jifen.ranking import runs as ranking

EDUCATION = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2012-06-30"}


def _round(session, round_id) -> ProgramRound:
    return session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))


def _forms(html: str, action: str) -> list[str]:
    return [f for f in re.findall(r"<form\b.*?</form>", html, re.S) if f'action="{action}"' in f]


@pytest.fixture
def admin(client_as):
    browser = client_as("jiashan", role="admin")
    browser.get("/jiashan/?lang=en")
    return browser


@pytest.fixture
def hukou_round(county, on_day, applicant_with_points):
    """``hukou_round(until)``: a Jiashan hukou round of March 2027 with two applicants, brought as far as
    ``until``: "open", "ranked", "provisional", "final" or "offers"."""

    def make(until: str) -> int:
        on_day(date(2027, 2, 20))
        people = [applicant_with_points("jiashan", {"education": EDUCATION}) for _ in range(2)]
        with county("jiashan") as session:
            program = programs.programs(session)["hukou_transfer"]
            found = programs.create_round(session, program, {"name": "2027 第一批", "opens_on": "2027-03-01",
                                                             "closes_on": "2027-03-31", "quota": 1}, actor="test")
            session.commit()
            round_id = found.id
        on_day(date(2027, 3, 2))
        with county("jiashan") as session:
            from jifen.models import User

            for person in people:
                programs.apply(session, program, session.get(User, (found.tenant_id, person.id)), {"town": "魏塘街道"})
            session.commit()
        if until == "open":
            return round_id
        on_day(date(2027, 4, 6))
        with county("jiashan") as session:
            found = _round(session, round_id)
            programs.freeze_rules(session, found, actor="test")
            run = session.get(RankingRun, (found.tenant_id, ranking.run(session, found, actor="test", seed=1).run_id))
            ranking.make_current(session, run, "test")
            if until != "ranked":
                publication.publish_provisional(session, found, program, actor="test")
            session.commit()
        if until in ("ranked", "provisional"):
            return round_id
        on_day(date(2027, 4, 20))
        with county("jiashan") as session:
            found = _round(session, round_id)
            publication.publish_final(session, found, actor="test")
            if until == "offers":
                offers.make_offers(session, found, actor="test")
            session.commit()
        return round_id

    return make


def test_after_the_final_list_no_provisional_list_is_offered_and_a_post_is_refused(admin, county, hukou_round):
    round_id = hukou_round("final")
    page = f"/jiashan/admin/rounds/{round_id}"
    html = admin.get(page).get_data(as_text=True)
    assert 'data-state="final"' in html
    assert _forms(html, f"/jiashan/admin/rounds/{round_id}/publish") == []  # neither stage is offered
    assert 'data-form="offers"' in html
    refused = admin.submit(f"{page}/publish", {"stage": "provisional", "confirm": "y"}, form_page=page)
    assert refused.status_code == 303
    assert "can no longer be published as a provisional list" in admin.get(page).get_data(as_text=True)
    with county("jiashan") as session:
        assert session.scalar(select(func.count(Publication.id)).where(Publication.round_id == round_id)) == 2


def test_after_the_offers_the_ranking_is_not_offered_and_a_post_is_refused(admin, county, hukou_round):
    round_id = hukou_round("offers")
    page = f"/jiashan/admin/rounds/{round_id}"
    html = admin.get(page).get_data(as_text=True)
    assert 'data-state="offers"' in html
    assert _forms(html, f"/jiashan/admin/rounds/{round_id}/run") == []
    assert _forms(html, f"/jiashan/admin/rounds/{round_id}/offers") == []
    assert "Make current" not in html
    refused = admin.submit(f"{page}/run", {}, form_page=page)
    assert refused.status_code == 303 and refused.location.endswith(page)
    assert "no longer ranked" in admin.get(page).get_data(as_text=True)
    again = admin.submit(f"{page}/offers", {"confirm": "y"}, form_page=page)
    assert again.status_code == 303
    with county("jiashan") as session:
        assert session.scalar(select(func.count(Job.id)).where(Job.kind == "ranking.run")) == 0
        run = session.scalar(select(RankingRun).where(RankingRun.round_id == round_id))
        assert admin.submit(f"/jiashan/admin/runs/{run.id}/current", {}, form_page=page).status_code == 303


def test_publishing_needs_its_box_ticked_and_says_what_happens(admin, county, hukou_round):
    round_id = hukou_round("ranked")
    page = f"/jiashan/admin/rounds/{round_id}"
    html = admin.get(page).get_data(as_text=True)
    [form] = _forms(html, f"/jiashan/admin/rounds/{round_id}/publish")
    ends = period_end(date(2027, 4, 6), 5).isoformat()  # hukou transfer: five working days
    assert 'name="confirm"' in form and f"objections are taken until {ends}" in form
    unconfirmed = admin.submit(f"{page}/publish", {"stage": "provisional"}, form_page=page)
    body = unconfirmed.get_data(as_text=True)
    assert unconfirmed.status_code == 400 and "Tick the box" in body and 'class="error-summary"' in body
    with county("jiashan") as session:
        assert publication.latest(session, _round(session, round_id)) is None
    assert admin.submit(f"{page}/publish", {"stage": "provisional", "confirm": "y"}, form_page=page).status_code == 302
    html = admin.get(page).get_data(as_text=True)
    assert 'data-state="provisional"' in html and _forms(html, f"/jiashan/admin/rounds/{round_id}/publish") == []
    assert 'data-refused="publish_final"' in html and f"runs until {ends}" in html


def test_an_open_window_is_extended_or_closed_early_from_its_page_with_a_reason(admin, county, hukou_round, on_day):
    round_id = hukou_round("open")
    page = f"/jiashan/admin/rounds/{round_id}"
    html = admin.get(page).get_data(as_text=True)
    assert 'data-state="open"' in html and _forms(html, f"/jiashan/admin/rounds/{round_id}/run") == []
    [form] = _forms(html, f"{page}/window")
    assert 'name="opens_on"' not in form and 'name="closes_on"' in form  # open: only the closing date
    no_reason = admin.submit(f"{page}/window", {"closes_on": "2027-04-15", "reason": ""}, form_page=page)
    body = no_reason.get_data(as_text=True)
    assert no_reason.status_code == 400 and 'value="2027-04-15"' in body and 'id="window-reason"' in body
    assert admin.submit(f"{page}/window", {"closes_on": "2027-04-15", "reason": "系统维护两天"},
                        form_page=page).status_code == 302
    unconfirmed = admin.submit(f"{page}/window", {"closes_on": "2027-03-01", "reason": "名额已满"}, form_page=page)
    assert unconfirmed.status_code == 400 and "closes now" in unconfirmed.get_data(as_text=True)
    assert admin.submit(f"{page}/window", {"closes_on": "2027-03-01", "reason": "名额已满", "confirm": "y"},
                        form_page=page).status_code == 302
    html = admin.get(page).get_data(as_text=True)
    assert 'data-state="closed"' in html and "名额已满" in html and "系统维护两天" in html
    assert _forms(html, f"{page}/window") == [] and len(_forms(html, f"{page}/run")) == 1
    refused = admin.submit(f"{page}/window", {"closes_on": "2027-05-01", "reason": "再开放"}, form_page=page)
    assert refused.status_code == 303  # closed: its dates no longer change
    with county("jiashan") as session:
        assert _round(session, round_id).closes_on == date(2027, 3, 1)


def test_the_objection_period_ends_early_only_when_confirmed(admin, county, hukou_round):
    round_id = hukou_round("provisional")
    page = f"/jiashan/admin/rounds/{round_id}"
    assert 'data-form="period-end"' in admin.get(page).get_data(as_text=True)
    unconfirmed = admin.submit(f"{page}/objection-period", {"action": "end", "reason": "提前结束"}, form_page=page)
    assert unconfirmed.status_code == 400 and "提前结束" in unconfirmed.get_data(as_text=True)
    assert admin.submit(f"{page}/objection-period", {"action": "end", "reason": "提前结束", "confirm": "y"},
                        form_page=page).status_code == 302
    html = admin.get(page).get_data(as_text=True)
    assert 'data-state="decided"' in html and 'data-form="publish-final"' in html
    assert 'data-form="period"' not in html


def test_the_new_round_form_names_the_round_and_refuses_a_window_before_the_program_starts(client_as, county):
    admin = client_as("haining", role="admin")
    page = "/haining/admin/programs/hukou_transfer/rounds/new"
    assert "轮次名称" in admin.get(page + "?lang=zh_Hans_CN").get_data(as_text=True)
    admin.get("/haining/?lang=en")
    assert '<label for="name">Round name</label>' in admin.get(page).get_data(as_text=True)
    refused = admin.submit(page, {"name": "2027 第一批", "opens_on": "2027-06-01", "closes_on": "2027-10-31",
                                  "quota": "5"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "starts in this county on 2027-09-01" in body and 'value="2027 第一批"' in body
    with county("haining") as session:
        assert session.scalar(select(func.count(ProgramRound.id))) == 0


def test_switching_off_a_program_with_an_open_round_needs_confirmation_and_its_lists_stay_readable(
        admin, client, county, hukou_round):
    open_id = hukou_round("provisional")  # a published round; and an open one after it
    with county("jiashan") as session:
        other = programs.create_round(session, programs.programs(session)["hukou_transfer"],
                                      {"name": "2027 第二批", "opens_on": "2027-04-15", "closes_on": "2027-05-31",
                                       "quota": 1}, actor="test")
        session.commit()
        other_id = other.id
    page = "/jiashan/admin/plugins"
    html = admin.get(page).get_data(as_text=True)
    row = html.split('data-plugin="hukou_transfer"')[1].split("</tr>")[0]
    assert 'name="confirm"' in row and f'data-round="{open_id}"' in row and f'data-round="{other_id}"' in row
    school = html.split('data-plugin="school_enrollment"')[1].split("</tr>")[0]
    assert 'name="confirm"' not in school  # nothing unfinished: one tap
    refused = admin.submit(f"{page}/hukou_transfer", {"action": "disable"}, form_page=page)
    assert refused.status_code == 400 and "Tick the box" in refused.get_data(as_text=True)
    assert "hukou_transfer" in re.findall(r'data-program="([a-z_]+)"', client.get("/jiashan/").get_data(as_text=True))
    assert admin.submit(f"{page}/hukou_transfer", {"action": "disable", "confirm": "y"},
                        form_page=page).status_code == 302
    assert client.get("/jiashan/programs/hukou_transfer").status_code == 404
    listed = f"/jiashan/programs/hukou_transfer/rounds/{open_id}/list"
    assert client.get(listed).status_code == 200 and client.get(listed + ".csv").status_code == 200
    assert client.get(listed + ".xlsx").status_code == 200
    assert client.get(f"/jiashan/programs/hukou_transfer/rounds/{open_id}").status_code == 200
    assert client.get(f"/jiashan/programs/hukou_transfer/rounds/{other_id}/list").status_code == 404  # none
    with county("jiashan") as session:
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "plugin.disabled_unfinished")).one()
        assert sorted(event.details["rounds"]) == sorted([open_id, other_id])


def test_switching_a_score_item_says_it_makes_a_rule_version(admin, county):
    from jifen.points.rules import ensure_current_version, latest_version

    with county("jiashan") as session:
        version = ensure_current_version(session, actor="test").version
        session.commit()
    page = "/jiashan/admin/plugins"
    row = admin.get(page).get_data(as_text=True).split('data-plugin="education"')[1].split("</tr>")[0]
    assert f'data-rule-version="{version + 1}"' in row
    done = admin.submit(f"{page}/education", {"action": "disable"}, form_page=page, follow_redirects=True)
    assert f"This made rule version {version + 1}" in done.get_data(as_text=True)
    with county("jiashan") as session:
        assert latest_version(session).version == version + 1
