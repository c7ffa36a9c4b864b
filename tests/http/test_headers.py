"""No browser or proxy keeps a copy of anything personal: every answer to someone logged in, but static files,
is no-store (what an anonymous visitor may share: test_cache_headers.py)."""

from __future__ import annotations


def test_pages_the_api_and_files_are_no_store_and_static_files_are_not(client, make_user, login):
    login(client, make_user("jiashan"))
    for url in ("/jiashan/", "/jiashan/me/", "/jiashan/api/v1/me", "/jiashan/api/v1/programs", "/api/v1/counties"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["Cache-Control"] == "no-store", url
    assert client.get("/jiashan/theme.css").headers.get("Cache-Control") != "no-store"
