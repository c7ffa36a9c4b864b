"""Who is calling the API: nobody (public operations), an applicant's login session, or a county's token.

* ``public``: anyone; an Authorization header is not needed and not looked at.
* ``session``: the flask-login session of an applicant of the county in the URL (read-only GETs,
  so no CSRF token is involved; a session of another county is not valid here, as on the pages).
* ``token``: ``Authorization: Bearer <token>`` of the county in the URL, not revoked, with the
  operation's scope. Missing, unknown, revoked or another county's token: 401; wrong scope: 403.
"""

from __future__ import annotations

from flask import g, request
from flask_login import current_user

from jifen.identity import api_tokens as tokens
from jifen.api.errors import ApiError
from jifen.db.session import get_session
from jifen.models import ApiToken

PUBLIC, SESSION, TOKEN = "public", "session", "token"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def require_token(scope: str | None) -> ApiToken:
    value = bearer_token()
    if value is None:
        raise ApiError(401)
    session = get_session()
    record = tokens.authenticate(session, value)
    if record is None:
        session.rollback()
        raise ApiError(401, code="invalid_token")
    session.commit()  # last_used_at, if it moved; nothing else has happened in this request yet
    if scope is not None and scope not in (record.scopes or []):
        raise ApiError(403, code="insufficient_scope")
    g.api_token = record
    return record


def require_applicant() -> None:
    if not current_user.is_authenticated:
        raise ApiError(401)
    if current_user.is_platform_admin or not current_user.has_role("applicant"):
        raise ApiError(403)


def check(auth: str, scope: str | None) -> None:
    if auth == TOKEN:
        require_token(scope)
    elif auth == SESSION:
        require_applicant()
    elif auth != PUBLIC:
        raise ApiError(500)


def current_token() -> ApiToken:
    return g.api_token
