"""What a change of a score item's settings would do, before it is saved as a rule version.

Run as a job (a county has tens of thousands of confirmed applications): every confirmed application
with a verified item of that type is scored under the rules in force and under the changed ones, on
the same day, so only the change moves anyone; and every round whose rules are not frozen yet (a new
rule version counts only there: docs/ranking.md) is ranked twice in rolled-back savepoints, under
each, for its cutoff. Nothing is stored.
"""

from __future__ import annotations

import copy
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.county.tenancy import require_tenant
from jifen.models import Application, DeclaredItem, ProgramRound
from jifen.models.application import CONFIRMED, ITEM_VERIFIED, RECHECK
from jifen.plugin import settings_versions
from jifen.points.ledger import verified_items
from jifen.points.rules import county_item_types, latest_version
from jifen.points.scoring import Rules, score
from jifen.programs import states
from jifen.ranking import runs as ranking

BATCH = 2000


def _rules_pair(session: Session, item_key: str, settings: dict) -> tuple[Rules, Rules, int | None]:
    """The rules in force and the same with ``settings`` for ``item_key``, both as of today."""
    types = county_item_types(session)
    version = latest_version(session)
    snapshot = {k: v for k, v in (version.rules if version else {"items": {}}).items() if k != "as_of"}
    changed = copy.deepcopy(snapshot)
    changed.setdefault("items", {})[item_key] = settings
    # the new settings are written for the installed plugin's settings version
    changed.setdefault("settings_versions", {})[item_key] = settings_versions.version_of(types[item_key].settings_schema)
    number = version.version if version else None
    return Rules.load(snapshot, types, number), Rules.load(changed, types, None), number


def points_moves(session: Session, item_key: str, settings: dict, progress=None) -> dict:
    """How the confirmed applications' points would move: counted, with the largest rise and fall."""
    before, after, version = _rules_pair(session, item_key, settings)
    types = county_item_types(session)
    ids = list(session.scalars(
        select(Application.id).distinct()
        .join(DeclaredItem, DeclaredItem.application_id == Application.id)
        .where(Application.status.in_([CONFIRMED, RECHECK]), DeclaredItem.item_type == item_key,
               DeclaredItem.status == ITEM_VERIFIED)
        .order_by(Application.id)))
    raised = lowered = 0
    rise = fall = Decimal(0)
    for start in range(0, len(ids), BATCH):
        batch = ids[start:start + BATCH]
        for items in verified_items(session, batch).values():
            move = score(items, after, types).total - score(items, before, types).total
            if move > 0:
                raised, rise = raised + 1, max(rise, move)
            elif move < 0:
                lowered, fall = lowered + 1, min(fall, move)
        if progress is not None:
            progress("scoring", min(start + BATCH, len(ids)), len(ids))
    return {"version": version, "applications": len(ids), "raised": raised, "lowered": lowered,
            "largest_rise": str(rise), "largest_fall": str(-fall)}


def round_effects(session: Session, item_key: str, settings: dict, progress=None) -> list[dict]:
    """Each round whose rules are not frozen yet: its cutoff under the rules in force and under the change."""
    found = [r for r in session.scalars(select(ProgramRound).where(ProgramRound.rule_version.is_(None))
                                        .order_by(ProgramRound.opens_on))
             if states.state_of(session, r).program is not None]
    version = latest_version(session)
    in_force = copy.deepcopy(((version.rules if version else {}).get("items") or {}).get(item_key) or {})
    effects = []
    for index, one in enumerate(found, start=1):
        if progress is not None:
            progress("rounds", index - 1, len(found))
        # Both rescored in memory with one seed, so that only the change moves anyone.
        current = ranking.current_run(session, one)
        seed = current.seed if current is not None else 0
        unchanged = ranking.simulate(session, one, points_table={item_key: in_force}, seed=seed, replace_settings=True)
        changed = ranking.simulate(session, one, points_table={item_key: settings}, seed=seed, replace_settings=True)
        effects.append({"round": one.id, "name": one.name, "program": one.program_key,
                        "applications": unchanged.input_count,
                        "cutoff_before": _points(unchanged.cutoff), "cutoff_after": _points(changed.cutoff),
                        "allocated_before": unchanged.allocated_count, "allocated_after": changed.allocated_count})
    return effects


def _points(value) -> str | None:
    return None if value is None else str(value)


def preview(session: Session, work) -> dict:
    """The job: ``work.params`` holds the plugin, the score item and its settings as they would be saved."""
    item_key, settings = work.params["item"], work.params["settings"]
    require_tenant()
    version = latest_version(session)
    in_force = ((version.rules if version else {}).get("items") or {}).get(item_key) or {}
    moves = points_moves(session, item_key, settings, progress=work.progress)
    rounds = round_effects(session, item_key, settings, progress=work.progress)
    return {"plugin": work.params["plugin"], "item": item_key, "settings": settings, "in_force": in_force, **moves,
            "rounds": rounds}
