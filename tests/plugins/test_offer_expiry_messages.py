"""An offer left unanswered expires at its deadline with no command run, the place passes to the next
applicant, and that applicant hears of it by e-mail (through a real SMTP server the test starts) and by
SMS (through the test's stand-in for the gateway, which checks the request's format and signature).

The tick is what the embedded timer and ``jifen scheduler`` call (jifen.jobs.timed); the deliveries
are sent by the ``messages.send`` job it starts (inline in tests).
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from jifen.county.tenancy import require_tenant
from jifen.jobs import timed
from jifen.models import Delivery, Offer, ProgramRound, User
from jifen.programs import offers
from test_email_channel import SENDER, smtp_server  # noqa: F401 - fixture
from test_offers import build_round, on_day  # noqa: F401 - fixtures
from test_sms_channel import SETTINGS, gateway  # noqa: F401 - fixture

pytestmark = pytest.mark.with_plugins("email", "sms", county="jiashan", settings={"sms": SETTINGS})


def test_the_next_applicant_is_offered_the_expired_place_by_mail_and_sms(app, county, build_round, on_day,
                                                                          smtp_server, gateway):
    mailbox = smtp_server()
    built = build_round([(None, "allocated", 1), (None, "waitlisted", None)], quota=1)
    first, second = built["users"][1], built["users"][2]
    with county("jiashan") as session:
        for user_id, address in ((first, "first@example.com"), (second, "second@example.com")):
            session.scalar(select(User).where(User.id == user_id)).email = address
        session.commit()
        made = offers.make_offers(session, session.get(ProgramRound, (require_tenant().id, built["round"])),
                                  actor="test")
        session.commit()
        deadline = made[0].deadline
    assert [m["To"] for m in mailbox.messages()] == ["first@example.com"]
    on_day(deadline)
    assert timed.tick_in_app(app)["jiashan"]["expire_offers"] == 0  # the deadline day is still the offer's
    on_day(deadline + timedelta(days=1))
    assert timed.tick_in_app(app)["jiashan"]["expire_offers"] == 1

    with county("jiashan") as session:
        states = {o.user_id: o.status for o in session.scalars(select(Offer).where(Offer.round_id == built["round"]))}
        assert states == {first: "expired", second: "offered"}
        mobile = session.scalar(select(User.mobile).where(User.id == second))
        sent = {(d.user_id, d.channel): d.state for d in session.scalars(select(Delivery))}
    to_second = [m for m in mailbox.messages() if m["To"] == "second@example.com"]
    assert len(to_second) == 1 and to_second[0]["From"].addresses[0].addr_spec == SENDER
    assert "名额" in to_second[0]["Subject"] and "2027 第一批" in to_second[0].get_content()
    [sms] = [r for r in gateway.requests if r["PhoneNumbers"] == mobile]
    assert sms["TemplateCode"] == SETTINGS["templates"]["offer.made"]
    assert json.loads(sms["TemplateParam"])["round"] == "2027 第一批"
    assert sent[(second, "email")] == "sent" and sent[(second, "sms")] == "sent"
