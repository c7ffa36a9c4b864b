"""The names plugin authors imported before jifen.toolkit keep working for the 0.1 series, each with a
warning that names its new home."""

from __future__ import annotations

import importlib
import warnings

import pytest

from jifen import toolkit
from jifen.plugin.deprecation import JifenDeprecationWarning

OLD_NAMES = [
    ("jifen.hookspecs", "hookimpl", "hookimpl"),
    ("jifen.plugin_kinds", "ScoreItemType", "ScoreItemType"),
    ("jifen.plugin_kinds", "ServiceProgram", "ServiceProgram"),
    ("jifen.plugin_kinds", "ItemSettings", "ItemSettings"),
    ("jifen.plugin_kinds", "ProgramSettings", "ProgramSettings"),
    ("jifen.plugin_i18n", "PluginTranslations", "PluginTranslations"),
    ("jifen.db", "Base", "Base"),
    ("jifen.db", "TenantScoped", "TenantScoped"),
    ("jifen.db", "get_session", "get_session"),
    ("jifen.ids", "new_id", "new_id"),
    ("jifen.migration_helpers", "tenant_table_created", "tenant_table_created"),
    ("jifen.migration_helpers", "tenant_table_dropping", "tenant_table_dropping"),
    ("jifen.cli.context", "county", "cli_county"),
    ("jifen.cli.context", "session", "get_session"),
    ("jifen.cli.context", "tenant_option", "tenant_option"),
    ("jifen.ages", "age_on", "age_on"),
    ("jifen.eligibility", "Veto", "Veto"),
]


@pytest.mark.parametrize(("module", "name", "new"), OLD_NAMES, ids=lambda v: v if isinstance(v, str) else None)
def test_an_old_name_warns_with_its_new_home_and_is_the_same_object(module, name, new):
    with pytest.warns(JifenDeprecationWarning, match=rf"{module}\.{name} has moved: use jifen\.toolkit\.{new}\b"):
        found = getattr(importlib.import_module(module), name)
    assert found is getattr(toolkit, new)


def test_the_enablement_names_point_to_the_county_context():
    from jifen.county.context import enabled_plugin_names

    with pytest.warns(JifenDeprecationWarning, match="jifen.enablement.enabled_plugin_names has moved"):
        found = importlib.import_module("jifen.enablement").enabled_plugin_names
    assert found is enabled_plugin_names


def test_an_unknown_old_name_is_an_attribute_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError):
            importlib.import_module("jifen.plugin_kinds").NoSuchThing


def test_everything_the_toolkit_lists_is_there():
    assert sorted(toolkit.__all__) == sorted(set(toolkit.__all__))
    missing = [name for name in toolkit.__all__ if not hasattr(toolkit, name)]
    assert not missing
