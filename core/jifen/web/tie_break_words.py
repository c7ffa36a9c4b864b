"""A tie-break chain in words: each key named (a score category, a score item, the application time, the
program's own score), never shown as a key (jifen.ranking.tie_breaks)."""

from __future__ import annotations

from typing import Iterable

from jifen.county.context import current_county
from jifen.plugin.kinds import CATEGORIES, ServiceProgram
from jifen.ranking.snapshot import APPLIED_AT, PROGRAM_SCORE
from jifen.text import lazy_gettext as _l
from jifen.web import words
from jifen.web.calculator import CATEGORY_NAMES

SEPARATOR = " → "


def key_label(key: str, program: ServiceProgram | None) -> str:
    """One tie-break in the reader's language."""
    lang = words.language()
    if key == APPLIED_AT:
        return str(_l("Application time (earlier first)"))
    if key == PROGRAM_SCORE:
        score = program.ranking_score if program is not None else None
        return score.name(lang) if score is not None else str(_l("The program's own score"))
    if key in CATEGORIES:
        return str(_l("Points for %(category)s", category=CATEGORY_NAMES.get(key, _l("another category"))))
    item_type = current_county().item_types.get(key)
    name = item_type.name(lang) if item_type is not None else words.declaration_label(key)
    return str(_l("Points for %(item)s", item=name))


def chain_labels(chain: Iterable[str], program: ServiceProgram | None) -> list[str]:
    return [key_label(key, program) for key in chain]


def chain_text(chain: Iterable[str], program: ServiceProgram | None) -> str:
    """The whole order of equal totals: the chain, then the seeded lottery."""
    return SEPARATOR.join([*chain_labels(chain, program), str(_l("a lottery drawn from the run's seed"))])
