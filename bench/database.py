"""A throw-away, migrated database with the counties loaded: PostgreSQL when reachable, else SQLite.

``prepared_database()`` is a context manager; on leaving it the PostgreSQL database is dropped
(or the SQLite file's temporary folder removed), also after an error.
Set ``BENCH_DATABASE=sqlite`` to skip PostgreSQL even when it is running.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
# Each run makes its own database, named with a random suffix, and drops only that one: two runs on one
# server never touch each other's data.
PG_DATABASE_PREFIX = "jifen_bench_"
# As in production, the servers connect as a role that does not own the tables (row-level security
# applies). A role belongs to the whole server: runs share it, each granting it on its own database.
PG_APP_ROLE = "jifen_bench_app"


def _pg_url(database: str, role: str = "postgres") -> str:
    return f"postgresql+psycopg://{role}@127.0.0.1:5432/{database}"
REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class BenchDatabase:
    kind: str  # "postgresql" or "sqlite"
    url: str
    env: dict[str, str]  # environment for the jifen CLI and the servers (production mode)


def postgres_reachable() -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    try:
        with psycopg.connect(PG_ADMIN_DSN, connect_timeout=2):
            return True
    except psycopg.Error:
        return False


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def _jifen(env: dict[str, str], *args: str) -> None:
    cli = Path(sys.executable).parent / "jifen"
    cmd = [str(cli), *args]
    result = subprocess.run(cmd, env=env, cwd=REPO_ROOT, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"jifen {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def _env(url: str, owner_url: str, instance_path: str) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=url,
        DATABASE_OWNER_URL=owner_url,
        JIFEN_ENV="production",
        SECRET_KEY=secrets.token_hex(32),
        JIFEN_INSTANCE_PATH=instance_path,
    )
    return env


@contextmanager
def prepared_database():
    use_pg = os.environ.get("BENCH_DATABASE", "").lower() != "sqlite" and postgres_reachable()
    with tempfile.TemporaryDirectory(prefix="jifen-bench-") as tmp:
        instance = os.path.join(tmp, "instance")
        database = PG_DATABASE_PREFIX + secrets.token_hex(4)
        if use_pg:
            url = _pg_url(database)
            _pg_admin(f"CREATE DATABASE {database}")
        else:
            url = f"sqlite:///{os.path.join(tmp, 'jifen_bench.db')}"
        app_url = _pg_url(database, PG_APP_ROLE) if use_pg else url
        db = BenchDatabase("postgresql" if use_pg else "sqlite", app_url, _env(app_url, url, instance))
        try:
            _jifen(db.env, "db", "upgrade")
            if use_pg:
                _jifen(db.env, "db", "grant-app-role", PG_APP_ROLE)
            _jifen(db.env, "tenants", "load")
            yield db
        finally:
            if use_pg:
                _pg_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")  # this run's, and only it


def owner_engine(env: dict[str, str]):
    """The tables' owner, outside transactions (VACUUM, baselines)."""
    from sqlalchemy import create_engine

    return create_engine(env["DATABASE_OWNER_URL"], isolation_level="AUTOCOMMIT")


def vacuum(env: dict[str, str]) -> None:
    """Fresh planner statistics before measuring, as autovacuum would give a live database."""
    from sqlalchemy import text

    engine = owner_engine(env)
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM ANALYZE" if engine.dialect.name == "postgresql" else "VACUUM"))
            if engine.dialect.name == "sqlite":
                conn.execute(text("ANALYZE"))
    finally:
        engine.dispose()
