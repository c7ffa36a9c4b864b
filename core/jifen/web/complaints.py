"""Questions and complaints on the county's portal (docs/complaints.md): the form (with an account, or
with a mobile number and the code sent to it), the case's own page, following a case by its reference
number and mobile number, the published answers and the quarter's figures.

A case's page opens for its filer's account, or for a browser that proved the case's mobile number with
a code (the session remembers the case); everyone else is sent to the page that asks for the code.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, request, session as browser, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length

from jifen import references
from jifen.complaints import answering, figures as quarter_figures, filing, mobile_codes, published
from jifen.db.session import get_session
from jifen.errors import ApplicationError
from jifen.http.security import limiter, public
from jifen.http.theme import render
from jifen.models import Complaint
from jifen.text import lazy_gettext as _l
from jifen.web.complaint_words import KIND_LABELS, TOPIC_LABELS, about_choices, about_label, department_name, status_label
from jifen.web.forms import add_error
from jifen.web.i18n import current_locale

bp = Blueprint("complaints", __name__)
SEEN = "complaint_cases"  # the cases this browser proved it may see (their ids)
SEND_CODE, SUBMIT = "send_code", "submit"


class CaseForm(FlaskForm):
    kind = RadioField(_l("Is it a question or a complaint?"), choices=list(KIND_LABELS.items()), validate_choice=False)
    about = SelectField(_l("What is it about?"), validate_choice=False)
    body = TextAreaField(_l("Your question or complaint"), validators=[Length(max=8000)])
    mobile = StringField(_l("Mobile number"), validators=[Length(max=20)])
    code = StringField(_l("Code from the text message"), validators=[Length(max=20)])


class FollowForm(FlaskForm):
    reference = StringField(_l("Reference number"), validators=[Length(max=40)])
    mobile = StringField(_l("Mobile number"), validators=[Length(max=20)])
    code = StringField(_l("Code from the text message"), validators=[Length(max=20)])


class ReopenForm(FlaskForm):
    reason = TextAreaField(_l("Why does the answer not settle it?"), validators=[Length(max=8000)])


def _lang() -> str:
    return "zh" if current_locale().startswith("zh") else "en"


def _account():
    """The logged-in county account filing, or None (a visitor, or a platform administrator)."""
    if current_user.is_authenticated and not current_user.is_platform_admin:
        return current_user._get_current_object()
    return None


def _errors_into(form: FlaskForm, exc: ApplicationError) -> None:
    if not exc.messages:
        form.form_errors.append(exc.message)
    for name, texts in exc.messages.items():
        for text in texts:
            add_error(form, name, text)


def _remember(case: Complaint) -> None:
    seen = [i for i in browser.get(SEEN, []) if i != str(case.id)]
    browser[SEEN] = (seen + [str(case.id)])[-20:]


def _language() -> str:
    return "en" if _lang() == "en" else "zh_Hans_CN"


@bp.route("/questions/new", methods=["GET", "POST"])
@public
@limiter.limit(lambda: "20 per minute", methods=["POST"])
def new():
    session = get_session()
    account = _account()
    form = CaseForm()
    form.about.choices = about_choices(filing.subjects(session), _lang())
    if request.method == "GET":
        form.about.data = request.args.get("about") or form.about.data
        return render("complaints/new.html", form=form, account=account, code_sent=False)
    code_sent = False
    if not form.validate_on_submit():
        return render("complaints/new.html", form=form, account=account, code_sent=False), 400
    if request.form.get("action") == SEND_CODE and account is None:
        try:
            mobile_codes.send_code(session, form.mobile.data, mobile_codes.FILE, language=_language())
        except ApplicationError as exc:
            session.rollback()
            _errors_into(form, exc)
            return render("complaints/new.html", form=form, account=account, code_sent=False), 400
        session.commit()
        return render("complaints/new.html", form=form, account=account, code_sent=True)
    proved = None
    if account is None:
        try:
            proved = mobile_codes.verify(session, form.mobile.data, mobile_codes.FILE, form.code.data)
        except ApplicationError as exc:
            session.commit()  # a wrong code counts a try
            _errors_into(form, exc)
            return render("complaints/new.html", form=form, account=account, code_sent=True), 400
        code_sent = True
    try:
        case = filing.file_case(session, kind=form.kind.data, about=form.about.data, body=form.body.data, user=account,
                                proved=proved, language=_language())
    except ApplicationError as exc:
        session.rollback()
        _errors_into(form, exc)
        if proved is not None:  # the code was used up by the rolled-back try: the person asks again
            form.code.data = ""
            add_error(form, "code", _("Ask for a new code, then send the form again."))
        return render("complaints/new.html", form=form, account=account, code_sent=code_sent), 400
    session.commit()
    _remember(case)
    flash(_("Your question or complaint is received. Its reference number is %(reference)s: keep it to follow "
            "the case.", reference=case.reference), "success")
    return redirect(url_for("complaints.case", reference=case.reference), 303)


def _case_or_follow(reference: str):
    number = references.normalized(reference)
    case = get_session().scalar(select(Complaint).where(Complaint.reference == number)) if number else None
    account = _account()
    if case is not None and ((account is not None and case.user_id == account.id)
                             or str(case.id) in browser.get(SEEN, [])):
        return case
    return None


@bp.route("/questions/case/<reference>", methods=["GET", "POST"])
@public
def case(reference: str):
    found = _case_or_follow(reference)
    if found is None:
        return redirect(url_for("complaints.follow", reference=reference[:40]))
    session = get_session()
    form = ReopenForm()
    status = 200
    if request.method == "POST":
        if not form.validate_on_submit():
            status = 400
        else:
            account = _account()
            actor = account.actor if account is not None else f"mobile:{(found.mobile_hash or '')[:12]}"
            try:
                answering.reopen(session, found, form.reason.data, actor=actor)
            except ApplicationError as exc:
                session.rollback()
                _errors_into(form, exc)
                status = 400
            else:
                session.commit()
                flash(_("Your case is reopened: the department answers it again by %(date)s.",
                        date=found.due_on.isoformat()), "success")
                return redirect(url_for("complaints.case", reference=found.reference), 303)
    response = render("complaints/case.html", case=found, form=form, may_reopen=answering.may_reopen(found),
                      about=about_label(session, found, _lang()), department=department_name(found.department, _lang()),
                      status_text=status_label(found.status))
    return response, status, {"Cache-Control": "no-store"}


@bp.route("/questions/follow", methods=["GET", "POST"])
@public
@limiter.limit(lambda: "20 per minute", methods=["POST"])
def follow():
    session = get_session()
    form = FollowForm()
    if request.method == "GET":
        form.reference.data = request.args.get("reference", "")[:40]
        return render("complaints/follow.html", form=form, code_sent=False)
    if not form.validate_on_submit():
        return render("complaints/follow.html", form=form, code_sent=False), 400
    if request.form.get("action") == SEND_CODE:
        if references.normalized(form.reference.data) is None:
            add_error(form, "reference", _("A reference number looks like %(example)s.", example="JS-2027-000123"))
            return render("complaints/follow.html", form=form, code_sent=False), 400
        try:
            mobile_codes.send_code(session, form.mobile.data, mobile_codes.FOLLOW, language=_language())
        except ApplicationError as exc:
            session.rollback()
            _errors_into(form, exc)
            return render("complaints/follow.html", form=form, code_sent=False), 400
        session.commit()
        return render("complaints/follow.html", form=form, code_sent=True)
    try:
        proved = mobile_codes.verify(session, form.mobile.data, mobile_codes.FOLLOW, form.code.data)
        found = filing.find_case(session, form.reference.data, proved)
    except ApplicationError as exc:
        session.commit()  # a wrong code counts a try
        _errors_into(form, exc)
        return render("complaints/follow.html", form=form, code_sent=True), 400
    session.commit()
    _remember(found)
    return redirect(url_for("complaints.case", reference=found.reference), 303)


@bp.get("/questions")
@public
def answered():
    page = request.args.get("page", type=int) or 1
    page = max(1, min(page, 10**6))
    cases, total = published.published(get_session(), page)
    pages = max(1, -(-total // published.PAGE_SIZE))
    return render("complaints/answered.html", cases=cases, total=total, page=page, pages=pages)


@bp.get("/questions/figures")
@public
def figures():
    current = quarter_figures.current_quarter()
    chosen = quarter_figures.parse_quarter(request.args.get("quarter")) or current
    earlier = [chosen.previous()]
    later = chosen.next() if chosen != current else None
    return render("complaints/figures.html", quarter=chosen, current=current,
                  lines=quarter_figures.figures(get_session(), chosen), earlier=earlier[0], later=later,
                  topics=TOPIC_LABELS)
