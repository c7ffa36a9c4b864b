"""County administrators' pages: plugins, users and roles, the audit trail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from jifen import audit, jobs

from jifen.points import ledger, rules
from jifen.db.session import get_session
from jifen.county.enablement import InvalidPluginSettings
from jifen.county.switching import set_plugin_enabled
from jifen.identity import accounts, masking
from jifen.models import AuditEvent, RuleVersion, User
from jifen.plugin.manager import UnknownPlugin, catalog, plugin_of, refused_plugins
from jifen.plugin import fields as item_forms
from jifen.county.context import current_county
from jifen.web.forms import EmptyForm, RoleForm, add_error
from jifen.web.i18n import current_locale
from jifen.web.navigation import form_page
from jifen.http.security import roles_required
from jifen.http.theme import render

bp = Blueprint("admin", __name__)
PAGE_SIZE = 50


@bp.get("/")
@roles_required("admin")
def index():
    return render("admin/index.html", programs=current_county().programs, enabled=current_county().enabled)


@bp.get("/plugins")
@roles_required("admin")
def plugins():
    return render("admin/plugins.html", catalog=catalog(), enabled=current_county().enabled, form=EmptyForm(),
                  refused=refused_plugins())


@bp.post("/plugins/<name>")
@roles_required("admin")
def switch_plugin(name: str):
    action = request.form.get("action")
    if action not in {"enable", "disable"}:
        abort(400)
    session = get_session()
    try:
        changed = set_plugin_enabled(session, name, action == "enable", actor=current_user.actor)
    except UnknownPlugin:
        abort(404)
    except InvalidPluginSettings as exc:
        session.rollback()
        flash(_("The county's settings for this plugin are invalid: %(msg)s", msg=exc.messages), "error")
        return redirect(url_for("admin.plugins"))
    session.commit()
    if changed:
        flash(_("Plugin %(name)s is now %(state)s.", name=name, state=_("on") if action == "enable" else _("off")), "success")
    return redirect(url_for("admin.plugins"))


@bp.get("/users")
@roles_required("admin")
def users():
    role = request.args.get("role")
    query = select(User).order_by(User.created_at.desc()).limit(200)
    if role:
        query = query.where(User.role == role)
    rows = get_session().scalars(query).all()
    return render("admin/users.html", users=rows, mask_name=masking.mask_name, mask_mobile=masking.mask_mobile)


def _role_form(user: User) -> RoleForm:
    form = RoleForm(obj=user if request.method == "GET" else None)
    lang = "zh" if current_locale().startswith("zh") else "en"
    form.department.choices = [("", "—")] + [
        (key, names.get(lang, key)) for key, names in accounts.departments().items()
    ]
    return form


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user(user_id: int):
    session = get_session()
    target = session.scalar(select(User).where(User.id == user_id))
    if target is None:
        abort(404)
    form = _role_form(target)
    if form.validate_on_submit():
        try:
            changed = accounts.set_role(session, target, form.role.data, form.department.data, actor=current_user.actor)
        except accounts.AccountError as exc:
            session.rollback()
            add_error(form, exc.field, exc.message)
        else:
            session.commit()
            if changed:
                flash(_("The role is changed."), "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return form_page("admin/user.html", form, user=target, mask_name=masking.mask_name,
                     mask_mobile=masking.mask_mobile)


@bp.get("/audit")
@roles_required("admin")
def audit_trail():
    session = get_session()
    before = request.args.get("before", type=int)
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(PAGE_SIZE)
    if before:
        query = query.where(AuditEvent.seq < before)
    events = session.scalars(query).all()
    check = audit.verify(session) if before is None else None
    return render("admin/audit.html", events=events, check=check, page_size=PAGE_SIZE)


@bp.get("/rules")
@roles_required("admin")
def rules_overview():
    session = get_session()
    types = rules.county_item_types(session)
    versions = session.scalars(select(RuleVersion).order_by(RuleVersion.version.desc()).limit(50)).all()
    current = versions[0] if versions else None
    waiting = ledger.to_rescore(session, current.version) if current else 0
    latest = jobs.latest_job(session, "rules", None, kind="points.rescore")
    return render("admin/rules.html", types=types, versions=versions, current=current, waiting=waiting,
                  rescore_job=latest, form=EmptyForm())


@bp.post("/rules/rescore")
@roles_required("admin")
def rescore():
    """Rescore confirmed points under the rules in force, as a job (a county's applications take minutes)."""
    session = get_session()
    if not EmptyForm().validate_on_submit():
        abort(400)
    running = jobs.latest_job(session, "rules", None, kind="points.rescore")
    if running is not None and running.state in ("queued", "running"):
        flash(_("A rescore is already under way."), "error")
        return redirect(url_for("admin_programs.job_detail", job_id=running.id)), 303
    job = jobs.enqueue(session, "points.rescore", actor=current_user.actor, target_type="rules")
    audit.record(session, "job.requested", actor=current_user.actor, target_type="job", target_id=job.id,
                 details={"kind": job.kind})
    session.commit()
    return redirect(url_for("admin_programs.job_detail", job_id=job.id))


@bp.route("/rules/<key>", methods=["GET", "POST"])
@roles_required("admin")
def edit_rules(key: str):
    session = get_session()
    item_type = rules.county_item_types(session).get(key)
    if item_type is None:
        abort(404)
    plugin = plugin_of(key)
    fields = item_forms.specs(item_type.settings_schema())
    errors, values = {}, item_forms.shown(current_county(session).settings_of(plugin), fields)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        values = dict(request.form)
        try:
            set_plugin_enabled(session, plugin, True, actor=current_user.actor,
                               settings=item_forms.read(request.form, "", fields))
        except InvalidPluginSettings as exc:
            session.rollback()
            errors = item_forms.translate_errors(exc.messages)
        else:
            session.commit()
            flash(_("Saved. The new values are a new rule version; confirmed points keep their version until a rescore."),
                  "success")
            return redirect(url_for("admin.rules_overview"))
    status = 400 if errors else 200
    return render("admin/rules_edit.html", item_type=item_type, fields=fields, values=values, errors=errors,
                  form=form), status
