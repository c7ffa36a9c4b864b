"""The public self-check calculator: no login, nothing stored, the county's current rules.

It runs the same scoring function as confirmation (jifen.points.scoring.score) on what the visitor types,
and says plainly that the result is an estimate until the departments have verified each item.

A person finishes it on a phone: it asks only what changes the points (an input field marked
``metadata={"scored": False}``, such as a certificate number or a school's name, is not asked and is left
out of the check, ``partial``, so the plugin's own score function is still the one scorer), the items are
grouped by category, each folded until it is used, an item that can be declared several times gets one
more row on demand (a submit button, so what was typed is kept; no script), and the estimate stands at the
top, never beside errors.
"""

from __future__ import annotations

import re

import marshmallow as ma
from flask import Blueprint, request

from jifen.db.session import get_session
from jifen.points.rules import county_item_types, preview_rules
from jifen.points.scoring import Declared, score
from jifen.plugin import fields as item_forms
from jifen.plugin.kinds import CATEGORIES
from jifen.http.security import public
from jifen.http.theme import render
from jifen.text import lazy_gettext as _l

bp = Blueprint("calculator", __name__)
SLOTS = {"max": 5, "single": 1, "sum": 10}  # at most this many rows per item type (one to start with)

CATEGORY_NAMES = {
    "basic_status": _l("Basic conditions"),
    "personal_quality": _l("Education and skills"),
    "residence": _l("Residence"),
    "family_planning": _l("Family planning"),
    "patents_innovation": _l("Patents and innovation"),
    "investment_tax": _l("Investment and tax"),
    "social_service": _l("Social service"),
    "awards": _l("Awards"),
    "deductions": _l("Deductions"),
}


def unscored(schema: ma.Schema) -> tuple[str, ...]:
    """The input fields the item's score does not read (``metadata={"scored": False}``)."""
    return tuple(name for name, f in schema.fields.items() if f.metadata.get("scored", True) is False)


def _row_count(key: str, aggregate: str) -> int:
    """Rows shown for an item type: those asked for (``<key>-rows``), those holding values, one more if the
    visitor pressed its "add one more" button; at least one, at most :data:`SLOTS`."""
    most = SLOTS[aggregate]
    asked = request.args.get(f"{key}-rows", "")
    count = int(asked) if asked.isascii() and asked.isdigit() and len(asked) < 4 else 1
    pattern = re.compile(rf"{re.escape(key)}-(\d{{1,3}})-")
    for name, value in request.args.items():
        found = pattern.match(name)
        if found and value.strip():
            count = max(count, int(found.group(1)) + 1)
    if request.args.get("add") == key:
        count += 1
    return max(1, min(count, most))


def _filled(raw: dict) -> bool:
    return any(v not in ("", None, False, [], {}) for v in raw.values())


@bp.get("/calculator")
@public
def page():
    session = get_session()
    types = county_item_types(session)
    asked = request.args.get("go") == "1"
    groups: dict[str, list] = {}
    declared, errors, used = [], {}, set()
    for key, item_type in types.items():
        schema = item_type.input_schema()
        skipped = unscored(schema)
        fields = [f for f in item_forms.specs(schema) if f.scored]
        rows = []
        for slot in range(_row_count(key, item_type.aggregate)):
            prefix = f"{key}-{slot}-"
            rows.append((slot, prefix))
            raw = {k: v for k, v in item_forms.read(request.args, prefix, fields).items() if k not in skipped}
            if not asked or not _filled(raw):
                continue
            used.add(key)
            try:
                data = schema.load(raw, partial=skipped)
            except ma.ValidationError as exc:
                errors[prefix] = item_forms.translate_errors(exc.messages)
                continue
            declared.append(Declared(len(declared) + 1, key, schema.dump(data)))
        groups.setdefault(item_type.category, []).append((item_type, fields, rows))
    sections = [(category, CATEGORY_NAMES.get(category, category), groups[category])
                for category in sorted(groups, key=lambda c: CATEGORIES.index(c) if c in CATEGORIES else len(CATEGORIES))]
    values = {k: v for k, v in request.args.items()}
    result = score(declared, preview_rules(session), types) if asked and not errors else None
    return render("portal/calculator.html", sections=sections, result=result, errors=errors, values=values,
                  types=types, used=used, slots=SLOTS, added=request.args.get("add")), 400 if errors else 200
