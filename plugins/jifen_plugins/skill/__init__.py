"""Score item: professional skill or title (职业技能 / 专业技术职称).

An applicant declares each certificate they hold: a national vocational qualification (国家职业资格,
grades five to one) or a professional title (专业技术职称). Only the highest verified one counts
(aggregate ``max``, applied by the core); the county sets the points per level.
"""

from __future__ import annotations

import random
from datetime import date

import marshmallow as ma

from jifen import toolkit as tk

LEVELS = (
    "junior_skill",
    "intermediate_skill",
    "senior_skill",
    "technician",
    "senior_technician",
    "junior_title",
    "intermediate_title",
    "senior_title",
)
LEVEL_NAMES = {
    "junior_skill": {"zh": "初级工（五级）", "en": "Junior skill certificate (grade 5)"},
    "intermediate_skill": {"zh": "中级工（四级）", "en": "Intermediate skill certificate (grade 4)"},
    "senior_skill": {"zh": "高级工（三级）", "en": "Senior skill certificate (grade 3)"},
    "technician": {"zh": "技师（二级）", "en": "Technician (grade 2)"},
    "senior_technician": {"zh": "高级技师（一级）", "en": "Senior technician (grade 1)"},
    "junior_title": {"zh": "初级职称", "en": "Junior professional title"},
    "intermediate_title": {"zh": "中级职称", "en": "Intermediate professional title"},
    "senior_title": {"zh": "高级职称（副高及以上）", "en": "Senior professional title (associate or full)"},
}


class SkillInput(ma.Schema):
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(LEVELS),
                             metadata={"label": {"zh": "等级或职称", "en": "Grade or title"}, "choices": LEVEL_NAMES})
    occupation = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=100),
                                  metadata={"scored": False, "label": {"zh": "职业（工种）或专业", "en": "Occupation or speciality"}})
    certificate_number = ma.fields.String(required=True, validate=ma.validate.Length(min=4, max=40),
                                          metadata={"scored": False, "label": {"zh": "证书编号", "en": "Certificate number"}})
    issued_on = ma.fields.Date(required=True, metadata={"scored": False, "label": {"zh": "发证日期", "en": "Date of issue"}})


class SkillSettings(tk.ItemSettings):
    """``points``: points per level; a level the county leaves out is worth nothing."""

    points = tk.level_points(
        LEVELS, choices=LEVEL_NAMES, label={"zh": "各等级及职称加分", "en": "Points per grade or title"},
        help={"zh": "按申请人最高的一项等级或职称计一次分；未填的不加分。",
              "en": "The applicant's highest grade or title counts once; one left empty earns nothing."})


score = tk.level_scorer("level")


OCCUPATIONS = ("电工", "焊工", "数控车工", "汽车维修工", "育婴员", "养老护理员", "机械工程", "会计")


def sample(rng: random.Random) -> dict:
    level = rng.choices(LEVELS, weights=(25, 30, 20, 8, 2, 8, 5, 2))[0]
    return {
        "level": level,
        "occupation": rng.choice(OCCUPATIONS),
        "certificate_number": f"{rng.randint(10**15, 10**16 - 1)}",
        "issued_on": date(rng.randint(2000, 2025), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
    }


SKILL = tk.ScoreItemType(
    key="skill",
    category="personal_quality",
    names={"zh": "职业技能与职称", "en": "Skills and professional titles"},
    input_schema=SkillInput,
    evidence=("qualification_certificate",),
    evidence_names={"qualification_certificate": {"zh": "职业资格或职称证书", "en": "Qualification or title certificate"}},
    department="human_resources",
    settings_schema=SkillSettings,
    score=score,
    aggregate="max",
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [SKILL]
