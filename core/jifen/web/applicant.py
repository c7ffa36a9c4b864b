"""The applicant's journey on a county's portal: profile, family, items, evidence, estimate, submit.

The applicant's home (``/me/``) is one status page: the points application with its reference number,
each item's state and the next thing to do, every program application's stage (rank, sub-quota, cutoff,
offer), objections and their outcome, unread messages, and a dated timeline in the county's time zone.
Submitting goes through a check page (GOV.UK "check your answers") with the county's declaration of
truthfulness, then a confirmation page with the reference number.

Bad input re-renders the page with every message and with what was typed (status 400); nothing
half-done is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field as dataclass_field
from datetime import datetime, timezone
from decimal import Decimal

from flask import Blueprint, abort, flash, redirect, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.exceptions import RequestEntityTooLarge

from jifen import clock
from jifen import audit

from jifen.points import applications

from jifen.points import evidence

from jifen.points import family
from jifen.points import fraud
from jifen.db.session import get_session, utcnow
from jifen.identity import masking
from jifen.points.ledger import current_breakdown
from jifen.models import (
    ApplicantProfile, DeclaredItem, EvidenceFile, FamilyMember, ItemReview, Message, Objection, Offer,
    ProgramApplication, ProgramRound, Publication, RankingInput, RankingResult, RankingRun, StatusEvent,
)
from jifen.models.application import DRAFT, ITEM_REJECTED, ITEM_SUPPLEMENT
from jifen.programs import offers as program_offers
from jifen.programs import publication as program_publication
from jifen.programs import rounds as program_rounds
from jifen.ranking.runs import sub_quotas_of_run
from jifen.web.i18n import STATUS_LABELS, current_locale
from jifen.web.review import described
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


# --------------------------------------------------------------------------- the status page


def local_time(moment: datetime | None) -> datetime | None:
    """A stored (naive UTC) timestamp in the county's time zone, as people read it."""
    if moment is None:
        return None
    return moment.replace(tzinfo=timezone.utc).astimezone(clock.time_zone())


def _lang() -> str:
    return "zh" if current_locale().startswith("zh") else "en"


@dataclass
class Event:
    """One line of the timeline: when (stored UTC) and what happened, in words."""

    at: datetime
    text: str
    kind: str

    @property
    def local(self) -> datetime | None:
        return local_time(self.at)


@dataclass
class ProgramStanding:
    """One program application as the applicant reads it: the program, round, reference and stage."""

    application: ProgramApplication
    round: ProgramRound
    program: object | None
    stage: str  # applied, eligible, ranked, offered, accepted, declined, expired, withdrawn, set_aside
    publication: Publication | None = None
    position: int | None = None
    sub_position: int | None = None
    sub_quota: str | None = None
    points: Decimal | None = None
    outcome: str | None = None
    cutoff: Decimal | None = None
    distance: Decimal | None = None
    sub_cutoff: Decimal | None = None
    sub_distance: Decimal | None = None
    offer: Offer | None = None
    objections_until: object | None = None
    sub_label: str | None = None
    extra: dict = dataclass_field(default_factory=dict)
    score: dict | None = None  # a program with its own ranking score: name, score, counted, pass_mark


def _program_of(session, key: str):
    return program_rounds.programs(session).get(key) or program_rounds.declared_program(key)


def sub_quota_label(program, lang: str) -> str | None:
    """The words for the program's sub-quota (the school, the town), from its application form's label."""
    name = getattr(program, "sub_quota_by", None)
    if program is None or not name:
        return None
    for spec in item_forms.specs(program.application_schema()):
        if spec.name == name:
            return spec.label.get(lang) or spec.label.get("zh") or None
    return None


def _sub_cutoff(session, run: RankingRun, sub_quota: str | None) -> Decimal | None:
    """The cutoff of one sub-quota in a run: the run's own figure, else the lowest points given a place in
    it in the first round (a run recorded without its parameters)."""
    if sub_quota is None:
        return None
    try:
        for outcome in sub_quotas_of_run(session, run):
            if outcome.name == sub_quota:
                return outcome.cutoff
        return None
    except (KeyError, TypeError, ValueError):
        points = list(session.scalars(select(RankingResult.points).where(
            RankingResult.run_id == run.id, RankingResult.sub_quota == sub_quota,
            RankingResult.outcome == "allocated", RankingResult.allocation_round.in_((1, None)))))
        return min(points) if points else None


def program_standings(session, me) -> list[ProgramStanding]:
    """Every program application of the applicant, newest first, with its stage."""
    today = clock.today()
    lang = _lang()
    rows = list(session.scalars(select(ProgramApplication).where(ProgramApplication.user_id == me.id)
                                .order_by(ProgramApplication.applied_at.desc())))
    result = []
    for application in rows:
        found = session.get(ProgramRound, (application.tenant_id, application.round_id))
        if found is None:
            continue
        program = _program_of(session, found.program_key)
        standing = ProgramStanding(application, found, program, "applied", sub_quota=application.sub_quota,
                                   sub_label=sub_quota_label(program, lang))
        if application.status == "withdrawn":
            standing.stage = "withdrawn"
        elif application.status == "set_aside":  # by the program's committee (jifen.programs.committee)
            standing.stage = "set_aside"
        elif today > found.closes_on:
            standing.stage = "eligible"
        published = program_publication.latest(session, found)
        if published is not None and standing.stage != "withdrawn":
            run = session.get(RankingRun, (found.tenant_id, published.run_id))
            row = session.scalar(select(RankingResult).where(RankingResult.run_id == published.run_id,
                                                             RankingResult.program_application_id == application.id))
            if run is not None and row is not None:
                standing.stage, standing.publication = "ranked", published
                standing.position, standing.sub_position = row.position, row.sub_position
                standing.sub_quota, standing.points, standing.outcome = row.sub_quota, row.points, row.outcome
                terms = program_publication.score_terms_of(run)
                if terms and program is not None and program.ranking_score is not None:
                    own = session.get(RankingInput, (found.tenant_id, run.id, application.id))
                    score = own.program_score if own is not None else None
                    standing.score = {"name": program.ranking_score.name(lang), "score": score,
                                      "counted": Decimal(row.points) - (score or 0), "pass_mark": terms.get("pass_mark")}
                standing.cutoff = run.cutoff
                if run.cutoff is not None:
                    standing.distance = max(Decimal(run.cutoff) - Decimal(row.points), Decimal("0.00"))
                standing.sub_cutoff = _sub_cutoff(session, run, row.sub_quota)
                if standing.sub_cutoff is not None:
                    standing.sub_distance = max(Decimal(standing.sub_cutoff) - Decimal(row.points), Decimal("0.00"))
                if program_publication.in_objection_period(published):
                    standing.objections_until = published.ends_on
        offer = session.scalar(select(Offer).where(Offer.round_id == found.id, Offer.user_id == me.id,
                                                   Offer.program_application_id == application.id))
        if offer is not None:
            standing.offer, standing.stage = offer, offer.status
        result.append(standing)
    return result


def _objections(session, me) -> list[tuple[Objection, ProgramRound | None, object | None]]:
    rows = list(session.scalars(select(Objection).where(Objection.user_id == me.id)
                                .order_by(Objection.created_at.desc())))
    result = []
    for objection in rows:
        published = session.get(Publication, (objection.tenant_id, objection.publication_id))
        found = session.get(ProgramRound, (objection.tenant_id, published.round_id)) if published else None
        result.append((objection, found, _program_of(session, found.program_key) if found else None))
    return result


def _program_name(program, lang: str) -> str:
    return program.name(lang) if program is not None else ""


def timeline(session, me, application, items, standings, objections) -> list[Event]:
    """What happened, newest first: the points application's history, program applications, published
    lists, offers and objections."""
    lang = _lang()
    types = county_item_types(session)
    names = {i.id: (types[i.item_type].name(lang) if i.item_type in types else "") for i in items}
    events: list[Event] = []
    if application is not None:
        for event in applications.history(session, application):
            if event.status == DRAFT:
                text = _("You started your points application.")
            elif event.status == "submitted":
                text = _("You submitted your points application %(reference)s.", reference=application.reference or "")
            elif event.status == "confirmed":
                text = _("Your points are confirmed: %(total)s.", total=event.reason or "")
            else:
                label = str(STATUS_LABELS.get(event.status, event.status))
                item_name = names.get(event.item_id) if event.item_id else None
                text = f"{label} · {item_name}" if item_name else label
                if event.reason and event.status in ("item_supplement_requested", "item_rejected", "supplemented",
                                                     "recheck_requested"):
                    text = f"{text}: {event.reason}"
            events.append(Event(event.at, text, event.status))
    seen_publications = set()
    for standing in standings:
        program, found = _program_name(standing.program, lang), standing.round.name
        events.append(Event(standing.application.applied_at,
                            _("You applied to %(program)s, %(round)s (%(reference)s).", program=program, round=found,
                              reference=standing.application.reference or "—"), "program.applied"))
        for published in session.scalars(select(Publication).where(Publication.round_id == standing.round.id)):
            if published.id in seen_publications:
                continue
            seen_publications.add(published.id)
            text = (_("The final list of %(program)s, %(round)s was published.", program=program, round=found)
                    if published.stage == "final" else
                    _("The provisional list of %(program)s, %(round)s was published.", program=program, round=found))
            events.append(Event(published.published_at, text, f"publication.{published.stage}"))
        offer = standing.offer
        if offer is not None:
            events.append(Event(offer.created_at, _("A place in %(program)s, %(round)s was offered to you.",
                                                    program=program, round=found), "offer.made"))
            if offer.decided_at is not None:
                events.append(Event(offer.decided_at, str(STATUS_LABELS.get("offer_" + offer.status, offer.status)),
                                    f"offer.{offer.status}"))
    for objection, _round, _program in objections:
        events.append(Event(objection.created_at, _("You raised objection %(reference)s.",
                                                    reference=objection.reference or "—"), "objection.raised"))
        if objection.decided_at is not None:
            events.append(Event(objection.decided_at, _("Objection %(reference)s was decided.",
                                                        reference=objection.reference or "—"), "objection.decided"))
    events.sort(key=lambda e: e.at, reverse=True)
    return events


@bp.get("/")
@applicant_only
def dashboard():
    session = get_session()
    me = _me()
    application = _application()
    items = applications.items_of(session, application) if application else []
    state = applications.readiness(session, current_county().hooks, application, me) if application else None
    estimate = applications.estimate(session, application)
    files = {}
    if items:
        for record in session.scalars(select(EvidenceFile).where(EvidenceFile.item_id.in_([i.id for i in items]))):
            files.setdefault(record.item_id, []).append(record)
    unread = list(session.scalars(select(Message).where(Message.user_id == me.id, Message.read_at.is_(None))
                                  .order_by(Message.created_at.desc()).limit(5)))
    standings = program_standings(session, me)
    objections = _objections(session, me)
    due = max((i.due_on for i in items if i.due_on and i.status == "pending"), default=None)
    return render("applicant/dashboard.html", application=application, items=items, state=state, estimate=estimate,
                  types=county_item_types(session), files=files, ledger=current_breakdown(session, application)
                  if application else [], has_unread=bool(unread), unread=unread, form=EmptyForm(),
                  reason_form=ReasonForm(), standings=standings, objections=objections, due=due,
                  events=timeline(session, me, application, items, standings, objections),
                  bring=offer_instructions(session), local_time=local_time, bar=fraud.barred(session, me.id))


def offer_instructions(session, program=None) -> str:
    """What to bring and where, once a place is accepted: the program's ``offer_instructions_zh`` /
    ``_en`` setting, else the county's ``[offers] instructions_zh`` / ``_en``, else a line with the hotline."""
    return program_offers.instructions(session, program, _lang())


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
    fields = item_forms.specs(item_type.input_schema())
    return render("applicant/item.html", item_type=item_type, fields=fields,
                  values=values, errors=errors, item=found, files=files, reviews=reviews, form=EmptyForm(),
                  supplement_form=SupplementForm(), editable=found.status in ("declared", ITEM_SUPPLEMENT),
                  lines=described(found.input or {}, fields, _lang()), reason=current_reason(found)), status


def current_reason(found: DeclaredItem) -> str | None:
    """The reason the applicant must read now: the department's current supplement request, or why the item
    was not accepted; none once a supplement is sent back (the old request is answered)."""
    if found.status in (ITEM_SUPPLEMENT, ITEM_REJECTED):
        return found.reason
    return None


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error):
    """A request over the size limit (a file too large): back to the item page with a message in the
    person's language; the declaration is kept (it is stored), nothing of the upload is."""
    limit_mb = max(int(get_max_upload_bytes()) // (1024 * 1024), 1)
    message = _("The file is too large: a file may be at most %(size)s MB. Choose a smaller file or a photo "
                "with fewer pixels.", size=limit_mb)
    item_id = (request.view_args or {}).get("item_id")
    if request.endpoint in ("applicant.upload", "applicant.item", "applicant.supplement") and item_id:
        flash(message, "error")
        return redirect(url_for("applicant.item", item_id=item_id), 303)
    flash(message, "error")
    return redirect(url_for("applicant.dashboard"), 303)


def get_max_upload_bytes() -> int:
    from flask import current_app

    return int(current_app.config.get("JIFEN_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))


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


DECLARATION = {
    "zh": "本人承诺所填信息及所附材料真实、准确、完整，如有虚假，愿承担相应责任并接受取消积分的处理。",
    "en": "I declare that the information I have given and the documents I have attached are true, accurate and "
          "complete. If any of it is false, I accept responsibility and accept that my points are cancelled.",
}


def declaration_text(lang: str) -> str:
    """The county's declaration of truthfulness (承诺): tenant.toml ``[points] declaration_zh`` /
    ``declaration_en``, else the platform's default."""
    settings = (require_tenant().settings or {}).get("points") or {}
    chosen = settings.get(f"declaration_{lang}")
    return chosen.strip() if isinstance(chosen, str) and chosen.strip() else DECLARATION[lang]


def _check_page(application, error: str | None = None, status: int = 200):
    session = get_session()
    lang = _lang()
    types = county_item_types(session)
    items = applications.items_of(session, application) if application else []
    files: dict[int, list] = {}
    if items:
        for record in session.scalars(select(EvidenceFile).where(EvidenceFile.item_id.in_([i.id for i in items]))
                                      .order_by(EvidenceFile.uploaded_at)):
            files.setdefault(record.item_id, []).append(record)
    answers = []
    for found in items:
        item_type = types.get(found.item_type)
        lines = described(found.input or {}, item_forms.specs(item_type.input_schema()), lang) if item_type else []
        answers.append((found, item_type, lines))
    state = applications.readiness(session, current_county().hooks, application, _me()) if application else None
    return render("applicant/check.html", application=application, answers=answers, files=files, state=state,
                  declaration=declaration_text(lang), error=error, form=EmptyForm(),
                  estimate=applications.estimate(session, application)), status


@bp.get("/submit")
@applicant_only
def check_answers():
    """Check your answers (GOV.UK): every item in words with a link to change it, the files, the declaration."""
    application = _application()
    if application is None or application.status != DRAFT:
        return redirect(url_for("applicant.dashboard"))
    return _check_page(application)


@bp.post("/submit")
@applicant_only
def submit():
    session = get_session()
    application = _application()
    if application is None or application.status != DRAFT:
        flash(_("There is no draft to submit."), "error")
        return redirect(url_for("applicant.dashboard"))
    if not EmptyForm().validate_on_submit():
        return _check_page(application, _("This form has expired. Please send it again."), 400)
    if request.form.get("declaration") not in ("y", "on", "1", "true"):
        return _check_page(application, _("Tick the box to confirm the declaration before you submit."), 400)
    try:
        applications.submit(session, current_county().hooks, application, _me())
    except applications.ApplicationError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        for veto in getattr(exc, "vetoes", []):
            flash(str(veto.message), "error")
        return redirect(url_for("applicant.dashboard"))
    session.commit()
    return redirect(url_for("applicant.submitted"))


@bp.get("/submitted")
@applicant_only
def submitted():
    """The confirmation page: the reference number, large, and what happens next."""
    session = get_session()
    application = _application()
    if application is None or application.status == DRAFT or not application.reference:
        return redirect(url_for("applicant.dashboard"))
    items = applications.items_of(session, application)
    due = max((i.due_on for i in items if i.due_on), default=None)
    return render("applicant/submitted.html", application=application, due=due,
                  submitted_on=local_time(application.submitted_at))


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
    return render("applicant/history.html", events=events, local_time=local_time)


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
    return render("applicant/messages.html", messages=rows, unread_ids={m.id for m in unread}, local_time=local_time)
