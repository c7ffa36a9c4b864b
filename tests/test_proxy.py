"""Behind a trusted proxy the client address (for rate limits) comes from X-Forwarded-For."""

import pytest


@pytest.fixture
def jifen_config():
    return {"JIFEN_TRUSTED_PROXIES": 1, "RATELIMIT_ENABLED": True, "JIFEN_LOGIN_RATE_LIMIT": "2 per minute"}


@pytest.mark.sqlite_only
def test_rate_limit_counts_per_forwarded_client(client):
    def attempt(ip):
        return client.submit("/jiashan/login", {"mobile": "13800000000", "password": "Wrong-pass-1"},
                             headers={"X-Forwarded-For": ip}).status_code

    assert [attempt("203.0.113.1") for _ in range(3)] == [400, 400, 429]
    assert attempt("203.0.113.2") == 400
