"""The committee step of a program with ``committee_review`` (jifen.programs.committee): who sits on it, when
it may decide, what a new nomination after a withdrawal starts from, and the department setting it is named by."""

from __future__ import annotations

from datetime import date

import marshmallow as ma
import pytest
from sqlalchemy import select

from jifen.county.departments import CountyDepartment
from jifen.errors import ApplicationError
from jifen.models import ProgramApplication, ProgramRound, RankingRun, User
from jifen.programs import committee, rounds
from jifen.ranking import runs as ranking

BACHELOR = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2015-07-01"}
NOMINATION = {"employer": "嘉善某公司", "statement": "多年参加社区志愿服务，带动邻里互助。"}


@pytest.fixture
def nominated(applicant_with_points, county, on_day, open_round):
    """A Jiashan commendation round open from 1 March 2027 with one nomination; returns (round id, applicant)."""
    on_day(date(2027, 3, 2))
    person = applicant_with_points("jiashan", {"education": BACHELOR})
    round_id = open_round("jiashan", "commendation", quota=2)
    with county("jiashan") as session:
        program = rounds.programs(session)["commendation"]
        rounds.apply(session, program, session.scalar(select(User).where(User.id == person.id)), NOMINATION)
        session.commit()
    return round_id, person


def _loaded(session, round_id, person):
    found = session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))
    nomination = session.scalar(select(ProgramApplication).where(ProgramApplication.round_id == round_id,
                                                                 ProgramApplication.user_id == person.id))
    return found, nomination


def test_a_new_nomination_after_a_withdrawal_waits_for_the_committee_again(nominated, county, make_user):
    round_id, person = nominated
    member = make_user("jiashan", role="reviewer", department="civil_affairs")
    with county("jiashan") as session:
        found, nomination = _loaded(session, round_id, person)
        reviewer = session.scalar(select(User).where(User.id == member.id))
        committee.decide(session, found, nomination, {"decision": "approved"}, reviewer=reviewer)
        assert committee.counts(session, found) == committee.Counts(0, 1, 0)
        applicant = session.scalar(select(User).where(User.id == person.id))
        rounds.withdraw(session, found, applicant)
        assert committee.counts(session, found) == committee.Counts(0, 0, 0)
        rounds.apply(session, rounds.programs(session)["commendation"], applicant, NOMINATION)
        session.flush()
        assert (nomination.review_status, nomination.reviewed_by) == (None, None)
        assert committee.counts(session, found) == committee.Counts(1, 0, 0)


def test_decisions_end_when_the_round_is_ranked(nominated, county, make_user, on_day):
    round_id, person = nominated
    member = make_user("jiashan", role="reviewer", department="civil_affairs")
    on_day(date(2027, 4, 10))
    with county("jiashan") as session:
        found, nomination = _loaded(session, round_id, person)
        reviewer = session.scalar(select(User).where(User.id == member.id))
        committee.decide(session, found, nomination, {"decision": "approved"}, reviewer=reviewer)
        rounds.freeze_rules(session, found, actor="test")
        run = ranking.run(session, found, actor="test", seed=1)
        ranking.make_current(session, session.scalar(select(RankingRun).where(RankingRun.id == run.run_id)), "test")
        assert committee.refusal(session, found) is not None
        nomination.review_status = None  # as if it were still waiting: the round's state refuses first
        with pytest.raises(ApplicationError, match="ranked"):
            committee.decide(session, found, nomination, {"decision": "set_aside", "reason": "不符"}, reviewer=reviewer)
        session.rollback()


def test_only_the_committees_department_and_administrators_sit_on_it(county):
    with county("jiashan") as session:
        program = rounds.programs(session)["commendation"]
        other = rounds.programs(session)["hukou_transfer"]
        assert committee.department_of(session, program) == "civil_affairs"
        assert committee.may_decide(session, program, ("education", "civil_affairs"))
        assert not committee.may_decide(session, program, ("education",))
        assert committee.may_decide(session, program, None)  # a county administrator
        assert not committee.may_decide(session, other, None)  # no committee step at all
        assert [p.key for p in committee.committee_programs(session, ("civil_affairs",))] == ["commendation"]


def test_an_administrator_sees_the_nominations_and_another_program_has_no_committee_page(
        nominated, client_as, county):
    round_id, _person = nominated
    admin = client_as("jiashan", role="admin")
    page = admin.get(f"/jiashan/committee/rounds/{round_id}")
    assert page.status_code == 200 and 'data-review="waiting"' in page.get_data(as_text=True)
    assert 'data-committee="1-0-0"' in admin.get(f"/jiashan/admin/rounds/{round_id}").get_data(as_text=True)
    with county("jiashan") as session:
        other = rounds.create_round(session, rounds.programs(session)["hukou_transfer"],
                                    {"name": "2027 入户", "opens_on": "2027-03-01", "closes_on": "2027-03-31",
                                     "quota": 1}, actor="test")
        session.commit()
    assert admin.get(f"/jiashan/committee/rounds/{other.id}").status_code == 404
    applicant = client_as("jiashan")
    assert applicant.get(f"/jiashan/committee/rounds/{round_id}").status_code == 403


def test_a_department_setting_is_one_of_the_bound_countys_departments(county):
    class Settings(ma.Schema):
        department = ma.fields.String(validate=CountyDepartment())

    assert Settings().load({"department": "anything"}) == {"department": "anything"}  # no county: checked later
    with county("haining"):
        assert Settings().load({"department": "civil_affairs"}) == {"department": "civil_affairs"}
        with pytest.raises(ma.ValidationError):
            Settings().load({"department": "water_works"})


def test_a_run_waits_for_the_committee_but_a_simulation_does_not(nominated, county, on_day):
    round_id, person = nominated
    on_day(date(2027, 4, 10))
    with county("jiashan") as session:
        found, _nomination = _loaded(session, round_id, person)
        rounds.freeze_rules(session, found, actor="test")
        with pytest.raises(ranking.RankingError, match="committee"):
            ranking.run(session, found, actor="test", seed=1)
        assert ranking.simulate(session, found, quota=1, seed=1).input_count == 1
        session.rollback()
