"""Switching plugins on and off per county, and validating the county's settings for them."""

from __future__ import annotations

from dataclasses import dataclass

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit
from jifen.models import PluginEnablement
from jifen.plugin import settings_versions
from jifen.plugin.manager import catalog, require_installed
from jifen.plugin.settings_versions import newest_schema
from jifen.county.tenancy import PLUGINS_CHANGED, binding_context, require_tenant


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
    query = (select(table.c.plugin_name, table.c.enabled, table.c.settings, table.c.settings_version)
             .where(table.c.tenant_id == require_tenant().id))
    rows = session.connection().execute(query).all()
    enabled = frozenset(name for name, on, _, _ in rows if on and name in installed)
    stored = {name: StoredSettings(dict(settings or {}), version) for name, _, settings, version in rows}
    return enabled, stored


@dataclass(frozen=True)
class StoredSettings:
    """A county's settings of one plugin as stored, and the settings version they were stored under."""

    values: dict
    version: int | None = None  # None: stored before settings had versions (version 1)


def plugin_settings_schema(plugin: str) -> type[ma.Schema] | None:
    """The settings schema of ``plugin`` whose version the county's stored settings are kept at."""
    info = catalog().get(plugin)
    return newest_schema(d.settings_schema for d in (*info.programs, *info.score_items)) if info else None


def current_settings(plugin: str, stored: StoredSettings) -> dict:
    """``stored`` migrated to the installed plugin's settings version (not loaded: the stored JSON form).

    Raises :class:`jifen.plugin.settings_versions.SettingsUnavailable` when they cannot be migrated.
    """
    schema = plugin_settings_schema(plugin)
    if schema is None:
        return dict(stored.values)
    return settings_versions.migrate(schema, stored.values, stored.version, key=plugin)


def validate_settings(plugin: str, settings: dict, version: int | None = None) -> dict:
    """Check ``settings`` with the schema of each declaration of ``plugin``; raise with the messages.

    ``version``: the settings version they are written for (a county folder's ``settings_version``),
    migrated first; None: the installed plugin's. Returns the settings as stored at the installed
    version (the schema's JSON form, defaults filled in); plugins load them again.
    """
    info = catalog()[plugin]
    schema = plugin_settings_schema(plugin)
    try:
        cleaned = settings_versions.migrate(schema, settings, version, key=plugin) if version and schema else dict(settings)
    except settings_versions.SettingsUnavailable as exc:
        raise InvalidPluginSettings(plugin, exc.reason) from None
    for declaration in (*info.programs, *info.score_items):
        schema = declaration.settings_schema()
        try:
            cleaned = schema.dump(schema.load(cleaned))
        except ma.ValidationError as exc:
            raise InvalidPluginSettings(plugin, exc.messages) from None
    return cleaned


def store_enablement(
    session: Session, name: str, enabled: bool, *, actor: str, settings: dict | None = None,
    settings_version: int | None = None,
) -> bool:
    """Store the switch and settings of ``name`` for the bound county; returns whether anything changed.

    Audited. Callers go through :func:`jifen.county.switching.set_plugin_enabled`, which also makes
    the rule version a score item plugin's change needs.
    """
    require_installed(name)
    row = session.get(PluginEnablement, _key(session, name))
    schema = plugin_settings_schema(name)
    version = settings_versions.version_of(schema) if schema else 1
    switching_only = settings is None and row is not None
    if switching_only:  # the stored settings, brought up to date
        settings, settings_version = row.settings, row.settings_version or 1
    try:
        cleaned = validate_settings(name, settings if settings is not None else {}, settings_version)
    except InvalidPluginSettings:
        if not (switching_only and not enabled):
            raise
        # Switching off never fails: settings the installed plugin cannot read are kept as they are.
        cleaned, version = dict(row.settings), row.settings_version or 1
    before_settings = dict(row.settings) if row is not None else None
    switched = row is None or row.enabled != enabled
    settings_changed = row is not None and (row.settings != cleaned or (row.settings_version or 1) != version)
    if row is None:
        row = PluginEnablement(plugin_name=name, enabled=enabled, settings=cleaned, settings_version=version)
        session.add(row)
    elif switched or settings_changed:
        row.enabled = enabled
        row.settings = cleaned
        row.settings_version = version
    changed = switched or settings_changed
    if changed:
        action = ("plugin.enabled" if enabled else "plugin.disabled") if switched else "plugin.settings_changed"
        details = {"before": before_settings, "after": cleaned} if settings_changed else {}
        audit.record(session, action, actor=actor, target_type="plugin", target_id=name, details=details)
        binding_context.set(PLUGINS_CHANGED)  # the County context of this binding is out of date
    return changed


def _key(session: Session, name: str) -> tuple[int, str]:
    return (require_tenant().id, name)
