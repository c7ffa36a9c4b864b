"""Score item: education (学历). The highest verified level counts; the county sets the points per level."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import marshmallow as ma

from jifen.plugin.hookspecs import hookimpl
from jifen.plugin.kinds import ItemSettings, ScoreItemType

LEVELS = ("junior_high", "senior_high", "college", "bachelor", "master", "phd")
LEVEL_NAMES = {
    "junior_high": {"zh": "初中", "en": "Junior high school"},
    "senior_high": {"zh": "高中（中专）", "en": "Senior high or vocational school"},
    "college": {"zh": "大专", "en": "College diploma"},
    "bachelor": {"zh": "本科", "en": "Bachelor's degree"},
    "master": {"zh": "硕士研究生", "en": "Master's degree"},
    "phd": {"zh": "博士研究生", "en": "Doctorate"},
}


class EducationInput(ma.Schema):
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(LEVELS),
                             metadata={"label": {"zh": "学历", "en": "Level"}, "choices": LEVEL_NAMES})
    institution = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=100),
                                   metadata={"label": {"zh": "毕业院校", "en": "School or university"}})
    graduated_on = ma.fields.Date(required=True, metadata={"label": {"zh": "毕业日期", "en": "Graduation date"}})


class EducationSettings(ItemSettings):
    points = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.OneOf(LEVELS)),
        values=ma.fields.Decimal(validate=ma.validate.Range(min=0, max=500), as_string=True),
        load_default=dict,
    )


def score(verified: dict, settings: dict) -> Decimal:
    return Decimal(str(settings.get("points", {}).get(verified["level"], 0)))


def sample(rng: random.Random) -> dict:
    level = rng.choices(LEVELS, weights=(30, 35, 18, 13, 3, 1))[0]
    return {"level": level, "institution": "嘉兴职业技术学院",
            "graduated_on": date(rng.randint(1995, 2024), rng.randint(1, 12), 1).isoformat()}


EDUCATION = ScoreItemType(
    key="education",
    category="personal_quality",
    names={"zh": "学历", "en": "Education"},
    input_schema=EducationInput,
    evidence=("diploma",),
    department="education",
    settings_schema=EducationSettings,
    score=score,
    aggregate="max",
    sample=sample,
)


@hookimpl
def register_score_item_types():
    return [EDUCATION]
