"""The API's errors: one JSON shape for every status, never the HTML error pages.

``{"error": {"status": 404, "code": "not_found", "message": "...", "details": {...}}}``

``code`` is stable (clients switch on it); ``message`` is for people and follows the request's
language; ``details`` holds field messages for ``validation_failed`` and is otherwise empty.
"""

from __future__ import annotations

from flask import jsonify, request
from flask_babel import gettext as _

API_ROOT = ("api", "v1")

CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_failed",
    429: "rate_limited",
    500: "server_error",
    503: "service_unavailable",
}


def _default_message(status: int) -> str:
    return {
        400: _("The request could not be understood."),
        401: _("A valid API token (Authorization: Bearer ...) or login session is needed."),
        403: _("The token or user may not do this."),
        404: _("Not found."),
        405: _("This method is not allowed on this URL."),
        409: _("The object's state does not allow this."),
        413: _("The request body is too large."),
        415: _("Send the body as application/json."),
        422: _("Some values are not valid; see details."),
        429: _("Too many requests. Wait a minute and try again."),
        503: _("The service is briefly unavailable. Please try again in a few seconds."),
    }.get(status, _("Something went wrong on our side. Please try again later."))


class ApiError(Exception):
    """Raised by API views; answered in the error shape with ``status``."""

    def __init__(self, status: int, message=None, details: dict | None = None, code: str | None = None) -> None:
        super().__init__(str(message or status))
        self.status = status
        self.message = message
        self.details = details or {}
        self.code = code


def plain(value):
    """Marshmallow messages may hold lazy strings and tuples: make them plain JSON."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def error_response(status: int, message=None, details: dict | None = None, code: str | None = None):
    status = status if status in CODES else (500 if status >= 500 else 400)
    body = {"error": {"status": status, "code": code or CODES[status],
                      "message": str(message) if message else _default_message(status),
                      "details": plain(details or {})}}
    response = jsonify(body)
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="jifen"'
    return response


def http_error_response(status: int, exc=None):
    """An HTTP error raised outside an API view (no route, unknown county, 405, 413, 429, 500)."""
    response = error_response(status, getattr(exc, "user_message", None))
    allow = exc.get_headers() if exc is not None and status == 405 else []
    for name, value in allow:
        if name.lower() == "allow":
            response.headers["Allow"] = value
    return response


def is_api_request() -> bool:
    """Whether the request is for the API (``/api/v1/...`` or ``/<county>/api/v1/...``), routed or not."""
    if (request.blueprint or "").startswith("api"):
        return True
    parts = request.path.strip("/").split("/")
    return tuple(parts[:2]) == API_ROOT or tuple(parts[1:3]) == API_ROOT
