"""Residents' survey pages: the open surveys, and one survey's form, answered once and anonymously."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from jifen.db.session import get_session
from jifen.errors import ApplicationError
from jifen.http.security import roles_required
from jifen.http.theme import render
from jifen.models import Survey
from jifen.surveys import answering, editing
from jifen.web.forms import EmptyForm
from jifen.web.loading import get_or_404

bp = Blueprint("resident_surveys", __name__)
applicants = roles_required("applicant")
ID = "int(max=9223372036854775807)"  # ids are BIGINT


def _me():
    if current_user.is_platform_admin:
        abort(403)
    return current_user._get_current_object()


@bp.get("/surveys")
@applicants
def index():
    session = get_session()
    me = _me()
    found = [(s, answering.has_answered(session, s, me.id)) for s in answering.open_surveys(session)]
    return render("applicant/surveys.html", surveys=found)


def _page(survey, questions, *, values=None, errors=None, message=None, answered=False, status=200):
    return render("applicant/survey_answer.html", survey=survey, questions=questions, values=values,
                  errors=errors or {}, message=message, answered=answered, form=EmptyForm(),
                  field_name=answering.field_name), status


@bp.route(f"/surveys/<{ID}:survey_id>", methods=["GET", "POST"])
@applicants
def answer(survey_id: int):
    session = get_session()
    me = _me()
    survey = get_or_404(Survey, survey_id, Survey.status != "draft")
    questions = editing.questions_of(session, survey)
    if not answering.is_open(survey):
        return _page(survey, questions, message=answering.NOT_OPEN, status=200 if request.method == "GET" else 409)
    if answering.has_answered(session, survey, me.id):
        return _page(survey, questions, message=answering.ALREADY_ANSWERED, answered=True,
                     status=200 if request.method == "GET" else 409)
    if request.method == "GET":
        return _page(survey, questions, values=request.form)
    if not EmptyForm().validate_on_submit():
        return _page(survey, questions, values=request.form,
                     errors={"form": [_("This form has expired. Please send it again.")]}, status=400)
    try:
        answering.answer(session, survey, me.id, questions, request.form)
    except answering.AlreadyAnswered as exc:
        return _page(survey, questions, message=exc.message, answered=True, status=409)
    except ApplicationError as exc:
        session.rollback()
        return _page(survey, questions, values=request.form, errors=exc.messages or {"form": [exc.message]},
                     status=400)
    session.commit()
    flash(_("Thank you: your answers are saved. They are anonymous."), "success")
    return redirect(url_for("resident_surveys.index"))
