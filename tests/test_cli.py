"""The administrator's command line: counties from folders, plugins, users, audit."""

import shutil

from sqlalchemy import func, select

from jifen.config import REPO_ROOT
from jifen.models import AuditEvent, PluginEnablement


def test_tenants_load_is_idempotent(cli, county):
    with county("jiashan") as session:
        before = session.scalar(select(func.count(AuditEvent.seq)))
    result = cli("tenants", "load")
    assert result.exit_code == 0, result.output
    assert "jiashan: unchanged" in result.output and "haining: unchanged" in result.output
    with county("jiashan") as session:
        assert session.scalar(select(func.count(AuditEvent.seq))) == before


def test_a_third_county_needs_a_folder_and_one_command(app, cli, client, tmp_path):
    tenants = tmp_path / "tenants"
    shutil.copytree(REPO_ROOT / "tenants", tenants)
    folder = tenants / "tongxiang"
    folder.mkdir()
    (folder / "tenant.toml").write_text(
        'hotline = "0573-88012345"\n[names]\nzh = "桐乡市"\nen = "Tongxiang"\n'
        "[plugins.public_rental_housing]\nenabled = true\n",
        encoding="utf-8",
    )
    app.config["JIFEN_TENANTS_DIR"] = str(tenants)
    assert client.get("/tongxiang/").status_code == 404
    result = cli("tenants", "load", "tongxiang")
    assert result.exit_code == 0, result.output
    html = client.get("/tongxiang/").get_data(as_text=True)
    assert "桐乡市" in html and 'data-program="public_rental_housing"' in html
    assert 'data-program="school_enrollment"' not in html


def test_tenant_folder_errors_are_clear_and_change_nothing(app, cli, tmp_path):
    folder = tmp_path / "tenants" / "pinghu"
    folder.mkdir(parents=True)
    (folder / "tenant.toml").write_text(
        'hotline = "1"\n[names]\nzh = "平湖市"\nen = "Pinghu"\n[plugins.no_such_plugin]\nenabled = true\n',
        encoding="utf-8",
    )
    app.config["JIFEN_TENANTS_DIR"] = str(tmp_path / "tenants")
    result = cli("tenants", "load", "pinghu")
    assert result.exit_code != 0 and "no installed plugin is called 'no_such_plugin'" in result.output
    (folder / "tenant.toml").write_text('hotline = "1"\n[names]\nzh = "平湖市"\n', encoding="utf-8")
    result = cli("tenants", "load", "pinghu")
    assert result.exit_code != 0 and "names.en is required" in result.output
    assert "pinghu" not in cli("tenants", "list").output


def test_plugins_enable_disable_list_and_unknown_name(cli, county):
    result = cli("plugins", "disable", "--tenant", "haining", "school_enrollment")
    assert result.exit_code == 0 and "off in haining" in result.output
    listing = cli("plugins", "list", "--tenant", "haining").output
    assert "school_enrollment\t0.1.0\tschool_enrollment\toff" in listing
    assert cli("plugins", "enable", "--tenant", "haining", "public_rental_housing").exit_code == 0
    with county("haining") as session:
        assert session.get(PluginEnablement, (session.scalar(select(PluginEnablement.tenant_id).limit(1)),
                                              "public_rental_housing")).enabled
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.actor == "cli")).all()
        assert "plugin.disabled" in actions and "plugin.enabled" in actions

    unknown = cli("plugins", "enable", "--tenant", "haining", "no_such_plugin")
    assert unknown.exit_code != 0
    assert "no installed plugin is called 'no_such_plugin'" in unknown.output
    assert "installed: " in unknown.output and "education" in unknown.output
    no_county = cli("plugins", "enable", "--tenant", "atlantis", "education")
    assert no_county.exit_code != 0 and "no county called 'atlantis'" in no_county.output


def test_create_county_admin_and_set_role(cli, county, make_user):
    result = cli("users", "create-admin", "--tenant", "jiashan", "--name", "周管理", "--id-number",
                 "11010519491231002X", "--mobile", "13700000001", "--password", "Admin-pass-2026")
    assert result.exit_code == 0, result.output
    bad = cli("users", "create-admin", "--tenant", "jiashan", "--name", "周管理", "--id-number",
              "110105194912310021", "--mobile", "13700000002", "--password", "Admin-pass-2026")
    assert bad.exit_code != 0 and "check digit" in bad.output
    user = make_user("jiashan")
    result = cli("users", "set-role", "--tenant", "jiashan", user.mobile, "reviewer", "--department", "police")
    assert result.exit_code != 0 and "Unknown department" in result.output
    result = cli("users", "set-role", "--tenant", "jiashan", user.mobile, "reviewer", "--department", "education")
    assert result.exit_code == 0, result.output


def test_audit_verify_command(cli):
    result = cli("audit", "verify", "--tenant", "jiashan")
    assert result.exit_code == 0 and "chain verifies" in result.output


def test_demo_accounts_are_created_once_and_printed(cli):
    first = cli("demo", "accounts")
    assert first.exit_code == 0, first.output
    assert "jiashan" in first.output and "reviewer (education)" in first.output
    assert cli("demo", "accounts").output == first.output


def test_platform_admin_password_can_be_set(cli, client):
    assert cli("users", "create-admin", "--username", "ops", "--password", "Ops-secret-2026").exit_code == 0
    weak = cli("users", "platform-password", "ops", "--password", "short")
    assert weak.exit_code != 0 and "at least 10" in weak.output
    assert cli("users", "platform-password", "ghost", "--password", "New-secret-2027").exit_code != 0
    assert cli("users", "platform-password", "ops", "--password", "New-secret-2027").exit_code == 0
    assert client.submit("/platform/login", {"username": "ops", "password": "New-secret-2027"}).status_code == 302


def test_the_command_groups_load_when_used_and_their_help_is_their_own():
    """`jifen --help` lists every group from its stored first line, without importing it (a CLI that
    starts at once); the stored line is the group's own."""
    import subprocess
    import sys

    from jifen.cli import LAZY_COMMANDS, lazy_command

    for name, (_module, _attribute, short) in LAZY_COMMANDS.items():
        assert lazy_command(name).get_short_help_str(1000) == short, name
    probe = ("import sys; from jifen.cli import cli; from click.testing import CliRunner; "
             "out = CliRunner().invoke(cli, ['--help']).output; "
             "assert 'ranking' in out and 'Ranking runs' in out, out; "
             "heavy = [m for m in ('alembic', 'jifen.cli.ranking', 'jifen.cli.exchange', 'jifen.app', 'openpyxl') "
             "if m in sys.modules]; print(heavy)")
    listed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == "[]", listed.stdout


def _help_in_a_new_process(instance, *, program: bool = True):
    """`jifen --help` in a process of its own (as the `jifen` program when ``program``): its output,
    and whether it loaded the plugins."""
    import json
    import os
    import subprocess
    import sys

    probe = ("import json, sys; from jifen.cli import cli; from click.testing import CliRunner; "
             f"cli.listing_from_index = {program}; out = CliRunner().invoke(cli, ['--help']).output; "
             "print(json.dumps({'out': out, 'loaded': 'jifen_plugins.education' in sys.modules, "
             "'sqlalchemy': 'sqlalchemy' in sys.modules}))")
    env = {**os.environ, "JIFEN_INSTANCE_PATH": str(instance)}
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])


def test_jifen_help_lists_the_plugins_commands_from_the_index_while_the_plugins_are_the_same(tmp_path):
    import json

    from jifen.cli.plugin_commands import INDEX_NAME
    from jifen.plugin.installed import fingerprint

    index = tmp_path / INDEX_NAME
    first = _help_in_a_new_process(tmp_path)
    assert first["loaded"] and "ranking" in first["out"]  # no index yet: the plugins are loaded
    written = json.loads(index.read_text(encoding="utf-8"))
    assert written["fingerprint"] == fingerprint() and written["commands"] == {}  # no built-in plugin adds one
    # A plugin's command, as a process that loaded such a plugin would have written it:
    index.write_text(json.dumps({"fingerprint": fingerprint(), "commands": {"volunteering": "Volunteering hours."}}),
                     encoding="utf-8")
    quick = _help_in_a_new_process(tmp_path)
    assert not quick["loaded"] and not quick["sqlalchemy"]
    assert "volunteering" in quick["out"] and "Volunteering hours." in quick["out"] and "ranking" in quick["out"]
    # Other plugins installed since (another fingerprint): loaded again, and the index is theirs.
    index.write_text(json.dumps({"fingerprint": "other", "commands": {"volunteering": "Volunteering hours."}}),
                     encoding="utf-8")
    again = _help_in_a_new_process(tmp_path)
    assert again["loaded"] and "volunteering" not in again["out"]
    assert json.loads(index.read_text(encoding="utf-8"))["fingerprint"] == fingerprint()
    # A test's runner (not the program) always loads the plugins: its plugins are its own.
    assert _help_in_a_new_process(tmp_path, program=False)["loaded"]


def test_the_jifen_program_writes_the_index_and_an_unwritable_instance_folder_only_costs_time(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from jifen.cli.plugin_commands import INDEX_NAME

    program = Path(sys.executable).parent / "jifen"
    env = {**os.environ, "JIFEN_INSTANCE_PATH": str(tmp_path)}
    run = subprocess.run([str(program), "--help"], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0 and "ranking" in run.stdout, run.stderr
    assert (tmp_path / INDEX_NAME).is_file()
    blocked = tmp_path / "a-file"  # an instance folder that cannot be made, even by root
    blocked.write_text("", encoding="utf-8")
    env["JIFEN_INSTANCE_PATH"] = str(blocked / "instance")
    run = subprocess.run([str(program), "--help"], capture_output=True, text=True, timeout=120, env=env)
    assert run.returncode == 0 and "ranking" in run.stdout and not run.stderr, run.stderr


def test_an_extensions_command_is_listed_by_name_and_imported_when_used():
    import subprocess
    import sys

    probe = ("import sys; from jifen.cli import cli; from click.testing import CliRunner; "
             "cli.listing_from_index = True; out = CliRunner().invoke(cli, ['--help']).output; "
             "assert 'limiter' in out, out; assert 'flask_limiter.commands' not in sys.modules; "
             "out = CliRunner().invoke(cli, ['limiter', '--help']).output; "
             "assert 'flask_limiter.commands' in sys.modules, out; print('ok')")
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert run.returncode == 0 and run.stdout.strip().endswith("ok"), run.stderr
