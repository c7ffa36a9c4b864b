"""Pages above the counties: the list of counties, platform administrators' login, health check."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from jifen.db.session import get_session
from jifen.identity import accounts
from jifen.models import Tenant
from jifen.web.forms import PlatformLoginForm, add_error
from jifen.web.navigation import form_page, safe_next
from jifen.http.security import limiter, login_limit, public

bp = Blueprint("platform", __name__)


@bp.get("/")
@public
def index():
    tenants = get_session().scalars(select(Tenant).order_by(Tenant.slug)).all()
    return render_template("platform/index.html", tenants=tenants)


@bp.get("/healthz")
@public
def healthz():
    return {"status": "ok"}


@bp.route("/platform/login", methods=["GET", "POST"])
@public
@limiter.limit(login_limit, methods=["POST"])
def login():
    form = PlatformLoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        admin = accounts.authenticate_platform_admin(get_session(), form.username.data, form.password.data)
        if admin is not None:
            login_user(admin)
            return redirect(safe_next(form.next.data) or url_for("platform.index"))
        add_error(form, "password", _("Username or password is not correct."))
    return form_page("platform/login.html", form)


@bp.post("/platform/logout")
def logout():
    if current_user.is_authenticated:
        accounts.end_sessions(get_session(), current_user._get_current_object())
    logout_user()
    return redirect(url_for("platform.index"))
