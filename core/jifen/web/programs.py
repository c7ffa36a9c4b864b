"""Service programs on the portal: a program's page with its rounds, and applying to it."""

from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user

from sqlalchemy import and_, select

from jifen import clock, references

from jifen.points import applications, family

from jifen.programs import offers

from jifen.programs import rounds as programs

from jifen.programs import publication

from jifen.programs import transparency
from jifen.ranking import runs as ranking
from jifen.db.session import get_db, get_session
from jifen.models import Offer, ProgramApplication, ProgramRound, Publication, RankingRun
from jifen.county.revisions import revision
from jifen.county.tenancy import bind_tenant, require_tenant
from jifen.plugin import fields as item_forms
from jifen.web.forms import EmptyForm
from jifen.web.i18n import current_locale
from jifen.web.page_cache import cached_for_anonymous, shared_with_anonymous
from jifen.county.context import current_county
from jifen.web.tie_break_words import chain_text
from jifen.http.security import public, roles_required
from jifen.http.theme import render

bp = Blueprint("programs", __name__)


def _program(key: str):
    found = programs.programs(get_session()).get(key)
    if found is None:
        abort(404)
    return found


def _offered(session, program, current) -> dict:
    """The answers the platform knows (jifen.plugin.fields.specs' ``offered``): the round's schools or towns,
    and the applicant's registered children for a field that asks for a child."""
    offered: dict = {}
    if current is not None and program.sub_quota_by and current.sub_quotas:
        offered[program.sub_quota_by] = tuple((name, {"zh": name, "en": name}) for name in current.sub_quotas)
    asks_child = [name for name, f in program.application_schema().fields.items()
                  if f.metadata.get("choices_from") == "children"]
    if asks_child and _is_applicant():
        children = tuple((m.real_name, {"zh": m.real_name, "en": m.real_name})
                         for m in family.members(session, current_user) if m.relation == "child")
        offered.update({name: children for name in asks_child})
    return offered


def _fields(session, program, current) -> list:
    return item_forms.specs(program.application_schema(), _offered(session, program, current))


def _page(program, values=None, errors=None, status=200):
    session = get_session()
    today = clock.today()
    if values is None and errors is None and shared_with_anonymous():
        # An anonymous visitor's page depends on the program (the plugins revision), its rounds (the
        # rounds revision), the day and the language: kept under exactly those, read outside any transaction.
        key = ("program", g.tenant, current_locale(), current_county().revision,
               revision(session, g.tenant, "rounds_revision"), today, program.key)
        return cached_for_anonymous(key, lambda: _render_page(session, program, today)), status
    return _render_page(session, program, today, values, errors), status


def _render_page(session, program, today, values=None, errors=None) -> str:
    rounds = programs.rounds_of(session, program.key)  # once: the open, the next and all rounds come from it
    mine = None
    current = programs.open_round(session, program.key, today, rounds=rounds)
    applicant = _is_applicant()
    if current is not None and applicant:
        mine = programs.application_to(session, current, current_user)
    fields = _fields(session, program, current)
    needs_child = applicant and any(f.kind == "choice" and not f.choices for f in fields)
    round_ids = {r.id for r in rounds}
    return render("portal/program.html", program=program, start=programs.start_date(session, program),
                  started=programs.started(session, program, today), current=current,
                  unavailable=not programs.available(session, program),
                  upcoming=programs.next_round(session, program.key, today, rounds=rounds), today=today, mine=mine,
                  rounds=rounds,
                  my_offers=[o for o in offers.offers_for_user(session, current_user) if o.round_id in round_ids]
                  if applicant else [],
                  fields=fields, needs_child=needs_child, values=values or {},
                  # An anonymous visitor gets no form: no CSRF token in a session, so the page may be shared.
                  errors=errors or {}, form=EmptyForm() if applicant else None)


@bp.get("/programs/<key>")
@public
def program(key: str):
    return _page(_program(key))


@bp.post("/programs/<key>/apply")
@roles_required("applicant")
def apply(key: str):
    program = _program(key)
    session = get_session()
    raw = item_forms.read(request.form, "", _fields(session, program, programs.open_round(session, program.key)))
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


@bp.post("/programs/<key>/withdraw")
@roles_required("applicant")
def withdraw(key: str):
    """Withdraw the application to the open round, after ticking the box that says what it means."""
    program = _program(key)
    session = get_session()
    current = programs.open_round(session, program.key)
    if request.form.get("confirm") != "y":
        return _page(program, errors={"withdraw": [_("Tick the box to confirm that you withdraw the application.")]},
                     status=400)
    if current is None:
        flash(_("Applications are closed: an application can be withdrawn only while the window is open."), "error")
        return redirect(url_for("programs.program", key=key)), 303
    try:
        withdrawn = programs.withdraw(session, current, current_user._get_current_object())
    except applications.ApplicationError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("programs.program", key=key)), 303
    session.commit()
    flash(_("Your application %(reference)s is withdrawn.", reference=withdrawn.reference), "success")
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
    """The program, the round, its latest publication and the run it shows; 404 before any publication.
    One statement: the public lists are the county's most read pages."""
    program = programs.programs(get_session()).get(key) or programs.declared_program(key)  # a list stays readable
    if program is None:  # before any statement: a key no program has (a NUL, say) reaches no database
        abort(404)
    row = get_session().execute(
        select(ProgramRound, Publication, RankingRun)
        .join(Publication, and_(Publication.tenant_id == ProgramRound.tenant_id, Publication.round_id == ProgramRound.id))
        .outerjoin(RankingRun, and_(RankingRun.tenant_id == Publication.tenant_id, RankingRun.id == Publication.run_id))
        .where(ProgramRound.id == round_id, ProgramRound.program_key == key)
        .order_by(Publication.published_at.desc(), Publication.id.desc()).limit(1)).first()
    if row is None:
        abort(404)
    found, publication_row, run = row
    return program, found, publication_row, run


def _is_applicant() -> bool:
    return current_user.is_authenticated and not current_user.is_platform_admin and current_user.has_role("applicant")


@bp.get("/programs/<key>/rounds/<int:round_id>/list")
@public
def published_list(key: str, round_id: int):
    typed = (request.args.get("number") or "").strip()
    after = request.args.get("after", default=0, type=int)
    if not shared_with_anonymous():
        return _published_list_page(key, round_id, typed, after)
    # A publication's rows never change: for anonymous visitors the page is rendered once per page, search,
    # language and day (the objection period ends on a day), and per revision of the county's plugins, rounds
    # and publications (a newer publication, a renamed round), read outside any transaction (jifen.web.page_cache).
    session = get_session()
    cache_key = ("published_list", g.tenant, current_locale(), current_county().revision,
                 revision(session, g.tenant, "rounds_revision"), revision(session, g.tenant, "publications_revision"),
                 clock.today(), key, round_id, after, typed[:40])
    return cached_for_anonymous(cache_key, lambda: _published_list_page(key, round_id, typed, after))


def _published_list_page(key: str, round_id: int, typed: str, after: int) -> str:
    program, found, publication_row, run = _published(key, round_id)
    return _list_page(program, found, publication_row, run, typed, after)


def _list_page(program, found, publication_row, run, typed: str, after: int) -> str:
    session = get_session()
    number = references.normalized(typed) if typed else None
    not_a_number = bool(typed) and number is None
    entries = [] if not_a_number else publication.page(session, publication_row, after=max(after, 0), number=number)
    standing = publication.standing_of(session, publication_row, run, current_user) if _is_applicant() else None
    subs = ranking.sub_quotas_of_run(session, run) if run is not None and run.params else ()
    return render("portal/published_list.html", program=program, round=found, publication=publication_row, run=run,
                  entries=entries, number=number, typed=typed, not_a_number=not_a_number, standing=standing,
                  sub_quotas=[s for s in subs if s.cutoff is not None], page_size=publication.PAGE_SIZE,
                  objections_open=publication.in_objection_period(publication_row),
                  form=EmptyForm() if _is_applicant() else None,  # only an applicant objects: see program()
                  score_terms=publication.score_terms_of(run), ranking_score=program.ranking_score,
                  chain=chain_text(run.params["tie_breaks"], program)
                  if run is not None and "tie_breaks" in (run.params or {}) else None)


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
    response.headers["Content-Disposition"] = (  # no internal id in what people keep
        f"attachment; filename=list-{publication_row.starts_on.isoformat()}-{publication_row.stage}.csv")
    response.headers["X-Ranking-Digest"] = run.digest
    return response


@bp.post("/programs/<key>/rounds/<int:round_id>/objections")
@roles_required("applicant")
def object_to(key: str, round_id: int):
    session = get_session()
    _program_, _round_, publication_row, _run_ = _published(key, round_id)
    number = request.form.get("number")  # a reference number as typed; the domain finds it on the list
    try:
        objection = publication.object_to(session, publication_row, current_user._get_current_object(),
                                          request.form.get("reason", ""), number)
    except applications.ApplicationError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("programs.published_list", key=key, round_id=round_id)), 303
    session.commit()
    # The acknowledgement names the objection's reference number; its state and outcome follow on the
    # applicant's status page, and the outcome also comes as a message.
    flash(_("Your objection is recorded with the reference number %(reference)s. The county re-checks it and "
            "records the outcome; you get a message, and you can follow it on your status page.",
            reference=objection.reference), "success")
    return redirect(url_for("applicant.dashboard", _anchor="objections"))


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


def _own_offer(key: str, offer_id: int):
    """The program, the applicant's own offer in it, its round and program application; 404 otherwise."""
    session = get_session()
    program = programs.programs(session).get(key) or programs.declared_program(key)
    if program is None:
        abort(404)
    offer = session.scalar(select(Offer).where(Offer.id == offer_id, Offer.user_id == current_user.id))
    found = session.get(ProgramRound, (offer.tenant_id, offer.round_id)) if offer is not None else None
    if offer is None or found is None or found.program_key != key:
        abort(404)
    application = session.get(ProgramApplication, (offer.tenant_id, offer.program_application_id))
    return program, offer, found, application


def _offer_context(program, offer, found, application) -> dict:
    """What is offered, in words: the program, the round, the sub-quota (the school or the town) with its
    label, the child's name when the program's form has one, the reference number, the deadline, what to
    bring, and what declining means."""
    session = get_session()
    lang = "zh" if str(get_locale() or "zh").startswith("zh") else "en"
    fields = dict(application.fields or {}) if application is not None else {}
    labels = {spec.name: spec.label.get(lang) or spec.label.get("zh") or spec.name
              for spec in item_forms.specs(program.application_schema())}
    sub_label = labels.get(program.sub_quota_by) if program.sub_quota_by else None
    return {"program": program, "offer": offer, "round": found, "application": application,
            "reference": application.reference if application is not None else None,
            "sub_label": sub_label, "child_name": fields.get("child_name"),
            "child_label": labels.get("child_name"), "forfeits": program.offer_rule == "decline_forfeits",
            "bring": offers.instructions(session, program, lang), "today": clock.today()}


@bp.get("/programs/<key>/offers/<int:offer_id>")
@roles_required("applicant")
def offer_page(key: str, offer_id: int):
    """The applicant's offer in words, with the way to answer it (or, once accepted, what happens next)."""
    program, offer, found, application = _own_offer(key, offer_id)
    return render("applicant/offer.html", **_offer_context(program, offer, found, application))


@bp.route("/programs/<key>/offers/<int:offer_id>/<any(accept, decline):answer>", methods=["GET", "POST"])
@roles_required("applicant")
def answer_offer(key: str, offer_id: int, answer: str):
    """Accept or decline, each through a confirmation page that names the consequence and has a box to tick;
    a POST without the box ticked changes nothing."""
    if answer not in ("accept", "decline"):
        abort(404)
    session = get_session()
    program, offer, found, application = _own_offer(key, offer_id)
    context = _offer_context(program, offer, found, application)
    if offer.status != "offered":
        flash(_("This offer has been answered already or has expired."), "error")
        return redirect(url_for("programs.offer_page", key=key, offer_id=offer_id)), 303
    if request.method == "GET":
        return render("applicant/offer_answer.html", answer=answer, error=None, reason="", form=EmptyForm(),
                      **context)
    reason = request.form.get("reason") or ""
    confirmed = EmptyForm().validate_on_submit() and request.form.get("confirm") in ("y", "on", "1", "true")
    if not confirmed:
        error = (_("Tick the box to confirm that you accept the place.") if answer == "accept" else
                 _("Tick the box to confirm that you decline the place."))
        return render("applicant/offer_answer.html", answer=answer, error=error, reason=reason, form=EmptyForm(),
                      **context), 400
    try:
        if answer == "accept":
            offers.accept(session, offer, current_user._get_current_object())
        else:
            offers.decline(session, offer, current_user._get_current_object(), reason or None)
    except applications.ApplicationError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("programs.offer_page", key=key, offer_id=offer_id)), 303
    session.commit()
    flash(_("You accepted the place.") if answer == "accept" else _("You declined the place."), "success")
    return redirect(url_for("programs.offer_page", key=key, offer_id=offer_id))
