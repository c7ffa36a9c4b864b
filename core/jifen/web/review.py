"""Department reviewers' pages: their department's queue in their county, and deciding items.

A reviewer sees only items of their own departments (one or more, given by a county administrator);
a county administrator may look at any department's queue. Another county's or department's item
answers 404.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from jifen.points import applications

from jifen.points import evidence

from jifen.points import review
from jifen.db.session import get_session
from jifen.identity import accounts, masking
from jifen.models import Application, EvidenceFile, User
from jifen.models.application import ITEM_PENDING
from jifen.points.rules import county_item_types
from jifen.plugin import fields as item_forms
from jifen.county.context import current_county
from jifen.web.forms import DecisionForm, add_error
from jifen.web.navigation import form_page
from jifen.web.loading import get_or_404
from jifen.http.security import own_departments, roles_required
from jifen.http.theme import render

bp = Blueprint("review", __name__)
reviewers = roles_required("reviewer", "admin")


def _department() -> str | None:
    """The department whose queue is shown: the one chosen among the user's own (an administrator's:
    every department; None until chosen); a reviewer's first one unless another is chosen."""
    chosen = request.args.get("department")
    own = own_departments()
    if own is None:
        return chosen if chosen in accounts.departments() else None
    return chosen if chosen in own else next(iter(own), None)


def _item(item_id: int):
    found = review.item_for_reviewer(get_session(), item_id, own_departments())
    if found is None:
        abort(404)
    return found


@bp.get("/")
@reviewers
def queue():
    department = _department()
    session = get_session()
    own = own_departments()
    if department is None and own is not None:
        abort(403)  # a reviewer given no department yet
    items = review.queue(session, department) if department else []
    departments = accounts.departments()
    choices = {key: names for key, names in departments.items() if own is None or key in own}
    return render("review/queue.html", items=items, department=department, departments=departments,
                  choices=choices if len(choices) > 1 else {}, types=county_item_types(session))


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@reviewers
def item(item_id: int):
    session = get_session()
    found = _item(item_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            review.decide(session, current_county().hooks, found, form.decision.data, form.reason.data,
                          reviewer_actor=current_user.actor)
        except applications.ApplicationError as exc:
            session.rollback()
            found = _item(item_id)
            if found.status != ITEM_PENDING:  # decided meanwhile: the page no longer shows the form
                flash(str(exc.message), "error")
                return redirect(url_for("review.item", item_id=item_id), 303)
            form.form_errors.append(exc.message)
            for field, texts in exc.messages.items():
                for text in texts:
                    add_error(form, field, text)
        else:
            session.commit()
            flash(_("Decision recorded."), "success")
            return redirect(url_for("review.queue", department=found.department))
    application = session.get(Application, (found.tenant_id, found.application_id))
    applicant = session.get(User, (found.tenant_id, application.user_id))
    item_type = county_item_types(session).get(found.item_type)
    fields = item_forms.specs(item_type.input_schema()) if item_type else []
    files = list(session.scalars(select(EvidenceFile).where(EvidenceFile.item_id == found.id)))
    return form_page("review/item.html", form, item=found, item_type=item_type, fields=fields,
                     values=item_forms.shown(found.input, fields), files=files, reviews=review.reviews_of(session, found),
                     applicant_name=masking.mask_name(applicant.real_name))


@bp.get("/evidence/<int:file_id>")
@reviewers
def evidence_file(file_id: int):
    record = get_or_404(EvidenceFile, file_id)
    _item(record.item_id)
    try:
        stream = evidence.open_file(record)  # from the store (JIFEN_STORAGE), whichever server stored it
    except FileNotFoundError:
        abort(404)
    response = send_file(stream, mimetype=record.content_type, as_attachment=True, download_name=record.original_name)
    response.headers["Cache-Control"] = "no-store"  # a personal document: no browser or proxy keeps a copy
    return response
