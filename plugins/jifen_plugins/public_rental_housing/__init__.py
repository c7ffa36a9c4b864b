"""Service program: public rental housing (公租房)."""

from __future__ import annotations

import marshmallow as ma

from jifen import toolkit as tk


class PublicRentalHousingSettings(tk.ProgramSettings):
    max_household_income = ma.fields.Integer(load_default=60000, validate=ma.validate.Range(min=0), metadata={
        "label": {"zh": "家庭年收入上限", "en": "Highest household income per year"}, "unit": {"zh": "元", "en": "yuan"},
        "help": {"zh": "家庭年收入高于此数的不能申请。", "en": "Households with a higher yearly income cannot apply."}})
    max_floor_area_per_person = ma.fields.Integer(load_default=15, validate=ma.validate.Range(min=0), metadata={
        "label": {"zh": "人均住房面积上限", "en": "Largest floor area per person"},
        "unit": {"zh": "平方米", "en": "m²"},
        "help": {"zh": "现住房人均面积大于此数的不能申请。",
                 "en": "Households with more floor area per person cannot apply."}})


class RentalApplication(ma.Schema):
    household_income = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=100_000_000), metadata={
        "label": {"zh": "家庭年收入（元）", "en": "Household income per year (CNY)"}})
    floor_area_per_person = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0, max=1000), metadata={
        "label": {"zh": "现住房人均面积（平方米）", "en": "Current floor area per person (m²)"}})
    household_size = ma.fields.Integer(required=True, validate=ma.validate.Range(min=1, max=20), metadata={
        "label": {"zh": "家庭人口", "en": "People in the household"}})


def check(fields: dict, applicant, settings: dict) -> list[str]:
    problems = []
    if fields["household_income"] > settings["max_household_income"]:
        problems.append(tk.lazy_gettext("Household income above %(most)s CNY.", most=settings["max_household_income"]))
    if fields["floor_area_per_person"] > settings["max_floor_area_per_person"]:
        problems.append(tk.lazy_gettext("Floor area per person above %(most)s m².",
                                        most=settings["max_floor_area_per_person"]))
    return problems


PROGRAM = tk.ServiceProgram(
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
    application_schema=RentalApplication,
    check=check,
    conditions={
        "zh": ("积分已确认。", "家庭年收入和人均住房面积不超过本县公布的上限。"),
        "en": ("Your points are confirmed.",
               "Your household's yearly income and floor area per person are within the county's published limits."),
    },
    documents={
        "zh": ("家庭成员的居民身份证", "居住证", "家庭收入证明", "现住房情况证明（租赁合同或产权证明）"),
        "en": ("Identity cards of the household's members", "Residence permit", "Proof of household income",
               "Proof of your present housing (tenancy contract or title deed)"),
    },
)


@tk.hookimpl
def register_service_programs():
    return [PROGRAM]
