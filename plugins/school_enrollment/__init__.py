"""Service program: public school places for new residents' children (积分入学)."""

from __future__ import annotations

import marshmallow as ma

from jifen.hookspecs import hookimpl
from jifen.plugin_kinds import ProgramSettings, ServiceProgram


class SchoolEnrollmentSettings(ProgramSettings):
    min_child_age = ma.fields.Integer(load_default=6, validate=ma.validate.Range(min=2, max=15))
    max_child_age = ma.fields.Integer(load_default=15, validate=ma.validate.Range(min=3, max=18))


PROGRAM = ServiceProgram(
    key="school_enrollment",
    names={"zh": "积分入学", "en": "School places for children"},
    summaries={
        "zh": "按积分排名安排新居民子女就读公办学校，每所学校名额公布。",
        "en": "Public school places for new residents' children, by rank within each school's published quota.",
    },
    quota_mode="headcount",
    sub_quota_by="school",
    tie_breaks=("personal_quality", "social_insurance", "residence", "applied_at"),
    publication_days=5,
    family_rule="higher_ranked_parent",
    offer_rule="decline_forfeits",
    settings_schema=SchoolEnrollmentSettings,
)


@hookimpl
def register_service_programs():
    return [PROGRAM]
