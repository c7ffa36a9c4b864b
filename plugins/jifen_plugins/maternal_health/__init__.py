"""Service program: free pre-pregnancy and maternal health checks for couples (优生优育服务, 计划生育/优生服务).

A married couple, one of them a points holder, asks for a free pre-pregnancy check (孕前优生健康检查) or
maternal health care through a pregnancy (孕产期保健) at one community health centre. It is an entitlement
above the county's ``threshold`` within each centre's yearly places: each centre is a sub-quota of the
round, and an applicant below the threshold gets nothing even where places are left. The county lists its
centres with their yearly places (``health_centres``, shown on the program's page), the woman's age for a
pre-pregnancy check and how long the residence permit must have been held. A couple takes one place: when
both spouses apply, the higher-ranked one is served.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

_l = tk.lazy_gettext  # each message in the reader's language, never two at once

SERVICES = ("pre_pregnancy", "maternal")
SERVICE_NAMES = {"pre_pregnancy": {"zh": "孕前优生健康检查", "en": "Pre-pregnancy health check"},
                 "maternal": {"zh": "孕产期保健（孕期检查）", "en": "Maternal health care (checks in pregnancy)"}}
WOMAN = ("self", "spouse")
LONGEST_PREGNANCY_DAYS = 300  # a due date further ahead than this is not a pregnancy under way
YEARS_OF_AGE = {"zh": "岁", "en": "years of age"}


class HealthCentre(ma.Schema):
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "label": {"zh": "社区卫生服务中心", "en": "Community health centre"}})
    places = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=100_000), metadata={
        "label": {"zh": "年度服务名额", "en": "Places a year"}, "unit": {"zh": "对", "en": "couples"}})


class MaternalHealthSettings(tk.ProgramSettings):
    threshold = ma.fields.Decimal(load_default=Decimal("40"), as_string=True, validate=ma.validate.Range(min=0),
                                  metadata={"label": {"zh": "服务分值线", "en": "Threshold"},
                                            "unit": {"zh": "分", "en": "points"},
                                            "help": {"zh": "积分低于此分值的申请人即使仍有名额也不能获得服务。",
                                                     "en": "Applicants below these points get no place, even where "
                                                           "places are left."}})
    health_centres = ma.fields.List(ma.fields.Nested(HealthCentre), load_default=list, metadata={
        "label": {"zh": "社区卫生服务中心及年度名额", "en": "Community health centres and their places a year"},
        "help": {"zh": "申请人从中选择一个中心；每一批次按中心公布名额。",
                 "en": "An applicant chooses one of them; each round publishes its places per centre."}})
    min_woman_age = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=16, max=60), metadata={
        "label": {"zh": "孕前检查女方最小年龄", "en": "Youngest age of the woman (pre-pregnancy check)"},
        "unit": YEARS_OF_AGE})
    max_woman_age = ma.fields.Integer(load_default=49, validate=ma.validate.Range(min=16, max=60), metadata={
        "label": {"zh": "孕前检查女方最大年龄", "en": "Oldest age of the woman (pre-pregnancy check)"},
        "unit": YEARS_OF_AGE})
    min_permit_months = ma.fields.Integer(load_default=6, validate=ma.validate.Range(min=0, max=120), metadata={
        "label": {"zh": "居住证最短持有时间", "en": "Residence permit held for at least"},
        "unit": {"zh": "个月", "en": "months"},
        "help": {"zh": "申请人的居住证须在申请时已办理满此月数。",
                 "en": "The applicant's residence permit must have been issued at least this long before applying."}})

    @ma.validates_schema
    def _consistent(self, data, **kwargs):
        if data.get("min_woman_age", 20) > data.get("max_woman_age", 49):
            raise ma.ValidationError(_l("The youngest age must not exceed the oldest."), "min_woman_age")
        names = [centre["name"].strip() for centre in data.get("health_centres") or ()]
        if len(set(names)) != len(names):
            raise ma.ValidationError(_l("Each community health centre is listed once."), "health_centres")


class MaternalHealthApplication(ma.Schema):
    service = ma.fields.String(required=True, validate=ma.validate.OneOf(SERVICES), metadata={
        "label": {"zh": "申请的服务", "en": "Service wanted"}, "choices": SERVICE_NAMES})
    health_centre = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "label": {"zh": "社区卫生服务中心", "en": "Community health centre"}})
    woman = ma.fields.String(required=True, validate=ma.validate.OneOf(WOMAN), metadata={
        "label": {"zh": "接受检查的女方", "en": "The woman to be examined"},
        "choices": {"self": {"zh": "本人", "en": "Myself"}, "spouse": {"zh": "配偶", "en": "My spouse"}}})
    woman_birth_date = ma.fields.Date(metadata={
        "label": {"zh": "女方出生日期（女方为本人时填写）", "en": "The woman's date of birth (if it is you)"}})
    due_date = ma.fields.Date(metadata={
        "label": {"zh": "预产期（申请孕产期保健时填写）", "en": "Expected due date (for maternal health care)"}})
    permit_issued_on = ma.fields.Date(required=True, metadata={
        "label": {"zh": "本人居住证办理日期", "en": "Date your residence permit was issued"}})


def _date(value) -> date | None:
    if value in (None, ""):
        return None
    return value if isinstance(value, date) else date.fromisoformat(value)


def _months_later(day: date, months: int) -> date:
    """The same day ``months`` later, or that month's last day (31 August + 6 months: 28 or 29 February)."""
    year, month = divmod(day.month - 1 + months, 12)
    year, month = day.year + year, month + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _woman_problems(fields: dict, applicant, settings: dict) -> list:
    if fields["woman"] == "spouse":
        born = applicant.spouse.birth_date
    else:
        born = _date(fields.get("woman_birth_date"))
        if born is None:
            return [_l("Give the woman's date of birth.")]
    age = tk.age_on(born, applicant.as_of)
    least, most = settings["min_woman_age"], settings["max_woman_age"]
    if not least <= age <= most:
        return [_l("A free pre-pregnancy check is for women of %(least)s to %(most)s years of age; the woman is "
                   "%(age)s.", least=least, most=most, age=age)]
    return []


def _due_date_problems(fields: dict, applicant) -> list:
    due = _date(fields.get("due_date"))
    if due is None:
        return [_l("Give the expected due date for maternal health care.")]
    last = applicant.as_of + timedelta(days=LONGEST_PREGNANCY_DAYS)
    if not applicant.as_of < due <= last:
        return [_l("The expected due date must be after today and no later than %(date)s.", date=last.isoformat())]
    return []


def check(fields: dict, applicant, settings: dict) -> list:
    """A married couple (the spouse declared), one of the county's centres, the woman's age for a pre-pregnancy
    check or a due date for maternal care, and a residence permit held long enough."""
    if applicant.spouse is None:
        return [_l("Declare your spouse on the Family page first.")]
    problems = []
    centres = [centre["name"] for centre in settings["health_centres"]]
    if centres and fields["health_centre"] not in centres:
        problems.append(_l("Choose one of the county's community health centres."))
    if fields["service"] == "pre_pregnancy":
        problems += _woman_problems(fields, applicant, settings)
    else:
        problems += _due_date_problems(fields, applicant)
    issued = _date(fields["permit_issued_on"])
    months = settings["min_permit_months"]
    if issued > applicant.as_of or _months_later(issued, months) > applicant.as_of:
        problems.append(_l("The service needs a residence permit held for at least %(months)s months; yours was "
                           "issued on %(date)s.", months=months, date=issued.isoformat()))
    return problems


PROGRAM = tk.ServiceProgram(
    key="maternal_health",
    names={"zh": "优生优育服务", "en": "Family and maternal health services"},
    summaries={
        "zh": "积分达到分值线的新居民夫妇可在社区卫生服务中心免费接受孕前优生健康检查或孕产期保健，各中心年度名额公布，按积分排名。",
        "en": "New-resident couples at or above the threshold get free pre-pregnancy checks or maternal health "
              "care at a community health centre, by rank within each centre's published places a year.",
    },
    quota_mode="headcount",
    sub_quota_by="health_centre",
    tie_breaks=("personal_quality", "social_insurance", "residence", "applied_at"),
    publication_days=5,
    family_rule="higher_ranked_spouse",
    offer_rule="decline_passes_on",
    settings_schema=MaternalHealthSettings,
    application_schema=MaternalHealthApplication,
    check=check,
    conditions={
        "zh": ("积分已确认，且达到本县公布的服务分值线；低于分值线的，即使中心仍有名额也不能获得服务。",
               "夫妻双方已登记结婚，配偶已在“家庭”页登记；夫妻双方都申请的，按排名较高的一方计，只占一个名额。",
               "孕前优生健康检查：女方年龄在本县规定的范围内。孕产期保健：已怀孕，填写预产期。",
               "本人居住证已办理满本县规定的月数。",
               "申请时从本批次公布的社区卫生服务中心中选择一个。"),
        "en": ("Your points are confirmed and reach the county's published threshold; below it there is no "
               "place, even where places are left.",
               "You are married and your spouse is registered on your Family page; when both of you apply, the "
               "higher-ranked one counts and the couple takes one place.",
               "Pre-pregnancy check: the woman is of the age the county sets. Maternal health care: a pregnancy "
               "under way, with its expected due date.",
               "Your residence permit was issued at least the months the county sets before you apply.",
               "You choose a community health centre among those the round publishes."),
    },
    documents={
        "zh": ("夫妻双方的居民身份证", "结婚证", "居住证", "孕产期保健：孕检记录或母子健康手册"),
        "en": ("Both spouses' identity cards", "Marriage certificate", "Residence permit",
               "Maternal health care: the pregnancy test record or the maternal and child health handbook"),
    },
)


@tk.hookimpl
def register_service_programs():
    return [PROGRAM]
