"""Reaching a filer: an account through jifen.notifications; a bare mobile number through the county's
channels that can address one.

A message channel addresses a *user* (``channel.address(user)``): the SMS channel reads ``user.mobile``,
the e-mail channel ``user.email``. A filer without an account is given to the channels as a stand-in
(:class:`MobileRecipient`) that has a mobile number and nothing else, so the county's SMS channel reaches
it and the others find no address. There is no delivery record for such a message (a delivery belongs to a
message of an account), so it is sent at once, one attempt, from the request that made it: a code is
worth ten minutes and its sender waits for it on the page; a failure is logged (masked) and the person
asks again. The logging channels (``send_notification``) are called with the stand-in too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy.orm import Session

from jifen.county.context import current_county
from jifen.identity.masking import mask_mobile, mask_text
from jifen.models import User
from jifen.notifications import LANGUAGES, MESSAGE_LOCALE, channels_of, notify
from jifen.plugin.channels import OutgoingMessage

log = logging.getLogger("jifen.complaints")


@dataclass(frozen=True)
class MobileRecipient:
    """Someone known only by a mobile number they proved: what channels read of a user, and no more."""

    mobile: str
    language: str | None = None
    id: None = None
    email: None = None
    channels: None = None
    real_name: str = ""


def language_of(language: str | None) -> str:
    return language if language in LANGUAGES else MESSAGE_LOCALE


def send_to_mobile(session: Session, mobile: str, subject, body, *, kind: str, params: dict,
                   language: str | None = None) -> int:
    """Send to a bare mobile number on every channel of the county that can address it; returns how many
    channels took the message (the logging channels are not counted)."""
    county = current_county(session)
    recipient = MobileRecipient(mobile=mobile, language=language_of(language))
    with force_locale(recipient.language):
        subject, body = str(subject), str(body)
    arguments = {"user": recipient, "subject": subject, "body": body, "tenant": county.tenant}
    for impl in county.hooks.send_notification.get_hookimpls():
        try:
            impl.function(**{name: arguments[name] for name in impl.argnames})
        except Exception:  # noqa: BLE001 - a logging channel failing changes nothing
            log.exception("notification channel %s failed for %s", impl.plugin_name, mask_mobile(mobile))
    name = county.tenant.name_en if recipient.language == "en" and county.tenant.name_en else county.tenant.name_zh
    reached = 0
    for key, (plugin, channel) in channels_of(county.hooks).items():
        address = channel.address(recipient)
        if not address:
            continue
        outgoing = OutgoingMessage(to=address, subject=subject, body=body, kind=kind, params=dict(params),
                                   language=recipient.language, county=county.tenant.slug, county_name=name)
        try:
            channel.send(outgoing, county.settings_of(plugin))
        except Exception as exc:  # noqa: BLE001 - told to the person as "no code came: ask again"
            log.warning("message %s over %s to %s failed: %s", kind, key, mask_mobile(mobile),
                        mask_text(f"{type(exc).__name__}: {exc}")[:300])
            continue
        reached += 1
    return reached


def tell_filer(session: Session, user: User | None, mobile: str | None, subject, body, *, kind: str,
               params: dict, language: str | None = None) -> None:
    """A message to whoever filed a case: their account's messages, else their mobile number."""
    if user is not None:
        notify(session, current_county(session).hooks, user, subject, body, kind=kind, params=params)
    elif mobile:
        send_to_mobile(session, mobile, subject, body, kind=kind, params=params, language=language)
