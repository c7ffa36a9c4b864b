"""Score item: age (年龄), from the birth date, at ``as_of``.

The county sets ``bands``: each band has ``min_age`` and ``max_age`` (whole years, both included),
``points`` (worth at ``max_age``) and ``per_year_younger`` (added for each year below ``max_age``).
The first band holding the applicant's age counts; an age in no band is worth nothing. The item's
``cap`` (as for every item, applied by the core) limits the result. For example:

* Zhongshan 2014: 18-35 gives 5: ``{min_age = 18, max_age = 35, points = "5"}``;
* Beijing 2016: 45 or younger gives 20: ``{min_age = 18, max_age = 45, points = "20"}``;
* Shanghai 2015: 5 at 56-60, 2 more per year younger, at most 30:
  ``{min_age = 56, max_age = 60, points = "5"}``, ``{min_age = 18, max_age = 55, points = "7",
  per_year_younger = "2"}`` and ``cap = "30"``.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

ZERO = Decimal("0")


class AgeInput(ma.Schema):
    birth_date = ma.fields.Date(required=True, metadata={"label": {"zh": "出生日期", "en": "Date of birth"}})


class AgeBand(ma.Schema):
    min_age = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=120))
    max_age = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=120))
    points = ma.fields.Decimal(required=True, as_string=True, validate=ma.validate.Range(min=0, max=500))
    per_year_younger = ma.fields.Decimal(load_default=ZERO, as_string=True, validate=ma.validate.Range(min=0, max=100))

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("min_age", 0) > data.get("max_age", 0):
            raise ma.ValidationError("min_age must not exceed max_age.", "min_age")


class AgeSettings(tk.ItemSettings):
    bands = ma.fields.List(ma.fields.Nested(AgeBand), load_default=list)


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def score(verified: dict, settings: dict) -> Decimal:
    age = tk.age_on(_date(verified["birth_date"]), settings["as_of"])
    for band in settings.get("bands", ()):
        if band["min_age"] <= age <= band["max_age"]:
            younger = band["max_age"] - age
            return Decimal(str(band["points"])) + Decimal(younger) * Decimal(str(band.get("per_year_younger", ZERO)))
    return ZERO


def sample(rng: random.Random) -> dict:
    born = date(1966, 1, 1).toordinal() + rng.randint(0, (date(2005, 12, 31) - date(1966, 1, 1)).days)
    return {"birth_date": date.fromordinal(born).isoformat()}


AGE = tk.ScoreItemType(
    key="age",
    category="basic_status",
    names={"zh": "年龄", "en": "Age"},
    input_schema=AgeInput,
    evidence=("identity_card",),
    department="public_security",
    settings_schema=AgeSettings,
    score=score,
    aggregate="single",
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [AGE]
