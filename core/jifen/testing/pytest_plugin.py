"""Pytest fixtures and markers for Jifen and its plugins, registered with pytest through the
``pytest11`` entry point of the ``jifen`` distribution: installing Jifen is enough to use them.

Fixtures
    ``app``                  a fresh application on a fresh database with the counties of
                             ``JIFEN_TENANTS_DIR`` loaded; every test using it runs once on SQLite
                             and once on PostgreSQL
    ``client``               Flask test client of ``app`` with :meth:`JifenClient.submit` for CSRF forms
    ``client_as``            ``client_as("<slug>", role="admin")``: a new client logged in as a new
                             user with that role (or ``client_as(user)`` for an existing one)
    ``county``               ``with county("<slug>") as session:`` binds a county in an app context
    ``make_user``            creates a user in a county and returns its login details
    ``applicant_with_points`` an applicant whose declared items are verified and points confirmed
    ``login``                logs a client in as a user of a county
    ``cli``                  runs ``jifen`` commands against ``app``
    ``install_plugin``       installs a plugin object for one test (unregistered afterwards)
    ``on_day``               ``on_day(date)``: the platform's clock says it is that day (rounds, start dates)
    ``jifen_config``         override it to change the configuration of ``app``

Markers
    ``with_plugins(*names, county=None, settings=None, install=None)``  switches plugins on (through
        the core's enablement, audited) in the named counties, all loaded ones by default, before
        the test; ``install`` maps names to plugin objects to install for the test first
    ``postgres_only``, ``sqlite_only``  run an ``app`` test on one database only

Database selection: ``--jifen-databases=sqlite,postgresql`` (or env ``JIFEN_TEST_DATABASES``).
With ``JIFEN_REQUIRE_POSTGRES=1`` an unreachable PostgreSQL fails the run instead of skipping.
docs/plugin_author_guide.md documents every fixture and marker.
"""

from __future__ import annotations

import io
import os
import random
import re
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from jifen.county.context import current_county

from jifen.config import REPO_ROOT
from jifen.testing.databases import PostgresTestDatabase, PostgresUnavailable, SqliteTestDatabase

_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')
DEFAULT_PASSWORD = "Test-pass-2026"
_PG_STATE = {"passed": 0, "skip_reason": None}  # for the closing summary: did the PostgreSQL half run?


def pytest_addoption(parser):
    parser.addoption(
        "--jifen-databases",
        default=os.environ.get("JIFEN_TEST_DATABASES", "sqlite,postgresql"),
        help="comma-separated database kinds to run app tests on (sqlite, postgresql)",
    )


def pytest_configure(config):
    from jifen.identity.passwords import use_cheap_hashes_for_tests

    use_cheap_hashes_for_tests()
    config.addinivalue_line("markers", "postgres_only: runs only against PostgreSQL")
    config.addinivalue_line("markers", "sqlite_only: runs only against SQLite")
    config.addinivalue_line(
        "markers",
        "with_plugins(*names, county=None, settings=None, install=None): switch these plugins on in the "
        "named counties (default: every loaded county) before the test; install maps names to plugin "
        "objects to install for the test",
    )
    _PG_STATE.update(passed=0, skip_reason=None)


def pytest_generate_tests(metafunc):
    if "jifen_database" in metafunc.fixturenames:
        kinds = [k.strip() for k in metafunc.config.getoption("--jifen-databases").split(",") if k.strip()]
        if metafunc.definition.get_closest_marker("postgres_only"):
            kinds = [k for k in kinds if k == "postgresql"]
        if metafunc.definition.get_closest_marker("sqlite_only"):
            kinds = [k for k in kinds if k == "sqlite"]
        metafunc.parametrize("jifen_database", kinds, indirect=True, scope="session")


@pytest.fixture(scope="session")
def _jifen_workdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("jifen")
    os.environ["JIFEN_INSTANCE_PATH"] = str(path / "instance")
    return path


@pytest.fixture(scope="session")
def jifen_database(request, _jifen_workdir):
    if request.param == "sqlite":
        db = SqliteTestDatabase(_jifen_workdir)
    else:
        try:
            db = PostgresTestDatabase(_jifen_workdir)
        except PostgresUnavailable as exc:
            _PG_STATE["skip_reason"] = str(exc)
            if os.environ.get("JIFEN_REQUIRE_POSTGRES") == "1":
                pytest.fail(f"JIFEN_REQUIRE_POSTGRES=1 but {exc}", pytrace=False)
            pytest.skip(f"{exc}: PostgreSQL half skipped")
    yield db
    db.close()


@pytest.fixture
def jifen_config():
    """Override to change the configuration of ``app`` in a test module."""
    return {}


@pytest.fixture
def install_plugin():
    """``install_plugin(plugin, "name")`` installs a plugin object (a module or an instance with
    ``@hookimpl`` methods) for this test, as if a package had installed it; removed afterwards."""
    from jifen.plugin.manager import register_plugin, unregister_plugin

    names: list[str] = []

    def _install(plugin, name: str, version: str = "test") -> str:
        register_plugin(plugin, name, version)
        names.append(name)
        return name

    yield _install
    for name in reversed(names):
        unregister_plugin(name)


def _with_plugins(request, app, loaded: list[str], install) -> None:
    """Apply the test's ``with_plugins`` markers: install objects, then enable through the core."""
    from jifen.cli.binding import county as bind
    from jifen.db.session import get_session
    from jifen.county.switching import set_plugin_enabled

    for marker in reversed(list(request.node.iter_markers("with_plugins"))):  # outermost first
        objects = dict(marker.kwargs.get("install") or {})
        for name, plugin in objects.items():
            install(plugin, name)
        names = [*marker.args, *(n for n in objects if n not in marker.args)]
        where = marker.kwargs.get("county")
        counties = loaded if where is None else [where] if isinstance(where, str) else list(where)
        settings = marker.kwargs.get("settings") or {}
        unknown = set(settings) - set(names)
        if unknown:
            raise pytest.UsageError(f"with_plugins: settings given for plugins not listed: {sorted(unknown)}")
        for slug in counties:
            with app.app_context(), bind(slug):
                session = get_session()
                for name in names:
                    set_plugin_enabled(session, name, True, actor="test", settings=settings.get(name))
                session.commit()


@pytest.fixture
def app(request, jifen_database, jifen_config, tmp_path, install_plugin):
    from jifen.app import create_app
    from jifen.db.session import get_session
    from jifen.county.folders import apply_spec, read_spec, tenant_folders

    app_url, owner_url = jifen_database.fresh()
    config = {
        "JIFEN_ENV": "testing",
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": app_url,
        "DATABASE_OWNER_URL": owner_url,
        "RATELIMIT_ENABLED": False,
        "JIFEN_TENANTS_DIR": str(REPO_ROOT / "tenants"),
        "JIFEN_DB_KIND": jifen_database.kind,
        "JIFEN_EVIDENCE_DIR": str(tmp_path / "evidence"),
    }
    config.update(jifen_config)
    app = create_app(config)
    with app.app_context():
        session = get_session()
        loaded = []
        for folder in tenant_folders(Path(app.config["JIFEN_TENANTS_DIR"])):
            spec = read_spec(folder)
            apply_spec(session, spec)
            loaded.append(spec.slug)
        session.commit()
    _with_plugins(request, app, loaded, install_plugin)
    yield app
    app.extensions["jifen.db"].dispose()


class JifenClient(FlaskClient):
    def csrf_token(self, page: str) -> str:
        response = self.get(page)
        match = _CSRF.search(response.get_data(as_text=True))
        if not match:
            raise AssertionError(f"no CSRF token on {page} (status {response.status_code})")
        return match.group(1) or match.group(2)

    def submit(self, url: str, data: dict | None = None, *, form_page: str | None = None, **kwargs):
        """POST ``data`` to ``url`` with the CSRF token taken from ``form_page`` (default: ``url``)."""
        payload = dict(data or {})
        payload["csrf_token"] = self.csrf_token(form_page or url)
        return self.post(url, data=payload, **kwargs)


@pytest.fixture
def client(app):
    app.test_client_class = JifenClient
    return app.test_client()


@pytest.fixture
def county(app):
    """``with county("<slug>") as session:`` — an app context, the county bound, its session."""
    from jifen.cli.binding import county as bind
    from jifen.db.session import get_session

    @contextmanager
    def _county(slug: str):
        with app.app_context(), bind(slug):
            yield get_session()

    return _county


@dataclass
class TestUser:
    __test__ = False  # not a test class, though its name starts with Test

    tenant: str
    id: int
    real_name: str
    id_number: str
    mobile: str
    password: str
    role: str
    department: str | None = None  # a reviewer's first department
    departments: tuple[str, ...] = ()


@pytest.fixture
def make_user(county):
    from jifen.identity import accounts
    from jifen.identity.national_id import check_digit

    counter = iter(range(1, 10_000))

    def _make(tenant: str, role: str = "applicant", department: str | None = None,
              real_name: str = "测试用户", password: str = DEFAULT_PASSWORD,
              departments: tuple[str, ...] | list[str] = ()) -> TestUser:
        """A new account of ``tenant``; a reviewer gets ``department`` or ``departments`` (several)."""
        n = next(counter)
        first17 = f"330402199{n % 10}0{(n % 9) + 1}1{n % 10}{n % 1000:03d}"
        id_number = first17 + check_digit(first17)
        mobile = f"166{n:08d}"  # a range no other test or demo account uses
        with county(tenant) as session:
            chosen = list(departments) or ([department] if department else [])
            user = accounts.create_user(session, real_name=real_name, id_number=id_number, mobile=mobile,
                                        password=password, role=role, department=chosen, actor="test")
            session.commit()
            return TestUser(tenant, user.id, real_name, id_number, mobile, password, role,
                            next(iter(user.departments), None), user.departments)

    return _make


@pytest.fixture
def login():
    def _login(client: JifenClient, user: TestUser):
        response = client.submit(f"/{user.tenant}/login", {"mobile": user.mobile, "password": user.password})
        assert response.status_code == 302, f"login of {user.mobile} failed: {response.status_code}"
        return response

    return _login


@pytest.fixture
def client_as(app, make_user, county, login):
    """``client_as("<slug>", role="reviewer")``: a new test client logged in as a new user with the role.

    A reviewer gets the county's first department unless ``department`` (or ``departments``) is given. ``client_as(user)``
    logs in an existing :class:`TestUser`. The client's ``.user`` is the user it is logged in as.
    """

    def _client_as(who, role: str = "applicant", department: str | None = None, **user_fields) -> JifenClient:
        if isinstance(who, TestUser):
            user = who
        else:
            if role == "reviewer" and department is None and not user_fields.get("departments"):
                from jifen.identity.accounts import departments

                with county(who):
                    department = next(iter(departments()), None)
            user = make_user(who, role=role, department=department, **user_fields)
        app.test_client_class = JifenClient
        client = app.test_client()
        login(client, user)
        client.user = user
        return client

    return _client_as


@dataclass
class TestApplicant(TestUser):
    """A :class:`TestUser` whose points application is confirmed."""

    __test__ = False
    application_id: int = 0
    total_points: Decimal = Decimal("0")
    item_ids: tuple[int, ...] = ()


_PDF = b"%PDF-1.4\n% jifen test evidence\n"


@pytest.fixture
def applicant_with_points(county, make_user):
    """``applicant_with_points("<slug>", {"education": {...}, ...})``: an applicant with confirmed points.

    Goes the way a real applicant does: a profile that passes the county's veto conditions (a
    residence permit, five years of work in the county), the items declared through the core with a
    small PDF as evidence where the item needs one, the application submitted, every item verified by
    its department, the points confirmed under the county's current rules. ``items`` maps score item
    types enabled in the county to their input, or is a list of ``(type, input)`` pairs for several
    items of one type; by default one sample item of the first enabled type that has a ``sample``.
    ``town`` sets the profile's town (the sub-quota of town-split programs).
    """
    from jifen.points import applications
    from jifen.points import evidence
    from jifen.points import review
    from jifen.models import ApplicantProfile, User
    from jifen.points.rules import county_item_types
    from jifen.county.tenancy import require_tenant

    counter = iter(range(1, 10_000))

    def _make(tenant: str, items=None, *, town: str | None = None, real_name: str = "测试申请人",
              password: str = DEFAULT_PASSWORD) -> TestApplicant:
        person = make_user(tenant, real_name=real_name, password=password)
        with county(tenant) as session:
            types = county_item_types(session)
            if items is None:
                sampled = next((t for key, t in sorted(types.items()) if t.sample), None)
                if sampled is None:
                    raise AssertionError(f"{tenant}: no enabled score item has a sample; give the items")
                items = {sampled.key: sampled.sample(random.Random(next(counter)))}
            pairs = list(items.items()) if isinstance(items, dict) else list(items)
            missing = sorted({key for key, _ in pairs} - set(types))
            if missing:
                raise AssertionError(f"{tenant}: score items not enabled in this county: {missing}")
            user = session.get(User, (require_tenant().id, person.id))
            from jifen import clock

            today = clock.today()
            session.add(ApplicantProfile(user_id=user.id, has_residence_permit=True, town=town,
                                         works_in_county_since=today.replace(year=today.year - 5)))
            application = applications.application_of(session, user, create=True)
            declared = []
            for key, data in pairs:
                item = applications.declare(session, application, types[key], data, actor=user.actor)
                if types[key].evidence:
                    evidence.store(session, item, "evidence.pdf", io.BytesIO(_PDF))
                declared.append(item)
            hooks = current_county(session).hooks
            applications.submit(session, hooks, application, user)
            for item in declared:
                review.decide(session, hooks, item, "verified", None, reviewer_actor="test:reviewer")
            session.commit()
            session.refresh(application)
            return TestApplicant(**vars(person), application_id=application.id,
                                 total_points=application.total_points,
                                 item_ids=tuple(i.id for i in declared))

    return _make


@pytest.fixture
def open_round(county):
    """``open_round("<slug>", "<program key>", quota=1)``: a round of the county's program, open from
    yesterday to 30 days ahead on the platform's clock, made through the core; returns its id."""
    from jifen import clock
    from jifen.county.context import current_county
    from jifen.programs import rounds

    def _open(tenant: str, program_key: str, *, quota: int | None = 1, sub_quotas: dict | None = None,
              days: int = 30, name: str = "Round 1") -> int:
        today = clock.today()
        with county(tenant) as session:
            program = current_county(session).programs_by_key[program_key]
            raw = {"name": name, "opens_on": (today - timedelta(days=1)).isoformat(),
                   "closes_on": (today + timedelta(days=days)).isoformat()}
            raw.update({"quota": quota} if quota is not None else {})
            raw.update({"sub_quotas": sub_quotas} if sub_quotas else {})
            found = rounds.create_round(session, program, raw, actor="test")
            session.commit()
            return found.id

    return _open


@pytest.fixture
def ranking_outcomes(county):
    """``ranking_outcomes("<slug>", round_id)``: user id -> outcome (allocated, waitlisted, ...) in the
    round's newest ranking run."""
    from sqlalchemy import select

    from jifen.models import ProgramApplication, RankingResult, RankingRun

    def _outcomes(tenant: str, round_id: int) -> dict[int, str]:
        with county(tenant) as session:
            run = session.scalars(select(RankingRun).where(RankingRun.round_id == round_id)
                                  .order_by(RankingRun.created_at.desc(), RankingRun.id.desc()).limit(1)).first()
            if run is None:
                return {}
            rows = session.execute(
                select(ProgramApplication.user_id, RankingResult.outcome)
                .join(RankingResult, RankingResult.program_application_id == ProgramApplication.id)
                .where(RankingResult.run_id == run.id))
            return dict(rows.all())

    return _outcomes


@pytest.fixture
def on_day():
    """``on_day(day)``: from now on in this test the platform's clock shows ``day`` (a date: 10:00 that
    day in the platform's zone, Asia/Shanghai by default; or an aware datetime, to the minute).

    Every date the platform derives follows: round windows and program start dates, review due dates,
    re-check windows, offer deadlines, rule version dates and stored timestamps. The clock runs again
    after the test, or when ``on_day(None)`` restarts it.
    """
    from jifen import clock

    def _set(day):
        if day is None:
            clock.set_moment(None)
        elif isinstance(day, datetime):
            clock.set_moment(day)
        else:
            clock.set_moment(datetime.combine(day, time(10, 0), tzinfo=clock.zone(clock.platform_time_zone())))

    yield _set
    clock.set_moment(None)


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def _run(*args: str, input: str | None = None):
        from jifen.cli import cli as group

        return runner.invoke(group, list(args), input=input)

    return _run


def pytest_runtest_logreport(report):
    if report.when == "call" and report.passed and "[postgresql" in report.nodeid:
        _PG_STATE["passed"] += 1


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    state = _PG_STATE
    kinds = config.getoption("--jifen-databases")
    if "postgresql" not in kinds:
        terminalreporter.write_line("jifen: PostgreSQL half not requested (--jifen-databases)", yellow=True)
    elif state["skip_reason"]:
        terminalreporter.write_line(f"jifen: PostgreSQL half SKIPPED: {state['skip_reason']}", yellow=True)
    else:
        terminalreporter.write_line(f"jifen: PostgreSQL half ran: {state['passed']} tests passed on PostgreSQL")


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("JIFEN_REQUIRE_POSTGRES") == "1" and _PG_STATE["passed"] == 0:
        if exitstatus == 0:
            session.exitstatus = 1
