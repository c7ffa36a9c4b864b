"""Running Alembic for the core and every installed plugin's version folder (``jifen db ...``)."""

from __future__ import annotations

import os
import re
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from flask import Flask
from sqlalchemy import text

from jifen.db.session import make_engine
from jifen.plugin.manager import load_installed_plugins, pm

_ROLE = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


def version_locations(app: Flask) -> list[str]:
    load_installed_plugins()
    core = Path(app.config["JIFEN_MIGRATIONS_DIR"]) / "versions"
    plugin_dirs = [str(Path(p)) for p in pm.hook.register_migrations() if p]
    return [str(core), *sorted(plugin_dirs)]


def alembic_config(app: Flask, url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", app.config["JIFEN_MIGRATIONS_DIR"])
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(version_locations(app)))
    cfg.set_main_option("sqlalchemy.url", (url or app.config["DATABASE_OWNER_URL"]).replace("%", "%%"))
    return cfg


def upgrade(app: Flask, revision: str = "heads", url: str | None = None) -> None:
    command.upgrade(alembic_config(app, url), revision)


def downgrade(app: Flask, revision: str, url: str | None = None) -> None:
    command.downgrade(alembic_config(app, url), revision)


def current(app: Flask, url: str | None = None) -> list[str]:
    engine = make_engine(url or app.config["DATABASE_OWNER_URL"])
    try:
        with engine.connect() as conn:
            return list(MigrationContext.configure(conn).get_current_heads())
    finally:
        engine.dispose()


def grant_app_role(app: Flask, role: str, password: str | None = None, url: str | None = None) -> None:
    if not _ROLE.match(role):
        raise ValueError(f"role name {role!r} must be lower-case letters, digits and underscores")
    engine = make_engine(url or app.config["DATABASE_OWNER_URL"])
    if engine.dialect.name != "postgresql":
        engine.dispose()
        raise ValueError("application roles exist on PostgreSQL only")
    try:
        with engine.begin() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).scalar()
            if not exists:
                conn.execute(text(f"CREATE ROLE {role} LOGIN NOSUPERUSER NOBYPASSRLS"))
            if password is not None:
                # ALTER ROLE takes no bound parameters: the password goes in as a quoted literal.
                from psycopg import sql

                statement = sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password))
                conn.exec_driver_sql(statement.as_string(conn.connection.dbapi_connection))
            database = conn.execute(text("SELECT current_database()")).scalar()
            conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO {role}'))
            conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {role}"))
            # Large ranking runs' own tables (jifen.ranking.run_tables): granted table by table while written.
            if conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = 'jifen_runs'")).scalar():
                conn.execute(text(f"GRANT USAGE ON SCHEMA jifen_runs TO {role}"))
            conn.execute(text(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"))
            conn.execute(text(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"))
            conn.execute(text(
                f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}"
            ))
            conn.execute(text(f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}"))
            # The audit trail is append-only, also for the application itself; the schema is the owner's.
            conn.execute(text(f"REVOKE UPDATE, DELETE, TRUNCATE ON audit_events FROM {role}"))
            conn.execute(text(f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON alembic_version FROM {role}"))
    finally:
        engine.dispose()
