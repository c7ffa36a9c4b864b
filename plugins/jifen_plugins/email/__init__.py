"""Message channel: e-mail over SMTP.

The deployment names its mail server and sender in the environment (docs/configuration.md):

``JIFEN_SMTP_URL``
    ``smtp://user:password@host:port`` (plain, or ``?starttls=1`` to upgrade with STARTTLS before
    logging in), or ``smtps://...`` for implicit TLS (port 465 by default). User and password are
    optional and percent-encoded. ``?timeout=SECONDS`` (default 10) bounds every network wait.
    Unset: the plugin declares no channel, so a county may enable it before the server exists.
``JIFEN_MAIL_FROM``
    the sender's address (``noreply@jifen.example.cn``); the display name is the county's name.

A county may set ``reply_to`` (its own office's address) in ``[plugins.email.settings]``.

Each message goes to ``user.email`` as a UTF-8 ``EmailMessage`` whose From display name and subject
carry the county's name in the recipient's language. A recipient or message the server refuses with
a 5xx reply is a permanent failure (never retried); connection problems, time-outs and 4xx replies
are transient and retried by the core. The Message-ID is the delivery's reference.
"""

from __future__ import annotations

import os
import smtplib
import ssl
import uuid
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

import marshmallow as ma
from flask_babel import force_locale

from jifen import toolkit as tk

_l = tk.lazy_gettext

DEFAULT_TIMEOUT = 10.0
ADDRESS = ma.validate.Email()


class EmailSettings(ma.Schema):
    """The county's settings (``[plugins.email.settings]`` in its tenant.toml)."""

    reply_to = ma.fields.String(load_default=None, allow_none=True, validate=ADDRESS, metadata={
        "label": {"zh": "回复地址（县里的办公邮箱，可不填）", "en": "Reply-to address (the county office's, optional)"},
        "help": {"zh": "申请人回复邮件时发往此地址。", "en": "Where an applicant's reply to a message goes."}})


class ConfigurationError(ValueError):
    """JIFEN_SMTP_URL or JIFEN_MAIL_FROM is set but wrong."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    user: str | None
    password: str | None
    timeout: float
    sender: str  # the bare address of JIFEN_MAIL_FROM


def server_from_environment(environ=None) -> SmtpServer | None:
    """The mail server of ``JIFEN_SMTP_URL``, or None when it is unset; raises on a malformed value."""
    environ = os.environ if environ is None else environ
    url = (environ.get("JIFEN_SMTP_URL") or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ConfigurationError("JIFEN_SMTP_URL must look like smtp://user:password@host:port or smtps://host:port")
    query = {name: values[-1] for name, values in parse_qs(parts.query).items()}
    sender = parseaddr((environ.get("JIFEN_MAIL_FROM") or "").strip())[1]
    if not sender or "@" not in sender:
        raise ConfigurationError("JIFEN_MAIL_FROM must be the sender's address when JIFEN_SMTP_URL is set")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
        timeout = float(query.get("timeout", DEFAULT_TIMEOUT))
    except ValueError as exc:
        raise ConfigurationError(f"JIFEN_SMTP_URL: {exc}") from None
    return SmtpServer(
        host=parts.hostname, port=port, implicit_tls=parts.scheme == "smtps",
        starttls=parts.scheme == "smtp" and query.get("starttls", "0").lower() in ("1", "true", "yes", "on"),
        user=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password is not None else None,
        timeout=timeout, sender=sender,
    )


def address(user) -> str | None:
    email = (getattr(user, "email", None) or "").strip()
    return email or None


def masked(email: str) -> str:
    """z***@example.com: what a delivery's error and the logs may show of an address."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


def footer(county: str):
    return _l("This message comes from the new-resident points service of %(county)s. You can read all your "
              "messages on the portal, and choose how you receive them on your profile page.", county=county)


def compose(message: tk.OutgoingMessage, sender: str, settings: dict) -> EmailMessage:
    """The e-mail of one outgoing message: UTF-8, the county's name in From and Subject."""
    mail = EmailMessage()
    name = message.county_name or message.county
    prefix = f"[{name}] " if message.language == "en" else f"【{name}】"
    mail["Subject"] = prefix + " ".join(message.subject.split())  # one line, whatever the subject held
    local, _, domain = sender.partition("@")
    mail["From"] = Address(display_name=name, username=local, domain=domain)
    mail["To"] = message.to
    if settings.get("reply_to"):
        mail["Reply-To"] = settings["reply_to"]
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = f"<{uuid.uuid4().hex}.jifen@{domain[:60]}>"
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies to the platform
    with force_locale(message.language):
        signature = str(footer(name))
    mail.set_content(f"{message.body}\n\n-- \n{signature}\n", charset="utf-8", cte="base64")
    mail["Content-Language"] = "en" if message.language == "en" else "zh-CN"  # after set_content, which clears it
    return mail


def _refusal(code: int, reply: bytes | str, to: str) -> str:
    text = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)
    return f"{code} {text.replace(to, masked(to))}"


def transmit(server: SmtpServer, mail: EmailMessage) -> None:
    """Hand ``mail`` to the server; raise :class:`tk.ChannelError` with what went wrong."""
    to = str(mail["To"])
    try:
        if server.implicit_tls:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=server.timeout,
                                                        context=ssl.create_default_context())
        else:
            connection = smtplib.SMTP(server.host, server.port, timeout=server.timeout)
        with connection:
            if server.starttls:
                connection.starttls(context=ssl.create_default_context())
            if server.user:
                connection.login(server.user, server.password or "")
            connection.send_message(mail)
    except smtplib.SMTPRecipientsRefused as exc:
        code, reply = next(iter(exc.recipients.values()))
        raise tk.ChannelError(f"the mail server refused the recipient: {_refusal(code, reply, to)}",
                              permanent=code >= 500) from None
    except smtplib.SMTPDataError as exc:
        raise tk.ChannelError(f"the mail server refused the message: {_refusal(exc.smtp_code, exc.smtp_error, to)}",
                              permanent=exc.smtp_code >= 500) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise tk.ChannelError(f"the mail server refused the login of JIFEN_SMTP_URL: {exc.smtp_code}") from None
    except smtplib.SMTPResponseException as exc:  # the sender refused, a failed STARTTLS, ...: our side
        raise tk.ChannelError(f"the mail server answered {_refusal(exc.smtp_code, exc.smtp_error, to)}") from None
    except (smtplib.SMTPException, OSError) as exc:  # refused connection, time-out, TLS, dropped line
        raise tk.ChannelError(f"the mail server {server.host}:{server.port} could not be reached: "
                              f"{type(exc).__name__}: {exc}") from None


def send(message: tk.OutgoingMessage, settings: dict) -> str:
    try:
        server = server_from_environment()
    except ConfigurationError as exc:
        raise tk.ChannelError(str(exc)) from None
    if server is None:
        raise tk.ChannelError("JIFEN_SMTP_URL is no longer set")
    try:
        county_settings = EmailSettings().load(settings or {})
    except ma.ValidationError as exc:
        raise tk.ChannelError(f"the county's e-mail settings are invalid: {exc.messages}", permanent=True) from None
    mail = compose(message, server.sender, county_settings)
    transmit(server, mail)
    return str(mail["Message-ID"])


EMAIL = tk.MessageChannel(
    key="email",
    label=_l("E-mail"),
    address=address,
    send=send,
    settings_schema=EmailSettings,
    max_attempts=4,
)


@tk.hookimpl
def register_message_channels():
    """The e-mail channel, when this deployment has a mail server (``JIFEN_SMTP_URL``)."""
    return [EMAIL] if (os.environ.get("JIFEN_SMTP_URL") or "").strip() else []
