"""Reference numbers (jifen.references): read aloud, typed back, one sequence per county and year, given when a
points application is submitted, a program applied to or an objection raised; the published list, its search,
its exports and its digest name applications by them; runs made before keep verifying as they were made."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from datetime import date

import pytest
from sqlalchemy import create_engine, select, text

from jifen import references
from jifen.county.tenancy import require_tenant
from jifen.models import Application, ProgramApplication, RankingRun, User
from jifen.programs import publication
from jifen.programs import rounds as programs
from jifen.ranking import runs as ranking

REFERENCE = re.compile(r"^[A-Z]{2,4}-\d{4}-\d{6}$")


@pytest.mark.parametrize("typed, read", [
    ("JS-2027-000123", "JS-2027-000123"), ("js 2027 123", "JS-2027-000123"), ("JS－2027－000123", "JS-2027-000123"),
    ("JS2027000123", "JS-2027-000123"), (" hn_2027/12 ", "HN-2027-000012"),
    ("386268702155296768", None), ("JS-27-1", None), ("", None), ("JS-2027-１２３", None),
])
def test_what_people_type_is_read_as_a_reference_number(typed, read):
    assert references.normalized(typed) == read


def test_one_sequence_per_county_and_year_with_the_countys_prefix(county, on_day):
    on_day(date(2027, 12, 31))
    with county("jiashan") as session:
        first, second = references.next_reference(session), references.next_reference(session)
        assert (first, second) == ("JS-2027-000001", "JS-2027-000002")
        session.commit()
    with county("haining") as session:
        assert references.next_reference(session) == "HN-2027-000001"  # each county its own
        session.commit()
    on_day(date(2028, 1, 1))
    with county("jiashan") as session:
        assert references.next_reference(session) == "JS-2028-000001"  # and each year
        session.rollback()
    with county("jiashan") as session:  # a rolled-back number is given again: no gap from a failed request
        assert references.next_reference(session) == "JS-2028-000001"


def test_a_county_without_a_prefix_takes_its_short_names_first_letters(county):
    with county("jiashan") as session:
        tenant = require_tenant()
        assert references.prefix_of(tenant) == "JS"
        plain = type(tenant)(id=tenant.id, slug="pinghu", settings={})
        assert references.prefix_of(plain) == "PI"


@pytest.fixture
def real_round(county, applicant_with_points, open_round, on_day):
    """A hukou round of three applicants with confirmed points, ranked for real and its run made current."""

    def make(monkeypatch=None):
        on_day(date(2027, 3, 1))
        found_id = open_round("jiashan", "hukou_transfer", quota=1)
        people = [applicant_with_points("jiashan") for _ in range(3)]
        with county("jiashan") as session:
            program = programs.programs(session)["hukou_transfer"]
            applied = [programs.apply(session, program, session.scalar(select(User).where(User.id == p.id)),
                                      {"town": "魏塘街道"}) for p in people]
            session.commit()
            numbers = [a.reference for a in applied]
        on_day(date(2027, 4, 6))
        with county("jiashan") as session:
            found = session.scalar(select(programs.ProgramRound).where(programs.ProgramRound.id == found_id))
            programs.freeze_rules(session, found, actor="test")
            outcome = ranking.run(session, found, actor="test", seed=3)
            run = session.get(RankingRun, (require_tenant().id, outcome.run_id))
            ranking.make_current(session, run, "test")
            session.commit()
            return {"round": found_id, "run": outcome.run_id, "digest": outcome.digest, "people": people,
                    "numbers": numbers}

    return make


def test_submitting_applying_and_objecting_each_give_a_number(county, real_round):
    made = real_round()
    with county("jiashan") as session:
        points_numbers = [a.reference for a in session.scalars(select(Application))]
        found = session.scalar(select(programs.ProgramRound).where(programs.ProgramRound.id == made["round"]))
        latest = publication.publish_provisional(session, found, programs.programs(session)["hukou_transfer"],
                                                 actor="test")
        objector = session.scalar(select(User).where(User.id == made["people"][2].id))
        objection = publication.object_to(session, latest, objector, "名次有误")
        session.commit()
        given = [*points_numbers, *made["numbers"], objection.reference]
    assert all(REFERENCE.match(n) for n in given) and len(set(given)) == len(given) == 7


def test_the_published_list_its_csv_and_its_digest_name_applications_by_reference(county, client, real_round):
    made = real_round()
    with county("jiashan") as session:
        found = session.scalar(select(programs.ProgramRound).where(programs.ProgramRound.id == made["round"]))
        publication.publish_provisional(session, found, programs.programs(session)["hukou_transfer"], actor="test")
        session.commit()
    url = f"/jiashan/programs/hukou_transfer/rounds/{made['round']}/list"
    page = client.get(url).get_data(as_text=True)
    assert all(number in page for number in made["numbers"])
    shown = re.sub(r"<[^>]*>", " ", page)  # what a person reads (addresses aside)
    assert not re.search(r"\b\d{15,}\b", shown)  # no internal id on the page
    response = client.get(url + ".csv")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    response.close()
    assert not any(re.search(r"\b\d{15,}\b", cell) for row in rows for cell in row)
    with county("jiashan") as session:  # the number of the confirmation page (the points application) finds it
        points_number = session.scalar(select(Application.reference).where(Application.user_id == made["people"][1].id))
    found = client.get(url + f"?number={points_number}").get_data(as_text=True)
    assert found.count("data-position=") == 1 and made["numbers"][1] in found
    # anyone recomputes the digest from the list alone: rank, reference number, points, result, round
    lines = "".join(f"{r[0]},{r[3]},{r[6]},{r[7]},{r[8]}\n" for r in rows[2:])
    assert hashlib.sha256(lines.encode()).hexdigest() == made["digest"] and rows[0][2] == f"sha256 {made['digest']}"


def test_a_run_made_before_reference_numbers_keeps_verifying_by_internal_ids(county, real_round, monkeypatch):
    monkeypatch.setattr(ranking, "DIGEST_FORMAT", ranking.BY_ID)  # as the code before core_0015 made runs
    made = real_round()
    with county("jiashan") as session:
        run = session.get(RankingRun, (require_tenant().id, made["run"]))
        assert run.digest_format == ranking.BY_ID and ranking.verify(session, run)[0]
        by_reference = ranking._digest(session.connection(), require_tenant().id, run.id, ranking.BY_REFERENCE)
        assert by_reference != run.digest  # the format decides what the lines name
        ids = dict(session.execute(select(ProgramApplication.reference, ProgramApplication.id)).all())
        first = session.execute(select(ranking.RankingResult.position, ranking.RankingResult.program_application_id)
                                .where(ranking.RankingResult.run_id == run.id)
                                .order_by(ranking.RankingResult.position)).first()
        assert first.program_application_id in ids.values()


@pytest.mark.sqlite_only  # on PostgreSQL the tests share one database: it stays at the newest revision
def test_core_0015_numbers_what_exists_and_the_counter_goes_on(app, county, applicant_with_points, on_day):
    from jifen.db import migrations

    on_day(date(2027, 3, 1))
    first, second = applicant_with_points("jiashan"), applicant_with_points("jiashan")
    app.extensions["jifen.db"].dispose()
    migrations.downgrade(app, "core_0014")
    migrations.upgrade(app)
    engine = create_engine(app.config["DATABASE_OWNER_URL"])
    try:
        with engine.connect() as conn:
            numbers = conn.execute(text("SELECT user_id, reference FROM applications ORDER BY submitted_at, id")).all()
    finally:
        engine.dispose()
    assert [n for _u, n in numbers] == ["JS-2027-000001", "JS-2027-000002"]
    assert {u for u, _n in numbers} == {first.id, second.id}
    app.extensions["jifen.db"].dispose()
    with county("jiashan") as session:
        assert references.next_reference(session) == "JS-2027-000003"
