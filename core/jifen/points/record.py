"""An applicant's confirmed points as a read-only record: what a program's ``check`` and an eligibility
plugin read (``applicant.record``) instead of the core's tables.

The record holds the confirmed items under the application's current rule version (each with the
points it counts, its category, its day and the department that verified it), the subtotals by
category, the deductions, and the family (the spouse and the children with their birth dates). It is
made in two queries (the points application, then its ledger rows with their items) plus the family's
when the caller has not read it already, and nothing in it can change the stored data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from decimal import Decimal
from functools import cached_property
from types import MappingProxyType
from typing import Iterable, Mapping

import marshmallow as ma
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import clock
from jifen.county.context import current_county
from jifen.models import Application, DeclaredItem, FamilyMember, LedgerEntry
from jifen.models.application import CONFIRMED, RECHECK
from jifen.plugin.kinds import ScoreItemType, localized
from jifen.plugin.manager import catalog
from jifen.points.scoring import loaded_input
from jifen.text import LazyText

ZERO = Decimal("0.00")
DEDUCTIONS = "deductions"  # the score category of offences


@dataclass(frozen=True)
class RecordItem:
    """One confirmed item: what it counts under the current rules and where it comes from.

    ``on`` is the day the item is about: the date its declaration gives (the first date field of the
    item type's input, such as a deduction's decision date or a graduation date), else the day its
    department verified it (``verified_on``). ``names`` name it for people: the kind the declaration
    chose where its item type names kinds (行政拘留), else the item type's name.
    """

    item_type: str
    category: str
    points: Decimal  # what it counts, after highest-only, caps and groups
    raw_points: Decimal  # what the item alone is worth
    on: date | None
    verified_on: date | None
    department: str
    names: Mapping[str, str] = field(default_factory=dict, compare=False)  # words, not data: kept out of eq and hash

    def name_in(self, locale: str) -> str:
        return localized(dict(self.names), locale) if self.names else ""

    @property
    def name(self) -> LazyText:
        """The name in the reader's language when it is shown (a lazy text, for messages)."""
        return LazyText(lambda: self.name_in(str(get_locale() or "zh")))

    @property
    def is_deduction(self) -> bool:
        return self.category == DEDUCTIONS or self.raw_points < 0


@dataclass(frozen=True)
class Relative:
    relation: str  # "spouse" or "child"
    birth_date: date


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


@dataclass(frozen=True)
class ApplicantRecord:
    """The applicant's confirmed points on ``as_of``; empty (``confirmed`` False, no items, total 0) while
    their points are not confirmed. Points of a re-check still waiting count as confirmed, as in ranking."""

    confirmed: bool = False
    total: Decimal = ZERO  # the confirmed total (the county's floor applied)
    items: tuple[RecordItem, ...] = ()
    spouse: Relative | None = None
    children: tuple[Relative, ...] = ()
    as_of: date = field(default_factory=clock.today)
    rule_version: int | None = None

    @cached_property
    def subtotals(self) -> Mapping[str, Decimal]:
        """Category -> the points its items count (only categories with items)."""
        found: dict[str, Decimal] = {}
        for item in self.items:
            found[item.category] = found.get(item.category, ZERO) + item.points
        return MappingProxyType(found)

    def subtotal(self, category: str) -> Decimal:
        return self.subtotals.get(category, ZERO)

    @cached_property
    def deductions(self) -> tuple[RecordItem, ...]:
        """Items of the deductions category or worth less than nothing, newest first (an offence whose
        deduction has lapsed under the county's rules is still one, with 0 points)."""
        found = [item for item in self.items if item.is_deduction]
        return tuple(sorted(found, key=lambda item: item.on or date.min, reverse=True))

    def deductions_since(self, day: date) -> tuple[RecordItem, ...]:
        """Deductions on ``day`` or later (and not after ``as_of``)."""
        return tuple(d for d in self.deductions if d.on is not None and day <= d.on <= self.as_of)

    def deductions_within(self, years: int) -> tuple[RecordItem, ...]:
        """Deductions less than ``years`` full years old on ``as_of`` (the way a deduction's own window counts)."""
        start = _years_before(self.as_of, years)
        return tuple(d for d in self.deductions if d.on is not None and start < d.on <= self.as_of)



def _local_day(moment: datetime | None) -> date | None:
    return moment.replace(tzinfo=timezone.utc).astimezone(clock.time_zone()).date() if moment else None


def _first_date(schema: ma.Schema, data: dict) -> date | None:
    """The value of the input's first date field, loaded as ``score`` receives it (None if it is no date)."""
    loaded = loaded_input(schema, data)
    for name, spec in schema.fields.items():
        if isinstance(spec, ma.fields.Date):
            value = loaded.get(spec.attribute or name)
            return value if isinstance(value, date) else None
    return None


def _kind_names(schema: ma.Schema, data: dict) -> Mapping[str, str] | None:
    """The names of the first named choice the declaration made (a deduction's kind), if any."""
    for name, spec in schema.fields.items():
        named = spec.metadata.get("choices") if isinstance(spec, ma.fields.String) else None
        if named and data.get(name) in named:
            return named[data[name]]
    return None


def _types(session: Session) -> dict[str, ScoreItemType]:
    types = {t.key: t for info in catalog().values() for t in info.score_items}  # also those switched off since
    types.update(current_county(session).item_types)
    return types


def _item(row, types: Mapping[str, ScoreItemType]) -> RecordItem:
    item_type = types.get(row.item_type)
    data = dict(row.input or {})
    verified_on = _local_day(row.decided_at)
    on, names = verified_on, None
    if item_type is not None:
        schema = item_type.input_schema()
        on = _first_date(schema, data) or verified_on
        names = _kind_names(schema, data) or item_type.names
    return RecordItem(row.item_type, row.category, row.points, row.raw_points, on, verified_on, row.department,
                      MappingProxyType(dict(names or {})))


def record_of(session: Session, user_id: int, *, family: Iterable[FamilyMember] | None = None,
              as_of: date | None = None) -> ApplicantRecord:
    """The record of ``user_id`` in the bound county; ``family``: their family members, when read already."""
    members = list(family) if family is not None else list(session.scalars(
        select(FamilyMember).where(FamilyMember.user_id == user_id).order_by(FamilyMember.id)))
    spouse = next((Relative("spouse", m.birth_date) for m in members if m.relation == "spouse"), None)
    children = tuple(Relative("child", m.birth_date) for m in members if m.relation == "child")
    as_of = as_of or clock.today()
    application = session.scalar(select(Application).where(Application.user_id == user_id))
    if application is None or application.status not in (CONFIRMED, RECHECK):
        return ApplicantRecord(spouse=spouse, children=children, as_of=as_of)
    rows = session.execute(
        select(LedgerEntry.item_type, LedgerEntry.category, LedgerEntry.points, LedgerEntry.raw_points,
               DeclaredItem.input, DeclaredItem.department, DeclaredItem.decided_at)
        .join(DeclaredItem, DeclaredItem.id == LedgerEntry.item_id)
        .where(LedgerEntry.application_id == application.id, LedgerEntry.rule_version == application.rule_version)
        .order_by(LedgerEntry.item_id)
    ).all() if application.rule_version is not None else []
    types = _types(session) if rows else {}
    return ApplicantRecord(confirmed=True, total=application.total_points or ZERO,
                           items=tuple(_item(row, types) for row in rows), spouse=spouse, children=children,
                           as_of=as_of, rule_version=application.rule_version)
