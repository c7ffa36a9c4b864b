"""Service program: commendation of new residents (评优推先).

A yearly headcount per county (the setting ``quota``: a round's quota when the administrator gives none).
Only applicants with no deduction in the last ``deduction_free_years`` years and at least ``min_points``
confirmed points may be nominated; a nomination names the applicant's employer and a statement of up to
200 characters. A committee (the reviewers of the department the county chooses) approves each
nomination or sets it aside with a reason before the round is ranked; ties go to the social-service
subtotal, then to the earlier application. The list of commended residents is published like any other.

Written against the toolkit only: the applicant's deductions and points come from ``applicant.record``.
"""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

STATEMENT_MAX = 200


class CommendationSettings(tk.CommitteeSettings):
    quota = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=1, max=10_000), metadata={
        "label": {"zh": "年度表彰名额", "en": "Commendations per year"}, "unit": {"zh": "名", "en": "people"},
        "help": {"zh": "每年表彰的人数；新建评选轮次未填名额时采用此数。",
                 "en": "How many residents are commended each year; a new round takes it when no quota is given."}})
    deduction_free_years = ma.fields.Integer(load_default=3, validate=ma.validate.Range(min=1, max=20), metadata={
        "label": {"zh": "无扣分年限", "en": "Years without a deduction"}, "unit": {"zh": "年", "en": "years"},
        "help": {"zh": "近此年数内有扣分记录（如行政拘留）的新居民不能被推荐。",
                 "en": "Residents with a deduction (such as a detention) in this many past years cannot be "
                       "nominated."}})
    min_points = ma.fields.Decimal(load_default=Decimal("60"), as_string=True, validate=ma.validate.Range(min=0),
                                   metadata={
        "label": {"zh": "最低积分", "en": "Lowest points"}, "unit": {"zh": "分", "en": "points"},
        "help": {"zh": "确认积分低于此分值的新居民不能被推荐。",
                 "en": "Residents with fewer confirmed points cannot be nominated."}})


class Nomination(ma.Schema):
    employer = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=100), metadata={
        "label": {"zh": "工作单位", "en": "Employer"}})
    statement = ma.fields.String(required=True, validate=[ma.validate.Length(min=10), ma.validate.Length(max=STATEMENT_MAX)],
                                 metadata={
        "label": {"zh": "主要事迹（200字以内）", "en": "What you did (up to 200 characters)"},
        "widget": "textarea"})  # a box of several lines, with its counter


def check(fields: dict, applicant, settings: dict) -> list:
    record = applicant.record
    problems = []
    years = settings["deduction_free_years"]
    recent = record.deductions_within(years)
    if recent:
        problems.append(tk.lazy_gettext(
            "Nominees need %(years)d years without a deduction; your record has %(what)s on %(date)s.",
            years=years, what=recent[0].name, date=recent[0].on.isoformat()))
    if record.total < settings["min_points"]:
        problems.append(tk.lazy_gettext("Nominees need at least %(least)s confirmed points; you have %(points)s.",
                                        least=settings["min_points"], points=record.total))
    return problems


PROGRAM = tk.ServiceProgram(
    key="commendation",
    names={"zh": "评优推先", "en": "Commendation"},
    summaries={
        "zh": "每年表彰优秀新居民：近年无扣分、积分达标的新居民经评审部门审议后按积分排名，表彰名单公示。",
        "en": "Each year the county commends outstanding new residents: nominees without recent deductions and "
              "with enough points are reviewed by a committee, ranked by points, and the list is published.",
    },
    quota_mode="headcount",
    tie_breaks=("social_service", "applied_at"),
    publication_days=5,
    settings_schema=CommendationSettings,
    application_schema=Nomination,
    check=check,
    committee_review=True,
    conditions={
        "zh": ("积分已确认，且达到本县公布的最低积分。", "近年（年限由本县规定）无扣分记录，如行政拘留。",
               "填写工作单位和主要事迹；推荐名单经评审部门审议。"),
        "en": ("Your points are confirmed and reach the county's published lowest points.",
               "You have no deduction, such as a detention, in the years the county sets.",
               "You give your employer and what you did; a committee reviews the nominations."),
    },
    documents={
        "zh": ("居民身份证", "居住证", "工作单位推荐意见"),
        "en": ("Identity card", "Residence permit", "Your employer's recommendation"),
    },
)


@tk.hookimpl
def register_service_programs():
    return [PROGRAM]
