"""The what-if page of a round: sub-quotas per town checked as a round's are, messages in the person's
language by the field, values kept; the job page names the movers and gives each sub-quota's cutoff."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from jifen import references
from jifen.models import Job, ProgramApplication, ProgramRound, RankingRun
from jifen.points.rules import ensure_current_version
from jifen.ranking import runs as ranking
from jifen.county.tenancy import require_tenant
from tests.ledger_helpers import confirmed_points

A, B = "魏塘街道", "西塘镇"  # sorted: the page's fields sub-0 and sub-1 are A and B
FIELD = {town: f"sub-{i}" for i, town in enumerate(sorted([A, B]))}


@pytest.fixture
def towns_round(county, make_user):
    """Quota 9 (A 5, B 4), no second round; A has 6 applicants (150 ... 100), B 5 (145 ... 105); a current run."""
    people = [(A, 150 - 10 * i) for i in range(6)] + [(B, 145 - 10 * i) for i in range(5)]
    users = [make_user("jiashan", real_name="王小明") for _ in people]
    with county("jiashan") as session:
        version = ensure_current_version(session, actor="test").version
        found = ProgramRound(program_key="hukou_transfer", name="2026年积分入户", opens_on=date(2026, 9, 1),
                             closes_on=date(2026, 11, 30), quota=9, sub_quotas={A: 5, B: 4}, second_round=False,
                             rule_version=version)
        session.add(found)
        session.flush()
        numbers = {}
        for n, (user, (town, points)) in enumerate(zip(users, people)):
            confirmed_points(session, user.id, version, points)
            entry = ProgramApplication(reference=references.next_reference(session), round_id=found.id,
                                       user_id=user.id, sub_quota=town, applied_at=datetime(2026, 9, 10, 9, n))
            session.add(entry)
            session.flush()
            numbers[(town, points)] = entry.reference  # movers are named by their reference numbers
        outcome = ranking.run(session, found, actor="test", seed=1)
        ranking.make_current(session, session.get(RankingRun, (require_tenant().id, outcome.run_id)), "test")
        session.commit()
        return found.id, numbers


def _field_error(page: str, name: str) -> str:
    found = re.search(rf'<p class="error" id="{name}-error">([^<]*)</p>', page)
    return found.group(1) if found else ""


def test_the_form_asks_per_town_and_refuses_a_town_raised_without_the_quota(client_as, county, towns_round):
    round_id, _numbers = towns_round
    admin = client_as("jiashan", role="admin")
    url = f"/jiashan/admin/rounds/{round_id}/simulate"
    page = admin.get(url).get_data(as_text=True)
    assert 'name="quota" inputmode="numeric" value="9"' in page
    assert f'name="{FIELD[A]}" inputmode="numeric" value="5"' in page and f'<label for="{FIELD[A]}">{A}</label>' in page
    assert f'name="{FIELD[B]}" inputmode="numeric" value="4"' in page
    assert 'data-current-cutoff="110.00"' in page  # A's current cutoff (150 ... 110), shown by its field

    # A raised by 5, the quota not: refused, in Chinese (the default language), what was typed kept
    refused = admin.submit(url, {"quota": "9", FIELD[A]: "10", FIELD[B]: "4"})
    body = refused.get_data(as_text=True)
    assert refused.status_code == 400 and 'class="error-summary"' in body and 'href="#quota"' in body
    message = _field_error(body, "quota")
    assert "14" in message and "9" in message and "sub-quota" not in message  # translated
    assert f'name="{FIELD[A]}" inputmode="numeric" value="10"' in body

    admin.get("/jiashan/?lang=en")
    body = admin.submit(url, {"quota": "9", FIELD[A]: "10", FIELD[B]: "4"}).get_data(as_text=True)
    assert _field_error(body, "quota") == ("The sub-quotas add up to 14 places, not to the quota of 9: "
                                           "change the quota or a sub-quota so that they agree.")
    # a number is a number, by its field; nothing typed is lost
    bad = admin.submit(url, {"quota": "9", FIELD[A]: "abc", FIELD[B]: "\u0663", "setting": "education.points.college",
                             "value": "seventy"})
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert _field_error(body, FIELD[A]) == f"Enter the places of {A} as a whole number, from 1 to 10,000,000."
    assert _field_error(body, FIELD[B]).startswith(f"Enter the places of {B}")
    assert _field_error(body, "value") == "Enter the new points value as a number, such as 70 or 2.5."
    assert 'value="abc"' in body and 'value="seventy"' in body
    assert '<option value="education.points.college" selected>Education · ' in body  # the setting by its words
    outside = admin.submit(url, {"quota": "9", FIELD[A]: "6", FIELD[B]: "3", "setting": "education.points.college",
                                 "value": "100000"})
    assert _field_error(outside.get_data(as_text=True), "value") == (
        "The points tables do not allow this value for that setting.")
    unknown = admin.submit(url, {"quota": "9", FIELD[A]: "6", FIELD[B]: "3", "setting": "education.nothing",
                                 "value": "5"})
    assert _field_error(unknown.get_data(as_text=True), "setting") == "Choose the points value to change from the list."
    assert admin.submit(url, {"quota": "abc"}).status_code == 400
    unchanged = admin.submit(url, {"quota": "9", FIELD[A]: "5", FIELD[B]: "4"})
    assert unchanged.status_code == 400 and _field_error(unchanged.get_data(as_text=True), "quota").startswith(
        "Change the quota, a sub-quota or a points value")
    with county("jiashan") as session:
        assert session.scalar(select(func.count(Job.id))) == 0  # no refused form asked for a job


def test_raising_town_and_quota_shows_movers_and_each_cutoff(client_as, county, towns_round):
    round_id, numbers = towns_round
    admin = client_as("jiashan", role="admin")
    admin.get("/jiashan/?lang=en")
    url = f"/jiashan/admin/rounds/{round_id}/simulate"
    # A gets one place more and B one less, the quota stays: A's 6th (100) moves in, B's 4th (115) out
    done = admin.submit(url, {"quota": "9", FIELD[A]: "6", FIELD[B]: "3"}, follow_redirects=True)
    page = done.get_data(as_text=True)
    assert done.status_code == 200 and 'data-job-state="finished"' in page
    assert 'data-places="9"' in page and 'data-allocated="9"' in page
    assert 'data-cutoff="100.00"' in page and 'data-cutoff-before="110.00"' in page  # the round's
    assert re.search(rf'<tr data-sub-quota="{A}"><th scope="row">{A}</th><td>6</td><td data-allocated="6">6</td>'
                     r'<td data-cutoff="100.00">100.00</td><td>110.00</td></tr>', page)
    assert re.search(rf'<tr data-sub-quota="{B}"><th scope="row">{B}</th><td>3</td><td data-allocated="3">3</td>'
                     r'<td data-cutoff="125.00">125.00</td><td>115.00</td></tr>', page)
    moved_in, moved_out = numbers[(A, 100)], numbers[(B, 115)]
    assert 'data-moved-in="1"' in page and 'data-moved-out="1"' in page
    assert (f'<tr data-application="{moved_in}"><td>{moved_in}</td><td>王*明</td><td>{A}</td></tr>') in page
    assert (f'<tr data-application="{moved_out}"><td>{moved_out}</td><td>王*明</td><td>{B}</td></tr>') in page
    assert "王小明" not in page  # names are masked
    assert f"{FIELD[A]}=6" in page and f"{FIELD[B]}=3" in page  # "Another simulation" keeps the values

    # raising a town and the quota together allocates at most the new quota
    raised = admin.submit(url, {"quota": "14", FIELD[A]: "10", FIELD[B]: "4"}, follow_redirects=True)
    page = raised.get_data(as_text=True)
    assert 'data-places="14"' in page and 'data-allocated="10"' in page  # A has only 6 applicants
    with county("jiashan") as session:
        jobs = session.scalars(select(Job).where(Job.kind == "ranking.simulate").order_by(Job.created_at)).all()
        assert [job.params["sub_quotas"] for job in jobs] == [{A: 6, B: 3}, {A: 10, B: 4}]
        assert all(job.result["allocated"] <= job.params["quota"] for job in jobs)
        assert len(session.scalars(select(RankingRun).where(RankingRun.round_id == round_id)).all()) == 1
