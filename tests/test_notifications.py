"""Notifications: always an in-portal message; other channels are plugins, called per county."""

import logging

from sqlalchemy import select

from jifen.county.context import current_county

from jifen.plugin.hookspecs import hookimpl
from jifen.models import Message, User
from jifen.notifications import notify
from jifen.plugin.manager import CountyHooks, register_plugin, unregister_plugin


class SmsChannel:
    sent = []

    @hookimpl
    def send_notification(self, user, subject, body, tenant):
        SmsChannel.sent.append((tenant.slug, user.mobile, subject))


class BrokenChannel:
    @hookimpl
    def send_notification(self, user, subject, body, tenant):
        raise ConnectionError("gateway down")


def test_message_is_stored_and_the_log_channel_masks_the_mobile(county, make_user, caplog):
    person = make_user("jiashan")
    with county("jiashan") as session, caplog.at_level(logging.INFO, logger="jifen.notifications"):
        user = session.scalar(select(User).where(User.id == person.id))
        notify(session, current_county(session).hooks, user, "主题", "正文")
        session.commit()
        assert session.scalar(select(Message.subject).where(Message.user_id == user.id)) == "主题"
    assert person.mobile not in caplog.text
    assert person.mobile[:3] + "****" + person.mobile[-4:] in caplog.text


def test_a_channel_plugin_is_called_only_where_enabled_and_a_failing_one_changes_nothing(county, make_user):
    SmsChannel.sent.clear()
    register_plugin(SmsChannel(), "sms_channel")
    register_plugin(BrokenChannel(), "broken_channel")
    try:
        a = make_user("jiashan")
        b = make_user("haining")
        with county("jiashan") as session:
            user = session.scalar(select(User).where(User.id == a.id))
            enabled = current_county(session).enabled | {"sms_channel", "broken_channel"}
            notify(session, CountyHooks(frozenset(enabled)), user, "短信主题", "正文")
            session.commit()
            assert session.scalar(select(Message.subject).where(Message.user_id == user.id)) == "短信主题"
        with county("haining") as session:
            user = session.scalar(select(User).where(User.id == b.id))
            notify(session, current_county(session).hooks, user, "不发短信", "正文")
            session.commit()
        assert SmsChannel.sent == [("jiashan", a.mobile, "短信主题")]
    finally:
        unregister_plugin("sms_channel")
        unregister_plugin("broken_channel")
