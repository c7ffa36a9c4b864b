"""Score item: investment and tax (投资纳税).

One item per investment (capital invested in a business in the county, in CNY) and one per tax year
of individual income tax paid (in CNY). The county sets, for each kind, ``points`` per ``unit`` of
CNY and ``whole_units`` (count only full units, as in "1 point per full 100,000"). For income tax:

* ``window_years``: only the last completed tax years count (the ``window_years`` years before the
  year of ``as_of``; Zhongshan 2014: 5);
* ``average``: the points are for the yearly average over the window (Shanghai 2015: 10 per
  100,000 of average yearly tax), so each year's points are divided by ``window_years``; use it
  with ``whole_units = false``.

The items add up (aggregate ``sum``) to the item's ``cap`` (Shanghai: 120).
"""

from __future__ import annotations

import random
from decimal import ROUND_FLOOR, Decimal

import marshmallow as ma

from jifen import toolkit as tk

ZERO = Decimal("0")
POINTS = {"zh": "分", "en": "points"}
KINDS = ("investment", "income_tax")
KIND_NAMES = {
    "investment": {"zh": "投资（注册资本出资）", "en": "Investment (capital paid in)"},
    "income_tax": {"zh": "个人所得税", "en": "Individual income tax"},
}


class InvestmentTaxInput(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS),
                            metadata={"label": {"zh": "类别", "en": "Kind"}, "choices": KIND_NAMES})
    amount = ma.fields.Decimal(required=True, as_string=True, places=2,
                               validate=ma.validate.Range(min=Decimal("0.01"), max=Decimal("10000000000")),
                               metadata={"label": {"zh": "金额（元）", "en": "Amount (CNY)"}})
    year = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1980, max=2100),
                             metadata={"label": {"zh": "年度（投资年份或纳税年度）", "en": "Year (of the investment or tax year)"}})


class Rate(ma.Schema):
    points = ma.fields.Decimal(load_default=ZERO, as_string=True, validate=ma.validate.Range(min=0, max=1000), metadata={
        "label": {"zh": "每个计分单位加分", "en": "Points per unit"}, "unit": POINTS,
        "help": {"zh": "金额每达到一个计分单位加的分。", "en": "Points for each unit of the amount."}})
    unit = ma.fields.Decimal(load_default=Decimal("1"), as_string=True, validate=ma.validate.Range(min=1), metadata={
        "label": {"zh": "计分单位", "en": "Unit"}, "unit": {"zh": "元", "en": "yuan"},
        "help": {"zh": "多少元算一个计分单位，如每 10 万元加分填 100000。",
                 "en": "How many yuan make one unit: 100000 for points per 100,000 yuan."}})
    whole_units = ma.fields.Boolean(load_default=True, metadata={
        "label": {"zh": "只计满整单位", "en": "Count full units only"},
        "help": {"zh": "勾选后，不足一个计分单位的金额不加分。", "en": "If ticked, part of a unit earns nothing."}})


class TaxRate(Rate):
    window_years = ma.fields.Integer(load_default=5, validate=ma.validate.Range(min=1, max=20), metadata={
        "label": {"zh": "计分年度数", "en": "Tax years counted"}, "unit": {"zh": "年", "en": "years"},
        "help": {"zh": "只计最近几个已结束的纳税年度。", "en": "Only this many of the last completed tax years count."}})
    average = ma.fields.Boolean(load_default=False, metadata={
        "label": {"zh": "按年均纳税额计分", "en": "Score the yearly average"},
        "help": {"zh": "勾选后，按计分年度内的年均纳税额计分，一般同时取消“只计满整单位”。",
                 "en": "If ticked, the points are for the yearly average over the tax years counted; "
                       "untick “count full units only” with it."}})


def _no_rate() -> dict:
    return {"points": ZERO, "unit": Decimal("1"), "whole_units": True}


def _no_tax_rate() -> dict:
    return {**_no_rate(), "window_years": 5, "average": False}


class InvestmentTaxSettings(tk.ItemSettings):
    investment = ma.fields.Nested(Rate, load_default=_no_rate, metadata={
        "label": KIND_NAMES["investment"],
        "help": {"zh": "按在本县企业的出资额计分。", "en": "Points for capital paid into a business in the county."}})
    income_tax = ma.fields.Nested(TaxRate, load_default=_no_tax_rate, metadata={
        "label": KIND_NAMES["income_tax"],
        "help": {"zh": "按每个纳税年度缴纳的个人所得税计分。", "en": "Points for the income tax paid in each tax year."}})


def _points(amount: Decimal, rate: dict) -> Decimal:
    units = amount / Decimal(str(rate["unit"]))
    if rate.get("whole_units", True):
        units = units.to_integral_value(rounding=ROUND_FLOOR)
    return units * Decimal(str(rate["points"]))


def score(verified: dict, settings: dict) -> Decimal:
    amount = Decimal(str(verified["amount"]))
    if verified["kind"] == "investment":
        return _points(amount, settings.get("investment") or _no_rate())
    rate = settings.get("income_tax") or _no_tax_rate()
    window = int(rate.get("window_years", 5))
    this_year = settings["as_of"].year
    if not this_year - window <= int(verified["year"]) <= this_year - 1:
        return ZERO
    value = _points(amount, rate)
    return value / window if rate.get("average") else value


def sample(rng: random.Random) -> dict:
    if rng.random() < 0.2:
        amount = Decimal(rng.randint(1, 50) * 50_000)
        return {"kind": "investment", "amount": f"{amount:.2f}", "year": rng.randint(2010, 2025)}
    amount = Decimal(rng.randint(100, 5_000_000)) / 100
    return {"kind": "income_tax", "amount": f"{amount:.2f}", "year": rng.randint(2019, 2025)}


INVESTMENT_TAX = tk.ScoreItemType(
    key="investment_tax",
    category="investment_tax",
    names={"zh": "投资纳税", "en": "Investment and tax"},
    input_schema=InvestmentTaxInput,
    evidence=("tax_or_investment_record",),
    evidence_names={"tax_or_investment_record": {"zh": "纳税或投资证明", "en": "Tax or investment record"}},
    department="taxation",
    settings_schema=InvestmentTaxSettings,
    score=score,
    aggregate="sum",
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [INVESTMENT_TAX]
