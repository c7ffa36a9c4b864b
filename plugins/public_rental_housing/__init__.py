"""Service program: public rental housing (公租房)."""

from __future__ import annotations

import marshmallow as ma

from jifen.hookspecs import hookimpl
from jifen.plugin_kinds import ProgramSettings, ServiceProgram


class PublicRentalHousingSettings(ProgramSettings):
    max_household_income = ma.fields.Integer(load_default=60000, validate=ma.validate.Range(min=0))
    max_floor_area_per_person = ma.fields.Integer(load_default=15, validate=ma.validate.Range(min=0))


PROGRAM = ServiceProgram(
    key="public_rental_housing",
    names={"zh": "公共租赁住房", "en": "Public rental housing"},
    summaries={
        "zh": "收入和住房困难的新居民家庭按积分排名轮候公租房，名单公示20个工作日。",
        "en": "Subsidised flats for new-resident families with low income and housing need, by rank; "
        "the list is published for 20 working days.",
    },
    quota_mode="headcount",
    tie_breaks=("personal_quality", "social_insurance", "residence", "applied_at"),
    publication_days=20,
    family_rule="higher_ranked_spouse",
    offer_rule="decline_passes_on",
    settings_schema=PublicRentalHousingSettings,
)


@hookimpl
def register_service_programs():
    return [PROGRAM]
