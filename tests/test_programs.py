"""Service programs: rollout dates, rounds and their windows, applying with the program's own checks."""

from datetime import date

import pytest
from sqlalchemy import select

from jifen.programs import rounds as programs
from jifen.points.applications import ApplicationError
from jifen.identity.national_id import check_digit
from jifen.models import Application, ProgramApplication, User


def confirmed_applicant(county, make_user, slug, points="90"):
    person = make_user(slug)
    with county(slug) as session:
        session.add(Application(user_id=person.id, status="confirmed", total_points=points))
        session.commit()
    return person


def make_round(county, slug, key, **fields):
    data = {"name": "2027 第一批", "opens_on": "2027-01-01", "closes_on": "2027-12-31", "quota": 10}
    data.update(fields)
    with county(slug) as session:
        found = programs.create_round(session, programs.programs(session)[key], data, actor="test")
        session.commit()
        return found.id


def test_haining_hukou_cannot_be_applied_for_before_its_start_date_jiashan_can(client, county, make_user, login, on_day):
    on_day(date(2027, 3, 1))
    make_round(county, "jiashan", "hukou_transfer")
    make_round(county, "haining", "hukou_transfer", opens_on="2027-09-01")  # not before the program starts there
    jiashan = confirmed_applicant(county, make_user, "jiashan")
    haining = confirmed_applicant(county, make_user, "haining")

    page = client.get("/haining/programs/hukou_transfer?lang=en").get_data(as_text=True)
    assert 'data-state="coming"' in page and "2027-09-01" in page
    assert 'data-coming="2027-09-01"' in client.get("/haining/").get_data(as_text=True)

    login(client, haining)
    refused = client.submit("/haining/programs/hukou_transfer/apply", {"town": "硖石街道"},
                            form_page="/haining/programs/hukou_transfer")
    assert refused.status_code == 400 and "starts in this county on 2027-09-01" in refused.get_data(as_text=True)

    other = client.application.test_client()
    other.__class__ = type(client)
    login(other, jiashan)
    assert 'data-state="open"' in other.get("/jiashan/programs/hukou_transfer").get_data(as_text=True)
    accepted = other.submit("/jiashan/programs/hukou_transfer/apply", {"town": "魏塘街道"},
                            form_page="/jiashan/programs/hukou_transfer")
    assert accepted.status_code == 302
    with county("jiashan") as session:
        assert session.scalar(select(ProgramApplication.sub_quota).where(ProgramApplication.user_id == jiashan.id)) == "魏塘街道"
    with county("haining") as session:
        assert session.scalar(select(ProgramApplication.id).where(ProgramApplication.user_id == haining.id)) is None

    on_day(date(2027, 10, 1))  # after Haining's start date
    assert client.submit("/haining/programs/hukou_transfer/apply", {"town": "硖石街道"},
                         form_page="/haining/programs/hukou_transfer").status_code == 302


def test_outside_the_window_the_applicant_is_told_when_the_next_one_opens(county, make_user, on_day):
    on_day(date(2027, 5, 1))
    make_round(county, "jiashan", "public_rental_housing", opens_on="2027-06-01", closes_on="2027-06-30")
    person = confirmed_applicant(county, make_user, "jiashan")
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == person.id))
        program = programs.programs(session)["public_rental_housing"]
        with pytest.raises(ApplicationError, match="next round opens on 2027-06-01"):
            programs.apply(session, program, user, {"household_income": 30000, "floor_area_per_person": 8,
                                                    "household_size": 3})


def test_program_checks_refuse_with_their_reason(county, make_user, on_day):
    on_day(date(2027, 5, 1))
    make_round(county, "jiashan", "public_rental_housing")
    make_round(county, "jiashan", "school_enrollment", sub_quotas={"魏塘一小": 6, "罗星小学": 4})
    person = confirmed_applicant(county, make_user, "jiashan")
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == person.id))
        rental = programs.programs(session)["public_rental_housing"]
        with pytest.raises(ApplicationError, match="Household income above"):
            programs.apply(session, rental, user, {"household_income": 90000, "floor_area_per_person": 8,
                                                   "household_size": 3})
        school = programs.programs(session)["school_enrollment"]
        with pytest.raises(ApplicationError, match="declare the child on the Family page"):
            programs.apply(session, school, user, {"child_name": "小红", "school": "魏塘一小"})
        from jifen.points import family

        first17 = "33042120210915002"  # born 2021-09-15: 5 on 31 August 2027, too young for school
        family.add(session, user, relation="child", real_name="小红", id_number=first17 + check_digit(first17))
        with pytest.raises(ApplicationError, match="years old"):
            programs.apply(session, school, user, {"child_name": "小红", "school": "魏塘一小"})
        first17 = "33042120200315002"
        family.add(session, user, relation="child", real_name="小明", id_number=first17 + check_digit(first17))
        with pytest.raises(ApplicationError, match="Choose one of"):
            programs.apply(session, school, user, {"child_name": "小明", "school": "不存在的学校"})
        applied = programs.apply(session, school, user, {"child_name": "小明", "school": "罗星小学"})
        assert applied.sub_quota == "罗星小学"
        with pytest.raises(ApplicationError, match="applied in this round already"):
            programs.apply(session, school, user, {"child_name": "小明", "school": "罗星小学"})


def test_points_must_be_confirmed_before_applying(county, make_user, on_day):
    on_day(date(2027, 5, 1))
    make_round(county, "jiashan", "hukou_transfer")
    person = make_user("jiashan")
    with county("jiashan") as session:
        user = session.scalar(select(User).where(User.id == person.id))
        with pytest.raises(ApplicationError, match="must be confirmed"):
            programs.apply(session, programs.programs(session)["hukou_transfer"], user, {"town": "魏塘街道"})


def test_round_form_errors_keep_input(client, make_user, login, on_day):
    on_day(date(2027, 1, 10))
    login(client, make_user("jiashan", role="admin"))
    client.get("/jiashan/?lang=en")
    bad = client.submit("/jiashan/admin/programs/school_enrollment/rounds/new",
                        {"name": "2027 秋季入学", "opens_on": "2027-06-30", "closes_on": "2027-06-01", "quota": "10",
                         "sub_quotas": "魏塘一小: 6\n罗星小学: 3"})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "closes before it opens" in html and 'value="2027 秋季入学"' in html
    assert "罗星小学: 3" in html
    missing_quota = client.submit("/jiashan/admin/programs/school_enrollment/rounds/new",
                                  {"name": "2027 补录", "opens_on": "2027-06-01", "closes_on": "2027-06-30"})
    assert missing_quota.status_code == 400 and "give the quota" in missing_quota.get_data(as_text=True)
    ok = client.submit("/jiashan/admin/programs/school_enrollment/rounds/new",
                       {"name": "2027 秋季入学", "opens_on": "2027-06-01", "closes_on": "2027-06-30", "quota": "10",
                        "sub_quotas": "魏塘一小: 6\n罗星小学: 4"})
    assert ok.status_code == 302
    detail = client.get(ok.location).get_data(as_text=True)
    assert "魏塘一小: 6" in detail and 'data-applications="0"' in detail
    overlap = client.submit("/jiashan/admin/programs/school_enrollment/rounds/new",
                            {"name": "2027 第二批", "opens_on": "2027-06-15", "closes_on": "2027-07-15", "quota": "5"})
    assert overlap.status_code == 400 and "overlaps" in overlap.get_data(as_text=True)


def test_rules_are_frozen_at_the_close_of_the_window(county, on_day):
    on_day(date(2027, 5, 1))
    round_id = make_round(county, "jiashan", "hukou_transfer", opens_on="2027-03-01", closes_on="2027-04-30")
    with county("jiashan") as session:
        from jifen.models import ProgramRound, RuleVersion

        found = session.scalar(select(ProgramRound).where(ProgramRound.id == round_id))
        version = programs.freeze_rules(session, found, actor="test")
        assert version == session.scalar(select(RuleVersion.version).order_by(RuleVersion.version.desc()).limit(1))
        assert programs.freeze_rules(session, found, actor="test") == version  # frozen once
