"""Service programs on the portal: a program's page with its rounds, and applying to it."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from jifen import applications, clock, programs
from jifen.db import get_session
from jifen.web import item_forms
from jifen.web.forms import EmptyForm
from jifen.web.security import public, roles_required
from jifen.web.theme import render

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
    applicant = current_user.is_authenticated and current_user.has_role("applicant") and not current_user.is_platform_admin
    if current is not None and applicant:
        mine = programs.application_to(session, current, current_user)
    return render("portal/program.html", program=program, start=programs.start_date(session, program),
                  started=programs.started(session, program), current=current,
                  upcoming=programs.next_round(session, program.key), today=clock.today(), mine=mine,
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
