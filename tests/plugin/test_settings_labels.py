"""The settings schemas of every installed plugin speak to officials: each field, in nested schemas and in
the rows of a table setting too, has a label in Chinese and English, every value of a choice field and
every level of a points-per-level table has names in both, and help and units, where given, are in both.
The forms read them (jifen.plugin.fields): help and unit reach the children of nested schemas and rows."""

from __future__ import annotations

import marshmallow as ma
import pytest

from jifen import toolkit as tk
from jifen.plugin import fields as item_forms
from jifen.plugin.kinds import ItemSettings, ProgramSettings
from jifen.plugin.manager import catalog, load_installed_plugins
from jifen_plugins.email import EmailSettings
from jifen_plugins.sms import SmsSettings


def settings_schemas() -> dict[str, type[ma.Schema]]:
    load_installed_plugins()
    found = {f"{d.key}": d.settings_schema for info in catalog().values() for d in (*info.score_items, *info.programs)}
    found.update({"email": EmailSettings, "sms": SmsSettings, "ItemSettings": ItemSettings,
                  "ProgramSettings": ProgramSettings})
    return found


def bilingual(value) -> bool:
    return isinstance(value, dict) and all(isinstance(value.get(lang), str) and value[lang].strip()
                                           for lang in ("zh", "en"))


def one_of(field: ma.fields.Field):
    if isinstance(field, ma.fields.Dict):
        field = field.key_field
    if field is None:
        return None
    validators = list(getattr(field, "validators", None) or [])
    return next((v for v in validators if isinstance(v, ma.validate.OneOf)), None)


def unlabelled(schema: ma.Schema, prefix: str = "") -> list[str]:
    """What of ``schema`` would show an official a raw key, recursively."""
    problems = []
    for name, field in schema.fields.items():
        where = f"{prefix}{name}"
        if not bilingual(field.metadata.get("label")):
            problems.append(f"{where}: label")
        for text in ("help", "unit"):
            if text in field.metadata and not bilingual(field.metadata[text]):
                problems.append(f"{where}: {text}")
        choices = one_of(field)
        named = field.metadata.get("choices") or {}
        problems.extend(f"{where}: choice {value}" for value in (choices.choices if choices else ())
                        if not bilingual(named.get(value)))
        if isinstance(field, ma.fields.Nested):
            problems.extend(unlabelled(field.schema, f"{where}."))
        elif isinstance(field, ma.fields.List) and isinstance(field.inner, ma.fields.Nested):
            problems.extend(unlabelled(field.inner.schema, f"{where}[]."))
    return problems


@pytest.mark.parametrize("key", sorted(settings_schemas()))
def test_every_settings_field_has_labels_and_named_choices_in_zh_and_en(key):
    assert unlabelled(settings_schemas()[key]()) == [], key


@pytest.mark.parametrize("key", sorted(settings_schemas()))
def test_no_settings_label_is_its_field_name(key):
    for spec in item_forms.specs(settings_schemas()[key]()):
        for each in (spec, *spec.children):
            short = each.name.split(".")[-1]
            assert short not in (each.label["zh"], each.label["en"]), (key, each.name)
            assert all(names["zh"] != value and names["en"] != value for value, names in each.choices), (key, each.name)


def test_a_settings_schema_without_labels_is_found():
    class Band(ma.Schema):
        low = ma.fields.Integer()

    class Unlabelled(tk.ItemSettings):
        points = tk.level_points(("a", "b"), label={"zh": "加分", "en": "Points"})
        bands = ma.fields.List(ma.fields.Nested(Band), metadata={"label": {"zh": "分档", "en": "Bands"}})
        window = ma.fields.Integer(metadata={"label": {"zh": "年限"}, "unit": {"zh": "年", "en": "years"}})

    assert unlabelled(Unlabelled()) == ["points: choice a", "points: choice b", "bands[].low: label", "window: label"]


def test_level_points_takes_the_level_names_label_help_and_unit():
    names = {"a": {"zh": "甲", "en": "A"}, "b": {"zh": "乙", "en": "B"}}
    field = tk.level_points(("a", "b"), label={"zh": "各级加分", "en": "Points per level"}, choices=names,
                            help={"zh": "每级加的分。", "en": "Points per level."})
    assert field.metadata == {"label": {"zh": "各级加分", "en": "Points per level"}, "choices": names,
                              "help": {"zh": "每级加的分。", "en": "Points per level."},
                              "unit": {"zh": "分", "en": "points"}}
    assert tk.level_points(("a",), unit={"zh": "元", "en": "yuan"}).metadata["unit"] == {"zh": "元", "en": "yuan"}
    with pytest.raises(ValueError, match="names no level b"):
        tk.level_points(("a", "b"), choices={"a": names["a"]})


def test_the_form_specs_carry_help_and_unit_down_to_nested_fields_and_rows():
    class Rate(ma.Schema):
        points = ma.fields.Decimal(metadata={"label": {"zh": "加分", "en": "Points"}, "unit": {"zh": "分", "en": "points"},
                                             "help": {"zh": "每单位加的分。", "en": "Per unit."}})

    class Settings(tk.ItemSettings):
        rate = ma.fields.Nested(Rate, metadata={"label": {"zh": "费率", "en": "Rate"},
                                                "help": {"zh": "说明。", "en": "About it."}})
        rows = ma.fields.List(ma.fields.Nested(Rate), metadata={"label": {"zh": "分档", "en": "Rows"}})
        bare = ma.fields.Integer()

    specs = {s.name: s for s in item_forms.specs(Settings())}
    assert specs["cap"].unit == {"zh": "分", "en": "points"} and specs["cap"].help["zh"]
    assert specs["rate"].help == {"zh": "说明。", "en": "About it."} and specs["rate"].unit == {}
    (child,) = specs["rate"].children
    assert (child.name, child.unit["zh"], child.help["en"]) == ("rate.points", "分", "Per unit.")
    (row,) = specs["rows"].children
    assert (row.name, row.unit["en"]) == ("points", "points")
    assert (specs["bare"].label, specs["bare"].help, specs["bare"].unit) == ({"zh": "bare", "en": "bare"}, {}, {})
    # read() keeps them when it takes a nested field apart
    assert item_forms.read({"rate.points": "2", "rows.0.points": "3"}, "", list(specs.values()))["rate"] == {"points": "2"}
