"""Score item: social service (社会服务): volunteering hours and blood donation.

Each item is a total of one kind: ``volunteer`` hours (from the volunteer service record) or
``blood`` donated in millilitres. The county sets, per kind, ``points`` per full ``unit`` and a
``cap`` for that kind (Zhongshan 2014: 2 per 50 hours up to 10; 2 per 200 ml up to 10). The items
add up (aggregate ``sum``); the core holds each kind's cap over all items of that kind
(``cap_group``) and the type's ``cap`` over all of them. Blood donation is verified by the health
bureau, volunteering by civil affairs (``department_of``).
"""

from __future__ import annotations

import random
from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

ZERO = Decimal("0")
KINDS = ("volunteer", "blood")
KIND_NAMES = {
    "volunteer": {"zh": "志愿服务（小时）", "en": "Volunteering (hours)"},
    "blood": {"zh": "无偿献血（毫升）", "en": "Blood donation (millilitres)"},
}


class SocialServiceInput(ma.Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf(KINDS),
                            metadata={"label": {"zh": "类别", "en": "Kind"}, "choices": KIND_NAMES})
    amount = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=100_000),
                               metadata={"label": {"zh": "累计时长（小时）或献血量（毫升）",
                                                   "en": "Total hours, or millilitres of blood"}})
    certified_by = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=100),
                                    metadata={"scored": False, "label": {"zh": "证明机构", "en": "Certified by"}})


class Rate(ma.Schema):
    points = ma.fields.Decimal(load_default=ZERO, as_string=True, validate=ma.validate.Range(min=0, max=100), metadata={
        "label": {"zh": "每个计分单位加分", "en": "Points per unit"}, "unit": {"zh": "分", "en": "points"},
        "help": {"zh": "每满一个计分单位加的分。", "en": "Points for each full unit."}})
    unit = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1), metadata={
        "label": {"zh": "计分单位", "en": "Unit"},
        "help": {"zh": "志愿服务每满多少小时、献血每满多少毫升计一次分。",
                 "en": "How many hours of volunteering, or millilitres of blood, earn the points once."}})
    cap = ma.fields.Decimal(load_default=None, allow_none=True, as_string=True, validate=ma.validate.Range(min=0), metadata={
        "label": {"zh": "本类封顶分值", "en": "Cap of this kind"}, "unit": {"zh": "分", "en": "points"},
        "help": {"zh": "这一类合计最多计的分，不填则不封顶。", "en": "The most this kind counts; leave it empty for no cap."}})


def _no_rate() -> dict:
    return {"points": ZERO, "unit": 1, "cap": None}


class SocialServiceSettings(tk.ItemSettings):
    volunteer = ma.fields.Nested(Rate, load_default=_no_rate, metadata={"label": KIND_NAMES["volunteer"]})
    blood = ma.fields.Nested(Rate, load_default=_no_rate, metadata={"label": KIND_NAMES["blood"]})


def score(verified: dict, settings: dict) -> Decimal:
    rate = settings.get(verified["kind"]) or _no_rate()
    return Decimal(int(verified["amount"]) // int(rate["unit"])) * Decimal(str(rate["points"]))


def cap_group(verified: dict, settings: dict):
    cap = (settings.get(verified["kind"]) or _no_rate()).get("cap")
    return verified["kind"], None if cap is None else Decimal(str(cap))


def department_of(verified: dict) -> str:
    return "health" if verified.get("kind") == "blood" else "civil_affairs"


def sample(rng: random.Random) -> dict:
    if rng.random() < 0.6:
        return {"kind": "volunteer", "amount": rng.randint(10, 400), "certified_by": "志愿汇"}
    return {"kind": "blood", "amount": rng.choice((200, 300, 400)) * rng.randint(1, 4), "certified_by": "嘉兴市中心血站"}


SOCIAL_SERVICE = tk.ScoreItemType(
    key="social_service",
    category="social_service",
    names={"zh": "社会服务", "en": "Social service"},
    input_schema=SocialServiceInput,
    evidence=("service_record",),
    evidence_names={"service_record": {"zh": "志愿服务或献血证明", "en": "Volunteer or blood donation record"}},
    department="civil_affairs",
    settings_schema=SocialServiceSettings,
    score=score,
    aggregate="sum",
    cap_group=cap_group,
    department_of=department_of,
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [SOCIAL_SERVICE]
