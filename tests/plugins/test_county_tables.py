"""The demo counties' real points tables (tenants/*/tenant.toml) applied to one declared profile.

Every expected total is worked out by hand below, line by line, from DOMAIN.md's tables as the
counties set them; none is computed by calling the plugins.
"""

import random
from decimal import Decimal
from pathlib import Path

import pytest

from jifen.plugin.manager import catalog, load_installed_plugins
from jifen.points.scoring import NOTE_CAPPED, NOTE_NOT_HIGHEST, NOTE_ONE_OF, Declared, Rules, score
from jifen.county.folders import read_spec

ROOT = Path(__file__).resolve().parents[2]
AS_OF = "2025-06-30"
D = Decimal


def all_item_types() -> dict:
    load_installed_plugins()
    return {t.key: t for info in catalog().values() for t in info.score_items}


def county_rules(slug: str, as_of: str = AS_OF) -> Rules:
    """The rules a county's folder gives: each enabled plugin's settings in their stored form."""
    spec = read_spec(ROOT / "tenants" / slug)
    items = {}
    for name, entry in spec.plugins.items():
        if not entry["enabled"]:
            continue
        for item_type in catalog()[name].score_items:
            schema = item_type.settings_schema()
            items[item_type.key] = schema.dump(schema.load(entry["settings"]))
    snapshot = {"items": items, "scoring": spec.settings.get("scoring", {}), "as_of": as_of}
    return Rules.load(snapshot, all_item_types())


def item(id, item_type, **data) -> Declared:
    return Declared(id, item_type, data)


PROFILE = [
    item(1, "education", level="college", institution="嘉兴职业技术学院", graduated_on="2008-07-01"),
    item(2, "education", level="bachelor", institution="浙江工业大学", graduated_on="2014-07-01"),
    item(3, "skill", level="technician", occupation="数控车工", certificate_number="1633000000123456",
         issued_on="2019-11-20"),
    item(4, "social_insurance", insurance_types=5, years=12, local_years=4),
    # endorsed every year except 2017: the run restarts in 2018 -> 2018..2025 = 8 years
    item(5, "residence_permit", permit_number="330421199008151234",
         endorsed_years=[2014, 2015, 2016, 2018, 2019, 2020, 2021, 2022, 2023, 2024, 2025]),
    item(6, "housing", tenure="rent", since="2019-03-01", address="魏塘街道人民大道1号"),  # 6 full years
    item(7, "age", birth_date="1990-08-15"),  # 34 on 2025-06-30
    item(8, "patents", kind="invention", patent_number="ZL202210123456.7", title="一种数控机床夹具",
         granted_on="2022-03-01"),
    item(9, "patents", kind="utility_model", patent_number="ZL201920654321.0", title="一种包装盒",
         granted_on="2019-05-01"),  # 6 years old: outside the 5-year window
    item(10, "awards", level="county", count=3, titles="优秀新居民", latest_on="2024-01-10"),
    item(11, "awards", level="prefecture", count=2, titles="嘉兴市优秀外来务工人员", latest_on="2023-05-01"),
    item(12, "awards", level="province", count=1, titles="浙江省五一劳动奖章", latest_on="2022-05-01"),
    item(13, "social_service", kind="volunteer", amount=400, certified_by="志愿汇"),
    item(14, "investment_tax", kind="income_tax", amount="30000.00", year=2024),
    item(15, "investment_tax", kind="income_tax", amount="24000.00", year=2023),
    item(16, "deductions", kind="detention", decided_on="2023-10-01", decided_by="嘉善县公安局"),
]

# Jiashan, Zhongshan 2014 table; no one-of group, no floor.
JIASHAN_BY_TYPE = {
    "education": D("80"),          # max(college 60, bachelor 80)
    "skill": D("90"),              # technician
    "social_insurance": D("85"),   # min(5 types x 12 y x 1.5 = 90, 75) + min(5 x 4 y x 0.5 = 10, 25); cap 100
    "residence_permit": D("40"),   # 8 unbroken years x 5 (cap 50)
    "housing": D("3"),             # rent: 6 full years x 0.5
    "age": D("5"),                 # 34 is in 18-35
    "patents": D("30"),            # invention 30 + utility model 0 (outside the window)
    "awards": D("180"),            # county min(3 x 30, 60) = 60; prefecture 2 x 60 = 120 and province 60
                                   # share the prefecture-and-above cap 120: 120 + 0; 180 within the cap 180
    "social_service": D("10"),     # 400 h // 50 = 8 x 2 = 16 -> volunteering cap 10 (type cap 20)
    "investment_tax": D("54"),     # 30,000 / 1,000 + 24,000 / 1,000 = 30 + 24 (both in 2020..2024)
    "deductions": D("-10"),        # one detention within 3 years
}
JIASHAN_TOTAL = D("567.00")  # 80 + 90 + 85 + 40 + 3 + 5 + 30 + 180 + 10 + 54 - 10

# Haining, Shanghai/Beijing style; education OR skill; floor 0.
HAINING_BY_TYPE = {
    "education": D("0"),           # max(college 50, bachelor 60) = 60, loses to skill 100 in the one-of group
    "skill": D("100"),             # technician
    "social_insurance": D("12"),   # 4 local years x 3
    "residence_permit": D("40"),   # 8 unbroken years x 5 (cap 50)
    "housing": D("3"),             # rent: 6 full years x 0.5
    "age": D("30"),                # 34: 7 + 2 x (55 - 34) = 49, cap 30
    "patents": D("30"),            # invention 30 + utility model 0
    "awards": D("110"),            # county 3 x 30 = 90, prefecture 2 x 60 = 120, province 110 -> cap 110: 90 + 20 + 0
    "social_service": D("10"),     # as in Jiashan
    "investment_tax": D("1.80"),   # average over 3 years: (30,000 + 24,000) / 100,000 x 10 / 3 = 1.00 + 0.80
    "deductions": D("-50"),        # one detention within 3 years
}
HAINING_TOTAL = D("286.80")  # 0 + 100 + 12 + 40 + 3 + 30 + 30 + 110 + 10 + 1.80 - 50 (above the floor)


@pytest.fixture(scope="module")
def types():
    return all_item_types()


def test_jiashan_total_is_the_hand_computed_one(types):
    result = score(PROFILE, county_rules("jiashan"), types)
    assert dict(result.by_type) == JIASHAN_BY_TYPE
    assert result.total == JIASHAN_TOTAL
    assert result.line(1).note == NOTE_NOT_HIGHEST and result.line(1).counted == 0
    # Level caps are held by the core across items (cap_group): county 90 -> 60; province shares the
    # prefecture-and-above cap, already used up by the prefecture awards.
    assert (result.line(10).raw, result.line(10).counted, result.line(10).note) == (D("90"), D("60"), NOTE_CAPPED)
    assert (result.line(12).raw, result.line(12).counted, result.line(12).note) == (D("60"), D("0"), NOTE_CAPPED)
    assert (result.line(13).raw, result.line(13).counted) == (D("16"), D("10"))  # volunteering cap 10


def test_haining_total_is_the_hand_computed_one(types):
    result = score(PROFILE, county_rules("haining"), types)
    assert dict(result.by_type) == HAINING_BY_TYPE
    assert result.total == HAINING_TOTAL
    assert result.line(2).note == NOTE_ONE_OF and result.line(2).raw == D("60")
    assert (result.line(7).raw, result.line(7).counted, result.line(7).note) == (D("49"), D("30"), NOTE_CAPPED)
    assert (result.line(11).raw, result.line(11).counted) == (D("120"), D("20"))


def test_the_same_profile_scores_differently_in_the_two_counties():
    assert JIASHAN_TOTAL != HAINING_TOTAL


# A profile that is mostly deductions: Jiashan has no floor, Haining's floor of 0 holds.
OFFENDER = [
    item(1, "education", level="junior_high", institution="临泉县第一中学", graduated_on="2003-07-01"),
    item(2, "age", birth_date="1967-01-20"),  # 58 on 2025-06-30
    item(3, "deductions", kind="criminal_penalty", decided_on="2022-01-10", decided_by="嘉兴市中级人民法院"),
    item(4, "deductions", kind="detention", decided_on="2024-12-01", decided_by="嘉善县公安局"),
    item(5, "deductions", kind="false_materials", decided_on="2024-09-01", decided_by="嘉善县公安局"),
    item(6, "deductions", kind="detention", decided_on="2021-03-01", decided_by="嘉善县公安局"),  # 4 years old
]


def test_deductions_and_the_floor(types):
    jiashan = score(OFFENDER, county_rules("jiashan"), types)
    # junior high 20 + age 0 (58 is not 18-35) + crime -100 + detention -10 + false materials 0
    # (not a deduction in the Zhongshan table) + old detention 0 (outside 3 years) = -90, no floor
    assert jiashan.total == D("-90.00")
    haining = score(OFFENDER, county_rules("haining"), types)
    # junior high 0 (not in the table) + age 5 (56-60) - 150 - 50 - 150 + 0 = -345 -> floor 0
    assert dict(haining.by_type) == {"education": D("0"), "age": D("5"), "deductions": D("-350")}
    assert haining.total == D("0.00")


# --- caps: no county's points for a capped item exceed its cap ---------------------------------

def capped_limits(slug: str) -> dict:
    """Per item type, the most it may count in the county, from the county's own file."""
    spec = read_spec(ROOT / "tenants" / slug)
    limits = {}
    for name, entry in spec.plugins.items():
        for item_type in catalog()[name].score_items:
            cap = item_type.settings_schema().load(entry["settings"]).get("cap")
            if cap is not None:
                limits[item_type.key] = cap
    return limits


def random_profile(rng: random.Random, types: dict, keys) -> list[Declared]:
    declared, next_id = [], 1
    for key in sorted(keys):
        item_type = types[key]
        for _ in range(1 if item_type.aggregate == "single" else rng.randint(0, 6)):
            declared.append(Declared(next_id, key, item_type.sample(rng)))
            next_id += 1
    return declared


@pytest.mark.parametrize("slug", ["jiashan", "haining"])
def test_no_total_exceeds_the_caps(slug, types):
    rules = county_rules(slug)
    limits = capped_limits(slug)
    assert limits  # each county caps something
    for seed in range(400):
        declared = random_profile(random.Random(seed), types, rules.items)
        inputs = {d.id: d.input for d in declared}
        result = score(declared, rules, types)
        for key, cap in limits.items():  # the core's cap per item type
            assert result.by_type.get(key, D(0)) <= cap, (slug, seed, key)
        group_totals: dict = {}  # the caps of cap groups: per kind of social service, per award level (group)
        for line in result.lines:
            item_type = types[line.item_type]
            if item_type.cap_group is not None:
                group, group_cap = item_type.cap_group(inputs[line.item_id], rules.items[line.item_type])
                key = (line.item_type, group)
                group_totals[key] = (group_totals.get(key, (D(0), group_cap))[0] + line.counted, group_cap)
        for key, (counted, group_cap) in group_totals.items():
            assert group_cap is None or counted <= group_cap, (slug, seed, key)
        for line in result.lines:
            settings = rules.items[line.item_type]
            if line.item_type == "social_insurance":
                parts = [settings[p]["cap"] for p in ("province", "local")]
                if None not in parts:
                    assert line.raw <= sum(parts), (slug, seed, line)
        if rules.floor is not None:
            assert result.total >= rules.floor


def test_a_profile_at_every_cap_reaches_exactly_the_caps(types):
    most = [
        item(1, "social_insurance", insurance_types=5, years=40, local_years=40),
        item(2, "residence_permit", permit_number="330421199008151234", endorsed_years=list(range(2000, 2026))),
        item(3, "age", birth_date="2000-01-01"),
        item(4, "awards", level="national", count=20, titles="全国劳动模范", latest_on="2024-05-01"),
        item(5, "awards", level="county", count=20, titles="优秀新居民", latest_on="2024-05-01"),
        item(6, "social_service", kind="volunteer", amount=5000, certified_by="志愿汇"),
        item(7, "social_service", kind="blood", amount=5000, certified_by="嘉兴市中心血站"),
        item(8, "investment_tax", kind="income_tax", amount="90000000.00", year=2024),
    ]
    jiashan = score(most, county_rules("jiashan"), types)
    # insurance 75 + 25 = 100; permit cap 50; age 5; awards cap 180; social service 10 + 10;
    # income tax 90,000 (no cap in Jiashan)
    assert dict(jiashan.by_type) == {"social_insurance": D("100"), "residence_permit": D("50"), "age": D("5"),
                                     "awards": D("180"), "social_service": D("20"), "investment_tax": D("90000")}
    haining = score(most, county_rules("haining"), types)
    # insurance 40 x 3 = 120 (no cap); permit 50; age 30; awards 110; social service 20; tax cap 120
    assert dict(haining.by_type) == {"social_insurance": D("120"), "residence_permit": D("50"), "age": D("30"),
                                     "awards": D("110"), "social_service": D("20"), "investment_tax": D("120")}


@pytest.mark.parametrize("slug", ["jiashan", "haining"])
def test_every_enabled_item_has_its_department_in_the_county(slug):
    spec = read_spec(ROOT / "tenants" / slug)
    departments = spec.settings["departments"]
    for name, entry in spec.plugins.items():
        for item_type in catalog()[name].score_items if entry["enabled"] else ():
            names = departments.get(item_type.department, {})
            assert names.get("zh") and names.get("en"), (slug, item_type.key, item_type.department)
    assert spec.settings["eligibility"]["min_work_years"] == 1
    assert spec.settings["points"]["recheck_days"] == 15
