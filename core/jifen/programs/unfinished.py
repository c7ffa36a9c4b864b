"""What switching a plugin off leaves unfinished, shown before the administrator confirms it.

Decidim refuses to remove a component that still has content; here the administrator may switch a
plugin off all the same, once told: the rounds of its programs that are not done, and the unfinished
rounds whose frozen rule version counts points of its score items.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen.county.context import current_county
from jifen.models import ProgramRound, RuleVersion
from jifen.plugin.kinds import ScoreItemType, ServiceProgram
from jifen.plugin.manager import catalog
from jifen.programs import rounds as county_programs
from jifen.programs import states


@dataclass(frozen=True)
class Unfinished:
    round: ProgramRound
    program: ServiceProgram | None
    state: states.RoundState
    item: ScoreItemType | None = None  # set: the round's frozen rules count this item's points
    rule_version: int | None = None


def _program(key: str) -> ServiceProgram | None:
    return county_programs.declared_program(key)


def left_unfinished(session: Session, name: str) -> list[Unfinished]:
    """What switching ``name`` off in the bound county would leave unfinished (nothing if it is off)."""
    if name not in current_county(session).enabled or name not in catalog():
        return []
    info = catalog()[name]
    found: list[Unfinished] = []
    for program in info.programs:
        for each in county_programs.rounds_of(session, program.key):
            state = states.state_of(session, each)
            if state.name in states.UNFINISHED:
                found.append(Unfinished(each, program, state))
    items = {i.key: i for i in info.score_items}
    if items:
        frozen = list(session.scalars(select(ProgramRound).where(ProgramRound.rule_version.is_not(None))
                                      .order_by(ProgramRound.opens_on)))
        versions = {v.version: v for v in session.scalars(
            select(RuleVersion).where(RuleVersion.version.in_({r.rule_version for r in frozen})))} if frozen else {}
        for each in frozen:
            counted = sorted(set((versions.get(each.rule_version).rules or {}).get("items", {})) & set(items)) \
                if each.rule_version in versions else []
            if not counted:
                continue
            state = states.state_of(session, each)
            if state.name in states.UNFINISHED:
                found.extend(Unfinished(each, _program(each.program_key), state, items[key], each.rule_version)
                             for key in counted)
    return found
