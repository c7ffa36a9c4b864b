"""Test databases: SQLite (always) and PostgreSQL (when reachable), each migrated once per session.

* SQLite: one migrated template file; each test gets a fresh copy (a file copy costs milliseconds).
* PostgreSQL: one migrated database per session, owned by the connecting superuser; the application
  connects as a separate role that does not own the tables, so row-level security applies in every
  test, exactly as in production. Each test starts from empty tables (TRUNCATE as the owner).
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from jifen.db.session import Base

PG_ADMIN_URL = os.environ.get("JIFEN_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
PG_APP_ROLE = "jifen_app_test"


class PostgresUnavailable(RuntimeError):
    pass


def _migrate(owner_url: str, app_url: str) -> None:
    from jifen.db import migrations as migrations_runner
    from jifen.app import create_app

    app = create_app({"JIFEN_ENV": "testing", "DATABASE_URL": app_url, "DATABASE_OWNER_URL": owner_url})
    migrations_runner.upgrade(app, "heads")
    if owner_url.startswith("postgresql"):
        migrations_runner.grant_app_role(app, PG_APP_ROLE)
    app.extensions["jifen.db"].dispose()


class SqliteTestDatabase:
    kind = "sqlite"

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.template = workdir / "template.db"
        url = f"sqlite:///{self.template}"
        _migrate(url, url)

    def fresh(self) -> tuple[str, str]:
        path = self.workdir / f"test-{uuid.uuid4().hex[:12]}.db"
        shutil.copyfile(self.template, path)
        url = f"sqlite:///{path}"
        return url, url

    def close(self) -> None:
        pass


class PostgresTestDatabase:
    kind = "postgresql"

    def __init__(self, workdir: Path) -> None:
        self.name = f"jifen_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
        try:
            with self.admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        except Exception as exc:  # noqa: BLE001 - any failure here means "not reachable"
            self.admin.dispose()
            raise PostgresUnavailable(f"PostgreSQL not reachable at {make_url(PG_ADMIN_URL).render_as_string()}: "
                                      f"{type(exc).__name__}: {str(exc).splitlines()[0]}") from None
        base = make_url(PG_ADMIN_URL).set(database=self.name)
        self.owner_url = base.render_as_string(hide_password=False)
        self.app_url = base.set(username=PG_APP_ROLE, password=None).render_as_string(hide_password=False)
        _migrate(self.owner_url, self.app_url)
        self.owner = create_engine(self.owner_url, poolclass=None)
        self.tables = ", ".join(t.name for t in Base.metadata.sorted_tables)

    def fresh(self) -> tuple[str, str]:
        with self.owner.begin() as conn:
            # Large runs' own tables (jifen.ranking.run_tables) first: run ids start again from 1.
            for name in conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'jifen_runs'")).scalars():
                conn.execute(text(f'DROP TABLE jifen_runs."{name}"'))
            conn.execute(text(f"TRUNCATE {self.tables} RESTART IDENTITY CASCADE"))
        return self.app_url, self.owner_url

    def close(self) -> None:
        self.owner.dispose()
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()
