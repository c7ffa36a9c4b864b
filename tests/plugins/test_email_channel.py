"""The e-mail channel (jifen_plugins.email) against a real SMTP server: aiosmtpd on 127.0.0.1.

Messages go the way the platform sends them: ``notify`` stores the message and a delivery, the commit
starts the ``messages.send`` job (inline in tests), the plugin talks SMTP to the server the test started.
"""

from __future__ import annotations

import socket
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from jifen.county.context import current_county
from jifen.models import Delivery, DeclaredItem, Message, User
from jifen.notifications import notify, retry_deliveries
from jifen.points import review
from jifen.text import lazy_gettext as _l
from tests.exchange.helpers import EDUCATION, submitted

pytestmark = pytest.mark.with_plugins("email", county="jiashan")

SENDER = "noreply@jifen.example.cn"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler: keeps what it accepts, refuses the recipients in ``refuse`` with a 550."""

    def __init__(self, refuse=()) -> None:
        self.refuse = set(refuse)
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"

    def messages(self):
        return [message_from_bytes(content, policy=policy.default) for _, _, content in self.received]


@pytest.fixture
def smtp_server(monkeypatch):
    """``smtp_server(port=None, refuse=())``: start a mail server and point JIFEN_SMTP_URL at it."""
    started: list[Controller] = []
    monkeypatch.setenv("JIFEN_MAIL_FROM", f"Jifen <{SENDER}>")

    def _start(port: int | None = None, refuse=()) -> Mailbox:
        mailbox = Mailbox(refuse)
        controller = Controller(mailbox, hostname="127.0.0.1", port=port or free_port())
        controller.start()
        started.append(controller)
        monkeypatch.setenv("JIFEN_SMTP_URL", f"smtp://127.0.0.1:{controller.port}?timeout=5")
        return mailbox

    yield _start
    for controller in started:
        controller.stop()


def applicant(county, make_user, email="zhang.san@example.com", language=None) -> int:
    person = make_user("jiashan", real_name="张三")
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == person.id))
        user.email, user.language = email, language
        session.commit()
    return person.id


def confirm_points(county, user_id: int, total: str = "85.00") -> None:
    """The message the core sends when every item is decided, as review.decide words it."""
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == user_id))
        notify(session, current_county(session).hooks, user, _l("Your points are confirmed"),
               _l("Every item is decided. Your confirmed points: %(total)s.", total=total),
               kind="points.confirmed", params={"total": total})
        session.commit()  # the job runs after the commit (JIFEN_JOBS=inline)


def deliveries(county, user_id: int) -> list[Delivery]:
    with county("jiashan") as session:
        found = list(session.scalars(select(Delivery).where(Delivery.user_id == user_id)))
        session.expunge_all()
        return found


def test_the_mail_arrives_in_chinese_with_the_countys_name(smtp_server, county, make_user):
    mailbox = smtp_server()
    user_id = applicant(county, make_user)
    confirm_points(county, user_id)

    [(mail_from, rcpt_tos, _)] = mailbox.received
    assert mail_from == SENDER and rcpt_tos == ["zhang.san@example.com"]
    [mail] = mailbox.messages()
    assert mail["To"] == "zhang.san@example.com"
    assert mail["From"].addresses[0].display_name == "嘉善县"
    assert mail["From"].addresses[0].addr_spec == SENDER
    assert mail["Subject"] == "【嘉善县】您的积分已确认"
    assert mail.get_content_charset() == "utf-8"
    body = mail.get_content()
    assert body.startswith("所有项目均已审核完毕。您确认的积分为：85.00 分。")
    assert "本消息来自嘉善县新居民积分服务" in body  # the footer, in the recipient's language

    [delivery] = deliveries(county, user_id)
    assert (delivery.channel, delivery.state, delivery.attempts, delivery.error) == ("email", "sent", 1, None)
    assert delivery.reference == mail["Message-ID"] and delivery.sent_at is not None


def test_an_applicant_who_reads_english_gets_the_mail_in_english(smtp_server, county, make_user):
    mailbox = smtp_server()
    user_id = applicant(county, make_user, email="li.si@example.org", language="en")
    confirm_points(county, user_id, total="92.50")

    [mail] = mailbox.messages()
    assert mail["To"] == "li.si@example.org"
    assert mail["Subject"] == "[Jiashan County] Your points are confirmed"
    assert mail["From"].addresses[0].display_name == "Jiashan County"
    assert mail["Content-Language"] == "en"
    body = mail.get_content()
    assert "Every item is decided. Your confirmed points: 92.50." in body
    assert "new-resident points service of Jiashan County" in body
    assert "积分" not in body
    assert [d.state for d in deliveries(county, user_id)] == ["sent"]


@pytest.mark.with_plugins("email", county="jiashan", settings={"email": {"reply_to": "office@jiashan.example.cn"}})
def test_a_rejected_item_is_mailed_with_the_reason_and_the_countys_reply_to(smtp_server, county, make_user):
    mailbox = smtp_server()
    made = submitted(county, make_user, "jiashan", ("education", EDUCATION), name="王芳")
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == made["user"]))
        user.email = "wang.fang@example.com"
        session.commit()
        item = session.scalar(select(DeclaredItem).where(DeclaredItem.id == made["items"][0]))
        review.decide(session, current_county(session).hooks, item, "rejected", "毕业证书照片不清晰",
                      reviewer_actor="test:reviewer")
        session.commit()

    # Submitting sent no mail (no address yet); the decision did, and so did the confirmation it led to.
    rejected, confirmed = mailbox.messages()
    assert rejected["To"] == "wang.fang@example.com" and rejected["Reply-To"] == "office@jiashan.example.cn"
    assert rejected["Subject"] == "【嘉善县】有一个项目未予认定"
    assert "您的一个项目未予认定：毕业证书照片不清晰" in rejected.get_content()
    assert confirmed["Subject"] == "【嘉善县】您的积分已确认"
    assert [(d.state, d.attempts) for d in deliveries(county, made["user"])] == [("sent", 1), ("sent", 1)]


def test_a_recipient_the_server_refuses_fails_without_a_retry(smtp_server, county, make_user, on_day):
    moment = datetime(2026, 9, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    on_day(moment)
    mailbox = smtp_server(refuse={"nobody@example.com"})
    user_id = applicant(county, make_user, email="nobody@example.com")
    confirm_points(county, user_id)

    assert mailbox.received == []
    [delivery] = deliveries(county, user_id)
    assert (delivery.state, delivery.attempts, delivery.sent_at) == ("failed", 1, None)
    assert "550" in delivery.error and "Recipient address rejected" in delivery.error
    assert "nobody@example.com" not in delivery.error  # masked: n***@example.com
    on_day(moment + timedelta(hours=3))
    with county("jiashan") as session:
        assert retry_deliveries(session) == 0
        session.commit()
    assert [(d.state, d.attempts) for d in deliveries(county, user_id)] == [("failed", 1)]


def test_with_the_server_down_the_mail_waits_and_the_retry_sends_it(smtp_server, county, make_user, on_day,
                                                                    monkeypatch):
    moment = datetime(2026, 9, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
    on_day(moment)
    port = free_port()  # nothing listens there yet
    monkeypatch.setenv("JIFEN_SMTP_URL", f"smtp://127.0.0.1:{port}?timeout=5")
    monkeypatch.setenv("JIFEN_MAIL_FROM", SENDER)
    user_id = applicant(county, make_user)
    confirm_points(county, user_id)

    [delivery] = deliveries(county, user_id)
    assert (delivery.state, delivery.attempts) == ("queued", 1)
    assert "could not be reached" in delivery.error and "ConnectionRefusedError" in delivery.error

    mailbox = smtp_server(port=port)  # the server is back
    on_day(moment + timedelta(seconds=30))  # before the first wait (one minute) is over: nothing yet
    with county("jiashan") as session:
        assert retry_deliveries(session) == 0
        session.commit()
    assert mailbox.received == []

    on_day(moment + timedelta(minutes=2))
    with county("jiashan") as session:
        assert retry_deliveries(session) == 1
        session.commit()  # the retry's job runs now
    [mail] = mailbox.messages()
    assert mail["Subject"] == "【嘉善县】您的积分已确认"
    [delivery] = deliveries(county, user_id)
    assert (delivery.state, delivery.attempts, delivery.error) == ("sent", 2, None)
    assert delivery.reference == mail["Message-ID"]


def test_without_a_mail_server_the_channel_does_not_exist(county, make_user, monkeypatch):
    monkeypatch.delenv("JIFEN_SMTP_URL", raising=False)
    user_id = applicant(county, make_user)
    confirm_points(county, user_id)
    assert deliveries(county, user_id) == []
    with county("jiashan") as session:  # the in-portal message is there all the same
        assert session.scalar(select(Message.kind).where(Message.user_id == user_id)) == "points.confirmed"


def test_an_applicant_without_an_address_gets_no_mail(smtp_server, county, make_user):
    mailbox = smtp_server()
    user_id = applicant(county, make_user, email=None)
    confirm_points(county, user_id)
    assert deliveries(county, user_id) == [] and mailbox.received == []


def test_a_county_that_did_not_enable_the_plugin_sends_no_mail(smtp_server, county, make_user):
    mailbox = smtp_server()
    person = make_user("haining")
    with county("haining") as session:
        user = session.scalar(select(User).where(User.id == person.id))
        user.email = "haining@example.com"
        notify(session, current_county(session).hooks, user, _l("Your points are confirmed"), "正文",
               kind="points.confirmed", params={"total": "1"})
        session.commit()
        assert list(session.scalars(select(Delivery))) == []
    assert mailbox.received == []
