"""Score item: sanitation workers' bonus (环卫工人加分).

Frontline sanitation workers who have kept a county clean for years earn extra points, as in
Zhongshan's rules: a bonus once they reach a number of years, more for every further year, up to a
cap (the values are the county's; the defaults are illustrative). Employment is verified by the
human resources and social security bureau from the insurance record.

This module is the ``sanitation_bonus`` entry point of the ``jifen.plugins`` group (pyproject.toml).
"""

from __future__ import annotations

import random
from decimal import Decimal

import marshmallow as ma

from jifen.toolkit import Page, ScoreItemType, current_county, hookimpl, item_counts, render

from jifen_sanitation_bonus.i18n import _l
from jifen_sanitation_bonus.settings import Settings

ZERO = Decimal("0")


class ItemInput(ma.Schema):
    """What an applicant declares; the portal draws the form from the fields' labels."""

    years = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(
            min=0, max=50, error=_l("Give the years of frontline sanitation work, from 0 to 50.")),
        metadata={"label": {"zh": "一线环卫工作年限", "en": "Years of frontline sanitation work"}},
    )
    employer = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=2, max=100, error=_l("Name the sanitation employer.")),
        metadata={"label": {"zh": "环卫单位", "en": "Sanitation employer"}},
    )


def score(verified: dict, settings: dict) -> Decimal:
    """The bonus at ``min_years``, plus ``per_extra_year`` for each year beyond; the core applies ``cap``."""
    years = int(verified["years"])
    if years < settings["min_years"]:
        return ZERO
    return settings["points"] + (years - settings["min_years"]) * settings["per_extra_year"]


def sample(rng: random.Random) -> dict:
    """A realistic input, for synthetic applicants and tests."""
    return {"years": rng.randint(1, 15), "employer": rng.choice(("县环境卫生管理处", "城市保洁服务公司"))}


ITEM = ScoreItemType(
    key="sanitation_bonus",
    category="social_service",
    names={"zh": "环卫工人加分", "en": "Sanitation workers' bonus"},
    input_schema=ItemInput,
    evidence=("employment_certificate",),
    evidence_names={"employment_certificate": {"zh": "环卫单位工作证明", "en": "Certificate of employment in sanitation"}},
    department="human_resources",
    settings_schema=Settings,
    score=score,
    aggregate="single",
    sample=sample,
)


@hookimpl
def register_score_item_types():
    return [ITEM]


def summary():
    """The county administrators' page: who earns the bonus in their county, and the county's rule."""
    settings = Settings().load(current_county().settings_of("sanitation_bonus"))
    return render("summary.html", settings=settings, counts=item_counts(ITEM.key))


@hookimpl
def register_routes():
    # /<county>/admin/p/sanitation_bonus/summary, listed in the administrators' menu of each county that enables it
    return [Page("summary", summary, role="admin", menu={"zh": "环卫工人加分", "en": "Sanitation workers' bonus"})]
