"""Questions and complaints (docs/complaints.md): filed with a mobile number and the code sent to it, a
reference number, the department's answer in the browser, one reopening, the published answers, and the
quarter's figures."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

SLUG = "jiashan"
MOBILE = "13900001111"
FILED_ON = date(2026, 9, 29)  # a Tuesday before the National Day week


def _reference(html: str) -> str:
    found = re.search(r'data-reference>([A-Z]{2,4}-\d{4}-\d{6})<', html)
    assert found, html[:3000]
    return found.group(1)


def _file_with_mobile(client, texts, *, body="孩子入学需要哪些材料？我的手机 13912345678", kind="question",
                      about="county", mobile=MOBILE):
    """The form as a person fills it: ask for a code, then send the form with it."""
    form = {"kind": kind, "about": about, "body": body, "mobile": mobile}
    sent = client.submit(f"/{SLUG}/questions/new", {**form, "action": "send_code"})
    assert sent.status_code == 200, sent.get_data(as_text=True)[:3000]
    assert "data-code-sent" in sent.get_data(as_text=True)
    assert body in sent.get_data(as_text=True)  # what was typed is kept
    filed = client.submit(f"/{SLUG}/questions/new", {**form, "code": texts.last_code(mobile), "action": "submit"},
                          form_page=f"/{SLUG}/questions/new")
    assert filed.status_code == 303, filed.get_data(as_text=True)[:3000]
    return filed.headers["Location"]


def _case_id(county, reference: str) -> int:
    from jifen.models import Complaint

    with county(SLUG) as session:
        return session.scalar(select(Complaint.id).where(Complaint.reference == reference))


def test_a_complaint_filed_with_a_mobile_number_is_answered_in_the_browser_and_counted_in_the_quarter(
        app, client, client_as, county, texts, on_day):
    """The acceptance of the issue."""
    on_day(FILED_ON)
    location = _file_with_mobile(client, texts, kind="complaint", body="窗口工作人员态度不好，电话 13912345678")
    page = client.get(location)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    reference = _reference(page.get_data(as_text=True))
    assert re.fullmatch(r"JS-2026-\d{6}", reference)
    # The filer got the reference and the due date by text message too.
    assert [kind for to, kind, _ in texts.sent if to == MOBILE] == ["complaint.code", "complaint.filed"]
    assert texts.sent[-1][2]["reference"] == reference
    # 15 working days from 29 September 2026: the National Day week (1-7 October) off, Saturday 10 October worked.
    assert 'data-due="2026-10-26"' in page.get_data(as_text=True)

    on_day(date(2026, 10, 9))
    department = client_as(SLUG, role="reviewer", department="education")
    queue = department.get(f"/{SLUG}/review/complaints").get_data(as_text=True)
    assert reference in queue and "139****1111" in queue and MOBILE not in queue
    case_id = _case_id(county, reference)
    url = f"/{SLUG}/review/complaints/{case_id}"
    answered = department.submit(url, {"answer": "已约谈窗口负责人，向您致歉。", "visibility": "anonymised"})
    assert answered.status_code == 303, answered.get_data(as_text=True)[:3000]
    assert texts.sent[-1][:2] == (MOBILE, "complaint.answered")

    seen = client.get(location).get_data(as_text=True)
    assert "已约谈窗口负责人，向您致歉。" in seen and 'data-status="answered"' in seen

    figures = client.get(f"/{SLUG}/questions/figures").get_data(as_text=True)
    assert 'data-quarter="2026-4"' in figures  # today is in the fourth quarter; the case came in the third
    third = client.get(f"/{SLUG}/questions/figures?quarter=2026-3").get_data(as_text=True)
    row = re.search(r'<tr data-topic="county">(.*?)</tr>', third, re.S).group(1)
    assert 'data-came="1"' in row and 'data-answered="1"' in row and 'data-in-time="1"' in row
    total = re.search(r'<tr data-topic="all">(.*?)</tr>', third, re.S).group(1)
    assert 'data-came="1"' in total
    fourth = re.search(r'<tr data-topic="all">(.*?)</tr>', figures, re.S).group(1)
    assert 'data-came="0"' in fourth

    with county(SLUG) as session:
        from jifen.models import AuditEvent

        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.target_type == "complaint"))]
    assert actions == ["complaint.filed", "complaint.answered"]


def test_an_answer_after_the_due_date_is_counted_late(client, client_as, county, texts, on_day):
    on_day(FILED_ON)
    reference = _reference(client.get(_file_with_mobile(client, texts)).get_data(as_text=True))
    on_day(date(2026, 10, 27))
    department = client_as(SLUG, role="reviewer", department="education")
    department.submit(f"/{SLUG}/review/complaints/{_case_id(county, reference)}",
                      {"answer": "请携带户口本。", "visibility": "private"})
    third = client.get(f"/{SLUG}/questions/figures?quarter=2026-3").get_data(as_text=True)
    row = re.search(r'<tr data-topic="all">(.*?)</tr>', third, re.S).group(1)
    assert 'data-answered="1"' in row and 'data-in-time="0"' in row


def test_codes_are_hashed_expire_count_tries_and_are_limited_per_number(app, county, texts, on_day):
    from jifen.complaints import mobile_codes
    from jifen.errors import ApplicationError
    from jifen.models import MobileCode

    on_day(datetime(2026, 9, 29, 10, 0).astimezone())
    with county(SLUG) as session:
        mobile_codes.send_code(session, MOBILE, mobile_codes.FILE)
        session.commit()
        code = texts.last_code(MOBILE)
        row = session.scalar(select(MobileCode))
        assert code not in (row.code_hash, row.mobile_hash) and MOBILE not in row.mobile_hash
        with pytest.raises(ApplicationError, match="less than a minute"):
            mobile_codes.send_code(session, MOBILE, mobile_codes.FILE)
        session.rollback()
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(mobile_codes.MAX_TRIES):
            with pytest.raises(ApplicationError, match="not right"):
                mobile_codes.verify(session, MOBILE, mobile_codes.FILE, wrong)
            session.commit()
        with pytest.raises(ApplicationError, match="too many times"):
            mobile_codes.verify(session, MOBILE, mobile_codes.FILE, code)
    on_day(datetime(2026, 9, 29, 10, 2).astimezone())
    with county(SLUG) as session:
        mobile_codes.send_code(session, MOBILE, mobile_codes.FILE)
        session.commit()
        with pytest.raises(ApplicationError, match="Ask for a code"):  # a code for filing does not follow a case
            mobile_codes.verify(session, MOBILE, mobile_codes.FOLLOW, texts.last_code(MOBILE))
        assert mobile_codes.verify(session, MOBILE, mobile_codes.FILE, texts.last_code(MOBILE)).mobile == MOBILE
        with pytest.raises(ApplicationError, match="Ask for a code"):  # used once
            mobile_codes.verify(session, MOBILE, mobile_codes.FILE, texts.last_code(MOBILE))
        session.commit()
    on_day(datetime(2026, 9, 29, 10, 4).astimezone())
    with county(SLUG) as session:
        mobile_codes.send_code(session, MOBILE, mobile_codes.FILE)
        session.commit()
    on_day(datetime(2026, 9, 29, 10, 15).astimezone())
    with county(SLUG) as session:
        with pytest.raises(ApplicationError, match="Ask for a code"):  # 11 minutes later: expired
            mobile_codes.verify(session, MOBILE, mobile_codes.FILE, texts.last_code(MOBILE))
        for minute in (16, 18):
            on_day(datetime(2026, 9, 29, 10, minute).astimezone())
            mobile_codes.send_code(session, MOBILE, mobile_codes.FILE)
            session.commit()
        on_day(datetime(2026, 9, 29, 10, 20).astimezone())
        with pytest.raises(ApplicationError, match="Too many codes"):  # five in the last hour
            mobile_codes.send_code(session, MOBILE, mobile_codes.FILE)


def test_without_a_channel_that_reaches_a_mobile_number_the_form_says_to_log_in(client):
    response = client.submit(f"/haining/questions/new", {"kind": "question", "about": "county",
                                                          "body": "请问积分怎么查询？", "mobile": MOBILE,
                                                          "action": "send_code"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'class="error-summary"' in page
    assert "log in to file" in page or "登录" in page
    assert "请问积分怎么查询？" in page  # the text is kept


def test_form_errors_are_summarised_and_the_input_kept(client, texts):
    response = client.submit(f"/{SLUG}/questions/new", {"kind": "", "about": "", "body": "入学材料清单在哪里看",
                                                        "mobile": MOBILE, "code": "123456", "action": "submit"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and 'class="error-summary"' in page
    assert 'href="#code"' in page and "入学材料清单在哪里看" in page and f'value="{MOBILE}"' in page


def test_a_logged_in_applicant_files_without_a_code_and_reopens_once(client_as, county, on_day):
    on_day(FILED_ON)
    person = client_as(SLUG)
    filed = person.submit(f"/{SLUG}/questions/new", {"kind": "question", "about": "program:school_enrollment",
                                                     "body": "随迁子女入学需要几年社保？", "action": "submit"})
    assert filed.status_code == 303, filed.get_data(as_text=True)[:3000]
    page = person.get(filed.headers["Location"]).get_data(as_text=True)
    reference = _reference(page)
    case_id = _case_id(county, reference)
    admin = client_as(SLUG, role="admin")
    admin.submit(f"/{SLUG}/review/complaints/{case_id}", {"answer": "需连续缴纳一年。", "visibility": "public"})
    on_day(date(2026, 10, 12))
    reopened = person.submit(filed.headers["Location"], {"reason": "我的情况是灵活就业"})
    assert reopened.status_code == 303
    page = person.get(filed.headers["Location"]).get_data(as_text=True)
    assert 'data-status="reopened"' in page and "data-reopen" not in page
    assert 'data-due="2026-11-02"' in page  # 15 working days from 12 October
    # A second answer; the case cannot be reopened again; the first answer decided "in time".
    admin.submit(f"/{SLUG}/review/complaints/{case_id}", {"answer": "灵活就业同样认可。", "visibility": "public"})
    again = person.submit(filed.headers["Location"], {"reason": "还是不满意"})
    assert again.status_code == 400 and "答复后可申请重新办理一次" in again.get_data(as_text=True)
    assert "data-reopen" not in again.get_data(as_text=True)
    from jifen.models import Complaint

    with county(SLUG) as session:
        case = session.get(Complaint, (session.scalar(select(Complaint.tenant_id)), case_id))
        assert case.reopen_reason == "我的情况是灵活就业" and case.answered_in_time is True
        assert case.answer == "灵活就业同样认可。"


def test_only_the_filer_sees_a_case_and_follows_it_by_reference_mobile_and_code(app, client, county, texts, on_day):
    on_day(FILED_ON)
    location = _file_with_mobile(client, texts)
    reference = _reference(client.get(location).get_data(as_text=True))
    stranger = app.test_client()
    assert stranger.get(location).status_code == 302 and "/questions/follow" in stranger.get(location).location
    other = app.test_client()
    other.__class__ = client.__class__
    on_day(datetime(2026, 9, 29, 11, 0).astimezone())
    sent = other.submit(f"/{SLUG}/questions/follow", {"reference": reference.lower().replace("-", " "),
                                                      "mobile": MOBILE, "action": "send_code"})
    assert sent.status_code == 200
    wrong_number = other.submit(f"/{SLUG}/questions/follow", {"reference": reference, "mobile": "13900002222",
                                                              "code": texts.last_code(MOBILE), "action": "follow"},
                                form_page=f"/{SLUG}/questions/follow")
    assert wrong_number.status_code == 400
    followed = other.submit(f"/{SLUG}/questions/follow", {"reference": reference, "mobile": MOBILE,
                                                          "code": texts.last_code(MOBILE), "action": "follow"},
                            form_page=f"/{SLUG}/questions/follow")
    assert followed.status_code == 303
    assert reference in other.get(followed.headers["Location"]).get_data(as_text=True)


def test_reviewers_of_other_departments_and_counties_get_404(client, client_as, county, texts, on_day):
    on_day(FILED_ON)
    reference = _reference(client.get(_file_with_mobile(client, texts)).get_data(as_text=True))
    url = f"/{SLUG}/review/complaints/{_case_id(county, reference)}"
    assert client_as(SLUG, role="reviewer", department="health").get(url).status_code == 404
    assert reference not in client_as(SLUG, role="reviewer", department="health").get(
        f"/{SLUG}/review/complaints").get_data(as_text=True)
    assert client_as("haining", role="admin").get(url.replace(SLUG, "haining")).status_code == 404
    assert client_as(SLUG, role="reviewer", department="education").get(url).status_code == 200


def test_an_administrator_moves_a_case_to_another_department(client, client_as, county, texts, on_day):
    on_day(FILED_ON)
    reference = _reference(client.get(_file_with_mobile(client, texts)).get_data(as_text=True))
    url = f"/{SLUG}/review/complaints/{_case_id(county, reference)}"
    admin = client_as(SLUG, role="admin")
    moved = admin.submit(url + "/department", {"move-department": "health"}, form_page=url)
    assert moved.status_code == 303, moved.get_data(as_text=True)[:3000]
    assert client_as(SLUG, role="reviewer", department="health").get(url).status_code == 200
    assert client_as(SLUG, role="reviewer", department="education").get(url).status_code == 404


def test_published_answers_mask_the_filer_and_keep_private_ones_private(client, client_as, county, texts, on_day):
    on_day(FILED_ON)
    admin = client_as(SLUG, role="admin")
    shown = {}
    for n, visibility in enumerate(("public", "anonymised", "private")):
        mobile = f"1390000333{n}"
        on_day(datetime(2026, 9, 29, 10 + n, 0).astimezone())
        reference = _reference(client.get(_file_with_mobile(client, texts, mobile=mobile,
                                                            body=f"问题{visibility}，联系 13912345678")).get_data(as_text=True))
        admin.submit(f"/{SLUG}/review/complaints/{_case_id(county, reference)}",
                     {"answer": f"答复{visibility}", "visibility": visibility})
        shown[visibility] = reference
    page = client.get(f"/{SLUG}/questions").get_data(as_text=True)
    assert shown["public"] in page and shown["anonymised"] in page and shown["private"] not in page
    assert "139****3330" in page and "139****3331" not in page  # the public one's filer, masked; no other
    assert "13912345678" not in page and "139****5678" in page


def test_a_complaint_about_a_list_in_its_objection_period_is_also_an_objection(client_as, county, hand_ranked_round):
    from jifen.models import Complaint, Objection, Publication

    made = hand_ranked_round(publish=True)
    person = client_as(made["people"][3])
    with county(SLUG) as session:
        listed = session.scalar(select(Publication.id).where(Publication.round_id == made["round"]))
    filed = person.submit(f"/{SLUG}/questions/new", {"kind": "complaint", "about": f"list:{listed}",
                                                     "body": "第二名的积分有误", "action": "submit"})
    assert filed.status_code == 303, filed.get_data(as_text=True)[:3000]
    page = person.get(filed.headers["Location"]).get_data(as_text=True)
    assert "data-objection" in page
    with county(SLUG) as session:
        case = session.scalar(select(Complaint))
        objection = session.scalar(select(Objection))
        assert case.objection_id == objection.id and case.reference == objection.reference
        assert case.in_objection_period and objection.reason == "第二名的积分有误"
    # A question about the same list is not an objection.
    person.submit(f"/{SLUG}/questions/new", {"kind": "question", "about": f"list:{listed}", "body": "公示期多久？",
                                             "action": "submit"})
    with county(SLUG) as session:
        assert len(list(session.scalars(select(Objection)))) == 1


@pytest.mark.parametrize("reason", ["ab\x00cd", "x" * 100_000, "", "\u0663"])
def test_hostile_reasons_to_reopen_make_no_server_error(client_as, county, reason):
    """The reopen form shows to the case's filer only, so the form fuzz cannot reach it."""
    person = client_as(SLUG)
    filed = person.submit(f"/{SLUG}/questions/new", {"kind": "question", "about": "county",
                                                     "body": "积分怎么查询？", "action": "submit"})
    admin = client_as(SLUG, role="admin")
    case_id = _case_id(county, _reference(person.get(filed.headers["Location"]).get_data(as_text=True)))
    admin.submit(f"/{SLUG}/review/complaints/{case_id}", {"answer": "登录后查看。", "visibility": "private"})
    response = person.submit(filed.headers["Location"], {"reason": reason})
    assert response.status_code == 400
    if "\x00" not in reason:  # a NUL is refused for every page before any view (jifen.http.input_checks)
        assert 'class="error-summary"' in response.get_data(as_text=True)


def test_quarters_from_the_address_are_checked(app, county, on_day):
    from jifen.complaints.figures import Quarter, parse_quarter, quarter_of

    on_day(date(2026, 11, 3))
    with county(SLUG):
        assert parse_quarter("2026-3") == Quarter(2026, 3) and parse_quarter("2026-4") == Quarter(2026, 4)
        assert parse_quarter("2027-1") is None and parse_quarter("2026-5") is None and parse_quarter("x") is None
    assert Quarter(2026, 4).last_day == date(2026, 12, 31) and Quarter(2026, 1).last_day == date(2026, 3, 31)
    assert quarter_of(date(2026, 7, 1)) == Quarter(2026, 3)
