"""Switching a plugin for a county: the enablement row, its audit record, and the rule version it makes."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jifen.county.enablement import store_enablement
from jifen.plugin.manager import catalog
from jifen.points.rules import ensure_current_version


def makes_rule_version(name: str) -> bool:
    """Switching ``name`` changes the county's scoring rules: it declares score items."""
    return bool(catalog()[name].score_items)


def set_plugin_enabled(
    session: Session, name: str, enabled: bool, *, actor: str, settings: dict | None = None,
    settings_version: int | None = None, new_rule_version: bool = True,
) -> bool:
    """Switch ``name`` for the bound county; returns whether anything changed. Audited.

    ``settings_version``: the plugin's settings version ``settings`` are written for (migrated first).
    A change to a score item plugin makes a new rule version, unless the caller makes one itself
    after several changes (``new_rule_version=False``, as loading a county folder does).
    """
    changed = store_enablement(session, name, enabled, actor=actor, settings=settings,
                               settings_version=settings_version)
    if changed and new_rule_version and makes_rule_version(name):
        session.flush()
        ensure_current_version(session, actor=actor, note=f"plugin {name} {'on' if enabled else 'off'}")
    return changed
