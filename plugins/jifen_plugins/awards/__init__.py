"""Score item: commendations and awards from a government (表彰奖励).

One item per level of the awarding government (county, prefecture, province, national), with the
number of awards at that level. The county sets ``points`` per award at each level and, optionally,
``level_caps``: a cap on what the awards of one level count together (Zhongshan 2014: county awards
30 each up to 60). With ``share_cap_above_county`` the prefecture, province and national awards
share one cap, the prefecture's (Zhongshan 2014: "prefecture and above, 60 each, up to 120").
The core holds these caps over all items (``cap_group``), and the type's ``cap`` over all awards.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

import marshmallow as ma

from jifen import toolkit as tk

ZERO = Decimal("0")
LEVELS = ("county", "prefecture", "province", "national")
LEVEL_NAMES = {
    "county": {"zh": "县（市、区）级", "en": "County"},
    "prefecture": {"zh": "地市级", "en": "Prefecture (city)"},
    "province": {"zh": "省部级", "en": "Province or ministry"},
    "national": {"zh": "国家级", "en": "National"},
}


class AwardInput(ma.Schema):
    level = ma.fields.String(required=True, validate=ma.validate.OneOf(LEVELS),
                             metadata={"label": {"zh": "表彰级别", "en": "Level"}, "choices": LEVEL_NAMES})
    count = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=20),
                              metadata={"label": {"zh": "该级别表彰次数", "en": "Number of awards at this level"}})
    titles = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=500),
                              metadata={"scored": False, "label": {"zh": "荣誉名称及授予机关", "en": "Awards and awarding bodies"}})
    latest_on = ma.fields.Date(required=True, metadata={"scored": False, "label": {"zh": "最近一次授予日期",
                                                                  "en": "Date of the latest award"}})


class AwardSettings(tk.ItemSettings):
    points = tk.level_points(
        LEVELS, choices=LEVEL_NAMES, label={"zh": "每次表彰加分", "en": "Points per award"},
        help={"zh": "每获得一次该级别表彰加的分；未填的级别不加分。",
              "en": "Points for each award at the level; a level left empty earns nothing."})
    level_caps = tk.level_points(
        LEVELS, choices=LEVEL_NAMES, label={"zh": "各级别封顶分值", "en": "Cap per level"},
        help={"zh": "同一级别的表彰合计最多计的分，不填则不封顶。",
              "en": "The most the awards of one level count together; leave it empty for no cap."})
    share_cap_above_county = ma.fields.Boolean(load_default=False, metadata={
        "label": {"zh": "地市级及以上共用一个上限", "en": "Prefecture and higher levels share one cap"},
        "help": {"zh": "勾选后，地市级、省部级和国家级表彰合计按地市级的封顶分值计。",
                 "en": "If ticked, prefecture, province and national awards together have the prefecture's cap."}})


def score(verified: dict, settings: dict) -> Decimal:
    level = verified["level"]
    return Decimal(int(verified.get("count", 1))) * tk.points_for_level(settings, level)


def cap_group(verified: dict, settings: dict):
    level = verified["level"]
    if settings.get("share_cap_above_county") and level != "county":
        group, level = "above_county", "prefecture"
    else:
        group = level
    cap = settings.get("level_caps", {}).get(level)
    return group, None if cap is None else Decimal(str(cap))


TITLES = ("优秀新居民", "优秀外来务工人员", "见义勇为先进个人", "劳动模范", "五一劳动奖章", "三八红旗手")


def sample(rng: random.Random) -> dict:
    return {
        "level": rng.choices(LEVELS, weights=(60, 28, 10, 2))[0],
        "count": rng.choices((1, 2, 3), weights=(80, 15, 5))[0],
        "titles": rng.choice(TITLES),
        "latest_on": date(rng.randint(2010, 2025), rng.randint(1, 12), rng.randint(1, 28)).isoformat(),
    }


AWARDS = tk.ScoreItemType(
    key="awards",
    category="awards",
    names={"zh": "表彰奖励", "en": "Commendations and awards"},
    input_schema=AwardInput,
    evidence=("award_certificate",),
    evidence_names={"award_certificate": {"zh": "获奖证书", "en": "Award certificate"}},
    department="human_resources",
    settings_schema=AwardSettings,
    score=score,
    aggregate="sum",
    cap_group=cap_group,
    sample=sample,
)


@tk.hookimpl
def register_score_item_types():
    return [AWARDS]
