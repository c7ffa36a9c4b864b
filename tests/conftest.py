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


@pytest.fixture
def on_day(monkeypatch):
    """``on_day(date)``: the platform's clock (``jifen.clock.today``) says it is that day."""
    from jifen import clock

    def _set(day):
        monkeypatch.setattr(clock, "today", lambda: day)

    return _set


HAND_RANKED_NAMES = ("陈新民", "王芳芳", "李建国", "赵德胜")


@pytest.fixture
def hand_ranked_round(county, make_user, on_day):
    """``hand_ranked_round(slug, points=..., sub_quota=..., publish=False)``: a hukou round of the county
    (window January-February 2027, quota 2, today 1 March 2027) whose current run is made by hand, one
    applicant per points value in that order, the first two allocated; with ``publish`` its provisional
    list is published. Returns round id, program key, the users, their application numbers and the run id."""
    from datetime import date
    from decimal import Decimal

    from jifen import programs, publication
    from jifen.models import Application, ProgramApplication, RankingResult, RankingRun

    def make(slug="jiashan", *, points=("95", "88", "80", "61"), sub_quota="魏塘街道", digest="ab" * 32,
             publish=False):
        on_day(date(2027, 3, 1))
        people = [make_user(slug, real_name=name) for name in HAND_RANKED_NAMES[:len(points)]]
        with county(slug) as session:
            program = programs.programs(session)["hukou_transfer"]
            found = programs.create_round(session, program, {"name": "2027 第一批", "opens_on": "2027-01-01",
                                                             "closes_on": "2027-02-28", "quota": 2}, actor="test")
            run = RankingRun(round_id=found.id, seed=7, digest=digest, input_count=len(points), allocated_count=2,
                             cutoff=Decimal(points[1]), is_current=True, actor="test")
            session.add(run)
            session.flush()
            numbers = []
            for position, (person, value) in enumerate(zip(people, points), start=1):
                session.add(Application(user_id=person.id, status="confirmed", total_points=value))
                entry = ProgramApplication(round_id=found.id, user_id=person.id, sub_quota=sub_quota)
                session.add(entry)
                session.flush()
                numbers.append(entry.id)
                session.add(RankingResult(run_id=run.id, program_application_id=entry.id, position=position,
                                          sub_quota=sub_quota, sub_position=position, points=Decimal(value),
                                          outcome="allocated" if position <= 2 else "waitlisted",
                                          allocation_round=1 if position <= 2 else None))
            session.flush()
            if publish:
                publication.publish_provisional(session, found, program, actor="test")
            session.commit()
            return {"round": found.id, "program": "hukou_transfer", "people": people, "numbers": numbers,
                    "run": run.id}

    return make
