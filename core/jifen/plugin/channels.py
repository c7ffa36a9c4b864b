"""Message channels, the third thing a plugin may declare: e-mail, SMS, ...

A channel plugin returns :class:`MessageChannel` objects from ``register_message_channels``. The core
stores every notification as an in-portal message first, then makes one delivery record per channel
the applicant can be reached on and chose, and a job sends them (with retries): a channel's ``send``
runs in a worker, never in the request that caused the message.

Chinese SMS gateways send only approved templates with parameters, so a message carries its
``kind`` (for example ``offer.made``) and ``params`` besides the rendered subject and body; an SMS
channel maps the kind to the county's template code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import marshmallow as ma


class ChannelError(Exception):
    """A delivery failed. ``permanent`` errors (a refused address, an unknown template) are not retried."""

    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel sends: to one address, in the recipient's language."""

    to: str
    subject: str
    body: str
    kind: str | None
    params: dict[str, Any]
    language: str  # a locale such as zh_Hans_CN or en
    county: str  # the county's slug
    county_name: str  # in the recipient's language


@dataclass(frozen=True)
class MessageChannel:
    """One way of reaching an applicant.

    :param key: unique among installed channels, lowercase (``email``, ``sms``).
    :param label: what the applicant reads when choosing channels (lazy text).
    :param address: ``address(user)``: the user's address on this channel, or None when they have none.
    :param send: ``send(message, settings)``: deliver one :class:`OutgoingMessage`; return the
        gateway's reference (or None); raise :class:`ChannelError` when it failed.
    :param settings_schema: marshmallow schema of the county's settings for the channel (sender
        name, template codes, ...). Secrets (passwords, access keys) come from the environment.
    :param max_attempts: tries before a delivery is recorded as failed.
    """

    key: str
    label: Any
    address: Callable[[Any], str | None]
    send: Callable[[OutgoingMessage, dict], str | None]
    settings_schema: type[ma.Schema] = field(default=ma.Schema)
    max_attempts: int = 3
