"""A county's own tie-break chain per program (docs/ranking.md, "A county's tie-break chain").

A program declares its chain (``ServiceProgram.tie_breaks``): the county's default. A county may choose
its own, of at most :data:`TIE_BREAK_SLOTS` keys among those the program allows (:func:`choices`), stored
per program (:class:`~jifen.models.ProgramTieBreaks`). A round copies the chain in force when its rules
are frozen (``ProgramRound.tie_breaks``); a later change of the county's choice does not change a frozen
round. A run records the chain it used in its parameters (``Params.tie_breaks``).
"""

from __future__ import annotations

from typing import Iterable, Mapping

from sqlalchemy.orm import Session

from jifen import audit
from jifen.county.tenancy import require_tenant
from jifen.models import ProgramRound, ProgramTieBreaks
from jifen.plugin.kinds import CATEGORIES, ScoreItemType, ServiceProgram
from jifen.ranking.snapshot import APPLIED_AT, PROGRAM_SCORE, TIE_BREAK_SLOTS
from jifen.text import lazy_gettext as _l

FIELDS = tuple(f"tb{slot}" for slot in range(1, TIE_BREAK_SLOTS + 1))  # the form's ordered choices


class ChainError(Exception):
    """A chain the county cannot have; ``messages``: form field -> its messages (what a person reads)."""

    def __init__(self, message, messages: dict[str, list]) -> None:
        super().__init__(message)
        self.message = message
        self.messages = messages


def choices(program: ServiceProgram, item_types: Mapping[str, ScoreItemType]) -> tuple[str, ...]:
    """The keys a county may build ``program``'s chain from, in the order a form lists them: the program's
    ``tie_break_choices``, else the score categories of the county's item types, its item types (those not
    named like a category: a key that is a category ranks by the category), the application time and, with
    a ranking score, the program's own score. The keys of the program's own chain are always among them."""
    if program.tie_break_choices is not None:
        listed = list(program.tie_break_choices)
    else:
        present = {t.category for t in item_types.values()}
        listed = [c for c in CATEGORIES if c in present]
        listed += sorted(k for k in item_types if k not in CATEGORIES)
        listed.append(APPLIED_AT)
        if program.ranking_score is not None:
            listed.append(PROGRAM_SCORE)
    listed += [key for key in program.tie_breaks if key not in listed]
    return tuple(dict.fromkeys(listed))


def county_chain(session: Session, program: ServiceProgram) -> tuple[str, ...] | None:
    """The county's own chain for ``program``, or None when it keeps the program's."""
    found = session.get(ProgramTieBreaks, (_tenant_id(session), program.key))
    return None if found is None else tuple(found.chain)


def chain_of(session: Session, program: ServiceProgram) -> tuple[str, ...]:
    """The chain in force in the county now: its own, else the program's."""
    own = county_chain(session, program)
    return tuple(program.tie_breaks) if own is None else own


def round_chain(session: Session, found: ProgramRound, program: ServiceProgram) -> tuple[str, ...]:
    """The chain a run of ``found`` uses: frozen with its rules, else the one in force now."""
    if found.tie_breaks is not None:
        return tuple(found.tie_breaks)
    return chain_of(session, program)


def freeze(session: Session, found: ProgramRound, program: ServiceProgram | None) -> list[str]:
    """Copy the chain in force onto the round (its rules are being frozen); the chain frozen."""
    if found.tie_breaks is None and program is not None:
        found.tie_breaks = list(chain_of(session, program))
    return list(found.tie_breaks or [])


def change(session: Session, program: ServiceProgram, item_types: Mapping[str, ScoreItemType],
           entered: Iterable[str], *, actor: str) -> bool:
    """Set the county's chain to the keys ``entered`` (in order, empty ones skipped; none at all: back to
    the program's own chain). Rounds already frozen keep theirs. Audited; False when nothing changed.
    A :class:`ChainError` names each wrong choice: unknown, twice, or more than the slots."""
    entered = [str(key or "").strip() for key in entered]
    allowed = choices(program, item_types)
    errors: dict[str, list] = {}
    chain: list[str] = []
    for index, key in enumerate(entered):
        field = FIELDS[index] if index < len(FIELDS) else FIELDS[-1]
        if not key:
            continue
        if index >= TIE_BREAK_SLOTS:
            errors.setdefault(field, []).append(_l("A tie-break chain has at most %(most)s steps.",
                                                   most=TIE_BREAK_SLOTS))
        elif key not in allowed:
            errors.setdefault(field, []).append(_l("Choose a tie-break from the list."))
        elif key in chain:
            errors.setdefault(field, []).append(_l("This tie-break is already earlier in the chain: choose "
                                                   "another one, or leave this step empty."))
        else:
            chain.append(key)
    if errors:
        raise ChainError(_l("Please correct the marked fields."), errors)
    before = chain_of(session, program)
    own = county_chain(session, program)
    after = tuple(chain) if chain else tuple(program.tie_breaks)
    if after == before:
        return False
    tenant_id = _tenant_id(session)
    if after == tuple(program.tie_breaks):
        if own is not None:
            session.delete(session.get(ProgramTieBreaks, (tenant_id, program.key)))
    elif own is None:
        session.add(ProgramTieBreaks(program_key=program.key, chain=list(after)))
    else:
        session.get(ProgramTieBreaks, (tenant_id, program.key)).chain = list(after)
    session.flush()
    audit.record(session, "program.tie_breaks_changed", actor=actor, target_type="program", target_id=program.key,
                 details={"program": program.key, "tie_breaks_before": list(before), "tie_breaks": list(after),
                          "own_chain": after != tuple(program.tie_breaks)})
    return True


def _tenant_id(session: Session) -> int:
    return require_tenant().id
