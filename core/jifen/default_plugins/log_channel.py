"""The default notification channel: one log line per notification, personal data masked."""

from __future__ import annotations

import logging

from jifen.plugin.hookspecs import hookimpl
from jifen.identity.masking import mask_mobile

log = logging.getLogger("jifen.notifications")


@hookimpl
def send_notification(user, subject, body, tenant):
    log.info("notify %s user=%s mobile=%s: %s", tenant.slug, user.id, mask_mobile(user.mobile), subject)
