"""Tables that leave the platform as spreadsheets.

- A department's review queue: the items waiting for it, soonest due first, with two empty columns,
  decision and reason, for the clerk to fill in; the file imports back as it is
  (:mod:`jifen.exchange.verifications`). Names are masked as on the reviewer's pages; item and
  application numbers are written as ``#1234...`` so that a spreadsheet keeps all their digits.
- A published list (公示): the same masked rows as the CSV of :mod:`jifen.programs.publication`, headed by
  the ranking run and its SHA-256 digest, as XLSX. A publication's list never changes, so the
  workbook is made once per publication and then served from a cache file.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Iterator

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.programs import publication

from jifen.points import review
from jifen.exchange.spreadsheets import write_xlsx
from jifen.exchange.verifications import MAX_ROWS, column_title
from jifen.identity import masking
from jifen.models import Application, DeclaredItem, Publication, RankingRun, User
from jifen.plugin.kinds import ScoreItemType
from jifen.points.rules import county_item_types
from jifen.county.tenancy import require_tenant

QUEUE_COLUMNS = ("application", "item", "item_type", "applicant", "declared", "due", "decision", "reason")
QUEUE_WIDTHS = {1: 22, 2: 22, 3: 16, 4: 10, 5: 60, 6: 12, 7: 12, 8: 40}
LIST_COLUMNS = ("position", "sub_quota", "sub_position", "application_number", "name", "id_number", "points",
                "outcome", "allocation_round")  # as in the CSV of jifen.programs.publication


def reference(number: int) -> str:
    """How an item or application number is written to a spreadsheet (text, every digit kept)."""
    return f"#{number}"


def declared_summary(item: DeclaredItem, item_type: ScoreItemType | None, lang: str) -> str:
    """The declared values in one cell: ``label: value; label: value``."""
    from jifen.plugin import fields as item_forms  # the field labels of the plugin's schema, as the item's page shows them

    data = item.input or {}
    if item_type is None:
        return "; ".join(f"{key}: {value}" for key, value in data.items())
    labels: dict[str, str] = {}
    choices: dict[str, dict] = {}

    def collect(specs, prefix=""):
        for spec in specs:
            labels[prefix + spec.name] = spec.label.get(lang, spec.name)
            choices[prefix + spec.name] = {value: names.get(lang, value) for value, names in spec.choices}
            collect(spec.children)

    fields = item_forms.specs(item_type.input_schema())
    collect(fields)
    parts = []
    for key, value in item_forms.shown(data, fields).items():
        if key.endswith(".__count__"):
            continue
        label = labels.get(key) or labels.get(key.split(".", 1)[0] + "." + key.rsplit(".", 1)[-1]) or key
        if isinstance(value, bool):
            value = "✓" if value else "✗"
        parts.append(f"{label}: {choices.get(key, {}).get(value, value)}")
    return "; ".join(parts)


def queue_rows(session: Session, department: str, *, lang: str, limit: int = MAX_ROWS) -> tuple[list[list], bool]:
    """The header and the department's waiting items (at most ``limit``); and whether more are waiting."""
    items = review.queue(session, department, limit=limit + 1)
    more = len(items) > limit
    items = items[:limit]
    applications = {a.id: a for a in session.scalars(
        select(Application).where(Application.id.in_({i.application_id for i in items})))} if items else {}
    users = {u.id: u for u in session.scalars(
        select(User).where(User.id.in_({a.user_id for a in applications.values()})))} if applications else {}
    types = county_item_types(session)
    rows = [[column_title(key, lang) for key in QUEUE_COLUMNS]]
    for item in items:
        application = applications[item.application_id]
        user = users.get(application.user_id)
        item_type = types.get(item.item_type)
        rows.append([
            reference(item.application_id), reference(item.id),
            item_type.name(lang) if item_type else item.item_type,
            masking.mask_name(user.real_name) if user else "",
            declared_summary(item, item_type, lang),
            item.due_on.isoformat() if item.due_on else "",
            "", "",
        ])
    return rows, more


def list_rows(session: Session, publication_row: Publication, run: RankingRun, batch: int = 5000) -> Iterator[list]:
    """A published list's rows, masked, headed by its run and digest (the CSV's layout)."""
    yield [f"# published {publication_row.starts_on.isoformat()}", f"stage {publication_row.stage}",
           f"sha256 {run.digest}", f"digest format {run.digest_format}"]
    money = publication.is_budget(run)
    yield [*LIST_COLUMNS, *(["amount"] if money else [])]
    after = 0
    while True:
        entries = publication.page(session, publication_row, after=after, size=batch)
        if not entries:
            break
        for e in entries:
            yield [e.position, e.sub_quota or "", e.sub_position or "", e.application_number, e.name, e.id_number,
                   e.points, e.outcome, e.allocation_round or "", *([e.amount] if money else [])]
        after = entries[-1].position


def list_xlsx_path(session: Session, publication_row: Publication, run: RankingRun) -> Path:
    """The published list as an XLSX file, made on first request and kept (the list never changes)."""
    folder = Path(current_app.instance_path) / "cache" / "published_lists" / str(require_tenant().id)
    path = folder / f"publication-{publication_row.id}-{run.digest[:16]}.xlsx"
    if not path.is_file():
        folder.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=folder, suffix=".part")
        try:
            with os.fdopen(handle, "wb") as out:
                write_xlsx(list_rows(session, publication_row, run), out, title=f"{publication_row.stage} {publication_row.starts_on.isoformat()}",
                           widths={4: 22, 5: 10, 6: 22})
            os.replace(temporary, path)  # atomic: a concurrent request sees the whole file or none
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)
    return path
