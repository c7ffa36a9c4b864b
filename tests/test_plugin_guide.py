"""docs/plugin_author_guide.md, step by step: its commands are run and give what it shows, and every
file it shows is the example plugin's file, or what the scaffold writes."""

from __future__ import annotations

import inspect
import re
import shlex
import tomllib
from pathlib import Path

import pytest

from jifen.scaffold import generate
from jifen.testing import pytest_plugin

ROOT = Path(__file__).parent.parent
GUIDE = (ROOT / "docs" / "plugin_author_guide.md").read_text(encoding="utf-8")
BLOCK = re.compile(r"<!-- (\w[\w-]*): (.+?) -->\n```[a-z]*\n(.*?)\n```", re.DOTALL)


def blocks(kind: str) -> list[tuple[str, str]]:
    return [(target, body) for k, target, body in BLOCK.findall(GUIDE) if k == kind]


def command(prefix: str) -> list[str]:
    """The one command of the guide's shell blocks that starts with ``prefix``, as arguments after ``jifen``."""
    found = [line for line in re.findall(r"^ *(jifen .+?)(?:\s+#.*)?$", GUIDE, flags=re.MULTILINE)
             if line.startswith(prefix)]
    assert found, f"the guide has no command starting with {prefix!r}"
    return shlex.split(found[0])[1:]


def test_the_guide_has_its_steps_and_tested_blocks():
    headings = re.findall(r"^## (\d+)\. ", GUIDE, flags=re.MULTILINE)
    assert headings == [str(n) for n in range(1, 13)]
    assert len(blocks("file")) == 10 and len(blocks("output")) == 3 and len(blocks("scaffold")) == 2


@pytest.mark.parametrize("name, body", blocks("run"), ids=[n for n, _ in blocks("run")])
def test_every_runnable_block_runs(name, body):
    """A block marked ``run`` is a whole program with its own asserts: it runs as shown."""
    exec(compile(body, f"<guide: {name}>", "exec"), {"__name__": f"guide_{name.replace('-', '_')}"})


@pytest.mark.parametrize("path, body", blocks("file"), ids=[p for p, _ in blocks("file")])
def test_every_file_shown_is_the_example_plugins_file(path, body):
    assert body == (ROOT / path).read_text(encoding="utf-8").rstrip("\n"), f"the guide's {path} is out of date"


def test_step_1_the_example_started_as_what_plugin_new_writes(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    args = command("jifen plugin new")
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert result.output.rstrip("\n") == dict(blocks("output"))["jifen plugin new"]
    written = sorted(str(p.relative_to(tmp_path / "jifen-sanitation-bonus"))
                     for p in (tmp_path / "jifen-sanitation-bonus").rglob("*") if p.is_file())
    example = ROOT / "examples" / "jifen-sanitation-bonus"
    shipped = sorted(str(p.relative_to(example)) for p in example.rglob("*") if p.is_file() and not any(
        part.startswith(".") or part == "__pycache__" or part.endswith(".egg-info")  # caches, install records
        for part in p.relative_to(example).parts))
    # The same files, grown from the scaffold; a file added later (a page's template) is shown in the guide.
    shown = {path.removeprefix("examples/jifen-sanitation-bonus/") for path, _ in blocks("file")}
    assert set(written) <= set(shipped) and set(shipped) - set(written) <= shown, sorted(set(shipped) ^ set(written))
    for unchanged in ("README.md", "tests/conftest.py", "tests/tenants/othercounty/tenant.toml", "pyproject.toml",
                      "jifen_sanitation_bonus/i18n.py"):
        assert (tmp_path / "jifen-sanitation-bonus" / unchanged).read_text(encoding="utf-8") == \
            (example / unchanged).read_text(encoding="utf-8"), unchanged


@pytest.mark.sqlite_only
def test_step_2_the_check_prints_what_the_guide_shows(cli):
    result = cli(*command("jifen plugin check"))
    assert result.exit_code == 0
    assert result.output.rstrip("\n") == dict(blocks("output"))["jifen plugin check sanitation_bonus"]


@pytest.mark.sqlite_only
def test_step_4_the_countys_settings_validate_and_fill_the_defaults():
    from jifen.county.enablement import validate_settings

    (_, body), = blocks("toml")
    entry = tomllib.loads(body)["plugins"]["sanitation_bonus"]
    assert entry["enabled"] is True
    assert validate_settings("sanitation_bonus", entry["settings"]) == {
        "cap": "20", "min_years": 5, "points": "10", "per_extra_year": "2"}


@pytest.mark.sqlite_only
def test_step_7_a_plugin_for_another_core_version_is_listed_as_the_guide_shows(cli, site_dir):
    (_, line), = [b for b in blocks("output") if b[0] == "refused"]
    name = line.split("\t")[0]
    site_dir.distribution("jifen-future-example", entry_points={name: "jifen_future_example"},
                          modules={"jifen_future_example.py": ""}, requires=("jifen>=9.0",))
    site_dir.activate()
    assert line in cli("plugins", "list").output.splitlines()


def test_step_8_a_county_switches_it_on_and_off_with_the_commands_shown(cli, client):
    assert "环卫工人加分" not in client.get("/jiashan/").get_data(as_text=True)
    enabled = cli(*command("jifen plugins enable"))
    assert enabled.exit_code == 0 and "sanitation_bonus is on in jiashan" in enabled.output
    assert "环卫工人加分" in client.get("/jiashan/").get_data(as_text=True)
    assert "环卫工人加分" not in client.get("/haining/").get_data(as_text=True)
    listed = cli(*command("jifen plugins list"))
    assert re.search(r"^sanitation_bonus\t0\.1\.0\tsanitation_bonus\ton$", listed.output, flags=re.MULTILINE)
    assert cli(*command("jifen plugins disable")).exit_code == 0
    assert "环卫工人加分" not in client.get("/jiashan/").get_data(as_text=True)


@pytest.mark.parametrize("spec, body", blocks("scaffold"), ids=[s for s, _ in blocks("scaffold")])
def test_step_10_the_table_files_are_what_the_scaffold_writes(tmp_path, spec, body):
    options, path = spec.split(": ")
    name, kind, *flags = options.split()
    folder = generate(name, kind, tmp_path, with_tables="--with-tables" in flags)
    assert body == (folder / path).read_text(encoding="utf-8").rstrip("\n")


def test_step_12_every_fixture_and_marker_of_the_kit_is_documented():
    fixtures = {name for name, value in inspect.getmembers(pytest_plugin)
                if not name.startswith("_") and (type(value).__name__ == "FixtureFunctionDefinition"
                                                 or hasattr(value, "_pytestfixturefunction"))}
    fixtures -= {"jifen_database"}  # the parametrized database behind app, not for direct use
    assert {"app", "client", "client_as", "applicant_with_points", "install_plugin"} <= fixtures
    tables = GUIDE[GUIDE.index("## 12."):]
    for name in fixtures:
        assert f"| `{name}` |" in tables, f"fixture {name} is not in the guide's table"
    for marker in ("with_plugins", "postgres_only", "sqlite_only"):
        assert f"`@pytest.mark.{marker}" in tables
