"""Score item: housing in the county (住房): an own home or a rented one, points per full year.

Beijing 2016 gives 1 point per year in an own home and 0.5 per year in a rented one. The applicant
declares it once (aggregate ``single``): whether they own or rent, and since when; the years are
full years from that date to ``as_of``. The county sets ``own_per_year``, ``rent_per_year`` and,
as for every item, ``cap``.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

ZERO = Decimal("0")
POINTS = {"zh": "分", "en": "points"}
TENURES = ("own", "rent")
TENURE_NAMES = {
    "own": {"zh": "自有住房", "en": "Own home"},
    "rent": {"zh": "租赁住房", "en": "Rented home"},
}


class HousingInput(ma.Schema):
    tenure = ma.fields.String(required=True, validate=ma.validate.OneOf(TENURES),
                              metadata={"label": {"zh": "住房性质", "en": "Own or rented"}, "choices": TENURE_NAMES})
    since = ma.fields.Date(required=True, metadata={"label": {"zh": "起始日期（购房或租赁登记）",
                                                              "en": "Since (purchase or tenancy registration)"}})
    address = ma.fields.String(required=True, validate=ma.validate.Length(min=4, max=200),
                               metadata={"scored": False, "label": {"zh": "住址", "en": "Address"}})


class HousingSettings(tk.ItemSettings):
    own_per_year = ma.fields.Decimal(
        load_default=ZERO, as_string=True, validate=ma.validate.Range(min=0, max=100), metadata={
        "label": {"zh": "自有住房每年加分", "en": "Own home: points per year"}, "unit": POINTS,
        "help": {"zh": "自购房之日起每满一年加的分。", "en": "Added for each full year since the purchase."}})
    rent_per_year = ma.fields.Decimal(
        load_default=ZERO, as_string=True, validate=ma.validate.Range(min=0, max=100), metadata={
        "label": {"zh": "租赁住房每年加分", "en": "Rented home: points per year"}, "unit": POINTS,
        "help": {"zh": "租赁登记之日起每满一年加的分。", "en": "Added for each full year since the tenancy was registered."}})


def _date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def full_years(start: date, end: date) -> int:
    if end <= start:
        return 0
    return end.year - start.year - ((end.month, end.day) < (start.month, start.day))


def score(verified: dict, settings: dict) -> Decimal:
    years = full_years(_date(verified["since"]), settings["as_of"])
    rate = settings.get("own_per_year" if verified["tenure"] == "own" else "rent_per_year", ZERO)
    return Decimal(years) * Decimal(str(rate))


STREETS = ("罗星街道", "魏塘街道", "惠民街道", "硖石街道", "海洲街道", "马桥街道")


def sample(rng: random.Random) -> dict:
    return {
        "tenure": rng.choices(TENURES, weights=(20, 80))[0],
        "since": date(rng.randint(2005, 2025), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
        "address": f"{rng.choice(STREETS)}{rng.randint(1, 300)}号",
    }


HOUSING = tk.ScoreItemType(
    key="housing",
    category="residence",
    names={"zh": "住房", "en": "Housing"},
    input_schema=HousingInput,
    evidence=("property_or_tenancy_certificate",),
    evidence_names={"property_or_tenancy_certificate": {"zh": "房产证或租赁合同", "en": "Title deed or tenancy contract"}},
    department="housing",
    settings_schema=HousingSettings,
    score=score,
    aggregate="single",
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [HOUSING]
