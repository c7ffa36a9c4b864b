"""Service programs on the portal: a program's page with its rounds, and applying to it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from sqlalchemy import select

from jifen import clock

from jifen.points import applications

from jifen.programs import offers

from jifen.programs import rounds as programs

from jifen.programs import publication

from jifen.programs import transparency
from jifen.db.session import get_db, get_session
from jifen.models import Offer, ProgramRound, RankingRun
from jifen.county.tenancy import bind_tenant, require_tenant
from jifen.plugin import fields as item_forms
from jifen.web.forms import EmptyForm
from jifen.http.security import public, roles_required
from jifen.http.theme import render

bp = Blueprint("programs", __name__)


def _program(key: str):
    found = programs.programs(get_session()).get(key)
    if found is None:
        abort(404)
    return found


def _page(program, values=None, errors=None, status=200):
    session = get_session()
    mine = None
    current = programs.open_round(session, program.key)
    applicant = _is_applicant()
    if current is not None and applicant:
        mine = programs.application_to(session, current, current_user)
    return render("portal/program.html", program=program, start=programs.start_date(session, program),
                  started=programs.started(session, program), current=current,
                  upcoming=programs.next_round(session, program.key), today=clock.today(), mine=mine,
                  rounds=programs.rounds_of(session, program.key),
                  my_offers=[o for o in offers.offers_for_user(session, current_user) if o.round_id in
                             {r.id for r in programs.rounds_of(session, program.key)}] if applicant else [],
                  fields=item_forms.specs(program.application_schema()), values=values or {},
                  errors=errors or {}, form=EmptyForm()), status


@bp.get("/programs/<key>")
@public
def program(key: str):
    return _page(_program(key))


@bp.post("/programs/<key>/apply")
@roles_required("applicant")
def apply(key: str):
    program = _program(key)
    session = get_session()
    raw = item_forms.read(request.form, "", item_forms.specs(program.application_schema()))
    try:
        programs.apply(session, program, current_user._get_current_object(), raw)
    except applications.ApplicationError as exc:
        session.rollback()
        errors = item_forms.translate_errors(exc.messages)
        flash(str(exc.message), "error")
        return _page(program, dict(request.form), errors, 400)
    session.commit()
    flash(_("Your application is recorded."), "success")
    return redirect(url_for("programs.program", key=key))


def _round(key: str, round_id: int, *, published_when_off: bool = False):
    """The program and its round; with ``published_when_off`` also of a program switched off since, if
    the round has a published list (a published list stays readable)."""
    session = get_session()
    program = programs.programs(session).get(key)
    if program is None and published_when_off:
        program = programs.declared_program(key)
    if program is None:
        abort(404)
    found = session.scalar(select(ProgramRound).where(ProgramRound.id == round_id, ProgramRound.program_key == key))
    if found is None or (published_when_off and key not in programs.programs(session)
                         and publication.latest(session, found) is None):
        abort(404)
    return program, found


def _published(key: str, round_id: int):
    """The program, the round, its latest publication and the run it shows; 404 before any publication."""
    program, found = _round(key, round_id, published_when_off=True)
    publication_row = publication.latest(get_session(), found)
    if publication_row is None:
        abort(404)
    return program, found, publication_row, get_session().get(RankingRun, (found.tenant_id, publication_row.run_id))


def _is_applicant() -> bool:
    return current_user.is_authenticated and not current_user.is_platform_admin and current_user.has_role("applicant")


@bp.get("/programs/<key>/rounds/<int:round_id>/list")
@public
def published_list(key: str, round_id: int):
    session = get_session()
    program, found, publication_row, run = _published(key, round_id)
    number = request.args.get("number", type=int)
    after = request.args.get("after", default=0, type=int)
    entries = publication.page(session, publication_row, after=max(after, 0), number=number)
    standing = publication.standing_of(session, publication_row, run, current_user) if _is_applicant() else None
    return render("portal/published_list.html", program=program, round=found, publication=publication_row, run=run,
                  entries=entries, number=number, standing=standing, page_size=publication.PAGE_SIZE,
                  objections_open=publication.in_objection_period(publication_row), form=EmptyForm())


@bp.get("/programs/<key>/rounds/<int:round_id>/list.csv")
@public
def published_csv(key: str, round_id: int):
    _program_, found, publication_row, run = _published(key, round_id)
    tenant, database, app = require_tenant(), get_db(), current_app._get_current_object()

    def generate():
        # The body is produced after the view returned, in another context: its own app context,
        # county binding and session, closed whatever happens.
        with app.app_context(), bind_tenant(tenant):
            own = database.new_session()
            try:
                yield from publication.csv_lines(own, publication_row, run)
            finally:
                own.close()

    response = Response(generate(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=round-{found.id}-{publication_row.stage}.csv"
    response.headers["X-Ranking-Digest"] = run.digest
    return response


@bp.post("/programs/<key>/rounds/<int:round_id>/objections")
@roles_required("applicant")
def object_to(key: str, round_id: int):
    session = get_session()
    _program_, _round_, publication_row, _run_ = _published(key, round_id)
    number = request.form.get("number", type=int)
    try:
        publication.object_to(session, publication_row, current_user._get_current_object(),
                              request.form.get("reason", ""), number)
    except applications.ApplicationError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("programs.published_list", key=key, round_id=round_id)), 303
    session.commit()
    flash(_("Your objection is recorded; the county re-checks it and records the outcome."), "success")
    return redirect(url_for("programs.published_list", key=key, round_id=round_id))


@bp.get("/programs/<key>/rounds/<int:round_id>")
@public
def round_page(key: str, round_id: int):
    session = get_session()
    program, found = _round(key, round_id, published_when_off=True)
    run = publication.current_run(session, found)
    published = publication.latest(session, found)
    shown_run = run if published is not None else None  # figures of a run appear once it is published
    fig = transparency.figures(session, found, shown_run)
    return render("portal/round.html", program=program, round=found, stages=transparency.stages(session, found),
                  figures=fig, chart=transparency.chart(fig), published=published)


@bp.post("/programs/<key>/offers/<int:offer_id>/<answer>")
@roles_required("applicant")
def answer_offer(key: str, offer_id: int, answer: str):
    session = get_session()
    _program(key)
    offer = session.scalar(select(Offer).where(Offer.id == offer_id, Offer.user_id == current_user.id))
    if offer is None or answer not in ("accept", "decline"):
        abort(404)
    try:
        if answer == "accept":
            offers.accept(session, offer, current_user._get_current_object())
        else:
            offers.decline(session, offer, current_user._get_current_object(), request.form.get("reason") or None)
    except applications.ApplicationError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("programs.program", key=key)), 303
    session.commit()
    flash(_("Your answer is recorded."), "success")
    return redirect(url_for("programs.program", key=key))
