"""Verification decisions from a department's spreadsheet: check every row, then apply the file at once.

The file is the department's review queue as exported (:mod:`jifen.exchange.exports`) with two
columns filled in. The header (line 1) names the columns, in English or in Chinese (:data:`COLUMNS`);
other columns are ignored:

- ``item`` (事项编号), required: the item's number as the queue shows it (``#1234...``);
- ``decision`` (审核结果): approved / rejected / supplement, or 通过 / 不通过 / 补正 (:data:`DECISION_WORDS`);
  an empty cell leaves the item undecided;
- ``reason`` (理由): required for a rejection or a supplement request, as the applicant reads it;
- ``application`` (申请编号), optional: when given, it must be the item's application.

Every row is checked before anything is written (:func:`check_rows`). Without ``skip_bad_rows`` one
bad row means nothing is written; with it the good rows are applied and the bad ones reported. The
good rows go through :func:`jifen.points.review.decide`, exactly as a reviewer's decision on the item's page
(audit record, history, messages, confirmation and ledger when the application's last item is
decided), all in one transaction with one more audit record for the import as a whole. A dry run
writes nothing: it runs the same checks, and shows which rows would be recorded and which would
decide an application's last open item, so that its points would be confirmed.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from decimal import Decimal

from jifen.text import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen import audit

from jifen.points import review
from jifen.points.applications import ApplicationError
from jifen.exchange.sheet_import import (
    LineProblems, LineReport, header_error, header_key, header_names, open_table, sha256_of, title, upload_name,
)
from jifen.exchange.sheet_import import map_header as shared_map_header
from jifen.exchange.spreadsheets import Table
from jifen.models import Application, DeclaredItem
from jifen.models.application import CONFIRMED, ITEM_DECLARED, ITEM_PENDING, ITEM_REJECTED, ITEM_SUPPLEMENT, ITEM_VERIFIED
from jifen.plugin.manager import CountyHooks

log = logging.getLogger("jifen.exchange")

# Rows of one import file, and of one queue export so that it imports back. Applying a decision takes
# about 30 ms on PostgreSQL (review, audit, confirmation and ledger): 500 rows stay well inside a
# web server's request timeout.
MAX_ROWS = 500
MAX_BYTES = 5 * 1024 * 1024
MAX_REASON = 2000
LOOKUP_BATCH = 500
ID_MAX = 2**63 - 1  # ids are BIGINT: a larger number names no item, and the database would refuse it

# Column key -> names a header may use (compared without case, spaces or underscores).
# The first English and the first Chinese name are the ones the export writes.
COLUMNS: dict[str, dict[str, tuple[str, ...]]] = {
    "application": {"en": ("application", "application number"), "zh": ("申请编号", "申请号")},
    "item": {"en": ("item", "item number", "item id"), "zh": ("事项编号", "事项号", "事项")},
    "item_type": {"en": ("item type",), "zh": ("事项类型",)},
    "applicant": {"en": ("applicant",), "zh": ("申请人",)},
    "declared": {"en": ("declared", "declared values"), "zh": ("申报内容",)},
    "due": {"en": ("due", "due on"), "zh": ("办理期限", "截止日期")},
    "decision": {"en": ("decision", "result"), "zh": ("审核结果", "审核意见", "结果")},
    "reason": {"en": ("reason",), "zh": ("理由", "原因", "说明")},
}
REQUIRED_COLUMNS = ("item", "decision")

DECISION_WORDS = {
    ITEM_VERIFIED: ("approved", "approve", "verified", "verify", "通过", "审核通过", "核实", "同意"),
    ITEM_REJECTED: ("rejected", "reject", "not approved", "不通过", "审核不通过", "驳回", "不同意", "不予通过"),
    ITEM_SUPPLEMENT: ("supplement", "supplement requested", "补正", "需补正", "补充材料"),
}
DECISION_LABELS = {ITEM_VERIFIED: _l("approved"), ITEM_REJECTED: _l("rejected"),
                   ITEM_SUPPLEMENT: _l("supplement requested")}


_HEADER_NAMES = header_names(COLUMNS)
_DECISIONS = {header_key(word): decision for decision, words in DECISION_WORDS.items() for word in words}


def column_title(key: str, lang: str) -> str:
    return title(COLUMNS, key, lang)


@dataclass
class RowOutcome(LineProblems):
    line: int
    item_id: int | None = None
    application_id: int | None = None
    decision: str | None = None  # verified, rejected or supplement_requested
    reason: str | None = None
    problems: list = field(default_factory=list)  # (lazy) messages
    applied: bool = False
    completes: bool = False  # dry run: would decide the application's last open item (points confirmed)
    confirmed_total: Decimal | None = None  # this decision confirmed the application's points


@dataclass
class ImportReport(LineReport):
    file_name: str
    sha256: str
    department: str
    dry_run: bool
    skip_bad_rows: bool
    kind: str | None = None
    encoding: str | None = None
    file_error: object = None  # a (lazy) message: the file as a whole could not be used
    rows: list[RowOutcome] = field(default_factory=list)  # rows with a decision, or with a problem
    undecided: list[int] = field(default_factory=list)  # lines left without a decision
    ignored_columns: list[str] = field(default_factory=list)
    written: bool = False

    @property
    def applied_rows(self) -> list[RowOutcome]:
        return [r for r in self.rows if r.applied]

    @property
    def blocked(self) -> bool:
        """Nothing is (or would be) written because of the file or of a bad row."""
        return self.file_error is not None or (bool(self.bad_rows) and not self.skip_bad_rows)


# --- checking --------------------------------------------------------------------------------

def map_header(header: list[str]) -> tuple[dict[str, int], list[str], list]:
    """Column key -> index; the ignored column names; problems with the header."""
    return shared_map_header(header, _HEADER_NAMES, COLUMNS, REQUIRED_COLUMNS)


_NUMBER_PROBLEMS = {  # (digits lost, not a number), per column: whole sentences translate better
    "item": (
        lambda text: _l("the item number \"%(text)s\" lost its last digits (the spreadsheet turned it into a "
                        "number): format the column as text, or export the queue again", text=text),
        lambda text: _l("\"%(text)s\" is not an item number (like #1234)", text=text)),
    "application": (
        lambda text: _l("the application number \"%(text)s\" lost its last digits (the spreadsheet turned it into "
                        "a number): format the column as text, or export the queue again", text=text),
        lambda text: _l("\"%(text)s\" is not an application number (like #1234)", text=text)),
}


def _number(text: str, column: str) -> tuple[int | None, object]:
    """Parse ``#1234`` or ``1234``; return (number, problem)."""
    value = text.lstrip("#＃").strip()
    if value.isascii() and value.isdigit() and len(value) <= 19 and int(value) <= ID_MAX:
        return int(value), None
    lost_digits, not_a_number = _NUMBER_PROBLEMS[column]
    return None, (lost_digits if re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", value) else not_a_number)(text)


def _row(line: int, cells: list[str], columns: dict[str, int]) -> RowOutcome | None:
    """One row, checked on its own; None when it has no decision and nothing else to say."""
    def cell(key: str) -> str:
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ""

    row = RowOutcome(line)
    word, reason = cell("decision"), cell("reason")
    if not word:
        if reason:
            row.problems.append(_l("a reason but no decision: write 通过 (approved), 不通过 (rejected) or 补正 (supplement)"))
            return row
        return None
    row.decision = _DECISIONS.get(header_key(word))
    if row.decision is None:
        row.problems.append(_l("\"%(word)s\" is not a decision: write 通过 (approved), 不通过 (rejected) or 补正 (supplement)",
                               word=word))
    if row.decision in (ITEM_REJECTED, ITEM_SUPPLEMENT) and not reason:
        row.problems.append(_l("a rejection or a supplement request needs a reason (the applicant reads it)"))
    if len(reason) > MAX_REASON:
        row.problems.append(_l("the reason is longer than %(n)d characters", n=MAX_REASON))
    row.reason = reason or None
    if not cell("item"):
        row.problems.append(_l("the item number is missing"))
    else:
        row.item_id, problem = _number(cell("item"), "item")
        if problem:
            row.problems.append(problem)
    if cell("application"):
        row.application_id, problem = _number(cell("application"), "application")
        if problem:
            row.problems.append(problem)
    return row


def _items(session: Session, ids: list[int], department: str, *, lock: bool) -> dict[int, DeclaredItem]:
    """The items among ``ids`` that are in ``department``'s queue of the bound county.

    The same rule as :func:`jifen.points.review.item_for_reviewer`, for many ids at once: another county's
    item (tenant scoping), another department's and a draft's are simply not found.
    """
    found: dict[int, DeclaredItem] = {}
    for start in range(0, len(ids), LOOKUP_BATCH):
        query = select(DeclaredItem).where(DeclaredItem.id.in_(ids[start:start + LOOKUP_BATCH]),
                                           DeclaredItem.department == department,
                                           DeclaredItem.status != ITEM_DECLARED)
        if lock:
            query = query.with_for_update()  # two imports (or a reviewer) deciding the same item wait for each other
        found.update((item.id, item) for item in session.scalars(query))
    return found


def check_rows(session: Session, table: Table, columns: dict[str, int], department: str, *,
               lock: bool = False) -> tuple[list[RowOutcome], list[int], dict[int, DeclaredItem]]:
    """Check every row: (rows with a decision or a problem, undecided lines, the items found)."""
    rows, undecided = [], []
    for line, cells in table.rows:
        row = _row(line, cells, columns)
        if row is None:
            undecided.append(line)
        else:
            rows.append(row)
    lines_of: dict[int, list[int]] = {}
    for row in rows:
        if row.item_id is not None:
            lines_of.setdefault(row.item_id, []).append(row.line)
    items = _items(session, sorted(lines_of), department, lock=lock)
    for row in rows:
        if row.item_id is None:
            continue
        lines = lines_of[row.item_id]
        if len(lines) > 1:
            row.problems.append(_l("item #%(item)s is on several lines (%(lines)s): keep one",
                                   item=row.item_id, lines=", ".join(str(n) for n in lines)))
        item = items.get(row.item_id)
        if item is None:
            row.problems.append(_l("item #%(item)s not found", item=row.item_id))
            continue
        if row.application_id is not None and row.application_id != item.application_id:
            row.problems.append(_l("item #%(item)s is not part of application #%(application)s",
                                   item=row.item_id, application=row.application_id))
        if item.status == ITEM_SUPPLEMENT:
            row.problems.append(_l("item #%(item)s is waiting for the applicant's supplement, not for a decision",
                                   item=row.item_id))
        elif item.status != ITEM_PENDING:
            row.problems.append(_l("item #%(item)s is decided already (%(decision)s)", item=row.item_id,
                                   decision=DECISION_LABELS.get(item.status, item.status)))
    return rows, undecided, items


def _mark_completions(session: Session, rows: list[RowOutcome], items: dict[int, DeclaredItem]) -> None:
    """Mark the row that would decide an application's last open item (so its points would be confirmed).

    :func:`jifen.points.review.decide` confirms an application when none of its items is left pending or
    waiting for a supplement; a supplement request leaves its item open.
    """
    by_application: dict[int, list[RowOutcome]] = {}
    for row in rows:
        by_application.setdefault(items[row.item_id].application_id, []).append(row)
    ids = sorted(by_application)
    open_counts: dict[int, int] = {}
    for start in range(0, len(ids), LOOKUP_BATCH):
        open_counts.update(session.execute(
            select(DeclaredItem.application_id, func.count(DeclaredItem.id))
            .where(DeclaredItem.application_id.in_(ids[start:start + LOOKUP_BATCH]),
                   DeclaredItem.status.in_(review.OPEN))
            .group_by(DeclaredItem.application_id)).all())
    for application_id, deciding in by_application.items():
        closing = [r for r in deciding if r.decision != ITEM_SUPPLEMENT]
        if closing and len(closing) == len(deciding) == open_counts.get(application_id, 0):
            max(closing, key=lambda r: r.line).completes = True


# --- applying --------------------------------------------------------------------------------

class _HeldChannel:
    def __init__(self, impl, held: list) -> None:
        self.plugin_name, self.argnames, self._impl = impl.plugin_name, impl.argnames, impl
        self.function = lambda **arguments: held.append((impl, arguments))


class HeldNotifications:
    """The county's hooks, with the notification channels (SMS, e-mail) held back until after the commit.

    :func:`jifen.points.review.decide` notifies the applicant as it goes: an in-portal message (a row, which
    commits or rolls back with the import) and a call to each channel plugin, which cannot be taken
    back. An import is one transaction that may still roll back, and a dry run always does, so the
    channel calls are recorded here and made by :meth:`release` once the import is committed.
    """

    def __init__(self, hooks: CountyHooks) -> None:
        self._hooks = hooks
        self._held: list = []

    def __getattr__(self, name: str):
        return getattr(self._hooks, name)

    @property
    def send_notification(self):
        return self

    def get_hookimpls(self):
        return [_HeldChannel(impl, self._held) for impl in self._hooks.send_notification.get_hookimpls()]

    def release(self) -> None:
        held, self._held = self._held, []
        for impl, arguments in held:
            try:
                impl.function(**arguments)
            except Exception:  # noqa: BLE001 - as jifen.notifications: one failing gateway stops nothing
                log.exception("notification channel %s failed after an import", impl.plugin_name)

    def discard(self) -> None:
        self._held = []


def run_import(session: Session, hooks: CountyHooks, data: bytes, *, file_name: str, department: str, actor: str,
               dry_run: bool = False, skip_bad_rows: bool = False, max_rows: int = MAX_ROWS,
               max_bytes: int = MAX_BYTES) -> ImportReport:
    """Check ``data`` (a CSV or XLSX file) and apply its decisions for ``department`` of the bound county.

    Owns the transaction: it commits when it wrote something and rolls back otherwise (always on a
    dry run). The session should have nothing pending when it is called.
    """
    report = ImportReport(file_name=upload_name(file_name), sha256=sha256_of(data), department=department,
                          dry_run=dry_run, skip_bad_rows=skip_bad_rows)
    table, report.file_error = open_table(data, report.file_name, max_rows=max_rows, max_bytes=max_bytes)
    if table is None:
        return report
    report.kind, report.encoding = table.kind, table.encoding
    columns, report.ignored_columns, header_problems = map_header(table.header)
    if header_problems:
        report.file_error = header_error(header_problems)
        return report
    try:
        report.rows, report.undecided, items = check_rows(session, table, columns, department, lock=not dry_run)
        if dry_run:
            _mark_completions(session, report.good_rows, items)
        if dry_run or report.blocked or not report.good_rows:
            session.rollback()
            return report
        held = HeldNotifications(hooks)
        for row in report.good_rows:
            item = items[row.item_id]
            confirmed_before = session.get(Application, (item.tenant_id, item.application_id)).confirmed_at
            try:
                with session.begin_nested():
                    application = review.decide(session, held, item, row.decision, row.reason, reviewer_actor=actor)
            except ApplicationError as exc:  # checked above, so only a change made meanwhile gets here
                row.problems.append(exc.message)
                if not skip_bad_rows:
                    session.rollback()
                    return report
                continue
            row.applied = True
            if application.status == CONFIRMED and application.confirmed_at != confirmed_before:
                row.confirmed_total = Decimal(application.total_points)
        if not report.applied_rows:
            session.rollback()
            return report
        audit.record(session, "verifications.imported", actor=actor, target_type="verification_import",
                     target_id=report.sha256, details={
                         "file_name": report.file_name, "file_sha256": report.sha256, "department": department,
                         "applied": len(report.applied_rows), "bad": len(report.bad_rows),
                         "undecided": len(report.undecided), "bad_lines": [r.line for r in report.bad_rows][:500],
                         "skip_bad_rows": skip_bad_rows,
                     })
        session.commit()
    except BaseException:
        session.rollback()
        raise
    report.written = True
    held.release()
    return report
