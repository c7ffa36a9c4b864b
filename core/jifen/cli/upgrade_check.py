"""``jifen plugins upgrade-check``: can the installed plugins read every county's stored settings?

Before an upgrade hits anyone: for every county, the settings stored for each plugin (the enablement
row) and the settings of every rule version, frozen ones included, are migrated from the settings
version they were stored under and loaded through the installed plugin's schema. Each one that fails is
named with its county, where it is stored and its settings version. ``jifen plugin check`` runs the
same for the plugin it checks.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.county.enablement import plugin_settings_schema
from jifen.county.tenancy import bind_tenant
from jifen.models import PluginEnablement, RuleVersion, Tenant
from jifen.plugin import settings_versions
from jifen.plugin.manager import catalog, plugin_of


@dataclass(frozen=True)
class Finding:
    """One stored settings dict that the installed plugin cannot read."""

    county: str
    plugin: str
    where: str  # "county settings" or "rule version N"
    stored_version: int
    reason: str

    def line(self) -> str:
        return (f"FAIL {self.county}: {self.plugin}: {self.where} (settings version {self.stored_version}): "
                f"{self.reason}")


@dataclass
class Checked:
    findings: list[Finding]
    read: int = 0  # stored settings dicts read successfully


def _declarations(plugin: str) -> tuple:
    info = catalog().get(plugin)
    return (*info.programs, *info.score_items) if info else ()


def _check_county(session: Session, slug: str, only: str | None, checked: Checked) -> None:
    for row in session.scalars(select(PluginEnablement).order_by(PluginEnablement.plugin_name)):
        name = row.plugin_name
        if name not in catalog() or (only and name != only):
            continue
        try:
            values = settings_versions.migrate(plugin_settings_schema(name), row.settings or {}, row.settings_version,
                                               key=name)
            for declaration in _declarations(name):
                settings_versions.load_current(declaration.settings_schema, values, key=declaration.key)
            checked.read += 1
        except settings_versions.SettingsUnavailable as exc:
            checked.findings.append(Finding(slug, name, "county settings", row.settings_version or 1, exc.reason))
    item_types = {i.key: i for info in catalog().values() for i in info.score_items}
    for version in session.scalars(select(RuleVersion).order_by(RuleVersion.version)):
        versions = (version.rules or {}).get("settings_versions") or {}
        for key, stored in sorted(((version.rules or {}).get("items") or {}).items()):
            name = plugin_of(key)
            if key not in item_types or (only and name != only):
                continue
            try:
                settings_versions.load(item_types[key].settings_schema, stored, versions.get(key), key=key)
                checked.read += 1
            except settings_versions.SettingsUnavailable as exc:
                checked.findings.append(Finding(slug, name or key, f"rule version {version.version}",
                                                int(versions.get(key) or 1), exc.reason))


def upgrade_check(session: Session, plugin: str | None = None) -> Checked:
    """Every county's stored settings (of ``plugin``, or of every installed plugin) under the installed code."""
    checked = Checked(findings=[])
    for tenant in session.scalars(select(Tenant).order_by(Tenant.slug)).all():
        with bind_tenant(tenant.ref()):
            _check_county(session, tenant.slug, plugin, checked)
    return checked
