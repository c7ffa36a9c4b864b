"""Service program: a subsidy towards resident pension insurance contributions (社会保障: 城乡居民养老保险缴费补贴).

A points holder at or above the county's threshold who pays into the local urban-rural resident
pension insurance (城乡居民基本养老保险) at a contribution grade of their choice asks for the subsidy the
county sets for that grade. Threshold plus budget: applications below the threshold are refused
their turn; the others are paid in rank order until the round's money, in yuan, is spent (quota mode
``budget``, docs/ranking.md, "Budget quotas").
"""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

_l = tk.lazy_gettext

GRADES = ("500", "1000", "2000", "3000")  # yuan a year: common grades of resident pension contributions
GRADE_NAMES = {grade: {"zh": f"每年 {grade} 元", "en": f"{grade} yuan a year"} for grade in GRADES}


def _subsidy(grade: str, default: int) -> ma.fields.Decimal:
    return ma.fields.Decimal(load_default=Decimal(default), as_string=True, places=2,
                             validate=ma.validate.Range(min=0, max=Decimal("100000")), metadata={
                                 "label": {"zh": f"补贴：缴费档次每年 {grade} 元",
                                           "en": f"Subsidy: contributions of {grade} yuan a year"},
                                 "unit": {"zh": "元", "en": "yuan"}})


class SocialSecuritySubsidySettings(tk.ProgramSettings):
    threshold = ma.fields.Decimal(load_default=Decimal("60"), as_string=True, validate=ma.validate.Range(min=0),
                                  metadata={"label": {"zh": "补贴分值线", "en": "Threshold"},
                                            "unit": {"zh": "分", "en": "points"},
                                            "help": {"zh": "积分达到此分值方可申请补贴。",
                                                     "en": "Applicants need at least these points."}})
    subsidy_500 = _subsidy("500", 150)
    subsidy_1000 = _subsidy("1000", 250)
    subsidy_2000 = _subsidy("2000", 400)
    subsidy_3000 = _subsidy("3000", 500)
    budget_leftover = tk.budget_leftover_field("skip")


class SubsidyApplication(ma.Schema):
    grade = ma.fields.String(required=True, validate=ma.validate.OneOf(GRADES), metadata={
        "label": {"zh": "本年度缴费档次", "en": "Your contribution grade this year"}, "choices": GRADE_NAMES})
    insured_since = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1990, max=2100), metadata={
        "label": {"zh": "在本县参加城乡居民养老保险的起始年份", "en": "Year you joined the county's resident pension insurance"}})
    employee_pension = ma.fields.String(required=True, validate=ma.validate.OneOf(("no", "yes")), metadata={
        "label": {"zh": "是否正在参加职工基本养老保险", "en": "Do you pay into the employees' pension insurance?"},
        "choices": {"no": {"zh": "否", "en": "No"}, "yes": {"zh": "是", "en": "Yes"}}})


def grant(fields: dict, settings: dict):
    amount = Decimal(str(settings[f"subsidy_{fields['grade']}"]))
    return amount if amount > 0 else None


def check(fields: dict, applicant, settings: dict) -> list:
    problems = []
    if fields["employee_pension"] == "yes":
        problems.append(_l("Someone paying into the employees' pension insurance cannot have the resident pension "
                           "subsidy."))
    if fields["insured_since"] > applicant.as_of.year:
        problems.append(_l("The year you joined cannot be after this year."))
    return problems


PROGRAM = tk.ServiceProgram(
    key="social_security_subsidy",
    names={"zh": "城乡居民养老保险缴费补贴", "en": "Resident pension contribution subsidy"},
    summaries={
        "zh": "积分达到分值线并参加本县城乡居民养老保险的新居民，可按缴费档次申请补贴，在本批资金内按积分排序发放。",
        "en": "New residents at or above the threshold who pay into the county's resident pension insurance may "
              "ask for a subsidy by contribution grade; subsidies are paid in rank order within the round's money.",
    },
    quota_mode="budget",
    grant=grant,
    tie_breaks=("social_insurance", "residence", "applied_at"),
    publication_days=5,
    settings_schema=SocialSecuritySubsidySettings,
    application_schema=SubsidyApplication,
    check=check,
    conditions={
        "zh": ("积分已确认，且达到本县公布的分值线。", "参加本县城乡居民基本养老保险，且未参加职工基本养老保险。"),
        "en": ("Your points are confirmed and reach the county's published threshold.",
               "You pay into the county's resident pension insurance and not into the employees' pension insurance."),
    },
    documents={
        "zh": ("居民身份证和居住证", "本年度城乡居民养老保险缴费凭证"),
        "en": ("Identity card and residence permit", "Your receipt for this year's resident pension contributions"),
    },
)


@tk.hookimpl
def register_service_programs():
    return [PROGRAM]
