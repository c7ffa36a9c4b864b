"""Spreadsheets in and out: CSV and XLSX tables, numbered by the lines a clerk sees.

Reading: the bytes decide the kind (an XLSX workbook is a zip archive; anything else is read as CSV
text: UTF-8 with or without a BOM, else GB18030, which is what Excel in China saves, or UTF-16 with
a BOM, Excel's "Unicode text"). Line 1 is the header; a row's line number is its row number in the
spreadsheet, so a quoted cell spanning several physical lines still counts as one. Empty rows are
left out but keep their numbers.

Writing: CSV for Excel (UTF-8 with a BOM, so Excel does not take it for the local code page) and
XLSX. A text cell that a spreadsheet would run as a formula (starting with = + - @, or a tab or
carriage return before one) gets a leading apostrophe; reading strips that apostrophe again, so an
export imports back unchanged.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import IO, Iterable, Iterator

from jifen.text import lazy_gettext as _l

MAX_COLUMNS = 40  # cells read per row; a clerk's sheet has a handful, a hostile one may have thousands
MAX_UNPACKED_BYTES = 64 * 1024 * 1024  # an XLSX's parts once unzipped (zip bombs)
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_SPACES = " \t\r\n\u3000\u00a0\ufeff"
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class SheetError(ValueError):
    """The file as a whole cannot be read; ``line`` names the line when one is to blame."""

    def __init__(self, message, line: int | None = None) -> None:
        super().__init__(str(message))
        self.message = message
        self.line = line


@dataclass(frozen=True)
class Table:
    kind: str  # "csv" or "xlsx"
    encoding: str | None  # CSV only
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number, cells); empty rows left out


# --- reading ---------------------------------------------------------------------------------

def read_table(data: bytes, filename: str = "", *, max_rows: int) -> Table:
    """Read ``data`` (an uploaded file) into a table; raise :class:`SheetError` with a clear message."""
    name = (filename or "").lower()
    if not data.strip(b" \t\r\n\xef\xbb\xbf"):
        raise SheetError(_l("The file is empty."))
    if data.startswith(b"PK\x03\x04"):
        table = _read_xlsx(data, max_rows)
    elif data.startswith(b"\xd0\xcf\x11\xe0"):
        raise SheetError(_l("This is an old Excel file (.xls): save it as an Excel workbook (.xlsx) or as CSV."))
    elif name.endswith((".xlsx", ".xlsm")):
        raise SheetError(_l("The file is named .xlsx but is not an Excel workbook."))
    else:
        table = _read_csv(data, max_rows)
    if not any(table.header):
        raise SheetError(_l("Line 1 must be the header (the column names); it is empty."), line=1)
    if not table.rows:
        raise SheetError(_l("The file has a header but no rows under it."))
    return table


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise SheetError(_l("The file says it is UTF-16 text but is not.")) from None
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        first_bad = data[:exc.start].count(b"\n") + 1
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise SheetError(_l("The file is not text in UTF-8 or GB18030 (first unreadable bytes on line %(line)d): "
                            "save it as \"CSV UTF-8\" or as an Excel workbook (.xlsx).", line=first_bad),
                         line=first_bad) from None


def _read_csv(data: bytes, max_rows: int) -> Table:
    text, encoding = _decode(data)
    if "\x00" in text:
        raise SheetError(_l("The file is not a CSV text file: save it as \"CSV UTF-8\" or as an Excel workbook (.xlsx)."))
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    line = 0
    try:
        for record in reader:
            line += 1
            cells = [clean_cell(value) for value in record[:MAX_COLUMNS]]
            if header is None:
                header = cells
            elif any(cells):
                rows.append((line, cells))
                if len(rows) > max_rows:
                    raise _too_many(max_rows)
    except csv.Error as exc:
        raise SheetError(_l("Line %(line)d cannot be read as CSV (%(detail)s).", line=line + 1, detail=str(exc)),
                         line=line + 1) from None
    return Table("csv", encoding, header or [], rows)


MAX_BLANK_LINES = 1000  # blank lines a sheet may have beyond its rows


def _too_many(max_rows: int) -> SheetError:
    return SheetError(_l("The file has more than %(n)d rows: split it into several files.", n=max_rows))


def _read_xlsx(data: bytes, max_rows: int) -> Table:
    import openpyxl  # imported here: only uploads of workbooks need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise SheetError(_l("The file is not a readable Excel workbook (.xlsx).")) from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise SheetError(_l("The workbook is too large once unpacked: split it into several files."))
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise SheetError(_l("The file is not a readable Excel workbook (.xlsx).")) from None
    try:
        if not workbook.worksheets:
            raise SheetError(_l("The workbook has no sheet."))
        sheet = workbook.worksheets[0]  # the first sheet; others are the clerk's own
        # The size the sheet declares (<dimension ref="A1:C1200000">), read before any row: a small file
        # can declare a million rows, and walking them would hold a worker for seconds.
        declared = sheet.max_row if isinstance(sheet.max_row, int) else None
        if declared is not None and declared > max_rows + 1 + MAX_BLANK_LINES:
            raise _too_many(max_rows)
        header: list[str] | None = None
        rows: list[tuple[int, list[str]]] = []
        for line, values in enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1):
            if line > max_rows + 1 + MAX_BLANK_LINES:  # a sheet without a true dimension: stop all the same
                raise _too_many(max_rows)
            cells = [clean_cell(_cell_text(v)) for v in values]
            if header is None:
                header = cells
            elif any(cells):
                rows.append((line, cells))
                if len(rows) > max_rows:
                    raise _too_many(max_rows)
    except SheetError:
        raise
    except Exception:  # noqa: BLE001 - read-only mode parses the sheet here: a broken one fails only now
        raise SheetError(_l("The file is not a readable Excel workbook (.xlsx).")) from None
    finally:
        workbook.close()
    return Table("xlsx", None, header or [], rows)


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 2 ** 53:
            return str(int(value))
        return repr(value)  # a long number the sheet has rounded shows as 1.2345678901234568e+18
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def clean_cell(value: str) -> str:
    """Trim spaces (full-width ones too) and undo the formula escape of an export."""
    value = (value or "").strip(_SPACES)[:MAX_CELL_CHARS]
    if value[:1] == "'" and value[1:2] and value[1:2] in FORMULA_STARTS:
        value = value[1:]
    return value


# --- writing ---------------------------------------------------------------------------------

def escape_cell(value):
    """A value as it may safely go into a spreadsheet: text that looks like a formula gets a leading '."""
    if isinstance(value, str):
        value = _ILLEGAL_XML.sub("", value)
        if value.startswith(FORMULA_STARTS):
            return "'" + value
    return value


def _csv_text(value) -> str:
    value = escape_cell(value)
    if value is None:
        return ""
    return str(value)


def csv_chunks(rows: Iterable[list], batch: int = 1000) -> Iterator[bytes]:
    """The rows as CSV for Excel: a UTF-8 BOM, then the lines, in chunks of ``batch`` rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    yield b"\xef\xbb\xbf"
    count = 0
    for row in rows:
        writer.writerow([_csv_text(v) for v in row])
        count += 1
        if count % batch == 0:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode("utf-8")


def write_xlsx(rows: Iterable[list], target: IO[bytes], *, title: str = "Sheet1", widths: dict[int, int] | None = None) -> None:
    """Write the rows as a one-sheet XLSX workbook to ``target`` (streamed: openpyxl's write-only mode)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for index, width in (widths or {}).items():
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in rows:
        cells = []
        for value in row:
            value = escape_cell(value)
            if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool) and abs(value) >= 10 ** 15:
                value = str(value)  # beyond Excel's 15 digits: keep every digit as text
            cell = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever it starts with
            cells.append(cell)
        sheet.append(cells)
    workbook.save(target)
