"""Department staff answer questions and complaints (docs/complaints.md): their departments' cases by due
date, and one case with its answer form; county administrators see every department's and may give a
case to another department. A case of another department or county answers 404."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, TextAreaField
from wtforms.validators import Length

from jifen import clock
from jifen.complaints import answering
from jifen.complaints.filing import mobile_of
from jifen.db.session import get_session
from jifen.errors import ApplicationError
from jifen.http.security import own_departments, roles_required
from jifen.http.theme import render
from jifen.identity.accounts import departments
from jifen.identity.masking import mask_mobile, mask_name
from jifen.models import Complaint, Objection, User
from jifen.text import lazy_gettext as _l
from jifen.web.complaint_words import (KIND_LABELS, VISIBILITY_LABELS, about_label, department_name,
                                       status_label)
from jifen.web.i18n import current_locale
from jifen.web.loading import get_or_404

bp = Blueprint("complaint_answers", __name__)
staff = roles_required("reviewer", "admin")
ID = "int(max=9223372036854775807)"  # ids are BIGINT


class AnswerForm(FlaskForm):
    answer = TextAreaField(_l("Answer"), validators=[Length(max=8000)])
    visibility = RadioField(_l("Publishing the answer"), choices=list(VISIBILITY_LABELS.items()), validate_choice=False)


class DepartmentForm(FlaskForm):
    department = SelectField(_l("Department"), validate_choice=False)


def _lang() -> str:
    return "zh" if current_locale().startswith("zh") else "en"


def _case(complaint_id: int) -> Complaint:
    found = get_or_404(Complaint, complaint_id)
    if not answering.may_answer(found, own_departments()):
        abort(404)
    return found


def _filer(case: Complaint) -> str:
    user = get_session().get(User, (case.tenant_id, case.user_id)) if case.user_id else None
    if user is not None:
        return mask_name(user.real_name)
    mobile = mobile_of(case)
    return mask_mobile(mobile) if mobile else ""


@bp.get("/complaints")
@staff
def queue():
    answered = request.args.get("answered") == "1"
    cases = answering.queue(get_session(), own_departments(), waiting=not answered)
    return render("complaints/queue.html", cases=cases, answered=answered, today=clock.today(), kinds=KIND_LABELS,
                  department_name=lambda key: department_name(key, _lang()), filer=_filer)


def _department_form() -> DepartmentForm:
    form = DepartmentForm(prefix="move")
    form.department.choices = [(key, names.get(_lang()) or names.get("zh") or key)
                               for key, names in departments().items()]
    return form


def _page(case: Complaint, form: AnswerForm, move: DepartmentForm, status: int = 200):
    session = get_session()
    objection = session.get(Objection, (case.tenant_id, case.objection_id)) if case.objection_id else None
    return render("complaints/answer.html", case=case, form=form, move=move, filer=_filer(case),
                  about=about_label(session, case, _lang()), kinds=KIND_LABELS, status_text=status_label(case.status),
                  department=department_name(case.department, _lang()), objection=objection,
                  visibility=VISIBILITY_LABELS.get(case.visibility or ""), today=clock.today()), status


@bp.route(f"/complaints/<{ID}:complaint_id>", methods=["GET", "POST"])
@staff
def answer(complaint_id: int):
    session = get_session()
    case = _case(complaint_id)
    form = AnswerForm()
    move = _department_form()
    if request.method == "GET":
        return _page(case, form, move)
    if not form.validate_on_submit():
        return _page(case, form, move, 400)
    try:
        answering.answer(session, case, form.answer.data, form.visibility.data, actor=current_user.actor)
    except ApplicationError as exc:
        session.rollback()
        if not exc.messages:
            form.form_errors.append(exc.message)
        for name, texts in exc.messages.items():
            getattr(form, name).errors = list(getattr(form, name).errors) + list(texts)
        return _page(case, form, move, 400)
    session.commit()
    flash(_("The answer to %(reference)s is saved and the filer is told.", reference=case.reference), "success")
    return redirect(url_for("complaint_answers.answer", complaint_id=case.id), 303)


@bp.post(f"/complaints/<{ID}:complaint_id>/department")
@roles_required("admin")
def move(complaint_id: int):
    session = get_session()
    case = _case(complaint_id)
    form = AnswerForm()
    move_form = _department_form()
    if not move_form.validate_on_submit():
        return _page(case, form, move_form, 400)
    try:
        answering.reassign(session, case, move_form.department.data, actor=current_user.actor)
    except ApplicationError as exc:
        session.rollback()
        move_form.department.errors = list(move_form.department.errors) + [exc.message]
        return _page(case, form, move_form, 400)
    session.commit()
    flash(_("The case %(reference)s is now with %(department)s.", reference=case.reference,
            department=department_name(case.department, _lang())), "success")
    return redirect(url_for("complaint_answers.answer", complaint_id=case.id), 303)
