"""Service program: joining the local urban-rural resident medical insurance (积分参加城乡居民医保).

Points holders at or above the county's threshold may enrol in the local resident medical insurance,
for themselves or a declared child (and, where the county allows it, their spouse). It is an
entitlement with no quota: everyone eligible at or above the threshold is allocated. Nobody who has
the local employee medical insurance (职工医保) can join it as well.
"""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

INSURED = ("self", "child", "spouse")
_l = tk.lazy_gettext  # each message in the reader's language, never two at once


class ResidentMedicalInsuranceSettings(tk.ProgramSettings):
    threshold = ma.fields.Decimal(load_default=Decimal("40"), as_string=True, validate=ma.validate.Range(min=0),
                                  metadata={"label": {"zh": "参保分值线", "en": "Threshold"},
                                            "unit": {"zh": "分", "en": "points"},
                                            "help": {"zh": "积分达到此分值方可申请参保。",
                                                     "en": "Applicants need at least these points."}})
    cover_spouses = ma.fields.Boolean(load_default=False, metadata={
        "label": {"zh": "配偶可参保", "en": "Spouses may be covered"},
        "help": {"zh": "勾选后，申请人也可为已登记的配偶参保。",
                 "en": "If ticked, an applicant may also insure the spouse declared in their family."}})
    max_child_age = ma.fields.Integer(load_default=17, validate=ma.validate.Range(min=0, max=30), metadata={
        "label": {"zh": "子女最大年龄", "en": "Oldest age of a covered child"},
        "unit": {"zh": "岁", "en": "years of age"},
        "help": {"zh": "超过此年龄的子女不能参保。", "en": "An older child cannot be insured."}})


class MedicalInsuranceApplication(ma.Schema):
    insured = ma.fields.String(required=True, validate=ma.validate.OneOf(INSURED), metadata={
        "label": {"zh": "参保人", "en": "Person to insure"},
        "choices": {"self": {"zh": "本人", "en": "Myself"}, "child": {"zh": "子女", "en": "My child"},
                    "spouse": {"zh": "配偶", "en": "My spouse"}}})
    insured_name = ma.fields.String(validate=ma.validate.Length(max=50), metadata={
        "label": {"zh": "子女或配偶姓名（须已登记为家庭成员）", "en": "Name of the child or spouse (declared in your family)"}})
    employee_insurance = ma.fields.String(required=True, validate=ma.validate.OneOf(("no", "yes")), metadata={
        "label": {"zh": "参保人是否已参加本地职工医保", "en": "Does this person have the local employee medical insurance?"},
        "choices": {"no": {"zh": "否", "en": "No"}, "yes": {"zh": "是", "en": "Yes"}}})


def _child_problems(name: str, applicant, settings: dict) -> list[str]:
    if not name:
        return [_l("Give the name of the child to insure.")]
    child = next((c for c in applicant.children if c.name == name), None)
    if child is None:
        return [_l("“%(name)s” is not a child declared in your family: declare the child on the Family page first.",
                   name=name)]
    age = tk.age_on(child.birth_date, applicant.as_of)
    if age > settings["max_child_age"]:
        return [_l("A covered child must be at most %(most)s years old; %(name)s is %(age)s.",
                   most=settings["max_child_age"], name=name, age=age)]
    return []


def _spouse_problems(name: str, applicant, settings: dict) -> list[str]:
    if not settings["cover_spouses"]:
        return [_l("This county does not cover spouses: your spouse may apply with their own points.")]
    spouse = applicant.spouse
    if spouse is None:
        return [_l("Declare your spouse on the Family page first.")]
    if name and name != spouse.name:
        return [_l("“%(name)s” is not the spouse declared in your family.", name=name)]
    return []


def check(fields: dict, applicant, settings: dict) -> list[str]:
    name = (fields.get("insured_name") or "").strip()
    problems = []
    if fields["insured"] == "child":
        problems += _child_problems(name, applicant, settings)
    elif fields["insured"] == "spouse":
        problems += _spouse_problems(name, applicant, settings)
    if fields["employee_insurance"] == "yes":
        problems.append(_l("Someone with the local employee medical insurance cannot join the resident insurance."))
    return problems


PROGRAM = tk.ServiceProgram(
    key="resident_medical_insurance",
    names={"zh": "积分参加城乡居民医保", "en": "Resident medical insurance"},
    summaries={
        "zh": "积分达到分值线的新居民及其子女可参加本地城乡居民医保，不设名额。",
        "en": "New residents at or above the threshold, and their children, may join the local urban-rural "
        "resident medical insurance; there is no quota.",
    },
    quota_mode="threshold",
    tie_breaks=("personal_quality", "social_insurance", "residence", "applied_at"),
    publication_days=5,
    settings_schema=ResidentMedicalInsuranceSettings,
    application_schema=MedicalInsuranceApplication,
    check=check,
    conditions={
        "zh": ("积分已确认，且达到本县公布的分值。", "参保人未参加本地职工医疗保险。", "为子女参保的，子女已在“家庭”页登记。"),
        "en": ("Your points are confirmed and reach the county's published threshold.",
               "The person to insure has no local employee medical insurance.",
               "A child to insure is registered on your Family page."),
    },
    documents={
        "zh": ("参保人的居民身份证或户口簿", "居住证"),
        "en": ("The insured person's identity card or household register", "Residence permit"),
    },
)


@tk.hookimpl
def register_service_programs():
    return [PROGRAM]
