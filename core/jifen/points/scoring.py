"""Turning declared items into points: the one scoring function.

The public calculator, the live estimate, confirmation after review and the batch rescore all call
:func:`score`, so an estimate and the confirmed points cannot disagree for the same inputs.

Per item type, the plugin's ``score`` gives each item's raw worth; the core then applies, in order:
the type's aggregate (highest only, or a sum), the county's cap for the type, the county's
"only one of" groups (Shanghai: education OR skill), and the floor of the total (Shanghai: 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Iterable, Mapping

import marshmallow as ma

from jifen import clock
from jifen.errors import ApplicationError
from jifen.plugin import settings_versions
from jifen.plugin.kinds import ScoreItemType
from jifen.text import lazy_gettext as _l

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def quantize(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


class ScoringSettings(ma.Schema):
    """A county's own scoring settings (tenant.toml ``[scoring]``)."""

    one_of = ma.fields.List(ma.fields.List(ma.fields.String(), validate=ma.validate.Length(min=2)), load_default=list)
    floor = ma.fields.Decimal(allow_none=True, load_default=None, as_string=True)


@dataclass(frozen=True)
class Rules:
    """One rule version, loaded: settings per item type, the county's scoring settings, the date."""

    version: int | None
    items: Mapping[str, dict]
    one_of: tuple[tuple[str, ...], ...] = ()
    floor: Decimal | None = None
    as_of: date = field(default_factory=clock.today)
    # Item types whose stored settings the installed plugin cannot read (no migration): key -> why.
    unavailable: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, snapshot: dict, types: Mapping[str, ScoreItemType], version: int | None = None) -> "Rules":
        """A stored rule version's rules, each item's settings migrated from the version it was stored under."""
        items, unavailable = {}, {}
        versions = snapshot.get("settings_versions") or {}
        for key, settings in (snapshot.get("items") or {}).items():
            if key in types:
                try:
                    items[key] = settings_versions.load(types[key].settings_schema, settings, versions.get(key), key=key)
                except settings_versions.SettingsUnavailable as exc:
                    unavailable[key] = exc.reason
        scoring = ScoringSettings().load(snapshot.get("scoring") or {})
        as_of = date.fromisoformat(snapshot["as_of"]) if snapshot.get("as_of") else clock.today()
        return cls(version, items, tuple(tuple(g) for g in scoring["one_of"]), scoring["floor"], as_of, unavailable)

    def require_available(self) -> None:
        """Refuse to write points while an item type's settings cannot be read (they would count as 0)."""
        if self.unavailable:
            raise RulesUnavailable(self.unavailable)


class RulesUnavailable(ApplicationError):
    """Points cannot be scored: the installed plugin of an item type cannot read its stored settings."""

    def __init__(self, unavailable: Mapping[str, str]) -> None:
        keys = ", ".join(sorted(unavailable))
        super().__init__(_l("Points cannot be scored now: the settings of %(items)s cannot be read by the installed "
                            "plugin. The county's administrator has been told why.", items=keys))
        self.unavailable = dict(unavailable)


def loaded_input(schema: ma.Schema, stored: Mapping) -> dict:
    """An item's stored input (JSON: dates as strings) as its ``input_schema`` loads it: dates as dates,
    decimals as Decimals; what ``score`` and ``cap_group`` receive.

    Each field converts its value as ``load`` would, but without the validators: the input was validated
    when it was declared, and one a later version of the schema refuses (a narrower range) must still
    score. A missing field gets its ``load_default`` (required fields the calculator does not ask for
    stay missing); a key the schema no longer has, or a value its field can no longer convert, is passed
    on as stored. Schema hooks (``@post_load``) are not run. Ten times faster than ``load``, which counts
    when a county's rules are re-applied to every application.
    """
    loaded = dict(stored)
    for name, field in schema.load_fields.items():
        key, attribute = field.data_key or name, field.attribute or name
        if key in stored:
            value = loaded.pop(key)
            try:
                loaded[attribute] = value if value is None else field._deserialize(value, key, stored)
            except (ma.ValidationError, TypeError, ValueError):
                loaded[attribute] = value
        elif field.load_default is not ma.missing:
            loaded[attribute] = field.load_default() if callable(field.load_default) else field.load_default
    return loaded


@dataclass(frozen=True)
class Declared:
    id: int
    item_type: str
    input: dict


@dataclass(frozen=True)
class Line:
    item_id: int
    item_type: str
    category: str
    raw: Decimal
    counted: Decimal
    note: str | None = None


@dataclass(frozen=True)
class Breakdown:
    lines: tuple[Line, ...]
    total: Decimal
    by_type: Mapping[str, Decimal]
    by_category: Mapping[str, Decimal]

    def line(self, item_id: int) -> Line | None:
        return next((line for line in self.lines if line.item_id == item_id), None)


# Notes are stable keys; the pages translate them.
NOTE_NOT_HIGHEST = "not_highest"
NOTE_CAPPED = "capped"
NOTE_ONE_OF = "one_of"
NOTE_NOT_OFFERED = "not_offered"
NOTE_UNAVAILABLE = "unavailable"  # the item type's settings cannot be read now (Rules.unavailable)


def score(declared: Iterable[Declared], rules: Rules, types: Mapping[str, ScoreItemType]) -> Breakdown:
    by_type: dict[str, list[Declared]] = {}
    for item in sorted(declared, key=lambda d: d.id):
        by_type.setdefault(item.item_type, []).append(item)

    lines: dict[int, Line] = {}
    subtotals: dict[str, Decimal] = {}
    for key, items in by_type.items():
        item_type = types.get(key)
        if item_type is None or key not in rules.items:
            note = NOTE_UNAVAILABLE if key in rules.unavailable else NOTE_NOT_OFFERED
            for item in items:
                lines[item.id] = Line(item.id, key, item_type.category if item_type else "", ZERO, ZERO, note)
            continue
        settings = {**rules.items[key], "as_of": rules.as_of}
        schema = item_type.input_schema()
        items = [replace(item, input=loaded_input(schema, item.input)) for item in items]
        raws = [(item, quantize(item_type.score(item.input, settings))) for item in items]
        counted = _aggregate(item_type, raws, settings)
        for item, raw in raws:
            value, note = counted[item.id]
            lines[item.id] = Line(item.id, key, item_type.category, raw, value, note)
        subtotals[key] = sum((counted[item.id][0] for item, _ in raws), ZERO)

    for group in rules.one_of:
        present = [k for k in group if subtotals.get(k, ZERO) != ZERO]
        if len(present) < 2:
            continue
        keep = max(present, key=lambda k: (subtotals[k], -group.index(k)))
        for key in present:
            if key == keep:
                continue
            subtotals[key] = ZERO
            for item in by_type[key]:
                old = lines[item.id]
                lines[item.id] = Line(old.item_id, old.item_type, old.category, old.raw, ZERO, NOTE_ONE_OF)

    ordered = tuple(lines[i] for i in sorted(lines))
    total = sum((line.counted for line in ordered), ZERO)
    if rules.floor is not None and total < rules.floor:
        total = quantize(rules.floor)
    by_category: dict[str, Decimal] = {}
    for line in ordered:
        if line.category:
            by_category[line.category] = by_category.get(line.category, ZERO) + line.counted
    return Breakdown(ordered, total, subtotals, by_category)


def _aggregate(item_type: ScoreItemType, raws, settings: dict) -> dict[int, tuple[Decimal, str | None]]:
    cap = quantize(settings["cap"]) if settings.get("cap") is not None else None
    result: dict[int, tuple[Decimal, str | None]] = {}
    if item_type.aggregate in ("max", "single"):
        best_item, best = max(raws, key=lambda pair: pair[1])  # the first of equal maxima
        for item, raw in raws:
            result[item.id] = (ZERO, NOTE_NOT_HIGHEST)
        value, note = best, None
        if cap is not None and value > cap:
            value, note = cap, NOTE_CAPPED
        result[best_item.id] = (value, note)
        return result
    running = ZERO
    group_running: dict[str, Decimal] = {}
    for item, raw in raws:
        value, note, group = raw, None, None
        if raw > 0 and item_type.cap_group is not None:
            group, group_cap = item_type.cap_group(item.input, settings)
            room = max(quantize(group_cap) - group_running.get(group, ZERO), ZERO) if group_cap is not None else None
            if room is not None and value > room:
                value, note = room, NOTE_CAPPED
        if cap is not None and value > 0:
            room = max(cap - running, ZERO)
            if value > room:
                value, note = room, NOTE_CAPPED
        if group is not None:
            group_running[group] = group_running.get(group, ZERO) + value
        running += value
        result[item.id] = (value, note)
    return result
