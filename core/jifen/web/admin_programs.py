"""County administrators' pages for service programs: rollout state, rounds and their applications."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from jifen.points import applications

from jifen.programs import offers

from jifen.programs import rounds as programs

from jifen.programs import publication

from jifen.ranking import runs as ranking
from jifen import audit, jobs
from jifen.jobs import backends
from jifen.jobs import work as job_work
from jifen.db.session import get_session
from jifen.models import Job, Objection, ProgramApplication, ProgramRound, Publication, RankingRun
from jifen.plugin import fields as item_forms
from jifen.web.forms import EmptyForm
from jifen.web.loading import get_or_404
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
    rows = []
    for program in programs.programs(session).values():
        rows.append((program, programs.start_date(session, program), programs.rounds_of(session, program.key)))
    return render("admin/programs.html", rows=rows)


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


@bp.get("/rounds/<int:round_id>")
@admins
def round_detail(round_id: int):
    session = get_session()
    found = get_or_404(ProgramRound, round_id)
    program = programs.programs(session).get(found.program_key)
    counts = dict(session.execute(select(ProgramApplication.sub_quota, func.count(ProgramApplication.id))
                                  .where(ProgramApplication.round_id == found.id)
                                  .group_by(ProgramApplication.sub_quota)).all())
    runs = list(session.scalars(select(RankingRun).where(RankingRun.round_id == found.id)
                                .order_by(RankingRun.created_at.desc())))
    latest = publication.latest(session, found)
    return render("admin/round.html", round=found, program=program, counts=counts, total=sum(counts.values()),
                  runs=runs, latest=latest, objections=publication.objections_of(session, latest) if latest else [],
                  offers=offers.offers_of(session, found),
                  ranking_job=jobs.latest_job(session, "round", found.id, kind="ranking.run"),
                  form=EmptyForm())


def _act(round_id: int, action, success):
    """Run ``action(session)``; commit and say ``success(result)``, or roll back and say why. Back to the round."""
    session = get_session()
    try:
        result = action(session)
    except (applications.ApplicationError, ranking.RankingError) as exc:
        session.rollback()
        flash(str(getattr(exc, "message", exc)), "error")
        return redirect(url_for("admin_programs.round_detail", round_id=round_id)), 303
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
    if stage not in ("provisional", "final") or program is None:
        abort(400)
    if stage == "provisional":
        return _act(round_id, lambda db: publication.publish_provisional(db, found, program, actor=current_user.actor),
                    lambda _result: _("Published."))
    return _act(round_id, lambda db: publication.publish_final(db, found, actor=current_user.actor),
                lambda _result: _("Published."))


@bp.post("/objections/<int:objection_id>")
@admins
def decide_objection(objection_id: int):
    session = get_session()
    objection = get_or_404(Objection, objection_id)
    found_publication = session.get(Publication, (objection.tenant_id, objection.publication_id))
    return _act(found_publication.round_id,
                lambda db: publication.decide(db, objection, request.form.get("decision") == "upheld",
                                              request.form.get("outcome", ""), actor=current_user.actor),
                lambda _result: _("The re-check is recorded."))


@bp.post("/rounds/<int:round_id>/run")
@admins
def run_ranking(round_id: int):
    """Start the ranking as a job (a large round takes longer than a request may); its page follows it."""
    session = get_session()
    found = get_or_404(ProgramRound, round_id)
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
                  refresh=job.state in ("queued", "running"))


@bp.post("/runs/<int:run_id>/current")
@admins
def make_current(run_id: int):
    session = get_session()
    run = get_or_404(RankingRun, run_id)
    ranking.make_current(session, run, current_user.actor)
    session.commit()
    return redirect(url_for("admin_programs.round_detail", round_id=run.round_id))


@bp.post("/rounds/<int:round_id>/offers")
@admins
def make_offers(round_id: int):
    found = get_or_404(ProgramRound, round_id)
    return _act(round_id, lambda db: offers.make_offers(db, found, actor=current_user.actor),
                lambda made: _("%(n)d offers made.", n=len(made)))


@bp.route("/rounds/<int:round_id>/simulate", methods=["GET", "POST"])
@admins
def simulate(round_id: int):
    """What if the quota or a points value were different: checked here, ranked by a job, nothing stored."""
    session = get_session()
    found = get_or_404(ProgramRound, round_id)
    quota_text = (request.values.get("quota") or "").strip()
    setting = (request.values.get("set") or "").strip()
    errors: dict[str, str] = {}
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        quota = None
        if quota_text:
            if not quota_text.isascii() or not quota_text.isdigit() or not 1 <= int(quota_text) <= 10_000_000:
                errors["quota"] = _("Enter the quota as a whole number of places, from 1 to 10,000,000.")
            else:
                quota = int(quota_text)
        if setting:
            try:
                ranking.changed_rules(session, found, ranking.parse_setting(setting))
            except ranking.RankingError as exc:
                errors["set"] = str(exc)
        if not errors and quota is None and not setting:
            errors["quota"] = _("Give another quota, another points value, or both.")
        if not errors:
            job = jobs.enqueue(session, "ranking.simulate", actor=current_user.actor,
                               params={"round_id": found.id, "quota": quota, "setting": setting},
                               target_type="round", target_id=found.id)
            audit.record(session, "job.requested", actor=current_user.actor, target_type="job", target_id=job.id,
                         details={"kind": job.kind, "round": found.id})
            session.commit()
            return redirect(url_for("admin_programs.job_detail", job_id=job.id))
        session.rollback()
    return render("admin/simulate.html", round=found, errors=errors, quota=quota_text, setting=setting, form=form,
                  current=publication.current_run(session, found)), 400 if errors else 200
