"""The applicant's record (jifen.points.record): confirmed items with their points, dates and departments,
subtotals by category, deductions and family, read-only; what a program's check and check_eligibility see."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import date
from decimal import Decimal

import pytest
from flask_babel import force_locale
from sqlalchemy import event, select

from jifen import toolkit as tk
from jifen.county.context import current_county
from jifen.county.switching import set_plugin_enabled
from jifen.identity.national_id import check_digit
from jifen.models import FamilyMember, User
from jifen.points import eligibility, family
from jifen.points.record import ApplicantRecord, record_of
from jifen.programs import rounds

TODAY = date(2027, 5, 10)
EDUCATION = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2015-07-01"}
VOLUNTEER = {"kind": "volunteer", "amount": 100, "certified_by": "嘉善县志愿者协会"}


def detention(on: str) -> dict:
    return {"kind": "detention", "decided_on": on, "decided_by": "嘉善县公安局"}


def id_number(born: str, serial: int) -> str:
    first17 = f"330421{born}{serial:03d}"
    return first17 + check_digit(first17)


@pytest.fixture
def recorded(applicant_with_points, county, on_day):
    """A Jiashan applicant on 10 May 2027: a bachelor's degree (80), 100 hours of volunteering (4), a detention
    two years ago (-10, within Jiashan's 3 years) and one five years ago (0: lapsed); a spouse and a child."""
    on_day(TODAY)
    person = applicant_with_points("jiashan", [("education", EDUCATION), ("social_service", VOLUNTEER),
                                               ("deductions", detention("2025-05-01")),
                                               ("deductions", detention("2022-03-15"))])
    with county("jiashan") as session:
        user = session.get(User, (current_county(session).tenant.id, person.id))
        family.add(session, user, relation="spouse", real_name="王芳", id_number=id_number("19900307", 1))
        family.add(session, user, relation="child", real_name="小明", id_number=id_number("20180601", 2))
        session.commit()
    return person


def test_the_record_holds_the_confirmed_items_subtotals_deductions_and_family(recorded, county):
    with county("jiashan") as session:
        record = record_of(session, recorded.id)
    assert record.confirmed and record.as_of == TODAY
    assert record.total == recorded.total_points == Decimal("74.00")
    by_type = sorted((i.item_type, i.category, i.points, i.department) for i in record.items)
    assert by_type == [("deductions", "deductions", Decimal("-10.00"), "public_security"),
                       ("deductions", "deductions", Decimal("0.00"), "public_security"),
                       ("education", "personal_quality", Decimal("80.00"), "education"),
                       ("social_service", "social_service", Decimal("4.00"), "civil_affairs")]
    education = next(i for i in record.items if i.item_type == "education")
    assert education.on == date(2015, 7, 1) and education.verified_on == TODAY  # its own date, then the review's
    assert dict(record.subtotals) == {"personal_quality": Decimal("80.00"), "social_service": Decimal("4.00"),
                                      "deductions": Decimal("-10.00")}
    assert record.subtotal("social_service") == Decimal("4.00") and record.subtotal("awards") == 0
    assert [d.on for d in record.deductions] == [date(2025, 5, 1), date(2022, 3, 15)]  # newest first, lapsed too
    assert [d.on for d in record.deductions_within(3)] == [date(2025, 5, 1)]
    assert [d.on for d in record.deductions_within(6)] == [date(2025, 5, 1), date(2022, 3, 15)]
    assert record.deductions_within(2) == ()  # two full years on 1 May 2027
    assert [d.on for d in record.deductions_since(date(2022, 3, 15))] == [date(2025, 5, 1), date(2022, 3, 15)]
    assert record.spouse.birth_date == date(1990, 3, 7)
    assert [c.birth_date for c in record.children] == [date(2018, 6, 1)]


def test_items_are_named_for_people_by_their_kind_in_the_readers_language(recorded, county, app):
    with county("jiashan") as session:
        record = record_of(session, recorded.id)
    deduction = record.deductions[0]
    assert deduction.name_in("zh") == "行政拘留" and deduction.name_in("en") == "Administrative detention"
    with app.test_request_context("/"), force_locale("en"):
        assert str(tk.lazy_gettext("%(what)s", what=deduction.name)) == "Administrative detention"
    assert next(i for i in record.items if i.item_type == "education").name_in("zh")


def test_the_record_cannot_be_changed(recorded, county):
    with county("jiashan") as session:
        record = record_of(session, recorded.id)
    with pytest.raises(FrozenInstanceError):
        record.total = Decimal("999")
    with pytest.raises(TypeError):
        record.subtotals["awards"] = Decimal("1")
    with pytest.raises(FrozenInstanceError):
        record.items[0].points = Decimal("999")


def test_it_takes_two_queries_when_the_family_is_read_already(recorded, county):
    with county("jiashan") as session:
        user = session.get(User, (current_county(session).tenant.id, recorded.id))
        members = list(session.scalars(select(FamilyMember).where(FamilyMember.user_id == user.id)))
        current_county(session).item_types  # the County context is read once per binding anyway
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        engine = session.get_bind()
        event.listen(engine, "before_cursor_execute", listener)
        try:
            record = record_of(session, user.id, family=members)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
    assert len(record.items) == 4
    assert len([s for s in statements if s.lstrip().upper().startswith("SELECT")]) == 2, statements


def test_unconfirmed_points_make_an_empty_record(make_user, county, on_day):
    on_day(TODAY)
    person = make_user("jiashan")
    with county("jiashan") as session:
        record = record_of(session, person.id)
    assert (record.confirmed, record.total, record.items, record.deductions) == (False, 0, (), ())
    assert ApplicantRecord().as_of == TODAY and tk.ApplicantFacts().record.items == ()


def test_a_programs_check_sees_the_record_and_can_refuse_on_a_deduction(recorded, county):
    with county("jiashan") as session:
        user = session.get(User, (current_county(session).tenant.id, recorded.id))
        applicant = rounds.context_for(session, user)

    def check(fields, applicant, settings):
        recent = applicant.record.deductions_within(3)
        return [f"{recent[0].name_in('en')} on {recent[0].on}"] if recent else []

    assert applicant.record.total == Decimal("74.00")
    assert check({}, applicant, {}) == ["Administrative detention on 2025-05-01"]


class DeductionVeto:
    """A veto condition written against the toolkit: no deduction in the last three years."""

    @tk.hookimpl
    def check_eligibility(self, applicant, settings):
        recent = applicant.record.deductions_within(3)
        return [tk.Veto("recent_deduction", f"deduction on {recent[0].on}")] if recent else []


def test_check_eligibility_sees_the_record(recorded, county, install_plugin):
    install_plugin(DeductionVeto(), "deduction_veto")
    with county("jiashan") as session:
        set_plugin_enabled(session, "deduction_veto", True, actor="test")
        facts = eligibility.facts_for(session, recorded.id)
        found = eligibility.vetoes(current_county(session).hooks, facts)
        session.rollback()
    assert facts.record.total == Decimal("74.00") and len(facts.record.deductions) == 2
    assert [(v.key, v.message) for v in found] == [("recent_deduction", "deduction on 2025-05-01")]
