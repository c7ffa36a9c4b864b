"""Score item: education (学历). The highest verified level counts; the county sets the points per level."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma

from jifen.hookspecs import hookimpl
from jifen.plugin_kinds import ScoreItemType

LEVELS = ("junior_high", "senior_high", "college", "bachelor", "master", "phd")


class EducationInput(ma.Schema):
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(LEVELS))
    institution = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=100))
    graduated_on = ma.fields.Date(required=True)


class EducationSettings(ma.Schema):
    points = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(LEVELS)),
        values=ma.fields.Decimal(validate=ma.validate.Range(min=0, max=500), as_string=True),
        load_default=dict,
    )


def score(verified: dict, settings: dict) -> Decimal:
    return Decimal(str(settings.get("points", {}).get(verified["level"], 0)))


EDUCATION = ScoreItemType(
    key="education",
    category="personal_quality",
    names={"zh": "学历", "en": "Education"},
    input_schema=EducationInput,
    evidence=("diploma",),
    department="education",
    settings_schema=EducationSettings,
    score=score,
)


@hookimpl
def register_score_item_types():
    return [EDUCATION]
