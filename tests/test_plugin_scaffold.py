"""``jifen plugin new``: the package it writes installs, is enabled for one county, shows there and not
elsewhere, is applied to and ranked, passes its own tests and the conformance check, and needs no
change to core/."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from jifen.models import ProgramApplication, RankingResult
from jifen.scaffold import ScaffoldError, files_of, generate, supported_range

DEGREE = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2012-07-01"}  # 80 in Jiashan
DIPLOMA = {"level": "college", "institution": "嘉兴职业技术学院", "graduated_on": "2012-07-01"}  # 60


def programs_on(client, slug):
    return set(re.findall(r'data-program="([a-z0-9_]+)"', client.get(f"/{slug}/").get_data(as_text=True)))


def test_the_new_package_has_every_part(tmp_path):
    folder = generate("talent_flat", "program", tmp_path)
    assert folder.name == "jifen-talent-flat"
    assert files_of(folder) == [
        "README.md",
        "jifen_talent_flat/__init__.py",
        "jifen_talent_flat/i18n.py",
        "jifen_talent_flat/settings.py",
        "jifen_talent_flat/templates/program.html",
        "jifen_talent_flat/translations/en/LC_MESSAGES/messages.po",
        "jifen_talent_flat/translations/zh_Hans_CN/LC_MESSAGES/messages.po",
        "pyproject.toml",
        "tests/conftest.py",
        "tests/tenants/othercounty/tenant.toml",
        "tests/tenants/testcounty/tenant.toml",
        "tests/test_talent_flat.py",
    ]
    pyproject = (folder / "pyproject.toml").read_text(encoding="utf-8")
    assert '[project.entry-points."jifen.plugins"]\ntalent_flat = "jifen_talent_flat"' in pyproject
    assert f'dependencies = ["jifen{supported_range()}"]' in pyproject
    with_tables = files_of(generate("bonus_item", "score-item", tmp_path, with_tables=True))
    assert "jifen_bonus_item/migrations/bonus_item_0001_records.py" in with_tables
    assert "jifen_bonus_item/models.py" in with_tables and "jifen_bonus_item/templates/item.html" in with_tables


@pytest.mark.parametrize("kind", ["program", "score-item"])
def test_a_new_plugin_and_its_tests_import_only_the_toolkit_of_the_core(tmp_path, kind):
    import ast

    folder = generate("talent_flat", kind, tmp_path, with_tables=True)
    imported = set()
    for file in folder.rglob("*.py"):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {node.module} if node.module != "jifen" else {f"jifen.{a.name}" for a in node.names}
            elif isinstance(node, ast.Import):
                imported |= {a.name for a in node.names}
    core = {name for name in imported if name == "jifen" or name.startswith("jifen.")}
    assert core == {"jifen.toolkit"}


def test_the_supported_range_is_this_minor_series_before_1_0():
    assert supported_range("0.1.0") == ">=0.1,<0.2"
    assert supported_range("1.4.2") == ">=1.4,<2"


@pytest.mark.parametrize("name, kind, options, message", [
    ("Talent Flat", "program", {}, "lower-case letters"),
    ("x", "program", {}, "2-60"),
    ("talent_flat", "service", {}, "kind must be one of program, score-item"),
    ("bonus", "score-item", {"category": "luck"}, "category must be one of"),
    ("bonus", "score-item", {"department": "weather"}, "department must be one of"),
    ("bonus", "score-item", {"name_zh": 'a"b'}, "--name-zh"),
    ("talent_flat\n", "program", {}, "lower-case letters"),  # a trailing newline would name the folders
    ("bonus", "score-item", {"name_en": "Bonus\nitem"}, "--name-en"),  # it would break the code's strings
])
def test_bad_requests_are_refused_with_what_to_change(tmp_path, name, kind, options, message):
    with pytest.raises(ScaffoldError, match=message):
        generate(name, kind, tmp_path, **options)
    assert list(tmp_path.iterdir()) == []


def test_an_existing_folder_is_never_overwritten(tmp_path):
    (tmp_path / "jifen-talent-flat").mkdir()
    (tmp_path / "jifen-talent-flat" / "notes.txt").write_text("mine")
    with pytest.raises(ScaffoldError, match="exists and is not empty"):
        generate("talent_flat", "program", tmp_path)
    assert (tmp_path / "jifen-talent-flat" / "notes.txt").read_text() == "mine"
    (tmp_path / "jifen-bonus-item").write_text("a file of mine")
    with pytest.raises(ScaffoldError, match="exists and is not empty"):
        generate("bonus_item", "score-item", tmp_path)
    assert (tmp_path / "jifen-bonus-item").read_text() == "a file of mine"


@pytest.mark.sqlite_only
def test_the_command_line_says_what_it_wrote_and_refuses_clearly(cli, tmp_path):
    result = cli("plugin", "new", "talent_flat", "--kind", "program", "--dir", str(tmp_path))
    assert result.exit_code == 0, result.output
    assert "jifen_talent_flat/__init__.py" in result.output and "jifen plugin check talent_flat" in result.output
    again = cli("plugin", "new", "talent_flat", "--kind", "program", "--dir", str(tmp_path))
    assert again.exit_code == 1 and "exists and is not empty" in again.output


@pytest.mark.slow
def test_a_new_plugin_is_installed_enabled_in_one_county_applied_to_and_ranked(
        app, cli, client, client_as, county, applicant_with_points, site_dir, tmp_path, core_fingerprint,
        run_plugin_tests):
    before = core_fingerprint()
    made = cli("plugin", "new", "talent_flat", "--kind", "program", "--dir", str(tmp_path),
               "--name-zh", "人才公寓", "--name-en", "Talent apartments")
    assert made.exit_code == 0, made.output
    package = tmp_path / "jifen-talent-flat"

    # pip-installed like any package, then seen through its entry point as at start-up.
    site_dir.pip_install(package)
    site_dir.activate()
    listed = cli("plugins", "list")
    assert re.search(r"^talent_flat\t0\.1\.0\ttalent_flat$", listed.output, flags=re.MULTILINE), listed.output

    # Enabled for one county with the command line: on its portal, not on the other's.
    assert "talent_flat" not in programs_on(client, "jiashan")
    enabled = cli("plugins", "enable", "--tenant", "jiashan", "talent_flat")
    assert enabled.exit_code == 0 and "talent_flat is on in jiashan" in enabled.output
    assert "talent_flat" in programs_on(client, "jiashan")
    assert "talent_flat" not in programs_on(client, "haining")
    assert client.get("/haining/programs/talent_flat").status_code == 404
    page = client.get("/jiashan/programs/talent_flat?lang=en").get_data(as_text=True)
    assert "Talent apartments" in page and "Households of up to 6 people." in page  # the plugin's own block

    # A round made on the administration pages; two applicants apply on the portal; ranked by points.
    admin = client_as("jiashan", role="admin")
    today = date.today()
    response = admin.submit("/jiashan/admin/programs/talent_flat/rounds/new", {
        "name": "2026 人才公寓", "opens_on": (today - timedelta(days=1)).isoformat(),
        "closes_on": (today + timedelta(days=30)).isoformat(), "quota": "1", "cutoff_ties": "strict",
        "second_round_cap_percent": "10"})
    assert response.status_code == 302, response.get_data(as_text=True)
    round_id = int(re.search(r"/admin/rounds/(\d+)", response.location).group(1))
    higher = applicant_with_points("jiashan", {"education": DEGREE})
    lower = applicant_with_points("jiashan", {"education": DIPLOMA})
    assert higher.total_points > lower.total_points
    for person in (lower, higher):
        applied = client_as(person).submit("/jiashan/programs/talent_flat/apply", {"household_size": "3"},
                                           form_page="/jiashan/programs/talent_flat")
        assert applied.status_code == 302
    ranked = cli("ranking", "run", "--tenant", "jiashan", str(round_id), "--seed", "11")
    assert ranked.exit_code == 0, ranked.output
    assert "allocated  1 (allocated 1, waitlisted 1)" in ranked.output
    with county("jiashan") as session:
        application_of = dict(session.execute(select(ProgramApplication.user_id, ProgramApplication.id)).all())
        outcome = dict(session.execute(select(RankingResult.program_application_id, RankingResult.outcome)).all())
    assert outcome[application_of[higher.id]] == "allocated"
    assert outcome[application_of[lower.id]] == "waitlisted"

    # The conformance check passes, and the package's own generated tests pass (on this test's database).
    checked = cli("plugin", "check", "talent_flat")
    assert checked.exit_code == 0 and "talent_flat passes every check" in checked.output, checked.output
    own = run_plugin_tests(package, site_dir, app.config["JIFEN_DB_KIND"])
    assert own.returncode == 0, own.stdout[-3000:] + own.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", own.stdout) and " failed" not in own.stdout

    assert core_fingerprint() == before  # no file of core/ changed


@pytest.mark.slow
def test_a_new_plugin_with_tables_passes_the_check_and_its_own_tests(site_dir, tmp_path, run_plugin_tests):
    """In new processes, as an author runs them (importing its models here would add its table to the
    metadata of this test session)."""
    folder = generate("bonus_item", "score-item", tmp_path, with_tables=True, department="human_resources")
    site_dir.pip_install(folder)
    env = site_dir.env()
    env["JIFEN_INSTANCE_PATH"] = str(tmp_path / "instance")
    jifen = Path(sys.executable).parent / "jifen"
    checked = subprocess.run([str(jifen), "plugin", "check", "bonus_item"], env=env, capture_output=True, text=True,
                             timeout=300)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert re.search(r"^ok +migrations +bonus_item_records created on an empty SQLite database and removed by "
                     r"bonus_item@base$", checked.stdout, flags=re.MULTILINE), checked.stdout
    own = run_plugin_tests(folder, site_dir, "sqlite,postgresql")  # its own session migrates its table
    assert own.returncode == 0, own.stdout[-3000:] + own.stderr[-2000:]
    assert re.search(r"\b\d+ passed\b", own.stdout) and " failed" not in own.stdout
