"""A program's own scores (an exam's, ServiceProgram.ranking_score) from a spreadsheet, for one round.

The file has a header (line 1) and one row per candidate (:data:`COLUMNS`, English or Chinese names):

- ``reference`` (申请编号) and/or ``id_number`` (身份证号): whose score it is, an application of the round;
  when both are given they must name the same application;
- ``score`` (成绩, or the program's own name of it: 笔试成绩), required: a number from 0 to the full
  marks with at most two decimals; 缺考 (absent) removes a score; an empty cell leaves it as it is.

Every row is checked before anything is written, and one bad row means nothing is written (the report
lists every bad row, so the file is corrected in one pass). The good rows are written in one
transaction: each changed score with an audit record of its own (``program.score_recorded``), and one
for the import as a whole (``program_scores.imported``). A dry run writes nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit, references
from jifen.exchange.sheet_import import (
    LineProblems, LineReport, header_error, header_key, header_names, open_table, sha256_of, title, upload_name,
)
from jifen.exchange.sheet_import import map_header as shared_map_header
from jifen.identity import masking, national_id, protect
from jifen.models import ProgramApplication, ProgramRound, User
from jifen.plugin.kinds import ServiceProgram
from jifen.programs import publication
from jifen.programs.rounds import settings_of
from jifen.text import lazy_gettext as _l

MAX_ROWS = 2000
MAX_BYTES = 5 * 1024 * 1024
LOOKUP_BATCH = 500
SCORE_LIMIT = Decimal("99999999.99")  # what the column holds, when the program names no full marks
APPLIED = "applied"

# Column key -> names a header may use (compared without case, spaces or underscores); the program's
# own name of its score (笔试成绩, Exam score) is a name of ``score`` too.
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "reference": {"en": ("reference", "reference number", "application number"),
                  "zh": ("申请编号", "报名编号", "申请号")},
    "id_number": {"en": ("id number", "national id number", "id card number"),
                  "zh": ("身份证号", "身份证号码", "公民身份号码")},
    "score": {"en": ("score", "exam score", "marks"), "zh": ("成绩", "考试成绩", "笔试成绩", "分数")},
}
ABSENT_WORDS = ("缺考", "无成绩", "absent", "no score")
_NUMBER = re.compile(r"^[+-]?\d+(\.\d+)?$")


def column_title(key: str, lang: str) -> str:
    return title(COLUMNS, key, lang)


@dataclass
class ScoreRow(LineProblems):
    line: int
    reference: str | None = None  # as found in the round (the application's), or as typed when not found
    score: Decimal | None = None
    absent: bool = False  # 缺考: the score is removed
    application_id: int | None = None
    before: Decimal | None = None
    problems: list = field(default_factory=list)  # (lazy) messages
    applied: bool = False

    @property
    def changes(self) -> bool:
        return not self.bad and (None if self.absent else self.score) != self.before


@dataclass
class ScoreReport(LineReport):
    file_name: str
    sha256: str
    round_id: int
    dry_run: bool
    file_error: object = None  # a (lazy) message: the file as a whole could not be used
    rows: list[ScoreRow] = field(default_factory=list)  # rows with a score, 缺考 or a problem
    blank: list[int] = field(default_factory=list)  # lines without a score: left as they are
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def changed_rows(self) -> list[ScoreRow]:
        return [r for r in self.rows if r.changes]

    @property
    def blocked(self) -> bool:
        """Nothing is (or would be) written: the file, or a bad row."""
        return self.file_error is not None or bool(self.bad_rows)


def importable(session: Session, found: ProgramRound, program: ServiceProgram):
    """Why the round's scores cannot be imported now (a lazy message), or None."""
    if program.ranking_score is None:
        return _l("This program ranks by points alone: it has no scores of its own to import.")
    latest = publication.latest(session, found)
    if latest is not None and latest.stage == "final":
        return _l("The final list of this round is published: its scores can no longer change.")
    return None


def full_marks(session: Session, program: ServiceProgram) -> Decimal:
    """The highest score the county's settings allow (the exam's full marks), else what the column holds."""
    try:
        most = program.ranking_score.resolved(settings_of(session, program))["full_marks"]
    except (KeyError, ValueError, ArithmeticError):
        most = None
    return SCORE_LIMIT if most is None else min(most, SCORE_LIMIT)


# --- checking --------------------------------------------------------------------------------

def map_header(header: list[str], program: ServiceProgram) -> tuple[dict[str, int], list[str], list]:
    """Column key -> index; the ignored column names; problems with the header."""
    names = header_names(COLUMNS)
    for name in program.ranking_score.names.values():  # the program's own name of its score
        names.setdefault(header_key(name), "score")
    found, ignored, problems = shared_map_header(header, names, COLUMNS, ("score",))
    if "reference" not in found and "id_number" not in found:
        problems.append(_l("a column \"%(reference)s\" (%(reference_zh)s) or \"%(id)s\" (%(id_zh)s) is needed",
                           reference=column_title("reference", "en"), reference_zh=column_title("reference", "zh"),
                           id=column_title("id_number", "en"), id_zh=column_title("id_number", "zh")))
    return found, ignored, problems


def _score(text: str, row: ScoreRow, most: Decimal) -> None:
    if header_key(text) in ABSENT_WORDS:
        row.absent = True
        return
    plain = text.replace(",", "").replace("，", "")
    try:
        value = Decimal(plain) if _NUMBER.match(plain) else None
    except InvalidOperation:
        value = None
    if value is None:
        row.problems.append(_l("\"%(text)s\" is not a score: write a number such as 85.5, or 缺考 (absent)", text=text))
    elif value != value.quantize(Decimal("0.01")):
        row.problems.append(_l("the score %(score)s has more than two decimals", score=text))
    elif not 0 <= value <= most:
        row.problems.append(_l("the score %(score)s is not between 0 and %(most)s", score=text, most=most))
    else:
        row.score = value.quantize(Decimal("0.01"))


def _row(line: int, cells: list[str], columns: dict[str, int], most: Decimal) -> tuple[ScoreRow | None, str | None]:
    """One row checked on its own, and its ID number's lookup hash; (None, None) when it has no score."""
    def cell(key: str) -> str:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ""

    text = cell("score")
    if not text:
        return None, None
    row = ScoreRow(line)
    _score(text, row, most)
    typed_reference, typed_id = cell("reference"), cell("id_number")
    if not typed_reference and not typed_id:
        row.problems.append(_l("the reference number (or the ID number) is missing"))
    if typed_reference:
        row.reference = references.normalized(typed_reference)
        if row.reference is None:
            row.problems.append(_l("\"%(text)s\" is not a reference number (like JS-2027-000123)",
                                   text=typed_reference[:40]))
    lookup = None
    if typed_id:
        if national_id.is_valid(typed_id):
            lookup = protect.lookup_hash(national_id.normalize(typed_id))
        else:  # masked: the report is kept in no cache, still it shows no more than a public list
            row.problems.append(_l("%(id)s is not a valid national ID number", id=masking.mask(typed_id[:18])))
    return row, lookup


def _applications(session: Session, found: ProgramRound, rows: list[ScoreRow], lookups: dict[int, str], *,
                  lock: bool) -> tuple[dict[str, ProgramApplication], dict[str, ProgramApplication]]:
    """The round's applications named by the rows: by reference number, and by ID number's lookup hash.
    ``lock``: two imports of the round wait for each other (PostgreSQL)."""
    by_reference: dict[str, ProgramApplication] = {}
    wanted = sorted({r.reference for r in rows if r.reference})
    for start in range(0, len(wanted), LOOKUP_BATCH):
        query = select(ProgramApplication).where(ProgramApplication.round_id == found.id,
                                                 ProgramApplication.reference.in_(wanted[start:start + LOOKUP_BATCH]))
        by_reference.update((a.reference, a) for a in session.scalars(query.with_for_update() if lock else query))
    by_hash: dict[str, ProgramApplication] = {}
    hashes = sorted(set(lookups.values()))
    for start in range(0, len(hashes), LOOKUP_BATCH):
        query = (select(User.id_number_hash, ProgramApplication)
                 .join(ProgramApplication, ProgramApplication.user_id == User.id)
                 .where(ProgramApplication.round_id == found.id,
                        User.id_number_hash.in_(hashes[start:start + LOOKUP_BATCH])))
        by_hash.update((lookup, application) for lookup, application in
                       session.execute(query.with_for_update(of=ProgramApplication) if lock else query))
    return by_reference, by_hash


def check_rows(session: Session, found: ProgramRound, table, columns: dict[str, int], most: Decimal, *,
               lock: bool = False) -> tuple[list[ScoreRow], list[int], dict[int, ProgramApplication]]:
    """Every row checked: (rows with a score or a problem, lines without a score, the applications found)."""
    rows, blank, lookups = [], [], {}
    for line, cells in table.rows:
        row, lookup = _row(line, cells, columns, most)
        if row is None:
            blank.append(line)
            continue
        rows.append(row)
        if lookup is not None:
            lookups[line] = lookup
    by_reference, by_hash = _applications(session, found, rows, lookups, lock=lock)
    found_by_id: dict[int, ProgramApplication] = {}
    for row in rows:
        named = by_reference.get(row.reference) if row.reference else None
        by_id_number = by_hash.get(lookups[row.line]) if row.line in lookups else None
        if row.reference and named is None:
            row.problems.append(_l("%(reference)s is not an application of this round", reference=row.reference))
        if row.line in lookups and by_id_number is None:
            row.problems.append(_l("nobody with this ID number applied in this round"))
        if named is not None and by_id_number is not None and named.id != by_id_number.id:
            row.problems.append(_l("the reference number %(reference)s is not the application of this ID number",
                                   reference=row.reference))
        application = named or by_id_number
        if application is None:
            continue
        row.reference, row.application_id, row.before = application.reference, application.id, application.program_score
        found_by_id[application.id] = application
        if application.status != APPLIED:
            row.problems.append(_l("application %(reference)s is withdrawn", reference=application.reference))
    lines_of: dict[int, list[int]] = {}
    for row in rows:
        if row.application_id is not None:
            lines_of.setdefault(row.application_id, []).append(row.line)
    for row in rows:
        lines = lines_of.get(row.application_id or 0, [])
        if len(lines) > 1:
            row.problems.append(_l("application %(reference)s is on several lines (%(lines)s): keep one",
                                   reference=row.reference, lines=", ".join(str(n) for n in lines)))
    return rows, blank, found_by_id


# --- applying --------------------------------------------------------------------------------

def run_import(session: Session, found: ProgramRound, program: ServiceProgram, data: bytes, *, file_name: str,
               actor: str, dry_run: bool = False, max_rows: int = MAX_ROWS,
               max_bytes: int = MAX_BYTES) -> ScoreReport:
    """Check ``data`` (CSV or XLSX) and write its scores to the applications of ``found`` (bound county).

    Owns the transaction: it commits when it wrote something and rolls back otherwise (always on a
    dry run). The session should have nothing pending when it is called.
    """
    report = ScoreReport(file_name=upload_name(file_name), sha256=sha256_of(data), round_id=found.id, dry_run=dry_run)
    report.file_error = importable(session, found, program)
    if report.file_error is not None:
        return report
    table, report.file_error = open_table(data, report.file_name, max_rows=max_rows, max_bytes=max_bytes)
    if table is None:
        return report
    columns, report.ignored_columns, header_problems = map_header(table.header, program)
    if header_problems:
        report.file_error = header_error(header_problems)
        return report
    try:
        report.rows, report.blank, applications = check_rows(session, found, table, columns,
                                                             full_marks(session, program), lock=not dry_run)
        if dry_run or report.blocked or not report.changed_rows:
            session.rollback()
            return report
        for row in report.changed_rows:
            application = applications[row.application_id]
            after = None if row.absent else row.score
            application.program_score = after
            row.applied = True
            audit.record(session, "program.score_recorded", actor=actor, target_type="program_application",
                         target_id=application.id, details={
                             "round": found.id, "number": application.reference,
                             "before": None if row.before is None else str(row.before),
                             "after": None if after is None else str(after)})
        audit.record(session, "program_scores.imported", actor=actor, target_type="round", target_id=found.id,
                     details={"file_name": report.file_name, "file_sha256": report.sha256, "program": program.key,
                              "rows": len(report.rows), "written": len(report.changed_rows),
                              "blank": len(report.blank)})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    report.written = True
    return report
