"""A round's state and the actions each state allows.

draft → open → closed → ranked → provisional (公示) → decided → final → offers → done

No column holds the state: it follows from the window, the runs, the publications and the offers,
so it cannot disagree with them. A round's page offers only the actions :func:`refusal` lets
through; the views and the ranking job refuse the others with its message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen import clock
from jifen.models import Offer, ProgramRound, Publication, RankingRun
from jifen.models.offers import OFFERED
from jifen.plugin.kinds import ServiceProgram
from jifen.programs import publication
from jifen.programs import rounds as county_programs
from jifen.text import lazy_gettext as _l

DRAFT, OPEN, CLOSED, RANKED, PROVISIONAL, DECIDED, FINAL, OFFERS, DONE = (
    "draft", "open", "closed", "ranked", "provisional", "decided", "final", "offers", "done")
ORDER = (DRAFT, OPEN, CLOSED, RANKED, PROVISIONAL, DECIDED, FINAL, OFFERS, DONE)
UNFINISHED = frozenset(ORDER) - {DONE}

LABELS = {
    DRAFT: _l("Draft: the window has not opened yet"),
    OPEN: _l("Open for applications"),
    CLOSED: _l("Closed: waiting for the ranking"),
    RANKED: _l("Ranked: the provisional list is not published yet"),
    PROVISIONAL: _l("Provisional list published (公示)"),
    DECIDED: _l("Objections decided: the final list can be published"),
    FINAL: _l("Final list published"),
    OFFERS: _l("Offers made: waiting for answers"),
    DONE: _l("Done"),
}

# Actions a round's page may offer.
CHANGE_WINDOW, RANK, MAKE_CURRENT = "change_window", "rank", "make_current"
PUBLISH_PROVISIONAL, CHANGE_PERIOD, PUBLISH_FINAL, MAKE_OFFERS = (
    "publish_provisional", "change_period", "publish_final", "make_offers")
ACTIONS = (CHANGE_WINDOW, RANK, MAKE_CURRENT, PUBLISH_PROVISIONAL, CHANGE_PERIOD, PUBLISH_FINAL, MAKE_OFFERS)

AFTER_FINAL = frozenset({FINAL, OFFERS, DONE})


@dataclass(frozen=True)
class RoundState:
    name: str
    round: ProgramRound
    program: ServiceProgram | None  # the county's program; None once it is switched off
    makes_offers: bool
    latest: Publication | None
    current: RankingRun | None
    open_objections: int
    offers: int
    outstanding: int  # offers still waiting for an answer
    today: date

    @property
    def label(self):
        return LABELS[self.name]

    @property
    def in_period(self) -> bool:
        return publication.in_objection_period(self.latest, self.today)

    def allows(self, action: str) -> bool:
        return refusal(self, action) is None

    def allowed(self) -> set[str]:
        return {a for a in ACTIONS if self.allows(a)}


def state_of(session: Session, found: ProgramRound, today: date | None = None) -> RoundState:
    today = today or clock.today()
    program = county_programs.programs(session).get(found.program_key)
    declared = program or county_programs.declared_program(found.program_key)
    makes_offers = bool(declared is not None and declared.offer_rule)
    latest = publication.latest(session, found)
    current = publication.current_run(session, found)
    open_objections = offers = outstanding = 0
    if latest is None:  # the records decide before the dates: a current run is a ranked round
        if current is not None:
            name = RANKED
        elif today < found.opens_on:
            name = DRAFT
        elif today <= found.closes_on:
            name = OPEN
        else:
            name = CLOSED
    elif latest.stage == "provisional":
        open_objections = len(publication.open_objections(session, latest))
        name = PROVISIONAL if open_objections or publication.in_objection_period(latest, today) else DECIDED
    else:
        counts = dict(session.execute(select(Offer.status, func.count(Offer.id)).where(Offer.round_id == found.id)
                                      .group_by(Offer.status)).all())
        offers, outstanding = sum(counts.values()), counts.get(OFFERED, 0)
        if outstanding:
            name = OFFERS
        elif makes_offers and not offers:
            name = FINAL
        else:
            name = DONE
    return RoundState(name, found, program, makes_offers, latest, current, open_objections, offers, outstanding,
                      today)


def refusal(state: RoundState, action: str):
    """Why ``action`` is not allowed in ``state`` (a message), or None when it is."""
    name = state.name
    if action == CHANGE_WINDOW:  # a draft's dates, an open window's closing date
        return None if name in (DRAFT, OPEN) else _l("The window has closed: its dates can no longer change.")
    if action in (RANK, MAKE_CURRENT):
        if name in (DRAFT, OPEN):
            return _l("The round is still open; its rules are frozen when it closes.")
        if name in AFTER_FINAL:
            return _l("The final list of this round is published: the round is no longer ranked.")
        return None
    if action == PUBLISH_PROVISIONAL:
        if name in AFTER_FINAL:
            return _l("The final list of this round is published: it can no longer be published "
                      "as a provisional list.")
        if name in (DRAFT, OPEN, CLOSED) or state.current is None:
            return _l("Make a ranking run current before publishing it.")
        if name in (PROVISIONAL, DECIDED) and state.latest.run_id == state.current.id:
            return _l("This run's provisional list is published already: publish again only after making "
                      "another run current.")
        return None
    if action == CHANGE_PERIOD:
        if name == PROVISIONAL and state.in_period:
            return None
        return _l("The objection period can change only while it runs.")
    if action == PUBLISH_FINAL:
        if name in AFTER_FINAL:
            return _l("The final list of this round is published already.")
        if name not in (PROVISIONAL, DECIDED):
            return _l("Publish the provisional list first.")
        if state.in_period:
            return _l("The publication period runs until %(date)s.", date=state.latest.ends_on.isoformat())
        if state.open_objections:
            return _l("Decide every objection before publishing the final list.")
        if state.current is None or state.current.id != state.latest.run_id:
            return _l("The current run changed after the provisional list: publish it provisionally first.")
        return None
    if action == MAKE_OFFERS:
        if not state.makes_offers:
            return _l("This program makes no offers: its places are not accepted or declined.")
        if name not in AFTER_FINAL:
            return _l("Offers are made after the final list is published.")
        if state.offers:
            return _l("The offers of this round are made: a declined or expired place passes down the waiting "
                      "list by itself.")
        if state.program is None:
            return _l("This county does not offer this program.")
        return None
    raise ValueError(f"unknown action {action!r}")
