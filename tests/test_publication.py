"""Publication (公示): masked public list, search, CSV with digest, standing, objections and re-check, final list."""

from datetime import date

import pytest
from sqlalchemy import select

from jifen.models import Objection

NAMES = ["陈新民", "王芳芳", "李建国", "赵德胜"]


@pytest.fixture
def ranked_round(hand_ranked_round):
    """A Jiashan hukou round with four applicants and a current run made by hand (positions and outcomes)."""
    return hand_ranked_round()


def publish(client, make_user, login, round_id, stage):
    login(client, make_user("jiashan", role="admin"))
    return client.submit(f"/jiashan/admin/rounds/{round_id}/publish", {"stage": stage, "confirm": "y"},
                         form_page=f"/jiashan/admin/rounds/{round_id}")


def test_public_list_masks_personal_data_and_offers_csv_with_digest(app, client, make_user, login, ranked_round):
    round_id = ranked_round["round"]
    admin = app.test_client()
    admin.__class__ = type(client)
    assert publish(admin, make_user, login, round_id, "provisional").status_code == 302
    url = f"/jiashan/programs/hukou_transfer/rounds/{round_id}/list"
    html = client.get(url).get_data(as_text=True)
    assert 'data-stage="provisional"' in html and html.count("data-position=") == 4
    for person in ranked_round["people"]:
        assert person.real_name not in html and person.id_number not in html and person.mobile not in html
    assert "陈*民" in html and "3304**********" in html
    found = client.get(url + f"?number={ranked_round['references'][2]}").get_data(as_text=True)
    assert found.count("data-position=") == 1 and 'data-position="3"' in found
    assert str(ranked_round["numbers"][2]) not in html + found  # no internal id on the page
    unknown = client.get(url + "?number=386268702155296768&lang=en").get_data(as_text=True)
    assert "Enter a reference number such as" in unknown and "data-position=" not in unknown
    csv_response = client.get(url + ".csv")
    body = csv_response.get_data(as_text=True)
    csv_response.close()  # a streamed body keeps its request open until closed, as a WSGI server does
    assert csv_response.headers["X-Ranking-Digest"] == "ab" * 32 and f"sha256 {'ab' * 32}" in body
    assert all(p.real_name not in body and p.id_number not in body for p in ranked_round["people"])
    assert len(body.strip().splitlines()) == 2 + 4
    paged = client.get(url + "?after=2").get_data(as_text=True)
    assert 'data-position="3"' in paged and 'data-position="1"' not in paged


def test_applicant_sees_rank_cutoff_and_distance(app, client, make_user, login, ranked_round):
    round_id = ranked_round["round"]
    admin = app.test_client()
    admin.__class__ = type(client)
    publish(admin, make_user, login, round_id, "provisional")
    login(client, ranked_round["people"][2])
    html = client.get(f"/jiashan/programs/hukou_transfer/rounds/{round_id}/list").get_data(as_text=True)
    assert 'data-standing="3"' in html and 'data-distance="8.00"' in html and 'data-cutoff="88.00"' in html


def test_objections_recheck_and_final_list(app, client, make_user, login, ranked_round, county, on_day):
    round_id = ranked_round["round"]
    admin = app.test_client()
    admin.__class__ = type(client)
    publish(admin, make_user, login, round_id, "provisional")
    list_url = f"/jiashan/programs/hukou_transfer/rounds/{round_id}/list"
    login(client, ranked_round["people"][3])
    empty = client.submit(f"/jiashan/programs/hukou_transfer/rounds/{round_id}/objections", {"reason": ""},
                          form_page=list_url)
    assert empty.status_code == 303
    unknown = client.submit(f"/jiashan/programs/hukou_transfer/rounds/{round_id}/objections",
                            {"reason": "我的社保年限未计入", "number": str(ranked_round["numbers"][3])},
                            form_page=list_url, follow_redirects=True)  # an internal id is no reference number
    assert "No application on this list has the reference number" in unknown.get_data(as_text=True) \
        or "申请编号" in unknown.get_data(as_text=True)
    assert client.submit(f"/jiashan/programs/hukou_transfer/rounds/{round_id}/objections",
                         {"reason": "我的社保年限未计入", "number": ranked_round["references"][3].lower()},
                         form_page=list_url).status_code == 302
    with county("jiashan") as session:
        concerning = session.scalars(select(Objection)).one().program_application_id
    assert concerning == ranked_round["numbers"][3]
    admin.get("/jiashan/?lang=en")
    too_early = admin.submit(f"/jiashan/admin/rounds/{round_id}/publish", {"stage": "final"},
                             form_page=f"/jiashan/admin/rounds/{round_id}", follow_redirects=True)
    assert "publication period runs until" in too_early.get_data(as_text=True)
    on_day(date(2027, 3, 15))
    still_open = admin.submit(f"/jiashan/admin/rounds/{round_id}/publish", {"stage": "final"},
                              form_page=f"/jiashan/admin/rounds/{round_id}", follow_redirects=True)
    assert "Decide every objection" in still_open.get_data(as_text=True)
    late = client.submit(f"/jiashan/programs/hukou_transfer/rounds/{round_id}/objections", {"reason": "再次异议"},
                         form_page=list_url)
    assert late.status_code == 303  # the period is over
    with county("jiashan") as session:
        objection = session.scalars(select(Objection)).one()
    no_outcome = admin.submit(f"/jiashan/admin/objections/{objection.id}", {"decision": "dismissed", "outcome": ""},
                              form_page=f"/jiashan/admin/rounds/{round_id}")
    assert no_outcome.status_code == 303
    # no outcome is chosen for the official: a re-check without one is refused, what was written is kept
    undecided = admin.submit(f"/jiashan/admin/objections/{objection.id}", {"outcome": "已复核"},
                             form_page=f"/jiashan/admin/rounds/{round_id}")
    assert undecided.status_code == 400
    assert "Choose the outcome of the re-check" in undecided.get_data(as_text=True)
    assert "已复核</textarea>" in undecided.get_data(as_text=True)
    with county("jiashan") as session:
        assert session.scalars(select(Objection)).one().status == "open"
    assert admin.submit(f"/jiashan/admin/objections/{objection.id}",
                        {"decision": "dismissed", "outcome": "经人社局复核，社保年限已按规定计入"},
                        form_page=f"/jiashan/admin/rounds/{round_id}").status_code == 302
    assert publish(admin, make_user, login, round_id, "final").status_code == 302
    assert 'data-stage="final"' in client.get(list_url).get_data(as_text=True)
    with county("jiashan") as session:
        objection = session.scalars(select(Objection)).one()
        assert objection.status == "dismissed" and "复核" in objection.outcome


def test_round_page_shows_stages_figures_and_the_points_chart_with_the_cutoff(app, client, make_user, login,
                                                                               ranked_round):
    round_id = ranked_round["round"]
    page = client.get(f"/jiashan/programs/hukou_transfer/rounds/{round_id}").get_data(as_text=True)
    assert 'data-figure="ranked">0<' in page and "<svg" not in page  # nothing ranked is shown before publication
    admin = app.test_client()
    admin.__class__ = type(client)
    publish(admin, make_user, login, round_id, "provisional")
    page = client.get(f"/jiashan/programs/hukou_transfer/rounds/{round_id}").get_data(as_text=True)
    assert 'data-stage="provisional"' in page and 'data-stage="window"' in page
    assert 'data-figure="applicants">4<' in page and 'data-figure="eligible">4<' in page
    assert 'data-figure="ranked">4<' in page and 'data-figure="allocated">2<' in page
    assert page.count('class="bar"') == 3  # 95 and 88 / 80 / 61: bars 60, 80, 90
    assert 'class="cutoff"' in page and "0573-84012345" in page
    for person in ranked_round["people"]:
        assert person.real_name not in page and person.id_number not in page


def test_a_provisional_list_published_on_30_september_2026_runs_past_the_national_day_week(
        client, make_user, login, ranked_round, county, on_day):
    from sqlalchemy import select

    from jifen.models import Publication

    on_day(date(2026, 9, 30))  # the round's program publishes for 5 working days
    assert publish(client, make_user, login, ranked_round["round"], "provisional").status_code == 302
    with county("jiashan") as session:
        found = session.scalar(select(Publication).where(Publication.round_id == ranked_round["round"]))
        assert (found.starts_on, found.ends_on) == (date(2026, 9, 30), date(2026, 10, 12))


def test_stages_only_move_forward_in_the_application_and_in_the_database(
        client, make_user, login, ranked_round, county, on_day):
    from sqlalchemy import select, text
    from sqlalchemy.exc import DBAPIError

    from jifen.models import Publication

    round_id = ranked_round["round"]
    assert publish(client, make_user, login, round_id, "provisional").status_code == 302
    with county("jiashan") as session:  # the application's own role, as a request has it
        with pytest.raises(DBAPIError, match="public record"):
            session.execute(text("UPDATE publications SET stage = 'final' WHERE round_id = :r"), {"r": round_id})
        session.rollback()
        with pytest.raises(DBAPIError, match="public record"):
            session.execute(text("DELETE FROM publications WHERE round_id = :r"), {"r": round_id})
        session.rollback()
        run_id = session.scalar(select(Publication.run_id).where(Publication.round_id == round_id))
        session.add(Publication(round_id=round_id, run_id=run_id + 1, stage="final",
                                starts_on=date(2027, 3, 20), actor="test"))
        with pytest.raises(DBAPIError, match="needs a provisional list of the same round and run"):
            session.flush()
        session.rollback()

    on_day(date(2027, 4, 30))  # past the objection period
    assert publish(client, make_user, login, round_id, "final").status_code == 302
    again = publish(client, make_user, login, round_id, "provisional")  # refused, with a message on the page
    assert again.status_code == 303
    assert "本轮最终名单已公布" in client.get(again.headers["Location"]).get_data(as_text=True)
    with county("jiashan") as session:
        stages = session.scalars(select(Publication.stage).where(Publication.round_id == round_id)
                                 .order_by(Publication.published_at)).all()
        assert stages == ["provisional", "final"]
        session.add(Publication(round_id=round_id, run_id=run_id, stage="provisional",
                                starts_on=date(2027, 5, 1), actor="test"))
        with pytest.raises(DBAPIError, match="no provisional list can follow"):
            session.flush()
        session.rollback()


def test_an_anonymous_visitors_kept_list_gives_way_to_a_newer_publication_at_once(app, client, make_user, login,
                                                                                    ranked_round, county, on_day):
    """The list page is kept per process for anonymous visitors under the county's publications revision:
    the final list replaces the provisional one on the next request, in every process."""
    from flask import template_rendered

    round_id = ranked_round["round"]
    admin = app.test_client()
    admin.__class__ = type(client)
    publish(admin, make_user, login, round_id, "provisional")
    url = f"/jiashan/programs/hukou_transfer/rounds/{round_id}/list"
    assert 'data-stage="provisional"' in client.get(url).get_data(as_text=True)
    rendered = []
    with template_rendered.connected_to(lambda sender, template, context, **extra: rendered.append(template.name),
                                        app):
        assert 'data-stage="provisional"' in client.get(url).get_data(as_text=True)
    assert "portal/published_list.html" not in rendered  # kept
    on_day(date(2027, 3, 15))  # the period is over: the final list may be published today
    assert 'data-stage="provisional"' in client.get(url).get_data(as_text=True)  # kept for today
    assert publish(admin, make_user, login, round_id, "final").status_code == 302
    assert 'data-stage="final"' in client.get(url).get_data(as_text=True)
