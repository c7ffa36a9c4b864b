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


def test_a_request_reads_the_countys_plugins_once_and_not_again_while_they_are_unchanged(app, client):
    from jifen.county.lookup import forget_tenants

    with app.app_context():
        forget_tenants()
    assert enablement_reads(app, lambda: client.get("/jiashan/programs/school_enrollment")) == 1
    # The process keeps the county's context: the next requests read only its plugins revision.
    assert enablement_reads(app, lambda: client.get("/jiashan/programs/school_enrollment")) == 0
    assert enablement_reads(app, lambda: client.get("/jiashan/")) == 0
    assert enablement_reads(app, lambda: client.get("/haining/")) == 1  # another county: its own


def kept_contexts(app) -> dict:
    from jifen.county.context import _kept

    return _kept.get(app.extensions["jifen.db"].engine, {})


def test_a_switch_committed_anywhere_shows_on_the_next_request(app, client, county):
    """Another server (here: another session, and SQL written by hand) changes the plugins: the kept
    context is not used again, because the database changed the county's plugins revision."""
    from sqlalchemy import text

    from jifen.county.switching import set_plugin_enabled

    assert client.get("/jiashan/programs/family_planning").status_code == 404
    assert enablement_reads(app, lambda: client.get("/jiashan/")) == 0
    with county("jiashan") as session:
        set_plugin_enabled(session, "family_planning", True, actor="test")
        session.commit()
    assert client.get("/jiashan/programs/school_enrollment").status_code == 200
    assert "family_planning" in next(iter(
        c for _, _, c in kept_contexts(app).values() if c.tenant.slug == "jiashan")).enabled
    with county("jiashan") as session:  # a change that bypasses the application: the triggers see it too
        session.execute(text("UPDATE plugin_enablements SET enabled = :off WHERE plugin_name = 'family_planning'"),
                        {"off": False})
        session.commit()
    assert enablement_reads(app, lambda: client.get("/jiashan/")) == 1
    assert enablement_reads(app, lambda: client.get("/jiashan/")) == 0


def test_a_change_rolled_back_leaves_nothing_behind(app, county):
    """A binding that changed the plugins reads them through its own session; the revision its change
    made is never used again, so what it saw cannot pass for the county's plugins later."""
    from jifen.county.switching import set_plugin_enabled

    with county("jiashan") as session:
        before = current_county(session)
        set_plugin_enabled(session, "family_planning", True, actor="test")
        assert "family_planning" in current_county(session).enabled
        session.rollback()
    with county("jiashan") as session:
        assert "family_planning" not in current_county(session).enabled
        assert current_county(session).enabled == before.enabled
    with county("jiashan") as session:  # a change written but not through the switch: seen in its session
        from jifen.models import PluginEnablement

        row = session.get(PluginEnablement, (before.tenant.id, "school_enrollment"))
        row.enabled = False
        session.flush()
        assert "school_enrollment" not in current_county(session).enabled
        session.rollback()
    with county("jiashan") as session:
        assert "school_enrollment" in current_county(session).enabled


def test_the_revision_is_never_one_it_had_before(app, county):
    from sqlalchemy import select

    from jifen.county.switching import set_plugin_enabled
    from jifen.models import Tenant

    seen = []
    for on in (True, False, True, False):
        with county("jiashan") as session:
            set_plugin_enabled(session, "family_planning", on, actor="test")
            session.commit()
            seen.append(session.scalar(select(Tenant.plugins_revision).where(Tenant.slug == "jiashan")))
    assert len(set(seen)) == len(seen)


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


def test_a_county_just_read_brings_its_revision_and_a_kept_one_asks_for_it(app, client, monkeypatch):
    """Reading the county's row (every few seconds per process) gives its plugins revision too; between
    those reads each request asks for the revision alone."""
    import jifen.county.revisions as context
    from jifen.county.lookup import forget_tenants

    asked = []
    real = context.row_outside_transaction
    monkeypatch.setattr(context, "row_outside_transaction", lambda *a, **kw: asked.append(kw) or real(*a, **kw))
    client.get("/jiashan/")
    with app.app_context():
        forget_tenants()
    asked.clear()
    assert client.get("/jiashan/").status_code == 200
    assert asked == []  # the county's row was read in this request, with its revision
    assert client.get("/jiashan/").status_code == 200
    assert len(asked) == 1  # the county kept: one question, its revision
    client.get("/jiashan/programs/hukou_transfer")
    asked.clear()
    assert client.get("/jiashan/programs/hukou_transfer").status_code == 200
    assert len(asked) == 1  # the plugins and the rounds revisions in one question
