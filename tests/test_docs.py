"""Documentation that must keep up with the code (Datasette's test_docs habit)."""

import inspect
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
