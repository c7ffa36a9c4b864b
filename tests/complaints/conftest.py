"""A county channel that can text a bare mobile number, keeping what it sends (the codes among it)."""

from __future__ import annotations

import pytest

from jifen.plugin.channels import MessageChannel
from jifen.plugin.hookspecs import hookimpl


class TextChannel:
    """Sends by keeping: ``sent`` is every (to, kind, params) in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str | None, dict]] = []

    def _send(self, message, settings):
        self.sent.append((message.to, message.kind, dict(message.params)))
        return f"kept-{len(self.sent)}"

    @hookimpl
    def register_message_channels(self):
        return [MessageChannel(key="test_text", label="Test text", address=lambda user: getattr(user, "mobile", None),
                               send=self._send)]

    def last_code(self, mobile: str) -> str:
        codes = [p["code"] for to, kind, p in self.sent if to == mobile and kind == "complaint.code"]
        assert codes, f"no code was sent to {mobile}: {self.sent}"
        return codes[-1]


@pytest.fixture
def texts(app, county, install_plugin):
    """The channel, installed and enabled in Jiashan only."""
    from jifen.county.switching import set_plugin_enabled

    channel = TextChannel()
    install_plugin(channel, "test_text")
    with county("jiashan") as session:
        set_plugin_enabled(session, "test_text", True, actor="test")
        session.commit()
    return channel
