"""What every spreadsheet import shares: reading the upload, naming its columns, reporting line by line.

An import (verification decisions, a program's scores) reads the file with :func:`open_table`, maps
its header with :func:`map_header` (column names in English or Chinese, compared without case, spaces or
underscores), checks every row, and reports each bad row as ``line N: reason`` (:class:`LineProblems`,
:class:`LineReport`): the clerk corrects the file in one pass.
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Mapping

from jifen.exchange.spreadsheets import SheetError, Table, read_table
from jifen.text import lazy_gettext as _l


def header_key(text: str) -> str:
    """A column name as it is compared: lower case, spaces, underscores and dashes as one space."""
    return re.sub(r"[\s_\-]+", " ", (text or "").strip().lower())


def header_names(columns: Mapping[str, Mapping[str, tuple[str, ...]]]) -> dict[str, str]:
    """Every name a header may use -> its column key, from ``{key: {"en": names, "zh": names}}``."""
    return {header_key(name): key for key, langs in columns.items() for names in langs.values() for name in names}


def title(columns: Mapping[str, Mapping[str, tuple[str, ...]]], key: str, lang: str) -> str:
    """The name an export writes for column ``key`` (the first of its language)."""
    return columns[key]["zh" if lang.startswith("zh") else "en"][0]


def map_header(header: list[str], names: Mapping[str, str], columns, required: tuple[str, ...] = ()):
    """Column key -> index; the ignored column names; problems (a column twice, a required one missing)."""
    found: dict[str, int] = {}
    ignored, problems = [], []
    for index, name in enumerate(header):
        key = names.get(header_key(name))
        if key is None:
            if name:
                ignored.append(name)
        elif key in found:
            problems.append(_l("the column \"%(name)s\" appears twice", name=name))
        else:
            found[key] = index
    for key in required:
        if key not in found:
            problems.append(_l("the column \"%(en)s\" (%(zh)s) is missing", en=title(columns, key, "en"),
                               zh=title(columns, key, "zh")))
    return found, ignored, problems


def upload_name(file_name: str | None) -> str:
    """The uploaded file's own name, without any folder a browser sent with it."""
    return os.path.basename((file_name or "").replace("\\", "/"))[:200]


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def open_table(data: bytes, file_name: str, *, max_rows: int, max_bytes: int) -> tuple[Table | None, object]:
    """The file read as a table, or None and why (a lazy message): too large, or not a readable sheet."""
    if len(data) > max_bytes:
        return None, _l("The file is larger than %(mb)s MB: split it into several files.",
                        mb=round(max_bytes / (1024 * 1024), 1))
    try:
        return read_table(data, file_name, max_rows=max_rows), None
    except SheetError as exc:
        return None, exc.message


def header_error(problems: list):
    return _l("line 1 (the header): %(problems)s", problems="; ".join(str(p) for p in problems))


class LineProblems:
    """A checked row: its ``line`` and ``problems`` (lazy messages); bad when it has any."""

    line: int
    problems: list

    @property
    def bad(self) -> bool:
        return bool(self.problems)

    def message(self) -> str:
        return str(_l("line %(line)d: %(reason)s", line=self.line, reason="; ".join(str(p) for p in self.problems)))


class LineReport:
    """A report of checked ``rows`` and a ``file_error`` (the file as a whole could not be used)."""

    rows: list
    file_error: object

    @property
    def bad_rows(self) -> list:
        return [r for r in self.rows if r.bad]

    @property
    def good_rows(self) -> list:
        return [r for r in self.rows if not r.bad]

    def problems(self) -> list[str]:
        """Each problem as the clerk reads it: ``line N: reason``, or the file's."""
        if self.file_error is not None:
            return [str(self.file_error)]
        return [r.message() for r in self.bad_rows]
