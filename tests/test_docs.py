"""Documentation that must keep up with the code (Datasette's test_docs habit)."""

import inspect
import sys
import re
from pathlib import Path

import pytest

from jifen.plugin import hookspecs

DOCS = Path(__file__).parent.parent / "docs"


def hook_specs():
    return [
        (name, fn) for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if hasattr(fn, "jifen_spec")
    ]


def test_there_are_hooks():
    assert {name for name, _ in hook_specs()} >= {"register_service_programs", "register_score_item_types"}


@pytest.mark.parametrize("name, fn", hook_specs(), ids=[n for n, _ in hook_specs()])
def test_every_hook_has_a_section_with_its_exact_signature(name, fn):
    text = (DOCS / "plugin_hooks.md").read_text(encoding="utf-8")
    signature = f"{name}({', '.join(inspect.signature(fn).parameters)})"
    headings = re.findall(r"^## (.+)$", text, flags=re.MULTILINE)
    assert f"{signature}" in [h.strip().strip("`") for h in headings], f"docs/plugin_hooks.md lacks '## {signature}'"


def test_every_environment_variable_is_documented():
    sources = "\n".join(p.read_text(encoding="utf-8") for p in (Path(hookspecs.__file__).parents[1]).rglob("*.py"))
    names = set(re.findall(r'(?:os\.environ|\benv)\.get\("([A-Z_]+)"', sources))
    names |= set(re.findall(r'os\.environ\["([A-Z_]+)"\]', sources))
    assert "SECRET_KEY" in names and "DATABASE_URL" in names
    documented = (DOCS / "configuration.md").read_text(encoding="utf-8")
    missing = sorted(n for n in names if n not in documented)
    assert not missing, f"docs/configuration.md does not mention {missing}"


# --------------------------------------------------------------------------- drift: tables against the code


def summary_table() -> dict[str, set[str]]:
    """The hook reference's summary table: ``signature -> built-in plugins named as using it``."""
    text = (DOCS / "plugin_hooks.md").read_text(encoding="utf-8")
    rows = {}
    for cells in re.findall(r"^\| \[`([a-z_]+\([^)]*\))`\]\(#[^)]*\) \|[^|]*\| ([^|]*) \|$", text, flags=re.MULTILINE):
        signature, users = cells
        rows[signature] = set() if users.strip() == "none" else set(re.findall(r"`([a-z_]+)`", users))
    return rows


def built_in_users(hook_name: str) -> set[str]:
    from importlib.metadata import entry_points

    from jifen.plugin.manager import load_installed_plugins, pm

    load_installed_plugins()
    built_in = {ep.name for ep in entry_points(group="jifen.plugins") if ep.value.startswith("jifen_plugins.")}
    return {impl.plugin_name for impl in getattr(pm.hook, hook_name).get_hookimpls()} & built_in


def test_the_summary_table_lists_every_hook_and_who_uses_it():
    table = summary_table()
    signatures = {f"{name}({', '.join(inspect.signature(fn).parameters)})": name for name, fn in hook_specs()}
    assert set(table) == set(signatures), "docs/plugin_hooks.md's summary table and the hookspecs differ"
    wrong = {sig: (sorted(table[sig]), sorted(built_in_users(name))) for sig, name in signatures.items()
             if table[sig] != built_in_users(name)}
    assert not wrong, f"'Built-in plugins using it' (documented, actual): {wrong}"


def test_the_summary_table_check_fails_on_a_removed_hook(monkeypatch):
    table = summary_table()
    removed = dict(table)
    removed.pop(next(iter(removed)))
    monkeypatch.setattr(sys.modules[__name__], "summary_table", lambda: removed)
    with pytest.raises(AssertionError, match="summary table and the hookspecs differ"):
        test_the_summary_table_lists_every_hook_and_who_uses_it()


def field_table(heading: str) -> list[str]:
    text = (DOCS / "plugin_hooks.md").read_text(encoding="utf-8")
    section = text.split(f"### {heading}\n", 1)[1]
    table = section[section.index("| Field |"):].split("\n\n", 1)[0]  # the first table of the section
    return re.findall(r"^\| `([a-z_]+)` \|", table, flags=re.MULTILINE)


@pytest.mark.parametrize("kind", ["ScoreItemType", "ServiceProgram"])
def test_the_field_tables_of_the_kinds_are_their_dataclass_fields(kind):
    import dataclasses

    from jifen import toolkit

    fields = [f.name for f in dataclasses.fields(getattr(toolkit, kind)) if not f.name.startswith("_")]
    assert field_table(kind) == fields


def test_the_toolkit_reference_lists_every_name_of_the_toolkit():
    from jifen import toolkit

    text = (DOCS / "plugin_hooks.md").read_text(encoding="utf-8")
    section = text.split("## The toolkit: every name of `jifen.toolkit`\n", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `([A-Za-z_]+)` \|", section, flags=re.MULTILINE)
    assert sorted(listed) == sorted(toolkit.__all__), sorted(set(listed) ^ set(toolkit.__all__))
    assert all(hasattr(toolkit, name) for name in listed)


def test_the_architecture_page_lists_every_built_in_plugin():
    from importlib.metadata import entry_points

    text = (DOCS / "architecture.md").read_text(encoding="utf-8")
    line = re.search(r"^plugins/jifen_plugins/\s+.*?: (.*)$", text, flags=re.MULTILINE)
    assert line, "docs/architecture.md has no plugins/jifen_plugins/ line"
    listed = {name.strip() for name in line.group(1).split(",")}
    built_in = {ep.name for ep in entry_points(group="jifen.plugins") if ep.value.startswith("jifen_plugins.")}
    assert listed == built_in


# --------------------------------------------------------------------------- drift: the command line's --help


ADMIN_GUIDE = DOCS / "administrator_guide.md"
FLASK_COMMANDS = {"routes", "run", "shell", "limiter"}  # Flask's and Flask-Limiter's own
SAME_GROUPS = {"plugins": "plugin", "plugin": "plugins"}  # one group under two names


def cli_commands(app):
    import click

    from jifen.cli import cli

    with app.app_context():
        ctx = click.Context(cli)

        def walk(group, prefix):
            for name in sorted(group.list_commands(ctx)):
                command = group.get_command(ctx, name)
                path = (*prefix, name)
                if isinstance(command, click.Group):
                    yield from walk(command, path)
                elif command is not None:
                    yield path, command

        return [(path, command) for path, command in walk(cli, ()) if path[0] not in FLASK_COMMANDS]


def test_every_command_and_option_is_in_the_administrator_guide(app):
    import click

    guide = ADMIN_GUIDE.read_text(encoding="utf-8").splitlines()
    problems = []
    for path, command in cli_commands(app):
        names = {" ".join(path), " ".join((SAME_GROUPS.get(path[0], path[0]), *path[1:]))}
        rows = [line for line in guide if any(f"`jifen {name} " in line or f"`jifen {name}`" in line for name in names)]
        if not rows:
            problems.append(f"jifen {' '.join(path)}: no row")
            continue
        for option in command.params:
            if isinstance(option, click.Option) and not any(o in row for o in option.opts for row in rows):
                problems.append(f"jifen {' '.join(path)}: {option.opts[0]} not described")
    assert not problems


def test_every_command_the_guide_names_exists(app):
    known = {" ".join(path) for path, _ in cli_commands(app)}
    known |= {" ".join((SAME_GROUPS.get(p[0], p[0]), *p[1:])) for p in (path for path, _ in cli_commands(app))}
    groups = {path[0] for path, _ in cli_commands(app)} | set(SAME_GROUPS.values())
    named = set()
    for words in re.findall(r"`jifen ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)*)", ADMIN_GUIDE.read_text(encoding="utf-8")):
        parts = words.split()
        if parts[0] in groups:
            # the longest prefix that is a command, or the group itself
            for size in range(len(parts), 0, -1):
                if " ".join(parts[:size]) in known or size == 1:
                    named.add(" ".join(parts[:size]))
                    break
    unknown = sorted(n for n in named if n not in known and n not in groups)
    assert not unknown
