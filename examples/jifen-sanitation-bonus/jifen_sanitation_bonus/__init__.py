"""Score item: Sanitation workers' bonus (环卫工人加分).

The hook implementations Jifen calls: this module is the ``sanitation_bonus`` entry point of the
``jifen.plugins`` group (pyproject.toml). The plugin owns the logic (the input an applicant
declares, the score function); each county sets the values (settings.py).
"""

from __future__ import annotations

import random
from decimal import Decimal

import marshmallow as ma

from jifen.hookspecs import hookimpl
from jifen.plugin_kinds import ScoreItemType

from jifen_sanitation_bonus.i18n import _l
from jifen_sanitation_bonus.settings import Settings


class ItemInput(ma.Schema):
    """What an applicant declares; the portal draws the form from the fields' labels."""

    years = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=0, max=60, error=_l("Give the years, from 0 to 60.")),
        metadata={"label": {"zh": "年限", "en": "Years"}},
    )


def score(verified: dict, settings: dict) -> Decimal:
    """What one verified item is worth under a county's settings: pure, no database, no clock."""
    return Decimal(verified["years"]) * settings["points_per_year"]


def sample(rng: random.Random) -> dict:
    """A realistic input, for synthetic applicants and tests."""
    return {"years": rng.randint(1, 20)}


ITEM = ScoreItemType(
    key="sanitation_bonus",
    category="social_service",
    names={"zh": "环卫工人加分", "en": "Sanitation workers' bonus"},
    input_schema=ItemInput,
    evidence=("certificate",),
    department="human_resources",
    settings_schema=Settings,
    score=score,
    aggregate="single",
    sample=sample,
)


@hookimpl
def register_score_item_types():
    return [ITEM]
