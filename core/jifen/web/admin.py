"""County administrators' pages: plugins, staff accounts (invited, given roles and departments, deactivated), the audit trail."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from jifen.web import words
from jifen.web.audit_words import Actors
from jifen import audit, jobs

from jifen.points import ledger, rules
from jifen.points.code_changes import code_changes
from jifen.programs import unfinished
from jifen.db.session import get_session
from jifen.county.enablement import InvalidPluginSettings, validate_settings
from jifen.county.switching import set_plugin_enabled
from jifen.identity import accounts, masking, staff
from jifen.models import Job, RuleVersion, User
from jifen.plugin.manager import UnknownPlugin, catalog, plugin_of, refused_plugins
from jifen.plugin import fields as item_forms
from jifen.county.context import current_county
from jifen.web.forms import EmptyForm, add_error
from jifen.web.staff_forms import ROLE_WORDS, InviteForm, RoleForm, department_names
from jifen.web.navigation import form_page
from jifen.http.security import roles_required
from jifen.http.theme import render

bp = Blueprint("admin", __name__)
PAGE_SIZE = 50


@bp.get("/")
@roles_required("admin")
def index():
    return render("admin/index.html", programs=current_county().programs, enabled=current_county().enabled,
                  settings_problems=current_county().settings_problems)


def _plugins_page(errors: dict | None = None, status: int = 200):
    session = get_session()
    enabled = current_county().enabled
    latest = rules.latest_version(session)
    return render("admin/plugins.html", catalog=catalog(), enabled=enabled, form=EmptyForm(),
                  refused=refused_plugins(), unfinished={name: unfinished.left_unfinished(session, name)
                                                         for name in catalog() if name in enabled},
                  next_version=(latest.version + 1) if latest else 1, errors=errors or {},
                  settings_problems=current_county().settings_problems), status


@bp.get("/plugins")
@roles_required("admin")
def plugins():
    return _plugins_page()


@bp.post("/plugins/<name>")
@roles_required("admin")
def switch_plugin(name: str):
    """Switch a plugin; switching off one that leaves rounds unfinished needs its confirmation box."""
    action = request.form.get("action")
    if action not in {"enable", "disable"}:
        abort(400)
    session = get_session()
    left = unfinished.left_unfinished(session, name) if action == "disable" else []
    if left and request.form.get("confirm") != "y":
        return _plugins_page({name: [_("Tick the box to confirm that you switch it off with these rounds "
                                       "unfinished.")]}, 400)
    before = rules.latest_version(session)
    try:
        changed = set_plugin_enabled(session, name, action == "enable", actor=current_user.actor)
    except UnknownPlugin:
        abort(404)
    except InvalidPluginSettings as exc:
        session.rollback()
        flash(_("The county's settings for this plugin are invalid: %(msg)s", msg=exc.messages), "error")
        return redirect(url_for("admin.plugins"))
    if changed and left:
        audit.record(session, "plugin.disabled_unfinished", actor=current_user.actor, target_type="plugin",
                     target_id=name, details={"rounds": sorted({u.round.id for u in left})})
    after = rules.latest_version(session)
    session.commit()
    if changed:
        flash(_("Plugin %(name)s is now %(state)s.", name=name, state=_("on") if action == "enable" else _("off")), "success")
        if after is not None and (before is None or after.version != before.version):
            flash(_("This made rule version %(version)d: confirmed points keep their version until a rescore.",
                    version=after.version), "success")
    return redirect(url_for("admin.plugins"))


@bp.get("/users")
@roles_required("admin")
def users():
    role = request.args.get("role")
    role = role if role in ROLE_WORDS else None
    query = select(User).order_by(User.created_at.desc()).limit(200)
    if role:
        query = query.where(User.role == role)
    rows = get_session().scalars(query).all()
    return render("admin/users.html", users=rows, role=role, **_staff_words())


def _staff_words() -> dict:
    return {"roles": ROLE_WORDS, "department_names": department_names(), "mask_name": masking.mask_name,
            "mask_mobile": masking.mask_mobile}


def _account_error(form, exc: accounts.AccountError) -> None:
    target = {"department": "departments"}.get(exc.field, exc.field)
    if target in form:
        add_error(form, target, exc.message)
    else:
        form.form_errors.append(exc.message)


def _target(user_id: int) -> User:
    found = get_session().scalar(select(User).where(User.id == user_id))
    if found is None:
        abort(404)
    return found


def _initial_password_page(target: User, password: str, *, invited: bool):
    """The one page that shows an initial password: only its hash is kept."""
    return render("admin/initial_password.html", user=target, password=password, invited=invited,
                  login_url=url_for("auth.login", _external=True), **_staff_words())


@bp.route("/users/invite", methods=["GET", "POST"])
@roles_required("admin")
def invite_staff():
    form = InviteForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            made, password = staff.invite(session, real_name=form.real_name.data, id_number=form.id_number.data,
                                          mobile=form.mobile.data, role=form.role.data,
                                          departments=form.departments.data, actor=current_user.actor)
        except accounts.AccountError as exc:
            session.rollback()
            _account_error(form, exc)
        else:
            session.commit()
            return _initial_password_page(made, password, invited=True)
    return form_page("admin/invite.html", form, **_staff_words())


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@roles_required("admin")
def user(user_id: int):
    session = get_session()
    target = _target(user_id)
    form = RoleForm(obj=target if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            changed = accounts.set_role(session, target, form.role.data, form.departments.data,
                                        actor=current_user.actor)
        except accounts.AccountError as exc:
            session.rollback()
            target = _target(user_id)
            _account_error(form, exc)
        else:
            session.commit()
            if changed:
                flash(_("The role is changed."), "success")
            return redirect(url_for("admin.user", user_id=user_id))
    return form_page("admin/user.html", form, user=target, button=EmptyForm(), **_staff_words())


@bp.post("/users/<int:user_id>/access")
@roles_required("admin")
def user_access(user_id: int):
    """Deactivate an account (it cannot log in, its sessions end) or reactivate it."""
    target = _target(user_id)  # another county's account: 404 before anything is read
    action = request.form.get("action")
    if not EmptyForm().validate_on_submit() or action not in {"deactivate", "reactivate"}:
        abort(400)
    session = get_session()
    try:
        change = staff.deactivate if action == "deactivate" else staff.reactivate
        changed = change(session, target, actor=current_user.actor)
    except accounts.AccountError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("admin.user", user_id=user_id), 303)
    session.commit()
    if changed:
        flash(_("The account is deactivated: it cannot log in, and its sessions have ended.") if action == "deactivate"
              else _("The account is active again."), "success")
    return redirect(url_for("admin.user", user_id=user_id), 303)


@bp.post("/users/<int:user_id>/password")
@roles_required("admin")
def reset_user_password(user_id: int):
    """A new initial password for someone who lost theirs, shown once."""
    target = _target(user_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    session = get_session()
    try:
        password = staff.reset_password(session, target, actor=current_user.actor)
    except accounts.AccountError as exc:
        session.rollback()
        flash(str(exc.message), "error")
        return redirect(url_for("admin.user", user_id=user_id), 303)
    session.commit()
    return _initial_password_page(target, password, invited=False)


@bp.get("/rules")
@roles_required("admin")
def rules_overview():
    session = get_session()
    types = rules.county_item_types(session)
    versions = session.scalars(select(RuleVersion).order_by(RuleVersion.version.desc()).limit(50)).all()
    current = versions[0] if versions else None
    waiting = ledger.to_rescore(session, current.version) if current else 0
    latest = jobs.latest_job(session, "rules", None, kind="points.rescore")
    actors = Actors(session, [v.actor for v in versions])
    changed = code_changes(session)
    preview = jobs.latest_job(session, "rules", None, kind="points.rescore_preview") if changed else None
    return render("admin/rules.html", types=types, versions=versions, current=current, waiting=waiting,
                  rescore_job=latest, form=EmptyForm(), creators={v.actor: actors.label(v.actor) for v in versions},
                  code_changes=changed, rescore_preview=preview)


@bp.post("/rules/rescore-preview")
@roles_required("admin")
def rescore_preview():
    """After a plugin upgrade: work out, as a job, who a rescore would move, before anyone rescores."""
    session = get_session()
    if not EmptyForm().validate_on_submit():
        abort(400)
    job = jobs.enqueue(session, "points.rescore_preview", actor=current_user.actor, target_type="rules")
    audit.record(session, "job.requested", actor=current_user.actor, target_type="job", target_id=job.id,
                 details={"kind": job.kind})
    session.commit()
    return redirect(url_for("admin.rules_overview")), 303


def _rules_preview(session, job_id: int | None) -> Job | None:
    """A finished preview of a points table change (job kind rules.preview) of the bound county."""
    if job_id is None or not 0 < job_id < 2 ** 63:
        return None
    return session.scalar(select(Job).where(Job.id == job_id, Job.kind == "rules.preview", Job.state == "finished"))


@bp.post("/rules/previews/<int:job_id>/save")
@roles_required("admin")
def save_previewed(job_id: int):
    """Save the values a preview was made of, as a new rule version, if the rules have not moved since."""
    session = get_session()
    if not EmptyForm().validate_on_submit():
        abort(400)
    job = _rules_preview(session, job_id)
    if job is None:
        abort(404)
    result = job.result
    latest = rules.latest_version(session)
    if (latest.version if latest else None) != result.get("version"):
        flash(_("The points tables changed after this preview was made: preview the change again."), "error")
        return redirect(url_for("admin.edit_rules", key=result["item"], from_job=job.id)), 303
    try:
        set_plugin_enabled(session, result["plugin"], True, actor=current_user.actor, settings=result["settings"])
    except (InvalidPluginSettings, UnknownPlugin):
        session.rollback()
        flash(_("These values can no longer be saved: the plugin changed. Preview the change again."), "error")
        return redirect(url_for("admin.rules_overview")), 303
    session.commit()
    flash(_("Saved. The new values are a new rule version; confirmed points keep their version until a rescore."),
          "success")
    return redirect(url_for("admin.rules_overview"))


@bp.get("/rules/compare")
@roles_required("admin")
def compare_rules():
    """Two rule versions side by side (by default the one in force and the one before it)."""
    session = get_session()
    numbers = list(session.scalars(select(RuleVersion.version).order_by(RuleVersion.version.desc()).limit(500)))
    if not numbers:
        abort(404)
    second = request.args.get("b", type=int) or numbers[0]
    first = request.args.get("a", type=int) or next((n for n in numbers if n < second), second)
    tenant_id = current_county(session).tenant.id
    left, right = (session.get(RuleVersion, (tenant_id, n)) for n in (first, second))
    if left is None or right is None:
        abort(404)
    actors = Actors(session, [left.actor, right.actor])
    return render("admin/rules_compare.html", first=left, second=right, numbers=numbers,
                  items=words.compare_rules(left.rules, right.rules), actors=actors)


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
    shown_settings = current_county(session).settings_of(plugin)
    previewed = _rules_preview(session, request.args.get("from_job", type=int))
    if previewed is not None and previewed.result.get("item") == key:  # "change the values again"
        shown_settings = previewed.result["settings"]
    errors, values = {}, item_forms.shown(shown_settings, fields)
    form = EmptyForm()
    if request.method == "POST" and form.validate_on_submit():
        # Saving goes through a preview: the values are checked, then a job works out what they would do.
        values = dict(request.form)
        try:
            settings = validate_settings(plugin, item_forms.read(request.form, "", fields))
        except InvalidPluginSettings as exc:
            errors = item_forms.translate_errors(exc.messages)
        else:
            job = jobs.enqueue(session, "rules.preview", actor=current_user.actor, target_type="rules",
                               params={"plugin": plugin, "item": key, "settings": settings})
            audit.record(session, "job.requested", actor=current_user.actor, target_type="job", target_id=job.id,
                         details={"kind": job.kind, "item_type": key})
            session.commit()
            return redirect(url_for("admin_programs.job_detail", job_id=job.id))
    status = 400 if errors else 200
    return render("admin/rules_edit.html", item_type=item_type, fields=fields, values=values, errors=errors,
                  form=form), status
