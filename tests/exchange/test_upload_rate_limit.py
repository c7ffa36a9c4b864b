"""Uploading import files is rate limited, as uploading evidence is (Flask-Limiter, on in production)."""

import io

import pytest

from .helpers import csv_file

IMPORT = "/jiashan/review/import"


@pytest.fixture
def jifen_config():
    return {"RATELIMIT_ENABLED": True}


def test_uploads_of_import_files_are_rate_limited(client, make_user, login, queues):
    login(client, make_user("jiashan", role="reviewer", department="education"))
    data = csv_file([["item", "decision"], [f"#{queues.item(0)}", "通过"]])
    token = client.csrf_token(IMPORT)
    statuses = [client.post(IMPORT, data={"csrf_token": token, "file": (io.BytesIO(data), "a.csv")},
                            content_type="multipart/form-data").status_code for _ in range(31)]
    assert statuses[:30] == [200] * 30 and statuses[30] == 429
    assert client.get(IMPORT).status_code == 200  # looking at the page is never limited
