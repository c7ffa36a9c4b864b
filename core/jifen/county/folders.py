"""Counties as folders: tenants/<slug>/tenant.toml (+ optional templates/ and static/).

``jifen tenants load [SLUG]`` creates or updates counties from these folders, idempotently: a second
run with the same files changes nothing and writes no audit record. Adding a county needs a folder
and that command, no code change. docs/administrator_guide.md describes the file.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit, clock
from jifen.county.enablement import InvalidPluginSettings, validate_settings
from jifen.county.switching import set_plugin_enabled
from jifen.models import Tenant, TenantHost
from jifen.plugin.manager import UnknownPlugin, require_installed
from jifen.points.rules import ensure_current_version
from jifen.county.tenancy import bind_tenant

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,39}$")
# First path segments the platform itself uses; no county may take them.
RESERVED_SLUGS = frozenset({"static", "platform", "api", "admin", "login", "logout", "healthz", "metrics", "theme", "docs"})
COLOR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
HOST_PATTERN = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$")


class TenantFolderError(ValueError):
    """A county folder is missing something or holds a bad value; the message names the file and field."""


@dataclass
class TenantSpec:
    slug: str
    name_zh: str
    name_en: str
    hotline: str
    hosts: list[str]
    primary_color: str
    accent_color: str
    logo: str | None
    settings: dict
    plugins: dict[str, dict] = field(default_factory=dict)  # name -> {"enabled": bool, "settings": {...}}


def read_spec(folder: Path) -> TenantSpec:
    path = folder / "tenant.toml"
    if not path.is_file():
        raise TenantFolderError(f"{path}: missing (every county folder holds a tenant.toml)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TenantFolderError(f"{path}: not valid TOML: {exc}") from None

    def need(mapping: dict, key: str, where: str) -> str:
        value = mapping.get(key)
        if not isinstance(value, str) or not value.strip():
            raise TenantFolderError(f"{path}: {where}{key} is required")
        return value.strip()

    slug = data.get("slug", folder.name)
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug) or slug in RESERVED_SLUGS:
        raise TenantFolderError(f"{path}: slug {slug!r} must be 2-40 lower-case letters, digits or '-', not reserved")
    names = data.get("names", {})
    theme = data.get("theme", {})
    for key in ("primary_color", "accent_color"):
        if key in theme and not COLOR_PATTERN.match(str(theme[key])):
            raise TenantFolderError(f"{path}: theme.{key} must look like #1a2b3c")
    logo = theme.get("logo")
    if logo is not None and not (folder / "static" / logo).is_file():
        raise TenantFolderError(f"{path}: theme.logo {logo!r} not found in {folder / 'static'}")
    hosts = [str(h).lower() for h in data.get("hosts", [])]
    for host in hosts:
        if not HOST_PATTERN.match(host):
            raise TenantFolderError(f"{path}: host name {host!r} is not valid")
    plugins = {}
    for name, entry in (data.get("plugins") or {}).items():
        if not isinstance(entry, dict):
            raise TenantFolderError(f"{path}: plugins.{name} must be a table")
        version = entry.get("settings_version")
        if version is not None and not (isinstance(version, int) and not isinstance(version, bool) and version >= 1):
            raise TenantFolderError(f"{path}: plugins.{name}.settings_version must be a whole number from 1")
        plugins[name] = {"enabled": bool(entry.get("enabled", True)), "settings": dict(entry.get("settings", {})),
                         # the plugin's settings version the folder is written for (None: the installed one's)
                         "settings_version": entry.get("settings_version")}
    settings = {k: v for k, v in data.items() if k not in {"slug", "names", "theme", "hosts", "plugins", "hotline"}}
    prefix = settings.get("reference_prefix")
    if prefix is not None and not (isinstance(prefix, str) and re.fullmatch(r"[A-Z]{2,4}", prefix)):
        raise TenantFolderError(f"{path}: reference_prefix must be 2 to 4 capital letters, such as \"JS\"")
    settings["calendar"] = _local_calendar(folder)
    return TenantSpec(
        slug=slug,
        name_zh=need(names, "zh", "names."),
        name_en=need(names, "en", "names."),
        hotline=need(data, "hotline", ""),
        hosts=hosts,
        primary_color=theme.get("primary_color", "#b71c1c"),
        accent_color=theme.get("accent_color", "#ffffff"),
        logo=logo,
        settings=settings,
        plugins=plugins,
    )


def _local_calendar(folder: Path) -> dict[str, list[str]]:
    """``calendar.toml`` of a county folder: its own days off and worked weekend days, as ISO dates."""
    path = folder / "calendar.toml"
    if not path.is_file():
        return {"days_off": [], "working_days": []}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise TenantFolderError(f"{path}: {exc}") from None
    local = {}
    for key in ("days_off", "working_days"):
        days = data.get(key, [])
        if not isinstance(days, list):
            raise TenantFolderError(f"{path}: {key} must be a list of dates such as 2026-11-11")
        try:
            local[key] = sorted({(d if isinstance(d, date) else date.fromisoformat(str(d))).isoformat() for d in days})
        except ValueError:
            raise TenantFolderError(f"{path}: {key} must be a list of dates such as 2026-11-11") from None
    unknown = sorted(set(data) - {"days_off", "working_days"})
    if unknown:
        raise TenantFolderError(f"{path}: unknown keys {unknown} (days_off, working_days)")
    return local


def tenant_folders(root: Path, slug: str | None = None) -> list[Path]:
    if slug is not None:
        folder = root / slug
        if not folder.is_dir():
            raise TenantFolderError(f"no county folder {folder}")
        return [folder]
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "tenant.toml").is_file())


def check_plugins(spec: TenantSpec) -> None:
    if "time_zone" in spec.settings:
        try:
            clock.zone(str(spec.settings["time_zone"]))
        except ValueError as exc:
            raise TenantFolderError(f"county {spec.slug}: time_zone: {exc}") from None
    for name, entry in spec.plugins.items():
        try:
            require_installed(name)
            validate_settings(name, entry["settings"], entry.get("settings_version"))
        except UnknownPlugin as exc:
            raise TenantFolderError(f"county {spec.slug}: {exc}") from None
        except InvalidPluginSettings as exc:
            raise TenantFolderError(f"county {spec.slug}: {exc}") from None


def apply_spec(session: Session, spec: TenantSpec, *, actor: str = "cli") -> tuple[Tenant, list[str]]:
    """Create or update one county from its spec; returns the county and what changed."""
    check_plugins(spec)
    tenant = session.scalar(select(Tenant).where(Tenant.slug == spec.slug))
    changes: list[str] = []
    created = tenant is None
    if created:
        tenant = Tenant(slug=spec.slug)
        session.add(tenant)
    for attr in ("name_zh", "name_en", "hotline", "primary_color", "accent_color", "logo", "settings"):
        value = getattr(spec, attr)
        if getattr(tenant, attr, None) != value:
            setattr(tenant, attr, value)
            changes.append(attr)
    session.flush()
    current_hosts = {h.host for h in tenant.hosts}
    if current_hosts != set(spec.hosts):
        taken = session.scalars(
            select(TenantHost).where(TenantHost.host.in_(spec.hosts), TenantHost.tenant_id != tenant.id)
        ).first()
        if taken is not None:
            raise TenantFolderError(f"county {spec.slug}: host {taken.host} already serves another county")
        tenant.hosts = [h for h in tenant.hosts if h.host in spec.hosts] + [
            TenantHost(host=h) for h in spec.hosts if h not in current_hosts
        ]
        changes.append("hosts")
    session.flush()
    with bind_tenant(tenant.ref()):
        for name, entry in sorted(spec.plugins.items()):
            if set_plugin_enabled(session, name, entry["enabled"], actor=actor, settings=entry["settings"],
                                  settings_version=entry.get("settings_version"), new_rule_version=False):
                changes.append(f"plugin:{name}")
        if created or any(not c.startswith("plugin:") for c in changes):
            audit.record(
                session,
                "tenant.created" if created else "tenant.updated",
                actor=actor,
                target_type="tenant",
                target_id=spec.slug,
                details={"changed": [c for c in changes if not c.startswith("plugin:")]},
            )
        ensure_current_version(session, actor=actor, note="county folder loaded")  # [scoring] may have changed
        session.flush()  # while the county is still bound
    return tenant, (["created"] if created else []) + changes
