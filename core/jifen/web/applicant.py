"""The applicant's journey on a county's portal: profile, family, items, evidence, estimate, submit.

Bad input re-renders the page with every message and with what was typed (status 400); nothing
half-done is stored.
"""

from __future__ import annotations


from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from jifen import clock
from jifen import audit

from jifen.points import applications

from jifen.points import evidence

from jifen.points import family
from jifen.db.session import get_session, utcnow
from jifen.identity import masking
from jifen.points.ledger import current_breakdown
from jifen.models import ApplicantProfile, DeclaredItem, EvidenceFile, FamilyMember, ItemReview, Message
from jifen.models.application import DRAFT, ITEM_SUPPLEMENT
from jifen.points.rules import county_item_types
from jifen.county.tenancy import require_tenant
from jifen.plugin import fields as item_forms
from jifen.county.context import current_county
from jifen.notifications import channels_of, language_of
from jifen.web.forms import (
    EmptyForm, FamilyMemberForm, MessagesForm, ProfileForm, ReasonForm, SupplementForm, add_error,
)
from jifen.web.navigation import form_page
from jifen.web.loading import get_or_404
from jifen.http.security import limiter, roles_required
from jifen.http.theme import render

bp = Blueprint("applicant", __name__)
applicant_only = roles_required("applicant")


def _me():
    if current_user.is_platform_admin:
        abort(403)
    return current_user._get_current_object()


def _application(create: bool = False):
    return applications.application_of(get_session(), _me(), create=create)


def _own_item(item_id: int) -> DeclaredItem:
    application = _application()
    item = get_session().scalar(select(DeclaredItem).where(
        DeclaredItem.id == item_id, DeclaredItem.application_id == (application.id if application else -1)))
    if item is None:
        abort(404)
    return item


def _uses_family_planning() -> bool:
    return any(t.category == "family_planning" for t in current_county().score_items)


@bp.get("/")
@applicant_only
def dashboard():
    session = get_session()
    application = _application()
    items = applications.items_of(session, application) if application else []
    state = applications.readiness(session, current_county().hooks, application, _me()) if application else None
    estimate = applications.estimate(session, application)
    files = {}
    if items:
        for record in session.scalars(select(EvidenceFile).where(EvidenceFile.item_id.in_([i.id for i in items]))):
            files.setdefault(record.item_id, []).append(record)
    unread = session.scalar(select(Message.id).where(Message.user_id == _me().id, Message.read_at.is_(None)).limit(1))
    return render("applicant/dashboard.html", application=application, items=items, state=state, estimate=estimate,
                  types=county_item_types(session), files=files, ledger=current_breakdown(session, application)
                  if application else [], has_unread=unread is not None, form=EmptyForm(), reason_form=ReasonForm())


@bp.route("/profile", methods=["GET", "POST"])
@applicant_only
def profile():
    session = get_session()
    me = _me()
    row = session.get(ApplicantProfile, (require_tenant().id, me.id))
    form = ProfileForm(obj=row)
    if not _uses_family_planning():
        del form.births_over_quota
    offered = _offered_channels()
    contact = _messages_form(me, offered)
    valid = [form.validate_on_submit(), contact.validate_on_submit()]  # both, so every problem shows at once
    if all(valid):
        if row is None:
            row = ApplicantProfile(user_id=me.id)
            session.add(row)
        form.populate_obj(row)
        if row.works_in_county_since and row.works_in_county_since > clock.today():
            session.rollback()
            add_error(form, "works_in_county_since", _("This date is in the future."))
        else:
            changed = _save_message_choices(me, contact, offered)
            audit.record(session, "profile.changed", actor=me.actor, target_type="user", target_id=me.id,
                         details={"messages": changed} if changed else None)
            session.commit()
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("applicant.dashboard"))
    status = 400 if request.method == "POST" and (form.errors or contact.errors) else 200
    return render("applicant/profile.html", form=form, contact=contact, offered=offered), status


def _offered_channels() -> dict:
    """The county's message channels (of its enabled plugins, as configured here): key -> label."""
    return {key: channel.label for key, (_plugin, channel) in channels_of(current_county().hooks).items()}


def _messages_form(me, offered: dict) -> MessagesForm:
    chosen = offered.keys() if me.channels is None else [key for key in offered if key in me.channels]
    contact = MessagesForm(data={"email": me.email or "", "language": language_of(me), "channels": list(chosen)})
    contact.channels.choices = [(key, str(label)) for key, label in offered.items()]
    if request.method != "POST":
        contact.shown.data = ",".join(offered)  # posted back with the boxes: which ones the applicant saw
    return contact


def _save_message_choices(me, contact: MessagesForm, offered: dict) -> list[str]:
    """Store the e-mail address, language and channels; the names of what changed (for the audit trail).

    ``channels`` is None (every channel, also ones the county adds later) until the applicant unticks
    one; then it lists what they ticked, and keeps their choice for channels not offered today.
    """
    changed = []
    email = contact.email.data or None
    if email != me.email:
        me.email, changed = email, changed + ["email"]
    if contact.language.data != language_of(me):
        me.language, changed = contact.language.data, changed + ["language"]
    shown = [key for key in (contact.shown.data or "").split(",") if key in offered]
    if shown:  # the checkboxes were on the page (a post without them changes no channel)
        ticked = {key for key in contact.channels.data or [] if key in shown}
        if me.channels is None and ticked == set(shown):
            return changed
        kept = {key for key in (me.channels if me.channels is not None else offered) if key not in shown}
        channels = sorted(ticked | kept)
        if channels != (sorted(me.channels) if me.channels is not None else None):
            me.channels, changed = channels, changed + ["channels"]
    return changed


@bp.route("/family", methods=["GET", "POST"])
@applicant_only
def family_page():
    session = get_session()
    me = _me()
    form = FamilyMemberForm()
    if form.validate_on_submit():
        try:
            family.add(session, me, relation=form.relation.data, real_name=form.real_name.data,
                       id_number=form.id_number.data, criminal_record=form.criminal_record.data)
        except applications.ApplicationError as exc:
            session.rollback()
            for field, texts in exc.messages.items():
                for text in texts:
                    add_error(form, field, text)
        else:
            session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("applicant.family_page"))
    return form_page("applicant/family.html", form, members=family.members(session, me),
                     mask_name=masking.mask_name, remove_form=EmptyForm())


@bp.post("/family/<int:member_id>/remove")
@applicant_only
def remove_family_member(member_id: int):
    session = get_session()
    member = get_or_404(FamilyMember, member_id, FamilyMember.user_id == _me().id)
    family.remove(session, _me(), member)
    session.commit()
    return redirect(url_for("applicant.family_page"))


def _item_page(item_type, values, errors, status=200, item=None):
    fields = item_forms.specs(item_type.input_schema())
    return render("applicant/item.html", item_type=item_type, fields=fields, values=values, errors=errors,
                  item=item, form=EmptyForm()), status


@bp.route("/items/new/<key>", methods=["GET", "POST"])
@applicant_only
def new_item(key: str):
    session = get_session()
    item_type = county_item_types(session).get(key)
    if item_type is None:
        abort(404)
    if request.method == "GET":
        return _item_page(item_type, {}, {})
    fields = item_forms.specs(item_type.input_schema())
    raw = item_forms.read(request.form, "", fields)
    try:
        application = _application(create=True)
        item = applications.declare(session, application, item_type, raw, actor=_me().actor)
    except applications.ApplicationError as exc:
        session.rollback()
        if not exc.messages:
            flash(str(exc.message), "error")
        return _item_page(item_type, dict(request.form), item_forms.translate_errors(exc.messages), 400)
    session.commit()
    flash(_("Saved. Now upload the evidence for this item."), "success")
    return redirect(url_for("applicant.item", item_id=item.id))


@bp.route("/items/<int:item_id>", methods=["GET", "POST"])
@applicant_only
def item(item_id: int):
    session = get_session()
    found = _own_item(item_id)
    item_type = county_item_types(session).get(found.item_type)
    if item_type is None:
        abort(404)
    fields = item_forms.specs(item_type.input_schema())
    if request.method == "POST":
        raw = item_forms.read(request.form, "", fields)
        try:
            applications.update_item(session, found, item_type, raw, actor=_me().actor)
        except applications.ApplicationError as exc:
            session.rollback()
            if not exc.messages:
                flash(str(exc.message), "error")
            return _item_detail(found, item_type, dict(request.form), item_forms.translate_errors(exc.messages), 400)
        session.commit()
        flash(_("Saved."), "success")
        return redirect(url_for("applicant.item", item_id=item_id))
    return _item_detail(found, item_type, item_forms.shown(found.input, fields), {})


def _item_detail(found, item_type, values, errors, status=200):
    session = get_session()
    files = list(session.scalars(select(EvidenceFile).where(EvidenceFile.item_id == found.id)))
    reviews = list(session.scalars(select(ItemReview).where(ItemReview.item_id == found.id).order_by(ItemReview.at)))
    return render("applicant/item.html", item_type=item_type, fields=item_forms.specs(item_type.input_schema()),
                  values=values, errors=errors, item=found, files=files, reviews=reviews, form=EmptyForm(),
                  supplement_form=SupplementForm(), editable=found.status in ("declared", ITEM_SUPPLEMENT)), status


@bp.post("/items/<int:item_id>/delete")
@applicant_only
def delete_item(item_id: int):
    session = get_session()
    found = _own_item(item_id)
    try:
        applications.remove_item(session, found, actor=_me().actor)
    except applications.ApplicationError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("applicant.item", item_id=item_id))
    session.commit()
    return redirect(url_for("applicant.dashboard"))


@bp.post("/items/<int:item_id>/evidence")
@applicant_only
@limiter.limit(lambda: "30 per minute", methods=["POST"])
def upload(item_id: int):
    session = get_session()
    found = _own_item(item_id)
    if found.status not in ("declared", ITEM_SUPPLEMENT):
        flash(_("This item is with the department; you can add files when a supplement is asked for."), "error")
        return redirect(url_for("applicant.item", item_id=item_id)), 400
    upload_file = request.files.get("file")
    if upload_file is None or not upload_file.filename:
        flash(_("Choose a file to upload."), "error")
        return redirect(url_for("applicant.item", item_id=item_id))
    try:
        evidence.store(session, found, upload_file.filename, upload_file.stream)
    except evidence.EvidenceError as exc:
        session.rollback()
        item_type = county_item_types(session)[found.item_type]
        flash(str(exc.message), "error")
        return _item_detail(found, item_type, item_forms.shown(found.input, item_forms.specs(item_type.input_schema())),
                            {}, 400)
    audit.record(session, "evidence.uploaded", actor=_me().actor, target_type="item", target_id=found.id)
    session.commit()
    flash(_("The file is uploaded."), "success")
    return redirect(url_for("applicant.item", item_id=item_id))


@bp.get("/evidence/<int:file_id>")
@applicant_only
def own_evidence(file_id: int):
    record = get_or_404(EvidenceFile, file_id)
    _own_item(record.item_id)
    try:
        stream = evidence.open_file(record)  # from the store (JIFEN_STORAGE), whichever server stored it
    except FileNotFoundError:
        abort(404)
    response = send_file(stream, mimetype=record.content_type, as_attachment=True, download_name=record.original_name)
    response.headers["Cache-Control"] = "no-store"  # a personal document: no browser or proxy keeps a copy
    return response


@bp.post("/items/<int:item_id>/supplement")
@applicant_only
def supplement(item_id: int):
    session = get_session()
    found = _own_item(item_id)
    form = SupplementForm()
    note = form.note.data if form.validate_on_submit() else ""
    try:
        applications.answer_supplement(session, current_county().hooks, found, _me(), note)
    except applications.ApplicationError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("applicant.item", item_id=item_id))
    session.commit()
    flash(_("Sent back to the department."), "success")
    return redirect(url_for("applicant.dashboard"))


@bp.post("/submit")
@applicant_only
def submit():
    session = get_session()
    application = _application()
    if application is None or application.status != DRAFT:
        flash(_("There is no draft to submit."), "error")
        return redirect(url_for("applicant.dashboard"))
    try:
        applications.submit(session, current_county().hooks, application, _me())
    except applications.ApplicationError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        for veto in getattr(exc, "vetoes", []):
            flash(str(veto.message), "error")
        return redirect(url_for("applicant.dashboard"))
    session.commit()
    flash(_("Your application is submitted."), "success")
    return redirect(url_for("applicant.dashboard"))


@bp.post("/recheck")
@applicant_only
def recheck():
    session = get_session()
    form = ReasonForm()
    application = _application()
    if application is None:
        abort(404)
    try:
        applications.request_recheck(session, application, _me(), form.reason.data if form.validate_on_submit() else "")
    except applications.ApplicationError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("applicant.dashboard"))
    session.commit()
    flash(_("Your request for a re-check is recorded."), "success")
    return redirect(url_for("applicant.dashboard"))


@bp.get("/history")
@applicant_only
def history():
    application = _application()
    events = applications.history(get_session(), application) if application else []
    return render("applicant/history.html", events=events)


@bp.get("/messages")
@applicant_only
def messages():
    session = get_session()
    rows = list(session.scalars(select(Message).where(Message.user_id == _me().id).order_by(Message.created_at.desc())
                                .limit(200)))
    unread = [m for m in rows if m.read_at is None]
    for message in unread:
        message.read_at = utcnow()
    session.commit()
    return render("applicant/messages.html", messages=rows, unread_ids={m.id for m in unread})
