"""Login attempts are rate limited (Flask-Limiter; Redis in production, memory in the embedded default)."""

import pytest


@pytest.fixture
def jifen_config():
    return {"RATELIMIT_ENABLED": True, "JIFEN_LOGIN_RATE_LIMIT": "3 per minute"}


def test_login_attempts_are_rate_limited(client):
    client.get("/jiashan/?lang=en")
    statuses = [client.submit("/jiashan/login", {"mobile": "13800000000", "password": "Wrong-pass-1"}).status_code
                for _ in range(4)]
    assert statuses[:3] == [400, 400, 400] and statuses[3] == 429
