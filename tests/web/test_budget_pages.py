"""A temporary-relief round through the pages: the administrator sets a budget and the leftover rule, an
applicant applies with a need and sees the grant asked for, and the published list shows each grant."""

from datetime import date

from sqlalchemy import select

from jifen import clock
from jifen.county.switching import set_plugin_enabled
from jifen.models import Application, DeclaredItem, ProgramApplication, ProgramRound, RankingRun
from jifen.points import ledger

FORM = {"statement": "家中突发变故，收入中断，生活十分困难，需要帮助。", "evidence": "医院诊断证明、费用清单",
        "household_size": "3", "monthly_income": "1200"}


def _browser(app, client, login, user):
    browser = app.test_client()
    browser.__class__ = type(client)
    login(browser, user)
    return browser


def test_a_relief_round_through_the_pages(app, client, county, make_user, login, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: date(2027, 3, 1))
    with county("jiashan") as session:
        set_plugin_enabled(session, "temporary_relief", True, actor="test")
        session.commit()
    admin = _browser(app, client, login, make_user("jiashan", role="admin"))
    new_round = "/jiashan/admin/programs/temporary_relief/rounds/new"
    form = admin.get(new_round + "?lang=en").get_data(as_text=True)
    assert "Budget (yuan)" in form and "When a grant no longer fits the money left" in form
    refused = admin.submit(new_round, {"name": "2027 第一批", "opens_on": "2027-03-01", "closes_on": "2027-03-31",
                                       "budget_leftover": "sometimes"}, form_page=new_round)
    assert refused.status_code == 400 and 'value="2027 第一批"' in refused.get_data(as_text=True)
    created = admin.submit(new_round, {"name": "2027 第一批", "opens_on": "2027-03-01", "closes_on": "2027-03-31",
                                       "quota": "10000", "budget_leftover": "skip"}, form_page=new_round)
    assert created.status_code == 302
    round_url = created.location
    round_id = int(round_url.rstrip("/").split("/")[-1])
    with county("jiashan") as session:
        assert session.scalar(select(ProgramRound.budget_leftover).where(ProgramRound.id == round_id)) == "skip"
    page = admin.get(round_url).get_data(as_text=True)
    assert "Skip it: a smaller grant below it may still be paid" in page

    people = []
    for level, need in (("phd", "major_illness"), ("master", "accident_disaster"), ("bachelor", "sudden_hardship")):
        person = make_user("jiashan", real_name="王小红")
        with county("jiashan") as session:  # points confirmed as a reviewer does: one education item
            application = Application(user_id=person.id, status="submitted")
            session.add(application)
            session.flush()
            session.add(DeclaredItem(application_id=application.id, item_type="education", department="education",
                                     status="verified", input={"level": level, "institution": "嘉兴学院",
                                                               "graduated_on": "2012-06-30"}))
            session.flush()
            ledger.confirm(session, application, actor="test")
            session.commit()
        browser = _browser(app, client, login, person)
        applied = browser.submit("/jiashan/programs/temporary_relief/apply", {"need": need, **FORM},
                                 form_page="/jiashan/programs/temporary_relief")
        assert applied.status_code == 302, applied.get_data(as_text=True)
        people.append(browser)
    mine = people[1].get("/jiashan/me/?lang=en").get_data(as_text=True)
    assert 'data-amount="5000.00"' in mine and "Grant asked for" in mine and "5000.00 yuan" in mine

    monkeypatch.setattr(clock, "today", lambda: date(2027, 4, 6))
    assert admin.submit(f"/jiashan/admin/rounds/{round_id}/run", {}, form_page=round_url).status_code == 302
    with county("jiashan") as session:
        run = session.scalars(select(RankingRun).where(RankingRun.round_id == round_id)).one()
        # 10,000 yuan: 8,000 to the first; 5,000 does not fit the 2,000 left, nor does 3,000 ("skip").
        assert run.allocated_count == 1
        amounts = sorted(session.scalars(select(ProgramApplication.amount)
                                         .where(ProgramApplication.round_id == round_id)))
        assert [str(a) for a in amounts] == ["3000.00", "5000.00", "8000.00"]
    admin.submit(f"/jiashan/admin/runs/{run.id}/current", {}, form_page=round_url)
    admin.submit(f"/jiashan/admin/rounds/{round_id}/publish", {"stage": "provisional", "confirm": "y"},
                 form_page=round_url)
    listing = client.get(f"/jiashan/programs/temporary_relief/rounds/{round_id}/list?lang=en").get_data(as_text=True)
    assert 'data-budget="10000"' in listing and "Grant (yuan)" in listing
    assert listing.count("data-amount") == 3 and "8000.00" in listing
    csv = client.get(f"/jiashan/programs/temporary_relief/rounds/{round_id}/list.csv").get_data(as_text=True)
    header = csv.splitlines()[1].split(",")
    assert header[-1] == "amount" and csv.splitlines()[2].endswith(",8000.00")
