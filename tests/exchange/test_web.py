"""The reviewer's pages: export the queue, fill it in, upload (dry run), apply; CSRF, roles, kept options."""

import csv
import io
import re

from sqlalchemy import select

from jifen.models import AuditEvent, DeclaredItem

from .helpers import counts, csv_file, xlsx_file, xlsx_rows

IMPORT = "/jiashan/review/import"
APPLY = "/jiashan/review/import/apply"


def statuses(county, ids):
    with county("jiashan") as session:
        found = dict(session.execute(select(DeclaredItem.id, DeclaredItem.status).where(DeclaredItem.id.in_(ids))).all())
        return [found[i] for i in ids]


def upload(client, data: bytes, name: str, **fields):
    return client.submit(IMPORT, {"file": (io.BytesIO(data), name), **fields}, content_type="multipart/form-data")


def apply_fields(html: str) -> dict:
    """The hidden fields and the button of the page's apply form."""
    form = html[html.index('action="/jiashan/review/import/apply"'):]
    form = form[:form.index("</form>")]
    fields = dict(re.findall(r'name="(token|sha256|file_name|department)"[^>]*value="([^"]*)"', form))
    fields["skip_bad_rows"] = re.search(r'name="skip_bad_rows" value="([^"]*)"', form).group(1)
    return fields


def reviewer(make_user, login, client, slug="jiashan", department="education"):
    user = make_user(slug, role="reviewer", department=department)
    login(client, user)
    return user


def test_export_fill_in_upload_check_then_apply_round_trip_as_xlsx(client, county, make_user, login, queues):
    reviewer(make_user, login, client)
    page = client.get("/jiashan/review/").get_data(as_text=True)
    assert "/jiashan/review/queue.xlsx" in page and "/jiashan/review/queue.csv" in page and IMPORT in page
    exported = client.get("/jiashan/review/queue.xlsx")
    assert exported.status_code == 200 and exported.mimetype.endswith("spreadsheetml.sheet")
    rows = xlsx_rows(exported.data)
    assert rows[0] == ["申请编号", "事项编号", "事项类型", "申请人", "申报内容", "办理期限", "审核结果", "理由"]
    ids = [queues.item(n) for n in range(4)]
    assert sorted(r[1] for r in rows[1:]) == sorted(f"#{i}" for i in ids)  # only this county's education items
    assert {r[3] for r in rows[1:]} == {"陈*民", "王*芳", "李*国", "孙*平"}  # masked, as on the reviewer's pages
    assert all("浙江大学" in r[4] for r in rows[1:])
    by_item = {r[1]: r for r in rows[1:]}
    by_item[f"#{ids[0]}"][6] = "通过"
    by_item[f"#{ids[1]}"][6:8] = ["不通过", "学历证书与学信网记录不符"]
    checked = upload(client, xlsx_file(rows), "queue.xlsx")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and 'data-result="preview"' in html and 'data-counts="2/0/2"' in html
    assert "将记录" in html  # "would be recorded": the page is in Chinese by default
    assert statuses(county, ids) == ["pending"] * 4  # the check wrote nothing
    applied = client.submit(APPLY, apply_fields(html), form_page=IMPORT)
    html = applied.get_data(as_text=True)
    assert applied.status_code == 200 and 'data-result="written"' in html
    assert statuses(county, ids) == ["verified", "rejected", "pending", "pending"]
    again = client.submit(APPLY, apply_fields(checked.get_data(as_text=True)), form_page=IMPORT)
    assert again.status_code == 303  # the kept file is gone once applied: nothing is applied twice


def test_the_csv_export_is_for_excel_and_imports_back(client, county, make_user, login, queues):
    reviewer(make_user, login, client)
    client.get("/jiashan/?lang=en")
    exported = client.get("/jiashan/review/queue.csv")
    assert exported.data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads the Chinese right
    rows = list(csv.reader(io.StringIO(exported.data.decode("utf-8-sig"))))
    assert rows[0][:2] == ["application", "item"] and len(rows) == 5
    for row in rows[1:]:
        row[6] = "approved"
    checked = upload(client, csv_file(rows), "queue.csv")
    applied = client.submit(APPLY, apply_fields(checked.get_data(as_text=True)), form_page=IMPORT)
    assert applied.status_code == 200
    assert statuses(county, [queues.item(n) for n in range(4)]) == ["verified"] * 4


def test_bad_rows_are_listed_and_only_an_explicit_skip_applies_the_good_ones(client, county, make_user, login, queues):
    reviewer(make_user, login, client)
    client.get("/jiashan/?lang=en")
    good, bad = queues.item(0), queues.item(1)
    data = csv_file([["item", "decision", "reason"], [f"#{good}", "通过", ""], [f"#{bad}", "不通过", ""],
                     [f"#{queues.skill['items'][0]}", "通过", ""]])
    checked = upload(client, data, "results.csv")
    html = checked.get_data(as_text=True)
    assert 'data-result="blocked"' in html and "nothing would be written" in html
    assert "line 3: a rejection or a supplement request needs a reason" in html
    assert f"line 4: item #{queues.skill['items'][0]} not found" in html  # another department's item
    fields = apply_fields(html)
    assert fields["skip_bad_rows"] == "1"  # the only button offered: apply the good rows, skip the bad
    with county("jiashan") as session:
        before = counts(session)
    refused = client.submit(APPLY, {**fields, "skip_bad_rows": ""}, form_page=IMPORT)
    assert refused.status_code == 400 and "Nothing was written" in refused.get_data(as_text=True)
    with county("jiashan") as session:
        assert counts(session) == before
    applied = client.submit(APPLY, fields, form_page=IMPORT)
    assert applied.status_code == 200 and 'data-result="written"' in applied.get_data(as_text=True)
    assert statuses(county, [good, bad]) == ["verified", "pending"]
    with county("jiashan") as session:
        record = session.scalar(select(AuditEvent).where(AuditEvent.action == "verifications.imported"))
        assert record.details["bad_lines"] == [3, 4]


def test_a_file_that_cannot_be_read_answers_400_and_keeps_the_chosen_options(client, make_user, login, queues):
    admin = make_user("jiashan", role="admin")
    login(client, admin)
    client.get("/jiashan/?lang=en")
    response = upload(client, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 64, "old.xls",
                      department="human_resources", skip_bad_rows="y")
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "old Excel file (.xls)" in html
    assert re.search(r'<option selected value="human_resources">|<option value="human_resources" selected', html)
    assert re.search(r'id="skip_bad_rows" name="skip_bad_rows" type="checkbox" value="y" checked|checked[^>]*name="skip_bad_rows"', html)
    no_department = upload(client, csv_file([["item", "decision"], ["#1", "通过"]]), "a.csv")
    assert no_department.status_code == 400 and "Choose the department" in no_department.get_data(as_text=True)
    no_file = client.submit(IMPORT, {"department": "education"}, content_type="multipart/form-data")
    assert no_file.status_code == 400 and "Choose a file." in no_file.get_data(as_text=True)


def test_an_administrator_imports_for_the_chosen_department(client, county, make_user, login, queues):
    login(client, make_user("jiashan", role="admin"))
    assert client.get("/jiashan/review/queue.csv").status_code == 302  # no department chosen: back to the queue
    rows = list(csv.reader(io.StringIO(client.get("/jiashan/review/queue.csv?department=human_resources")
                                       .data.decode("utf-8-sig"))))
    assert [r[1] for r in rows[1:]] == [f"#{queues.skill['items'][0]}"]
    rows[1][6] = "通过"
    checked = upload(client, csv_file(rows), "hr.csv", department="human_resources")
    client.submit(APPLY, apply_fields(checked.get_data(as_text=True)), form_page=IMPORT)
    with county("jiashan") as session:
        assert session.scalar(select(DeclaredItem.status).where(DeclaredItem.id == queues.skill["items"][0])) == "verified"


def test_csrf_roles_and_counties(app, client, county, make_user, login, queues):
    data = csv_file([["item", "decision"], [f"#{queues.item(0)}", "通过"]])
    applicant = make_user("jiashan")
    login(client, applicant)
    assert client.get(IMPORT).status_code == 403
    assert client.get("/jiashan/review/queue.csv").status_code == 403
    token = client.csrf_token("/jiashan/account")
    assert client.post(IMPORT, data={"csrf_token": token, "file": (io.BytesIO(data), "a.csv")},
                       content_type="multipart/form-data").status_code == 403

    other = app.test_client()
    other.__class__ = type(client)
    reviewer(make_user, login, other)
    without_token = other.post(IMPORT, data={"file": (io.BytesIO(data), "a.csv")}, content_type="multipart/form-data")
    assert without_token.status_code == 400
    assert statuses(county, [queues.item(0)]) == ["pending"]
    # A Haining reviewer's session is worthless on Jiashan's pages, and Jiashan's items are not in Haining.
    haining = app.test_client()
    haining.__class__ = type(client)
    reviewer(make_user, login, haining, slug="haining")
    assert haining.get(IMPORT).status_code == 302
    haining.get("/haining/?lang=en")
    checked = haining.submit("/haining/review/import", {"file": (io.BytesIO(data), "a.csv")},
                             content_type="multipart/form-data")
    assert f"item #{queues.item(0)} not found" in checked.get_data(as_text=True)


def test_only_the_uploader_can_apply_a_kept_file(app, client, county, make_user, login, queues):
    reviewer(make_user, login, client)
    checked = upload(client, csv_file([["item", "decision"], [f"#{queues.item(0)}", "通过"]]), "a.csv")
    fields = apply_fields(checked.get_data(as_text=True))
    colleague = app.test_client()
    colleague.__class__ = type(client)
    reviewer(make_user, login, colleague)
    assert colleague.submit(APPLY, fields, form_page=IMPORT).status_code == 303
    assert client.submit(APPLY, {**fields, "sha256": "0" * 64}, form_page=IMPORT).status_code == 303
    assert statuses(county, [queues.item(0)]) == ["pending"]
    assert client.submit(APPLY, fields, form_page=IMPORT).status_code == 200
    assert statuses(county, [queues.item(0)]) == ["verified"]


def test_cells_of_the_uploaded_file_are_escaped_in_the_report(client, make_user, login, queues):
    # The row problems are lazy messages carrying the file's cells; rendered as they are, Jinja would
    # take them for markup (they have __html__) and a hostile file would inject HTML into the page.
    reviewer(make_user, login, client)
    client.get("/jiashan/?lang=en")
    data = csv_file([["item", "decision"], [f"#{queues.item(0)}", '<img src=x data-injected="1">'],
                     ['<b data-injected="2">7</b>', "通过"]])
    html = upload(client, data, "a.csv").get_data(as_text=True)
    assert "is not a decision" in html and "is not an item number" in html
    assert "<img src=x" not in html and "<b data-injected" not in html
    assert "&lt;img src=x" in html and "&lt;b data-injected" in html

