"""The fraud register's pages (jifen.points.fraud): recording a finding of false materials, the list, withdrawing.

A reviewer records a finding from an item of their department (``/review/items/<id>/finding``); a county
administrator from any item, or from the register itself by an application's reference number
(``/admin/findings``), where they also see every finding (the applicant masked) and withdraw one with a reason.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from jifen.text import lazy_gettext as _l
from sqlalchemy import select
from wtforms import StringField, TextAreaField
from wtforms.validators import Length

from jifen import clock
from jifen.county.context import current_county
from jifen.db.session import get_session
from jifen.errors import ApplicationError
from jifen.http.security import limiter, own_departments, roles_required
from jifen.identity import masking
from jifen.models import Application, FraudFinding, User
from jifen.points import fraud, fraud_register, review
from jifen.web.audit_words import Actors
from jifen.web.forms import add_error
from jifen.web.loading import get_or_404
from jifen.web.navigation import form_page

bp = Blueprint("findings", __name__)


class FindingForm(FlaskForm):
    reason = TextAreaField(_l("What was false (the applicant reads it)"), validators=[Length(max=2000)])
    evidence = FileField(_l("Evidence (optional: PDF, JPEG or PNG)"))


class RegisterFindingForm(FindingForm):
    reference = StringField(_l("Reference number of the applicant's application"), validators=[Length(max=40)])


class WithdrawForm(FlaskForm):
    reason = TextAreaField(_l("Why the finding is withdrawn"), validators=[Length(max=2000)])


def _show_errors(form: FlaskForm, exc: ApplicationError) -> None:
    form.form_errors.append(exc.message)
    for field, texts in exc.messages.items():
        for text in texts:
            add_error(form, field, text)


def _evidence_upload():
    upload = request.files.get("evidence")
    return (upload.filename, upload.stream) if upload is not None and upload.filename else None


def _record(form: FlaskForm, applicant: User, **concerning) -> FraudFinding | None:
    """Record the finding of ``form``; None (the errors in the form, nothing kept) when it is refused."""
    session = get_session()
    try:
        found = fraud_register.record_finding(session, current_county().hooks, applicant, form.reason.data,
                                     actor=current_user.actor, evidence=_evidence_upload(), **concerning)
    except ApplicationError as exc:
        session.rollback()
        _show_errors(form, exc)
        return None
    session.commit()
    flash(_("The finding %(reference)s is recorded. The applicant cannot apply in this county until %(date)s.",
            reference=found.reference, date=found.ends_on.isoformat()), "success")
    return found


@bp.route("/review/items/<int:item_id>/finding", methods=["GET", "POST"])
@roles_required("reviewer", "admin")
@limiter.limit(lambda: "30 per minute", methods=["POST"])
def item_finding(item_id: int):
    session = get_session()
    item = review.item_for_reviewer(session, item_id, own_departments())
    if item is None:
        abort(404)
    application = session.get(Application, (item.tenant_id, item.application_id))
    applicant = session.get(User, (item.tenant_id, application.user_id))
    form = FindingForm()
    if form.validate_on_submit() and _record(form, applicant, item=item, concerns_reference=application.reference):
        return redirect(url_for("review.item", item_id=item_id))
    return form_page("review/finding.html", form, item=item, reference=application.reference,
                     ends_on=fraud.bar_end(clock.today()), applicant_name=masking.mask_name(applicant.real_name))


def _register_page(form: FlaskForm, withdraw_form: FlaskForm | None = None, failed_id: int | None = None):
    session = get_session()
    listed = fraud_register.findings(session)
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_({f.user_id for f in listed})))} \
        if listed else {}
    today = clock.today()
    actors = Actors(session, [f.found_by for f in listed] + [f.withdrawn_by for f in listed if f.withdrawn_by])
    rows = [(f, fraud.state_of(f, today), masking.mask_name(users[f.user_id].real_name) if f.user_id in users else "—")
            for f in listed]
    return form_page("admin/findings.html", form, rows=rows, withdraw_form=withdraw_form or WithdrawForm(formdata=None),
                     withdraw_failed=failed_id, actors=actors, ends_on=fraud.bar_end(today),
                     bar_years=fraud.bar_years())


@bp.route("/admin/findings", methods=["GET", "POST"])
@roles_required("admin")
@limiter.limit(lambda: "30 per minute", methods=["POST"])
def register():
    form = RegisterFindingForm()
    if form.validate_on_submit():
        found = fraud_register.applicant_by_reference(get_session(), form.reference.data)
        if found is None:
            add_error(form, "reference", _("No application of this county has this reference number."))
        elif _record(form, found[0], concerns_reference=found[1]):
            return redirect(url_for("findings.register"))
    return _register_page(form)


@bp.post("/admin/findings/<int:finding_id>/withdraw")
@roles_required("admin")
def withdraw(finding_id: int):
    session = get_session()
    finding = get_or_404(FraudFinding, finding_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            fraud_register.withdraw(session, current_county().hooks, finding, form.reason.data, actor=current_user.actor)
        except ApplicationError as exc:
            session.rollback()
            _show_errors(form, exc)
        else:
            session.commit()
            flash(_("The finding %(reference)s is withdrawn; the applicant may apply again.",
                    reference=finding.reference), "success")
            return redirect(url_for("findings.register"))
    page, status = _register_page(RegisterFindingForm(formdata=None), form, finding_id)
    return page, 400


@bp.get("/admin/findings/<int:finding_id>/evidence")
@roles_required("admin")
def evidence(finding_id: int):
    finding = get_or_404(FraudFinding, finding_id)
    try:
        stream = fraud_register.open_evidence(get_session(), finding)
    except FileNotFoundError:  # jifen.storage.StoredFileMissing: the store has lost the file
        abort(404)
    response = send_file(stream, mimetype=finding.evidence_type or "application/octet-stream", as_attachment=True,
                         download_name=finding.evidence_name or "evidence")
    response.headers["Cache-Control"] = "no-store"
    return response
