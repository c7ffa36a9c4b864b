"""Scoring code that changed under confirmed points: a score item's plugin upgraded since they were scored.

Every rule version records the versions of the plugins that scored it (jifen.points.rules). When the
installed version of such a plugin differs, the confirmed applications scored under that rule version
may be worth something else now, even though no setting changed. The administrator sees which plugins
changed and for how many applications, and can preview a rescore (a job: who would gain or lose points,
and the largest move each way) before rescoring. Nothing is rescored by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen.county.tenancy import require_tenant
from jifen.models import Application, RuleVersion
from jifen.models.application import CONFIRMED, RECHECK
from jifen.plugin.manager import installed_plugins
from jifen.points.ledger import verified_items
from jifen.points.rules import county_item_types, preview_rules
from jifen.points.scoring import score

BATCH = 2000


@dataclass(frozen=True)
class CodeChange:
    """Plugin ``plugin`` scored ``applications`` confirmed applications at ``scored_with``; ``installed`` now."""

    plugin: str
    scored_with: str
    installed: str
    applications: int


def _changed_versions(session: Session) -> tuple[list[CodeChange], list[int]]:
    installed = installed_plugins()
    counted = session.execute(
        select(Application.rule_version, func.count(Application.id))
        .where(Application.status.in_([CONFIRMED, RECHECK]), Application.rule_version.is_not(None))
        .group_by(Application.rule_version)).all()
    changes: dict[tuple[str, str, str], int] = {}
    versions: list[int] = []
    for number, count in counted:
        version = session.get(RuleVersion, (require_tenant().id, number))
        recorded = (version.rules or {}).get("plugins") or {} if version else {}  # none before versions recorded them
        moved = [(name, was, installed[name]) for name, was in recorded.items()
                 if name in installed and installed[name] != was]
        for key in moved:
            changes[key] = changes.get(key, 0) + count
        if moved:
            versions.append(number)
    listed = [CodeChange(name, was, now, count) for (name, was, now), count in sorted(changes.items())]
    return listed, sorted(versions)


def code_changes(session: Session) -> list[CodeChange]:
    """The score item plugins whose installed version is not the one that scored confirmed points."""
    return _changed_versions(session)[0]


def rescore_moves(session: Session, progress=None) -> dict:
    """What a rescore would do to the applications scored by changed code: counted, largest rise and fall."""
    _, versions = _changed_versions(session)
    rules, types = preview_rules(session), county_item_types(session)
    ids = list(session.scalars(select(Application.id).where(
        Application.status.in_([CONFIRMED, RECHECK]), Application.rule_version.in_(versions))
        .order_by(Application.id))) if versions else []
    totals = dict(session.execute(select(Application.id, Application.total_points).where(Application.id.in_(ids))).all()) if ids else {}
    raised = lowered = 0
    rise = fall = Decimal(0)
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        found = verified_items(session, batch)
        for app_id in batch:
            move = score(found.get(app_id, []), rules, types).total - (totals.get(app_id) or Decimal(0))
            if move > 0:
                raised, rise = raised + 1, max(rise, move)
            elif move < 0:
                lowered, fall = lowered + 1, min(fall, move)
        if progress:
            progress("scoring", min(start + BATCH, len(ids)), len(ids))
    return {"applications": len(ids), "raised": raised, "lowered": lowered, "unchanged": len(ids) - raised - lowered,
            "largest_rise": str(rise), "largest_fall": str(fall)}


def preview(session: Session, work) -> dict:
    """The job (kind ``points.rescore_preview``): nothing is stored but its result."""
    require_tenant()
    changes = code_changes(session)
    moves = rescore_moves(session, progress=work.progress)
    return {"plugins": [{"plugin": c.plugin, "scored_with": c.scored_with, "installed": c.installed,
                         "applications": c.applications} for c in changes], **moves}
