"""Settings that survive a plugin's upgrade: a score item whose version 2 renames a settings key.

With a migration, the county's pages, rescoring and re-ranking a frozen round work, and the frozen run
still verifies; without one, `jifen plugins upgrade-check` names the county and the stored version, and
the county's pages stay up with the item shown as unavailable.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import marshmallow as ma
import pytest
from sqlalchemy import select

from jifen import clock
from jifen import toolkit as tk
from jifen.county.context import current_county
from jifen.county.switching import set_plugin_enabled
from jifen.models import Application, PluginEnablement, ProgramRound, RankingRun, RuleVersion
from jifen.plugin import settings_versions
from jifen.plugin.manager import unregister_plugin
from jifen.programs import rounds
from jifen.ranking import runs

HOUSING = {"household_income": "30000", "floor_area_per_person": "8", "household_size": "3"}
NAME = "donation_bonus"


class Donation(ma.Schema):
    ml = ma.fields.Integer(required=True, validate=ma.validate.Range(min=0),
                           metadata={"label": {"zh": "献血量", "en": "Blood donated"}})


def _label(zh, en, unit=None):
    meta = {"label": {"zh": zh, "en": en}, "help": {"zh": zh, "en": en}}
    return {**meta, "unit": unit} if unit else meta


class SettingsV1(tk.ItemSettings):
    unit_ml = ma.fields.Integer(required=True, metadata=_label("计分单位", "Unit", {"zh": "毫升", "en": "ml"}))
    points_per_unit = ma.fields.Decimal(required=True, as_string=True,
                                        metadata=_label("每单位分值", "Points per unit", {"zh": "分", "en": "points"}))


class SettingsV2(tk.ItemSettings):
    """Version 2 calls the unit ``unit_size`` (the change that broke counties)."""

    settings_version = 2
    settings_migrations = {1: tk.rename_setting("unit_ml", "unit_size")}
    unit_size = ma.fields.Integer(required=True, metadata=_label("计分单位", "Unit", {"zh": "毫升", "en": "ml"}))
    points_per_unit = ma.fields.Decimal(required=True, as_string=True,
                                        metadata=_label("每单位分值", "Points per unit", {"zh": "分", "en": "points"}))


class SettingsV2WithoutMigration(SettingsV2):
    settings_migrations = {}


def _plugin(schema, unit_key):
    def score(data, settings):
        return Decimal(data["ml"] // settings[unit_key]) * settings["points_per_unit"]

    def summary():  # a page of the plugin's own, reading the county's settings
        settings = schema().load(tk.current_county().settings_of(NAME))
        return f"unit {settings[unit_key]}"

    class Plugin:
        @tk.hookimpl
        def register_routes(self):
            return [tk.Page("summary", summary, role="admin")]

        @tk.hookimpl
        def register_score_item_types(self):
            return [tk.ScoreItemType(key="donation", category="social_service", names={"zh": "献血", "en": "Donation"},
                                     input_schema=Donation, department="health", score=score,
                                     settings_schema=schema, aggregate="sum")]

    return Plugin()


def _upgrade(install_plugin, plugin, version):
    unregister_plugin(NAME)
    install_plugin(plugin, NAME, version)


@pytest.fixture
def ranked_county(county, install_plugin, applicant_with_points, open_round, on_day):
    """Jiashan with version 0.1.0 of the plugin, three applicants with confirmed points, and a housing
    round closed (its rules frozen under version 0.1.0), ranked, its run current."""
    install_plugin(_plugin(SettingsV1, "unit_ml"), NAME, "0.1.0")
    with county("jiashan") as session:
        set_plugin_enabled(session, NAME, True, actor="test", settings={"unit_ml": 200, "points_per_unit": "2"})
        session.commit()
    people = [applicant_with_points("jiashan", {"donation": {"ml": ml}}) for ml in (400, 800, 600)]
    assert [p.total_points for p in people] == [Decimal("4.00"), Decimal("8.00"), Decimal("6.00")]
    round_id = open_round("jiashan", "public_rental_housing", quota=2)
    with county("jiashan") as session:
        program = current_county(session).programs_by_key["public_rental_housing"]
        from jifen.models import User
        for person in people:
            rounds.apply(session, program, session.get(User, (tk.require_tenant().id, person.id)), HOUSING)
        session.commit()
    on_day(clock.today() + timedelta(days=35))
    with county("jiashan") as session:
        found = session.get(ProgramRound, (tk.require_tenant().id, round_id))
        rounds.freeze_rules(session, found, actor="test")
        outcome = runs.run(session, found, actor="test", seed=7)
        session.commit()
        runs.make_current(session, session.get(RankingRun, (found.tenant_id, outcome.run_id)), "test")
        session.commit()
    return people, round_id, outcome


def test_an_upgrade_with_a_migration_keeps_pages_rescoring_and_frozen_rounds_working(
        ranked_county, install_plugin, county, client, login, cli, client_as):
    people, round_id, first_run = ranked_county
    _upgrade(install_plugin, _plugin(SettingsV2, "unit_size"), "0.2.0")

    # The applicant's pages: the points as before, nothing unavailable.
    login(client, people[1])
    page = client.get("/jiashan/me/")
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    assert "8.00" in text and "unavailable" not in text

    # Rescoring writes the ledger under a new rule version (new plugin version, migrated settings).
    result = cli("points", "rescore", "--tenant", "jiashan")
    assert result.exit_code == 0, result.output
    with county("jiashan") as session:
        latest = session.scalars(select(RuleVersion).order_by(RuleVersion.version.desc())).first()
        assert latest.rules["plugins"][NAME] == "0.2.0"
        assert latest.rules["settings_versions"]["donation"] == 2
        assert latest.rules["items"]["donation"]["unit_size"] == 200
        totals = sorted(a.total_points for a in session.scalars(select(Application)))
        assert totals == [Decimal("4.00"), Decimal("6.00"), Decimal("8.00")]
        assert all(a.rule_version == latest.version for a in session.scalars(select(Application)))

    # Re-ranking the frozen round reads its frozen rule version through the migration; same list.
    with county("jiashan") as session:
        found = session.get(ProgramRound, (tk.require_tenant().id, round_id))
        frozen = session.get(RuleVersion, (found.tenant_id, found.rule_version))
        assert "unit_ml" in frozen.rules["items"]["donation"]  # stored as it was: never rewritten
        again = runs.run(session, found, actor="test", seed=7)
        session.commit()
        assert again.digest == first_run.digest
        ok, _ = runs.verify(session, session.get(RankingRun, (found.tenant_id, first_run.run_id)))
        assert ok

    result = cli("plugins", "upgrade-check")
    assert result.exit_code == 0, result.output
    assert "FAIL" not in result.output
    summary = client_as("jiashan", role="admin").get(f"/jiashan/admin/p/{NAME}/summary")
    assert (summary.status_code, summary.get_data(as_text=True)) == (200, "unit 200")


def test_without_a_migration_the_check_names_county_and_version_and_pages_stay_up(
        ranked_county, install_plugin, county, client, login, cli, client_as):
    people, round_id, _ = ranked_county
    _upgrade(install_plugin, _plugin(SettingsV2WithoutMigration, "unit_size"), "0.2.1")

    result = cli("plugins", "upgrade-check", NAME)
    assert result.exit_code != 0
    assert f"FAIL jiashan: {NAME}: county settings (settings version 1)" in result.output
    with county("jiashan") as session:
        frozen = session.get(ProgramRound, (tk.require_tenant().id, round_id)).rule_version
    assert f"FAIL jiashan: {NAME}: rule version {frozen} (settings version 1)" in result.output
    assert "no migration from version 1 to 2" in result.output

    # The applicant's page answers, the item shown as unavailable, never as 0 points confirmed anew.
    login(client, people[1])
    page = client.get("/jiashan/me/", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "unavailable for now" in page.get_data(as_text=True)

    # Nothing is scored with it: a rescore is refused with the reason, and the ledger is untouched.
    result = cli("points", "rescore", "--tenant", "jiashan")
    assert result.exit_code != 0
    with county("jiashan") as session:
        assert sorted(a.total_points for a in session.scalars(select(Application))) == [
            Decimal("4.00"), Decimal("6.00"), Decimal("8.00")]
        assert current_county(session).settings_problems[NAME].startswith("the installed plugin reads version 2")

    # The administrator is told why, on the administration pages.
    admin = client_as("jiashan", role="admin")
    for path in ("/jiashan/admin/", "/jiashan/admin/plugins"):
        page = admin.get(path, headers={"Accept-Language": "en"})
        assert page.status_code == 200
        assert f'data-settings-problem="{NAME}"' in page.get_data(as_text=True)
    page = admin.get(f"/jiashan/admin/p/{NAME}/summary", headers={"Accept-Language": "en"})
    assert page.status_code == 503 and "the county is updating its rules" in page.get_data(as_text=True)

    # Entering the settings again stores them at version 2, and everything works again.
    with county("jiashan") as session:
        set_plugin_enabled(session, NAME, True, actor="test", settings={"unit_size": 200, "points_per_unit": "2"})
        session.commit()
        row = session.scalars(select(PluginEnablement).where(PluginEnablement.plugin_name == NAME)).one()
        assert row.settings_version == 2
    with county("jiashan") as session:
        assert NAME not in current_county(session).settings_problems


def test_switching_off_a_plugin_whose_settings_cannot_be_read_works(ranked_county, install_plugin, county):
    _upgrade(install_plugin, _plugin(SettingsV2WithoutMigration, "unit_size"), "0.2.1")
    with county("jiashan") as session:
        assert set_plugin_enabled(session, NAME, False, actor="test")
        session.commit()
        row = session.scalars(select(PluginEnablement).where(PluginEnablement.plugin_name == NAME)).one()
        assert (row.enabled, row.settings_version, row.settings["unit_ml"]) == (False, 1, 200)


# --------------------------------------------------------------------------- the migration steps


class ThreeVersions(tk.ItemSettings):
    settings_version = 3
    settings_migrations = {1: tk.rename_setting("a", "b"), 2: lambda s: {**s, "c": s["b"] * 2}}
    b = ma.fields.Integer(required=True, metadata=_label("乙", "B"))
    c = ma.fields.Integer(required=True, metadata=_label("丙", "C"))


def test_migrations_run_step_by_step_from_the_stored_version():
    assert settings_versions.load(ThreeVersions, {"a": 2}, 1) == {"b": 2, "c": 4, "cap": None}
    assert settings_versions.load(ThreeVersions, {"b": 3}, 2) == {"b": 3, "c": 6, "cap": None}
    assert settings_versions.load(ThreeVersions, {"b": 3, "c": 1}, 3) == {"b": 3, "c": 1, "cap": None}


def test_settings_of_a_newer_version_a_raising_migration_and_a_refused_result_are_named():
    with pytest.raises(settings_versions.SettingsUnavailable, match="newer version"):
        settings_versions.load(ThreeVersions, {"b": 1, "c": 1}, 4, key="x")
    with pytest.raises(settings_versions.SettingsUnavailable, match="from version 2 to 3 raises KeyError"):
        settings_versions.load(ThreeVersions, {"z": 1}, 2, key="x")
    with pytest.raises(settings_versions.SettingsUnavailable, match="refuses them"):
        settings_versions.load(ThreeVersions, {"b": "many", "c": 1}, 3, key="x")
    assert settings_versions.version_of(tk.ItemSettings) == 1 and settings_versions.version_of(ThreeVersions) == 3


# --------------------------------------------------------------------------- a change of the scoring code alone


def _doubling_plugin():
    """Version 0.1.1: the same settings, a score function that now counts each unit twice."""
    plugin = _plugin(SettingsV1, "unit_ml")
    original = plugin.register_score_item_types()[0]

    class Doubled:
        @tk.hookimpl
        def register_score_item_types(self):
            import dataclasses
            return [dataclasses.replace(original, score=lambda data, settings: 2 * original.score(data, settings))]

    return Doubled()


def test_a_new_plugin_version_is_a_new_rule_version_and_the_rescore_is_previewed_first(
        ranked_county, install_plugin, county, client_as):
    people, _, _ = ranked_county
    with county("jiashan") as session:
        scored_under = session.scalars(select(RuleVersion).order_by(RuleVersion.version.desc())).first()
        assert scored_under.rules["plugins"][NAME] == "0.1.0"
    _upgrade(install_plugin, _doubling_plugin(), "0.1.1")

    admin = client_as("jiashan", role="admin")
    page = admin.get("/jiashan/admin/rules", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'data-code-change="{NAME}"' in page and "0.1.0 → 0.1.1" in page
    assert "applications scored by the earlier version: 3" in page

    answer = admin.submit("/jiashan/admin/rules/rescore-preview", form_page="/jiashan/admin/rules")
    assert answer.status_code == 303
    page = admin.get("/jiashan/admin/rules", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-raised="3"' in page and 'data-lowered="0"' in page and "at most 8.00" in page
    with county("jiashan") as session:  # a preview changes nothing
        assert sorted(a.total_points for a in session.scalars(select(Application))) == [
            Decimal("4.00"), Decimal("6.00"), Decimal("8.00")]

    answer = admin.submit("/jiashan/admin/rules/rescore", form_page="/jiashan/admin/rules")
    assert answer.status_code in (302, 303)
    with county("jiashan") as session:
        assert sorted(a.total_points for a in session.scalars(select(Application))) == [
            Decimal("8.00"), Decimal("12.00"), Decimal("16.00")]
        latest = session.scalars(select(RuleVersion).order_by(RuleVersion.version.desc())).first()
        assert latest.version > scored_under.version and latest.rules["plugins"][NAME] == "0.1.1"
    assert "data-code-changes" not in admin.get("/jiashan/admin/rules").get_data(as_text=True)
