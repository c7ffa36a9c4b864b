"""Error pages that say what went wrong in words a visitor can act on.

The database unreachable (restarting, failing over, refusing connections, no pooled connection free)
is a **503** with ``Retry-After``, never a 500: the page ``errors/unavailable.html``, or the API's
JSON error shape. It needs no database itself: the visitor is shown as anonymous, because no
account can be loaded. Once the database answers again, so does the application (the pool pings a
connection before handing it out, ``jifen.db.session.make_engine``), without a restart.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

from flask import Flask, current_app, jsonify, make_response, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy import exc as sa_exc
from werkzeug.exceptions import HTTPException, ServiceUnavailable

from jifen.http.theme import render

log = logging.getLogger("jifen.web.errors")

RETRY_AFTER_SECONDS = 5  # about what a PostgreSQL restart or a fail-over takes


class DatabaseUnavailable(ServiceUnavailable):
    """The database cannot be reached now: 503, try again in :data:`RETRY_AFTER_SECONDS`."""

    def __init__(self) -> None:
        super().__init__(retry_after=RETRY_AFTER_SECONDS)


def database_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached now, rather than that a statement is wrong:
    the driver's operational and interface errors (connection refused or lost, the server starting up
    or shutting down), any error on which SQLAlchemy invalidated the connection, and no connection
    free in the pool in time."""
    if isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated:
        return True
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        if type(exc.orig).__module__ == "sqlite3":
            # SQLite reports mistakes in a statement (no such column) as operational errors too.
            return any(m in str(exc.orig) for m in _SQLITE_TRANSIENT)
        return True
    return isinstance(exc, sa_exc.TimeoutError)


_SQLITE_TRANSIENT = ("database is locked", "unable to open database file", "disk I/O error")


def _log_unavailable(exc: BaseException) -> None:
    cause = getattr(exc, "orig", None) or exc
    first_line = (str(cause).strip().splitlines() or [""])[0]
    log.warning("database unavailable, answering 503 to %s %s: %s: %s", request.method, request.path,
                type(cause).__name__, first_line)


def _message(code: int) -> str:
    return {
        400: _("The request could not be understood. Please go back and try again."),
        403: _("You do not have permission to see this page."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        413: _("What you sent is too large. Please send a smaller file or less text."),
        429: _("Too many attempts. Please wait a minute and try again."),
        503: _("The service is briefly unavailable. Please try again in a few seconds."),
    }.get(code, _("Something went wrong on our side. Please try again later."))


JsonErrors = tuple[Callable[[], bool], Callable[[int, "HTTPException | None"], Any]]


def _respond(code: int, message: str, exc: HTTPException | None = None):
    json_errors: JsonErrors | None = current_app.extensions.get("jifen.json_errors")
    if json_errors is not None and json_errors[0]():  # the JSON API answers in its own shape, never with a page
        response = make_response(json_errors[1](code, exc))
    elif request.accept_mimetypes.best == "application/json":
        response = make_response(jsonify({"error": {"code": code, "message": str(message)}}), code)
    elif code == 503:
        _as_anonymous()
        response = make_response(render("errors/unavailable.html", code=code, message=message), code)
    else:
        response = make_response(render("errors/error.html", code=code, message=message), code)
    if isinstance(exc, ServiceUnavailable) and exc.retry_after is not None:
        response.headers.update((k, v) for k, v in exc.get_headers() if k == "Retry-After")
    return response


def _as_anonymous() -> None:
    """A page that must not need the database shows the visitor as anonymous: loading the account
    (which every template does, for ``current_user``) would ask the database."""
    login_manager = getattr(current_app, "login_manager", None)
    if login_manager is not None:
        login_manager._update_request_context_with_user()


def _unavailable(exc: BaseException):
    _log_unavailable(exc)
    return _http(DatabaseUnavailable())


class DatabaseOutageMiddleware:
    """The last wall, around the WSGI application: a database error that no handler answered (the
    look-up of a county's host name before routing, or an error page that needed the database) is
    the same 503; should even that page fail, a plain one."""

    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        try:
            return self.wsgi_app(environ, start_response)
        except Exception as exc:
            if not database_unavailable(exc):
                raise
            try:
                with self.app.request_context(environ):
                    response = self.app.make_response(_unavailable(exc))
                    response = self.app.process_response(response)
            except Exception:  # noqa: BLE001 - answer something better than a 500
                log.exception("the 503 page could not be made")
                start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8"),
                                                           ("Retry-After", str(RETRY_AFTER_SECONDS)),
                                                           ("Cache-Control", "no-store")])
                return [PLAIN_UNAVAILABLE]
            return response(environ, start_response)


PLAIN_UNAVAILABLE = "服务暂时无法使用，请过几秒钟再试。\nThe service is briefly unavailable. Please try again in a few seconds.\n".encode()


def init_app(app: Flask, json_errors: JsonErrors | None = None) -> None:
    """Error pages for ``app``; ``json_errors`` is (is this an API request?, its error response), given by
    the application factory so that the web layer does not import the API."""
    app.extensions["jifen.json_errors"] = json_errors

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _respond(400, _("This form has expired or was not sent from this site. Please reload the page and try again."))

    app.register_error_handler(HTTPException, _http)

    @app.errorhandler(sa_exc.DBAPIError)
    @app.errorhandler(sa_exc.TimeoutError)
    def _database_error(exc: Exception):
        if not database_unavailable(exc):
            raise exc  # a mistake, not an outage: the 500 it always was
        return _unavailable(exc)

    app.wsgi_app = DatabaseOutageMiddleware(app.wsgi_app, app)


def _http(exc: HTTPException):
    if exc.code is None or exc.code < 400:
        return exc
    return _respond(exc.code, getattr(exc, "user_message", None) or _message(exc.code), exc)
