"""The committee's pages (programs with ``committee_review``, jifen.programs.committee): the rounds whose
nominations the reviewer's department decides, and a round's nominations with approve or set aside.

A reviewer sees the programs whose committee is one of their departments; a county administrator sees
them all and may decide too. Any other round, or another county's, answers 404. Nominees are shown as
the review queue shows applicants (name and ID number masked), with their employer and statement.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from jifen.county.tenancy import current_tenant
from jifen.db.session import get_session
from jifen.errors import ApplicationError
from jifen.identity import masking, protect
from jifen.models import Application, ProgramApplication, ProgramRound, User
from jifen.plugin import fields as item_forms
from jifen.programs import committee
from jifen.programs import rounds as programs
from jifen.http.security import own_departments, roles_required
from jifen.http.theme import render
from jifen.web.forms import EmptyForm
from jifen.web.loading import get_or_404
from jifen.web.review import described

bp = Blueprint("committee", __name__)
members = roles_required("reviewer", "admin")


def _lang() -> str:
    return "zh" if str(get_locale() or "zh").startswith("zh") else "en"


@bp.app_context_processor
def _committee_link():
    """Whether the page header links to the committee's pages: for reviewers and administrators of a county
    with a committee program they sit on (read from the County context, no query)."""
    def shown() -> bool:
        if current_tenant() is None or not current_user.is_authenticated or not current_user.has_role(
                "reviewer", "admin"):
            return False
        try:
            return bool(committee.committee_programs(get_session(), own_departments()))
        except ApplicationError:  # a program's settings cannot be read now: its pages say so
            return False

    return {"committee_link": shown}


@bp.get("/")
@members
def index():
    session = get_session()
    rows = []
    for program in committee.committee_programs(session, own_departments()):
        found = programs.rounds_of(session, program.key)
        rows.append((program, [(r, committee.counts(session, r)) for r in reversed(found)]))
    return render("committee/index.html", rows=rows)


def _round(round_id: int):
    """The round and its program, when the current user sits on its committee; else 404."""
    session = get_session()
    found = get_or_404(ProgramRound, round_id)
    program = programs.programs(session).get(found.program_key)
    if program is None or not committee.may_decide(session, program, own_departments()):
        abort(404)
    return program, found


def _page(program, found: ProgramRound, *, errors: dict | None = None, values: dict | None = None, status: int = 200):
    session = get_session()
    lang = _lang()
    nominations = committee.nominations(session, found)
    user_ids = {n.user_id for n in nominations}
    people = {u.id: u for u in session.scalars(select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    points = dict(session.execute(select(Application.user_id, Application.total_points)
                                  .where(Application.user_id.in_(user_ids))).all()) if user_ids else {}
    fields = item_forms.specs(program.application_schema())
    rows = []
    for nomination in nominations:
        person = people.get(nomination.user_id)
        rows.append({
            "nomination": nomination,
            "name": masking.mask_name(person.real_name) if person else "—",
            "id_number": masking.mask(protect.decrypt(person.id_number_encrypted)) if person else "—",
            "points": points.get(nomination.user_id),
            "answers": described(nomination.fields or {}, fields, lang),
        })
    return render("committee/round.html", program=program, round=found, rows=rows,
                  counts=committee.counts(session, found), refusal=committee.refusal(session, found),
                  department=committee.department_of(session, program), errors=errors or {}, values=values or {},
                  form=EmptyForm()), status


@bp.get("/rounds/<int:round_id>")
@members
def round_page(round_id: int):
    program, found = _round(round_id)
    return _page(program, found)


@bp.post("/nominations/<int:nomination_id>")
@members
def decide(nomination_id: int):
    session = get_session()
    nomination = get_or_404(ProgramApplication, nomination_id)
    program, found = _round(nomination.round_id)
    raw = {"decision": request.form.get("decision"), "reason": request.form.get("reason", "")}
    try:
        committee.decide(session, found, nomination, raw, reviewer=current_user._get_current_object())
    except ApplicationError as exc:
        session.rollback()
        program, found = _round(nomination.round_id)
        errors = {f"{nomination_id}.{field}": [str(m) for m in texts] for field, texts in exc.messages.items()}
        values = {f"{nomination_id}.{k}": v for k, v in raw.items() if v}
        return _page(program, found, errors=errors or {f"{nomination_id}.decision": [str(exc.message)]},
                     values=values, status=400)
    session.commit()
    flash(_("The committee's decision on %(reference)s is recorded.", reference=nomination.reference), "success")
    return redirect(url_for("committee.round_page", round_id=found.id))
