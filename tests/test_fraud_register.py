"""The fraud register (弄虚作假): a finding bars the applicant for the county's period, with its reason and end date."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from jifen.county.context import current_county
from jifen.models import Application, AuditEvent, DeclaredItem, FraudFinding, Message, User
from jifen.points import applications, fraud, fraud_register
from jifen.programs import rounds as programs
from tests.exchange.helpers import EDUCATION, PDF, submitted

EDU = {"education": {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2015-07-01"}}


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def _findings(county, user_id=None) -> list[FraudFinding]:
    with county("jiashan") as session:
        query = select(FraudFinding)
        if user_id is not None:
            query = query.where(FraudFinding.user_id == user_id)
        found = list(session.scalars(query))
        session.expunge_all()
        return found


def _record(county, user_id: int, reason: str = "伪造学历证书") -> FraudFinding:
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == user_id))
        finding = fraud_register.record_finding(session, current_county(session).hooks, user, reason, actor="test:admin")
        session.commit()
        session.expunge(finding)
        return finding


def test_the_bar_ends_on_31_december_of_the_year_plus_the_countys_years(county, on_day, app):
    on_day(date(2027, 4, 20))
    with county("jiashan"):
        assert fraud.bar_years() == 5
        assert fraud.bar_end(date(2027, 4, 20)) == date(2032, 12, 31)
        from jifen.county.tenancy import require_tenant

        require_tenant().settings["fraud"] = {"bar_years": 2}
        try:
            assert fraud.bar_end(date(2027, 1, 1)) == date(2029, 12, 31)
        finally:
            require_tenant().settings.pop("fraud")


def test_a_reviewer_records_a_finding_from_the_item_the_item_is_rejected_and_the_applicant_told(
        county, make_user, client_as, on_day):
    on_day(date(2027, 4, 20))
    made = submitted(county, make_user, "jiashan", ("education", EDUCATION))
    reviewer = client_as("jiashan", role="reviewer", department="education")
    item_page = _text(reviewer.get(f"/jiashan/review/items/{made['items'][0]}?lang=en"))
    assert f"/jiashan/review/items/{made['items'][0]}/finding" in item_page
    url = f"/jiashan/review/items/{made['items'][0]}/finding"
    page = _text(reviewer.get(url + "?lang=en"))
    assert "2032-12-31" in page
    response = reviewer.submit(url, {"reason": "学位证书系伪造", "evidence": (io.BytesIO(PDF), "report.pdf")},
                               content_type="multipart/form-data")
    assert response.status_code == 302
    [finding] = _findings(county, made["user"])
    assert (finding.status, finding.found_on, finding.ends_on) == ("active", date(2027, 4, 20), date(2032, 12, 31))
    assert finding.reason == "学位证书系伪造" and finding.item_id == made["items"][0]
    assert finding.evidence_name == "report.pdf" and finding.evidence_sha256
    assert re.fullmatch(r"JS-2027-\d{6}", finding.reference)
    with county("jiashan") as session:
        item = session.scalar(select(DeclaredItem).where(DeclaredItem.id == made["items"][0]))
        assert item.status == "rejected" and "学位证书系伪造" in item.reason
        messages = [m.body for m in session.scalars(select(Message).where(Message.user_id == made["user"]))]
        assert any("2032-12-31" in body and "0573-84012345" in body and "15" in body for body in messages)
        recorded = session.scalar(select(AuditEvent).where(AuditEvent.action == "fraud.finding_recorded"))
        assert recorded.details["number"] == finding.reference and recorded.details["ends_on"] == "2032-12-31"
        assert recorded.actor == f"user:{reviewer.user.id}"


def test_the_reason_is_required_and_what_was_typed_is_kept(county, make_user, client_as):
    made = submitted(county, make_user, "jiashan", ("education", EDUCATION))
    reviewer = client_as("jiashan", role="reviewer", department="education")
    url = f"/jiashan/review/items/{made['items'][0]}/finding"
    response = reviewer.submit(url, {"reason": "  "})
    assert response.status_code == 400
    assert 'class="error-summary"' in response.get_data(as_text=True)
    admin = client_as("jiashan", role="admin")
    response = admin.submit("/jiashan/admin/findings", {"reference": "JS 2027 999999", "reason": "证明系伪造"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "证明系伪造" in html and "JS 2027 999999" in html
    assert _findings(county) == []


def test_wrong_role_is_403_another_countys_item_404_and_no_csrf_400(county, make_user, client_as, app):
    made = submitted(county, make_user, "jiashan", ("education", EDUCATION))
    url = f"/jiashan/review/items/{made['items'][0]}/finding"
    applicant = client_as("jiashan")
    assert applicant.get(url).status_code == 403
    assert applicant.get("/jiashan/admin/findings").status_code == 403
    reviewer = client_as("jiashan", role="reviewer", department="education")
    assert reviewer.get("/jiashan/admin/findings").status_code == 403
    other = client_as("haining", role="admin")
    assert other.get(f"/haining/review/items/{made['items'][0]}/finding").status_code == 404
    theirs = client_as("jiashan", role="reviewer", department="health")
    assert theirs.get(url).status_code == 404  # not the reviewer's department
    assert reviewer.post(url, data={"reason": "伪造"}).status_code == 400
    assert _findings(county) == []
    finding = _record(county, made["user"])
    assert other.submit(f"/haining/admin/findings/{finding.id}/withdraw", {"reason": "x"},
                        form_page="/haining/admin/findings").status_code == 404


def test_a_barred_applicant_cannot_submit_and_sees_why_and_until_when(county, make_user, client_as, on_day):
    on_day(date(2027, 4, 20))
    person = client_as("jiashan", real_name="周假证")
    with county("jiashan") as session:
        from jifen.models import ApplicantProfile
        from jifen.points import evidence
        from jifen.points.rules import county_item_types

        user = session.scalar(select(User).where(User.id == person.user.id))
        session.add(ApplicantProfile(user_id=user.id, has_residence_permit=True, works_in_county_since=date(2019, 1, 1)))
        application = applications.application_of(session, user, create=True)
        item = applications.declare(session, application, county_item_types(session)["education"], EDUCATION,
                                    actor=user.actor)
        evidence.store(session, item, "d.pdf", io.BytesIO(PDF))
        session.commit()
    _record(county, person.user.id, "伪造社保缴费证明")
    zh = _text(person.get("/jiashan/me/?lang=zh_Hans_CN"))
    assert 'data-fraud-bar="2032-12-31"' in zh and "伪造社保缴费证明" in zh and "0573-84012345" in zh
    en = _text(person.get("/jiashan/me/?lang=en"))
    assert "You cannot apply in this county until 2032-12-31" in en and "hotline 0573-84012345" in en
    assert "within 15 working days" in en
    # Said once, in its own card: not among the conditions a profile can meet, with its advice to update it.
    assert en.count("You cannot apply in this county until 2032-12-31") == 1 and 'data-veto="fraud_bar"' not in en
    assert "You cannot submit while the finding above bars you." in en
    response = person.submit("/jiashan/me/submit", {"declaration": "y"}, form_page="/jiashan/me/submit")
    assert response.status_code == 302
    with county("jiashan") as session:
        assert session.scalar(select(Application.status).where(Application.user_id == person.user.id)) == "draft"
        user = session.scalar(select(User).where(User.id == person.user.id))
        state = applications.readiness(session, current_county(session).hooks,
                                       applications.application_of(session, user), user)
        assert [v.key for v in state.vetoes] == ["fraud_bar"]
    follow = _text(person.get("/jiashan/me/?lang=en"))
    assert "伪造社保缴费证明" in follow and "2032-12-31" in follow
    # the bar ends on its date: on 31 December 2032 still barred, on 1 January 2033 free
    on_day(date(2032, 12, 31))
    with county("jiashan") as session:
        assert fraud.barred(session, person.user.id) is not None
    on_day(date(2033, 1, 1))
    assert "data-fraud-bar" not in _text(person.get("/jiashan/me/?lang=en"))
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == person.user.id))
        applications.submit(session, current_county(session).hooks, applications.application_of(session, user), user)
        session.commit()


def test_a_barred_applicant_cannot_apply_to_a_program_and_withdrawal_lifts_the_bar(
        county, applicant_with_points, client_as, open_round, on_day):
    on_day(date(2027, 4, 20))
    person = applicant_with_points("jiashan", EDU)
    open_round("jiashan", "hukou_transfer")
    finding = _record(county, person.id, "伪造劳动合同")
    with county("jiashan") as session:
        program = current_county(session).programs_by_key["hukou_transfer"]
        user = session.scalar(select(User).where(User.id == person.id))
        with pytest.raises(applications.ApplicationError) as refused:
            programs.apply(session, program, user, {"town": "魏塘街道"})
        assert "伪造劳动合同" in str(refused.value.message) and "2032-12-31" in str(refused.value.message)
    browser = client_as(person)
    page = browser.submit("/jiashan/programs/hukou_transfer/apply?lang=en", {"town": "魏塘街道"},
                          form_page="/jiashan/programs/hukou_transfer?lang=en")
    assert page.status_code == 400 and "2032-12-31" in _text(page) and "伪造劳动合同" in _text(page)
    admin = client_as("jiashan", role="admin")
    register = _text(admin.get("/jiashan/admin/findings?lang=en"))
    assert f'data-finding="{finding.reference}" data-state="active"' in register
    assert "测***人" in register and "测试申请人" not in register  # the applicant masked
    refused = admin.submit(f"/jiashan/admin/findings/{finding.id}/withdraw", {"reason": ""},
                           form_page="/jiashan/admin/findings")
    assert refused.status_code == 400 and _findings(county, person.id)[0].status == "active"
    done = admin.submit(f"/jiashan/admin/findings/{finding.id}/withdraw", {"reason": "复核后劳动合同属实"},
                        form_page="/jiashan/admin/findings")
    assert done.status_code == 302
    [withdrawn] = _findings(county, person.id)
    assert (withdrawn.status, withdrawn.withdrawn_reason) == ("withdrawn", "复核后劳动合同属实")
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == person.id))
        assert programs.apply(session, current_county(session).programs_by_key["hukou_transfer"], user,
                              {"town": "魏塘街道"}).reference
        session.commit()
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.action.like("fraud.%"))
                                                     .order_by(AuditEvent.seq))]
        assert actions == ["fraud.finding_recorded", "fraud.finding_withdrawn"]
    assert 'data-state="withdrawn"' in _text(admin.get("/jiashan/admin/findings?lang=en"))


def test_an_administrator_records_a_finding_by_reference_number_with_evidence(
        county, make_user, client_as, on_day):
    on_day(date(2027, 4, 20))
    made = submitted(county, make_user, "jiashan", ("education", EDUCATION))
    with county("jiashan") as session:
        reference = session.scalar(select(Application.reference).where(Application.id == made["application"]))
    admin = client_as("jiashan", role="admin")
    typed = reference.replace("-", " ").lower()
    response = admin.submit("/jiashan/admin/findings", {"reference": typed, "reason": "伪造居住证",
                                                        "evidence": (io.BytesIO(PDF), "police.pdf")},
                            content_type="multipart/form-data")
    assert response.status_code == 302
    [finding] = _findings(county, made["user"])
    assert finding.concerns_reference == reference and finding.found_by == f"user:{admin.user.id}"
    download = admin.get(f"/jiashan/admin/findings/{finding.id}/evidence")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "no-store"
    with county("jiashan") as session:
        item = session.scalar(select(DeclaredItem).where(DeclaredItem.id == made["items"][0]))
        assert item.status == "pending"  # a finding on the application, not on one item, decides no item


def test_the_audit_trail_names_the_fraud_actions_in_words(county, make_user, client_as):
    made = submitted(county, make_user, "jiashan", ("education", EDUCATION))
    _record(county, made["user"])
    admin = client_as("jiashan", role="admin")
    page = re.sub(r'value="[^"]*"', "", _text(admin.get("/jiashan/admin/audit?lang=en")))
    assert "Finding of false materials recorded" in page and "fraud.finding_recorded" not in page
