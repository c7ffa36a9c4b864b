"""Synthetic applicants for demonstrations, load tests and benchmarks (``jifen demo-data``).

:func:`create_applicants` adds ``count`` fictitious applicants to the bound county: a user
(role ``applicant``), an applicant profile, and one confirmed application with 2-8 verified items
drawn from the county's enabled score item types (each input made by the type's ``sample``).
No ledger rows are written: ``jifen points rescore`` computes the points, as it would after a rule
change.

The people are fictitious and recognisable as such:

* mobile numbers are ``145`` followed by eight digits (a range no other account of the platform
  uses), numbered on from the county's last synthetic applicant, so a second run adds more people;
* national ID numbers have valid GB 11643 check digits, regions outside Zhejiang, birth dates of
  adults, and are unique: the n-th synthetic applicant of a county always gets the same number;
* every synthetic applicant shares one password, :data:`DEMO_PASSWORD`, hashed once per run.

Everything except row ids and timestamps follows from ``(seed, serial number)``, so a seed gives
the same people and the same items every time. Rows are written in batches with bulk inserts and
committed per batch, so a million applicants take bounded memory.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Callable, Iterator, Mapping

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen import audit
from jifen.db.session import utcnow
from jifen.identity import passwords, protect
from jifen.identity.national_id import check_digit
from jifen.db.ids import new_id
from jifen.models import ApplicantProfile, Application, DeclaredItem, User
from jifen.models.application import CONFIRMED, ITEM_VERIFIED
from jifen.plugin.kinds import ScoreItemType
from jifen.points.rules import county_item_types
from jifen.county.tenancy import require_tenant

DEMO_PASSWORD = "Demo-pass-2026"
MOBILE_PREFIX = "145"
MOBILE_DIGITS = 8
MAX_SERIAL = 10**MOBILE_DIGITS - 1
MIN_ITEMS, MAX_ITEMS = 2, 8
DEFAULT_BATCH_SIZE = 2000

# Regions (county-level codes) outside Zhejiang that many new residents of Jiaxing come from.
REGIONS = (
    "341221",  # 临泉县 (Anhui)
    "341222",  # 太和县 (Anhui)
    "341321",  # 砀山县 (Anhui)
    "360722",  # 信丰县 (Jiangxi)
    "362330",  # 鄱阳县 (Jiangxi)
    "411522",  # 光山县 (Henan)
    "412726",  # 郸城县 (Henan)
    "421127",  # 黄梅县 (Hubei)
    "430524",  # 隆回县 (Hunan)
    "511321",  # 南部县 (Sichuan)
    "522121",  # 遵义县 (Guizhou)
    "532128",  # 镇雄县 (Yunnan)
)
BORN_FROM = date(1966, 1, 1)
BORN_DAYS = (date(2005, 12, 31) - BORN_FROM).days + 1
# The n-th synthetic applicant gets ID slot (n * STRIDE + OFFSET) mod SLOTS: a bijection, so numbers never repeat.
SLOTS = len(REGIONS) * BORN_DAYS * 1000
OFFSET = 7_919_117
STRIDE = next(s for s in range(2_654_435_761, 2_654_435_761 + 10_000) if math.gcd(s, SLOTS) == 1) % SLOTS

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN_MALE = "伟强磊军勇杰涛明超刚平辉鹏华飞鑫波斌宇浩凯健俊帆建国志东"
GIVEN_FEMALE = "芳娜敏静丽艳娟霞秀英慧燕玲桂兰萍红梅琳雪婷倩颖洁佳欣悦"
EMPLOYERS = (
    "嘉善县精密机械有限公司", "嘉兴纺织印染有限公司", "海宁皮革制品有限公司", "浙江电子科技有限公司",
    "嘉兴物流配送有限公司", "嘉兴市建筑安装工程有限公司", "嘉善县食品加工厂", "个体经营",
)


class DemoDataError(RuntimeError):
    """Demo data cannot be made here (production, no sampleable score item, number range full)."""


@dataclass(frozen=True)
class DemoItem:
    item_type: str
    department: str
    input: dict


@dataclass(frozen=True)
class DemoApplicant:
    serial: int
    real_name: str
    id_number: str
    mobile: str
    permit_number: str
    works_in_county_since: date
    employer: str
    town: str | None
    items: tuple[DemoItem, ...]


@dataclass(frozen=True)
class DemoDataResult:
    created: int
    first_serial: int
    seed: int


def demo_id_number(serial: int) -> str:
    """The national ID number of the ``serial``-th synthetic applicant of a county (unique per serial)."""
    slot = (serial * STRIDE + OFFSET) % SLOTS
    slot, sequence = divmod(slot, 1000)
    region, day = divmod(slot, BORN_DAYS)
    born = BORN_FROM + timedelta(days=day)
    first17 = f"{REGIONS[region]}{born:%Y%m%d}{sequence:03d}"
    return first17 + check_digit(first17)


def demo_mobile(serial: int) -> str:
    return f"{MOBILE_PREFIX}{serial:0{MOBILE_DIGITS}d}"


def sampleable_types(types: Mapping[str, ScoreItemType]) -> tuple[ScoreItemType, ...]:
    """The county's item types that can make synthetic inputs, in a stable order."""
    return tuple(types[key] for key in sorted(types) if types[key].sample is not None)


def _towns(settings: dict) -> tuple[str, ...]:
    towns = settings.get("towns")
    if isinstance(towns, Mapping):
        return tuple(sorted(towns))
    if isinstance(towns, (list, tuple)):
        return tuple(str(t) for t in towns)
    return ()


def _weight(item_type: ScoreItemType) -> int:
    # Most applicants have no offence on record: a deduction is drawn a tenth as often as another item.
    return 1 if item_type.category == "deductions" else 10


def make_applicant(seed: int, serial: int, types: tuple[ScoreItemType, ...], towns: tuple[str, ...] = ()) -> DemoApplicant:
    """The ``serial``-th synthetic applicant for ``seed``: the same inputs give the same applicant."""
    rng = random.Random(seed * 1_000_003 + serial)
    id_number = demo_id_number(serial)
    male = int(id_number[16]) % 2 == 1  # GB 11643: the sequence code is odd for men
    given = GIVEN_MALE if male else GIVEN_FEMALE
    name = rng.choice(SURNAMES) + "".join(rng.choice(given) for _ in range(rng.choice((1, 2))))
    items: list[DemoItem] = []
    used_single: set[str] = set()
    for _ in range(rng.randint(MIN_ITEMS, MAX_ITEMS)):
        candidates = [t for t in types if t.key not in used_single]
        if not candidates:
            break
        item_type = rng.choices(candidates, weights=[_weight(t) for t in candidates])[0]
        if item_type.aggregate == "single":
            used_single.add(item_type.key)
        items.append(DemoItem(item_type.key, item_type.department, item_type.sample(rng)))
    return DemoApplicant(
        serial=serial,
        real_name=name,
        id_number=id_number,
        mobile=demo_mobile(serial),
        permit_number=f"330{rng.randint(400, 499)}{rng.randint(0, 10**12 - 1):012d}",
        works_in_county_since=date(2025, 1, 1) - timedelta(days=rng.randint(365, 15 * 365)),
        employer=rng.choice(EMPLOYERS),
        town=rng.choice(towns) if towns else None,
        items=tuple(items),
    )


def iter_applicants(seed: int, first_serial: int, count: int, types: tuple[ScoreItemType, ...],
                    towns: tuple[str, ...] = ()) -> Iterator[DemoApplicant]:
    for serial in range(first_serial, first_serial + count):
        yield make_applicant(seed, serial, types, towns)


def next_serial(session: Session) -> int:
    """The serial after the county's last synthetic applicant (1 for the first)."""
    last = session.scalar(select(func.max(User.mobile)).where(User.mobile.like(f"{MOBILE_PREFIX}%")))
    return int(last[len(MOBILE_PREFIX):]) + 1 if last else 1


def _check_allowed() -> None:
    if current_app.config["JIFEN_ENV"] == "production":
        raise DemoDataError("demo data is not created in production")


def create_applicants(
    session: Session,
    count: int,
    *,
    seed: int = 0,
    batch_size: int = DEFAULT_BATCH_SIZE,
    actor: str = "cli",
    progress: Callable[[int], None] | None = None,
) -> DemoDataResult:
    """Add ``count`` synthetic applicants with confirmed applications to the bound county.

    The reviewed bulk writer of demo data: core inserts of users, profiles, applications and items,
    stamped with the bound county, committed per batch. One audit record ``demo_data.created``.
    """
    _check_allowed()
    if count < 1:
        raise DemoDataError("the count must be at least 1")
    if batch_size < 1:
        raise DemoDataError("the batch size must be at least 1")
    tenant = require_tenant()
    types = sampleable_types(county_item_types(session))
    if not types:
        raise DemoDataError(f"{tenant.slug} has no enabled score item type that can make sample inputs")
    first = next_serial(session)
    if first + count - 1 > MAX_SERIAL:
        raise DemoDataError(f"the demo number range holds {MAX_SERIAL} applicants; {first - 1} exist already")
    towns = _towns(tenant.settings)
    password_hash = passwords.hash_password(DEMO_PASSWORD)  # once: argon2 is slow by design
    session.commit()

    done = 0
    batch: list[DemoApplicant] = []
    try:
        for applicant in iter_applicants(seed, first, count, types, towns):
            batch.append(applicant)
            if len(batch) >= batch_size:
                _write_batch(session, tenant.id, batch, password_hash)
                done += len(batch)
                if progress:
                    progress(len(batch))
                batch = []
        if batch:
            _write_batch(session, tenant.id, batch, password_hash)
            done += len(batch)
            if progress:
                progress(len(batch))
    except BaseException:  # interrupted (Ctrl-C) or failed: the committed batches stay, and are audited
        session.rollback()
        if done:
            _audit(session, actor, tenant.id, done, seed, first, interrupted=True)
            session.commit()
        raise
    _audit(session, actor, tenant.id, done, seed, first)
    session.commit()
    return DemoDataResult(done, first, seed)


def _audit(session: Session, actor: str, tenant_id: int, done: int, seed: int, first: int, interrupted: bool = False) -> None:
    details = {"count": done, "seed": seed, "first_serial": first}
    if interrupted:
        details["interrupted"] = True
    audit.record(session, "demo_data.created", actor=actor, target_type="tenant", target_id=tenant_id, details=details)


def _write_batch(session: Session, tenant_id: int, batch: list[DemoApplicant], password_hash: str) -> None:
    now = utcnow()
    users, profiles, applications, items = [], [], [], []
    for person in batch:
        user_id, application_id = new_id(), new_id()
        users.append({
            "tenant_id": tenant_id, "id": user_id, "real_name": person.real_name,
            "id_number_encrypted": protect.encrypt(person.id_number),
            "id_number_hash": protect.lookup_hash(person.id_number),
            "mobile": person.mobile, "password_hash": password_hash, "role": "applicant", "must_change_password": False,
            "is_active": True, "created_at": now, "last_login_at": None,
        })
        profiles.append({
            "tenant_id": tenant_id, "user_id": user_id, "has_residence_permit": True,
            "permit_number": person.permit_number, "works_in_county_since": person.works_in_county_since,
            "employer": person.employer, "town": person.town, "criminal_penalty": False,
            "births_over_quota": False, "updated_at": now,
        })
        applications.append({
            "tenant_id": tenant_id, "id": application_id, "user_id": user_id, "status": CONFIRMED,
            "submitted_at": now, "confirmed_at": now, "total_points": None, "rule_version": None,
            "recheck_until": None, "updated_at": now,
        })
        for item in person.items:
            items.append({
                "tenant_id": tenant_id, "id": new_id(), "application_id": application_id,
                "item_type": item.item_type, "input": item.input, "department": item.department,
                "status": ITEM_VERIFIED, "due_on": None, "reason": None, "created_at": now, "decided_at": now,
            })
    connection = session.connection()  # the transaction is bound to the county (RLS on PostgreSQL)
    for model, rows in ((User, users), (ApplicantProfile, profiles), (Application, applications),
                        (DeclaredItem, items)):
        if rows:
            connection.execute(model.__table__.insert(), rows)
    session.commit()
    session.expunge_all()
