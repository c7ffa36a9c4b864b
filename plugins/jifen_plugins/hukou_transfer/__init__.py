"""Service program: household registration transfer (积分入户)."""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk


class HukouTransferSettings(tk.ProgramSettings):
    threshold = ma.fields.Decimal(load_default=Decimal("60"), as_string=True, validate=ma.validate.Range(min=0), metadata={
        "label": {"zh": "入户分值线", "en": "Threshold"}, "unit": {"zh": "分", "en": "points"},
        "help": {"zh": "积分达到此分值的新居民方可申请入户。", "en": "Applicants need at least these points."}})
    second_round_cap_percent = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=0, max=100), metadata={
        "label": {"zh": "第二轮名额上限", "en": "Second-round cap"}, "unit": {"zh": "%", "en": "%"},
        "help": {"zh": "第二轮中，一个镇（街道）的申请人最多占用的剩余名额，按本镇（街道）名额的百分比计。",
                 "en": "In the second round, one town's applicants take at most this share of the town's own "
                       "quota from the places left over."}})


class HukouApplication(ma.Schema):
    town = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "label": {"zh": "落户镇（街道）", "en": "Town or subdistrict"}})


def check(fields: dict, applicant, settings: dict) -> list[str]:
    return []  # the threshold is applied in ranking (quota mode and the round's threshold)


PROGRAM = tk.ServiceProgram(
    key="hukou_transfer",
    names={"zh": "积分入户", "en": "Hukou transfer"},
    summaries={
        "zh": "达到入户分值的新居民按排名在各镇（街道）名额内办理落户，余额进入全县第二轮。",
        "en": "Household registration for new residents above the threshold, by rank within each town's quota, "
        "with a county-wide second round for places left over.",
    },
    quota_mode="headcount",
    sub_quota_by="town",
    tie_breaks=("personal_quality", "social_insurance", "residence", "applied_at"),
    publication_days=5,
    family_rule="higher_ranked_spouse",
    offer_rule="decline_passes_on",
    settings_schema=HukouTransferSettings,
    application_schema=HukouApplication,
    conditions={
        "zh": ("积分已确认，且达到本县公布的入户分值。", "在本县合法稳定就业并居住。", "申请时选择户口迁入的镇（街道）。"),
        "en": ("Your points are confirmed and reach the county's published threshold.",
               "You work and live in the county lawfully and steadily.",
               "You choose the town or subdistrict to register your household in."),
    },
    documents={
        "zh": ("居民身份证", "居住证", "户口簿", "婚姻状况证明（已婚的）"),
        "en": ("Identity card", "Residence permit", "Household register (hukou booklet)",
               "Proof of marital status (if married)"),
    },
)


@tk.hookimpl
def register_service_programs():
    return [PROGRAM]
