"""Layers without cycles: the import graph of core/jifen and plugins/jifen_plugins against the rules
of docs/architecture.md (each package's line says what it may import)."""

from __future__ import annotations

import re

import pytest

from tests.architecture.import_graph import ROOT, read_graph, unit_of

ARCHITECTURE = ROOT / "docs" / "architecture.md"
# Request handling and the command line, above the domain; the plugin authors' module; the factory.
INTERFACES = {"web", "api", "http", "cli", "testing", "scaffold", "toolkit", "app"}
DEPRECATED = "jifen.plugin.deprecation"  # old module paths keep only a moved() __getattr__


@pytest.fixture(scope="module")
def graph():
    return read_graph()


def documented_rules() -> dict[str, set[str]]:
    """``unit -> units it may import`` from the tree of docs/architecture.md: lines such as
    ``  points/   applications, ...   | imports: audit calendar ...`` (``-`` for nothing)."""
    rules: dict[str, set[str]] = {}
    current = None
    for line in ARCHITECTURE.read_text(encoding="utf-8").splitlines():
        entry = re.match(r"^  (?:jifen/__init__\.py|([a-z_]+)(?:/|\.py))\s", line)
        if entry:
            current = entry.group(1) or "jifen"
        allowed = re.search(r"\|\s*imports:\s*(.*)$", line)
        if allowed and current:  # on the entry's line or on its continuation
            rules[current] = set() if allowed.group(1).strip() == "-" else set(allowed.group(1).split())
            current = None
    return rules


def core_imports(graph) -> dict[str, set[str]]:
    """unit -> the other units of the core it imports (deprecated shims aside)."""
    found: dict[str, set[str]] = {}
    for module, targets in graph.edges.items():
        if not module.startswith("jifen.") and module != "jifen":
            continue
        if _is_shim(graph, module):
            continue
        for target in targets:
            if target.startswith("jifen") and not target.startswith("jifen_plugins") and unit_of(target) != unit_of(module):
                found.setdefault(unit_of(module), set()).add(unit_of(target))
    return found


def _is_shim(graph, module: str) -> bool:
    return DEPRECATED in graph.imports_of(module) and "__getattr__ = moved(" in graph.modules[module].read_text()


def test_there_is_no_import_cycle(graph):
    assert graph.cycles() == []


def test_the_domain_imports_neither_pages_nor_the_api_nor_the_command_line(graph):
    wrong = sorted(f"{unit} -> {target}" for unit, targets in core_imports(graph).items() if unit not in INTERFACES
                   for target in targets if target in INTERFACES)
    assert not wrong


def test_pages_and_the_api_do_not_import_each_other(graph):
    imports = core_imports(graph)
    assert "api" not in imports.get("web", set())
    assert "web" not in imports.get("api", set())
    assert not imports.get("http", set()) & {"web", "api", "cli"}


def test_the_core_never_imports_the_toolkit_nor_a_plugin(graph):
    users = sorted(m for m, targets in graph.edges.items() if m.startswith("jifen.") and not _is_shim(graph, m)
                   and m != "jifen.toolkit" and any(t == "jifen.toolkit" or t.startswith("jifen_plugins") for t in targets))
    assert not users


def test_built_in_plugins_import_only_the_toolkit(graph):
    wrong = sorted(f"{m} -> {t}" for m, targets in graph.edges.items() if m.startswith("jifen_plugins")
                   for t in targets if t.startswith("jifen.") and t != "jifen.toolkit")
    assert not wrong


def test_every_package_is_in_the_architecture_page_and_keeps_to_its_line(graph):
    rules = documented_rules()
    units = {unit_of(m) for m in graph.modules if m.split(".")[0] == "jifen" and not _is_shim(graph, m)}
    assert units - set(rules) == set(), "docs/architecture.md lacks a line for these packages"
    assert set(rules) - units == set(), "docs/architecture.md lists packages that do not exist"
    beyond = sorted(f"{unit} imports {sorted(targets - rules[unit])}" for unit, targets in core_imports(graph).items()
                    if targets - rules[unit])
    assert not beyond, "imports the architecture page does not allow"


def test_the_rules_can_fail(tmp_path):
    """The graph reader sees imports inside functions, and the cycle finder reports them."""
    from tests.architecture.import_graph import Graph

    cyclic = Graph(modules={"jifen.a": tmp_path, "jifen.b": tmp_path},
                   edges={"jifen.a": {"jifen.b"}, "jifen.b": {"jifen.a"}})
    assert cyclic.cycles() == [["jifen.a", "jifen.b"]]
    graph = read_graph()
    assert "jifen.points.rules" in graph.imports_of("jifen.county.switching")
