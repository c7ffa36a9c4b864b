"""A county's scoring rules, versioned.

The rules in force are a snapshot of the settings of every enabled score item type and of the
county's ``[scoring]`` settings. Whenever they change (a plugin switched, a points value edited on
the admin page, a county folder reloaded) :func:`ensure_current_version` stores a new version; old
versions, and the ledger rows made under them, are never rewritten.
"""

from __future__ import annotations


from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import clock
from jifen.county.context import current_county

from jifen import audit
from jifen.models import RuleVersion
from jifen.plugin.manager import installed_plugins, plugin_of
from jifen.plugin.kinds import ScoreItemType
from jifen.points.scoring import Rules, ScoringSettings
from jifen.county.tenancy import require_tenant


def county_item_types(session: Session) -> dict[str, ScoreItemType]:
    return {t.key: t for t in current_county(session).score_items}


def _snapshot(session: Session) -> dict:
    """The county's rules now: each item's settings and the settings version they are at, the versions
    of the plugins that score them (a new plugin version is a new rule version), the scoring settings."""
    types = county_item_types(session)
    county = current_county(session)
    items = {key: county.settings_of(plugin_of(key)) for key in sorted(types)}
    versions = {key: county.settings_version_of(plugin_of(key), types[key].settings_schema) for key in sorted(types)}
    installed = installed_plugins()
    plugins = {name: installed.get(name, "unknown") for name in sorted({plugin_of(key) for key in types} - {None})}
    scoring = ScoringSettings().dump(ScoringSettings().load(require_tenant().settings.get("scoring", {})))
    return {"items": items, "settings_versions": versions, "plugins": plugins, "scoring": scoring}


def latest_version(session: Session) -> RuleVersion | None:
    return session.scalars(select(RuleVersion).order_by(RuleVersion.version.desc()).limit(1)).first()


def ensure_current_version(session: Session, *, actor: str, note: str | None = None) -> RuleVersion:
    """The version matching the county's current settings; a new one if they changed. Audited."""
    snapshot = _snapshot(session)
    latest = latest_version(session)
    if latest is not None and {k: v for k, v in latest.rules.items() if k != "as_of"} == snapshot:
        return latest
    version = RuleVersion(
        version=(latest.version + 1) if latest else 1,
        rules={**snapshot, "as_of": clock.today().isoformat()},
        actor=actor,
        note=note,
    )
    session.add(version)
    session.flush()
    audit.record(session, "rules.version_created", actor=actor, target_type="rule_version",
                 target_id=version.version, details={"note": note, "items": sorted(snapshot["items"])})
    return version


def load_rules(session: Session, version: RuleVersion | None = None) -> Rules:
    """The loaded rules of ``version`` (default: the current ones, creating the first version if needed)."""
    if version is None:
        version = latest_version(session) or ensure_current_version(session, actor="system", note="first rules")
    return Rules.load(version.rules, county_item_types(session), version.version)


def preview_rules(session: Session) -> Rules:
    """The county's current settings as rules, without storing a version (the public calculator)."""
    latest = latest_version(session)
    snapshot = _snapshot(session)
    if latest is not None and {k: v for k, v in latest.rules.items() if k != "as_of"} == snapshot:
        return Rules.load(latest.rules, county_item_types(session), latest.version)
    return Rules.load(snapshot, county_item_types(session), None)
