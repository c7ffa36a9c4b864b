"""The import graph of core/jifen and plugins/jifen_plugins, read from the sources with ast.

Every import counts, at module level or inside a function (a lazy import hides a cycle, it does not
remove it), except those under ``if TYPE_CHECKING:``, which never run.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE_ROOTS = {"jifen": ROOT / "core" / "jifen", "jifen_plugins": ROOT / "plugins" / "jifen_plugins"}


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in SOURCE_ROOTS.items():
        for file in folder.rglob("*.py"):
            parts = list(file.relative_to(folder).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join([package, *parts])] = file
    return found


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for child in node.body:
                skipped.update(id(n) for n in ast.walk(child))
    return skipped


@dataclass
class Graph:
    modules: dict[str, Path]
    edges: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def imports_of(self, module: str) -> set[str]:
        return self.edges.get(module, set())

    def cycles(self) -> list[list[str]]:
        """Strongly connected components of more than one module (Tarjan), each sorted."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        found: list[list[str]] = []

        def visit(node: str) -> None:
            index[node] = low[node] = len(index)
            stack.append(node)
            on_stack.add(node)
            for target in sorted(self.edges.get(node, ())):
                if target not in index:
                    visit(target)
                    low[node] = min(low[node], low[target])
                elif target in on_stack:
                    low[node] = min(low[node], index[target])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

        for module in sorted(self.modules):
            if module not in index:
                visit(module)
        return found


def read_graph() -> Graph:
    modules = _modules()
    graph = Graph(modules)
    for module, file in modules.items():
        tree = ast.parse(file.read_text(encoding="utf-8"), filename=str(file))
        skipped = _type_checking_nodes(tree)
        for node in ast.walk(tree):
            if id(node) in skipped:
                continue
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"  # `from jifen import audit` imports jifen.audit
                    targets.append(full if full in modules else node.module)
            for target in targets:
                if target.split(".")[0] in SOURCE_ROOTS and target != module:
                    graph.edges[module].add(target)
    return graph


def unit_of(module: str) -> str:
    """The package (or top-level module) of the core a module belongs to: jifen.points.review -> points."""
    parts = module.split(".")
    if parts[0] != "jifen":
        return parts[0]
    return parts[1] if len(parts) > 1 else "jifen"
