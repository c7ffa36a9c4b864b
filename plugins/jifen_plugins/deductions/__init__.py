"""Score item: deductions (扣分) for offences and false materials.

One item per decision: a criminal penalty (刑事处罚), an administrative detention (行政拘留), or a
finding of false application materials (提供虚假材料), with the date it was decided. The county sets,
per kind, ``points`` (zero or negative) and ``window_years``: a decision counts while it is less than
that many full years old at ``as_of`` (Zhongshan 2014: a crime within 5 years -100, each detention
within 3 years -10); no ``window_years`` means it always counts. A kind the county leaves out costs
nothing. Every decision counts (aggregate ``sum``); the core's floor, if the county sets one, keeps
the total from going below it.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

ZERO = Decimal("0")
KINDS = ("criminal_penalty", "detention", "false_materials")
KIND_NAMES = {
    "criminal_penalty": {"zh": "刑事处罚", "en": "Criminal penalty"},
    "detention": {"zh": "行政拘留", "en": "Administrative detention"},
    "false_materials": {"zh": "提供虚假材料", "en": "False application materials"},
}


class DeductionInput(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS),
                            metadata={"label": {"zh": "类别", "en": "Kind"}, "choices": KIND_NAMES})
    decided_on = ma.fields.Date(required=True, metadata={"label": {"zh": "决定（判决）日期", "en": "Date of the decision"}})
    decided_by = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=100),
                                  metadata={"scored": False, "label": {"zh": "决定机关", "en": "Decided by"}})


class Penalty(ma.Schema):
    points = ma.fields.Decimal(required=True, as_string=True, validate=ma.validate.Range(min=-1000, max=0), metadata={
        "label": {"zh": "每次扣分", "en": "Points per decision"}, "unit": {"zh": "分", "en": "points"},
        "help": {"zh": "每个决定扣的分，填负数（如 -10）或 0。",
                 "en": "What each decision costs, as a negative number (such as -10) or 0."}})
    window_years = ma.fields.Integer(load_default=None, allow_none=True, validate=ma.validate.Range(min=1, max=50),
                                    metadata={
        "label": {"zh": "扣分有效期", "en": "Counts for"}, "unit": {"zh": "年", "en": "years"},
        "help": {"zh": "决定作出满此年数后不再扣分，不填则一直扣分。",
                 "en": "A decision stops counting once it is this many full years old; leave it empty for always."}})


def _penalty(kind: str) -> ma.fields.Nested:
    """The county's deduction for one kind of decision; the kind's name is its label. Left out: costs nothing."""
    return ma.fields.Nested(Penalty, load_default=None, allow_none=True, metadata={"label": KIND_NAMES[kind]})


class DeductionSettings(tk.ItemSettings):
    criminal_penalty = _penalty("criminal_penalty")
    detention = _penalty("detention")
    false_materials = _penalty("false_materials")


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def in_force(decided: date, as_of: date, window_years: int | None) -> bool:
    """Decided on or before ``as_of`` and, with a window, less than ``window_years`` full years before it."""
    if decided > as_of:
        return False
    if window_years is None:
        return True
    full = as_of.year - decided.year - ((as_of.month, as_of.day) < (decided.month, decided.day))
    return full < window_years


def score(verified: dict, settings: dict) -> Decimal:
    penalty = settings.get(verified["kind"])
    if not penalty or not in_force(_date(verified["decided_on"]), settings["as_of"], penalty.get("window_years")):
        return ZERO
    return Decimal(str(penalty["points"]))


def sample(rng: random.Random) -> dict:
    kind = rng.choices(KINDS, weights=(10, 80, 10))[0]
    decided = date(rng.randint(2016, 2025), rng.randint(1, 12), rng.randint(1, 28))
    body = "嘉兴市中级人民法院" if kind == "criminal_penalty" else "嘉善县公安局"
    return {"kind": kind, "decided_on": decided.isoformat(), "decided_by": body}


DEDUCTIONS = tk.ScoreItemType(
    key="deductions",
    category="deductions",
    names={"zh": "扣分", "en": "Deductions"},
    input_schema=DeductionInput,
    evidence=("decision_document",),
    evidence_names={"decision_document": {"zh": "处罚决定书", "en": "Decision document"}},
    department="public_security",
    settings_schema=DeductionSettings,
    score=score,
    aggregate="sum",
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [DEDUCTIONS]
