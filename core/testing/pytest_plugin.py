"""Pytest fixtures and markers for Jifen and its plugins.

Fixtures
    ``app``            a fresh application on a fresh database with the demo counties loaded;
                       every test using it runs once on SQLite and once on PostgreSQL
    ``client``         Flask test client of ``app`` with :meth:`JifenClient.submit` for CSRF forms
    ``county``         ``with county("<slug>") as session:`` binds a county in an app context
    ``make_user``      creates a user in a county and returns its login details
    ``login``          logs a client in as a user of a county
    ``cli``            runs ``jifen`` commands against ``app``

Database selection: ``--jifen-databases=sqlite,postgresql`` (or env ``JIFEN_TEST_DATABASES``).
With ``JIFEN_REQUIRE_POSTGRES=1`` an unreachable PostgreSQL fails the run instead of skipping.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask.testing import FlaskClient

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
def app(jifen_database, jifen_config, tmp_path):
    from jifen.app import create_app
    from jifen.db import get_session
    from jifen.tenant_folders import apply_spec, read_spec, tenant_folders

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
        for folder in tenant_folders(Path(app.config["JIFEN_TENANTS_DIR"])):
            apply_spec(session, read_spec(folder))
        session.commit()
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
    from jifen.cli.context import county as bind
    from jifen.db import get_session

    @contextmanager
    def _county(slug: str):
        with app.app_context(), bind(slug):
            yield get_session()

    return _county


@dataclass
class TestUser:
    tenant: str
    id: int
    real_name: str
    id_number: str
    mobile: str
    password: str
    role: str
    department: str | None = None


@pytest.fixture
def make_user(county):
    from jifen.identity import accounts
    from jifen.identity.national_id import check_digit

    counter = iter(range(1, 10_000))

    def _make(tenant: str, role: str = "applicant", department: str | None = None,
              real_name: str = "测试用户", password: str = DEFAULT_PASSWORD) -> TestUser:
        n = next(counter)
        first17 = f"330402199{n % 10}0{(n % 9) + 1}1{n % 10}{n % 1000:03d}"
        id_number = first17 + check_digit(first17)
        mobile = f"166{n:08d}"  # a range no other test or demo account uses
        with county(tenant) as session:
            user = accounts.create_user(session, real_name=real_name, id_number=id_number, mobile=mobile,
                                        password=password, role=role, department=department, actor="test")
            session.commit()
            return TestUser(tenant, user.id, real_name, id_number, mobile, password, role, department)

    return _make


@pytest.fixture
def login():
    def _login(client: JifenClient, user: TestUser):
        response = client.submit(f"/{user.tenant}/login", {"mobile": user.mobile, "password": user.password})
        assert response.status_code == 302, f"login of {user.mobile} failed: {response.status_code}"
        return response

    return _login


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
