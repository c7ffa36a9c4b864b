"""Service program: recruitment with points (录用提职) to posts such as community workers (社区工作者).

Candidates sit the county's written exam; the organising department imports the exam scores from a
spreadsheet (docs/bulk_exchange.md). A candidate ranks by the exam score plus their points scaled and
capped by the county (points x 0.1, at most 5, by default); a candidate without an exam score, or below
the pass mark, is not ranked. Each post is a sub-quota of the round with its headcount: a candidate
applies for one post and competes for its places.
"""

from __future__ import annotations

from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

MARKS = {"zh": "分", "en": "marks"}


class RecruitmentSettings(tk.ProgramSettings):
    points_factor = ma.fields.Decimal(load_default=Decimal("0.1"), places=4, as_string=True,
                                      validate=ma.validate.Range(min=0, max=10), metadata={
        "label": {"zh": "积分折算系数", "en": "Points factor"},
        "help": {"zh": "积分乘以此系数计入总成绩，例如0.1即每10分积分加1分。",
                 "en": "The points count towards the total times this factor: 0.1 adds one mark per 10 points."}})
    points_cap = ma.fields.Decimal(load_default=Decimal("5.00"), allow_none=True, places=2, as_string=True,
                                   validate=ma.validate.Range(min=0, max=100), metadata={
        "label": {"zh": "积分加分上限", "en": "Most marks the points add"}, "unit": MARKS,
        "help": {"zh": "积分折算后最多加的分数；不填则不设上限。",
                 "en": "The most the points can add to the exam score; leave it empty for no limit."}})
    pass_mark = ma.fields.Decimal(load_default=Decimal("60.00"), allow_none=True, places=2, as_string=True,
                                  validate=ma.validate.Range(min=0, max=1000), metadata={
        "label": {"zh": "笔试合格分数线", "en": "Exam pass mark"}, "unit": MARKS,
        "help": {"zh": "笔试成绩低于此分数的考生不参加排名；不填则不设合格线。",
                 "en": "Candidates whose exam score is below it are not ranked; leave it empty for none."}})
    full_marks = ma.fields.Decimal(load_default=Decimal("100.00"), places=2, as_string=True,
                                   validate=ma.validate.Range(min=1, max=1000), metadata={
        "label": {"zh": "笔试满分", "en": "Full marks of the exam"}, "unit": MARKS,
        "help": {"zh": "导入成绩时，高于满分的成绩不予接受。",
                 "en": "An imported exam score above it is refused."}})

    @ma.validates_schema
    def _pass_mark_within_full_marks(self, data, **kwargs):
        if data.get("pass_mark") is not None and data.get("full_marks") is not None \
                and data["pass_mark"] > data["full_marks"]:
            raise ma.ValidationError(tk.lazy_gettext("The pass mark cannot be above the full marks."), "pass_mark")


class RecruitmentApplication(ma.Schema):
    post = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=60), metadata={
        "label": {"zh": "报考岗位", "en": "Post applied for"}})


PROGRAM = tk.ServiceProgram(
    key="recruitment",
    names={"zh": "录用提职", "en": "Recruitment with points"},
    summaries={
        "zh": "招聘社区工作者等岗位时，积分按本县规定折算后计入笔试成绩，按总成绩分岗位排名。",
        "en": "Recruitment to posts such as community workers: your points, scaled and capped by the county, "
        "add to your written exam score, and candidates rank by the total within each post.",
    },
    quota_mode="headcount",
    sub_quota_by="post",
    # Equal totals: the higher exam score, then more personal-quality points, then the seeded lottery.
    tie_breaks=("program_score", "personal_quality"),
    publication_days=7,
    settings_schema=RecruitmentSettings,
    application_schema=RecruitmentApplication,
    ranking_score=tk.RankingScore(
        names={"zh": "笔试成绩", "en": "Exam score"}, points_factor="points_factor", points_cap="points_cap",
        pass_mark="pass_mark", full_marks="full_marks"),
    conditions={
        "zh": ("积分已确认。", "报名时从本批次公布的岗位中选择一个岗位。",
               "参加本县组织的笔试；笔试成绩达到合格分数线的，按笔试成绩加积分折算分排名。"),
        "en": ("Your points are confirmed.", "You choose one post among those the round publishes.",
               "You sit the county's written exam; if you reach its pass mark, you rank by the exam score plus "
               "your points as the county counts them."),
    },
    documents={
        "zh": ("居民身份证", "居住证", "学历证书", "笔试准考证"),
        "en": ("Identity card", "Residence permit", "Diploma", "Admission ticket of the written exam"),
    },
)


@tk.hookimpl
def register_service_programs():
    return [PROGRAM]
