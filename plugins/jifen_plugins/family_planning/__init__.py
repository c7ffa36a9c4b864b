"""Family planning (计划生育): a score item and a veto condition, for counties that still want them.

Every points scheme of the 2010s had family-planning items: points for holders of the one-child
parents' certificate (独生子女父母光荣证) and a veto (一票否决) for births over the quota. The national
penalties for births over the quota were abolished in 2021, which is why this plugin is optional
and none of the demo counties enables it.

* Score item ``family_planning``: the county sets ``points`` per certificate kind; the highest
  counts (aggregate ``max``).
* Veto: an applicant with births over the quota may not apply, unless the county's
  ``[eligibility]`` settings say ``family_planning = false``. Like every hook of a plugin, it is
  only called for counties that enable the plugin.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import marshmallow as ma
from jifen import toolkit as tk

_l = tk.lazy_gettext


ZERO = Decimal("0")
KINDS = ("one_child_parents", "rural_two_daughters")
KIND_NAMES = {
    "one_child_parents": {"zh": "独生子女父母光荣证", "en": "One-child parents' certificate"},
    "rural_two_daughters": {"zh": "农村计划生育二女户", "en": "Rural family planning household with two daughters"},
}


class FamilyPlanningInput(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS),
                            metadata={"label": {"zh": "证明类别", "en": "Certificate"}, "choices": KIND_NAMES})
    certificate_number = ma.fields.String(required=True, validate=ma.validate.Length(min=4, max=40),
                                          metadata={"scored": False, "label": {"zh": "证书编号", "en": "Certificate number"}})
    issued_on = ma.fields.Date(required=True, metadata={"scored": False, "label": {"zh": "发证日期", "en": "Date of issue"}})


class FamilyPlanningSettings(tk.ItemSettings):
    points = tk.level_points(
        KINDS, choices=KIND_NAMES, label={"zh": "各类证明加分", "en": "Points per certificate"},
        help={"zh": "按申请人分值最高的一项证明计分；未填的类别不加分。",
              "en": "The applicant's certificate worth the most counts; a kind left empty earns nothing."})


score = tk.level_scorer("kind")


def sample(rng: random.Random) -> dict:
    return {
        "kind": rng.choices(KINDS, weights=(90, 10))[0],
        "certificate_number": f"{rng.randint(10**7, 10**8 - 1)}",
        "issued_on": date(rng.randint(1995, 2015), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
    }


FAMILY_PLANNING = tk.ScoreItemType(
    key="family_planning",
    category="family_planning",
    names={"zh": "计划生育", "en": "Family planning"},
    input_schema=FamilyPlanningInput,
    evidence=("family_planning_certificate",),
    evidence_names={"family_planning_certificate": {"zh": "计划生育证明", "en": "Family planning certificate"}},
    department="health",
    settings_schema=FamilyPlanningSettings,
    score=score,
    aggregate="max",
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [FAMILY_PLANNING]


@tk.hookimpl
def check_eligibility(applicant: tk.ApplicantFacts, settings: dict):
    if settings.get("family_planning", True) and applicant.births_over_quota:
        return [tk.Veto("births_over_quota", _l("Applicants with births over the family-planning quota cannot apply."))]
    return []
