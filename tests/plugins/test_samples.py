"""Every built-in score item type: its sample inputs pass its input schema and score under both counties."""

import random
from datetime import date
from decimal import Decimal
from pathlib import Path

import marshmallow as ma
import pytest

from jifen.plugin.kinds import CATEGORIES
from jifen.plugin.manager import catalog, load_installed_plugins
from jifen.county.folders import read_spec

ROOT = Path(__file__).resolve().parents[2]
BUILT_IN = ("education", "skill", "social_insurance", "residence_permit", "housing", "age", "patents", "awards",
            "social_service", "investment_tax", "deductions", "family_planning")
ALLOWED_FIELDS = (ma.fields.String, ma.fields.Integer, ma.fields.Decimal, ma.fields.Date, ma.fields.Boolean)
SEEDS = range(300)

load_installed_plugins()


def item_types():
    return [t for name in BUILT_IN for t in catalog()[name].score_items]


@pytest.mark.parametrize("item_type", item_types(), ids=lambda t: t.key)
def test_samples_pass_the_input_schema_in_their_stored_form(item_type):
    schema = item_type.input_schema()
    for seed in SEEDS:
        sample = item_type.sample(random.Random(seed))
        assert schema.validate(sample) == {}, (seed, sample)
        assert schema.dump(schema.load(sample)) == sample, (seed, sample)  # already the stored (JSON) form


@pytest.mark.parametrize("item_type", item_types(), ids=lambda t: t.key)
def test_samples_are_reproducible_from_the_seed(item_type):
    assert [item_type.sample(random.Random(7)) for _ in range(2)] == [item_type.sample(random.Random(7))] * 2


@pytest.mark.parametrize("slug", ["jiashan", "haining"])
def test_samples_score_under_each_countys_table(slug):
    spec = read_spec(ROOT / "tenants" / slug)
    for name, entry in spec.plugins.items():
        for item_type in catalog()[name].score_items:
            settings = item_type.settings_schema().load(entry["settings"])
            settings["as_of"] = date(2025, 6, 30)
            for seed in SEEDS:
                value = item_type.score(item_type.sample(random.Random(seed)), settings)
                assert isinstance(value, Decimal)
                assert value >= 0 or item_type.category == "deductions"


@pytest.mark.parametrize("item_type", item_types(), ids=lambda t: t.key)
def test_declarations_follow_the_contract(item_type):
    assert item_type.category in CATEGORIES
    assert item_type.evidence and item_type.sample is not None
    for name, field in item_type.input_schema().fields.items():
        label = field.metadata.get("label", {})
        assert label.get("zh") and label.get("en"), f"{item_type.key}.{name} has no label in both languages"
        if isinstance(field, ma.fields.List):
            assert isinstance(field.inner, ma.fields.Integer), f"{item_type.key}.{name}: only lists of integers"
        else:
            assert isinstance(field, ALLOWED_FIELDS), f"{item_type.key}.{name}: {type(field).__name__}"
        if isinstance(field.validate, ma.validate.OneOf) or any(
            isinstance(v, ma.validate.OneOf) for v in field.validators
        ):
            choices = field.metadata.get("choices", {})
            one_of = next(v for v in field.validators if isinstance(v, ma.validate.OneOf))
            assert set(choices) == set(one_of.choices)
            assert all(c.get("zh") and c.get("en") for c in choices.values())


@pytest.mark.parametrize("item_type", item_types(), ids=lambda t: t.key)
def test_default_settings_are_valid_and_stable(item_type):
    schema = item_type.settings_schema()
    stored = schema.dump(schema.load({}))
    assert schema.dump(schema.load(stored)) == stored
    assert "cap" in stored
