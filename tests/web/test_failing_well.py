"""Failing well: with Redis unreachable, logins keep working on memory limits; /healthz tells which part
is down. (Redis here is an address where nothing listens.)"""

from __future__ import annotations

import logging

import pytest

NOWHERE = "redis://127.0.0.1:1/0"


@pytest.fixture
def jifen_config():
    return {"REDIS_URL": NOWHERE, "RATELIMIT_STORAGE_URI": NOWHERE, "RATELIMIT_ENABLED": True,
            "JIFEN_LOGIN_RATE_LIMIT": "3 per minute"}


def test_with_redis_down_login_works_and_limits_fall_back_to_memory(client, make_user, caplog):
    user = make_user("jiashan")
    client.get("/jiashan/?lang=en")
    with caplog.at_level(logging.WARNING):
        ok = client.submit("/jiashan/login", {"mobile": user.mobile, "password": user.password})
    assert ok.status_code == 302
    assert client.get("/jiashan/me/").status_code == 200
    assert "Rate limit storage unreachable - falling back to in-memory storage" in caplog.text
    client.submit("/jiashan/logout", {}, form_page="/jiashan/account")
    statuses = [client.submit("/jiashan/login", {"mobile": user.mobile, "password": "Wrong-pass-1"}).status_code
                for _ in range(4)]
    assert statuses[-1] == 429  # still limited, in this process's memory


def test_healthz_says_redis_is_down_and_the_database_is_not(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    found = response.get_json()
    assert {k: found[k] for k in ("status", "database", "redis")} == {"status": "degraded", "database": "ok",
                                                                      "redis": "down"}
    assert found["queue"]["state"] == "ok" and found["queue"]["backend"] == "inline"


def test_healthz_is_503_and_says_so_when_the_database_is_down(tmp_path):
    from jifen.app import create_app

    app = create_app({"JIFEN_ENV": "testing", "DATABASE_URL": "postgresql+psycopg://jifen@127.0.0.1:1/nowhere",
                      "JIFEN_INSTANCE_PATH": str(tmp_path)})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    found = response.get_json()
    assert {k: found[k] for k in ("status", "database", "redis")} == {"status": "down", "database": "down",
                                                                      "redis": "not configured"}
