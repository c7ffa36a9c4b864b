"""The accessibility check of the browser tests: axe-core (the npm package, package.json) injected into a page."""

from __future__ import annotations

import json
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
FAILING = ("serious", "critical")


def axe_available() -> bool:
    return AXE.is_file()


def violations(page, impacts=FAILING) -> list[dict]:
    """What axe finds on the page as it is now, at the given impacts (WCAG 2.1 A and AA rules)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(
        "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
        "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations")
    return [v for v in found if v.get("impact") in impacts]


def report(found: list[dict]) -> str:
    return json.dumps([{"id": v["id"], "impact": v["impact"], "help": v["help"],
                        "nodes": [n["target"] for n in v["nodes"][:5]]} for v in found], ensure_ascii=False, indent=1)
