"""Service program: temporary relief (临时救助) for new residents in sudden hardship.

A points holder whose household meets a sudden hardship (a major illness, an accident or disaster,
another sudden loss of livelihood) states it, lists the evidence held, and asks for the grant the
county sets for that need category. The quota is money: the round's budget, in yuan, paid in rank
order (quota mode ``budget``); the county chooses, per round or as the program's setting, whether a
grant that no longer fits the money left is skipped for a smaller one below it or the allocation
stops there (docs/ranking.md, "Budget quotas").
"""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

_l = tk.lazy_gettext

NEEDS = ("major_illness", "accident_disaster", "sudden_hardship")
NEED_NAMES = {
    "major_illness": {"zh": "重大疾病", "en": "Major illness"},
    "accident_disaster": {"zh": "意外事故或自然灾害", "en": "Accident or natural disaster"},
    "sudden_hardship": {"zh": "其他突发性生活困难", "en": "Other sudden hardship"},
}


def _grant(default: int, need: str) -> ma.fields.Decimal:
    names = NEED_NAMES[need]
    return ma.fields.Decimal(load_default=Decimal(default), as_string=True, places=2,
                             validate=ma.validate.Range(min=0, max=Decimal("1000000")), metadata={
                                 "label": {"zh": f"救助金额：{names['zh']}", "en": f"Grant: {names['en'].lower()}"},
                                 "unit": {"zh": "元", "en": "yuan"},
                                 "help": {"zh": "填 0 表示不受理此类困难。",
                                          "en": "0: the county does not help with this need."}})


class TemporaryReliefSettings(tk.ProgramSettings):
    grant_major_illness = _grant(8000, "major_illness")
    grant_accident_disaster = _grant(5000, "accident_disaster")
    grant_sudden_hardship = _grant(3000, "sudden_hardship")
    budget_leftover = tk.budget_leftover_field("stop")
    income_limit = ma.fields.Integer(load_default=1500, validate=ma.validate.Range(min=0, max=100000), metadata={
        "label": {"zh": "家庭月人均收入上限", "en": "Highest monthly income per household member"},
        "unit": {"zh": "元", "en": "yuan"},
        "help": {"zh": "困难发生后家庭月人均收入高于此数的，不予救助。",
                 "en": "A household earning more per member and month since the hardship is not helped."}})


class ReliefApplication(ma.Schema):
    need = ma.fields.String(required=True, validate=ma.validate.OneOf(NEEDS), metadata={
        "label": {"zh": "困难类别", "en": "Need"}, "choices": NEED_NAMES})
    statement = ma.fields.String(required=True, validate=ma.validate.Length(min=20, max=1000), metadata={
        "label": {"zh": "困难情况说明", "en": "What happened"}, "widget": "textarea", "counter": True,
        "help": {"zh": "写明发生了什么、何时发生、家庭现在的困难。", "en": "What happened, when, and what your household lacks now."}})
    evidence = ma.fields.String(required=True, validate=ma.validate.Length(min=4, max=500), metadata={
        "label": {"zh": "所持证明材料", "en": "Evidence you hold"}, "widget": "textarea",
        "help": {"zh": "如医院诊断证明和费用清单、事故或受灾证明；领取救助时须带原件。",
                 "en": "Such as a hospital diagnosis and bills, or a certificate of the accident or disaster; "
                       "bring the originals to receive the grant."}})
    household_size = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=20), metadata={
        "label": {"zh": "共同生活的家庭人数", "en": "People in your household"}})
    monthly_income = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=1000000), metadata={
        "label": {"zh": "困难发生后家庭月收入", "en": "Household income per month since the hardship"},
        "unit": {"zh": "元", "en": "yuan"}})


def grant(fields: dict, settings: dict):
    """The county's grant for the need category chosen (0: the county does not help with it)."""
    amount = Decimal(str(settings[f"grant_{fields['need']}"]))
    return amount if amount > 0 else None


def check(fields: dict, applicant, settings: dict) -> list:
    per_member = Decimal(fields["monthly_income"]) / Decimal(fields["household_size"])
    if per_member > settings["income_limit"]:
        return [_l("Relief is for households earning at most %(limit)s yuan per member and month; yours earns "
                   "%(income)s.", limit=settings["income_limit"], income=per_member.quantize(Decimal("1")))]
    if Decimal(str(settings[f"grant_{fields['need']}"])) <= 0:
        return [_l("The county gives no relief grant for this need: call the hotline to ask where to turn.")]
    return []


PROGRAM = tk.ServiceProgram(
    key="temporary_relief",
    names={"zh": "临时救助", "en": "Temporary relief"},
    summaries={
        "zh": "遭遇重大疾病、意外事故或其他突发困难的新居民家庭，可按困难类别申请一次性救助金，在本批资金内按积分排序发放。",
        "en": "A new resident's household in sudden hardship (major illness, accident or disaster) may ask for a "
              "one-off grant set by need; grants are paid in rank order within the round's money.",
    },
    quota_mode="budget",
    grant=grant,
    tie_breaks=("residence", "social_insurance", "applied_at"),
    publication_days=5,
    offer_rule="decline_passes_on",
    settings_schema=TemporaryReliefSettings,
    application_schema=ReliefApplication,
    check=check,
    conditions={
        "zh": ("积分已确认。", "家庭遭遇重大疾病、意外事故、自然灾害或其他突发性生活困难。",
               "困难发生后家庭月人均收入不高于本县公布的标准。"),
        "en": ("Your points are confirmed.",
               "Your household met a major illness, an accident, a natural disaster or another sudden hardship.",
               "Since then your household earns at most the county's limit per member and month."),
    },
    documents={
        "zh": ("居民身份证和居住证", "困难证明：医院诊断证明和费用清单、事故或受灾证明等", "家庭收入情况说明"),
        "en": ("Identity card and residence permit",
               "Evidence of the hardship: a hospital diagnosis and bills, a certificate of the accident or disaster",
               "A statement of the household's income"),
    },
)


@tk.hookimpl
def register_service_programs():
    return [PROGRAM]
