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
POINTS = {"zh": "分", "en": "points"}
YEARS_OF_AGE = {"zh": "岁", "en": "years of age"}


class AgeInput(ma.Schema):
    birth_date = ma.fields.Date(required=True, metadata={"label": {"zh": "出生日期", "en": "Date of birth"}})


class AgeBand(ma.Schema):
    min_age = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=120), metadata={
        "label": {"zh": "起始年龄", "en": "From age"}, "unit": YEARS_OF_AGE,
        "help": {"zh": "本档的最小年龄（含）。", "en": "The youngest age in the band (included)."}})
    max_age = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=120), metadata={
        "label": {"zh": "截止年龄", "en": "To age"}, "unit": YEARS_OF_AGE,
        "help": {"zh": "本档的最大年龄（含）。", "en": "The oldest age in the band (included)."}})
    points = ma.fields.Decimal(required=True, as_string=True, validate=ma.validate.Range(min=0, max=500), metadata={
        "label": {"zh": "截止年龄的分值", "en": "Points at the oldest age"}, "unit": POINTS,
        "help": {"zh": "年龄等于截止年龄时加的分。", "en": "What an applicant of the band's oldest age earns."}})
    per_year_younger = ma.fields.Decimal(
        load_default=ZERO, as_string=True, validate=ma.validate.Range(min=0, max=100), metadata={
            "label": {"zh": "每小一岁加分", "en": "Points per year younger"}, "unit": POINTS,
            "help": {"zh": "比截止年龄每小一岁另加的分。", "en": "Added for each year below the band's oldest age."}})

    @ma.validates_schema
    def _ordered(self, data, **kwargs):
        if data.get("min_age", 0) > data.get("max_age", 0):
            raise ma.ValidationError(tk.lazy_gettext("The youngest age of a band must not exceed its oldest."), "min_age")


class AgeSettings(tk.ItemSettings):
    bands = ma.fields.List(ma.fields.Nested(AgeBand), load_default=list, metadata={
        "label": {"zh": "年龄分档", "en": "Age bands"},
        "help": {"zh": "按申请人年龄所在的第一档计分，不在任何一档的不加分。",
                 "en": "The first band that holds the applicant's age counts; an age in no band earns nothing."}})


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
    evidence_names={"identity_card": {"zh": "居民身份证", "en": "Identity card"}},
    department="public_security",
    settings_schema=AgeSettings,
    score=score,
    aggregate="single",
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [AGE]
