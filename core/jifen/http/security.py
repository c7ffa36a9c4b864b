"""Who may see what: login sessions, the default-deny rule, roles per county, CSRF, headers, rate limits.

Every view is private unless marked :func:`public`; a private view refuses anonymous users before
it runs (:func:`_require_login`), and an account still on its initial password sees only the page
to change it. :func:`roles_required` narrows a view to county roles. A login session belongs to one
county: the user loader ignores it on any other county's pages; a deactivated account's opens nothing.
"""

from __future__ import annotations

from functools import wraps

from flask import Flask, abort, current_app, g, redirect, request, session, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user
from flask_wtf.csrf import CSRFProtect

from jifen.http.input_checks import refuse_unusable_input
from jifen.http import metrics
from jifen.db.session import get_session
from jifen.models import PlatformAdmin, User
from jifen.county.tenancy import current_tenant

login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def login_limit() -> str:
    return current_app.config["JIFEN_LOGIN_RATE_LIMIT"]


def public(view):
    """Mark a view as open to anonymous visitors."""
    view.jifen_public = True
    return view


def roles_required(*roles: str):
    """Allow only users of the bound county with one of ``roles`` (platform administrators count as admin)."""

    def decorate(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        wrapper.jifen_roles = roles
        return wrapper

    return decorate


def own_departments() -> tuple[str, ...] | None:
    """The departments whose items the current user decides: a reviewer's own; None for administrators
    (every department of the county)."""
    if current_user.has_role("admin"):
        return None
    return tuple(current_user.departments) if current_user.has_role("reviewer") else ()


@login_manager.user_loader
def _load_user(session_id: str):
    parts = session_id.split(":")
    session = get_session()
    if parts[0] == "u" and len(parts) == 4:
        tenant = current_tenant()
        if tenant is None or str(tenant.id) != parts[1]:
            return None  # a session opened on one county's portal is worthless on another's
        user = session.get(User, (tenant.id, int(parts[2])))
    elif parts[0] == "p" and len(parts) == 3:
        user = session.get(PlatformAdmin, int(parts[1]))
    else:
        return None
    if user is None or not user.is_active or user.get_id() != session_id:
        return None
    return user


@login_manager.unauthorized_handler
def _unauthorized():
    if g.get("tenant") is not None:
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
    return redirect(url_for("platform.login", next=request.full_path.rstrip("?")))


def _require_login():
    endpoint = request.endpoint
    if endpoint is None:
        return None  # no route: the 404 handler answers
    view = current_app.view_functions.get(endpoint)
    if endpoint == "static" or getattr(view, "jifen_public", False):
        return None
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if current_user.must_change_password and endpoint not in FIRST_LOGIN_ENDPOINTS:
        # An account made with an initial password opens nothing else until its owner chooses one.
        if (request.blueprint or "").startswith("api"):
            abort(403)
        return redirect(url_for("auth.account"))
    return None


# What an account with an initial password may open: the page to change it, and the way out.
FIRST_LOGIN_ENDPOINTS = frozenset({"auth.account", "auth.change_password", "auth.logout"})


CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


# What holds no personal data and may be cached: the platform's and a county's static files and theme.
CACHEABLE_ENDPOINTS = frozenset({"static", "portal.theme_css", "portal.theme_file"})
# A county's public pages, the same for every anonymous visitor: a reverse proxy may keep them a
# minute, and revalidate by ETag (docs/deployment.md, "Caching"). Only as an anonymous visitor sees
# them (see _shareable); to anyone logged in, or whose session changes, they are no-store.
SHARED_PAGES = frozenset({
    "platform.index", "portal.landing", "programs.program", "programs.round_page", "programs.published_list",
    "programs.published_csv", "exchange.published_xlsx", "complaints.answered", "complaints.figures",
})
SHARED_MAX_AGE = 60  # seconds; a list published or a plugin switched shows within a minute behind a proxy


def _shareable(response) -> bool:
    """Whether ``response`` is a public page as every anonymous visitor gets it: nothing personal in it,
    no cookie set by it (a CSRF token, a flash, a language choice), a plain 200 to a GET."""
    return (request.endpoint in SHARED_PAGES and request.method in ("GET", "HEAD") and response.status_code == 200
            and not current_user.is_authenticated and not session.modified and "Set-Cookie" not in response.headers)


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if current_app.config["JIFEN_ENV"] == "production":
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.endpoint in CACHEABLE_ENDPOINTS:
        return response
    if _shareable(response):
        response.headers["Cache-Control"] = f"public, max-age={SHARED_MAX_AGE}"
        response.vary.update(("Cookie", "Accept-Language"))  # the language follows both
        if not response.is_streamed:
            response.add_etag()
            response.make_conditional(request)
        return response
    # Pages, the API and files may carry personal data: no browser or proxy keeps a copy.
    response.headers["Cache-Control"] = "no-store"
    return response


@limiter.request_filter
def _only_writes_are_limited() -> bool:
    # Limits guard logins and uploads (POST); reading a page is never limited, and skips the check.
    return request.method in ("GET", "HEAD")


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.session_protection = "strong"
    csrf.init_app(app)
    limiter.init_app(app)
    app.before_request(refuse_unusable_input)
    app.before_request(_require_login)
    app.after_request(_headers)
    metrics.init_app(app)  # /metrics and the request counters, set up with the rest of the request machinery
