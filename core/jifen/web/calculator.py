"""The public self-check calculator: no login, nothing stored, the county's current rules.

It runs the same scoring function as confirmation (jifen.points.scoring.score) on what the visitor types,
and says plainly that the result is an estimate until the departments have verified each item.
"""

from __future__ import annotations

import marshmallow as ma
from flask import Blueprint, request

from jifen.db.session import get_session
from jifen.points.rules import county_item_types, preview_rules
from jifen.points.scoring import Declared, score
from jifen.plugin import fields as item_forms
from jifen.http.security import public
from jifen.http.theme import render

bp = Blueprint("calculator", __name__)
SLOTS = {"max": 2, "single": 1, "sum": 3}  # entries offered per item type


@bp.get("/calculator")
@public
def page():
    session = get_session()
    types = county_item_types(session)
    sections, declared, errors = [], [], {}
    next_id = 1
    asked = request.args.get("go") == "1"
    for key, item_type in types.items():
        fields = item_forms.specs(item_type.input_schema())
        for slot in range(SLOTS[item_type.aggregate]):
            prefix = f"{key}-{slot}-"
            sections.append((item_type, slot, prefix, fields))
            if not asked:
                continue
            raw = item_forms.read(request.args, prefix, fields)
            if not any(v not in ("", None, False, [], {}) for v in raw.values()):
                continue
            try:
                data = item_type.input_schema().load(raw)
            except ma.ValidationError as exc:
                errors[prefix] = item_forms.translate_errors(exc.messages)
                continue
            declared.append(Declared(next_id, key, item_type.input_schema().dump(data)))
            next_id += 1
    values = {k: v for k, v in request.args.items()}
    result = score(declared, preview_rules(session), types) if asked else None
    return render("portal/calculator.html", sections=sections, result=result, errors=errors, values=values,
                  types=types), 400 if errors else 200
