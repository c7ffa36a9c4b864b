"""Telling people what happened: an in-portal message always, then one delivery per channel.

:func:`notify` stores the message in the recipient's language and, for every message channel of
the county's enabled plugins (``register_message_channels``) that can reach the recipient and that
they chose, a :class:`jifen.models.Delivery`; one job per transaction sends them
(:func:`send_deliveries`). A failed attempt is tried again by the timed work
(:func:`retry_deliveries`) up to the channel's ``max_attempts``; the record keeps the attempts and
the last error. The older ``send_notification`` hook is still called, in the request, for channels
that only log.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import force_locale
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import clock, jobs
from jifen.county.context import current_county
from jifen.county.tenancy import require_tenant
from jifen.identity.masking import mask_text
from jifen.models import Delivery, Message, User
from jifen.observability import count_message
from jifen.plugin.channels import ChannelError, MessageChannel, OutgoingMessage
from jifen.plugin.manager import CountyHooks

log = logging.getLogger("jifen.notifications")

MESSAGE_LOCALE = "zh_Hans_CN"  # the portal's default language, for recipients who chose none
LANGUAGES = ("zh_Hans_CN", "en")
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
LOST_AFTER = timedelta(minutes=10)  # a delivery never tried by then: its job was lost, send it again


def language_of(user: User) -> str:
    return user.language if user.language in LANGUAGES else MESSAGE_LOCALE


def channels_of(hooks: CountyHooks) -> dict[str, tuple[str, MessageChannel]]:
    """The county's channels by key, each with the plugin that declared it (for its settings)."""
    found: dict[str, tuple[str, MessageChannel]] = {}
    for impl in hooks.register_message_channels.get_hookimpls():
        for channel in impl.function() or []:
            found.setdefault(channel.key, (impl.plugin_name, channel))
    return found


def notify(session: Session, hooks: CountyHooks, user: User, subject, body, *, kind: str | None = None,
           params: dict | None = None) -> Message:
    """``subject`` and ``body`` may be lazy strings: they are rendered in the recipient's language.

    :param kind: what happened (``offer.made``), for channels that send templates; ``params`` its values.
    """
    with force_locale(language_of(user)):
        subject, body = str(subject), str(body)
    message = Message(user_id=user.id, subject=subject[:200], body=body, kind=kind, params=dict(params or {}))
    session.add(message)
    arguments = {"user": user, "subject": subject, "body": body, "tenant": require_tenant()}
    # Each logging channel on its own: one failing must neither stop the others nor undo the change.
    for impl in hooks.send_notification.get_hookimpls():
        try:
            impl.function(**{name: arguments[name] for name in impl.argnames})
        except Exception:  # noqa: BLE001
            log.exception("notification channel %s failed for user %s", impl.plugin_name, user.id)
    chosen = None if user.channels is None else set(user.channels)
    deliveries = []
    for key, (_plugin, channel) in channels_of(hooks).items():
        if (chosen is not None and key not in chosen) or not channel.address(user):
            continue
        deliveries.append(Delivery(message_id=message.id, user_id=user.id, channel=key, state="queued"))
    if deliveries:
        session.flush()  # the message first: deliveries refer to it
        for delivery in deliveries:
            delivery.message_id = message.id
        session.add_all(deliveries)
        session.flush()
        jobs.enqueue(session, "messages.send", actor="notifications", params={"deliveries": [d.id for d in deliveries]},
                     merge_key="deliveries")
    return message


def send_deliveries(session: Session, work) -> dict:
    """The job ``messages.send``: one attempt for each of its deliveries, each recorded as it goes
    (a delivery that went out stays sent whatever happens to the next one)."""
    tenant = require_tenant()
    county = current_county(session)
    channels = channels_of(county.hooks)
    sent = failed = waiting = 0
    ids = [int(i) for i in work.params.get("deliveries", [])]
    for number, delivery_id in enumerate(ids, 1):
        delivery = session.get(Delivery, (tenant.id, delivery_id), populate_existing=True)
        if delivery is None or delivery.state != "queued":
            continue
        work.progress("sending", number, len(ids))
        state = _attempt(session, delivery, channels, county)
        session.commit()
        count_message(delivery.channel, state, tenant.slug)
        sent += state == "sent"
        failed += state == "failed"
        waiting += state == "queued"
    return {"sent": sent, "failed": failed, "waiting": waiting}


def _attempt(session: Session, delivery: Delivery, channels, county) -> str:
    message = session.get(Message, (delivery.tenant_id, delivery.message_id))
    user = session.get(User, (delivery.tenant_id, delivery.user_id))
    declared = channels.get(delivery.channel)
    delivery.attempts += 1
    if message is None or user is None or declared is None:
        delivery.state, delivery.error = "failed", "the channel is no longer enabled" if declared is None else "gone"
        return delivery.state
    plugin, channel = declared
    address = channel.address(user)
    if not address:
        delivery.state, delivery.error = "failed", "no address"
        return delivery.state
    language = language_of(user)
    name = county.tenant.name_en if language == "en" and county.tenant.name_en else county.tenant.name_zh
    outgoing = OutgoingMessage(to=address, subject=message.subject, body=message.body, kind=message.kind,
                               params=dict(message.params or {}), language=language, county=county.tenant.slug,
                               county_name=name)
    try:
        delivery.reference = (channel.send(outgoing, county.settings_of(plugin)) or None)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded; only a ChannelError may be permanent
        permanent = isinstance(exc, ChannelError) and exc.permanent
        delivery.error = mask_text(f"{type(exc).__name__}: {exc}")[:500]
        delivery.state = "failed" if permanent or delivery.attempts >= channel.max_attempts else "queued"
        log.warning("delivery %s over %s failed (attempt %s): %s", delivery.id, delivery.channel, delivery.attempts,
                    delivery.error)
        return delivery.state
    delivery.state, delivery.sent_at, delivery.error = "sent", clock.utcnow(), None
    return "sent"


def retry_deliveries(session: Session) -> int:
    """Timed work: deliveries whose last attempt failed, once their wait is over, go out again."""
    now = clock.utcnow()
    due = []
    for delivery in session.scalars(select(Delivery).where(Delivery.state == "queued")):
        wait = RETRY_AFTER[min(delivery.attempts, len(RETRY_AFTER)) - 1] if delivery.attempts else LOST_AFTER
        if delivery.created_at + wait <= now:
            due.append(delivery.id)
    if due:
        jobs.enqueue(session, "messages.send", actor="notifications", params={"deliveries": due},
                     merge_key="deliveries")
    return len(due)
