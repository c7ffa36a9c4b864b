"""Service program: public kindergarten places for new residents' children (积分入园).

A place is for a named child of kindergarten age (the county's range, counted on 31 August of the
school year) at one kindergarten (the sub-quota); the higher-scoring parent's points count, and
refusing an offered place forfeits it.
"""

from __future__ import annotations

import marshmallow as ma

from jifen import toolkit as tk


YEARS_OF_AGE = {"zh": "岁", "en": "years of age"}


class KindergartenSettings(tk.ProgramSettings):
    min_child_age = ma.fields.Integer(load_default=3, validate=ma.validate.Range(min=2, max=6), metadata={
        "label": {"zh": "最小入园年龄（8月31日）", "en": "Youngest age (on 31 August)"}, "unit": YEARS_OF_AGE,
        "help": {"zh": "子女在入园当年8月31日须已满此年龄。",
                 "en": "A child must be at least this old on 31 August of the school year."}})
    max_child_age = ma.fields.Integer(load_default=5, validate=ma.validate.Range(min=2, max=7), metadata={
        "label": {"zh": "最大入园年龄（8月31日）", "en": "Oldest age (on 31 August)"}, "unit": YEARS_OF_AGE,
        "help": {"zh": "子女在入园当年8月31日不得超过此年龄。",
                 "en": "A child may be at most this old on 31 August of the school year."}})

    @ma.validates_schema
    def _range(self, data, **kwargs):
        if data.get("min_child_age", 3) > data.get("max_child_age", 5):
            raise ma.ValidationError(tk.lazy_gettext("The youngest age must not exceed the oldest."), "min_child_age")


class KindergartenApplication(ma.Schema):
    child_name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=50), metadata={
        "label": {"zh": "子女（须已登记为家庭成员）", "en": "Child (declared in your family)"},
        "choices_from": "children"})
    kindergarten = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "label": {"zh": "志愿幼儿园", "en": "Kindergarten"}})


def check(fields: dict, applicant, settings: dict) -> list:
    """The child is declared in the family and of the county's age on 31 August of the school year applied for."""
    return tk.child_age_problems(applicant, fields["child_name"], settings["min_child_age"], settings["max_child_age"])


PROGRAM = tk.ServiceProgram(
    key="kindergarten",
    names={"zh": "积分入园", "en": "Kindergarten places"},
    summaries={
        "zh": "按积分排名安排新居民子女就读公办幼儿园，每所幼儿园名额公布。",
        "en": "Public kindergarten places for new residents' children, by rank within each kindergarten's "
        "published quota.",
    },
    quota_mode="headcount",
    sub_quota_by="kindergarten",
    tie_breaks=("personal_quality", "social_insurance", "residence", "applied_at"),
    publication_days=5,
    family_rule="higher_ranked_parent",
    offer_rule="decline_forfeits",
    settings_schema=KindergartenSettings,
    application_schema=KindergartenApplication,
    check=check,
    conditions={
        "zh": ("积分已确认。", "子女已在“家庭”页登记，且在当年8月31日达到本县规定的入园年龄。", "申请时从本批次公布的幼儿园中选择志愿幼儿园。"),
        "en": ("Your points are confirmed.",
               "Your child is registered on your Family page and of the county's kindergarten age on 31 August.",
               "You choose a kindergarten among those the round publishes."),
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
