"""Several application servers on one database: what one stored, another serves (JIFEN_STORAGE=database).

Each server here is its own application object, with its own engine and its own instance folder, as
two gunicorn hosts behind a load balancer are; they share only the database.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from jifen.models import DeclaredItem, EvidenceFile
from jifen.testing.pytest_plugin import JifenClient

PDF = b"%PDF-1.4\n% diploma\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EDUCATION = {"level": "bachelor", "institution": "浙江大学", "graduated_on": "2012-06-30"}


@pytest.fixture
def jifen_config(request):
    return {"JIFEN_STORAGE": getattr(request, "param", "database")}


@pytest.fixture
def second_server(app, tmp_path, monkeypatch):
    """Another application object on the same database, with a different instance (and evidence) folder."""
    from jifen.app import create_app

    monkeypatch.setenv("JIFEN_INSTANCE_PATH", str(tmp_path / "second-instance"))
    config = {key: app.config[key] for key in ("JIFEN_ENV", "SECRET_KEY", "DATABASE_URL", "DATABASE_OWNER_URL",
                                               "RATELIMIT_ENABLED", "JIFEN_TENANTS_DIR", "JIFEN_DB_KIND",
                                               "JIFEN_STORAGE")}
    config["JIFEN_EVIDENCE_DIR"] = str(tmp_path / "second-evidence")
    other = create_app(config)
    assert other is not app and other.instance_path != app.instance_path
    other.test_client_class = JifenClient
    yield other
    other.extensions["jifen.db"].dispose()


def client_of(server, user, login) -> JifenClient:
    server.test_client_class = JifenClient
    client = server.test_client()
    login(client, user)
    return client


def upload_evidence(client, slug="jiashan") -> int:
    """Profile, an education item with a diploma, submitted: through the pages of one server."""
    assert client.submit(f"/{slug}/me/profile", {"works_in_county_since": "2019-03-01", "employer": "嘉善某电子厂",
                                                 "town": "魏塘街道", "has_residence_permit": "y"}).status_code == 302
    declared = client.submit(f"/{slug}/me/items/new/education", EDUCATION)
    assert declared.status_code == 302
    item_id = int(declared.location.rstrip("/").split("/")[-1])
    token = client.csrf_token(f"/{slug}/me/items/{item_id}")
    uploaded = client.post(f"/{slug}/me/items/{item_id}/evidence",
                           data={"csrf_token": token, "file": (io.BytesIO(PDF), "diploma.pdf")},
                           content_type="multipart/form-data")
    assert uploaded.status_code == 302
    assert client.submit(f"/{slug}/me/submit", {"declaration": "y"}).status_code == 302
    return item_id


def test_evidence_uploaded_on_one_server_is_served_by_another(app, second_server, county, make_user, login):
    applicant = make_user("jiashan")
    item_id = upload_evidence(client_of(app, applicant, login))
    with county("jiashan") as session:
        record = session.scalar(select(EvidenceFile).where(EvidenceFile.item_id == item_id))
        assert record.sha256 == hashlib.sha256(PDF).hexdigest()
    for server in (app, second_server):  # no server wrote a file to its folder: the bytes are in the database
        folder = Path(server.config["JIFEN_EVIDENCE_DIR"])
        assert not folder.exists() or not [p for p in folder.rglob("*") if p.is_file()]

    reviewer = client_of(second_server, make_user("jiashan", role="reviewer", department="education"), login)
    download = reviewer.get(f"/jiashan/review/evidence/{record.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Cache-Control"] == "no-store"
    assert download.mimetype == "application/pdf" and "diploma.pdf" in download.headers["Content-Disposition"]
    own = client_of(second_server, applicant, login).get(f"/jiashan/me/evidence/{record.id}")
    assert own.status_code == 200 and own.data == PDF and own.headers["Cache-Control"] == "no-store"

    # The same access checks on every server: another applicant, another department, another county.
    assert client_of(second_server, make_user("jiashan"), login).get(f"/jiashan/me/evidence/{record.id}").status_code == 404
    police = client_of(second_server, make_user("jiashan", role="reviewer", department="public_security"), login)
    assert police.get(f"/jiashan/review/evidence/{record.id}").status_code == 404
    haining = client_of(second_server, make_user("haining", role="reviewer", department="education"), login)
    assert haining.get(f"/haining/review/evidence/{record.id}").status_code == 404
    assert second_server.test_client().get(f"/jiashan/review/evidence/{record.id}").status_code == 302  # anonymous


@pytest.mark.parametrize("jifen_config", ["folder"], indirect=True)
def test_with_a_folder_per_server_the_other_server_cannot_serve_it(app, second_server, county, make_user, login):
    """Why several servers need the shared store: the second server's folder does not have the file."""
    applicant = make_user("jiashan")
    item_id = upload_evidence(client_of(app, applicant, login))
    with county("jiashan") as session:
        record = session.scalar(select(EvidenceFile).where(EvidenceFile.item_id == item_id))
    assert client_of(app, applicant, login).get(f"/jiashan/me/evidence/{record.id}").data == PDF
    assert client_of(second_server, applicant, login).get(f"/jiashan/me/evidence/{record.id}").status_code == 404


def test_an_import_checked_on_one_server_is_applied_on_another(app, second_server, county, make_user, login):
    item_id = upload_evidence(client_of(app, make_user("jiashan"), login))
    clerk = make_user("jiashan", role="reviewer", department="education")
    buffer = io.StringIO()
    csv.writer(buffer).writerows([["item", "decision"], [f"#{item_id}", "通过"]])
    first = client_of(app, clerk, login)
    checked = first.submit("/jiashan/review/import", {"file": (io.BytesIO(buffer.getvalue().encode("utf-8-sig")), "a.csv")},
                           content_type="multipart/form-data")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and 'data-result="preview"' in html
    form = html[html.index('action="/jiashan/review/import/apply"'):]
    form = form[:form.index("</form>")]
    fields = dict(re.findall(r'name="(token|sha256|file_name|department)"[^>]*value="([^"]*)"', form))
    fields["skip_bad_rows"] = re.search(r'name="skip_bad_rows" value="([^"]*)"', form).group(1)

    applied = client_of(second_server, clerk, login).submit("/jiashan/review/import/apply", fields,
                                                           form_page="/jiashan/review/import")
    assert applied.status_code == 200 and 'data-result="written"' in applied.get_data(as_text=True)
    with county("jiashan") as session:
        assert session.scalar(select(DeclaredItem.status).where(DeclaredItem.id == item_id)) == "verified"
    again = first.submit("/jiashan/review/import/apply", fields, form_page="/jiashan/review/import")
    assert again.status_code == 303  # applied once, on whichever server: the kept file is gone for all
