"""A plugin that cannot run on this core is refused at start-up, with a message naming it and why; the
other plugins load and the platform keeps working."""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import pytest

from jifen import __version__
from jifen.plugin.manager import UnknownPlugin, catalog, installed_plugins, refused_plugins, require_installed

GOOD = '''
from jifen.plugin.hookspecs import hookimpl
from jifen.plugin.kinds import ServiceProgram

PROGRAM = ServiceProgram(key="{key}", names={{"zh": "好", "en": "Good"}}, quota_mode="threshold")


@hookimpl
def register_service_programs():
    return [PROGRAM]
'''
BROKEN_IMPORT = "raise RuntimeError('the payroll system is not reachable')\n"
MISSPELT_HOOK = '''
from jifen.plugin.hookspecs import hookimpl


@hookimpl
def register_service_program():
    return []
'''
WRONG_ARGUMENTS = '''
from jifen.plugin.hookspecs import hookimpl


@hookimpl
def register_service_programs(county):
    return []
'''
WRONG_KIND = '''
from jifen.plugin.hookspecs import hookimpl


@hookimpl
def register_score_item_types():
    return [{"key": "not_a_declaration"}]
'''


def install_future_and_good(site_dir):
    site_dir.distribution("jifen-future", entry_points={"future_program": "jifen_future"},
                          modules={"jifen_future.py": GOOD.format(key="future_program")}, requires=("jifen>=9.0",))
    site_dir.distribution("jifen-good", entry_points={"good_program": "jifen_good"},
                          modules={"jifen_good.py": GOOD.format(key="good_program")})
    site_dir.activate()


def test_a_plugin_for_other_core_versions_is_refused_and_the_others_load(site_dir, caplog):
    with caplog.at_level(logging.WARNING, logger="jifen.plugins"):
        install_future_and_good(site_dir)
    refusal = refused_plugins()["future_program"]
    assert refusal.reason == f"jifen-future supports jifen>=9.0, but this is jifen {__version__}"
    assert "future_program" not in installed_plugins() and "future_program" not in catalog()
    assert {"good_program", "education", "school_enrollment"} <= set(installed_plugins())
    assert [p.key for p in catalog()["good_program"].programs] == ["good_program"]
    assert any("plugin future_program 1.0 refused: jifen-future supports jifen>=9.0" in r.getMessage()
               for r in caplog.records)
    with pytest.raises(UnknownPlugin, match="'future_program' is installed but refused: jifen-future supports"):
        require_installed("future_program")


@pytest.mark.parametrize("source, reason", [
    (BROKEN_IMPORT, "its module jifen_odd does not import: RuntimeError: the payroll system is not reachable"),
    (MISSPELT_HOOK, "it implements hooks that do not exist: register_service_program"),
    (WRONG_ARGUMENTS, "its hook implementations do not match the specs"),
    (WRONG_KIND, "register_score_item_types() must return ScoreItemType objects, not dict"),
], ids=["import-error", "misspelt-hook", "wrong-arguments", "wrong-kind"])
def test_a_plugin_that_cannot_be_loaded_is_refused_the_same_way(site_dir, source, reason):
    site_dir.distribution("jifen-odd", entry_points={"odd": "jifen_odd"}, modules={"jifen_odd.py": source})
    site_dir.distribution("jifen-good", entry_points={"good_program": "jifen_good"},
                          modules={"jifen_good.py": GOOD.format(key="good_program")})
    site_dir.activate()
    assert reason in refused_plugins()["odd"].reason
    assert "odd" not in installed_plugins() and "good_program" in installed_plugins()
    from jifen.plugin.manager import pm

    assert pm.get_plugin("odd") is None  # nothing of it stays registered


def test_a_plugin_declaring_a_key_another_plugin_has_is_refused(site_dir):
    """A built-in's key, and a key two outside plugins both declare: the built-in, then the first by name, keep it."""
    site_dir.distribution("jifen-copycat", entry_points={"copycat": "jifen_copycat"},
                          modules={"jifen_copycat.py": GOOD.format(key="hukou_transfer")})
    site_dir.distribution("jifen-b-twin", entry_points={"b_twin": "jifen_b_twin"},
                          modules={"jifen_b_twin.py": GOOD.format(key="twin_program")})
    site_dir.distribution("jifen-a-twin", entry_points={"a_twin": "jifen_a_twin"},
                          modules={"jifen_a_twin.py": GOOD.format(key="twin_program")})
    site_dir.activate()
    refused = refused_plugins()
    assert refused["copycat"].reason == ("it declares the program 'hukou_transfer', "
                                         "which plugin 'hukou_transfer' declares already")
    assert refused["b_twin"].reason == "it declares the program 'twin_program', which plugin 'a_twin' declares already"
    assert "a_twin" in installed_plugins() and "a_twin" not in refused
    assert [p.key for p in catalog()["hukou_transfer"].programs] == ["hukou_transfer"]
    from jifen.plugin.manager import pm

    assert pm.get_plugin("copycat") is None and pm.get_plugin("b_twin") is None


def test_the_platform_keeps_working_and_shows_the_refusal(app, client, client_as, cli, site_dir):
    install_future_and_good(site_dir)
    assert 'data-program="school_enrollment"' in client.get("/jiashan/").get_data(as_text=True)

    admin = client_as("jiashan", role="admin")
    page = admin.get("/jiashan/admin/plugins?lang=en").get_data(as_text=True)
    assert 'data-refused="future_program"' in page and "jifen-future supports jifen&gt;=9.0" in page
    assert 'data-plugin="good_program"' in page and 'data-plugin="future_program"' not in page

    listed = cli("plugins", "list")
    assert f"future_program\t1.0\tREFUSED: jifen-future supports jifen>=9.0, but this is jifen {__version__}" \
        in listed.output
    assert "good_program\t1.0\tgood_program" in listed.output
    switched = cli("plugins", "enable", "--tenant", "jiashan", "future_program")
    assert switched.exit_code == 1 and "is installed but refused: jifen-future supports jifen>=9.0" in switched.output
    assert cli("plugins", "enable", "--tenant", "jiashan", "good_program").exit_code == 0


def test_at_start_up_of_a_new_process_the_refusal_is_said_and_the_rest_loads(site_dir, tmp_path):
    install_future_and_good(site_dir)
    env = site_dir.env()
    env["JIFEN_INSTANCE_PATH"] = str(tmp_path / "instance")
    jifen = Path(sys.executable).parent / "jifen"  # the console script, as an administrator runs it
    done = subprocess.run([str(jifen), "plugins", "list"], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "plugin future_program 1.0 refused: jifen-future supports jifen>=9.0" in done.stderr
    assert "future_program\t1.0\tREFUSED:" in done.stdout
    assert "good_program\t1.0\tgood_program" in done.stdout and "\neducation\t" in "\n" + done.stdout
