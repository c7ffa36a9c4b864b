"""Pages above the counties: the list of counties, platform administrators' login, health check.

The platform administrators' console (their home after logging in) is jifen.web.platform_console."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select, text

from jifen.db.session import get_db, get_session
from jifen.identity import accounts
from jifen.jobs import backends
from jifen.db.outside_transaction import value_outside_transaction
from jifen.models import PlatformRevision, Tenant
from jifen.web.forms import PlatformLoginForm, add_error
from jifen.web.i18n import current_locale
from jifen.web.page_cache import cached_for_anonymous
from jifen.web.navigation import form_page, safe_next
from jifen.http.security import limiter, login_limit, public

bp = Blueprint("platform", __name__)


@bp.get("/")
@public
def index():
    # With a thousand counties, reading and rendering them all per request is most of the cost: the page is
    # rendered once per language and revision of the county list (changed by the database whenever a county
    # is added, removed or renamed) for anonymous visitors (jifen.web.page_cache).
    revision = value_outside_transaction(get_db().engine, _COUNTIES_REVISION)
    return cached_for_anonymous(("counties", current_locale(), revision), lambda: render_template(
        "platform/index.html", tenants=get_session().scalars(select(Tenant).order_by(Tenant.slug)).all()))


_COUNTIES_REVISION = select(PlatformRevision.value).where(PlatformRevision.name == "counties")


@bp.get("/healthz")
@public
def healthz():
    """Each dependency on its own: 503 when the database is down (nothing works), 200 with
    ``"status": "degraded"`` when only Redis is (logins and pages work on memory limits)."""
    checks = {"database": _database_state(), "redis": _redis_state(), "queue": _queue_state()}
    degraded = checks["redis"] == "down" or checks["queue"]["state"] == "down"
    status = "down" if checks["database"] != "ok" else ("degraded" if degraded else "ok")
    return {"status": status, **checks}, 503 if status == "down" else 200


def _queue_state() -> dict:
    """The job queue: which backend, whether it answers, how many jobs wait, how many workers listen."""
    found = backends.queue_status()
    state = "ok" if found["ok"] else "down"
    if found["ok"] and found["backend"] == "rq" and not found["workers"]:
        state = "no workers"  # jobs are kept and wait for a worker
    return {"state": state, "backend": found["backend"], "waiting": found["waiting"], "workers": found["workers"]}


def _database_state() -> str:
    try:
        with get_db().engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure to reach the database is "down"
        return "down"
    return "ok"


def _redis_state() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping()
    except redis.RedisError:
        return "down"
    return "ok"


@bp.route("/platform/login", methods=["GET", "POST"])
@public
@limiter.limit(login_limit, methods=["POST"])
def login():
    form = PlatformLoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        admin = accounts.authenticate_platform_admin(get_session(), form.username.data, form.password.data)
        if admin is not None:
            login_user(admin)
            return redirect(safe_next(form.next.data) or url_for("platform_console.overview"))
        add_error(form, "password", _("Username or password is not correct."))
    return form_page("platform/login.html", form)


@bp.post("/platform/logout")
def logout():
    if current_user.is_authenticated:
        accounts.end_sessions(get_session(), current_user._get_current_object())
    logout_user()
    return redirect(url_for("platform.index"))
