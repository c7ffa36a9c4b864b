"""What a score function receives: the stored (JSON) input loaded by the item's input_schema, so a Date
field is a date and a Decimal field a Decimal, whichever path scores it; and the settings plus as_of."""

from datetime import date
from decimal import Decimal

import marshmallow as ma

from jifen.plugin.kinds import ItemSettings, ScoreItemType
from jifen.points.scoring import Declared, Rules, loaded_input, score


class DatedInput(ma.Schema):
    since = ma.fields.Date(required=True)
    amount = ma.fields.Decimal(required=True, as_string=True, validate=ma.validate.Range(min=0, max=100))
    years = ma.fields.Integer(required=True)
    number = ma.fields.String(required=True)  # a certificate number the calculator does not ask for


def recording_type(received: list) -> ScoreItemType:
    def score_one(verified, settings):
        received.append(("score", verified, settings))
        return Decimal(settings["as_of"].year - verified["since"].year) + verified["amount"]

    def cap_group(verified, settings):
        received.append(("cap_group", verified, settings))
        return "all", None

    return ScoreItemType(key="dated", category="residence", names={"zh": "x", "en": "x"}, input_schema=DatedInput,
                         department="x", score=score_one, settings_schema=ItemSettings, aggregate="sum",
                         cap_group=cap_group)


STORED = {"since": "2020-03-01", "amount": "1.50", "years": 3, "number": "A123"}  # as clean_input stores it


def test_score_and_cap_group_receive_dates_and_decimals_not_the_stored_strings():
    received = []
    result = score([Declared(1, "dated", STORED)], Rules(1, {"dated": {"cap": None}}, as_of=date(2027, 6, 1)),
                   {"dated": recording_type(received)})
    assert result.total == Decimal("8.50")
    assert [call for call, _, _ in received] == ["score", "cap_group"]
    for _, verified, settings in received:
        assert verified == {"since": date(2020, 3, 1), "amount": Decimal("1.50"), "years": 3, "number": "A123"}
        assert settings == {"cap": None, "as_of": date(2027, 6, 1)}


def test_an_input_without_the_fields_the_calculator_skips_still_loads():
    assert loaded_input(DatedInput(), {"since": "2020-03-01", "amount": "2", "years": 1}) == {
        "since": date(2020, 3, 1), "amount": Decimal("2"), "years": 1}


def test_a_stored_input_a_later_schema_refuses_is_still_converted_and_keeps_unknown_keys():
    # Declared when amounts up to 500 were allowed (now 100), with a field the schema has since dropped.
    stored = {"since": "2020-03-01", "amount": "250", "years": 2, "number": "A1", "dropped": "kept"}
    assert loaded_input(DatedInput(), stored) == {"since": date(2020, 3, 1), "amount": Decimal("250"), "years": 2,
                                                  "number": "A1", "dropped": "kept"}
