"""Message channel: text messages (SMS) through Alibaba Cloud's SMS service, API ``SendSms``.

Chinese SMS gateways send only approved templates: a county applies to the gateway for a signature
(签名, its ``sign_name``) and one template per kind of message, and names them in its settings::

    [plugins.sms.settings]
    sign_name = "嘉善县新居民积分"
    [plugins.sms.settings.templates]        # message kind -> approved template code
    "offer.made" = "SMS_100000001"          # e.g. 您在${round}中获得名额（第${number}号），请于${deadline}前确认。
    "points.confirmed" = "SMS_100000002"

The template's variables are the message's ``params`` (``offer.made``: round, number, deadline; see
docs/plugin_hooks.md), sent as strings and each cut to ``max_param_length`` characters (default 20,
the gateway's limit for a variable of most template kinds; ask for longer variables when applying).
A message of a kind the county has no template for is not sent as SMS: its delivery fails at once,
permanently, with a reason that names the missing kind (the applicant still has it in the portal).

The deployment's access key comes from the environment: ``JIFEN_SMS_ACCESS_KEY_ID``,
``JIFEN_SMS_ACCESS_KEY_SECRET`` and, optionally, ``JIFEN_SMS_ENDPOINT`` (default
``https://dysmsapi.aliyuncs.com/``) and ``JIFEN_SMS_REGION`` (default ``cn-hangzhou``). Without the key
the plugin declares no channel, so a county may enable it before it has one.

The request is the RPC style with signature version 1.0: every parameter in the query string of a GET,
``Signature = base64(HMAC-SHA1(secret + "&", "GET&%2F&" + percent_encode(canonical query)))``, where
the canonical query is the parameters sorted by name, each name and value percent-encoded (RFC 3986:
only ``A-Z a-z 0-9 - _ . ~`` kept, a space is ``%20``, ``*`` is ``%2A``) and joined with ``=`` and ``&``.

Answers: ``Code`` ``OK`` gives the ``BizId``, the delivery's reference. Business errors (``isv.*``: an
invalid number, a missing template variable, a refused template) are permanent, except throttling
(``isv.BUSINESS_LIMIT_CONTROL``); everything else is transient and retried by the core: throttling,
the gateway's own errors (``isp.*``), refused credentials or signatures (``SignatureDoesNotMatch``,
``InvalidAccessKeyId.*``: the deployment's key is wrong, not the message; a corrected key lets the
retries through), HTTP errors without an answer, time-outs and network errors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import time
import uuid
from urllib.error import HTTPError, URLError
from urllib.parse import quote
from urllib.request import Request, urlopen

import marshmallow as ma

from jifen import toolkit as tk

_l = tk.lazy_gettext

DEFAULT_ENDPOINT = "https://dysmsapi.aliyuncs.com/"
DEFAULT_REGION = "cn-hangzhou"
API_VERSION = "2017-05-25"
TIMEOUT_SECONDS = 10
MOBILE = re.compile(r"^1[3-9]\d{9}$")  # mainland China mobile numbers, as accounts store them
TRANSIENT_BUSINESS_CODES = frozenset({"isv.BUSINESS_LIMIT_CONTROL"})


class SmsSettings(ma.Schema):
    """The county's settings (``[plugins.sms.settings]`` in its tenant.toml)."""

    sign_name = ma.fields.String(required=True, validate=ma.validate.Length(min=2, max=40), metadata={"label": {
        "zh": "短信签名（须经短信服务商审核通过）", "en": "SMS signature (approved by the gateway)"}})
    templates = ma.fields.Dict(
        keys=ma.fields.String(validate=ma.validate.Length(min=1, max=60)),
        values=ma.fields.String(validate=ma.validate.Length(min=1, max=40)),
        load_default=dict,
        metadata={"label": {"zh": "短信模板：消息类型 → 模板代码", "en": "Templates: message kind → template code"},
                  "help": {"zh": "每类消息使用的、已在短信服务商审核通过的模板代码。",
                           "en": "The gateway-approved template code each kind of message is sent with."}})
    max_param_length = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=500), metadata={
        "label": {"zh": "模板变量的最大长度", "en": "Longest template variable"},
        "unit": {"zh": "个字符", "en": "characters"},
        "help": {"zh": "超过此长度的变量会被截短，以符合短信服务商的限制。",
                 "en": "Longer variables are shortened to keep within the gateway's limit."}})


def percent_encode(value: str) -> str:
    """RFC 3986 percent-encoding of UTF-8, as the gateway's signature wants it."""
    return quote(str(value), safe="~")


def canonical_query(params: dict[str, str]) -> str:
    return "&".join(f"{percent_encode(name)}={percent_encode(params[name])}" for name in sorted(params))


def signature(params: dict[str, str], secret: str, method: str = "GET") -> str:
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical_query(params))}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def credentials(environ=None) -> tuple[str, str] | None:
    environ = os.environ if environ is None else environ
    key_id = (environ.get("JIFEN_SMS_ACCESS_KEY_ID") or "").strip()
    secret = (environ.get("JIFEN_SMS_ACCESS_KEY_SECRET") or "").strip()
    return (key_id, secret) if key_id and secret else None


def template_params(params: dict, max_length: int) -> dict[str, str]:
    """The message's values as the gateway takes them: strings, each at most ``max_length`` characters."""
    return {str(name): ("" if value is None else str(value))[:max_length] for name, value in (params or {}).items()}


def request_params(message: tk.OutgoingMessage, settings: dict, key_id: str, region: str) -> dict[str, str]:
    """Every parameter of the SendSms call but the signature; raises a permanent error for a kind
    the county has no template for."""
    template = settings["templates"].get(message.kind or "")
    if not template:
        raise tk.ChannelError(f"no SMS template for messages of kind {message.kind or 'none'!r} in this county "
                              "([plugins.sms.settings.templates]); the message is in the portal only", permanent=True)
    params = {
        "AccessKeyId": key_id,
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": message.to,
        "RegionId": region,
        "SignName": settings["sign_name"],
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "TemplateCode": template,
        # The real instant, not the scheme's clock (tk.now(), which tests move): the gateway compares it
        # with its own clock and refuses a request 15 minutes off. A protocol field, like an id's time bits.
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "Version": API_VERSION,
    }
    values = template_params(message.params, settings["max_param_length"])
    if values:
        params["TemplateParam"] = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return params


def _answer(body: bytes) -> dict:
    try:
        answer = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return answer if isinstance(answer, dict) else {}


def send(message: tk.OutgoingMessage, settings: dict) -> str:
    keys = credentials()
    if keys is None:
        raise tk.ChannelError("JIFEN_SMS_ACCESS_KEY_ID and JIFEN_SMS_ACCESS_KEY_SECRET are no longer set")
    try:
        county_settings = SmsSettings().load(settings or {})
    except ma.ValidationError as exc:
        raise tk.ChannelError(f"the county's SMS settings are invalid: {exc.messages}", permanent=True) from None
    key_id, secret = keys
    region = (os.environ.get("JIFEN_SMS_REGION") or "").strip() or DEFAULT_REGION
    params = request_params(message, county_settings, key_id, region)
    query = f"Signature={percent_encode(signature(params, secret))}&{canonical_query(params)}"
    endpoint = (os.environ.get("JIFEN_SMS_ENDPOINT") or "").strip() or DEFAULT_ENDPOINT
    url = endpoint.split("?", 1)[0].rstrip("/") + "/?" + query
    try:
        with urlopen(Request(url, headers={"Accept": "application/json"}), timeout=TIMEOUT_SECONDS) as response:
            status, answer = response.status, _answer(response.read())
    except HTTPError as exc:  # the gateway answers its errors with 4xx/5xx and a JSON body
        status, answer = exc.code, _answer(exc.read())
    except (URLError, OSError) as exc:  # refused connection, DNS, TLS, time-out
        reason = getattr(exc, "reason", exc)
        raise tk.ChannelError(f"the SMS gateway could not be reached: {type(exc).__name__}: {reason}") from None
    code = str(answer.get("Code") or "")
    if code == "OK" and answer.get("BizId"):
        return str(answer["BizId"])
    if not code:
        raise tk.ChannelError(f"the SMS gateway answered HTTP {status} without a result")
    permanent = code.startswith("isv.") and code not in TRANSIENT_BUSINESS_CODES
    raise tk.ChannelError(f"the SMS gateway refused the message: {code}: {answer.get('Message', '')}"[:400],
                          permanent=permanent)


def address(user) -> str | None:
    mobile = (getattr(user, "mobile", None) or "").strip()
    return mobile if MOBILE.match(mobile) else None


SMS = tk.MessageChannel(
    key="sms",
    label=_l("Text message (SMS)"),
    address=address,
    send=send,
    settings_schema=SmsSettings,
    max_attempts=3,
)


@tk.hookimpl
def register_message_channels():
    """The SMS channel, when this deployment has an access key for the gateway."""
    return [SMS] if credentials() is not None else []
