"""The residents' survey (问卷): 30 anonymous answers counted as tables and SVG charts beside the county's
rollout plan; one answer per person; a closed survey takes none; admin pages by role, CSRF and county."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select
from werkzeug.datastructures import MultiDict

SLUG = "jiashan"


def _survey(county, slug: str = SLUG, *, publish: bool = True, closes_on: date | None = None) -> dict:
    """A survey with a single-choice, a multiple-choice, a ranking and a free-text question."""
    from jifen.surveys import editing

    with county(slug) as session:
        survey = editing.create(session, title_zh="新居民服务需求调查", title_en="New residents' needs",
                                closes_on=closes_on, actor="test")
        lines = "子女入学\n公租房\n医疗保险"
        single = editing.add_question(session, survey, kind="single", text_zh="您最需要哪项服务？",
                                      text_en="Which service do you need most?", options_zh=lines,
                                      options_en="School places\nRental housing\nMedical insurance", required=True,
                                      actor="test")
        multiple = editing.add_question(session, survey, kind="multiple", text_zh="您了解哪些服务？",
                                        options_zh=lines, actor="test")
        ranking = editing.add_question(session, survey, kind="ranking", text_zh="请按需要排序",
                                       text_en="Rank the services", options_zh=lines, actor="test")
        text = editing.add_question(session, survey, kind="text", text_zh="其他建议", actor="test")
        if publish:
            editing.publish(session, survey, actor="test")
        session.commit()
        return {"survey": survey.id, "single": single.id, "multiple": multiple.id, "ranking": ranking.id,
                "text": text.id}


def _answers(ids: dict, i: int) -> MultiDict:
    """Person ``i`` of 30: single 18 / 9 / 3; multiple 30 / 15 / 0; ranking o2 > o1 (20 people) or
    o3 > o2 > o1 (10 people); a free text from 3 people."""
    form = MultiDict()
    form["q%d" % ids["single"]] = "o1" if i < 18 else "o2" if i < 27 else "o3"
    form.add("q%d" % ids["multiple"], "o1")
    if i % 2 == 0:
        form.add("q%d" % ids["multiple"], "o2")
    order = ["o2", "o1"] if i < 20 else ["o3", "o2", "o1"]
    for place, key in enumerate(order, start=1):
        form["q%d-%s" % (ids["ranking"], key)] = str(place)
    if i % 10 == 0:
        form["q%d" % ids["text"]] = f"希望增加学位 {i}"
    return form


@pytest.fixture
def admin(client_as):
    return client_as(SLUG, role="admin")


def test_thirty_answers_show_their_counts_and_charts(admin, client_as, county, make_user):
    ids = _survey(county)
    people = [make_user(SLUG) for _ in range(30)]
    # two answer through the page, the others through the same function the page calls
    for i in range(2):
        resident = client_as(people[i])
        page = f"/{SLUG}/me/surveys/{ids['survey']}"
        assert resident.get(page).status_code == 200
        answered = resident.submit(page, _answers(ids, i).to_dict(flat=False))
        assert answered.status_code == 302, answered.get_data(as_text=True)
    from jifen.models import Survey
    from jifen.surveys import answering, editing

    with county(SLUG) as session:
        survey = session.scalar(select(Survey).where(Survey.id == ids["survey"]))
        questions = editing.questions_of(session, survey)
        for i in range(2, 30):
            answering.answer(session, survey, people[i].id, questions, _answers(ids, i))
        session.commit()

    html = admin.get(f"/{SLUG}/admin/surveys/{ids['survey']}/results?lang=en").get_data(as_text=True)
    assert re.search(r'data-figure="responses">30<', html)

    def counts(question: str, figure: str = "count") -> list[str]:
        table = re.search(rf'data-table="question-{ids[question]}">(.*?)</table>', html, re.S).group(1)
        return re.findall(rf'data-figure="{figure}">([^<]*)<', table)

    assert counts("single") == ["18", "9", "3"]
    assert counts("single", "share") == ["60.0%", "30.0%", "10.0%"]
    assert counts("multiple") == ["30", "15", "0"]
    # ranking, by Borda points: 公租房 80, 子女入学 50, 医疗保险 30 (3 options: 3, 2, 1 points per place)
    assert counts("ranking", "points") == ["80", "50", "30"]
    assert counts("ranking", "average") == ["1.33", "2.33", "1.00"]
    assert counts("ranking") == ["30", "30", "10"]
    svgs = re.findall(r"<svg\b.*?</svg>", html, re.S)
    assert len(svgs) == 3  # one per counted question; the free text has no chart
    assert [re.findall(r"data-bar-value>(\d+)<", svg) for svg in svgs] == [["18", "9", "3"], ["30", "15", "0"],
                                                                           ["80", "50", "30"]]
    assert all(svg.count('class="bar"') == 3 and 'role="img"' in svg and 'style="' not in svg for svg in svgs)
    assert "School places" in html and "Rank the services" in html
    assert '<span lang="zh-CN">您了解哪些服务？</span>' in html  # no English written: the Chinese, marked
    assert "希望增加学位 0" in html and "希望增加学位 20" in html
    assert "no-store" in admin.get(f"/{SLUG}/admin/surveys/{ids['survey']}/results").headers["Cache-Control"]
    zh = admin.get(f"/{SLUG}/admin/surveys/{ids['survey']}/results?lang=zh_Hans_CN").get_data(as_text=True)
    assert "新居民服务需求调查" in zh and "子女入学" in zh and "School places" not in zh


def test_ranking_is_counted_by_average_place_and_borda_points():
    from jifen.models import SurveyQuestion
    from jifen.surveys.results import count_question

    question = SurveyQuestion(id=7, kind="ranking", text_zh="排序", options=[
        {"key": "a", "zh": "甲", "en": ""}, {"key": "b", "zh": "乙", "en": ""}, {"key": "c", "zh": "丙", "en": ""},
        {"key": "d", "zh": "丁", "en": ""}])
    answers = [{"7": ["a", "b", "c"]}, {"7": ["b", "a"]}, {"7": ["b"]}, {"8": "other question"}]
    found = count_question(question, answers)
    assert found.answered == 3
    by_key = {f.option["key"]: f for f in found.figures}
    # 4 options: a first place is 4 points, a second 3, a third 2
    assert (by_key["a"].points, by_key["b"].points, by_key["c"].points, by_key["d"].points) == (7, 11, 2, 0)
    assert by_key["a"].average_rank == Decimal("1.50") and by_key["b"].average_rank == Decimal("1.33")
    assert by_key["d"].average_rank is None and by_key["d"].count == 0
    assert [f.option["key"] for f in found.figures] == ["b", "a", "c", "d"]


def test_a_second_answer_by_the_same_person_is_refused(client_as, county):
    ids = _survey(county)
    resident = client_as(SLUG)
    page = f"/{SLUG}/me/surveys/{ids['survey']}"
    token = resident.csrf_token(page)
    first = resident.post(page, data={**_answers(ids, 0).to_dict(), "csrf_token": token})
    assert first.status_code == 302
    again = resident.post(page, data={**_answers(ids, 1).to_dict(), "csrf_token": token})
    assert again.status_code == 409
    message = "You have already answered this survey: answers are anonymous, so they cannot be changed"
    assert message in resident.get(page + "?lang=en").get_data(as_text=True)
    assert "Answered" in resident.get(f"/{SLUG}/me/surveys?lang=en").get_data(as_text=True)
    from jifen.models import SurveyParticipant, SurveyResponse

    with county(SLUG) as session:
        assert len(session.scalars(select(SurveyResponse)).all()) == 1
        assert len(session.scalars(select(SurveyParticipant)).all()) == 1


def test_an_answer_stores_nothing_that_names_the_person(client_as, county, app):
    ids = _survey(county)
    resident = client_as(SLUG)
    assert resident.submit(f"/{SLUG}/me/surveys/{ids['survey']}", _answers(ids, 0)).status_code == 302
    from jifen.db.session import get_session
    from jifen.models import SurveyParticipant, SurveyResponse

    with app.app_context():
        columns = {c["name"] for c in inspect(get_session().get_bind()).get_columns("survey_responses")}
    assert columns == {"tenant_id", "id", "survey_id", "answers"}  # no user, no time
    with county(SLUG) as session:
        response = session.scalars(select(SurveyResponse)).one()
        participant = session.scalars(select(SurveyParticipant)).one()
        assert str(resident.user.id) not in str(response.answers) and str(resident.user.id) not in participant.person_hash
        assert re.fullmatch(r"[0-9a-f]{64}", participant.person_hash)


def test_a_closed_survey_refuses_answers(admin, client_as, county):
    ids = _survey(county)
    page = f"/{SLUG}/admin/surveys/{ids['survey']}"
    assert admin.submit(f"{page}/close", {"confirm": "y"}, form_page=page).status_code == 302
    resident = client_as(SLUG)
    answer_page = f"/{SLUG}/me/surveys/{ids['survey']}"
    html = resident.get(answer_page + "?lang=en").get_data(as_text=True)
    assert "This survey is not open for answers." in html and "Send my answers" not in html
    token = resident.csrf_token(f"/{SLUG}/account")
    refused = resident.post(answer_page, data={**_answers(ids, 0).to_dict(), "csrf_token": token})
    assert refused.status_code == 409
    assert "No survey is open now." in resident.get(f"/{SLUG}/me/surveys?lang=en").get_data(as_text=True)
    from jifen.models import AuditEvent, SurveyResponse

    with county(SLUG) as session:
        assert session.scalars(select(SurveyResponse)).all() == []
        assert session.scalars(select(AuditEvent).where(AuditEvent.action == "survey.closed")).all()


def test_required_questions_are_checked_and_entries_kept(client_as, county):
    ids = _survey(county)
    resident = client_as(SLUG)
    page = f"/{SLUG}/me/surveys/{ids['survey']}?lang=en"
    answer = resident.submit(page, {f"q{ids['text']}": "多开几所学校", f"q{ids['ranking']}-o1": "2"})
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert "There is a problem" in html and f'href="#q{ids["single"]}"' in html and "Answer this question." in html
    assert "Number the places from 1 without gaps." in html
    assert "多开几所学校</textarea>" in html and 'value="2" selected' in html


def test_an_administrator_writes_and_publishes_a_survey_audited(admin, client_as, county):
    made = admin.submit(f"/{SLUG}/admin/surveys?lang=en", {"title_zh": "服务需求调查", "closes_on": "2030-12-31"})
    assert made.status_code == 302
    page = made.location.split("?")[0]
    survey_id = int(re.search(r"/surveys/(\d+)", page).group(1))
    resident = client_as(SLUG)
    assert resident.get(f"/{SLUG}/me/surveys/{survey_id}").status_code == 404  # a draft is not shown
    no_options = admin.submit(f"{page}/questions?lang=en", {"kind": "single", "text_zh": "问题"}, form_page=page)
    assert no_options.status_code == 400 and "Give at least two options, one a line." in no_options.get_data(as_text=True)
    added = admin.submit(f"{page}/questions", {"kind": "ranking", "source": "programs", "text_zh": "您最想要的服务",
                                               "required": "y"}, form_page=page)
    assert added.status_code == 302
    html = admin.get(page + "?lang=en").get_data(as_text=True)
    assert "Hukou transfer" in html and "hukou_transfer" not in html  # the county's programs, by name
    assert admin.submit(f"{page}/publish", {}, form_page=page).status_code == 400  # not confirmed
    assert admin.submit(f"{page}/publish", {"confirm": "y"}, form_page=page).status_code == 302
    from jifen.models import AuditEvent

    with county(SLUG) as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.target_id == str(survey_id))).all()
        assert [e.action for e in events] == ["survey.created", "survey.question_added", "survey.published"]
    assert resident.get(f"/{SLUG}/me/surveys/{survey_id}").status_code == 200
    assert "服务需求调查" in resident.get(f"/{SLUG}/me/surveys").get_data(as_text=True)
    # a published survey is not changed any more
    late = admin.submit(f"{page}/questions", {"kind": "text", "text_zh": "晚加的问题"}, form_page=page)
    assert late.status_code == 400


def test_roles_csrf_and_counties(admin, client_as, county):
    ids = _survey(county)
    other = _survey(county, "haining")
    resident = client_as(SLUG)
    base = f"/{SLUG}/admin/surveys/{ids['survey']}"
    for path in (f"/{SLUG}/admin/surveys", base, f"{base}/results"):
        assert resident.get(path).status_code == 403
    assert client_as(SLUG, role="reviewer").get(f"{base}/results").status_code == 403
    # no CSRF token: refused, nothing changed
    assert admin.post(f"{base}/close", data={"confirm": "y"}).status_code == 400
    assert admin.post(f"/{SLUG}/admin/surveys", data={"title_zh": "无令牌"}).status_code == 400
    token = resident.csrf_token(f"/{SLUG}/account")
    assert resident.post(f"/{SLUG}/me/surveys/{ids['survey']}",
                         data=_answers(ids, 0).to_dict()).status_code == 400
    # another county's survey is a 404, for administrators and residents alike
    there = f"/{SLUG}/admin/surveys/{other['survey']}"
    for path in (there, f"{there}/results"):
        assert admin.get(path).status_code == 404
    assert admin.submit(f"{there}/close", {"confirm": "y"}, form_page=f"/{SLUG}/admin/surveys").status_code == 404
    assert resident.get(f"/{SLUG}/me/surveys/{other['survey']}").status_code == 404
    assert resident.post(f"/{SLUG}/me/surveys/{other['survey']}", data={"csrf_token": token}).status_code == 404
    # a question of one survey is not removed through another
    assert admin.submit(f"{base}/questions/{other['single']}/remove", {},
                        form_page=f"/{SLUG}/admin/surveys").status_code == 404


def test_the_rollout_plan_in_words_beside_the_results(client_as, county, on_day):
    on_day(date(2027, 5, 1))
    ids = _survey(county, "haining")
    admin = client_as("haining", role="admin")
    html = admin.get(f"/haining/admin/surveys/{ids['survey']}/results?lang=en").get_data(as_text=True)
    plan = re.search(r'data-table="rollout"(.*?)</section>', html, re.S).group(1)
    states = re.findall(r'<tr data-plan="(\w+)"><th scope="row">([^<]*)</th><td>([^<]*)</td><td>([^<]*)</td>', plan)
    by_state = {state for state, *_ in states}
    assert by_state == {"live", "coming", "absent"}
    coming = [(name, words, day) for state, name, words, day in states if state == "coming"]
    assert ("Coming", "2027-09-01") in [(w, d) for _n, w, d in coming]
    assert all(words in ("Live", "Coming", "Not offered") for _s, _n, words, _d in states)
    assert "_" not in "".join(name for _s, name, *_ in states)  # names, not keys
