"""County administrators' pages for service programs: rollout state, rounds and their applications."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from jifen.points import applications, rules

from jifen.programs import offers

from jifen.programs import rounds as programs

from jifen.programs import publication

from jifen.programs import states

from jifen.programs import committee

from jifen.ranking import runs as ranking
from jifen.ranking import tie_breaks
from jifen import audit, clock, jobs
from jifen.calendar.workdays import add_working_days, period_end
from jifen.jobs import backends
from jifen.jobs import work as job_work
from jifen.db.session import get_session
from jifen.models import Job, Objection, ProgramApplication, ProgramRound, Publication, RankingRun
from jifen.plugin import fields as item_forms
from jifen.web import words
from jifen.web.audit_words import Actors
from jifen.web.forms import EmptyForm
from jifen.web.loading import get_or_404
from jifen.web.tie_break_words import chain_text
from jifen.http.security import roles_required
from jifen.http.theme import render

bp = Blueprint("admin_programs", __name__)
admins = roles_required("admin")


def parse_sub_quotas(text: str) -> dict | str:
    """'魏塘街道: 40' per line -> {"魏塘街道": "40"}; the schema checks the numbers."""
    result = {}
    for line in (text or "").replace("：", ":").splitlines():
        if not line.strip():
            continue
        name, _sep, places = line.rpartition(":")
        result[name.strip() or line.strip()] = places.strip()
    return result


@bp.get("/programs")
@admins
def overview():
    session = get_session()
    rows, round_states = [], {}
    for program in programs.programs(session).values():
        found = programs.rounds_of(session, program.key)
        round_states.update({r.id: states.state_of(session, r) for r in found})
        rows.append((program, programs.start_date(session, program), found))
    chains = {program.key: chain_text(tie_breaks.chain_of(session, program), program) for program, *_rest in rows}
    return render("admin/programs.html", rows=rows, round_states=round_states, chains=chains)


@bp.route("/programs/<key>/rounds/new", methods=["GET", "POST"])
@admins
def new_round(key: str):
    session = get_session()
    program = programs.programs(session).get(key)
    if program is None:
        abort(404)
    errors, values = {}, {"second_round_cap_percent": "10", "cutoff_ties": "strict"}
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        values = dict(request.form)
        raw = {k: v.strip() for k, v in request.form.items() if k in programs.RoundSchema().fields and k != "sub_quotas"
               and v.strip() != ""}
        raw["second_round"] = request.form.get("second_round") == "y"
        raw["sub_quotas"] = parse_sub_quotas(request.form.get("sub_quotas", ""))
        try:
            found = programs.create_round(session, program, raw, actor=current_user.actor)
        except applications.ApplicationError as exc:
            session.rollback()
            errors = item_forms.translate_errors(exc.messages)
        else:
            session.commit()
            flash(_("The round is created."), "success")
            return redirect(url_for("admin_programs.round_detail", round_id=found.id))
    return render("admin/round_new.html", program=program, values=values, errors=errors, form=form), \
        400 if errors else 200


CONFIRM_FIELDS = {states.PUBLISH_PROVISIONAL: "publish.confirm", states.PUBLISH_FINAL: "publish.confirm",
                  states.MAKE_OFFERS: "offers.confirm"}


def _confirmed() -> bool:
    """An irreversible step needs its box ticked: the server checks it, whatever the page's script did."""
    return request.form.get("confirm") == "y"


def _round_page(found: ProgramRound, *, errors: dict | None = None, values: dict | None = None, status: int = 200):
    session = get_session()
    state = states.state_of(session, found)
    program = state.program
    counts = dict(session.execute(select(ProgramApplication.sub_quota, func.count(ProgramApplication.id))
                                  .where(ProgramApplication.round_id == found.id)
                                  .group_by(ProgramApplication.sub_quota)).all())
    runs = list(session.scalars(select(RankingRun).where(RankingRun.round_id == found.id)
                                .order_by(RankingRun.created_at.desc())))
    latest = state.latest
    objections = publication.objections_of(session, latest) if latest else []
    deciders = Actors(session, [o.decided_by for o in objections if o.decided_by])
    round_offers = offers.offers_of(session, found)
    concerned = {o.program_application_id for o in (*objections, *round_offers) if o.program_application_id}
    numbers = dict(session.execute(select(ProgramApplication.id, ProgramApplication.reference)
                                   .where(ProgramApplication.id.in_(concerned))).all()) if concerned else {}
    today = clock.today()
    period_ends = period_end(today, program.publication_days) if program is not None else None
    offer_deadline = add_working_days(today, offers.offer_days(session, program)) if program is not None else None
    return render("admin/round.html", round=found, program=program or programs.declared_program(found.program_key),
                  state=state, allowed=state.allowed(), counts=counts, total=sum(counts.values()), runs=runs,
                  latest=latest, objections=objections, deciders=deciders,
                  offers=round_offers, numbers=numbers, changes=programs.changes_of(session, found),
                  ranking_job=jobs.latest_job(session, "round", found.id, kind="ranking.run"),
                  period_ends=period_ends, offer_deadline=offer_deadline, today=today,
                  committee=committee.counts(session, found) if program is not None and program.committee_review
                  else None,
                  state_refusal=lambda action: states.refusal(state, action),
                  chain=None if program is None else chain_text(tie_breaks.round_chain(session, found, program), program),
                  errors=errors or {}, values=values or {}, form=EmptyForm()), status


@bp.get("/rounds/<int:round_id>")
@admins
def round_detail(round_id: int):
    return _round_page(get_or_404(ProgramRound, round_id))


def _refused(round_id: int, message):
    flash(str(message), "error")
    return redirect(url_for("admin_programs.round_detail", round_id=round_id)), 303


def _guard(found: ProgramRound, action: str):
    """The round's state refuses ``action`` (a redirect with the reason), or lets it through (None);
    a step that cannot be undone also needs its confirmation box (else the page again, with the error)."""
    message = states.refusal(states.state_of(get_session(), found), action)
    if message is not None:
        return _refused(found.id, message)
    if action in CONFIRM_FIELDS and not _confirmed():
        return _round_page(found, errors={CONFIRM_FIELDS[action]: [_("Tick the box to confirm that you know "
                                                                      "what this step does.")]}, status=400)
    return None


def _act(round_id: int, action, success):
    """Run ``action(session)``; commit and say ``success(result)``, or roll back and say why. Back to the round."""
    session = get_session()
    try:
        result = action(session)
    except (applications.ApplicationError, ranking.RankingError) as exc:
        session.rollback()
        return _refused(round_id, getattr(exc, "message", exc))
    session.commit()
    flash(success(result), "success")
    return redirect(url_for("admin_programs.round_detail", round_id=round_id))


@bp.post("/rounds/<int:round_id>/publish")
@admins
def publish(round_id: int):
    session = get_session()
    found = get_or_404(ProgramRound, round_id)
    program = programs.programs(session).get(found.program_key)
    stage = request.form.get("stage")
    if stage not in ("provisional", "final"):
        abort(400)
    if program is None:
        return _refused(round_id, _("This county does not offer this program."))
    refused = _guard(found, states.PUBLISH_PROVISIONAL if stage == "provisional" else states.PUBLISH_FINAL)
    if refused is not None:
        return refused
    if stage == "provisional":
        return _act(round_id, lambda db: publication.publish_provisional(db, found, program, actor=current_user.actor),
                    lambda done: _("The provisional list is published; objections are taken until %(date)s.",
                                   date=done.ends_on.isoformat()))
    return _act(round_id, lambda db: publication.publish_final(db, found, actor=current_user.actor),
                lambda _result: _("The final list is published."))


@bp.post("/rounds/<int:round_id>/window")
@admins
def change_window(round_id: int):
    """A draft round's dates, or an open window closed early or extended, with the reason recorded."""
    session = get_session()
    found = get_or_404(ProgramRound, round_id)
    program = programs.programs(session).get(found.program_key)
    if program is None:
        return _refused(round_id, _("This county does not offer this program."))
    refused = _guard(found, states.CHANGE_WINDOW)
    if refused is not None:
        return refused
    typed = {k: (request.form.get(k) or "").strip() for k in ("opens_on", "closes_on", "reason")}
    values = {f"window.{k}": v for k, v in typed.items()}
    raw = {k: v for k, v in typed.items() if v}
    closes_now = _parsed_date(typed["closes_on"])
    if closes_now is not None and closes_now < clock.today() and not _confirmed():
        return _round_page(found, values=values, status=400, errors={"window.confirm": [
            _("Tick the box to confirm that the window closes now: nobody can apply after that.")]})
    try:
        before = programs.change_window(session, program, found, raw, actor=current_user.actor)
    except applications.ApplicationError as exc:
        session.rollback()
        errors = {f"window.{k}": v for k, v in item_forms.translate_errors(exc.messages).items()}
        return _round_page(found, values=values, status=400,
                           errors=errors or {"window.closes_on": [str(exc.message)]})
    session.commit()
    was = " – ".join(day.isoformat() for day in before)
    flash(_("The window is now %(opens)s – %(closes)s (it was %(before)s).", opens=found.opens_on.isoformat(),
            closes=found.closes_on.isoformat(), before=was), "success")
    return redirect(url_for("admin_programs.round_detail", round_id=round_id))


def _parsed_date(text: str):
    try:
        return date.fromisoformat(text) if text else None
    except ValueError:
        return None


@bp.post("/rounds/<int:round_id>/objection-period")
@admins
def change_period(round_id: int):
    """End the running objection period now, or move its last day, with the reason recorded."""
    session = get_session()
    found = get_or_404(ProgramRound, round_id)
    refused = _guard(found, states.CHANGE_PERIOD)
    if refused is not None:
        return refused
    ending = request.form.get("action") == "end"
    typed = {k: (request.form.get(k) or "").strip() for k in ("ends_on", "reason")}
    prefix = "period_end" if ending else "period"
    values = {f"{prefix}.{k}": v for k, v in typed.items()}
    if ending and not _confirmed():
        return _round_page(found, values=values, status=400, errors={"period_end.confirm": [
            _("Tick the box to confirm that objections end now.")]})
    ends_on = None
    if not ending:
        ends_on = _parsed_date(typed["ends_on"])
        if ends_on is None:
            return _round_page(found, values=values, status=400, errors={"period.ends_on": [
                _("Give the new last day of the objection period as a date, for example 2027-05-31.")]})
    provisional = states.state_of(session, found).latest
    try:
        publication.change_period(session, found, provisional, ends_on, typed["reason"], actor=current_user.actor)
    except applications.ApplicationError as exc:
        session.rollback()
        errors = {f"{prefix}.{k}": v for k, v in item_forms.translate_errors(exc.messages).items()}
        return _round_page(found, values=values, status=400, errors=errors or {f"{prefix}.reason": [str(exc.message)]})
    session.commit()
    flash(_("Objections are closed.") if ending else
          _("Objections are now taken until %(date)s.", date=ends_on.isoformat()), "success")
    return redirect(url_for("admin_programs.round_detail", round_id=round_id))


@bp.post("/objections/<int:objection_id>")
@admins
def decide_objection(objection_id: int):
    session = get_session()
    objection = get_or_404(Objection, objection_id)
    found_publication = session.get(Publication, (objection.tenant_id, objection.publication_id))
    decision = request.form.get("decision")
    if decision not in ("dismissed", "upheld"):
        found = get_or_404(ProgramRound, found_publication.round_id)
        return _round_page(found, status=400, errors={f"decision-{objection.id}": [
            _("Choose the outcome of the re-check: dismissed or upheld.")]},
            values={f"outcome-{objection.id}": request.form.get("outcome", "")})
    return _act(found_publication.round_id,
                lambda db: publication.decide(db, objection, decision == "upheld",
                                              request.form.get("outcome", ""), actor=current_user.actor),
                lambda _result: _("The re-check is recorded."))


@bp.post("/rounds/<int:round_id>/run")
@admins
def run_ranking(round_id: int):
    """Start the ranking as a job (a large round takes longer than a request may); its page follows it."""
    session = get_session()
    found = get_or_404(ProgramRound, round_id)
    state = states.state_of(session, found)
    if state.name in states.AFTER_FINAL:  # a round still open is refused by the job, whose page says why
        return _refused(round_id, states.refusal(state, states.RANK))
    running = jobs.latest_job(session, "round", found.id, kind="ranking.run")
    if running is not None and running.state in ("queued", "running"):
        flash(_("A ranking of this round is already under way."), "error")
        return redirect(url_for("admin_programs.job_detail", job_id=running.id)), 303
    job = jobs.enqueue(session, "ranking.run", actor=current_user.actor, params={"round_id": found.id},
                       target_type="round", target_id=found.id)
    audit.record(session, "job.requested", actor=current_user.actor, target_type="job", target_id=job.id,
                 details={"kind": job.kind, "round": found.id})
    session.commit()
    return redirect(url_for("admin_programs.job_detail", job_id=job.id))


@bp.get("/jobs/<int:job_id>")
@admins
def job_detail(job_id: int):
    """A job's phase and progress while it runs (the page refreshes itself), then its result or error."""
    session = get_session()
    job = get_or_404(Job, job_id)
    found = session.get(ProgramRound, (job.tenant_id, job.target_id)) if job.target_type == "round" else None
    phase, done, total = job_work.live_progress(job)
    waiting = job.state == "queued" and not backends.queue_status()["ok"]
    return render("admin/job.html", job=job, round=found, phase=phase, done=done, total=total, waiting=waiting,
                  label=jobs.job_label(job.kind), error=job_work.error_text(job, str(get_locale())),
                  refresh=job.state in ("queued", "running"), csrf_form=EmptyForm())


@bp.post("/runs/<int:run_id>/current")
@admins
def make_current(run_id: int):
    session = get_session()
    run = get_or_404(RankingRun, run_id)
    found = session.get(ProgramRound, (run.tenant_id, run.round_id))
    message = states.refusal(states.state_of(session, found), states.MAKE_CURRENT)
    if message is not None:
        return _refused(found.id, message)
    ranking.make_current(session, run, current_user.actor)
    session.commit()
    return redirect(url_for("admin_programs.round_detail", round_id=run.round_id))


@bp.post("/rounds/<int:round_id>/offers")
@admins
def make_offers(round_id: int):
    found = get_or_404(ProgramRound, round_id)
    refused = _guard(found, states.MAKE_OFFERS)
    if refused is not None:
        return refused
    return _act(round_id, lambda db: offers.make_offers(db, found, actor=current_user.actor),
                lambda made: _("%(n)d offers made.", n=len(made)))


@bp.route("/rounds/<int:round_id>/simulate", methods=["GET", "POST"])
@admins
def simulate(round_id: int):
    """What if the quota, a sub-quota or a points value were different: checked here as a round is
    (numbers, sub-quotas adding up to the quota), ranked by a job, nothing stored."""
    session = get_session()
    found = get_or_404(ProgramRound, round_id)
    program = programs.programs(session).get(found.program_key)
    if program is None:
        abort(404)
    # Only what decides the places in the program's quota mode is asked for (docs/ranking.md).
    asks_quota = program.quota_mode in ("headcount", "cutoff")
    towns = sorted(found.sub_quotas or {}) if program.quota_mode == "headcount" else []
    values = {"quota": "" if found.quota is None else str(found.quota),
              **{f"sub-{i}": str(found.sub_quotas[town]) for i, town in enumerate(towns)}, "setting": "", "value": ""}
    settings = [(path, label) for item in rules.county_item_types(session).values()
                for path, label in words.numeric_settings(item)]
    values.update({name: request.values[name].strip() for name in values if name in request.values})
    errors: dict = {}
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        quota = found.quota
        if asks_quota and (values["quota"] or found.quota is not None):
            quota = _whole_places(values["quota"], "quota", errors,
                                  _("Enter the quota as a whole number of places, from 1 to 10,000,000."))
        subs = {town: _whole_places(values[f"sub-{i}"], f"sub-{i}", errors,
                                    _("Enter the places of %(name)s as a whole number, from 1 to 10,000,000.",
                                      name=town))
                for i, town in enumerate(towns)}
        if not errors:
            try:
                ranking.checked_places(program.quota_mode, quota, subs)
            except ranking.RankingError as exc:
                errors["quota"] = exc.message
        setting = _setting_typed(values, dict(settings), errors)
        if setting:
            try:
                ranking.changed_rules(session, found, ranking.parse_setting(setting))
            except ranking.RankingError:
                errors["value"] = _("The points tables do not allow this value for that setting.")
        unchanged = quota == found.quota and subs == {town: found.sub_quotas[town] for town in towns}
        if not errors and unchanged and not setting:
            errors["quota" if asks_quota else "setting"] = _(
                "Change the quota, a sub-quota or a points value: unchanged, the simulation would repeat the ranking.")
        if not errors:
            job = jobs.enqueue(session, "ranking.simulate", actor=current_user.actor,
                               params={"round_id": found.id, "quota": quota, "sub_quotas": subs if towns else None,
                                       "setting": setting},
                               target_type="round", target_id=found.id)
            audit.record(session, "job.requested", actor=current_user.actor, target_type="job", target_id=job.id,
                         details={"kind": job.kind, "round": found.id})
            session.commit()
            return redirect(url_for("admin_programs.job_detail", job_id=job.id))
        session.rollback()
    current = publication.current_run(session, found)
    current_subs = {sub.name: sub for sub in ranking.sub_quotas_of_run(session, current)} if current else {}
    return render("admin/simulate.html", round=found, errors=errors, values=values, form=form, asks_quota=asks_quota,
                  towns=list(enumerate(towns)), current=current, current_subs=current_subs,
                  settings=settings), 400 if errors else 200


def _setting_typed(values: dict, settings: dict[str, str], errors: dict) -> str:
    """The points value to change, as ``item.key=value`` (the ranking's form of it), from the two fields:
    a setting chosen from the list and a number; empty when neither is filled in."""
    path, typed = values["setting"], values["value"]
    if not path and not typed:
        return ""
    if path not in settings:
        errors["setting"] = _("Choose the points value to change from the list.")
        return ""
    try:
        number = Decimal(typed)
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not typed.isascii() or not number.is_finite():
        errors["value"] = _("Enter the new points value as a number, such as 70 or 2.5.")
        return ""
    return f"{path}={typed}"


def _whole_places(text: str, field: str, errors: dict, message: str) -> int | None:
    """A number of places as typed (ASCII digits, 1 to 10,000,000), or None with ``message`` by the field."""
    if text.isascii() and text.isdigit() and 1 <= int(text) <= 10_000_000:
        return int(text)
    errors[field] = message
    return None
