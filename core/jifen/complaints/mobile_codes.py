"""Proving a mobile number with a code: six digits sent through the county's channels, valid ten minutes,
five tries, and a limit per number (one a minute, five an hour).

Only a keyed hash of the code is kept (jifen.identity.protect), salted with the code's own row, and the
number itself only as a keyed hash. Without a channel that reaches a bare mobile number (the county's SMS
channel) no code can be sent and filing needs an account; in development the code is written to the
log instead, the way the log channel stands in for the others.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app, has_app_context
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jifen import clock
from jifen.complaints.reaching import send_to_mobile
from jifen.county.tenancy import require_tenant
from jifen.errors import ApplicationError
from jifen.identity import accounts, protect
from jifen.identity.masking import mask_mobile
from jifen.models import MobileCode
from jifen.text import lazy_gettext as _l

log = logging.getLogger("jifen.complaints")

FILE, FOLLOW = "file", "follow"
VALID_FOR = timedelta(minutes=10)
MAX_TRIES = 5
RESEND_AFTER = timedelta(minutes=1)
PER_HOUR = 5


@dataclass(frozen=True)
class ProvedMobile:
    """A mobile number whose code was given right, in this request."""

    mobile: str


def mobile_hash(mobile: str) -> str:
    return protect.lookup_hash(f"complaint-mobile:{require_tenant().id}:{mobile}")


def _code_hash(row: MobileCode, code: str) -> str:
    return protect.lookup_hash(f"complaint-code:{row.tenant_id}:{row.id}:{code}")


def checked_mobile(mobile: str | None) -> str:
    try:
        return accounts.check_mobile(mobile or "")
    except accounts.AccountError as exc:
        raise ApplicationError(exc.message, {"mobile": [exc.message]}) from None


def _development() -> bool:
    return has_app_context() and current_app.config.get("JIFEN_ENV") == "development"


def send_code(session: Session, mobile: str, purpose: str, *, language: str | None = None) -> None:
    """Make a code for ``mobile`` and send it. Raises ApplicationError (on ``mobile``) for a wrong number, a
    number asked for too often, or a county that cannot send to it; the caller rolls back then."""
    mobile = checked_mobile(mobile)
    hashed = mobile_hash(mobile)
    now = clock.utcnow()
    recent = list(session.scalars(select(MobileCode.created_at).where(
        MobileCode.mobile_hash == hashed, MobileCode.created_at > now - timedelta(hours=1))))
    if any(at > now - RESEND_AFTER for at in recent):
        message = _l("A code was sent to this number less than a minute ago: wait a minute before asking again.")
        raise ApplicationError(message, {"mobile": [message]})
    if len(recent) >= PER_HOUR:
        message = _l("Too many codes were sent to this number in the last hour: try again later, or call the hotline.")
        raise ApplicationError(message, {"mobile": [message]})
    code = f"{secrets.randbelow(10**6):06d}"
    row = MobileCode(mobile_hash=hashed, purpose=purpose, code_hash="", expires_at=now + VALID_FOR)
    session.add(row)
    session.flush()
    row.code_hash = _code_hash(row, code)
    minutes = int(VALID_FOR.total_seconds() // 60)
    reached = send_to_mobile(
        session, mobile, _l("Your verification code"),
        _l("Your verification code is %(code)s. It is valid for %(minutes)s minutes. Do not tell it to anyone.",
           code=code, minutes=minutes),
        kind="complaint.code", params={"code": code, "minutes": minutes}, language=language)
    if not reached:
        if not _development():
            message = _l("This county cannot send codes to mobile numbers yet: log in to file, or call the hotline.")
            raise ApplicationError(message, {"mobile": [message]})
        log.info("development: the code for %s is %s", mask_mobile(mobile), code)
    session.flush()


def verify(session: Session, mobile: str, purpose: str, code: str | None) -> ProvedMobile:
    """The mobile number, proved, if ``code`` is its latest code for ``purpose``. A wrong code counts a try
    (the caller commits it before showing the error); a used, expired or over-tried code is refused."""
    mobile = checked_mobile(mobile)
    code = (code or "").strip()
    row = session.scalar(select(MobileCode).where(
        MobileCode.mobile_hash == mobile_hash(mobile), MobileCode.purpose == purpose)
        .order_by(MobileCode.created_at.desc(), MobileCode.id.desc()).limit(1))
    if row is None or row.used_at is not None or row.expires_at < clock.utcnow():
        message = _l("Ask for a code first: codes are valid for 10 minutes and once.")
        raise ApplicationError(message, {"code": [message]})
    if row.attempts >= MAX_TRIES:
        message = _l("This code was given wrong too many times: ask for a new one.")
        raise ApplicationError(message, {"code": [message]})
    if not (code.isascii() and code.isdigit() and len(code) == 6) or not hmac.compare_digest(
            row.code_hash, _code_hash(row, code)):
        row.attempts += 1
        session.flush()
        message = _l("The code is not right. Check the text message and type its six digits.")
        raise ApplicationError(message, {"code": [message]})
    row.used_at = clock.utcnow()
    session.flush()
    return ProvedMobile(mobile)


def codes_sent(session: Session, mobile: str) -> int:
    """How many codes went to ``mobile`` in the last hour (for tests and the staff's questions)."""
    return session.scalar(select(func.count(MobileCode.id)).where(
        MobileCode.mobile_hash == mobile_hash(mobile),
        MobileCode.created_at > clock.utcnow() - timedelta(hours=1))) or 0
