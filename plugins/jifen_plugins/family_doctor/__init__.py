"""Service program: a family-doctor contract with a yearly health check (家庭医生签约服务, 医疗卫生).

A points holder signs their household up with a family-doctor team at one community health centre: the
contract brings a yearly health check for everyone it covers and, for a chronic condition such as high
blood pressure or diabetes, regular follow-ups. Each centre can take on only so many households a year
(the county's ``health_centres``, shown on the program's page): each is a sub-quota of the round, and
households are served by rank within their centre. A contract covers the applicant and the spouse and
children declared on the Family page, at most ``max_members`` people; a household signs once, so when
both spouses apply the higher-ranked one is served. Nobody already under a family-doctor contract may
sign a second one.
"""

from __future__ import annotations

import marshmallow as ma

from jifen import toolkit as tk

_l = tk.lazy_gettext  # each message in the reader's language, never two at once

YES_NO = ("no", "yes")
YES_NO_NAMES = {"no": {"zh": "否", "en": "No"}, "yes": {"zh": "是", "en": "Yes"}}


class HealthCentre(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "label": {"zh": "社区卫生服务中心", "en": "Community health centre"}})
    places = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=100_000), metadata={
        "label": {"zh": "年度签约名额", "en": "Contracts a year"}, "unit": {"zh": "户", "en": "households"}})


class FamilyDoctorSettings(tk.ProgramSettings):
    health_centres = ma.fields.List(ma.fields.Nested(HealthCentre), load_default=list, metadata={
        "label": {"zh": "社区卫生服务中心及年度签约名额", "en": "Community health centres and their contracts a year"},
        "help": {"zh": "申请人从中选择一个中心；每一批次按中心公布名额。",
                 "en": "An applicant chooses one of them; each round publishes its places per centre."}})
    max_members = ma.fields.Integer(load_default=6, validate=ma.validate.Range(min=1, max=20), metadata={
        "label": {"zh": "每份签约最多覆盖人数", "en": "Most people one contract covers"},
        "unit": {"zh": "人", "en": "people"},
        "help": {"zh": "含申请人本人及其已登记的配偶和子女。",
                 "en": "The applicant and the spouse and children declared on their Family page."}})

    @ma.validates_schema
    def _centres_once(self, data, **kwargs):
        names = [centre["name"].strip() for centre in data.get("health_centres") or ()]
        if len(set(names)) != len(names):
            raise ma.ValidationError(_l("Each community health centre is listed once."), "health_centres")


class FamilyDoctorApplication(ma.Schema):
    health_centre = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "label": {"zh": "社区卫生服务中心", "en": "Community health centre"}})
    members = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=20), metadata={
        "label": {"zh": "签约人数（含本人）", "en": "People to cover (you included)"},
        "unit": {"zh": "人", "en": "people"}})
    chronic_condition = ma.fields.String(required=True, validate=ma.validate.OneOf(YES_NO), metadata={
        "label": {"zh": "签约人中是否有高血压、糖尿病等慢性病患者",
                  "en": "Does anyone to cover have a chronic condition, such as high blood pressure or diabetes?"},
        "choices": YES_NO_NAMES})
    signed_elsewhere = ma.fields.String(required=True, validate=ma.validate.OneOf(YES_NO), metadata={
        "label": {"zh": "是否已与其他家庭医生签约", "en": "Are you under a family-doctor contract already?"},
        "choices": YES_NO_NAMES})


def check(fields: dict, applicant, settings: dict) -> list:
    """One of the county's centres, no contract already, and no more people than the household declared
    (the applicant, the spouse, the children) and the county allows."""
    problems = []
    centres = [centre["name"] for centre in settings["health_centres"]]
    if centres and fields["health_centre"] not in centres:
        problems.append(_l("Choose one of the county's community health centres."))
    if fields["signed_elsewhere"] == "yes":
        problems.append(_l("Someone already under a family-doctor contract cannot sign a second one: end that "
                           "contract first."))
    household = 1 + (applicant.spouse is not None) + len(applicant.children)
    most = min(household, settings["max_members"])
    if fields["members"] > most:
        problems.append(_l("A contract covers you and the spouse and children declared on your Family page, at most "
                           "%(most)s people here; you asked for %(members)s.", most=most, members=fields["members"]))
    return problems


PROGRAM = tk.ServiceProgram(
    key="family_doctor",
    names={"zh": "家庭医生签约服务", "en": "Family-doctor contract and yearly health check"},
    summaries={
        "zh": "新居民家庭可与社区卫生服务中心的家庭医生团队签约，每年免费健康体检，慢性病患者定期随访；各中心年度签约名额公布，按积分排名。",
        "en": "New-resident households sign with a family-doctor team at a community health centre: a free "
              "health check every year and follow-ups for a chronic condition, by rank within each centre's "
              "published contracts a year.",
    },
    quota_mode="headcount",
    sub_quota_by="health_centre",
    tie_breaks=("personal_quality", "social_insurance", "residence", "applied_at"),
    publication_days=5,
    family_rule="higher_ranked_spouse",
    offer_rule="decline_passes_on",
    settings_schema=FamilyDoctorSettings,
    application_schema=FamilyDoctorApplication,
    check=check,
    conditions={
        "zh": ("积分已确认。", "申请时从本批次公布的社区卫生服务中心中选择一个。",
               "签约覆盖本人及已在“家庭”页登记的配偶和子女，人数不超过本县规定；夫妻双方都申请的，按排名较高的一方计，一户只占一个名额。",
               "签约人目前未与其他家庭医生签约。"),
        "en": ("Your points are confirmed.", "You choose a community health centre among those the round publishes.",
               "The contract covers you and the spouse and children registered on your Family page, up to the "
               "number the county sets; when both spouses apply, the higher-ranked one counts and the household "
               "takes one place.",
               "Nobody to cover is under a family-doctor contract already."),
    },
    documents={
        "zh": ("签约人的居民身份证或户口簿", "居住证", "慢性病患者：近期病历或诊断证明"),
        "en": ("Identity cards or household registers of the people to cover", "Residence permit",
               "For a chronic condition: recent medical records or a diagnosis"),
    },
)


@tk.hookimpl
def register_service_programs():
    return [PROGRAM]
