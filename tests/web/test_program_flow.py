"""A round through the pages: apply, close, run the ranking, make it current, publish, offers, answer."""

from datetime import date

from sqlalchemy import select

from jifen import clock

from jifen.points import ledger
from jifen.models import Application, DeclaredItem, Job, Offer, RankingRun


def test_round_from_application_to_accepted_place(app, client, county, make_user, login, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2027, 3, 1))
    admin = app.test_client()
    admin.__class__ = type(client)
    login(admin, make_user("jiashan", role="admin"))
    created = admin.submit("/jiashan/admin/programs/hukou_transfer/rounds/new",
                           {"name": "2027 第一批", "opens_on": "2027-03-01", "closes_on": "2027-03-31", "quota": "1"})
    round_url = created.location
    round_id = int(round_url.rstrip("/").split("/")[-1])

    people = []
    for level in ("bachelor", "college"):  # 80 and 60 points in Jiashan, both at the threshold 60 or above
        person = make_user("jiashan")
        with county("jiashan") as session:
            application = Application(user_id=person.id, status="submitted")
            session.add(application)
            session.flush()
            session.add(DeclaredItem(application_id=application.id, item_type="education", department="education",
                                     status="verified", input={"level": level, "institution": "嘉兴学院",
                                                               "graduated_on": "2012-06-30"}))
            session.flush()
            ledger.confirm(session, application, actor="test")
            session.commit()
        browser = app.test_client()
        browser.__class__ = type(client)
        login(browser, person)
        assert browser.submit("/jiashan/programs/hukou_transfer/apply", {"town": "魏塘街道"},
                              form_page="/jiashan/programs/hukou_transfer").status_code == 302
        people.append(browser)

    admin.get("/jiashan/?lang=en")
    early = admin.submit(f"/jiashan/admin/rounds/{round_id}/run", {}, form_page=round_url, follow_redirects=True)
    assert "still open" in early.get_data(as_text=True)
    monkeypatch.setattr(clock, "today", lambda: date(2027, 4, 6))
    assert admin.submit(f"/jiashan/admin/rounds/{round_id}/run", {}, form_page=round_url).status_code == 302
    with county("jiashan") as session:
        run = session.scalars(select(RankingRun).where(RankingRun.round_id == round_id)).one()
        assert run.allocated_count == 1 and run.input_count == 2
    admin.submit(f"/jiashan/admin/runs/{run.id}/current", {}, form_page=round_url)
    simulate_url = f"/jiashan/admin/rounds/{round_id}/simulate"
    what_if = admin.submit(simulate_url, {"quota": "2"}, form_page=simulate_url,
                           follow_redirects=True).get_data(as_text=True)
    assert 'data-allocated="2"' in what_if and 'data-moved-in="1"' in what_if  # nothing stored:
    assert 'data-job-state="finished"' in what_if  # the simulation ran as a job, not in the request
    with county("jiashan") as session:
        assert len(session.scalars(select(RankingRun).where(RankingRun.round_id == round_id)).all()) == 1
        assert session.scalars(select(Job).where(Job.kind == "ranking.simulate")).one().result["allocated"] == 2
    bad = admin.submit(simulate_url, {"quota": "2", "setting": "education.points.college", "value": "nonsense"},
                       form_page=simulate_url)
    assert bad.status_code == 400 and 'value="nonsense"' in bad.get_data(as_text=True)  # what was typed is kept
    assert admin.submit(simulate_url, {"quota": "abc"}, form_page=simulate_url).status_code == 400
    admin.submit(f"/jiashan/admin/rounds/{round_id}/publish", {"stage": "provisional", "confirm": "y"},
                 form_page=round_url)
    monkeypatch.setattr(clock, "today", lambda: date(2027, 4, 20))
    admin.submit(f"/jiashan/admin/rounds/{round_id}/publish", {"stage": "final", "confirm": "y"}, form_page=round_url)
    assert admin.submit(f"/jiashan/admin/rounds/{round_id}/offers", {"confirm": "y"},
                        form_page=round_url).status_code == 302

    winner, runner_up = people
    page = winner.get("/jiashan/programs/hukou_transfer").get_data(as_text=True)
    offer_id = int(page.split('data-offer="')[1].split('"')[0])
    assert winner.submit(f"/jiashan/programs/hukou_transfer/offers/{offer_id}/decline", {"confirm": "y"},
                         form_page="/jiashan/programs/hukou_transfer").status_code == 302
    page = runner_up.get("/jiashan/programs/hukou_transfer").get_data(as_text=True)
    assert 'data-status="offered"' in page  # the declined place passed down the list
    second = int(page.split('data-offer="')[1].split('"')[0])
    assert runner_up.submit(f"/jiashan/programs/hukou_transfer/offers/{second}/accept", {"confirm": "y"},
                            form_page="/jiashan/programs/hukou_transfer").status_code == 302
    with county("jiashan") as session:
        statuses = sorted(o.status for o in session.scalars(select(Offer).where(Offer.round_id == round_id)))
        assert statuses == ["accepted", "declined"]
