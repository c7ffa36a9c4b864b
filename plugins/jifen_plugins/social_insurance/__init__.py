"""Score item: social insurance contributions (社会保险).

An applicant declares it once (aggregate ``single``): how many of the five insurance types they pay
into (pension, medical, unemployment, work injury, maternity), their contribution years in the
province, and how many of those years were in this county.

The county's table has two parts, ``province`` and ``local``, each with
``per_type_year`` (points per insurance type per year), ``per_year`` (points per year, whatever the
types) and ``cap`` (a cap on that part). That expresses both styles of scheme:

* Zhongshan 2014: 1.5 per type per year in the province (cap 75) + 0.5 per type per year locally
  (cap 25): ``province.per_type_year = 1.5``, ``province.cap = 75``, ``local.per_type_year = 0.5``,
  ``local.cap = 25``;
* Shanghai 2015 / Beijing 2016: 3 per year of contributions: ``local.per_year = 3``.

``min_years``: fewer contribution years in the province than this are worth nothing (Beijing asks 7).
The item type's ``cap`` (as for every item) limits the whole.
"""

from __future__ import annotations

import random
from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

ZERO = Decimal("0")
POINTS = {"zh": "分", "en": "points"}
INSURANCE_TYPES = 5


class SocialInsuranceInput(ma.Schema):
    insurance_types = ma.fields.Integer(
        required=True, validate=ma.validate.Range(min=1, max=INSURANCE_TYPES),
        metadata={"label": {"zh": "参保险种数（养老、医疗、失业、工伤、生育）",
                            "en": "Insurance types paid into (pension, medical, unemployment, work injury, maternity)"}})
    years = ma.fields.Integer(
        required=True, validate=ma.validate.Range(min=0, max=60),
        metadata={"label": {"zh": "在本省累计缴费年限", "en": "Contribution years in the province"}})
    local_years = ma.fields.Integer(
        required=True, validate=ma.validate.Range(min=0, max=60),
        metadata={"label": {"zh": "其中在本县（市）缴费年限", "en": "Of which in this county"}})

    @ma.validates_schema
    def _local_within_province(self, data, **kwargs):
        if data.get("local_years", 0) > data.get("years", 0):
            raise ma.ValidationError(tk.lazy_gettext("Cannot exceed the years in the province."), "local_years")


def _no_accrual() -> dict:
    return {"per_type_year": ZERO, "per_year": ZERO, "cap": None}


class Accrual(ma.Schema):
    per_type_year = ma.fields.Decimal(
        load_default=ZERO, as_string=True, validate=ma.validate.Range(min=0, max=100), metadata={
            "label": {"zh": "每险种每年加分", "en": "Points per insurance type per year"}, "unit": POINTS,
            "help": {"zh": "每缴费一年，每个参保险种加的分。",
                     "en": "Added for each year of contributions, for each insurance type paid into."}})
    per_year = ma.fields.Decimal(
        load_default=ZERO, as_string=True, validate=ma.validate.Range(min=0, max=100), metadata={
            "label": {"zh": "每年加分（不分险种）", "en": "Points per year, whatever the types"}, "unit": POINTS,
            "help": {"zh": "每缴费一年加的分，与参保险种数无关。",
                     "en": "Added for each year of contributions, whatever the number of insurance types."}})
    cap = ma.fields.Decimal(
        load_default=None, allow_none=True, as_string=True, validate=ma.validate.Range(min=0), metadata={
            "label": {"zh": "本项封顶分值", "en": "Cap of this part"}, "unit": POINTS,
            "help": {"zh": "这一部分最多计的分，不填则不封顶。", "en": "The most this part counts; leave it empty for no cap."}})


class SocialInsuranceSettings(tk.ItemSettings):
    province = ma.fields.Nested(Accrual, load_default=_no_accrual, metadata={
        "label": {"zh": "本省缴费", "en": "Contributions in the province"},
        "help": {"zh": "按在本省累计缴费年限计分。", "en": "Points for all contribution years in the province."}})
    local = ma.fields.Nested(Accrual, load_default=_no_accrual, metadata={
        "label": {"zh": "本县（市）缴费", "en": "Contributions in this county"},
        "help": {"zh": "按其中在本县（市）的缴费年限另外计分。",
                 "en": "Further points for those of the years paid in this county."}})
    min_years = ma.fields.Integer(load_default=0, validate=ma.validate.Range(min=0, max=60), metadata={
        "label": {"zh": "最低缴费年限", "en": "Fewest contribution years"}, "unit": {"zh": "年", "en": "years"},
        "help": {"zh": "在本省缴费不满此年数的，社会保险不加分。",
                 "en": "Fewer contribution years in the province than this earn nothing."}})


def _part(accrual: dict, types: int, years: int) -> Decimal:
    value = Decimal(years) * (Decimal(types) * Decimal(str(accrual["per_type_year"])) + Decimal(str(accrual["per_year"])))
    cap = accrual.get("cap")
    return min(value, Decimal(str(cap))) if cap is not None else value


def score(verified: dict, settings: dict) -> Decimal:
    types, years = int(verified["insurance_types"]), int(verified["years"])
    local_years = min(int(verified["local_years"]), years)
    if years < settings.get("min_years", 0):
        return ZERO
    return (_part(settings.get("province") or _no_accrual(), types, years)
            + _part(settings.get("local") or _no_accrual(), types, local_years))


def sample(rng: random.Random) -> dict:
    years = rng.randint(0, 20)
    return {"insurance_types": rng.choices((1, 2, 3, 4, 5), weights=(5, 10, 10, 15, 60))[0],
            "years": years, "local_years": rng.randint(0, years)}


SOCIAL_INSURANCE = tk.ScoreItemType(
    key="social_insurance",
    category="basic_status",
    names={"zh": "社会保险", "en": "Social insurance"},
    input_schema=SocialInsuranceInput,
    evidence=("insurance_record",),
    evidence_names={"insurance_record": {"zh": "社会保险缴费记录", "en": "Social insurance contribution record"}},
    department="human_resources",
    settings_schema=SocialInsuranceSettings,
    score=score,
    aggregate="single",
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [SOCIAL_INSURANCE]
