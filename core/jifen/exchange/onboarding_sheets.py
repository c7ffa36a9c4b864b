"""The sheets of a county's onboarding file: their names and columns, reading them, and reading cells.

A county's existing records come as one Excel workbook with up to four sheets, or as one CSV file per
sheet named after it (``registrants.csv``, ``登记人.csv``, ...). Sheets and columns are named in English
or Chinese and compared without case, spaces or underscores (:func:`jifen.exchange.sheet_import.header_key`).
The registrants sheet is required; the others are optional. docs/onboarding.md lists every column.

The cells of an item's or a program's own fields are read for the field's kind: a list as
``2019, 2020, 2021`` (or a JSON array), a group of values as a JSON object, yes/no as 是/否 too.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from datetime import date, datetime, timezone
from pathlib import PurePath

import marshmallow as ma
from flask_babel import get_locale

from jifen import clock
from jifen.exchange.sheet_import import header_key, header_names
from jifen.exchange.spreadsheets import (
    MAX_BLANK_LINES, MAX_COLUMNS, MAX_UNPACKED_BYTES, SheetError, Table, _cell_text, clean_cell, read_table,
)
from jifen.plugin.kinds import localized
from jifen.text import LazyText, lazy_gettext as _l

REGISTRANTS, ITEMS, FAMILY, APPLICATIONS = "registrants", "items", "family", "applications"
SHEETS: dict[str, dict[str, tuple[str, ...]]] = {
    REGISTRANTS: {"en": ("registrants", "people"), "zh": ("登记人", "人员", "申请人")},
    ITEMS: {"en": ("confirmed items", "items"), "zh": ("已确认事项", "积分事项", "事项")},
    FAMILY: {"en": ("family", "family links", "family members"), "zh": ("家庭成员", "家庭关系")},
    APPLICATIONS: {"en": ("applications", "program applications"), "zh": ("项目申请", "服务申请")},
}
SHEET_ORDER = (REGISTRANTS, ITEMS, FAMILY, APPLICATIONS)
SHEET_LABELS = {REGISTRANTS: _l("registrants"), ITEMS: _l("confirmed items"), FAMILY: _l("family"),
                APPLICATIONS: _l("applications")}

_ID = {"en": ("national id", "id number", "national id number"), "zh": ("身份证号码", "身份证号", "公民身份号码")}
_REGISTRANT_ID = {"en": ("national id", "registrant national id", "id number"),
                  "zh": ("身份证号码", "登记人身份证号码", "身份证号")}
COLUMNS: dict[str, dict[str, dict[str, tuple[str, ...]]]] = {
    REGISTRANTS: {
        "id_number": _ID,
        "real_name": {"en": ("name", "real name"), "zh": ("姓名",)},
        "mobile": {"en": ("mobile", "mobile number"), "zh": ("手机号码", "手机号", "手机")},
        "town": {"en": ("town",), "zh": ("镇街道", "镇街", "所在镇街")},
        "permit_number": {"en": ("residence permit number", "permit number"), "zh": ("居住证号码", "居住证号")},
        "works_in_county_since": {"en": ("works in the county since", "working since"), "zh": ("来本县工作日期",)},
        "employer": {"en": ("employer",), "zh": ("工作单位", "单位")},
    },
    ITEMS: {
        "id_number": _REGISTRANT_ID,
        "item_type": {"en": ("item type", "item"), "zh": ("事项类型", "积分事项")},
        "verified_on": {"en": ("verified on", "verification date"), "zh": ("核实日期", "审核日期")},
        "department": {"en": ("department", "verified by"), "zh": ("核实部门", "审核部门")},
        "reviewer": {"en": ("reviewer",), "zh": ("审核人", "经办人")},
    },
    FAMILY: {
        "id_number": _REGISTRANT_ID,
        "relation": {"en": ("relation",), "zh": ("关系", "与登记人关系")},
        "member_name": {"en": ("member name",), "zh": ("成员姓名", "家庭成员姓名")},
        "member_id_number": {"en": ("member national id", "member id number"),
                             "zh": ("成员身份证号码", "家庭成员身份证号码")},
        "criminal_record": {"en": ("criminal record",), "zh": ("刑事犯罪记录",)},
    },
    APPLICATIONS: {
        "id_number": _REGISTRANT_ID,
        "program": {"en": ("program", "service"), "zh": ("服务项目", "项目")},
        "round": {"en": ("round",), "zh": ("批次", "轮次")},
        "applied_at": {"en": ("applied at", "application time"), "zh": ("申请时间",)},
    },
}
REQUIRED: dict[str, tuple[str, ...]] = {
    REGISTRANTS: ("id_number", "real_name", "mobile"),
    ITEMS: ("id_number", "item_type", "verified_on", "department"),
    FAMILY: ("id_number", "relation", "member_name", "member_id_number"),
    APPLICATIONS: ("id_number", "program", "applied_at"),
}
HEADER_NAMES = {sheet: header_names(columns) for sheet, columns in COLUMNS.items()}
_SHEET_NAMES = header_names(SHEETS)


def sheet_of(name: str) -> str | None:
    """The sheet key a workbook's sheet (or a CSV file's name without its extension) stands for."""
    return _SHEET_NAMES.get(header_key(name))


# --- reading --------------------------------------------------------------------------------

def read_workbook(data: bytes, *, max_rows: int) -> tuple[dict[str, Table], list[str]]:
    """Every known sheet of an XLSX workbook as a table; the names of the sheets left aside."""
    import openpyxl  # only workbooks need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
        if unpacked > MAX_UNPACKED_BYTES:
            raise SheetError(_l("The workbook is too large once unpacked: split it into several files."))
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except SheetError:
        raise
    except Exception:  # noqa: BLE001 - a broken file raises many kinds
        raise SheetError(_l("The file is not a readable Excel workbook (.xlsx).")) from None
    tables, ignored = {}, []
    try:
        for sheet in workbook.worksheets:
            key = sheet_of(sheet.title)
            if key is None or key in tables:
                ignored.append(sheet.title)
                continue
            tables[key] = _sheet_table(sheet, max_rows)
    except SheetError:
        raise
    except Exception:  # noqa: BLE001 - read-only mode parses a sheet only when it is walked
        raise SheetError(_l("The file is not a readable Excel workbook (.xlsx).")) from None
    finally:
        workbook.close()
    return tables, ignored


def _too_many(sheet: str, max_rows: int) -> SheetError:
    return SheetError(_l("The sheet \"%(sheet)s\" has more than %(n)d rows: split the file.", sheet=sheet, n=max_rows))


def _sheet_table(sheet, max_rows: int) -> Table:
    declared = sheet.max_row if isinstance(sheet.max_row, int) else None
    if declared is not None and declared > max_rows + 1 + MAX_BLANK_LINES:
        raise _too_many(sheet.title, max_rows)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    for line, values in enumerate(sheet.iter_rows(min_row=1, max_col=MAX_COLUMNS, values_only=True), start=1):
        if line > max_rows + 1 + MAX_BLANK_LINES:
            raise _too_many(sheet.title, max_rows)
        cells = [clean_cell(_cell_text(v)) for v in values]
        if header is None:
            header = cells
        elif any(cells):
            rows.append((line, cells))
            if len(rows) > max_rows:
                raise _too_many(sheet.title, max_rows)
    return Table("xlsx", None, header or [], rows)


def read_files(files: list[tuple[str, bytes]], *, max_rows: int) -> tuple[dict[str, Table], list[str]]:
    """The sheets of one workbook, or of CSV files each named after its sheet; the names left aside."""
    if len(files) == 1 and files[0][1].startswith(b"PK\x03\x04"):
        return read_workbook(files[0][1], max_rows=max_rows)
    tables, ignored = {}, []
    for name, data in files:
        if data.startswith(b"PK\x03\x04"):
            raise SheetError(_l("Give either one workbook with every sheet, or CSV files (one per sheet)."))
        key = sheet_of(PurePath(name).stem)
        if key is None:
            raise SheetError(_l("The file \"%(name)s\" is not named after a sheet (registrants, confirmed items, "
                                "family, applications).", name=name))
        if key in tables:
            raise SheetError(_l("Two files are for the sheet \"%(sheet)s\".", sheet=SHEET_LABELS[key]))
        tables[key] = read_table(data, name, max_rows=max_rows)
    return tables, ignored


# --- cells ----------------------------------------------------------------------------------

_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
_MOMENT = re.compile(r"^(.+?)[\sT]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_LOST_DIGITS = re.compile(r"^\d+(\.\d+)?[eE]\+?\d+$")
YES = {"yes", "y", "true", "1", "是", "有", "√"}
NO = {"no", "n", "false", "0", "否", "无", "没有", ""}


def lost_digits(text: str) -> bool:
    """Whether a long number was turned into a rounded one by the spreadsheet (3.30402E+17)."""
    return bool(_LOST_DIGITS.match(text))


def parse_date(text: str) -> date | None:
    found = _DATE.match(text.strip())
    if not found:
        return None
    try:
        return date(*(int(g) for g in found.groups()))
    except ValueError:
        return None


def parse_moment(text: str) -> datetime | None:
    """A local time (the county's zone) as stored: naive UTC. A date alone is its midnight."""
    text = text.strip()
    found = _MOMENT.match(text)
    day = parse_date(found.group(1) if found else text)
    if day is None:
        return None
    hour, minute, second = (int(found.group(2)), int(found.group(3)), int(found.group(4) or 0)) if found else (0, 0, 0)
    try:
        local = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=clock.time_zone())
    except ValueError:
        return None
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def parse_yes_no(text: str) -> bool | None:
    word = text.strip().lower()
    return True if word in YES else False if word in NO else None


def field_label(field: ma.fields.Field, name: str):
    """A schema field's label in the reader's language (its key if it has none)."""
    labels = field.metadata.get("label") or {"zh": name, "en": name}
    return LazyText(lambda: localized(labels, str(get_locale() or "zh")))


def field_columns(schema: ma.Schema, header: list[str]) -> dict[str, tuple[int, ma.fields.Field]]:
    """The schema's fields found in ``header`` (by key or label, English or Chinese): key -> (index, field)."""
    positions = {header_key(name): index for index, name in enumerate(header) if name}
    found = {}
    for name, field in schema.load_fields.items():
        key = field.data_key or name
        labels = field.metadata.get("label") or {}
        for candidate in (key, *(labels.values() if isinstance(labels, dict) else ())):
            index = positions.get(header_key(str(candidate)))
            if index is not None:
                found[key] = (index, field)
                break
    return found


def field_value(field: ma.fields.Field, text: str):
    """A cell as the schema loads it: lists split, JSON for groups, 是/否 for yes/no; ValueError if unreadable."""
    if isinstance(field, ma.fields.Nested) or (text[:1] in "[{" and isinstance(field, (ma.fields.List, ma.fields.Dict))):
        return json.loads(text)
    if isinstance(field, ma.fields.List):
        return [part for part in re.split(r"[\s,，、;；]+", text) if part]
    if isinstance(field, ma.fields.Boolean):
        value = parse_yes_no(text)
        if value is None:
            raise ValueError(text)
        return value
    if isinstance(field, (ma.fields.Date, ma.fields.DateTime)) and parse_date(text) is not None:
        return parse_date(text).isoformat()
    return text


def raw_input(schema: ma.Schema, columns: dict[str, tuple[int, ma.fields.Field]], cells: list[str]):
    """The raw input of one row for ``schema``, and the fields whose cells could not be read."""
    raw, unreadable = {}, []
    for key, (index, field) in columns.items():
        text = cells[index] if index < len(cells) else ""
        if not text:
            continue
        try:
            raw[key] = field_value(field, text)
        except ValueError:
            unreadable.append(field_label(field, key))
    return raw, unreadable


def schema_problems(schema: ma.Schema, messages) -> list:
    """Marshmallow's messages per field as ``label: message`` (the reader's words for the field)."""
    if not isinstance(messages, dict):
        return [str(messages)]
    problems = []
    for key, value in messages.items():
        field = schema.fields.get(key) or next((f for f in schema.fields.values() if f.data_key == key), None)
        label = field_label(field, key) if field is not None else key
        text = "; ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else (
            json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else str(value))
        problems.append(_l("%(field)s: %(message)s", field=label, message=text))
    return problems
