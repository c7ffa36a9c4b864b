"""The County context: made once per binding, the only reader of enablement and maker of hook callers."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlalchemy import event

from jifen.county.context import current_county

ROOT = Path(__file__).resolve().parents[2]
CONTEXT = ROOT / "core" / "jifen" / "county" / "context.py"


def calls_to(name: str) -> list[str]:
    found = []
    for file in sorted((ROOT / "core" / "jifen").rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", None)
                if called == name:
                    found.append(str(file.relative_to(ROOT)))
    return sorted(set(found))


def test_only_the_context_reads_enablement_and_builds_hook_callers():
    assert calls_to("read_enablement") == [str(CONTEXT.relative_to(ROOT))]
    # The manager keeps one caller per set of enabled plugins; the context asks it for the county's.
    assert calls_to("CountyHooks") == sorted([str(CONTEXT.relative_to(ROOT)), "core/jifen/plugin/manager.py"])


def enablement_reads(app, work) -> int:
    engine = app.extensions["jifen.db"].engine
    seen = []

    def count(conn, cursor, statement, *args):
        if "plugin_enablements" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        work()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def test_a_request_reads_the_countys_plugins_once(app, client):
    client.get("/jiashan/programs/school_enrollment")  # warm the page's other caches
    assert enablement_reads(app, lambda: client.get("/jiashan/programs/school_enrollment")) == 1


def test_one_binding_one_context_and_a_switch_is_seen_at_once(county):
    from jifen.county.switching import set_plugin_enabled

    with county("jiashan") as session:
        first = current_county(session)
        assert current_county(session) is first
        assert "family_planning" not in first.enabled
        set_plugin_enabled(session, "family_planning", True, actor="test")
        after = current_county(session)
        assert after is not first and "family_planning" in after.enabled
        assert "family_planning" in after.item_types
        assert any(p.key == "school_enrollment" for p in after.programs)
    with county("haining") as session:
        assert current_county(session).tenant.slug == "haining"
        assert "family_planning" not in current_county(session).enabled
