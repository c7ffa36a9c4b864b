"""`jifen db grant-app-role ROLE --password P` on PostgreSQL."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text


@pytest.mark.postgres_only
def test_grant_app_role_with_a_password_sets_it(app, cli):
    role = f"jifen_role_{uuid.uuid4().hex[:8]}"
    engine = create_engine(app.config["DATABASE_OWNER_URL"])
    try:
        result = cli("db", "grant-app-role", role, "--password", "it's a 'quoted' pass; DROP ROLE x")
        assert result.exit_code == 0, result.output
        with engine.connect() as conn:
            stored = conn.execute(text("SELECT rolpassword FROM pg_authid WHERE rolname = :r"), {"r": role}).scalar()
        assert stored and stored.startswith("SCRAM-SHA-256$")
    finally:
        with engine.begin() as conn:
            conn.execute(text(f'DROP OWNED BY "{role}"'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        engine.dispose()
