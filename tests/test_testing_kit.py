"""The test kit's own fixtures and markers: client_as, applicant_with_points, install_plugin, with_plugins."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from jifen.county.context import current_county

from jifen.plugin.hookspecs import hookimpl
from jifen.models import Application, AuditEvent, DeclaredItem, LedgerEntry
from jifen.plugin.kinds import ServiceProgram
from jifen.plugin.manager import installed_plugins

DEGREE = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2012-07-01"}


class Lottery:
    @hookimpl
    def register_service_programs(self):
        return [ServiceProgram(key="kit_lottery", names={"zh": "摇号", "en": "Lottery"}, quota_mode="threshold")]


def programs_on(client, slug):
    return set(re.findall(r'data-program="([a-z0-9_]+)"', client.get(f"/{slug}/").get_data(as_text=True)))


@pytest.mark.parametrize("role, page, allowed", [
    ("applicant", "/jiashan/me/", True), ("applicant", "/jiashan/admin/", False),
    ("reviewer", "/jiashan/review/", True), ("admin", "/jiashan/admin/plugins", True),
])
def test_client_as_gives_a_logged_in_client_per_role(client_as, role, page, allowed):
    client = client_as("jiashan", role=role)
    assert client.user.role == role and client.user.tenant == "jiashan"
    assert client.get(page).status_code == (200 if allowed else 403)


def test_client_as_gives_a_reviewer_the_countys_first_department_and_logs_in_existing_users(client_as, make_user):
    assert client_as("haining", role="reviewer").user.department == "education"
    someone = make_user("haining", real_name="王新居")
    assert client_as(someone).get("/haining/me/").status_code == 200


def test_applicant_with_points_goes_the_whole_way_to_confirmed_points(applicant_with_points, county):
    person = applicant_with_points("jiashan", {"education": DEGREE, "age": {"birth_date": "1995-05-01"}}, town="魏塘街道")
    assert person.total_points == Decimal("85")  # bachelor 80 + age 18-35 5 (Jiashan's table)
    with county("jiashan") as session:
        application = session.scalar(select(Application).where(Application.id == person.application_id))
        assert application.status == "confirmed" and application.total_points == Decimal("85")
        assert {i.status for i in session.scalars(select(DeclaredItem))} == {"verified"}
        assert session.scalar(select(LedgerEntry.points).where(LedgerEntry.item_type == "education")) == Decimal("80")
        actions = set(session.scalars(select(AuditEvent.action)))
        assert {"item.declared", "application.submitted", "item.verified", "application.confirmed"} <= actions


def test_applicant_with_points_samples_an_item_by_default_and_names_disabled_items(applicant_with_points):
    assert applicant_with_points("jiashan").total_points >= 0
    with pytest.raises(AssertionError, match=r"not enabled in this county: \['no_such_item'\]"):
        applicant_with_points("jiashan", {"no_such_item": {}})


@pytest.mark.with_plugins("family_planning", county="haining")
def test_with_plugins_enables_through_the_core_and_is_audited(county):

    with county("haining") as session:
        assert "family_planning" in current_county(session).enabled
        event = session.scalars(select(AuditEvent).where(AuditEvent.target_id == "family_planning")
                                .order_by(AuditEvent.seq.desc())).first()
        assert (event.action, event.actor) == ("plugin.enabled", "test")


@pytest.mark.with_plugins("kit_lottery", county="jiashan", install={"kit_lottery": Lottery()})
def test_with_plugins_installs_an_object_for_one_county(client):
    assert "kit_lottery" in installed_plugins()
    assert "kit_lottery" in programs_on(client, "jiashan") and "kit_lottery" not in programs_on(client, "haining")


def test_an_object_installed_for_a_test_is_gone_afterwards():
    assert "kit_lottery" not in installed_plugins()


@pytest.mark.with_plugins("kit_lottery", install={"kit_lottery": Lottery()})
def test_with_plugins_without_a_county_enables_it_in_every_loaded_county(client):
    assert all("kit_lottery" in programs_on(client, slug) for slug in ("jiashan", "haining"))


def test_install_plugin_installs_for_this_test_only(install_plugin, client, cli):
    install_plugin(Lottery(), "kit_lottery")
    assert "kit_lottery" not in programs_on(client, "jiashan")  # installed, not yet enabled anywhere
    assert cli("plugins", "enable", "--tenant", "jiashan", "kit_lottery").exit_code == 0
    assert "kit_lottery" in programs_on(client, "jiashan")


@pytest.mark.with_plugins("sanitation_bonus", county=["haining"], settings={"sanitation_bonus": {"points": "12"}})
def test_with_plugins_gives_settings(county):

    with county("haining") as session:
        assert current_county(session).settings_of("sanitation_bonus")["points"] == "12"
    with county("jiashan") as session:
        assert current_county(session).settings_of("sanitation_bonus") == {}


def test_on_day_sets_the_platforms_clock_for_the_test(client, on_day):
    from datetime import date

    from jifen import clock

    on_day(date(2027, 8, 31))
    assert clock.today() == date(2027, 8, 31)
    assert 'data-state="coming"' in client.get("/haining/programs/hukou_transfer").get_data(as_text=True)
    on_day(date(2027, 9, 1))  # Haining's hukou transfer starts
    assert 'data-state="coming"' not in client.get("/haining/programs/hukou_transfer").get_data(as_text=True)
