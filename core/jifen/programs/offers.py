"""Offers of places after a round's final list, and the waiting list behind them.

After the final list (:func:`jifen.programs.publication.publish_final`) every allocated applicant is offered
their place (:func:`make_offers`) and accepts or declines it by a deadline, counted in working days
(the program's ``offer_days`` setting, else :data:`DEFAULT_OFFER_DAYS`). A decline
(:func:`decline`) or an expired offer (:func:`expire`) passes the place on to the next waitlisted
applicant of the same sub-quota who has no offer yet; when that sub-quota has nobody left and the
round has a county-wide second round, to the next waitlisted applicant in overall order whose
sub-quota has not used its second-round cap.

The invariant: the offers of a round that hold a place (offered or accepted) never outnumber its
places, in each sub-quota and in all; in a budget round their grants never add up to more than its
budget, and a vacated grant's money goes down the list as far as it reaches (docs/ranking.md,
"Budget quotas"). Every function that changes offers first locks the round's
row (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite serialises writers by itself), then re-reads
what it decides on and counts before it offers a place, so that many applicants accepting and
declining at once can neither over-fill a sub-quota nor give one applicant two offers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from jifen.county.context import current_county

from jifen.text import lazy_gettext as _l
from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Session

from jifen import audit, clock
from jifen.events import announce
from jifen.programs import rounds as county_programs
from jifen.points.applications import ApplicationError
from jifen.db.session import utcnow
from jifen.models import Offer, ProgramApplication, ProgramRound, RankingResult, RankingRun, User
from jifen.models.offers import ACCEPTED, DECLINED, EXPIRED, HOLDING, OFFERED
from jifen.notifications import notify
from jifen.plugin.kinds import ServiceProgram
from jifen.plugin.manager import CountyHooks, plugin_of
from jifen.programs.publication import current_run, latest
from jifen.calendar.workdays import add_working_days
from jifen.county.tenancy import require_tenant

DEFAULT_OFFER_DAYS = 10
ALLOCATED = "allocated"
WAITLISTED = "waitlisted"


# --------------------------------------------------------------------------- places


@dataclass(frozen=True)
class Places:
    """How many places each pool of a round has.

    ``pooled``: the round's places are split by sub-quota (a headcount program with sub-quotas);
    otherwise there is one pool, ``None``. ``caps``: how many second-round places the applicants of
    each sub-quota may hold (the round's cap percent of its own places); empty without a second round.
    """

    places: dict[str | None, int]
    pooled: bool
    second_round: bool
    caps: dict[str, int]
    budget: Decimal | None = None  # a budget round: its money, in yuan; the offers' grants never add up to more

    @property
    def total(self) -> int:
        return sum(self.places.values())


def places_of(session: Session, round: ProgramRound, program: ServiceProgram | None = None,
              run: RankingRun | None = None) -> Places:
    """The round's places by pool. Where the final list itself allocated more than the quota (ties at
    a cutoff all admitted, or a threshold entitlement without a quota), the list's count is the limit."""
    mode = program.quota_mode if program is not None else "headcount"
    subs = {str(name): int(n) for name, n in (round.sub_quotas or {}).items()}
    if mode == "headcount" and subs:
        caps = {}
        if round.second_round:
            caps = {name: n * int(round.second_round_cap_percent or 0) // 100 for name, n in subs.items()}
        return Places(subs, True, bool(round.second_round), caps)
    places = int(round.quota or 0)
    if mode == "budget":  # money, not places, is the limit: as many grants as the list allocated
        allocated = 0 if run is None else session.scalar(
            select(func.count(RankingResult.program_application_id))
            .where(RankingResult.run_id == run.id, RankingResult.outcome == ALLOCATED)) or 0
        return Places({None: allocated}, False, False, {}, budget=Decimal(places))
    if run is not None:
        allocated = session.scalar(select(func.count(RankingResult.program_application_id))
                                   .where(RankingResult.run_id == run.id, RankingResult.outcome == ALLOCATED)) or 0
        places = max(places, allocated)
    return Places({None: places}, False, False, {})


def holding_counts(session: Session, round: ProgramRound) -> dict[str | None, int]:
    """Offers of the round that hold a place (offered or accepted), by pool."""
    rows = session.execute(select(Offer.sub_quota, func.count(Offer.id))
                           .where(Offer.round_id == round.id, Offer.status.in_(HOLDING))
                           .group_by(Offer.sub_quota)).all()
    return {sub: n for sub, n in rows}


def money_held(session: Session, round: ProgramRound) -> Decimal:
    """A budget round: the grants of its offers that hold money (offered or accepted), in yuan."""
    return Decimal(session.scalar(
        select(func.coalesce(func.sum(ProgramApplication.amount), 0))
        .join(Offer, and_(Offer.tenant_id == ProgramApplication.tenant_id,
                          Offer.program_application_id == ProgramApplication.id))
        .where(Offer.round_id == round.id, Offer.status.in_(HOLDING))) or 0)


def _second_round_taken(session: Session, round: ProgramRound) -> dict[str, int]:
    """Second-round places held, by the applicants' own sub-quota."""
    rows = session.execute(
        select(RankingResult.sub_quota, func.count(Offer.id))
        .join(RankingResult, and_(RankingResult.tenant_id == Offer.tenant_id, RankingResult.run_id == Offer.run_id,
                                  RankingResult.program_application_id == Offer.program_application_id))
        .where(Offer.round_id == round.id, Offer.status.in_(HOLDING), Offer.allocation_round == 2)
        .group_by(RankingResult.sub_quota)).all()
    return {sub: n for sub, n in rows}


# --------------------------------------------------------------------------- helpers


def _lock(session: Session, round_id: int) -> ProgramRound:
    """Lock the round's row for the rest of the transaction: offers of a round change one at a time."""
    return session.execute(select(ProgramRound).where(ProgramRound.id == round_id).with_for_update()
                           .execution_options(populate_existing=True)).scalar_one()


def _program(session: Session, round: ProgramRound) -> ServiceProgram | None:
    return county_programs.programs(session).get(round.program_key)


def offer_days(session: Session, program: ServiceProgram | None) -> int:
    """Working days to answer an offer: the program's ``offer_days`` setting, else the default."""
    if program is not None:
        name = plugin_of(program.key)
        value = current_county(session).settings_of(name).get("offer_days") if name else None
        try:
            if value is not None and int(value) >= 1:
                return int(value)
        except (TypeError, ValueError):
            pass
    return DEFAULT_OFFER_DAYS


def _final_run(session: Session, round: ProgramRound) -> RankingRun:
    publication = latest(session, round)
    if publication is None or publication.stage != "final":
        raise ApplicationError(_l("Offers are made after the final list is published."))
    run = current_run(session, round)
    if run is None or run.id != publication.run_id:
        raise ApplicationError(_l("The final list shows another run than the current one: publish the "
                                  "current run's final list first."))
    return run


def _list_run_id(session: Session, round: ProgramRound, vacated: Offer) -> int:
    """The run whose waiting list a vacated place passes down: the final list's, else the offer's."""
    publication = latest(session, round)
    if publication is not None and publication.stage == "final":
        return publication.run_id
    return vacated.run_id


def _hooks(session: Session) -> CountyHooks:
    return current_county(session).hooks


def _tell_offered(session: Session, hooks: CountyHooks, round: ProgramRound, program: ServiceProgram | None,
                  offer: Offer) -> None:
    user = session.get(User, (offer.tenant_id, offer.user_id))
    if user is None:
        return
    application = session.get(ProgramApplication, (offer.tenant_id, offer.program_application_id))
    # People read the reference number (JS-2027-000123), never an internal id.
    reference = application.reference if application is not None and application.reference else ""
    values = {"round": round.name, "number": reference, "deadline": offer.deadline.isoformat()}
    if program is not None and program.offer_rule == "decline_forfeits":
        body = _l("You are offered a place in %(round)s (application %(number)s). Accept or decline it by "
                  "%(deadline)s. Declining forfeits the place. If you have not answered by then, the place "
                  "passes to the next applicant on the waiting list.", **values)
    else:
        body = _l("You are offered a place in %(round)s (application %(number)s). Accept or decline it by "
                  "%(deadline)s. If you have not answered by then, the place passes to the next applicant on "
                  "the waiting list.", **values)
    notify(session, hooks, user, _l("A place is offered to you"), body, kind="offer.made", params=values)


def _new_offer(session: Session, round: ProgramRound, *, run_id: int, application_id: int, user_id: int,
               pool: str | None, allocation_round: int, deadline: date, replaces: Offer | None,
               actor: str) -> Offer:
    offer = Offer(round_id=round.id, run_id=run_id, program_application_id=application_id, user_id=user_id,
                  sub_quota=pool, allocation_round=allocation_round, deadline=deadline, status=OFFERED,
                  replaces_offer_id=replaces.id if replaces is not None else None)
    session.add(offer)
    session.flush()
    audit.record(session, "offer.made", actor=actor, target_type="offer", target_id=offer.id,
                 details={"round": round.id, "run": run_id, "application": application_id, "sub_quota": pool,
                          "allocation_round": allocation_round, "deadline": deadline.isoformat(),
                          "replaces": offer.replaces_offer_id})
    _announce(session, round, offer)
    return offer


def _announce(session: Session, round: ProgramRound, offer: Offer) -> None:
    announce(session, "on_offer_changed", program=round.program_key, round_id=round.id, offer_id=offer.id,
             program_application_id=offer.program_application_id, user_id=offer.user_id, status=offer.status,
             sub_quota=offer.sub_quota, deadline=offer.deadline, replaces_offer_id=offer.replaces_offer_id)


# --------------------------------------------------------------------------- making offers


def make_offers(session: Session, round: ProgramRound, *, actor: str, days: int | None = None) -> list[Offer]:
    """Offer every allocated applicant of the final list their place; returns the offers made now.

    Idempotent: an application that has an offer in this round (whatever its status) gets no other.
    """
    found = _lock(session, round.id)
    program = _program(session, found)
    if program is None:
        raise ApplicationError(_l("This county does not offer this program."))
    if program.offer_rule is None:
        raise ApplicationError(_l("This program makes no offers: its places are not accepted or declined."))
    run = _final_run(session, found)
    days = offer_days(session, program) if days is None else int(days)
    if days < 1:
        raise ValueError("an offer needs at least one working day to answer")
    deadline = add_working_days(clock.today(), days)
    limits = places_of(session, found, program, run)
    holding = holding_counts(session, found)
    has_offer = set(session.scalars(select(Offer.program_application_id).where(Offer.round_id == found.id)))
    held = money_held(session, found) if limits.budget is not None else None
    rows = session.execute(
        select(RankingResult.program_application_id, RankingResult.sub_quota, RankingResult.allocation_round,
               ProgramApplication.user_id, ProgramApplication.amount)
        .join(ProgramApplication, and_(ProgramApplication.tenant_id == RankingResult.tenant_id,
                                       ProgramApplication.id == RankingResult.program_application_id))
        .where(RankingResult.run_id == run.id, RankingResult.outcome == ALLOCATED)
        .order_by(RankingResult.position)).all()
    # Places won inside a sub-quota first; then second-round places, in the pools left with room.
    rows.sort(key=lambda r: 1 if (limits.pooled and r.allocation_round == 2) else 0)
    hooks = _hooks(session)
    made: list[Offer] = []
    for row in rows:
        if row.program_application_id in has_offer:
            continue
        second = limits.pooled and row.allocation_round == 2
        if second:
            pool = next((name for name in sorted(limits.places)
                         if holding.get(name, 0) < limits.places[name]), None)
            if pool is None:
                continue
        elif held is not None:  # a budget round: never more money offered than the budget
            pool = None
            if row.amount is None or held + row.amount > limits.budget:
                continue
            held += row.amount
        else:
            pool = row.sub_quota if limits.pooled else None
            if holding.get(pool, 0) >= limits.places.get(pool, 0):
                continue  # never more offers than places, whatever the list says
        offer = _new_offer(session, found, run_id=run.id, application_id=row.program_application_id,
                           user_id=row.user_id, pool=pool, allocation_round=2 if second else 1, deadline=deadline,
                           replaces=None, actor=actor)
        holding[pool] = holding.get(pool, 0) + 1
        has_offer.add(row.program_application_id)
        _tell_offered(session, hooks, found, program, offer)
        made.append(offer)
    if made:
        audit.record(session, "offers.made", actor=actor, target_type="round", target_id=found.id,
                     details={"run": run.id, "made": len(made), "deadline": deadline.isoformat()})
    return made


# --------------------------------------------------------------------------- passing a place on


def _next_waiting(session: Session, round: ProgramRound, run_id: int, *conditions, order):
    no_offer = ~exists().where(Offer.tenant_id == RankingResult.tenant_id, Offer.round_id == round.id,
                               Offer.program_application_id == RankingResult.program_application_id)
    return session.execute(
        select(RankingResult.program_application_id, RankingResult.sub_quota, ProgramApplication.user_id)
        .join(ProgramApplication, and_(ProgramApplication.tenant_id == RankingResult.tenant_id,
                                       ProgramApplication.id == RankingResult.program_application_id))
        .where(RankingResult.run_id == run_id, RankingResult.outcome == WAITLISTED, no_offer, *conditions)
        .order_by(*order).limit(1)).first()


def _pass_on(session: Session, round: ProgramRound, program: ServiceProgram | None, vacated: Offer, *,
             actor: str, hooks: CountyHooks) -> Offer | None:
    """Offer the place ``vacated`` held to the next on the waiting list, if there is room and someone."""
    session.flush()
    run_id = _list_run_id(session, round, vacated)
    run = session.get(RankingRun, (round.tenant_id, run_id))
    limits = places_of(session, round, program, run)
    if limits.budget is not None:
        return _pass_on_money(session, round, program, vacated, run_id, limits.budget, actor=actor, hooks=hooks)
    holding = holding_counts(session, round)
    if sum(holding.values()) >= limits.total:
        return None
    pool = vacated.sub_quota if limits.pooled else None
    candidate, allocation_round = None, 1
    if not limits.pooled:
        candidate = _next_waiting(session, round, run_id, order=(RankingResult.position,))
    elif holding.get(pool, 0) < limits.places.get(pool, 0):
        candidate = _next_waiting(session, round, run_id, RankingResult.sub_quota == pool,
                                  order=(RankingResult.sub_position, RankingResult.position))
        if candidate is None and limits.second_round:
            taken = _second_round_taken(session, round)
            open_subs = sorted(name for name, cap in limits.caps.items()
                               if name != pool and taken.get(name, 0) < cap)
            if open_subs:
                candidate = _next_waiting(session, round, run_id, RankingResult.sub_quota.in_(open_subs),
                                          order=(RankingResult.position,))
                allocation_round = 2
    if candidate is None:
        return None
    deadline = add_working_days(clock.today(), offer_days(session, program))
    offer = _new_offer(session, round, run_id=run_id, application_id=candidate.program_application_id,
                       user_id=candidate.user_id, pool=pool, allocation_round=allocation_round, deadline=deadline,
                       replaces=vacated, actor=actor)
    _tell_offered(session, hooks, round, program, offer)
    return offer


def _pass_on_money(session: Session, round: ProgramRound, program: ServiceProgram | None, vacated: Offer,
                   run_id: int, budget: Decimal, *, actor: str, hooks: CountyHooks) -> Offer | None:
    """A budget round: the money a vacated grant held goes down the waiting list in rank order. With
    the round's "stop" rule only the next applicant may take it, if their grant fits the money left;
    with "skip" the first below whose grant fits. Repeated while money is left (a declined large grant
    may pay two smaller ones); returns the first offer made, or None."""
    first = None
    deadline = add_working_days(clock.today(), offer_days(session, program))
    while True:
        left = budget - money_held(session, round)
        fits = [] if round.budget_leftover == "stop" else [ProgramApplication.amount <= left]
        candidate = _next_waiting(session, round, run_id, ProgramApplication.amount.is_not(None), *fits,
                                  order=(RankingResult.position,))
        if candidate is None or left <= 0:
            return first
        amount = session.get(ProgramApplication, (round.tenant_id, candidate.program_application_id)).amount
        if amount > left:  # "stop": the next applicant's grant does not fit, nobody below is paid
            return first
        offer = _new_offer(session, round, run_id=run_id, application_id=candidate.program_application_id,
                           user_id=candidate.user_id, pool=None, allocation_round=1, deadline=deadline,
                           replaces=vacated, actor=actor)
        _tell_offered(session, hooks, round, program, offer)
        first = first or offer


# --------------------------------------------------------------------------- the applicant's answer


def _answerable(session: Session, offer: Offer, user) -> tuple[ProgramRound, Offer]:
    """Lock the round, re-read the offer, and check that ``user`` may still answer it."""
    found = _lock(session, offer.round_id)
    session.refresh(offer)
    if (getattr(user, "is_platform_admin", False) or getattr(user, "tenant_id", None) != offer.tenant_id
            or user.id != offer.user_id):
        raise ApplicationError(_l("Only the applicant the place is offered to can answer the offer."))
    if offer.status != OFFERED:
        raise ApplicationError(_l("This offer has been answered already or has expired."))
    if clock.today() > offer.deadline:
        raise ApplicationError(_l("The deadline to answer this offer was %(date)s.", date=offer.deadline.isoformat()))
    return found, offer


def accept(session: Session, offer: Offer, user) -> Offer:
    """The applicant takes the place, before the deadline."""
    _found, offer = _answerable(session, offer, user)
    offer.status = ACCEPTED
    offer.decided_at = utcnow()
    session.flush()
    audit.record(session, "offer.accepted", actor=user.actor, target_type="offer", target_id=offer.id,
                 details={"round": offer.round_id, "application": offer.program_application_id})
    _announce(session, _found, offer)
    return offer


def decline(session: Session, offer: Offer, user, reason: str | None = None) -> Offer | None:
    """The applicant refuses the place, before the deadline; it passes to the next on the waiting list.

    Returns the offer made to that next applicant, or ``None`` when nobody is left to take it.
    """
    found, offer = _answerable(session, offer, user)
    program = _program(session, found)
    reason = (reason or "").strip()[:2000] or None
    offer.status = DECLINED
    offer.reason = reason
    offer.decided_at = utcnow()
    session.flush()
    audit.record(session, "offer.declined", actor=user.actor, target_type="offer", target_id=offer.id,
                 details={"round": offer.round_id, "application": offer.program_application_id,
                          "forfeits": bool(program and program.offer_rule == "decline_forfeits"),
                          "reason_given": reason is not None})
    _announce(session, found, offer)
    successor = _pass_on(session, found, program, offer, actor=user.actor, hooks=_hooks(session))
    return successor


# --------------------------------------------------------------------------- deadlines


@dataclass(frozen=True)
class Expired:
    offer: Offer
    successor: Offer | None  # who the place was offered to next, if anybody


def expire(session: Session, round: ProgramRound, *, actor: str) -> list[Expired]:
    """Offers of the round still unanswered after their deadline expire; their places pass on."""
    found = _lock(session, round.id)
    program = _program(session, found)
    hooks = _hooks(session)
    due = list(session.scalars(select(Offer).where(Offer.round_id == found.id, Offer.status == OFFERED,
                                                   Offer.deadline < clock.today())
                               .order_by(Offer.deadline, Offer.created_at, Offer.id)
                               .execution_options(populate_existing=True)))
    outcomes = []
    for offer in due:
        offer.status = EXPIRED
        offer.decided_at = utcnow()
        session.flush()
        audit.record(session, "offer.expired", actor=actor, target_type="offer", target_id=offer.id,
                     details={"round": found.id, "application": offer.program_application_id,
                              "deadline": offer.deadline.isoformat()})
        _announce(session, found, offer)
        user = session.get(User, (offer.tenant_id, offer.user_id))
        if user is not None:
            notify(session, hooks, user, _l("Your offer has expired"),
                   _l("You did not answer the offer of a place in %(round)s by %(deadline)s, so the place has "
                      "passed to the next applicant on the waiting list.", round=found.name,
                      deadline=offer.deadline.isoformat()),
                   kind="offer.expired", params={"round": found.name, "deadline": offer.deadline.isoformat()})
        outcomes.append(Expired(offer, _pass_on(session, found, program, offer, actor=actor, hooks=hooks)))
    return outcomes


# --------------------------------------------------------------------------- reading


def instructions(session: Session, program: ServiceProgram | None, lang: str) -> str:
    """What to bring and where once a place is accepted, in ``lang`` ("zh" or "en"): the program's county
    setting ``offer_instructions_<lang>`` (for a program whose settings schema declares it), else the county's
    ``[offers] instructions_<lang>`` in tenant.toml, else a generic line with the county's hotline."""
    sources = []
    if program is not None:
        name = plugin_of(program.key)
        if name:
            sources.append((current_county(session).settings_of(name) or {}, "offer_instructions_"))
    tenant = require_tenant()
    sources.append(((tenant.settings or {}).get("offers") or {}, "instructions_"))
    for settings, prefix in sources:
        text = settings.get(prefix + lang) or settings.get(prefix + "zh")
        if isinstance(text, str) and text.strip():
            return text.strip()
    return str(_l("Bring your identity card, your residence permit and your application's reference number. "
                  "The county tells you where to go; if you have a question, call the hotline %(hotline)s.",
                  hotline=getattr(tenant, "hotline", "") or ""))


def offers_of(session: Session, round: ProgramRound, status: str | None = None) -> list[Offer]:
    query = select(Offer).where(Offer.round_id == round.id)
    if status is not None:
        query = query.where(Offer.status == status)
    return list(session.scalars(query.order_by(Offer.created_at, Offer.id)))


def offer_for(session: Session, round: ProgramRound, user) -> Offer | None:
    """The applicant's offer in the round, if they have one."""
    return session.scalar(select(Offer).where(Offer.round_id == round.id, Offer.user_id == user.id))


def offers_for_user(session: Session, user) -> list[Offer]:
    """All of an applicant's offers, newest first (for the portal)."""
    return list(session.scalars(select(Offer).where(Offer.user_id == user.id)
                                .order_by(Offer.created_at.desc(), Offer.id.desc())))


@dataclass(frozen=True)
class PoolSummary:
    sub_quota: str | None
    places: int
    offered: int
    accepted: int
    declined: int
    expired: int
    waiting: int  # waitlisted on the final list with no offer yet

    @property
    def free(self) -> int:
        return max(self.places - self.offered - self.accepted, 0)


def summary(session: Session, round: ProgramRound) -> list[PoolSummary]:
    """Places and offers of the round per sub-quota (one line, ``None``, without sub-quotas)."""
    program = _program(session, round)
    publication = latest(session, round)
    run = session.get(RankingRun, (round.tenant_id, publication.run_id)) \
        if publication is not None and publication.stage == "final" else None
    limits = places_of(session, round, program, run)
    counts: dict[tuple[str | None, str], int] = {}
    for sub, status, n in session.execute(select(Offer.sub_quota, Offer.status, func.count(Offer.id))
                                          .where(Offer.round_id == round.id)
                                          .group_by(Offer.sub_quota, Offer.status)).all():
        counts[(sub if limits.pooled else None, status)] = counts.get((sub if limits.pooled else None, status), 0) + n
    waiting: dict[str | None, int] = {}
    if run is not None:
        no_offer = ~exists().where(Offer.tenant_id == RankingResult.tenant_id, Offer.round_id == round.id,
                                   Offer.program_application_id == RankingResult.program_application_id)
        for sub, n in session.execute(select(RankingResult.sub_quota, func.count(RankingResult.program_application_id))
                                      .where(RankingResult.run_id == run.id, RankingResult.outcome == WAITLISTED,
                                             no_offer)
                                      .group_by(RankingResult.sub_quota)).all():
            key = sub if limits.pooled else None
            waiting[key] = waiting.get(key, 0) + n
    return [PoolSummary(name, limits.places[name], counts.get((name, OFFERED), 0), counts.get((name, ACCEPTED), 0),
                        counts.get((name, DECLINED), 0), counts.get((name, EXPIRED), 0), waiting.get(name, 0))
            for name in sorted(limits.places, key=lambda n: (n is not None, n or ""))]
