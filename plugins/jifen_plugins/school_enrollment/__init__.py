"""Service program: public school places for new residents' children (积分入学).

A place is for a named child of the age the county sets, at one school (the sub-quota); the
higher-scoring parent's points count, and refusing an offered place forfeits it.
"""

from __future__ import annotations

import marshmallow as ma

from jifen import toolkit as tk


YEARS_OF_AGE = {"zh": "岁", "en": "years of age"}


class SchoolEnrollmentSettings(tk.ProgramSettings):
    min_child_age = ma.fields.Integer(load_default=6, validate=ma.validate.Range(min=2, max=15), metadata={
        "label": {"zh": "最小入学年龄（8月31日）", "en": "Youngest age (on 31 August)"}, "unit": YEARS_OF_AGE,
        "help": {"zh": "子女在入学当年8月31日须已满此年龄。",
                 "en": "A child must be at least this old on 31 August of the school year."}})
    max_child_age = ma.fields.Integer(load_default=15, validate=ma.validate.Range(min=3, max=18), metadata={
        "label": {"zh": "最大入学年龄（8月31日）", "en": "Oldest age (on 31 August)"}, "unit": YEARS_OF_AGE,
        "help": {"zh": "子女在入学当年8月31日不得超过此年龄。",
                 "en": "A child may be at most this old on 31 August of the school year."}})


class SchoolApplication(ma.Schema):
    child_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=50), metadata={
        "label": {"zh": "子女（须已登记为家庭成员）", "en": "Child (declared in your family)"},
        "choices_from": "children"})
    school = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "label": {"zh": "志愿学校", "en": "School"}})


def check(fields: dict, applicant, settings: dict) -> list:
    """The child is declared in the family and of the county's age on 31 August of the school year applied for."""
    return tk.child_age_problems(applicant, fields["child_name"], settings["min_child_age"], settings["max_child_age"])


PROGRAM = tk.ServiceProgram(
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
    application_schema=SchoolApplication,
    check=check,
    conditions={
        "zh": ("积分已确认。", "子女已在“家庭”页登记，且在当年8月31日达到本县规定的入学年龄。", "申请时从本批次公布的学校中选择志愿学校。"),
        "en": ("Your points are confirmed.",
               "Your child is registered on your Family page and of the county's school age on 31 August.",
               "You choose a school among those the round publishes."),
    },
    documents={
        "zh": ("父母及子女的居民身份证或户口簿", "居住证", "子女出生医学证明", "预防接种证"),
        "en": ("Identity cards or household registers of the parents and the child", "Residence permit",
               "The child's birth certificate", "The child's vaccination record"),
    },
)


@tk.hookimpl
def register_service_programs():
    return [PROGRAM]
