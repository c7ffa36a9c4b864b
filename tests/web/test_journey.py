"""The applicant's journey and the department review, through the portal's pages."""

import hashlib
import stat
import io
from datetime import date

from sqlalchemy import select

from jifen.models import DeclaredItem, EvidenceFile, LedgerEntry, RuleVersion

PDF = b"%PDF-1.4\n% diploma\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EDUCATION = {"level": "bachelor", "institution": "浙江大学", "graduated_on": "2012-06-30"}


def profile(client, slug, since="2019-03-01", permit=True):
    data = {"works_in_county_since": since, "employer": "嘉善某电子厂", "town": "魏塘街道"}
    if permit:
        data["has_residence_permit"] = "y"
    return client.submit(f"/{slug}/me/profile", data)


def declare_education(client, slug, data=None):
    response = client.submit(f"/{slug}/me/items/new/education", data or EDUCATION)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.location.rstrip("/").split("/")[-1])


def upload(client, slug, item_id, name="diploma.pdf", content=PDF):
    token = client.csrf_token(f"/{slug}/me/items/{item_id}")
    return client.post(f"/{slug}/me/items/{item_id}/evidence",
                       data={"csrf_token": token, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def submitted_education_item(client, make_user, login, slug="jiashan"):
    applicant = make_user(slug)
    login(client, applicant)
    profile(client, slug)
    item_id = declare_education(client, slug)
    assert upload(client, slug, item_id).status_code == 302
    assert client.submit(f"/{slug}/me/submit", {"declaration": "y"}).status_code == 302
    return applicant, item_id


def test_applicant_declares_uploads_sees_estimate_and_submits(client, make_user, login, county):
    applicant, item_id = submitted_education_item(client, make_user, login)
    page = client.get("/jiashan/me/").get_data(as_text=True)
    assert 'data-status="submitted"' in page
    assert 'data-estimate="80.00"' in page  # Zhongshan table: bachelor 80
    history = client.get("/jiashan/me/history").get_data(as_text=True)
    assert 'data-status="submitted"' in history
    with county("jiashan") as session:
        item = session.scalar(select(DeclaredItem).where(DeclaredItem.id == item_id))
        assert item.status == "pending" and item.department == "education" and item.due_on > date.today()


def test_upload_whose_bytes_are_not_what_the_name_says_is_refused(client, make_user, login, county, app):
    login(client, make_user("jiashan"))
    item_id = declare_education(client, "jiashan")
    client.get("/jiashan/?lang=en")
    fake = upload(client, "jiashan", item_id, "diploma.pdf", b"MZ\x90\x00 this is an executable")
    assert fake.status_code == 400 and "not the PDF its name says" in fake.get_data(as_text=True)
    png_named_jpg = upload(client, "jiashan", item_id, "photo.jpg", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    assert png_named_jpg.status_code == 400
    assert upload(client, "jiashan", item_id).status_code == 302
    with county("jiashan") as session:
        records = session.scalars(select(EvidenceFile).where(EvidenceFile.item_id == item_id)).all()
        assert len(records) == 1 and records[0].sha256 == hashlib.sha256(PDF).hexdigest()
        from jifen.points import evidence

        with app.app_context():
            stored = evidence.path_of(records[0])
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == records[0].sha256
            # Only the application's own user reads evidence.
            assert stat.S_IMODE(stored.stat().st_mode) == 0o600
            assert stat.S_IMODE(stored.parent.stat().st_mode) == 0o700
            assert stat.S_IMODE(stored.parent.parent.stat().st_mode) == 0o700
    download = client.get(f"/jiashan/me/evidence/{records[0].id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "no-store"


def test_vetoed_applicant_cannot_submit_and_is_told_which_condition_failed(client, make_user, login):
    login(client, make_user("jiashan"))
    profile(client, "jiashan", since=date.today().replace(day=1).isoformat(), permit=False)
    item_id = declare_education(client, "jiashan")
    upload(client, "jiashan", item_id)
    client.get("/jiashan/?lang=en")
    page = client.get("/jiashan/me/").get_data(as_text=True)
    assert 'data-veto="residence_permit"' in page and 'data-veto="work_years"' in page
    response = client.submit("/jiashan/me/submit", {"declaration": "y"}, follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "residence permit" in html and "continuous work" in html
    assert 'data-status="draft"' in html


def test_bad_item_input_keeps_what_was_typed(client, make_user, login):
    login(client, make_user("haining"))
    client.get("/haining/?lang=en")
    response = client.submit("/haining/me/items/new/education",
                             {"level": "bachelor", "institution": "某大学", "graduated_on": "2012-13-45"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Not a valid date." in html
    assert 'value="某大学"' in html and 'value="bachelor" selected' in html
    assert "Nothing declared yet" in client.get("/haining/me/").get_data(as_text=True)


def test_reviewer_sees_own_county_and_department_only(client, app, make_user, login):
    _, jiashan_item = submitted_education_item(client, make_user, login, "jiashan")
    other = app.test_client()
    other.__class__ = type(client)
    _, haining_item = submitted_education_item(other, make_user, login, "haining")

    reviewer = app.test_client()
    reviewer.__class__ = type(client)
    login(reviewer, make_user("jiashan", role="reviewer", department="education"))
    queue = reviewer.get("/jiashan/review/").get_data(as_text=True)
    assert f'data-item="{jiashan_item}"' in queue and f'data-item="{haining_item}"' not in queue
    assert reviewer.get(f"/jiashan/review/items/{jiashan_item}").status_code == 200
    assert reviewer.get(f"/jiashan/review/items/{haining_item}").status_code == 404

    police = app.test_client()
    police.__class__ = type(client)
    login(police, make_user("jiashan", role="reviewer", department="public_security"))
    assert f'data-item="{jiashan_item}"' not in police.get("/jiashan/review/").get_data(as_text=True)
    assert police.get(f"/jiashan/review/items/{jiashan_item}").status_code == 404

    haining_reviewer = app.test_client()
    haining_reviewer.__class__ = type(client)
    login(haining_reviewer, make_user("haining", role="reviewer", department="education"))
    assert haining_reviewer.get(f"/haining/review/items/{jiashan_item}").status_code == 404
    assert f'data-item="{jiashan_item}"' not in haining_reviewer.get("/haining/review/").get_data(as_text=True)


def test_supplement_loops_twice_then_verifies_and_the_applicant_sees_each_reason(client, app, make_user, login, county):
    applicant, item_id = submitted_education_item(client, make_user, login)
    reviewer = app.test_client()
    reviewer.__class__ = type(client)
    login(reviewer, make_user("jiashan", role="reviewer", department="education"))
    reviewer.get("/jiashan/?lang=en")
    missing_reason = reviewer.submit(f"/jiashan/review/items/{item_id}", {"decision": "supplement_requested", "reason": ""})
    assert missing_reason.status_code == 400 and "Give the reason" in missing_reason.get_data(as_text=True)

    reasons = ["请补充学位证书原件扫描件", "扫描件不清晰，请重新上传"]
    for number, reason in enumerate(reasons, start=1):
        assert reviewer.submit(f"/jiashan/review/items/{item_id}",
                               {"decision": "supplement_requested", "reason": reason}).status_code == 302
        page = client.get(f"/jiashan/me/items/{item_id}").get_data(as_text=True)
        assert reason in page and 'data-status="supplement_requested"' in page
        assert upload(client, "jiashan", item_id, f"degree-{number}.pdf").status_code == 302
        assert client.submit(f"/jiashan/me/items/{item_id}/supplement", {"note": f"已补充 {number}"},
                             form_page=f"/jiashan/me/items/{item_id}").status_code == 302
    assert reviewer.submit(f"/jiashan/review/items/{item_id}", {"decision": "verified", "reason": ""}).status_code == 302

    page = client.get("/jiashan/me/").get_data(as_text=True)
    assert 'data-status="confirmed"' in page and 'data-total="80.00"' in page
    history = client.get("/jiashan/me/history").get_data(as_text=True)
    assert all(reason in history for reason in reasons)
    messages = client.get("/jiashan/me/messages").get_data(as_text=True)
    assert reasons[0] in messages and reasons[1] in messages and "80.00" in messages
    with county("jiashan") as session:
        rows = session.scalars(select(LedgerEntry).where(LedgerEntry.item_id == item_id)).all()
        assert [(r.points, r.raw_points) for r in rows] == [(80, 80)]


def test_changing_a_points_value_makes_a_new_rule_version_and_keeps_old_ledgers(client, app, make_user, login, county,
                                                                              save_points_table):
    applicant, item_id = submitted_education_item(client, make_user, login)
    reviewer = app.test_client()
    reviewer.__class__ = type(client)
    login(reviewer, make_user("jiashan", role="reviewer", department="education"))
    reviewer.submit(f"/jiashan/review/items/{item_id}", {"decision": "verified", "reason": ""})
    with county("jiashan") as session:
        old_version = session.scalar(select(LedgerEntry.rule_version).where(LedgerEntry.item_id == item_id))

    admin = app.test_client()
    admin.__class__ = type(client)
    login(admin, make_user("jiashan", role="admin"))
    admin.get("/jiashan/?lang=en")
    bad = admin.submit("/jiashan/admin/rules/education", {"points.bachelor": "eighty"})
    assert bad.status_code == 400 and 'value="eighty"' in bad.get_data(as_text=True)
    form = {f"points.{level}": value for level, value in
            {"junior_high": "20", "senior_high": "30", "college": "60", "bachelor": "85", "master": "85", "phd": "85"}.items()}
    assert save_points_table(admin, "jiashan", "education", form).saved.status_code == 302
    with county("jiashan") as session:
        versions = session.scalars(select(RuleVersion.version).order_by(RuleVersion.version)).all()
        assert versions[-1] == old_version + 1
        rows = session.scalars(select(LedgerEntry).where(LedgerEntry.item_id == item_id)).all()
        assert [(r.rule_version, r.points) for r in rows] == [(old_version, 80)]  # untouched
    calc = client.get("/jiashan/calculator?go=1&education-0-level=bachelor&education-0-institution=x1"
                      "&education-0-graduated_on=2012-06-30").get_data(as_text=True)
    assert 'data-estimate="85.00"' in calc


def test_family_spouse_link_needs_both_sides(client, app, make_user, login, county):
    wife = make_user("jiashan", real_name="王芳")
    husband = make_user("jiashan", real_name="李强")
    login(client, wife)
    other = app.test_client()
    other.__class__ = type(client)
    login(other, husband)
    client.get("/jiashan/?lang=en")
    client.submit("/jiashan/me/family", {"relation": "spouse", "real_name": "李强", "id_number": husband.id_number})
    assert "Waiting for your spouse" in client.get("/jiashan/me/family").get_data(as_text=True)
    bad = other.submit("/jiashan/me/family", {"relation": "spouse", "real_name": "王芳", "id_number": "123"})
    assert bad.status_code == 400 and 'value="王芳"' in bad.get_data(as_text=True)
    other.submit("/jiashan/me/family", {"relation": "spouse", "real_name": "王芳", "id_number": wife.id_number})
    assert "both of you declared each other" in client.get("/jiashan/me/family").get_data(as_text=True)
    assert wife.id_number not in client.get("/jiashan/me/family").get_data(as_text=True)


def test_profile_with_a_future_date_is_refused_and_keeps_input(client, make_user, login):
    login(client, make_user("jiashan"))
    client.get("/jiashan/?lang=en")
    response = client.submit("/jiashan/me/profile", {"works_in_county_since": "2999-01-01", "employer": "某纺织厂"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "in the future" in html and 'value="某纺织厂"' in html
