"""The administrator's onboarding page: a dry run showing what would be created, then apply; admins only."""

import io
from datetime import date

from sqlalchemy import select

from jifen.identity import accounts
from jifen.models import AuditEvent, Job, User

from .test_onboarding import EDUCATION_ROW, ITEM_HEADER, REGISTRANT, REGISTRANTS, _sheets

PAGE = "/jiashan/admin/onboarding"


def _upload(client, data):
    """Upload: the check runs as a job; the page it leads to shows the job's report."""
    started = client.submit(PAGE, {"file": (io.BytesIO(data), "county.xlsx")}, content_type="multipart/form-data")
    assert started.status_code == 303 and "?job=" in started.location
    return client.get(started.location)


def test_an_administrator_checks_then_applies_the_workbook(client_as, county, on_day):
    on_day(date(2027, 3, 20))
    admin = client_as("jiashan", role="admin")
    checked = _upload(admin, _sheets(登记人=REGISTRANTS, 已确认事项=[ITEM_HEADER, EDUCATION_ROW]))
    page = checked.get_data(as_text=True)
    assert checked.status_code == 200 and 'data-result="preview"' in page and 'data-totals="1/1/0/0"' in page
    assert "陈新民" not in page and "陈*民" in page  # masked, even to the administrator
    with county("jiashan") as session:
        assert accounts.find_by_id_number(session, REGISTRANT[0]) is None  # a dry run writes nothing
    token = page.split('name="token" value="')[1].split('"')[0]
    sha = page.split('name="sha256" value="')[1].split('"')[0]
    applied = admin.submit(f"{PAGE}/apply", {"token": token, "sha256": sha, "file_name": "county.xlsx"},
                           form_page=PAGE)
    assert applied.status_code == 303
    with county("jiashan") as session:  # the import ran as a job, not in the request
        job = session.scalar(select(Job).where(Job.kind == "exchange.onboarding").order_by(Job.created_at.desc(),
                                                                                          Job.id.desc()))
        assert job.state == "finished" and job.params["dry_run"] is False and job.result["written"] is True
    assert 'data-result="written"' in admin.get(applied.location).get_data(as_text=True)
    again = admin.submit(f"{PAGE}/apply", {"token": token, "sha256": sha, "file_name": "county.xlsx"},
                         form_page=PAGE, follow_redirects=True)
    assert "no longer kept" in again.get_data(as_text=True) or "不再保留" in again.get_data(as_text=True)
    with county("jiashan") as session:
        user = accounts.find_by_id_number(session, REGISTRANT[0])
        assert user is not None and user.role == "applicant"
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "onboarding.imported"))
        assert event.actor == f"user:{admin.user.id}"


def test_a_bad_line_is_named_on_the_page_and_nothing_is_kept_to_apply(client_as, county, on_day):
    on_day(date(2027, 3, 20))
    admin = client_as("jiashan", role="admin")
    admin.get(f"{PAGE}?lang=en")  # the report in English, remembered for the session
    bad = [REGISTRANTS[0], REGISTRANT, [REGISTRANT[0], "陈新民", "13900000009"]]
    answer = _upload(admin, _sheets(登记人=bad))
    page = answer.get_data(as_text=True)
    assert 'data-result="blocked"' in page and "registrants, line 3" in page and "/apply" not in page
    with county("jiashan") as session:
        assert session.scalar(select(User).where(User.mobile == REGISTRANT[2])) is None


def test_a_reviewer_may_not_import_registrants(client_as):
    reviewer = client_as("jiashan", role="reviewer")
    assert reviewer.get(PAGE).status_code == 403


def test_another_kind_of_job_or_another_countys_is_not_shown_here(client_as, county, on_day):
    on_day(date(2027, 3, 20))
    admin = client_as("jiashan", role="admin")
    _upload(admin, _sheets(登记人=REGISTRANTS))
    with county("jiashan") as session:
        job = session.scalar(select(Job).where(Job.kind == "exchange.onboarding"))
    assert admin.get(f"{PAGE}?job={job.id}").status_code == 200
    assert admin.get(f"{PAGE}?job=abc").status_code == 404
    other = client_as("haining", role="admin")
    assert other.get(f"/haining/admin/onboarding?job={job.id}").status_code == 404
