"""The scoring function: highest-only, sums, caps, cap groups, one-of groups, floor, types not offered."""

from decimal import Decimal

import marshmallow as ma

from jifen.plugin.kinds import ItemSettings, ScoreItemType
from jifen.points.scoring import Declared, Rules, score


class AnyInput(ma.Schema):
    value = ma.fields.Decimal()
    kind = ma.fields.String()


def item_type(key, aggregate, category="personal_quality", cap_group=None):
    return ScoreItemType(key=key, category=category, names={"zh": key, "en": key}, input_schema=AnyInput,
                         department="x", score=lambda data, settings: Decimal(str(data["value"])),
                         settings_schema=ItemSettings, aggregate=aggregate, cap_group=cap_group)


TYPES = {
    "edu": item_type("edu", "max"),
    "skill": item_type("skill", "max"),
    "patent": item_type("patent", "sum", "patents_innovation"),
    "service": item_type("service", "sum", "social_service",
                         cap_group=lambda data, settings: (data["kind"], Decimal("10"))),
    "fine": item_type("fine", "sum", "deductions"),
}


def rules(**kwargs):
    items = {key: {"cap": None} for key in TYPES}
    items.update(kwargs.pop("items", {}))
    return Rules(1, items, **kwargs)


def test_highest_only_counts_and_notes_the_rest():
    result = score([Declared(1, "edu", {"value": 60}), Declared(2, "edu", {"value": 80})], rules(), TYPES)
    assert [(line.counted, line.note) for line in result.lines] == [(0, "not_highest"), (80, None)]
    assert result.total == Decimal("80.00")


def test_sum_stops_at_the_type_cap_in_declaration_order():
    declared = [Declared(i, "patent", {"value": 30}) for i in (1, 2, 3)]
    result = score(declared, rules(items={"patent": {"cap": Decimal("70")}}), TYPES)
    assert [line.counted for line in result.lines] == [30, 30, 10]
    assert result.lines[2].note == "capped" and result.total == 70


def test_cap_groups_hold_across_items_of_the_same_group():
    declared = [Declared(1, "service", {"value": 8, "kind": "volunteer"}),
                Declared(2, "service", {"value": 8, "kind": "volunteer"}),
                Declared(3, "service", {"value": 8, "kind": "blood"})]
    result = score(declared, rules(), TYPES)
    assert [line.counted for line in result.lines] == [8, 2, 8]


def test_only_one_of_a_group_counts_the_larger():
    declared = [Declared(1, "edu", {"value": 60}), Declared(2, "skill", {"value": 100})]
    result = score(declared, rules(one_of=(("edu", "skill"),)), TYPES)
    assert [(line.item_type, line.counted, line.note) for line in result.lines] == [
        ("edu", 0, "one_of"), ("skill", 100, None)]
    assert result.total == 100


def test_floor_and_deductions():
    declared = [Declared(1, "edu", {"value": 20}), Declared(2, "fine", {"value": -150})]
    assert score(declared, rules(), TYPES).total == Decimal("-130.00")
    assert score(declared, rules(floor=Decimal("0")), TYPES).total == Decimal("0.00")


def test_a_type_the_county_does_not_offer_scores_nothing():
    result = score([Declared(1, "unknown", {"value": 50})], rules(), TYPES)
    assert result.total == 0 and result.lines[0].note == "not_offered"
