"""Switching plugins on and off per county, and validating the county's settings for them."""

from __future__ import annotations

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit
from jifen.models import PluginEnablement
from jifen.plugin.manager import catalog, require_installed
from jifen.county.tenancy import binding_context, require_tenant


class InvalidPluginSettings(ValueError):
    def __init__(self, plugin: str, messages) -> None:
        super().__init__(f"settings for plugin {plugin!r} are invalid: {messages}")
        self.plugin = plugin
        self.messages = messages


def read_enablement(session: Session) -> tuple[frozenset[str], dict[str, dict]]:
    """The bound county's enabled plugins (those installed here) and every stored plugin's settings.

    One core select per binding, made by :func:`jifen.county.context.current_county` (nothing else
    reads this table for a page): on the session's connection, scoped by hand (the ORM hook would add
    the same criterion) and by row-level security on PostgreSQL.
    """
    installed = catalog()
    table = PluginEnablement.__table__
    query = select(table.c.plugin_name, table.c.enabled, table.c.settings).where(table.c.tenant_id == require_tenant().id)
    rows = session.connection().execute(query).all()
    enabled = frozenset(name for name, on, _ in rows if on and name in installed)
    return enabled, {name: dict(settings or {}) for name, _, settings in rows}


def validate_settings(plugin: str, settings: dict) -> dict:
    """Check ``settings`` with the schema of each declaration of ``plugin``; raise with the messages.

    Returns the settings as stored (the schema's JSON form, defaults filled in); plugins load them again.
    """
    info = catalog()[plugin]
    cleaned = dict(settings)
    for declaration in (*info.programs, *info.score_items):
        schema = declaration.settings_schema()
        try:
            cleaned = schema.dump(schema.load(cleaned))
        except ma.ValidationError as exc:
            raise InvalidPluginSettings(plugin, exc.messages) from None
    return cleaned


def store_enablement(
    session: Session, name: str, enabled: bool, *, actor: str, settings: dict | None = None,
) -> bool:
    """Store the switch and settings of ``name`` for the bound county; returns whether anything changed.

    Audited. Callers go through :func:`jifen.county.switching.set_plugin_enabled`, which also makes
    the rule version a score item plugin's change needs.
    """
    require_installed(name)
    row = session.get(PluginEnablement, _key(session, name))
    cleaned = validate_settings(name, settings if settings is not None else (row.settings if row else {}))
    before_settings = dict(row.settings) if row is not None else None
    switched = row is None or row.enabled != enabled
    settings_changed = row is not None and row.settings != cleaned
    if row is None:
        row = PluginEnablement(plugin_name=name, enabled=enabled, settings=cleaned)
        session.add(row)
    elif switched or settings_changed:
        row.enabled = enabled
        row.settings = cleaned
    changed = switched or settings_changed
    if changed:
        action = ("plugin.enabled" if enabled else "plugin.disabled") if switched else "plugin.settings_changed"
        details = {"before": before_settings, "after": cleaned} if settings_changed else {}
        audit.record(session, action, actor=actor, target_type="plugin", target_id=name, details=details)
        binding_context.set(None)  # the County context of this binding is out of date
    return changed


def _key(session: Session, name: str) -> tuple[int, str]:
    return (require_tenant().id, name)
