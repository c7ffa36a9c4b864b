"""A plugin's own templates on the core's pages: found by name, overridable per county, and a broken
one does not take the page down in production."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
BROKEN_PROGRAM = '''
from jifen.plugin.hookspecs import hookimpl
from jifen.plugin.kinds import ServiceProgram

PROGRAM = ServiceProgram(key="shaky", names={"zh": "不稳", "en": "Shaky"}, quota_mode="threshold")


@hookimpl
def register_service_programs():
    return [PROGRAM]
'''


@pytest.fixture
def tenants_copy(tmp_path):
    target = tmp_path / "tenants"
    shutil.copytree(ROOT / "tenants", target)
    return target


@pytest.fixture
def jifen_config(tenants_copy):
    return {"JIFEN_TENANTS_DIR": str(tenants_copy)}


@pytest.mark.with_plugins("sanitation_bonus")
def test_a_county_overrides_a_plugins_block_by_name(client_as, tenants_copy):
    override = tenants_copy / "jiashan" / "templates" / "plugins" / "sanitation_bonus" / "item.html"
    override.parent.mkdir(parents=True)
    override.write_text('<p data-override="jiashan">{{ settings.points }}</p>', encoding="utf-8")
    jiashan = client_as("jiashan").get("/jiashan/me/items/new/sanitation_bonus").get_data(as_text=True)
    haining = client_as("haining").get("/haining/me/items/new/sanitation_bonus").get_data(as_text=True)
    assert '<p data-override="jiashan">10</p>' in jiashan and 'data-plugin-block' not in jiashan
    assert 'data-plugin-block="sanitation_bonus"' in haining and "data-override" not in haining


@pytest.mark.sqlite_only
def test_a_broken_block_is_left_out_and_logged_in_production_and_raises_in_tests(app, client, cli, site_dir,
                                                                                caplog):
    site_dir.distribution("jifen-shaky", entry_points={"shaky": "jifen_shaky"}, modules={
        "jifen_shaky/__init__.py": BROKEN_PROGRAM,
        "jifen_shaky/templates/program.html": "<p>{{ settings.nothing.deeper }}</p>"})
    site_dir.activate()
    assert cli("plugins", "enable", "--tenant", "jiashan", "shaky").exit_code == 0
    with pytest.raises(Exception, match="nothing"):
        client.get("/jiashan/programs/shaky")
    app.testing = False
    with caplog.at_level(logging.ERROR, logger="jifen.plugins"):
        response = client.get("/jiashan/programs/shaky")
    assert response.status_code == 200 and "不稳" in response.get_data(as_text=True)
    assert any("plugin shaky: program.html does not render" in r.getMessage() for r in caplog.records)


CLASHING_PROGRAM = '''
from jifen.plugin.hookspecs import hookimpl
from jifen.plugin.kinds import ServiceProgram

PROGRAM = ServiceProgram(key="hukou_transfer", names={"zh": "同名", "en": "Same key"}, quota_mode="threshold")


@hookimpl
def register_service_programs():
    return [PROGRAM]
'''


@pytest.mark.sqlite_only
def test_a_block_of_a_plugin_the_county_did_not_enable_is_never_rendered(client, site_dir):
    # Installed, enabled nowhere, and declaring the key of a program Jiashan has (jifen plugin check
    # fails it, but it loads): its block, broken here, must neither show nor break Jiashan's page.
    site_dir.distribution("jifen-aaa-clash", entry_points={"aaa_clash": "jifen_aaa_clash"}, modules={
        "jifen_aaa_clash/__init__.py": CLASHING_PROGRAM,
        "jifen_aaa_clash/templates/program.html": "<p data-clash>{{ settings.nothing.deeper }}</p>"})
    site_dir.activate()
    response = client.get("/jiashan/programs/hukou_transfer")
    assert response.status_code == 200 and "data-clash" not in response.get_data(as_text=True)


@pytest.mark.sqlite_only
def test_a_block_using_an_undefined_setting_is_refused_not_drawn_with_a_gap(app, client, cli, site_dir, caplog):
    # Without strict rendering this page said "Each earns  points." and nothing noticed.
    site_dir.distribution("jifen-shaky", entry_points={"shaky": "jifen_shaky"}, modules={
        "jifen_shaky/__init__.py": BROKEN_PROGRAM,
        "jifen_shaky/templates/program.html": "<p data-gap>Each earns {{ settings.unit_ml }} points.</p>"})
    site_dir.activate()
    assert cli("plugins", "enable", "--tenant", "jiashan", "shaky").exit_code == 0
    with pytest.raises(Exception, match="unit_ml"):
        client.get("/jiashan/programs/shaky")
    app.testing = False
    with caplog.at_level(logging.ERROR, logger="jifen.plugins"):
        response = client.get("/jiashan/programs/shaky")
    assert response.status_code == 200 and "data-gap" not in response.get_data(as_text=True)
    logged = [r for r in caplog.records if "plugin shaky: program.html does not render" in r.getMessage()]
    assert logged and "unit_ml" in str(logged[0].exc_info[1])

