"""The plugin contract: discovery by entry point, per-county subsets, declarations, plugin migrations."""

from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect

from jifen.db import migrations as migrations_runner
from jifen.plugin.hookspecs import hookimpl
from jifen.plugin.kinds import ScoreItemType, ServiceProgram
from jifen.plugin.manager import CountyHooks, catalog, county_programs, installed_plugins, load_installed_plugins, pm

HERE = Path(__file__).parent


class SpyPlugin:
    calls = 0

    @hookimpl
    def register_service_programs(self):
        SpyPlugin.calls += 1
        return [ServiceProgram(key="spy_program", names={"zh": "测试", "en": "Spy"}, quota_mode="threshold")]

    @hookimpl
    def register_migrations(self):
        return HERE / "fixtures" / "spy_plugin_migrations"


@pytest.fixture(autouse=True)
def _installed():
    load_installed_plugins()  # what create_app does


@pytest.fixture
def spy(install_plugin):
    SpyPlugin.calls = 0
    install_plugin(SpyPlugin(), "spy")  # the test kit's: removed again after the test
    return SpyPlugin


def test_built_in_plugins_are_found_through_the_entry_point_group():
    from importlib.metadata import entry_points

    names = {ep.name for ep in entry_points(group="jifen.plugins")}
    assert {"education", "school_enrollment", "hukou_transfer", "public_rental_housing"} <= names
    assert names <= set(installed_plugins())
    assert [i.key for i in catalog()["education"].score_items] == ["education"]
    assert [p.key for p in catalog()["hukou_transfer"].programs] == ["hukou_transfer"]


def test_the_core_never_imports_plugins():
    core = HERE.parent / "core"
    for path in core.rglob("*.py"):
        source = path.read_text(encoding="utf-8")
        assert "jifen_plugins" not in source, f"{path} imports a plugin"
        for county in ("jiashan", "haining", "Jiashan", "Haining"):
            assert county not in source, f"{path} names a county"


def test_a_disabled_plugin_is_never_called_for_that_county(spy):
    without = CountyHooks(frozenset({"school_enrollment"}))
    keys = [p.key for group in without.register_service_programs() for p in group]
    assert keys == ["school_enrollment"] and spy.calls == 0
    with_spy = county_programs(frozenset({"school_enrollment", "spy"}))
    assert {p.key for p in with_spy} == {"school_enrollment", "spy_program"} and spy.calls == 1


def test_declarations_are_checked():
    with pytest.raises(ValueError, match="quota_mode"):
        ServiceProgram(key="x_program", names={"zh": "x", "en": "x"}, quota_mode="first_come")
    with pytest.raises(ValueError, match="'zh' and 'en'"):
        ServiceProgram(key="x_program", names={"en": "x"}, quota_mode="threshold")
    with pytest.raises(ValueError, match="key"):
        ServiceProgram(key="Bad Key", names={"zh": "x", "en": "x"}, quota_mode="threshold")
    with pytest.raises(ValueError, match="category"):
        ScoreItemType(key="x_item", category="luck", names={"zh": "x", "en": "x"}, input_schema=None,
                      department="police", score=lambda i, s: 0)


def test_education_scores_from_the_countys_table():
    from decimal import Decimal

    item = catalog()["education"].score_items[0]
    settings = item.settings_schema().load({"points": {"bachelor": "80", "master": "100"}})
    assert item.score({"level": "master"}, settings) == Decimal("100")
    assert item.score({"level": "phd"}, settings) == Decimal("0")


def test_bad_plugin_settings_are_refused_with_the_field(county):
    from jifen.county.enablement import InvalidPluginSettings
    from jifen.county.switching import set_plugin_enabled

    with county("jiashan") as session:
        with pytest.raises(InvalidPluginSettings, match="min_child_age"):
            set_plugin_enabled(session, "school_enrollment", True, actor="test", settings={"min_child_age": 99})


def test_plugin_version_folders_are_migrated_and_downgraded(spy, tmp_path, app):
    url = f"sqlite:///{tmp_path / 'plugin.db'}"
    migrations_runner.upgrade(app, "heads", url=url)
    engine = create_engine(url)
    assert "spy_things" in inspect(engine).get_table_names()
    assert "spy_0001" in migrations_runner.current(app, url=url)
    migrations_runner.downgrade(app, "spy@base", url=url)
    assert "spy_0001" not in migrations_runner.current(app, url=url)
    assert "spy_things" not in inspect(create_engine(url)).get_table_names()
    assert "users" in inspect(create_engine(url)).get_table_names()
    engine.dispose()
    assert pm.get_plugin("spy") is not None
