"""Score item: education (学历). The highest verified level counts; the county sets the points per level."""

from __future__ import annotations

import random
from datetime import date

import marshmallow as ma

from jifen import toolkit as tk

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
                                   metadata={"scored": False, "label": {"zh": "毕业院校", "en": "School or university"}})
    graduated_on = ma.fields.Date(required=True, metadata={"scored": False, "label": {"zh": "毕业日期", "en": "Graduation date"}})


class EducationSettings(tk.ItemSettings):
    points = tk.level_points(
        LEVELS, choices=LEVEL_NAMES, label={"zh": "各学历加分", "en": "Points per level"},
        help={"zh": "按申请人最高学历计一次分；未填的学历不加分。",
              "en": "The applicant's highest level counts once; a level left empty earns nothing."})


score = tk.level_scorer("level")


def sample(rng: random.Random) -> dict:
    level = rng.choices(LEVELS, weights=(30, 35, 18, 13, 3, 1))[0]
    return {"level": level, "institution": "嘉兴职业技术学院",
            "graduated_on": date(rng.randint(1995, 2024), rng.randint(1, 12), 1).isoformat()}


EDUCATION = tk.ScoreItemType(
    key="education",
    category="personal_quality",
    names={"zh": "学历", "en": "Education"},
    input_schema=EducationInput,
    evidence=("diploma",),
    evidence_names={"diploma": {"zh": "毕业证书", "en": "Diploma"}},
    department="education",
    settings_schema=EducationSettings,
    score=score,
    aggregate="max",
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [EDUCATION]
