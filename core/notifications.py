"""Telling applicants what happened: an in-portal message always, other channels through plugins."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from jifen.models import Message, User
from jifen.plugin_manager import CountyHooks
from jifen.tenancy import require_tenant

log = logging.getLogger("jifen.notifications")


def notify(session: Session, hooks: CountyHooks, user: User, subject: str, body: str) -> Message:
    message = Message(user_id=user.id, subject=str(subject)[:200], body=str(body))
    session.add(message)
    try:
        hooks.send_notification(user=user, subject=str(subject), body=str(body), tenant=require_tenant())
    except Exception:  # noqa: BLE001 - a channel's failure must not undo the change it reports
        log.exception("a notification channel failed for user %s", user.id)
    return message
