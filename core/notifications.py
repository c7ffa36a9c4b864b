"""Telling applicants what happened: an in-portal message always, other channels through plugins."""

from __future__ import annotations

import logging

from flask_babel import force_locale
from sqlalchemy.orm import Session

from jifen.models import Message, User
from jifen.plugin_manager import CountyHooks
from jifen.tenancy import require_tenant

log = logging.getLogger("jifen.notifications")


MESSAGE_LOCALE = "zh_Hans_CN"  # stored messages are written in the portal's default language


def notify(session: Session, hooks: CountyHooks, user: User, subject, body) -> Message:
    """``subject`` and ``body`` may be lazy strings: they are rendered in the portal's default language."""
    with force_locale(MESSAGE_LOCALE):
        subject, body = str(subject), str(body)
    message = Message(user_id=user.id, subject=subject[:200], body=body)
    session.add(message)
    try:
        hooks.send_notification(user=user, subject=str(subject), body=str(body), tenant=require_tenant())
    except Exception:  # noqa: BLE001 - a channel's failure must not undo the change it reports
        log.exception("a notification channel failed for user %s", user.id)
    return message
