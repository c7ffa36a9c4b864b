"""A round's states from draft to done, the steps each allows, window and objection-period changes,
the program's start date, and what switching a plugin off leaves unfinished."""

from datetime import date

import pytest
from sqlalchemy import select

from jifen.errors import ApplicationError
from jifen.models import AuditEvent, Offer, ProgramRound, RankingRun, User
from jifen.programs import offers, publication, states, unfinished
from jifen.programs import rounds as programs
from jifen.ranking import runs as ranking

EDUCATION = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2012-06-30"}
WINDOW = {"name": "2027 第一批", "opens_on": "2027-03-01", "closes_on": "2027-03-31", "quota": 1}


def _round(session, round_id) -> ProgramRound:
    return session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))


def _state(county, round_id) -> states.RoundState:
    with county("jiashan") as session:
        return states.state_of(session, _round(session, round_id))


@pytest.fixture
def hukou_round(county, on_day, applicant_with_points):
    """A Jiashan hukou round (March 2027, one place) created on 20 February, and two applicants."""
    on_day(date(2027, 2, 20))
    people = [applicant_with_points("jiashan", {"education": EDUCATION}) for _ in range(2)]
    with county("jiashan") as session:
        found = programs.create_round(session, programs.programs(session)["hukou_transfer"], WINDOW, actor="test")
        session.commit()
        return found.id, people


def test_a_round_goes_from_draft_to_done_and_each_state_allows_only_its_steps(county, on_day, hukou_round):
    round_id, people = hukou_round
    state = _state(county, round_id)
    assert state.name == states.DRAFT and state.allowed() == {states.CHANGE_WINDOW}
    on_day(date(2027, 3, 2))
    with county("jiashan") as session:
        program = programs.programs(session)["hukou_transfer"]
        for person in people:
            programs.apply(session, program, session.get(User, (_round(session, round_id).tenant_id, person.id)),
                           {"town": "魏塘街道"})
        session.commit()
    state = _state(county, round_id)
    assert state.name == states.OPEN and state.allowed() == {states.CHANGE_WINDOW}
    assert "still open" in str(states.refusal(state, states.RANK))

    on_day(date(2027, 4, 6))
    assert _state(county, round_id).allowed() == {states.RANK, states.MAKE_CURRENT}  # closed
    with county("jiashan") as session:
        found = _round(session, round_id)
        programs.freeze_rules(session, found, actor="test")
        run = session.get(RankingRun, (found.tenant_id, ranking.run(session, found, actor="test", seed=1).run_id))
        assert states.state_of(session, found).name == states.CLOSED  # a run, none current yet
        ranking.make_current(session, run, "test")
        session.commit()
    state = _state(county, round_id)
    assert state.name == states.RANKED
    assert state.allowed() == {states.RANK, states.MAKE_CURRENT, states.PUBLISH_PROVISIONAL}

    with county("jiashan") as session:
        publication.publish_provisional(session, _round(session, round_id), program, actor="test")
        session.commit()
    state = _state(county, round_id)
    assert state.name == states.PROVISIONAL and states.PUBLISH_FINAL not in state.allowed()
    assert states.CHANGE_PERIOD in state.allowed() and states.PUBLISH_PROVISIONAL not in state.allowed()
    assert "runs until" in str(states.refusal(state, states.PUBLISH_FINAL))

    on_day(date(2027, 4, 20))  # the five working days are over
    state = _state(county, round_id)
    assert state.name == states.DECIDED and states.PUBLISH_FINAL in state.allowed()
    with county("jiashan") as session:
        publication.publish_final(session, _round(session, round_id), actor="test")
        session.commit()
    state = _state(county, round_id)
    assert state.name == states.FINAL and state.allowed() == {states.MAKE_OFFERS}
    assert "can no longer be published as a provisional list" in str(states.refusal(state, states.PUBLISH_PROVISIONAL))
    assert "no longer ranked" in str(states.refusal(state, states.RANK))

    with county("jiashan") as session:
        [offer] = offers.make_offers(session, _round(session, round_id), actor="test")
        session.commit()
        offer_id = offer.id
    state = _state(county, round_id)
    assert state.name == states.OFFERS and state.allowed() == set()
    assert "no longer ranked" in str(states.refusal(state, states.RANK))
    with county("jiashan") as session:
        offer = session.scalar(select(Offer).where(Offer.id == offer_id))
        offers.accept(session, offer, session.get(User, (offer.tenant_id, offer.user_id)))
        session.commit()
    assert _state(county, round_id).name == states.DONE


def test_the_ranking_job_refuses_a_round_whose_final_list_is_out(county, on_day, hukou_round):
    from jifen.programs.background import rank_round

    round_id, _people = hukou_round
    on_day(date(2027, 4, 6))
    with county("jiashan") as session:
        found = _round(session, round_id)
        programs.freeze_rules(session, found, actor="test")
        run = session.get(RankingRun, (found.tenant_id, ranking.run(session, found, actor="test", seed=1).run_id))
        ranking.make_current(session, run, "test")
        publication.publish_provisional(session, found, programs.programs(session)["hukou_transfer"], actor="test")
        session.commit()
    on_day(date(2027, 4, 20))
    with county("jiashan") as session:
        publication.publish_final(session, _round(session, round_id), actor="test")
        session.commit()

    class Work:
        params, actor = {"round_id": round_id}, "test"

        def progress(self, *args):
            pass

    with county("jiashan") as session:
        with pytest.raises(ApplicationError, match="no longer ranked"):
            rank_round(session, Work())
        assert len(session.scalars(select(RankingRun).where(RankingRun.round_id == round_id)).all()) == 1


def test_a_round_cannot_open_before_the_program_starts_in_the_county(county, on_day):
    on_day(date(2027, 3, 1))  # Haining brings hukou transfer in on 2027-09-01
    with county("haining") as session:
        program = programs.programs(session)["hukou_transfer"]
        with pytest.raises(ApplicationError) as refused:
            programs.create_round(session, program, {**WINDOW, "opens_on": "2027-08-31", "closes_on": "2027-09-30"},
                                  actor="test")
        assert "2027-09-01" in str(refused.value.messages["opens_on"][0])
        session.rollback()
        found = programs.create_round(session, program, {**WINDOW, "opens_on": "2027-09-01",
                                                         "closes_on": "2027-09-30"}, actor="test")
        with pytest.raises(ApplicationError, match="2027-09-01"):  # nor be moved before it
            programs.change_window(session, program, found, {"opens_on": "2027-08-15", "closes_on": "2027-09-30",
                                                             "reason": "提前开放"}, actor="test")


def test_a_draft_round_has_its_dates_corrected_and_an_open_one_closes_early_with_the_reason_recorded(
        county, on_day, hukou_round):
    round_id, _people = hukou_round
    with county("jiashan") as session:
        program, found = programs.programs(session)["hukou_transfer"], _round(session, round_id)
        with pytest.raises(ApplicationError) as no_reason:
            programs.change_window(session, program, found, {"opens_on": "2027-03-05", "closes_on": "2027-04-05"},
                                   actor="test")
        assert "reason" in no_reason.value.messages
        with pytest.raises(ApplicationError) as past:
            programs.change_window(session, program, found, {"opens_on": "2027-02-19", "closes_on": "2027-04-05",
                                                             "reason": "录入错误"}, actor="admin:1")
        assert "opens_on" in past.value.messages
        programs.change_window(session, program, found, {"opens_on": "2027-03-05", "closes_on": "2027-04-05",
                                                         "reason": "录入错误"}, actor="admin:1")
        session.commit()
        assert (found.opens_on, found.closes_on) == (date(2027, 3, 5), date(2027, 4, 5))
    on_day(date(2027, 3, 10))
    with county("jiashan") as session:
        program, found = programs.programs(session)["hukou_transfer"], _round(session, round_id)
        with pytest.raises(ApplicationError) as moved:
            programs.change_window(session, program, found, {"opens_on": "2027-03-06", "closes_on": "2027-04-05",
                                                             "reason": "改期"}, actor="test")
        assert "only its closing date" in str(moved.value.message)
        with pytest.raises(ApplicationError) as too_early:
            programs.change_window(session, program, found, {"closes_on": "2027-03-08", "reason": "名额已满"},
                                   actor="test")
        assert "2027-03-09" in str(too_early.value.messages["closes_on"][0])
        programs.change_window(session, program, found, {"closes_on": "2027-03-09", "reason": "名额已满"},
                               actor="admin:1")
        session.commit()
        assert states.state_of(session, found).name == states.CLOSED  # closed from today
        changes = programs.changes_of(session, found)
        assert [c.details["reason"] for c in changes] == ["名额已满", "录入错误"]
        assert changes[0].details["before"] == ["2027-03-05", "2027-04-05"]
        assert changes[0].details["after"] == ["2027-03-05", "2027-03-09"]


def test_the_objection_period_is_extended_or_ended_with_the_reason_recorded(county, hand_ranked_round, on_day):
    built = hand_ranked_round(publish=True)  # 1 March 2027, five working days: until 5 March
    with county("jiashan") as session:
        found = _round(session, built["round"])
        provisional = publication.latest(session, found)
        assert provisional.ends_on == date(2027, 3, 5)
        with pytest.raises(ApplicationError) as silent:
            publication.change_period(session, found, provisional, date(2027, 3, 12), "", actor="test")
        assert "reason" in silent.value.messages
        publication.change_period(session, found, provisional, date(2027, 3, 12), "系统故障两天", actor="admin:1")
        session.commit()
    on_day(date(2027, 3, 10))
    with county("jiashan") as session:
        found = _round(session, built["round"])
        provisional = publication.latest(session, found)
        assert provisional.ends_on == date(2027, 3, 12) and publication.in_objection_period(provisional)
        publication.change_period(session, found, provisional, None, "复核完毕，提前结束", actor="admin:1")
        session.commit()
        assert not publication.in_objection_period(publication.latest(session, found))
        assert states.state_of(session, found).name == states.DECIDED
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "publication.period_changed")
                                 .order_by(AuditEvent.seq)).all()
        assert [(e.details["before"], e.details["after"]) for e in events] == [
            ("2027-03-05", "2027-03-12"), ("2027-03-12", "2027-03-09")]


def test_switching_off_a_program_or_an_item_lists_the_rounds_it_leaves_unfinished(county, on_day, hukou_round):
    round_id, _people = hukou_round
    with county("jiashan") as session:
        left = unfinished.left_unfinished(session, "hukou_transfer")
        assert [(u.round.id, u.state.name) for u in left] == [(round_id, states.DRAFT)]
        assert unfinished.left_unfinished(session, "education") == []  # no round has frozen rules yet
        assert unfinished.left_unfinished(session, "kindergarten") == []
    on_day(date(2027, 4, 6))
    with county("jiashan") as session:
        programs.freeze_rules(session, _round(session, round_id), actor="test")
        session.commit()
        [item] = unfinished.left_unfinished(session, "education")
        assert (item.round.id, item.item.key, item.rule_version) == (round_id, "education",
                                                                     _round(session, round_id).rule_version)
