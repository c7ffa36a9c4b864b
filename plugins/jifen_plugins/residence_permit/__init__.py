"""Score item: years of residence on the residence permit (居住证年限).

The applicant lists the years in which the permit's yearly endorsement (签注) was done. Zhejiang's
regulation on the registration of the floating population (2016, art. 19) restarts the years when
an endorsement lapses, so only the latest unbroken run of consecutive years counts:

* years after the year of ``as_of`` are ignored;
* the run is the consecutive years ending with the latest endorsed year;
* the run counts only if that latest year is no older than ``grace_years`` before the year of
  ``as_of`` (default 1: this year's endorsement may not be due yet); otherwise the permit has
  lapsed and the years have restarted from nothing.

The county sets ``per_year`` (points per year of the run) and, as for every item, ``cap``.
"""

from __future__ import annotations

import random
from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

ZERO = Decimal("0")


class ResidencePermitInput(ma.Schema):
    permit_number = ma.fields.String(required=True, validate=ma.validate.Length(min=6, max=30),
                                     metadata={"scored": False, "label": {"zh": "居住证号码", "en": "Residence permit number"}})
    endorsed_years = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(min=1980, max=2100)),
        required=True, validate=ma.validate.Length(min=1, max=80),
        metadata={"label": {"zh": "已办理年度签注的年份", "en": "Years in which the yearly endorsement was done"}})


class ResidencePermitSettings(tk.ItemSettings):
    per_year = ma.fields.Decimal(load_default=ZERO, as_string=True, validate=ma.validate.Range(min=0, max=100), metadata={
        "label": {"zh": "每年加分", "en": "Points per year"}, "unit": {"zh": "分", "en": "points"},
        "help": {"zh": "居住证连续签注每满一年加的分。", "en": "Added for each year of unbroken yearly endorsements."}})
    grace_years = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=0, max=5), metadata={
        "label": {"zh": "签注宽限期", "en": "Grace period"}, "unit": {"zh": "年", "en": "years"},
        "help": {"zh": "最近一次签注晚于本年不超过此年数，年限仍连续计算；否则从头算起。",
                 "en": "The years still count if the latest endorsement is at most this many years behind; "
                       "otherwise they restart."}})


def unbroken_years(endorsed: list[int], as_of_year: int, grace_years: int = 1) -> int:
    """Length of the latest run of consecutive endorsed years up to ``as_of_year`` (0 when lapsed)."""
    years = {int(y) for y in endorsed if int(y) <= as_of_year}
    if not years:
        return 0
    latest = max(years)
    if latest < as_of_year - grace_years:
        return 0
    run = 0
    while latest - run in years:
        run += 1
    return run


def score(verified: dict, settings: dict) -> Decimal:
    run = unbroken_years(verified["endorsed_years"], settings["as_of"].year, settings.get("grace_years", 1))
    return Decimal(run) * Decimal(str(settings.get("per_year", ZERO)))


def sample(rng: random.Random) -> dict:
    last = rng.choices((2023, 2024, 2025, 2026), weights=(1, 2, 4, 4))[0]
    first = last - rng.randint(0, 14)
    years = list(range(first, last + 1))
    if len(years) > 3 and rng.random() < 0.25:  # a lapsed endorsement
        years.remove(rng.choice(years[1:-1]))
    return {"permit_number": f"3304{rng.randint(10**11, 10**12 - 1)}", "endorsed_years": years}


RESIDENCE_PERMIT = tk.ScoreItemType(
    key="residence_permit",
    category="residence",
    names={"zh": "居住证年限", "en": "Years on the residence permit"},
    input_schema=ResidencePermitInput,
    evidence=("residence_permit",),
    evidence_names={"residence_permit": {"zh": "居住证", "en": "Residence permit"}},
    department="public_security",
    settings_schema=ResidencePermitSettings,
    score=score,
    aggregate="single",
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [RESIDENCE_PERMIT]
