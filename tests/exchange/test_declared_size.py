"""A workbook is refused by the size it declares, before a row is read."""

from __future__ import annotations

import io
import re
import zipfile

import openpyxl
import pytest

from jifen.exchange import spreadsheets
from jifen.exchange.spreadsheets import SheetError, read_table


def workbook(rows: int, declared: str | None = None) -> bytes:
    """A queue workbook; ``declared`` rewrites its sheet's dimension ("" leaves none)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["item", "decision"])
    for n in range(rows):
        sheet.append([str(n), "通过"])
    out = io.BytesIO()
    book.save(out)
    if declared is None:
        return out.getvalue()

    source, target = zipfile.ZipFile(io.BytesIO(out.getvalue())), io.BytesIO()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as patched:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                replacement = f'<dimension ref="{declared}"/>'.encode() if declared else b""
                data = re.sub(rb'<dimension ref="[^"]+"\s*/>', replacement, data)
            patched.writestr(info, data)
    return target.getvalue()


def test_a_sheet_declaring_a_million_rows_is_refused_before_its_rows_are_read(monkeypatch):
    data = workbook(3, declared="A1:B1200000")
    read = []
    original = openpyxl.worksheet._read_only.ReadOnlyWorksheet.iter_rows  # type: ignore[attr-defined]
    monkeypatch.setattr(openpyxl.worksheet._read_only.ReadOnlyWorksheet, "iter_rows",
                        lambda self, *a, **k: read.append(1) or original(self, *a, **k))
    with pytest.raises(SheetError, match="more than 2000 rows"):
        read_table(data, "queue.xlsx", max_rows=2000)
    assert read == []


def test_a_sheet_of_the_size_it_says_is_read():
    table = read_table(workbook(3), "queue.xlsx", max_rows=2000)
    assert [cells[:2] for _, cells in table.rows] == [["0", "通过"], ["1", "通过"], ["2", "通过"]]


def test_a_sheet_with_more_blank_lines_than_allowed_stops_reading(monkeypatch):
    book = openpyxl.Workbook()
    book.active.append(["item", "decision"])
    book.active.cell(row=40, column=1, value="1")  # one row, far down
    out = io.BytesIO()
    book.save(out)
    monkeypatch.setattr(spreadsheets, "MAX_BLANK_LINES", 2)
    with pytest.raises(SheetError, match="more than 5 rows"):
        read_table(out.getvalue(), "queue.xlsx", max_rows=5)
    monkeypatch.setattr(spreadsheets, "MAX_BLANK_LINES", 1000)
    assert len(read_table(out.getvalue(), "queue.xlsx", max_rows=5).rows) == 1
