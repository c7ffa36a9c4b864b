"""Error pages that say what went wrong in words a visitor can act on."""

from __future__ import annotations

from typing import Any, Callable

from flask import Flask, current_app, jsonify, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from jifen.http.theme import render


def _message(code: int) -> str:
    return {
        400: _("The request could not be understood. Please go back and try again."),
        403: _("You do not have permission to see this page."),
        404: _("This page does not exist."),
        405: _("This action is not allowed here."),
        413: _("What you sent is too large. Please send a smaller file or less text."),
        429: _("Too many attempts. Please wait a minute and try again."),
    }.get(code, _("Something went wrong on our side. Please try again later."))


JsonErrors = tuple[Callable[[], bool], Callable[[int, "HTTPException | None"], Any]]


def _respond(code: int, message: str, exc: HTTPException | None = None):
    json_errors: JsonErrors | None = current_app.extensions.get("jifen.json_errors")
    if json_errors is not None and json_errors[0]():  # the JSON API answers in its own shape, never with a page
        return json_errors[1](code, exc)
    if request.accept_mimetypes.best == "application/json":
        return jsonify({"error": {"code": code, "message": str(message)}}), code
    return render("errors/error.html", code=code, message=message), code


def init_app(app: Flask, json_errors: JsonErrors | None = None) -> None:
    """Error pages for ``app``; ``json_errors`` is (is this an API request?, its error response), given by
    the application factory so that the web layer does not import the API."""
    app.extensions["jifen.json_errors"] = json_errors

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return _respond(400, _("This form has expired or was not sent from this site. Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(exc: HTTPException):
        if exc.code is None or exc.code < 400:
            return exc
        return _respond(exc.code, getattr(exc, "user_message", None) or _message(exc.code), exc)
