"""The same deterministic people for the onboarding import and for the portal: registrants with confirmed
items, spouses and children, and their applications to public rental housing at distinct original times."""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from jifen.cli.demo_data import GIVEN_FEMALE, GIVEN_MALE, SURNAMES, demo_id_number

ITEM_TYPES = ("education", "skill", "social_insurance", "residence_permit")
PROGRAM = "public_rental_housing"
HOUSING = {"household_income": 30000, "floor_area_per_person": 8, "household_size": 3}
OPENS, CLOSES = date(2027, 3, 1), date(2027, 3, 31)
FIRST_APPLICATION = datetime(2027, 3, 5, 8, 0)  # county time


@dataclass(frozen=True)
class Item:
    item_type: str
    input: dict
    verified_on: date
    department: str


@dataclass(frozen=True)
class Person:
    serial: int
    real_name: str
    id_number: str
    mobile: str
    permit_number: str
    items: tuple[Item, ...]
    spouse: int | None  # the serial of a spouse among the people (named on this person's line only)
    child: tuple[str, str] | None  # (name, ID number)
    applied_at: datetime | None  # county time; None: does not apply


def _name(rng: random.Random, id_number: str) -> str:
    given = GIVEN_MALE if int(id_number[16]) % 2 else GIVEN_FEMALE
    return rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))


def people(types: dict, count: int, seed: int = 14) -> list[Person]:
    """``count`` people; ``types`` are the county's score item types (their ``sample`` makes the inputs)."""
    found = []
    for serial in range(1, count + 1):
        rng = random.Random(seed * 1_000_003 + serial)
        id_number = demo_id_number(serial)
        keys = sorted(rng.sample(ITEM_TYPES, rng.randint(1, len(ITEM_TYPES))))
        items = tuple(Item(key, types[key].sample(rng), date(2026, 1, 1) + timedelta(days=rng.randint(0, 300)),
                           types[key].department) for key in keys)
        child = (_name(rng, demo_id_number(500_000 + serial)), demo_id_number(500_000 + serial)) \
            if serial % 7 == 0 else None
        applied = FIRST_APPLICATION + timedelta(minutes=(serial * 37) % 1000) if serial % 20 else None
        found.append(Person(serial, _name(rng, id_number), id_number, f"145{serial:08d}",
                            f"3304{rng.randint(10**11, 10**12 - 1)}", items,
                            serial + 1 if serial % 10 == 1 and serial < count else None, child, applied))
    return found


def _cell(value) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


FIELDS = ("level", "institution", "graduated_on", "occupation", "certificate_number", "issued_on",
          "insurance_types", "years", "local_years", "permit_number", "endorsed_years")


def workbook(found: list[Person], departments: dict) -> bytes:
    """The people as a county would send them: one workbook, Chinese sheet and column names."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "登记人"
    sheet.append(["身份证号码", "姓名", "手机号码", "居住证号码", "来本县工作日期"])
    for p in found:
        sheet.append([p.id_number, p.real_name, p.mobile, p.permit_number, "2020-03-01"])
    sheet = book.create_sheet("已确认事项")
    sheet.append(["身份证号码", "事项类型", "核实日期", "核实部门", "审核人", *FIELDS])
    by_serial = {p.serial: p for p in found}
    for p in found:
        for item in p.items:
            sheet.append([p.id_number, item.item_type, item.verified_on, departments[item.department]["zh"], "王经办",
                          *(_cell(item.input[f]) if f in item.input else None for f in FIELDS)])
    sheet = book.create_sheet("家庭成员")
    sheet.append(["身份证号码", "关系", "成员姓名", "成员身份证号码"])
    for p in found:
        if p.spouse:
            sheet.append([p.id_number, "配偶", by_serial[p.spouse].real_name, by_serial[p.spouse].id_number])
        if p.child:
            sheet.append([p.id_number, "子女", *p.child])
    sheet = book.create_sheet("项目申请")
    sheet.append(["身份证号码", "服务项目", "申请时间", "household_income", "floor_area_per_person", "household_size"])
    for p in found:
        if p.applied_at:
            sheet.append([p.id_number, "公共租赁住房", p.applied_at.strftime("%Y-%m-%d %H:%M"), *HOUSING.values()])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
