import pytest
from sqlalchemy import create_engine, text

pytest_plugins = ["jifen.testing.pytest_plugin"]


@pytest.fixture
def tamper(app):
    """``tamper(session, sql, **values)``: change rows as the database owner would, past the triggers
    that keep a finished ranking run final (PostgreSQL: the owner in replication role; SQLite: the
    triggers dropped from this test's own copy of the database). For tests of tamper detection."""

    def change(session, statement, **values):
        session.commit()
        if session.get_bind().dialect.name == "sqlite":
            names = session.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger' "
                                         "AND name LIKE 'ranking_%_final%'")).scalars().all()
            for name in names:
                session.execute(text(f"DROP TRIGGER {name}"))
            session.execute(text(statement), values)
            session.commit()
            return
        engine = create_engine(app.config["DATABASE_OWNER_URL"])
        try:
            with engine.begin() as conn:
                conn.execute(text("SET LOCAL session_replication_role = replica"))
                conn.execute(text(statement), values)
        finally:
            engine.dispose()

    return change
