"""Telling applicants what happened: an in-portal message always, other channels through plugins."""

from __future__ import annotations

import logging

from flask_babel import force_locale
from sqlalchemy.orm import Session

from jifen.models import Message, User
from jifen.plugin.manager import CountyHooks
from jifen.county.tenancy import require_tenant

log = logging.getLogger("jifen.notifications")


MESSAGE_LOCALE = "zh_Hans_CN"  # stored messages are written in the portal's default language


def notify(session: Session, hooks: CountyHooks, user: User, subject, body) -> Message:
    """``subject`` and ``body`` may be lazy strings: they are rendered in the portal's default language."""
    with force_locale(MESSAGE_LOCALE):
        subject, body = str(subject), str(body)
    message = Message(user_id=user.id, subject=subject[:200], body=body)
    session.add(message)
    arguments = {"user": user, "subject": subject, "body": body, "tenant": require_tenant()}
    # Each channel on its own: one failing gateway must neither stop the others nor undo the change.
    for impl in hooks.send_notification.get_hookimpls():
        try:
            impl.function(**{name: arguments[name] for name in impl.argnames})
        except Exception:  # noqa: BLE001
            log.exception("notification channel %s failed for user %s", impl.plugin_name, user.id)
    return message
