"""What a reverse proxy may keep: a county's public pages as an anonymous visitor gets them, a minute, with
an ETag; nothing personal, ever (docs/deployment.md, "Caching")."""

from __future__ import annotations

from datetime import date

import pytest

from jifen import clock

PUBLIC = ("/", "/jiashan/", "/jiashan/programs/hukou_transfer", "/jiashan/questions",
          "/jiashan/questions/figures")


@pytest.mark.parametrize("path", PUBLIC)
def test_public_pages_may_be_kept_by_a_proxy_and_revalidated(client, path):
    first = client.get(path)
    assert first.status_code == 200
    assert first.headers["Cache-Control"] == "public, max-age=60"
    assert {"Cookie", "Accept-Language"} <= set(first.vary)
    assert "Set-Cookie" not in first.headers
    etag = first.headers["ETag"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and not again.get_data()


def test_a_published_list_is_public_and_its_search_too(client, county, make_user, monkeypatch):

    monkeypatch.setattr(clock, "today", lambda: date(2027, 4, 6))
    with county("jiashan") as session:
        from jifen.models import ProgramRound, Publication, RankingRun

        found = ProgramRound(program_key="hukou_transfer", name="2027 第一批", opens_on=date(2027, 3, 1),
                             closes_on=date(2027, 3, 31), quota=1)
        session.add(found)
        session.flush()
        run = RankingRun(round_id=found.id, seed=1, digest="ab" * 32, input_count=0, allocated_count=0,
                         is_current=True, actor="test")
        session.add(run)
        session.flush()
        session.add(Publication(round_id=found.id, run_id=run.id, stage="provisional", starts_on=date(2027, 4, 1),
                                ends_on=date(2027, 4, 8), actor="test"))
        session.commit()
        url = f"/jiashan/programs/hukou_transfer/rounds/{found.id}/list"
    for path in (url, url + "?number=JS-2027-000001", url + ".csv"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "public, max-age=60", path


def test_personal_pages_and_a_logged_in_visitor_get_no_store(client_as, client):
    person = client_as("jiashan")
    for path in ("/jiashan/", "/jiashan/programs/hukou_transfer", "/jiashan/me/", "/jiashan/questions"):
        response = person.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path
        assert "ETag" not in response.headers, path
    admin = client_as("jiashan", role="admin")
    assert admin.get("/jiashan/admin/").headers["Cache-Control"] == "no-store"


def test_a_page_that_sets_a_cookie_is_never_shared(client):
    # A form carries a CSRF token kept in the session; a language chosen by ?lang= is kept there too.
    form = client.get("/jiashan/questions/new")
    assert form.status_code == 200 and form.headers["Cache-Control"] == "no-store"
    chosen = client.get("/jiashan/?lang=en")
    assert "Set-Cookie" in chosen.headers and chosen.headers["Cache-Control"] == "no-store"
    assert client.get("/jiashan/login").headers["Cache-Control"] == "no-store"
    missing = client.get("/jiashan/programs/nothing_here")
    assert missing.status_code == 404 and missing.headers["Cache-Control"] == "no-store"
