"""Score item: granted patents (专利).

One item per patent: its kind (invention, utility model, design) and grant date. Only patents
granted within the last ``window_years`` before ``as_of`` count (Zhongshan 2014: 5 years); one
granted on the anniversary or earlier, or dated after ``as_of``, is worth nothing. The county sets
``points`` per kind; all patents add up (aggregate ``sum``) to the item's ``cap``.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

ZERO = Decimal("0")
KINDS = ("invention", "utility_model", "design")
KIND_NAMES = {
    "invention": {"zh": "发明专利", "en": "Invention patent"},
    "utility_model": {"zh": "实用新型专利", "en": "Utility model patent"},
    "design": {"zh": "外观设计专利", "en": "Design patent"},
}


class PatentInput(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS),
                            metadata={"label": {"zh": "专利类型", "en": "Kind of patent"}, "choices": KIND_NAMES})
    patent_number = ma.fields.String(required=True, validate=ma.validate.Length(min=8, max=30),
                                     metadata={"scored": False, "label": {"zh": "专利号", "en": "Patent number"}})
    title = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=200),
                             metadata={"scored": False, "label": {"zh": "专利名称", "en": "Title"}})
    granted_on = ma.fields.Date(required=True, metadata={"label": {"zh": "授权公告日", "en": "Date granted"}})


class PatentSettings(tk.ItemSettings):
    points = tk.level_points(
        KINDS, choices=KIND_NAMES, label={"zh": "每项专利加分", "en": "Points per patent"},
        help={"zh": "每项授权专利按类型加的分；未填的类型不加分。",
              "en": "Points for each granted patent, by kind; a kind left empty earns nothing."})
    window_years = ma.fields.Integer(load_default=5, validate=ma.validate.Range(min=1, max=50), metadata={
        "label": {"zh": "专利有效年限", "en": "Years a patent counts"}, "unit": {"zh": "年", "en": "years"},
        "help": {"zh": "授权满此年数的专利不再加分。", "en": "A patent stops counting this many full years after its grant."}})


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def within_years(event: date, as_of: date, years: int) -> bool:
    """``event`` happened on or before ``as_of`` and less than ``years`` full years before it."""
    if event > as_of:
        return False
    full = as_of.year - event.year - ((as_of.month, as_of.day) < (event.month, event.day))
    return full < years


def score(verified: dict, settings: dict) -> Decimal:
    if not within_years(_date(verified["granted_on"]), settings["as_of"], settings.get("window_years", 5)):
        return ZERO
    return tk.points_for_level(settings, verified["kind"])


TITLES = ("一种纺织品染色装置", "一种数控机床夹具", "一种皮革压花设备", "一种节能电机散热结构", "一种包装盒")


def sample(rng: random.Random) -> dict:
    kind = rng.choices(KINDS, weights=(15, 60, 25))[0]
    year = rng.randint(2016, 2025)
    code = {"invention": 1, "utility_model": 2, "design": 3}[kind]
    return {
        "kind": kind,
        "patent_number": f"ZL{year}{code}{rng.randint(10**6, 10**7 - 1)}.{rng.randint(0, 9)}",
        "title": rng.choice(TITLES),
        "granted_on": date(year, rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
    }


PATENTS = tk.ScoreItemType(
    key="patents",
    category="patents_innovation",
    names={"zh": "专利", "en": "Patents"},
    input_schema=PatentInput,
    evidence=("patent_certificate",),
    evidence_names={"patent_certificate": {"zh": "专利证书", "en": "Patent certificate"}},
    department="science_technology",
    settings_schema=PatentSettings,
    score=score,
    aggregate="sum",
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [PATENTS]
