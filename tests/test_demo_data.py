"""``jifen demo-data``: synthetic applicants with confirmed applications, for demos and benchmarks."""

from decimal import Decimal

import marshmallow as ma
import pytest
from sqlalchemy import func, select

from jifen.cli import demo_data
from jifen.identity import national_id, passwords, protect
from jifen.models import ApplicantProfile, Application, AuditEvent, DeclaredItem, LedgerEntry, User
from jifen.models.application import CONFIRMED, ITEM_VERIFIED
from jifen.plugin.kinds import ScoreItemType
from jifen.points.rules import county_item_types


def _demo_users(session):
    return session.scalars(select(User).where(User.mobile.like("145%")).order_by(User.mobile)).all()


def _count(session, model):
    # count(attribute): a bare count(*) FROM escapes the session's county scoping on SQLite
    column = getattr(model, model.__mapper__.primary_key[-1].key)
    return session.scalar(select(func.count(column)))


def _items_by_user(session):
    rows = session.execute(
        select(Application.user_id, DeclaredItem.item_type, DeclaredItem.input, DeclaredItem.status)
        .join(DeclaredItem, (DeclaredItem.application_id == Application.id) & (DeclaredItem.tenant_id == Application.tenant_id))
        .order_by(DeclaredItem.id)
    )
    found = {}
    for user_id, item_type, data, status in rows:
        found.setdefault(user_id, []).append((item_type, data, status))
    return found


def test_creates_count_applicants_with_confirmed_applications_and_no_ledger(cli, county):
    result = cli("demo-data", "--tenant", "jiashan", "--count", "25", "--seed", "4", "--batch-size", "10")
    assert result.exit_code == 0, result.output
    assert "jiashan: 25 synthetic applicants created" in result.output
    assert "jifen points rescore --tenant jiashan" in result.output
    with county("jiashan") as session:
        users = _demo_users(session)
        assert len(users) == 25 and {u.role for u in users} == {"applicant"}
        assert [u.mobile for u in users] == [f"145{n:08d}" for n in range(1, 26)]
        assert _count(session, ApplicantProfile) >= 25
        applications = session.scalars(select(Application).where(Application.user_id.in_([u.id for u in users]))).all()
        assert len(applications) == 25
        assert {a.status for a in applications} == {CONFIRMED}
        assert {a.rule_version for a in applications} == {None} and {a.total_points for a in applications} == {None}
        items = _items_by_user(session)
        assert all(2 <= len(items[u.id]) <= 8 for u in users)
        assert {status for rows in items.values() for _, _, status in rows} == {ITEM_VERIFIED}
        assert _count(session, LedgerEntry) == 0
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "demo_data.created")).all()
        assert len(audit) == 1 and audit[0].details["count"] == 25 and audit[0].details["seed"] == 4
        # One password for all, hashed once, and it works.
        assert len({u.password_hash for u in users}) == 1
        assert passwords.verify_password(users[0].password_hash, demo_data.DEMO_PASSWORD)


def test_a_seed_gives_the_same_people_and_items(cli, county):
    assert cli("demo-data", "--tenant", "jiashan", "--count", "12", "--seed", "7").exit_code == 0
    with county("jiashan") as session:
        types = demo_data.sampleable_types(county_item_types(session))
        users = _demo_users(session)
        items = _items_by_user(session)
        stored = [(u.real_name, protect.decrypt(u.id_number_encrypted), u.mobile,
                   [(t, d) for t, d, _ in items[u.id]]) for u in users]
        profile = session.get(ApplicantProfile, (users[0].tenant_id, users[0].id))
    expected = [demo_data.make_applicant(7, serial, types) for serial in range(1, 13)]
    assert stored == [(a.real_name, a.id_number, a.mobile, [(i.item_type, i.input) for i in a.items]) for a in expected]
    assert (profile.permit_number, profile.employer, profile.works_in_county_since) == (
        expected[0].permit_number, expected[0].employer, expected[0].works_in_county_since)
    # Pure: the same seed and serial give the same applicant; another seed gives other people.
    assert demo_data.make_applicant(7, 3, types) == expected[2]
    other = [demo_data.make_applicant(8, serial, types) for serial in range(1, 13)]
    assert [a.real_name for a in other] != [a.real_name for a in expected]

    # A second run numbers on: no clash with the first run's mobiles or ID numbers.
    result = cli("demo-data", "--tenant", "jiashan", "--count", "3", "--seed", "7")
    assert result.exit_code == 0, result.output
    assert "14500000013-14500000015" in result.output
    with county("jiashan") as session:
        assert len(_demo_users(session)) == 15


def test_every_item_passes_its_type_input_schema_and_ids_are_valid(cli, county):
    assert cli("demo-data", "--tenant", "haining", "--count", "40", "--seed", "11").exit_code == 0
    with county("haining") as session:
        types = county_item_types(session)
        items = _items_by_user(session)
        users = _demo_users(session)
        for rows in items.values():
            for item_type, data, _ in rows:
                assert item_type in types
                assert types[item_type].input_schema().validate(data) == {}, (item_type, data)
        numbers = [protect.decrypt(u.id_number_encrypted) for u in users]
        assert all(national_id.is_valid(n) for n in numbers)
        assert all(n[17] == national_id.check_digit(n[:17]) for n in numbers)
        assert len(set(numbers)) == len(numbers)
        assert [u.id_number_hash for u in users] == [protect.lookup_hash(n) for n in numbers]
        assert all(not n.startswith("33") for n in numbers)  # never a Zhejiang number of a real test or demo account


def test_id_numbers_never_repeat_across_serials():
    numbers = [demo_data.demo_id_number(serial) for serial in range(1, 50_001)]
    assert len(set(numbers)) == len(numbers)
    assert all(national_id.is_valid(n) for n in numbers[:2000])


def test_rows_only_in_the_bound_county(cli, county):
    with county("haining") as session:
        before = {m.__name__: _count(session, m) for m in (User, ApplicantProfile, Application, DeclaredItem, AuditEvent)}
    assert cli("demo-data", "--tenant", "jiashan", "--count", "8").exit_code == 0
    with county("haining") as session:
        after = {m.__name__: _count(session, m) for m in (User, ApplicantProfile, Application, DeclaredItem, AuditEvent)}
        assert _demo_users(session) == []
    assert after == before
    with county("jiashan") as session:
        tenant_ids = {u.tenant_id for u in _demo_users(session)}
        assert len(tenant_ids) == 1


def test_refused_in_production(app, cli, county):
    app.config["JIFEN_ENV"] = "production"
    result = cli("demo-data", "--tenant", "jiashan", "--count", "5")
    assert result.exit_code != 0 and "not created in production" in result.output
    with county("jiashan") as session:
        with pytest.raises(demo_data.DemoDataError, match="production"):
            demo_data.create_applicants(session, 5)
        assert _demo_users(session) == []


def test_clear_errors(cli):
    unknown = cli("demo-data", "--tenant", "atlantis", "--count", "5")
    assert unknown.exit_code != 0 and "no county called 'atlantis'" in unknown.output
    zero = cli("demo-data", "--tenant", "jiashan", "--count", "0")
    assert zero.exit_code == 2 and "--count" in zero.output


class _Nothing(ma.Schema):
    pass


def _type(key, aggregate, sample=True, category="basic_status"):
    return ScoreItemType(key=key, category=category, names={"zh": key, "en": key}, input_schema=_Nothing,
                         department="police", score=lambda data, settings: Decimal("1"), aggregate=aggregate,
                         sample=(lambda rng: {"n": rng.randint(1, 9)}) if sample else None)


def test_single_items_are_declared_at_most_once_and_types_without_sample_are_skipped():
    types = demo_data.sampleable_types({t.key: t for t in (
        _type("age", "single"), _type("residence", "single"), _type("awards", "sum"), _type("hidden", "max", sample=False))})
    assert [t.key for t in types] == ["age", "awards", "residence"]
    for serial in range(1, 300):
        applicant = demo_data.make_applicant(5, serial, types)
        keys = [i.item_type for i in applicant.items]
        assert 2 <= len(keys) <= 8
        assert keys.count("age") <= 1 and keys.count("residence") <= 1 and "hidden" not in keys
    only_single = demo_data.sampleable_types({"age": _type("age", "single")})
    assert all(len(demo_data.make_applicant(5, s, only_single).items) == 1 for s in range(1, 20))


def test_deductions_are_drawn_less_often_than_other_items():
    types = demo_data.sampleable_types({t.key: t for t in (
        _type("awards", "sum", category="awards"), _type("offences", "sum", category="deductions"))})
    drawn = [i.item_type for serial in range(1, 500) for i in demo_data.make_applicant(2, serial, types).items]
    assert 0 < drawn.count("offences") < drawn.count("awards") / 5


def test_ctrl_c_keeps_and_audits_the_committed_batches(cli, county, monkeypatch):
    real_write = demo_data._write_batch
    calls = {"n": 0}

    def interrupted_write(*args):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real_write(*args)

    monkeypatch.setattr(demo_data, "_write_batch", interrupted_write)
    result = cli("demo-data", "--tenant", "jiashan", "--count", "50", "--batch-size", "10")
    assert result.exit_code == 130, result.output
    assert "interrupted; 20 synthetic applicants were created" in result.output
    with county("jiashan") as session:
        assert len(_demo_users(session)) == 20
        audit = session.scalars(select(AuditEvent).where(AuditEvent.action == "demo_data.created")).all()
        assert [(a.details["count"], a.details.get("interrupted")) for a in audit] == [(20, True)]
    monkeypatch.setattr(demo_data, "_write_batch", real_write)
    result = cli("demo-data", "--tenant", "jiashan", "--count", "5")  # numbers on after the interrupted run
    assert result.exit_code == 0 and "14500000021-14500000025" in result.output
