"""Error pages that say what went wrong in words a visitor can act on."""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from jifen.web.theme import render


def _message(code: int) -> str:
    return {
        400: _("The request could not be understood. Please go back and try again."),
        403: _("You do not have permission to see this page."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        413: _("What you sent is too large. Please send a smaller file or less text."),
        429: _("Too many attempts. Please wait a minute and try again."),
    }.get(code, _("Something went wrong on our side. Please try again later."))


def _respond(code: int, message: str, exc: HTTPException | None = None):
    from jifen.api.errors import http_error_response, is_api_request

    if is_api_request():  # the JSON API answers in its own error shape, never with a page
        return http_error_response(code, exc)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"error": {"code": code, "message": message}}), code
    return render("errors/error.html", code=code, message=message), code


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _respond(400, _("This form has expired or was not sent from this site. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        return _respond(exc.code, _message(exc.code), exc)
