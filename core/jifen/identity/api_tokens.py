"""API tokens of a county: made, listed, revoked, and checked on each API request.

A token is ``jf_`` and 43 random URL-safe characters. Only its SHA-256 is stored, with its first
characters so that an administrator can tell tokens apart; the token itself is shown once. A token
carries scopes; the verification scopes are limited to one department of the county.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from jifen.text import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit
from jifen.errors import ApplicationError
from jifen.db.session import utcnow
from jifen.identity import accounts
from jifen.models import ApiToken

PREFIX = "jf_"
SCOPES = {
    "lists:read": _l("Read the published lists of the county's rounds."),
    "verifications:read": _l("Read the department's queue of items to verify."),
    "verifications:write": _l("Record verification results for the department's items."),
}
DEPARTMENT_SCOPES = ("verifications:read", "verifications:write")
LAST_USED_GRANULARITY = timedelta(minutes=1)  # last_used_at is written at most once a minute per token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class NewToken:
    record: ApiToken
    token: str  # shown once, never stored


def create(session: Session, name: str, scopes, department: str | None, *, actor: str) -> NewToken:
    """Make a token for the bound county. Bad input raises ApplicationError with field messages."""
    name = (name or "").strip()
    scopes = sorted(set(scopes or ()))
    department = (department or "").strip() or None
    errors: dict[str, list] = {}
    if not 2 <= len(name) <= 100:
        errors["name"] = [_l("Give the token a name of 2 to 100 characters (which system uses it).")]
    unknown = [s for s in scopes if s not in SCOPES]
    if not scopes or unknown:
        errors["scopes"] = [_l("Choose at least one of the permissions listed.")]
    if any(s in DEPARTMENT_SCOPES for s in scopes):
        if department not in accounts.departments():
            errors["department"] = [_l("Verification scopes need one of the county's departments.")]
    elif department is not None:
        errors["department"] = [_l("A department is only given with a verification scope.")]
    if errors:
        raise ApplicationError(_l("Please correct the marked fields."), errors)
    token = PREFIX + secrets.token_urlsafe(32)
    record = ApiToken(name=name, token_hash=token_hash(token), prefix=token[:10], scopes=scopes,
                      department=department, created_by=actor)
    session.add(record)
    session.flush()
    audit.record(session, "api_token.created", actor=actor, target_type="api_token", target_id=record.id,
                 details={"name": name, "scopes": scopes, "department": department, "prefix": record.prefix})
    return NewToken(record, token)


def tokens(session: Session) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def get(session: Session, token_id: int) -> ApiToken | None:
    return session.scalar(select(ApiToken).where(ApiToken.id == token_id))


def revoke(session: Session, record: ApiToken, *, actor: str) -> bool:
    """Revoke the token at once; False if it was revoked already."""
    if record.revoked_at is not None:
        return False
    record.revoked_at = utcnow()
    record.revoked_by = actor
    audit.record(session, "api_token.revoked", actor=actor, target_type="api_token", target_id=record.id,
                 details={"name": record.name, "prefix": record.prefix})
    return True


def authenticate(session: Session, token: str) -> ApiToken | None:
    """The bound county's active token with this value, or None (unknown, revoked or another county's)."""
    if not token.startswith(PREFIX) or len(token) > 200:
        return None
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(token)))
    if found is None or found.revoked_at is not None:
        return None
    now = utcnow()
    if found.last_used_at is None or now - found.last_used_at >= LAST_USED_GRANULARITY:
        found.last_used_at = now
    return found


def actor_of(record: ApiToken) -> str:
    return f"token:{record.id}"
