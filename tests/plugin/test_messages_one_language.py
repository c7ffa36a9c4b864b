"""The built-in plugins' messages come in the reader's language, one at a time; a field marked
``"scored": False`` is one the item's score really does not read."""

from __future__ import annotations

import random
import re
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import pytest

HAN = re.compile(r"[\u3400-\u9fff]")


def _in(app, locale: str, make):
    with app.test_request_context("/"):
        from flask import session

        session["lang"] = locale
        return [str(m) for m in make()]


def _applicant(children=(), spouse=None):
    kids = tuple(SimpleNamespace(name=name, birth_date=born) for name, born in children)
    return SimpleNamespace(as_of=date(2027, 4, 20), children=kids, spouse=spouse)


CASES = [
    ("kindergarten", {"child_name": "小刚", "kindergarten": "甲"}, _applicant([("小红", date(2024, 3, 1))])),
    ("kindergarten", {"child_name": "小红", "kindergarten": "甲"}, _applicant([("小红", date(2015, 3, 1))])),
    ("school_enrollment", {"child_name": "小刚", "school": "甲"}, _applicant([("小红", date(2020, 3, 1))])),
    ("school_enrollment", {"child_name": "小红", "school": "甲"}, _applicant([("小红", date(2024, 3, 1))])),
    ("resident_medical_insurance", {"insured": "child", "insured_name": "", "employee_insurance": "yes"},
     _applicant()),
    ("resident_medical_insurance", {"insured": "spouse", "insured_name": "李芳", "employee_insurance": "no"},
     _applicant()),
    ("public_rental_housing", {"household_income": 10**8, "floor_area_per_person": 999, "household_size": 3},
     _applicant()),
]


@pytest.mark.parametrize("key, fields, applicant", CASES)
def test_a_programs_check_speaks_the_readers_language_only(app, key, fields, applicant):
    import importlib

    program = importlib.import_module(f"jifen_plugins.{key}").PROGRAM
    settings = program.settings_schema().load({})
    english = _in(app, "en", lambda: program.check(fields, applicant, settings))
    assert english, "the case should be refused"
    for message in english:
        names = "".join(v for v in fields.values() if isinstance(v, str)) + "小红小刚李芳"
        assert not HAN.search(message.translate({ord(c): None for c in names})), message
        assert " / " not in message


def test_a_field_not_scored_does_not_change_the_points():
    import importlib

    keys = ["education", "awards", "deductions", "family_planning", "housing", "patents", "residence_permit", "skill",
            "social_service"]
    for key in keys:
        module = importlib.import_module(f"jifen_plugins.{key}")
        item_type = next(v for v in vars(module).values() if type(v).__name__ == "ScoreItemType")
        schema = item_type.input_schema()
        skipped = [n for n, f in schema.fields.items() if f.metadata.get("scored", True) is False]
        assert skipped, key
        settings = item_type.settings_schema().load({})
        settings["as_of"] = date(2027, 4, 20)
        for seed in range(5):
            data = schema.dump(schema.load(item_type.sample(random.Random(seed))))
            partial = schema.dump(schema.load({k: v for k, v in data.items() if k not in skipped}, partial=skipped))
            assert Decimal(item_type.score(partial, settings)) == Decimal(item_type.score(data, settings)), key
