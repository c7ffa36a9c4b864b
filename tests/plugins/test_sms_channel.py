"""The SMS channel (jifen_plugins.sms) against a local stand-in for Alibaba Cloud's SendSms API.

The stand-in (http.server on 127.0.0.1) checks each request as the gateway documents it: every required
parameter present, the timestamp's format and age, a nonce never seen before, the signature recomputed
with this file's own implementation of the documented algorithm (checked first against the example
of Alibaba's documentation), then the signature name, template and variables; it answers as the
gateway does: ``{"Code": "OK", "BizId": ...}`` or an error code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from jifen.county.context import current_county
from jifen.models import AuditEvent, Delivery, User
from jifen.notifications import notify, retry_deliveries
from jifen.text import lazy_gettext as _l

KEY_ID = "LTAI5tTestKeyId0001"
SECRET = "test-secret-of-the-county-account"
SIGN_NAME = "嘉善县新居民积分"
TEMPLATES = {  # what the stand-in gateway has approved: template code -> its variables
    "SMS_900000001": ("round", "number", "deadline"),
    "SMS_900000002": ("total",),
    "SMS_900000003": ("reason",),
    "SMS_900000004": ("round", "deadline", "place"),  # needs a variable offer.expired does not carry
}
SETTINGS = {"sign_name": SIGN_NAME, "templates": {
    "offer.made": "SMS_900000001", "points.confirmed": "SMS_900000002", "item.rejected": "SMS_900000003",
    "offer.expired": "SMS_900000004"}}
REQUIRED = ("AccessKeyId", "Action", "Format", "PhoneNumbers", "RegionId", "SignName", "SignatureMethod",
            "SignatureNonce", "SignatureVersion", "TemplateCode", "Timestamp", "Version", "Signature")

pytestmark = pytest.mark.with_plugins("sms", county="jiashan", settings={"sms": SETTINGS})


# --------------------------------------------------------------------------- the documented algorithm


UNRESERVED = set(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")


def pop_encode(text: str) -> str:
    """Alibaba's percentEncode: UTF-8 bytes, unreserved kept, every other byte %XY (so space is %20)."""
    return "".join(chr(b) if b in UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def expected_signature(params: dict[str, str], secret: str) -> str:
    canonical = "&".join(f"{pop_encode(k)}={pop_encode(v)}" for k, v in sorted(params.items()) if k != "Signature")
    string_to_sign = "GET&" + pop_encode("/") + "&" + pop_encode(canonical)
    return base64.b64encode(hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()).decode()


def test_the_stand_in_signs_the_example_of_alibabas_documentation():
    example = {"AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
               "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou", "SignName": "阿里云短信测试专用",
               "SignatureMethod": "HMAC-SHA1", "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466",
               "SignatureVersion": "1.0", "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
               "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25"}
    assert expected_signature(example, "testSecret") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="
    assert pop_encode("a b*c~") == "a%20b%2Ac~"


# --------------------------------------------------------------------------- the stand-in gateway


class Gateway:
    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.nonces: set[str] = set()
        self.illegal_numbers: set[str] = set()
        self.throttled = 0  # answer this many requests with isv.BUSINESS_LIMIT_CONTROL
        self.sent = 0
        self.lock = threading.Lock()

    def answer(self, raw_query: str) -> tuple[int, dict]:
        pairs = parse_qsl(raw_query, keep_blank_values=True, strict_parsing=True)
        params = dict(pairs)
        with self.lock:
            self.requests.append(params)
            if len(params) != len(pairs):
                return 400, {"Code": "InvalidParameter", "Message": "a parameter is given twice"}
            missing = [name for name in REQUIRED if not params.get(name)]
            if missing:
                return 400, {"Code": f"Missing{missing[0]}", "Message": f"{missing[0]} is mandatory for this action."}
            if (params["Action"], params["Version"], params["Format"]) != ("SendSms", "2017-05-25", "JSON"):
                return 400, {"Code": "InvalidParameter", "Message": "unexpected Action, Version or Format"}
            if (params["SignatureMethod"], params["SignatureVersion"]) != ("HMAC-SHA1", "1.0"):
                return 400, {"Code": "InvalidSignatureMethod", "Message": "unsupported signature method"}
            if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", params["Timestamp"]):
                return 400, {"Code": "InvalidTimeStamp.Format", "Message": "Specified time stamp is not valid."}
            stamp = datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
            if abs(datetime.now(timezone.utc) - stamp) > timedelta(minutes=15):
                return 400, {"Code": "InvalidTimeStamp.Expired", "Message": "Specified time stamp or date is expired."}
            if params["SignatureNonce"] in self.nonces:
                return 400, {"Code": "SignatureNonceUsed", "Message": "Specified signature nonce was used already."}
            self.nonces.add(params["SignatureNonce"])
            if params["AccessKeyId"] != KEY_ID:
                return 404, {"Code": "InvalidAccessKeyId.NotFound", "Message": "Specified access key is not found."}
            if params["Signature"] != expected_signature(params, SECRET):
                return 400, {"Code": "SignatureDoesNotMatch",
                             "Message": "Specified signature is not matched with our calculation."}
            if self.throttled:
                self.throttled -= 1
                return 200, {"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发分钟级流控Permits:1"}
            if not re.fullmatch(r"1[3-9]\d{9}", params["PhoneNumbers"]) or params["PhoneNumbers"] in self.illegal_numbers:
                return 200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号"}
            if params["SignName"] != SIGN_NAME:
                return 200, {"Code": "isv.SMS_SIGNATURE_ILLEGAL", "Message": "该账号下找不到对应签名"}
            if params["TemplateCode"] not in TEMPLATES:
                return 200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "该账号下找不到对应模板"}
            try:
                values = json.loads(params.get("TemplateParam") or "{}")
            except ValueError:
                return 200, {"Code": "isv.INVALID_JSON_PARAM", "Message": "JSON参数不合法"}
            if not isinstance(values, dict) or not all(isinstance(v, str) for v in values.values()):
                return 200, {"Code": "isv.INVALID_JSON_PARAM", "Message": "JSON参数不合法，只接受字符串值"}
            if any(name not in values for name in TEMPLATES[params["TemplateCode"]]):
                return 200, {"Code": "isv.TEMPLATE_MISSING_PARAMETERS", "Message": "模板缺少变量"}
            if any(len(v) > 20 for v in values.values()):
                return 200, {"Code": "isv.PARAM_LENGTH_LIMIT", "Message": "参数超出长度限制"}
            self.sent += 1
            return 200, {"Code": "OK", "Message": "OK", "RequestId": f"REQ-{self.sent}", "BizId": f"9001{self.sent:04d}^0"}


@pytest.fixture
def gateway(monkeypatch):
    """A running stand-in; JIFEN_SMS_* point the plugin at it with the right key."""
    found = Gateway()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            parts = urlsplit(self.path)
            if parts.path != "/":
                status, body = 404, {"Code": "InvalidAction.NotFound", "Message": "no such path"}
            else:
                status, body = found.answer(parts.query)
            data = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json;charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.setenv("JIFEN_SMS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("JIFEN_SMS_ACCESS_KEY_SECRET", SECRET)
    monkeypatch.setenv("JIFEN_SMS_ENDPOINT", f"http://127.0.0.1:{server.server_address[1]}/")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    found.port = server.server_address[1]
    yield found
    server.shutdown()
    server.server_close()


# --------------------------------------------------------------------------- helpers


def send(county, user_id: int, subject, body, kind: str | None, params: dict | None = None) -> None:
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == user_id))
        notify(session, current_county(session).hooks, user, subject, body, kind=kind, params=params)
        session.commit()  # the messages.send job runs after the commit (JIFEN_JOBS=inline)


def offer(county, user_id: int) -> None:
    send(county, user_id, _l("A place is offered to you"), "您获得了一个名额。", "offer.made",
         {"round": "2026年秋季", "number": 3, "deadline": "2026-09-15"})


def deliveries(county, user_id: int) -> list[Delivery]:
    with county("jiashan") as session:
        found = list(session.scalars(select(Delivery).where(Delivery.user_id == user_id).order_by(Delivery.id)))
        session.expunge_all()
        return found


# --------------------------------------------------------------------------- sending


def test_an_offer_goes_out_as_the_countys_template_and_is_recorded_sent(gateway, county, make_user):
    person = make_user("jiashan")
    offer(county, person.id)

    [request] = gateway.requests
    assert request["PhoneNumbers"] == person.mobile
    assert request["SignName"] == SIGN_NAME and request["TemplateCode"] == "SMS_900000001"
    assert json.loads(request["TemplateParam"]) == {"round": "2026年秋季", "number": "3", "deadline": "2026-09-15"}
    assert request["RegionId"] == "cn-hangzhou" and request["AccessKeyId"] == KEY_ID
    assert SECRET not in json.dumps(request)  # signed with it, never sent
    [delivery] = deliveries(county, person.id)
    assert (delivery.channel, delivery.state, delivery.attempts, delivery.error) == ("sms", "sent", 1, None)
    assert delivery.reference == "90010001^0"


def test_every_request_has_a_fresh_nonce_and_a_current_timestamp(gateway, county, make_user):
    people = [make_user("jiashan") for _ in range(3)]
    for person in people:
        offer(county, person.id)
    assert len(gateway.requests) == 3 and len({r["SignatureNonce"] for r in gateway.requests}) == 3
    assert gateway.sent == 3  # the stand-in refused no timestamp and no nonce
    assert [d.state for p in people for d in deliveries(county, p.id)] == ["sent"] * 3


def test_the_templates_map_each_kind_and_cut_long_values_to_the_gateways_limit(gateway, county, make_user):
    person = make_user("jiashan")
    reason = "毕业证书照片不清晰，请重新上传加盖学校公章的学历证明原件扫描件"
    send(county, person.id, _l("An item was not accepted"), "正文", "item.rejected", {"reason": reason})
    send(county, person.id, _l("Your points are confirmed"), "正文", "points.confirmed", {"total": "85.00"})

    rejected, confirmed = gateway.requests
    assert rejected["TemplateCode"] == "SMS_900000003"
    assert json.loads(rejected["TemplateParam"]) == {"reason": reason[:20]}
    assert confirmed["TemplateCode"] == "SMS_900000002"
    assert json.loads(confirmed["TemplateParam"]) == {"total": "85.00"}
    assert [d.state for d in deliveries(county, person.id)] == ["sent", "sent"]


def test_a_kind_without_a_template_is_not_sent_and_says_why(gateway, county, make_user):
    person = make_user("jiashan")
    send(county, person.id, _l("Application submitted"), "正文", "application.submitted", {})
    assert gateway.requests == []
    [delivery] = deliveries(county, person.id)
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert "no SMS template" in delivery.error and "application.submitted" in delivery.error


@pytest.mark.with_plugins("sms", county="jiashan", settings={"sms": {**SETTINGS, "max_param_length": 35}})
def test_a_county_may_allow_longer_variables_and_the_gateway_then_refuses_for_good(gateway, county, make_user):
    person = make_user("jiashan")
    send(county, person.id, _l("An item was not accepted"), "正文", "item.rejected", {"reason": "字" * 30})
    assert json.loads(gateway.requests[0]["TemplateParam"]) == {"reason": "字" * 30}
    [delivery] = deliveries(county, person.id)
    assert (delivery.state, delivery.attempts) == ("failed", 1) and "isv.PARAM_LENGTH_LIMIT" in delivery.error


# --------------------------------------------------------------------------- failures


def test_a_number_the_gateway_calls_illegal_fails_without_a_retry(gateway, county, make_user, on_day):
    moment = datetime(2026, 9, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    on_day(moment)
    person = make_user("jiashan")
    gateway.illegal_numbers.add(person.mobile)
    offer(county, person.id)
    [delivery] = deliveries(county, person.id)
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert "isv.MOBILE_NUMBER_ILLEGAL" in delivery.error
    assert person.mobile not in delivery.error
    on_day(moment + timedelta(hours=3))
    with county("jiashan") as session:
        assert retry_deliveries(session) == 0
    assert len(gateway.requests) == 1


def test_a_template_missing_a_variable_fails_for_good(gateway, county, make_user):
    person = make_user("jiashan")
    send(county, person.id, _l("Your offer has expired"), "正文", "offer.expired",
         {"round": "2026年秋季", "deadline": "2026-09-15"})
    [delivery] = deliveries(county, person.id)
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert "isv.TEMPLATE_MISSING_PARAMETERS" in delivery.error


def test_a_wrong_secret_is_refused_by_the_signature_check_and_waits_for_a_corrected_key(
        gateway, county, make_user, on_day, monkeypatch):
    moment = datetime(2026, 9, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    on_day(moment)
    monkeypatch.setenv("JIFEN_SMS_ACCESS_KEY_SECRET", "not-the-secret")
    person = make_user("jiashan")
    offer(county, person.id)
    [delivery] = deliveries(county, person.id)
    assert (delivery.state, delivery.attempts) == ("queued", 1)  # the deployment's key, not the message, is wrong
    assert "SignatureDoesNotMatch" in delivery.error and "not-the-secret" not in delivery.error
    assert gateway.sent == 0

    monkeypatch.setenv("JIFEN_SMS_ACCESS_KEY_SECRET", SECRET)  # the operator corrects it
    on_day(moment + timedelta(minutes=2))
    with county("jiashan") as session:
        assert retry_deliveries(session) == 1
        session.commit()
    [delivery] = deliveries(county, person.id)
    assert (delivery.state, delivery.attempts, delivery.reference) == ("sent", 2, "90010001^0")


def test_a_wrong_secret_that_stays_wrong_fails_after_the_channels_attempts(gateway, county, make_user, on_day,
                                                                           monkeypatch):
    moment = datetime(2026, 9, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    on_day(moment)
    monkeypatch.setenv("JIFEN_SMS_ACCESS_KEY_SECRET", "not-the-secret")
    person = make_user("jiashan")
    offer(county, person.id)
    for minutes in (2, 6):  # after 1 minute, then after 5 (counted from the message)
        on_day(moment + timedelta(minutes=minutes))
        with county("jiashan") as session:
            assert retry_deliveries(session) == 1
            session.commit()
    [delivery] = deliveries(county, person.id)
    assert (delivery.state, delivery.attempts) == ("failed", 3) and "SignatureDoesNotMatch" in delivery.error
    assert len(gateway.requests) == 3


def test_throttling_is_tried_again(gateway, county, make_user, on_day):
    moment = datetime(2026, 9, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    on_day(moment)
    gateway.throttled = 1
    person = make_user("jiashan")
    offer(county, person.id)
    [delivery] = deliveries(county, person.id)
    assert (delivery.state, delivery.attempts) == ("queued", 1) and "isv.BUSINESS_LIMIT_CONTROL" in delivery.error
    on_day(moment + timedelta(minutes=2))
    with county("jiashan") as session:
        assert retry_deliveries(session) == 1
        session.commit()
    assert [(d.state, d.attempts) for d in deliveries(county, person.id)] == [("sent", 2)]


def test_an_unreachable_gateway_is_tried_again(gateway, county, make_user, monkeypatch):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    monkeypatch.setenv("JIFEN_SMS_ENDPOINT", f"http://127.0.0.1:{closed}/")
    person = make_user("jiashan")
    offer(county, person.id)
    [delivery] = deliveries(county, person.id)
    assert (delivery.state, delivery.attempts) == ("queued", 1) and "could not be reached" in delivery.error


# --------------------------------------------------------------------------- who gets an SMS


def test_without_an_access_key_there_is_no_sms_channel(county, make_user, monkeypatch):
    monkeypatch.delenv("JIFEN_SMS_ACCESS_KEY_ID", raising=False)
    monkeypatch.delenv("JIFEN_SMS_ACCESS_KEY_SECRET", raising=False)
    person = make_user("jiashan")
    offer(county, person.id)
    assert deliveries(county, person.id) == []


def test_an_applicant_who_unticked_sms_on_the_profile_page_gets_no_sms(gateway, county, client_as, make_user):
    client = client_as("jiashan")
    page = client.get("/jiashan/me/profile").get_data(as_text=True)
    assert re.search(r'<input checked id="channels-\d" name="channels" type="checkbox" value="sms">', page)
    response = client.submit("/jiashan/me/profile", {"language": "zh_Hans_CN", "shown": "sms"})  # the box unticked
    assert response.status_code == 302
    other = make_user("jiashan")  # never touched the setting: every channel

    offer(county, client.user.id)
    offer(county, other.id)
    assert deliveries(county, client.user.id) == []
    assert [d.channel for d in deliveries(county, other.id)] == ["sms"]
    assert [r["PhoneNumbers"] for r in gateway.requests] == [other.mobile]
    with county("jiashan") as session:
        assert session.scalar(select(User.channels).where(User.id == client.user.id)) == []
        event = session.scalars(select(AuditEvent).where(AuditEvent.action == "profile.changed")
                                .order_by(AuditEvent.seq.desc())).first()
        assert event.details == {"messages": ["channels"]}
