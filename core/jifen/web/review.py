"""Department reviewers' pages: their department's queue in their county, and deciding items.

A reviewer sees only items of their own departments (one or more, given by a county administrator);
a county administrator may look at any department's queue. Another county's or department's item
answers 404.

The queue is paged and narrowed with GET parameters (score item type, overdue, supplemented; sorted
by due date or by submission); each row shows the applicant masked, the dates, the supplement round,
whether the item changed since its last decision and the points it would earn. The item page shows
the declaration in words, the evidence in the page (served inline from a sandboxed response), and a
decision without a default: posting without choosing is refused next to the field.
"""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import get_locale, gettext as _
from flask_login import current_user
from sqlalchemy import select

from jifen.points import applications

from jifen.points import evidence

from jifen.points import review
from jifen.db.session import get_session
from jifen.identity import accounts, masking, protect
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

# What the page shows in the browser itself: pictures in an <img>, PDFs in the browser's own viewer.
INLINE_TYPES = frozenset({"application/pdf", "image/jpeg", "image/png"})
# The response of a file shown in the page: a sandbox (no script, no same-origin rights, no forms), nothing
# loaded from elsewhere, framed only by this site's pages.
INLINE_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"


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


def _filters(types) -> review.QueueFilters:
    """The queue's GET parameters; what is not understood is left out, never an error."""
    args = request.args
    page = args.get("page", type=int) or 1
    return review.QueueFilters(
        item_type=args.get("type") if args.get("type") in types else None,
        overdue=args.get("overdue") == "1",
        supplemented=args.get("supplemented") == "1",
        sort=args.get("sort") if args.get("sort") in review.SORTS else "due",
        page=max(1, min(page, 10**6)),
    )


def _query(department: str | None, filters: review.QueueFilters, page: int | None = None) -> dict:
    """The URL values of the queue with ``filters`` (and another ``page``), the defaults left out."""
    values: dict = {"department": department} if department else {}
    if filters.item_type:
        values["type"] = filters.item_type
    if filters.overdue:
        values["overdue"] = "1"
    if filters.supplemented:
        values["supplemented"] = "1"
    if filters.sort != "due":
        values["sort"] = filters.sort
    if page and page > 1:
        values["page"] = page
    return values


@bp.get("/")
@reviewers
def queue():
    department = _department()
    session = get_session()
    own = own_departments()
    if department is None and own is not None:
        abort(403)  # a reviewer given no department yet
    types = county_item_types(session)
    filters = _filters(types)
    found = review.queue_page(session, department, filters) if department else None
    departments = accounts.departments()
    choices = {key: names for key, names in departments.items() if own is None or key in own}
    shown = found.filters if found else filters
    return render("review/queue.html", page=found, rows=found.rows if found else [], department=department,
                  departments=departments, choices=choices if len(choices) > 1 else {}, types=types,
                  filters=shown, sorts={"due": _("Due date, soonest first"), "submitted": _("Submitted, earliest first")},
                  query=lambda page=None: _query(department, shown, page))


def described(data: dict, fields: list, lang: str) -> list[tuple[str, str]]:
    """The declared input in words: (label, value) per field, choices by their names, never raw keys."""
    lines: list[tuple[str, str]] = []
    for spec in fields:
        label = spec.label.get(lang) or spec.label.get("zh") or spec.name
        value = data.get(spec.name.rsplit(".", 1)[-1]) if "." in spec.name else data.get(spec.name)
        if spec.kind == "nested":
            lines += described(value, list(spec.children), lang) if isinstance(value, dict) else []
            continue
        if spec.kind == "rows":
            for index, row in enumerate(value or [], start=1):
                for child_label, text in described(row or {}, list(spec.children), lang):
                    lines.append((f"{label} {index} · {child_label}", text))
            continue
        lines.append((label, _value_in_words(spec, value, lang)))
    return lines


def _changed_fields(changes, declared: list[tuple[str, str]], fields: list, lang: str) -> list[tuple[str, str, str]]:
    """(label, as decided, as declared now) for each field the applicant changed since the last decision,
    when that decision kept the declaration it was made on."""
    if changes.decision is None or changes.decision.input is None:
        return []
    before = dict(described(changes.decision.input, fields, lang))
    now = dict(declared)
    return [(label, before.get(label, "—"), now.get(label, "—"))
            for label in dict.fromkeys([*before, *now]) if before.get(label, "—") != now.get(label, "—")]


def _value_in_words(spec, value, lang: str) -> str:
    if value is None or value == "" or value == []:
        return "—"
    names = dict(spec.choices)
    if spec.kind == "choice":
        return _choice_name(names, value, lang)
    if spec.kind == "boolean":
        return _("Yes") if value in (True, "true", "on") else _("No")
    if spec.kind == "integer_list":
        return ", ".join(str(v) for v in value)
    if spec.kind in ("integer", "decimal"):
        unit = (getattr(spec, "unit", None) or {}).get(lang, "")
        return f"{value} {unit}".strip()
    if spec.kind == "decimal_map" and isinstance(value, dict):
        return "; ".join(f"{_choice_name(names, key, lang)}: {amount}" for key, amount in value.items())
    return str(value)


def _choice_name(names: dict, value, lang: str) -> str:
    named = names.get(value)
    if not named:
        return str(value)  # a value the plugin gives no name (it is then the applicant's own words)
    return named.get(lang) or named.get("zh") or str(value)


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
    lang = "zh" if str(get_locale() or "zh").startswith("zh") else "en"
    application = session.get(Application, (found.tenant_id, found.application_id))
    applicant = session.get(User, (found.tenant_id, application.user_id))
    item_type = county_item_types(session).get(found.item_type)
    fields = item_forms.specs(item_type.input_schema()) if item_type else []
    files = list(session.scalars(select(EvidenceFile).where(EvidenceFile.item_id == found.id).order_by(EvidenceFile.id)))
    points, note = review.points_of(session, [found]).get(found.id, (None, None))
    changes = review.changes_of(session, found)
    declared = described(found.input or {}, fields, lang)
    return form_page(
        "review/item.html", form, item=found, item_type=item_type, fields=fields,
        declared=declared, changed_fields=_changed_fields(changes, declared, fields, lang), files=files,
        inline_types=INLINE_TYPES,
        reviews=review.reviews_of(session, found), changes=changes, new_file_ids={f.id for f in changes.new_files},
        supplement_round=review.supplement_rounds(session, [found]).get(found.id, 0),
        points=points, note=note, submitted_on=review.local_day(application.submitted_at), local_day=review.local_day,
        applicant_name=masking.mask_name(applicant.real_name),
        applicant_id_number=masking.mask(protect.decrypt(applicant.id_number_encrypted)))


def _evidence_record(file_id: int) -> EvidenceFile:
    record = get_or_404(EvidenceFile, file_id)
    _item(record.item_id)  # of the reviewer's county and departments, or 404
    return record


def _open(record: EvidenceFile):
    try:
        return evidence.open_file(record)  # from the store (JIFEN_STORAGE), whichever server stored it
    except FileNotFoundError:
        abort(404)


@bp.get("/evidence/<int:file_id>")
@reviewers
def evidence_file(file_id: int):
    record = _evidence_record(file_id)
    stream = _open(record)
    response = send_file(stream, mimetype=record.content_type, as_attachment=True, download_name=record.original_name)
    response.headers["Cache-Control"] = "no-store"  # a personal document: no browser or proxy keeps a copy
    return response


@bp.get("/evidence/<int:file_id>/view")
@reviewers
def evidence_inline(file_id: int):
    """The file shown in the item page (an image in <img>, a PDF in the browser's viewer in an <iframe>):
    inline, in a sandbox of its own, its type never sniffed, never kept by a browser or proxy."""
    record = _evidence_record(file_id)
    if record.content_type not in INLINE_TYPES:
        return redirect(url_for("review.evidence_file", file_id=file_id))
    stream = _open(record)
    response = send_file(stream, mimetype=record.content_type, as_attachment=False, download_name=record.original_name)
    response.headers["Content-Security-Policy"] = INLINE_CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "SAMEORIGIN"  # shown in this site's item page, nowhere else
    response.headers["Cache-Control"] = "no-store"
    return response
