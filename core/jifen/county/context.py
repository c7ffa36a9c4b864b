"""The County context: what the bound county offers, made once per binding.

A binding (a request, a CLI command, a job, a test's ``bind_tenant``) gets one :class:`County` the
first time anything asks for it: the tenant, its enabled plugins, their hook caller, the score item
types and the programs they declare. Nothing else reads enablement or builds hook callers. Switching
a plugin inside the binding (an administrator's request, a test) forgets it, so the next question
sees the change; other bindings see it when they are next made, as the next request does.

Each process keeps the context it made for a county and gives it to the next binding as long as the
county's plugins revision (``tenants.plugins_revision``, changed by the database with every write to
its plugin switches and settings, never back to an earlier value) is the one it was made at. A request
therefore reads one number, outside any transaction, instead of every plugin's settings; a plugin
switched on any server still shows on the next request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from weakref import WeakKeyDictionary

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from jifen.county.enablement import StoredSettings, current_settings, read_enablement
from jifen.county.revisions import revision
from jifen.county.tenancy import PLUGINS_CHANGED, TenantRef, binding_context, require_tenant
from jifen.plugin.kinds import ScoreItemType, ServiceProgram
from jifen.plugin import settings_versions
from jifen.plugin.manager import CountyHooks, catalog, catalog_generation, county_programs, county_score_items, plugin_of
from jifen.plugin.settings_versions import SettingsUnavailable


@dataclass(frozen=True)
class County:
    """One county as the platform serves it now."""

    tenant: TenantRef
    enabled: frozenset[str]
    stored: dict[str, StoredSettings] = field(default_factory=dict, compare=False)  # plugin name -> as stored
    # The county's plugins revision it was read at (None: made for a given set, never read): a key for
    # what depends on the plugins and their settings, such as a kept page.
    revision: int | None = field(default=None, compare=False)
    hooks: CountyHooks = field(init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "hooks", CountyHooks(self.enabled))

    def settings_of(self, plugin: str | None) -> dict:
        """The county's settings of ``plugin`` at the installed plugin's settings version (a copy; empty
        when it has none). Settings that cannot be migrated are given as stored, and named by
        :attr:`settings_problems`."""
        if not plugin or plugin not in self.stored:
            return {}
        migrated = self._migrated.get(plugin)
        return dict(migrated if migrated is not None else self.stored[plugin].values)

    def stored_version(self, plugin: str) -> int:
        """The settings version the county's settings of ``plugin`` are stored under (1 if unversioned)."""
        found = self.stored.get(plugin)
        return (found.version or 1) if found else 1

    def settings_version_of(self, plugin: str | None, schema) -> int:
        """The settings version :meth:`settings_of` gives ``plugin``'s settings at, for ``schema``:
        the installed one, or the stored one when they cannot be migrated."""
        if plugin and plugin in self.stored and self._migrated.get(plugin) is None:
            return self.stored_version(plugin)
        return settings_versions.version_of(schema)

    @cached_property
    def _migrated(self) -> dict[str, dict | None]:
        migrated: dict[str, dict | None] = {}
        for plugin, stored in self.stored.items():
            try:
                migrated[plugin] = current_settings(plugin, stored)
            except SettingsUnavailable:
                migrated[plugin] = None
        return migrated

    @cached_property
    def settings_problems(self) -> dict[str, str]:
        """Enabled plugins whose stored settings the installed plugin cannot read: plugin -> why (English)."""
        problems = {}
        for plugin in sorted(self.enabled):
            stored = self.stored.get(plugin)
            if stored is None:
                continue
            try:
                values = current_settings(plugin, stored)
                for declaration in self._declared_by(plugin):
                    settings_versions.load_current(declaration.settings_schema, values, key=declaration.key)
            except SettingsUnavailable as exc:
                problems[plugin] = exc.reason
        return problems

    def _declared_by(self, plugin: str) -> tuple:
        info = catalog().get(plugin)
        return (*info.programs, *info.score_items) if info else ()

    def available(self, key: str) -> bool:
        """Whether the program or score item ``key`` can be served: its plugin's settings load."""
        return plugin_of(key) not in self.settings_problems

    @cached_property
    def programs(self) -> tuple[ServiceProgram, ...]:
        return county_programs(self.enabled)

    @cached_property
    def score_items(self) -> tuple[ScoreItemType, ...]:
        return county_score_items(self.enabled)

    @cached_property
    def programs_by_key(self) -> dict[str, ServiceProgram]:
        return {p.key: p for p in self.programs}

    @cached_property
    def item_types(self) -> dict[str, ScoreItemType]:
        return {t.key: t for t in self.score_items}


def current_county(session: Session | None = None) -> County:
    """The bound county's context, made on first use in this binding (``session`` to read it with)."""
    tenant = require_tenant()
    found = binding_context.get()
    if isinstance(found, County) and found.tenant.id == tenant.id:
        return found
    if session is None:
        from jifen.db.session import get_session  # the application context's session

        session = get_session()
    made = _county_of(session, tenant, may_keep=found is not PLUGINS_CHANGED)
    binding_context.set(made)
    return made


# Per database engine: county id -> (plugins revision, catalog generation, the context made then).
_kept: WeakKeyDictionary[Engine, dict[int, tuple[int, int, County]]] = WeakKeyDictionary()


def _county_of(session: Session, tenant: TenantRef, *, may_keep: bool) -> County:
    """The process's kept context when the county's plugins revision is still the one it was made at;
    else one read through ``session`` (and kept). Not kept: after this binding changed the plugins."""
    bind = session.get_bind()
    kept = _kept.setdefault(bind, {}) if may_keep and isinstance(bind, Engine) else None
    plugins_revision = revision(session, tenant, "plugins_revision")
    if kept is None:
        return _read(session, tenant, plugins_revision)
    generation = catalog_generation()
    found = kept.get(tenant.id)
    if found is not None and found[:2] == (plugins_revision, generation) and found[2].tenant == tenant:
        return found[2]
    # Read after the revision: the rows are at least as new as it says, so a newer revision is never
    # taken for them (at worst a later request reads them once more).
    made = _read(session, tenant, plugins_revision)
    kept[tenant.id] = (plugins_revision, generation, made)
    return made


def _read(session: Session, tenant: TenantRef, plugins_revision: int | None) -> County:
    enabled, stored = read_enablement(session)
    return County(tenant=tenant, enabled=enabled, stored=stored, revision=plugins_revision)


def forget_county() -> None:
    """Drop the binding's context (its plugins changed); the next :func:`current_county` reads it again
    through the binding's session, which sees the change before it is committed."""
    binding_context.set(PLUGINS_CHANGED)


def county_for(tenant: TenantRef, enabled: frozenset[str]) -> County:
    """A context for a given set of plugins (the conformance check, what-if pages); never cached."""
    return County(tenant=tenant, enabled=frozenset(enabled))


def enabled_plugin_names(session: Session | None = None) -> frozenset[str]:
    """The bound county's enabled plugins (what the deprecated ``jifen.enablement`` name gives)."""
    return current_county(session).enabled
