"""Service programs in a county: rollout dates, rounds (cycles) and applying to them.

A county brings programs in all at once or one at a time: a program whose ``start_on`` is still
ahead shows as coming, with its date, and cannot be applied for. A round is open between its
``opens_on`` and ``closes_on``; outside it the applicant is told when the next one opens. When a
round closes, the rule version in force at its close is frozen for its ranking.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import marshmallow as ma
from jifen.county.context import current_county
from flask_babel import get_locale
from jifen.text import LazyText, lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit, clock, references
from jifen.events import announce
from jifen.points.applications import ApplicationError
from jifen.points import fraud
from jifen.points.family import members
from jifen.points.record import ApplicantRecord, record_of
from jifen.models import Application, ApplicantProfile, AuditEvent, ProgramApplication, ProgramRound, RuleVersion, User
from jifen.models.application import CONFIRMED
from jifen.plugin.kinds import BUDGET_LEFTOVER, ServiceProgram, localized
from jifen.plugin.manager import catalog, plugin_of
from jifen.ranking.program_score import terms_from
from jifen.ranking import tie_breaks
from jifen.county.tenancy import require_tenant


@dataclass(frozen=True)
class Child:
    member_id: int
    name: str
    birth_date: date


@dataclass(frozen=True)
class Spouse:
    member_id: int
    name: str
    birth_date: date


@dataclass(frozen=True)
class ApplicantContext:
    """What a program's ``check`` may look at: the declared children and spouse (if any), and ``record``,
    the confirmed points (items with their dates, subtotals, deductions: :mod:`jifen.points.record`)."""

    user_id: int
    town: str | None
    children: tuple[Child, ...] = field(default=())
    as_of: date = field(default_factory=lambda: clock.today())
    spouse: Spouse | None = None
    record: ApplicantRecord = field(default_factory=ApplicantRecord)


def programs(session: Session) -> dict[str, ServiceProgram]:
    return {p.key: p for p in current_county(session).programs}


def declared_program(key: str) -> ServiceProgram | None:
    """The program ``key`` as its installed plugin declares it, switched on in the county or not (the
    published lists of a program switched off stay readable)."""
    return next((p for info in catalog().values() for p in info.programs if p.key == key), None)


UNAVAILABLE = _l("This service is unavailable for now: the county is updating its rules. Please come back later.")


def settings_of(session: Session, program: ServiceProgram) -> dict:
    """The county's settings of ``program``, loaded; an :class:`ApplicationError` when the installed
    plugin cannot read them (its administrator sees why on the plugins page)."""
    if not available(session, program):
        raise ApplicationError(UNAVAILABLE)
    return program.settings_schema().load(current_county(session).settings_of(plugin_of(program.key)))


def available(session: Session, program: ServiceProgram) -> bool:
    """Whether the program can be served: its plugin's stored settings can be read."""
    return current_county(session).available(program.key)


def start_date(session: Session, program: ServiceProgram) -> date | None:
    return settings_of(session, program).get("start_on") if available(session, program) else None


def started(session: Session, program: ServiceProgram, today: date | None = None) -> bool:
    if not available(session, program):
        return False
    start = start_date(session, program)
    return start is None or start <= (today or clock.today())


def rounds_of(session: Session, program_key: str) -> list[ProgramRound]:
    return list(session.scalars(select(ProgramRound).where(ProgramRound.program_key == program_key)
                                .order_by(ProgramRound.opens_on)))


def open_round(session: Session, program_key: str, today: date | None = None, *,
               rounds: list[ProgramRound] | None = None) -> ProgramRound | None:
    """The round open ``today``; ``rounds``: the program's rounds already read (:func:`rounds_of`)."""
    today = today or clock.today()
    found = rounds if rounds is not None else rounds_of(session, program_key)
    return next((r for r in found if r.opens_on <= today <= r.closes_on), None)


def next_round(session: Session, program_key: str, today: date | None = None, *,
               rounds: list[ProgramRound] | None = None) -> ProgramRound | None:
    today = today or clock.today()
    found = rounds if rounds is not None else rounds_of(session, program_key)
    return next((r for r in found if r.opens_on > today), None)


class RoundSchema(ma.Schema):
    """A round as an administrator enters it."""

    name = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=100))
    opens_on = ma.fields.Date(required=True)
    closes_on = ma.fields.Date(required=True)
    quota = ma.fields.Integer(allow_none=True, load_default=None, validate=ma.validate.Range(min=1, max=10_000_000))
    sub_quotas = ma.fields.Dict(keys=ma.fields.String(validate=ma.validate.Length(min=1, max=60)),
                                values=ma.fields.Integer(validate=ma.validate.Range(min=1)), load_default=dict)
    # NUMERIC(10,2): a larger value would reach the database and be refused there.
    threshold = ma.fields.Decimal(allow_none=True, load_default=None, places=2,
                                  validate=ma.validate.Range(min=0, max=Decimal("99999999.99")))
    second_round = ma.fields.Boolean(load_default=False)
    second_round_cap_percent = ma.fields.Integer(load_default=10, validate=ma.validate.Range(min=0, max=100))
    cutoff_ties = ma.fields.String(load_default="strict", validate=ma.validate.OneOf(("strict", "all")))
    # A budget round (its quota is money, in yuan): a grant that no longer fits is skipped for a smaller one, or stops.
    budget_leftover = ma.fields.String(allow_none=True, load_default=None, validate=ma.validate.OneOf(BUDGET_LEFTOVER))

    @ma.validates_schema
    def _consistent(self, data, **kwargs):
        if data["closes_on"] < data["opens_on"]:
            raise ma.ValidationError(_l("The window closes before it opens."), "closes_on")
        if data.get("sub_quotas") and data.get("quota") is not None and sum(data["sub_quotas"].values()) != data["quota"]:
            raise ma.ValidationError(_l("The sub-quotas must add up to the quota."), "sub_quotas")


def create_round(session: Session, program: ServiceProgram, raw: dict, *, actor: str) -> ProgramRound:
    try:
        data = RoundSchema().load(raw)
    except ma.ValidationError as exc:
        raise ApplicationError(_l("Please correct the marked fields."), exc.messages) from None
    if data.get("quota") is None and program.quota_mode in ("headcount", "cutoff", "budget"):
        data["quota"] = settings_of(session, program).get("quota")  # the program's default (a yearly headcount)
    if program.quota_mode in ("headcount", "cutoff") and data.get("quota") is None:
        message = _l("This program hands out places by rank: give the quota.")
        raise ApplicationError(message, {"quota": [message]})
    if program.quota_mode == "budget":
        if data.get("quota") is None:
            message = _l("This program pays grants by rank until its money runs out: give the round's budget.")
            raise ApplicationError(message, {"quota": [message]})
        # The county's choice for its rounds (the program's ``budget_leftover`` setting), else strict rank order.
        data["budget_leftover"] = (data.get("budget_leftover") or settings_of(session, program).get("budget_leftover")
                                   or "stop")
    else:
        data["budget_leftover"] = None
    if (program.quota_mode == "threshold" and data.get("threshold") is None
            and settings_of(session, program).get("threshold") is None):  # else the county's threshold applies
        message = _l("This program admits everyone above a threshold: give the threshold.")
        raise ApplicationError(message, {"threshold": [message]})
    _check_window(session, program, data["opens_on"], data["closes_on"])
    found = ProgramRound(program_key=program.key, **data)
    session.add(found)
    session.flush()
    audit.record(session, "round.created", actor=actor, target_type="round", target_id=found.id,
                 details={"program": program.key, "quota": data.get("quota"), "sub_quotas": data.get("sub_quotas"),
                          "opens_on": data["opens_on"].isoformat(), "closes_on": data["closes_on"].isoformat()})
    return found


def _check_window(session: Session, program: ServiceProgram, opens_on: date, closes_on: date,
                  other_than: ProgramRound | None = None) -> None:
    """A window opens on or after the program's start in the county and overlaps no other round."""
    start = start_date(session, program)
    if start is not None and opens_on < start:
        message = _l("This program starts in this county on %(date)s: a round cannot open before that day.",
                     date=start.isoformat())
        raise ApplicationError(message, {"opens_on": [message]})
    others = [r for r in rounds_of(session, program.key) if other_than is None or r.id != other_than.id]
    overlapping = [r for r in others if r.opens_on <= closes_on and opens_on <= r.closes_on]
    if overlapping:
        message = _l("This window overlaps round %(name)s.", name=overlapping[0].name)
        raise ApplicationError(message, {"opens_on": [message]})


class WindowChangeSchema(ma.Schema):
    opens_on = ma.fields.Date(load_default=None)
    closes_on = ma.fields.Date(required=True)
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=500))


def change_window(session: Session, program: ServiceProgram, found: ProgramRound, raw: dict, *,
                  actor: str) -> tuple[date, date]:
    """Correct a draft round's dates, or close an open window early or extend it; the reason is recorded.

    Before the window opens both dates may change (not into the past); once it is open only the closing
    date, to yesterday at the earliest (closed from today). Returns the dates before the change.
    The caller checks the round's state (jifen.programs.states).
    """
    try:
        data = WindowChangeSchema().load(raw)
    except ma.ValidationError as exc:
        raise ApplicationError(_l("Please correct the marked fields."), exc.messages) from None
    today = clock.today()
    before = (found.opens_on, found.closes_on)
    opens_on = found.opens_on
    if today < found.opens_on:
        opens_on = data["opens_on"] or found.opens_on
        if opens_on < today:
            message = _l("The window cannot open in the past: give today or a later day.")
            raise ApplicationError(message, {"opens_on": [message]})
    elif data["opens_on"] is not None and data["opens_on"] != found.opens_on:
        message = _l("The window has opened: only its closing date can still change.")
        raise ApplicationError(message, {"opens_on": [message]})
    closes_on = data["closes_on"]
    earliest = max(opens_on, today - timedelta(days=1))
    if closes_on < earliest:
        message = _l("The window can close on %(date)s at the earliest.", date=earliest.isoformat())
        raise ApplicationError(message, {"closes_on": [message]})
    if (opens_on, closes_on) == before:
        message = _l("These are the round's dates already.")
        raise ApplicationError(message, {"closes_on": [message]})
    _check_window(session, program, opens_on, closes_on, other_than=found)
    found.opens_on, found.closes_on = opens_on, closes_on
    session.flush()
    audit.record(session, "round.window_changed", actor=actor, target_type="round", target_id=found.id,
                 details={"before": [before[0].isoformat(), before[1].isoformat()],
                          "after": [opens_on.isoformat(), closes_on.isoformat()], "reason": data["reason"].strip()})
    return before


CHANGES = ("round.window_changed", "publication.period_changed")


def changes_of(session: Session, found: ProgramRound, limit: int = 20) -> list[AuditEvent]:
    """The recorded changes of the round's window and objection period, newest first, with their reasons."""
    return list(session.scalars(select(AuditEvent).where(AuditEvent.target_type == "round",
                                                         AuditEvent.target_id == str(found.id),
                                                         AuditEvent.action.in_(CHANGES))
                                .order_by(AuditEvent.seq.desc()).limit(limit)))


def freeze_rules(session: Session, found: ProgramRound, *, actor: str) -> int | None:
    """After the window closed: the rule version in force at its close (latest made by then), and the
    tie-break chain in force (the county's own or the program's: jifen.ranking.tie_breaks)."""
    if found.rule_version is not None:
        return found.rule_version
    if clock.today() <= found.closes_on:
        raise ApplicationError(_l("The round is still open; its rules are frozen when it closes."))
    end = datetime.combine(found.closes_on, time.max)
    version = session.scalar(select(RuleVersion.version).where(RuleVersion.created_at <= end)
                             .order_by(RuleVersion.version.desc()).limit(1))
    found.rule_version = version
    audit.record(session, "round.rules_frozen", actor=actor, target_type="round", target_id=found.id,
                 details={"rule_version": version, **_freeze_ranking_terms(session, found),
                          "tie_breaks": tie_breaks.freeze(session, found, programs(session).get(found.program_key))})
    return version


def _freeze_ranking_terms(session: Session, found: ProgramRound) -> dict:
    """A program with its own ranking score: its terms (points factor, cap, pass mark) as the county set
    them, frozen with the rules; unusable settings freeze nothing (the ranking says what is wrong)."""
    program = programs(session).get(found.program_key)
    if program is None or program.ranking_score is None:
        return {}
    try:
        found.ranking_terms = terms_from(program.ranking_score, settings_of(session, program)).to_json()
    except (ApplicationError, KeyError, ValueError, ArithmeticError):
        return {}
    return dict(found.ranking_terms)


def context_for(session: Session, user: User) -> ApplicantContext:
    profile = session.get(ApplicantProfile, (require_tenant().id, user.id))
    family = members(session, user)
    children = tuple(Child(m.id, m.real_name, m.birth_date) for m in family if m.relation == "child")
    spouse = next((Spouse(m.id, m.real_name, m.birth_date) for m in family if m.relation == "spouse"), None)
    return ApplicantContext(user.id, profile.town if profile else None, children, spouse=spouse,
                            record=record_of(session, user.id, family=family))


APPLIED, WITHDRAWN = "applied", "withdrawn"


def withdraw(session: Session, found: ProgramRound, user: User) -> ProgramApplication:
    """The applicant withdraws the application while the round's window is open (and may apply again in it)."""
    application = application_to(session, found, user)
    if application is None or application.status != APPLIED:
        raise ApplicationError(_l("You have no application in this round to withdraw."))
    today = clock.today()
    if not found.opens_on <= today <= found.closes_on:
        raise ApplicationError(_l("Applications are closed: an application can be withdrawn only while the window "
                                  "is open."))
    application.status = WITHDRAWN
    audit.record(session, "program.withdrawn", actor=user.actor, target_type="program_application",
                 target_id=application.id, details={"round": found.id, "number": application.reference})
    _announce_change(session, found.program_key, application)
    return application


def application_to(session: Session, found: ProgramRound, user: User) -> ProgramApplication | None:
    return session.scalar(select(ProgramApplication).where(ProgramApplication.round_id == found.id,
                                                           ProgramApplication.user_id == user.id))


def _label_of(program: ServiceProgram, name: str | None):
    """The label of a field of the program's application form, in the reader's language when it is shown
    (English in lower case, inside a sentence), never its key."""
    field_ = program.application_schema().fields.get(name or "")
    labels = (field_.metadata.get("label") if field_ is not None else None) or {"zh": name or "", "en": name or ""}

    def text() -> str:
        locale = str(get_locale() or "zh")
        label = localized(labels, locale)
        return label if locale.startswith("zh") else label[:1].lower() + label[1:]

    return LazyText(text)


def apply(session: Session, program: ServiceProgram, user: User, raw: dict) -> ProgramApplication:
    """Apply inside an open window of a started program, with confirmed points and the program's checks."""
    if not available(session, program):
        raise ApplicationError(UNAVAILABLE)
    if not started(session, program):
        raise ApplicationError(_l("This program starts in this county on %(date)s.",
                                  date=start_date(session, program).isoformat()))
    found = open_round(session, program.key)
    if found is None:
        upcoming = next_round(session, program.key)
        if upcoming is not None:
            raise ApplicationError(_l("Applications are closed. The next round opens on %(date)s.",
                                      date=upcoming.opens_on.isoformat()))
        raise ApplicationError(_l("Applications are closed and no next round is announced yet."))
    fraud.refuse_if_barred(session, user.id)  # a finding of false materials bars every program of the county
    points = session.scalar(select(Application).where(Application.user_id == user.id))
    if points is None or points.status != CONFIRMED:
        raise ApplicationError(_l("Your points must be confirmed before you apply for a program."))
    earlier = application_to(session, found, user)
    if earlier is not None and earlier.status != WITHDRAWN:
        raise ApplicationError(_l("You have applied in this round already."))
    schema = program.application_schema()
    try:
        data = schema.dump(schema.load(raw))
    except ma.ValidationError as exc:
        raise ApplicationError(_l("Please correct the marked fields."), exc.messages) from None
    problems = program.check(data, context_for(session, user), settings_of(session, program)) if program.check else []
    if problems:
        raise ApplicationError(problems[0], {"_schema": list(problems)})
    amount = grant_of(session, program, data)
    sub_quota = data.get(program.sub_quota_by) if program.sub_quota_by else None
    if found.sub_quotas and sub_quota not in found.sub_quotas:
        message = _l("Choose one of this round's %(what)s.", what=_label_of(program, program.sub_quota_by))
        raise ApplicationError(message, {program.sub_quota_by or "_schema": [message]})
    if earlier is not None:  # applying again after a withdrawal: the same record and reference number
        result = earlier
        result.status, result.sub_quota, result.fields, result.applied_at = APPLIED, sub_quota, data, clock.utcnow()
        result.amount = amount
        # a new nomination: the committee's decision on the withdrawn one does not carry over
        result.review_status = result.review_reason = result.reviewed_by = result.reviewed_at = None
    else:
        result = ProgramApplication(round_id=found.id, user_id=user.id, sub_quota=sub_quota, fields=data,
                                    applied_at=clock.utcnow(), reference=references.next_reference(session),
                                    amount=amount)
    session.add(result)
    session.flush()
    audit.record(session, "program.applied", actor=user.actor, target_type="program_application",
                 target_id=result.id, details={"program": program.key, "round": found.id, "sub_quota": sub_quota,
                                               "number": result.reference,
                                               **({} if amount is None else {"amount": str(amount)})})
    _announce_change(session, program.key, result)
    return result


MAX_GRANT = Decimal("9999999999.99")  # NUMERIC(12,2)


def grant_of(session: Session, program: ServiceProgram, fields: dict) -> Decimal | None:
    """The grant a budget program's application asks for (``ServiceProgram.grant``), in yuan with fen;
    None for other programs. A grant the program cannot give (the county has set no amount for the
    need category chosen) refuses the application with words, never a 500."""
    if program.grant is None:
        return None
    try:
        value = program.grant(fields, settings_of(session, program))
        amount = None if value is None or isinstance(value, bool) else Decimal(str(value)).quantize(Decimal("0.01"))
    except (ArithmeticError, TypeError, ValueError, KeyError):
        amount = None
    if amount is None or not Decimal("0") < amount <= MAX_GRANT:
        message = _l("The county has set no grant for what you chose: choose another option or call the hotline.")
        raise ApplicationError(message, {"_schema": [message]})
    return amount


def _announce_change(session: Session, program_key: str, application: ProgramApplication) -> None:
    announce(session, "on_program_application_changed", program=program_key, round_id=application.round_id,
             program_application_id=application.id, user_id=application.user_id, reference=application.reference,
             status=application.status, sub_quota=application.sub_quota)
