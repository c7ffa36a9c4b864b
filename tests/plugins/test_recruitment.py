"""Recruitment with points (录用提职): 50 candidates whose exam scores come in through the exchange, ranked
in the database by exam score + min(points x 0.1, 5), checked against an expectation worked out here
(post B by hand, post A by an independent computation), with ties and candidates below the pass mark."""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

import pytest
from sqlalchemy import select

from jifen import references
from jifen.county.switching import set_plugin_enabled
from jifen.county.tenancy import require_tenant
from jifen.exchange import program_scores
from jifen.models import (
    Application, AuditEvent, DeclaredItem, ProgramApplication, ProgramRound, RankingInput, RankingResult, RankingRun,
)
from jifen.points.rules import ensure_current_version
from jifen.ranking import runs as ranking
from jifen.ranking import snapshot as ranking_snapshot
from tests.ledger_helpers import confirmed_points

SLUG = "jiashan"
POST_A, POST_B = "社区工作者（城区）", "社区工作者（乡镇）"
PLACES = {POST_A: 4, POST_B: 3}
SEED = 20270601
OPENS, CLOSES = date(2027, 5, 1), date(2027, 5, 31)
AFTER_CLOSE = date(2027, 6, 10)
TERMS = {"points_factor": "0.1", "points_cap": "5.00", "pass_mark": "60.00"}  # the plugin's defaults

# --- Post B, worked out by hand: 3 places ---------------------------------------------------------------
# label: (points, exam score; None: 缺考). Total = exam + min(round_half_up(max(points, 0) x 0.1, 0.01), 5).
POST_B_CANDIDATES = {
    "b_cap": (Decimal("80.00"), Decimal("88.00")),       # 8.00 counted, capped at 5.00: 93.00
    "b_round": (Decimal("43.45"), Decimal("85.00")),     # 4.345 rounds half up to 4.35: 89.35
    "b_tie_hi": (Decimal("30.00"), Decimal("84.00")),    # 3.00: 87.00 } equal totals: the higher exam
    "b_tie_lo": (Decimal("40.00"), Decimal("83.00")),    # 4.00: 87.00 } score first (the program's tie-break)
    "b_lot1": (Decimal("25.00"), Decimal("82.00")),      # 2.50: 84.50 } equal in everything:
    "b_lot2": (Decimal("25.00"), Decimal("82.00")),      # 2.50: 84.50 } the seeded lottery
    "b_neg": (Decimal("-5.00"), Decimal("70.00")),       # points below 0 count 0: 70.00
    "b_at_mark": (Decimal("0.00"), Decimal("60.00")),    # at the pass mark: ranked, 60.00
    "b_under": (Decimal("120.00"), Decimal("59.50")),    # 64.50 would rank above b_at_mark, but 59.50 < 60
    "b_absent": (Decimal("90.00"), None),                # 缺考: no exam score
}
# sub_position, total, outcome: b_tie_lo misses the third place on the exam score alone.
EXPECTED_B = {
    "b_cap": (1, "93.00", "allocated"), "b_round": (2, "89.35", "allocated"), "b_tie_hi": (3, "87.00", "allocated"),
    "b_tie_lo": (4, "87.00", "waitlisted"), "b_neg": (7, "70.00", "waitlisted"),
    "b_at_mark": (8, "60.00", "waitlisted"), "b_under": (9, "64.50", "below_pass_mark"),
    "b_absent": (10, "5.00", "no_program_score"),
}


def _post_a() -> dict[str, tuple[Decimal, Decimal]]:
    """40 candidates for post A, spread by formula: points 5-124.75, exam scores 45-94.5 (some below 60)."""
    return {f"a{i:02d}": (Decimal(5 + (i * 37) % 120) + Decimal((i * 3) % 4) * Decimal("0.25"),
                          Decimal(45 + (i * 29) % 50) + Decimal(i % 2) * Decimal("0.5")) for i in range(40)}


@dataclass
class Candidate:
    label: str
    post: str
    points: Decimal
    exam: Decimal | None
    user: object = None  # the TestUser
    user_id: int = 0
    id_number: str = ""
    application_id: int = 0
    reference: str = ""


@dataclass
class Pool:
    round_id: int
    candidates: dict[str, Candidate]


def lottery(application_id: int) -> int:
    """The documented lottery (docs/ranking.md): the first 15 hex digits of SHA-256("seed:id")."""
    return int(hashlib.sha256(f"{SEED}:{application_id}".encode()).hexdigest()[:15], 16)


def counted(points: Decimal) -> Decimal:
    return min((max(points, Decimal(0)) * Decimal("0.1")).quantize(Decimal("0.01"), ROUND_HALF_UP), Decimal(5))


def expected(candidates: dict[str, Candidate]) -> dict[str, tuple[int, int, Decimal, str]]:
    """label -> (position, sub_position, total, outcome), computed from the rules as written, not the code."""
    def competes(c):
        return c.exam is not None and c.exam >= Decimal(60)

    def key(c):
        total = (c.exam or Decimal(0)) + counted(c.points)
        return (not competes(c), -total, c.exam is None, -(c.exam or 0), -c.points, lottery(c.application_id),
                c.application_id)

    ordered = sorted(candidates.values(), key=key)
    result, seen, competing = {}, {}, {}
    for position, c in enumerate(ordered, start=1):
        seen[c.post] = seen.get(c.post, 0) + 1
        if competes(c):
            competing[c.post] = competing.get(c.post, 0) + 1
            outcome = "allocated" if competing[c.post] <= PLACES[c.post] else "waitlisted"
        else:
            outcome = "no_program_score" if c.exam is None else "below_pass_mark"
        result[c.label] = (position, seen[c.post], (c.exam or Decimal(0)) + counted(c.points), outcome)
    return result


@pytest.fixture
def pool(county, make_user, on_day) -> Pool:
    """The recruitment program switched on in Jiashan (its default settings), a closed round with two posts,
    and 50 candidates with confirmed points who applied; no exam score yet."""
    on_day(AFTER_CLOSE)
    candidates = {label: Candidate(label, POST_A, p, e) for label, (p, e) in _post_a().items()}
    candidates.update({label: Candidate(label, POST_B, p, e) for label, (p, e) in POST_B_CANDIDATES.items()})
    for c in candidates.values():
        c.user = make_user(SLUG, real_name="张新民")
        c.user_id, c.id_number = c.user.id, c.user.id_number
    with county(SLUG) as session:
        set_plugin_enabled(session, "recruitment", True, actor="test")
        version = ensure_current_version(session, actor="test").version
        found = ProgramRound(program_key="recruitment", name="2027年社区工作者招聘", opens_on=OPENS, closes_on=CLOSES,
                             quota=sum(PLACES.values()), sub_quotas=PLACES, rule_version=version)
        session.add(found)
        session.flush()
        for n, c in enumerate(candidates.values()):
            confirmed_points(session, c.user_id, version, c.points)
            application = ProgramApplication(round_id=found.id, user_id=c.user_id, sub_quota=c.post,
                                             fields={"post": c.post}, reference=references.next_reference(session),
                                             applied_at=datetime(2027, 5, 2, 9, n))
            session.add(application)
            session.flush()
            c.application_id, c.reference = application.id, application.reference
        session.commit()
        return Pool(found.id, candidates)


def score_sheet(pool: Pool) -> bytes:
    """The organising department's sheet: post A by reference number, post B by ID number; a name column
    the import ignores."""
    lines = ["申请编号,身份证号,姓名,笔试成绩"]
    for c in pool.candidates.values():
        exam = "缺考" if c.exam is None else str(c.exam)
        lines.append(f"{c.reference},,张*民,{exam}" if c.post == POST_A else f",{c.id_number},张*民,{exam}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _round_and_program(session, pool):
    found = session.get(ProgramRound, (require_tenant().id, pool.round_id))
    return found, ranking.program_of(session, found)


def import_scores(county, pool, data: bytes | None = None, *, dry_run=False):
    with county(SLUG) as session:
        found, program = _round_and_program(session, pool)
        return program_scores.run_import(session, found, program, score_sheet(pool) if data is None else data,
                                         file_name="scores.csv", actor="test:organiser", dry_run=dry_run)


def _results(session, run_id, pool) -> dict[str, tuple[int, int, Decimal, str]]:
    label_of = {c.application_id: c.label for c in pool.candidates.values()}
    rows = session.execute(select(RankingResult.program_application_id, RankingResult.position,
                                  RankingResult.sub_position, RankingResult.points, RankingResult.outcome)
                           .where(RankingResult.run_id == run_id))
    return {label_of[app]: (position, sub, Decimal(points).quantize(Decimal("0.01")), outcome)
            for app, position, sub, points, outcome in rows}


# --- the ranking --------------------------------------------------------------------------------------


def test_fifty_candidates_rank_by_exam_score_plus_capped_points(county, pool):
    report = import_scores(county, pool)
    assert report.written and not report.bad_rows and len(report.changed_rows) == 49  # b_absent: 缺考, no score before
    with county(SLUG) as session:
        found, _program = _round_and_program(session, pool)
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        session.commit()
        results = _results(session, outcome.run_id, pool)

        # Post B, by hand
        for label, (sub_position, total, result) in EXPECTED_B.items():
            assert results[label][1:] == (sub_position, Decimal(total), result), label
        lot1, lot2 = (pool.candidates[k].application_id for k in ("b_lot1", "b_lot2"))
        first, second = ("b_lot1", "b_lot2") if lottery(lot1) < lottery(lot2) else ("b_lot2", "b_lot1")
        assert (results[first][1], results[second][1]) == (5, 6) and results[first][2] == Decimal("84.50")
        # not ranked: after every competing application of the run, whatever their points
        competing = [r[0] for r in results.values() if r[3] in ("allocated", "waitlisted")]
        assert results["b_under"][0] > max(competing) and results["b_absent"][0] > max(competing)
        notes = dict(session.execute(select(RankingResult.program_application_id, RankingResult.note)
                                     .where(RankingResult.run_id == outcome.run_id)).all())
        assert notes[pool.candidates["b_under"].application_id] == "below the pass mark of 60.00"
        assert notes[pool.candidates["b_absent"].application_id] == "no score recorded"

        # all 50, against the rules computed independently
        assert results == expected(pool.candidates)
        assert outcome.counts["allocated"] == 7 and outcome.input_count == 50

        # the run records the terms it used, and its snapshot the exam scores
        run = session.get(RankingRun, (require_tenant().id, outcome.run_id))
        assert run.params["program_score"] == TERMS
        scores = dict(session.execute(select(RankingInput.program_application_id, RankingInput.program_score)
                                      .where(RankingInput.run_id == run.id)).all())
        assert scores[pool.candidates["b_round"].application_id] == Decimal("85.00")
        assert scores[pool.candidates["b_absent"].application_id] is None
        assert ranking.verify(session, run) == (True, run.digest)


def test_the_sql_and_python_writers_give_the_same_snapshot_and_results(county, pool, monkeypatch):
    import_scores(county, pool)
    with county(SLUG) as session:
        found, program = _round_and_program(session, pool)
        monkeypatch.setattr(ranking, "snapshot_in_python",
                            lambda *a, **k: pytest.fail("the run used the Python snapshot"))
        in_sql = ranking.run(session, found, actor="test", seed=SEED)
        monkeypatch.undo()
        monkeypatch.setattr(ranking, "needs_python", lambda *a, **k: True)
        in_python = ranking.run(session, found, actor="test", seed=SEED)
        columns = ("program_application_id", "sub_quota", "points", "tb1", "tb2", "tb3", "tb4", "lottery",
                   "program_score")

        def rows(run_id):
            return session.execute(select(*(getattr(RankingInput, c) for c in columns))
                                   .where(RankingInput.run_id == run_id)
                                   .order_by(RankingInput.program_application_id)).all()

        assert rows(in_sql.run_id) == rows(in_python.run_id) and len(rows(in_sql.run_id)) == 50
        assert in_sql.digest == in_python.digest
        by_id = {row[0]: row for row in rows(in_sql.run_id)}
        b_round = by_id[pool.candidates["b_round"].application_id]
        assert (b_round[2], b_round[3]) == (Decimal("89.35"), Decimal("85.00"))  # total; tb1 is the exam score
        session.rollback()


def test_the_terms_are_frozen_with_the_rounds_rules(county, pool, on_day):
    import_scores(county, pool)
    with county(SLUG) as session:
        found, _program = _round_and_program(session, pool)
        found.rule_version = None
        from jifen.programs import rounds as programs

        programs.freeze_rules(session, found, actor="test")
        assert found.ranking_terms == TERMS
        frozen = session.scalar(select(AuditEvent).where(AuditEvent.action == "round.rules_frozen"))
        assert frozen.details["points_factor"] == "0.1" and frozen.details["pass_mark"] == "60.00"
        settings = {"points_factor": "0.2", "points_cap": None, "pass_mark": "50", "full_marks": "100"}
        set_plugin_enabled(session, "recruitment", True, actor="test", settings=settings)
        session.commit()
    with county(SLUG) as session:
        found, _program = _round_and_program(session, pool)
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        assert outcome.params["program_score"] == TERMS  # the county's change comes after the round closed
        found.ranking_terms = None  # a round whose rules are not frozen ranks with the settings now
        changed = ranking.run(session, found, actor="test", seed=SEED, persist=False)
        assert changed.params["program_score"] == {"points_factor": "0.2", "points_cap": None, "pass_mark": "50.00"}
        assert changed.counts.get("below_pass_mark", 0) < outcome.counts["below_pass_mark"]
        session.rollback()


def test_the_terms_go_into_the_parameters_and_only_for_such_a_program(county, pool):
    """A run of another program records no terms: its parameters are as they were before."""
    with county(SLUG) as session:
        found, program = _round_and_program(session, pool)
        params = ranking.params_for(session, found, program)
        assert params.to_json()["program_score"] == TERMS
        plain = ranking.Params.from_json({k: v for k, v in params.to_json().items() if k != "program_score"})
        assert plain.score_terms is None and "program_score" not in plain.to_json()


# --- the import ---------------------------------------------------------------------------------------


def test_a_dry_run_writes_nothing_and_an_import_is_audited(county, pool):
    report = import_scores(county, pool, dry_run=True)
    assert not report.written and len(report.changed_rows) == 49 and not report.blocked
    with county(SLUG) as session:
        assert session.scalar(select(ProgramApplication.program_score).where(
            ProgramApplication.id == pool.candidates["b_cap"].application_id)) is None
    import_scores(county, pool)
    again = import_scores(county, pool)  # the same file once more: nothing changes
    assert not again.written and again.changed_rows == [] and not again.blocked
    with county(SLUG) as session:
        recorded = session.scalars(select(AuditEvent).where(AuditEvent.action == "program.score_recorded")).all()
        assert len(recorded) == 49  # b_absent had no score, and 缺考 leaves it without one
        b_cap = next(e for e in recorded if e.details["number"] == pool.candidates["b_cap"].reference)
        assert (b_cap.details["before"], b_cap.details["after"], b_cap.actor) == (None, "88.00", "test:organiser")
        imports = session.scalars(select(AuditEvent).where(AuditEvent.action == "program_scores.imported")).all()
        assert len(imports) == 1 and imports[0].details["written"] == 49


def _sheet(*lines: str) -> bytes:
    return ("\n".join(("申请编号,身份证号,笔试成绩", *lines)) + "\n").encode("utf-8")


def test_every_bad_line_is_reported_and_nothing_is_written(county, pool):
    c = pool.candidates
    with county(SLUG) as session:  # a withdrawn candidate
        session.get(ProgramApplication, (require_tenant().id, c["a03"].application_id)).status = "withdrawn"
        session.commit()
    data = _sheet(
        f"{c['a00'].reference},,88",                    # 2: good
        "JS-2027-999999,,70",                           # 3: unknown reference
        f"{c['a01'].reference},,八十",                   # 4: not a number
        f"{c['a02'].reference},,100.5",                 # 5: above the full marks
        f"{c['a04'].reference},,-3",                    # 6: below 0
        f"{c['a05'].reference},,85.125",                # 7: three decimals
        f"{c['a06'].reference},,80",                    # 8: } the same application twice
        f",{c['a06'].id_number},81",                    # 9: }
        f"{c['a07'].reference},{c['a08'].id_number},75",  # 10: reference and ID number of two people
        f",110101199001011234,75",                      # 11: not a valid ID number
        f"{c['a03'].reference},,75",                    # 12: withdrawn
        ",,75",                                         # 13: whose?
        f"{c['a09'].reference},,",                      # 14: no score: left as it is
        f"{c['a10'].reference},,1e3",                   # 15: not a number either
    )
    report = import_scores(county, pool, data)
    assert not report.written and report.blocked and report.blank == [14]
    assert [r.line for r in report.bad_rows] == list(range(3, 14)) + [15]
    by_line = {r.line: r.message() for r in report.bad_rows}
    assert by_line[3] == "line 3: JS-2027-999999 is not an application of this round"
    assert by_line[4] == 'line 4: "八十" is not a score: write a number such as 85.5, or 缺考 (absent)'
    assert by_line[5] == "line 5: the score 100.5 is not between 0 and 100.00"
    assert by_line[6] == "line 6: the score -3 is not between 0 and 100.00"
    assert by_line[7] == "line 7: the score 85.125 has more than two decimals"
    ref6 = c["a06"].reference
    assert by_line[8] == by_line[9].replace("line 9", "line 8") == \
        f"line 8: application {ref6} is on several lines (8, 9): keep one"
    assert by_line[10] == f"line 10: the reference number {c['a07'].reference} is not the application of this ID number"
    assert by_line[11] == "line 11: 1101**********1234 is not a valid national ID number"
    assert by_line[12] == f"line 12: application {c['a03'].reference} is withdrawn"
    assert by_line[13] == "line 13: the reference number (or the ID number) is missing"
    assert by_line[15] == 'line 15: "1e3" is not a score: write a number such as 85.5, or 缺考 (absent)'
    with county(SLUG) as session:
        assert session.scalar(select(ProgramApplication.program_score).where(
            ProgramApplication.id == c["a00"].application_id)) is None  # the good line was not written either


def test_the_report_speaks_chinese(app, county, pool):
    from flask_babel import force_locale

    c = pool.candidates
    report = import_scores(county, pool, _sheet("JS-2027-999999,,70", f"{c['a01'].reference},,八十",
                                                f"{c['a02'].reference},,101"))
    with app.test_request_context("/"), force_locale("zh_Hans_CN"):
        messages = [r.message() for r in report.bad_rows]
    assert messages == ["第 2 行：JS-2027-999999 不是本批次的申请",
                        "第 3 行：“八十”不是成绩：请填写数字（如 85.5），缺考的填“缺考”",
                        "第 4 行：成绩 101 不在 0 至 100.00 之间"]


def test_the_file_as_a_whole(county, pool):
    report = import_scores(county, pool, "申请编号,姓名\nJS-2027-000001,张三\n".encode())
    assert str(report.file_error) == 'line 1 (the header): the column "score" (成绩) is missing'
    report = import_scores(county, pool, "姓名,成绩\n张三,80\n".encode())
    assert str(report.file_error).startswith('line 1 (the header): a column "reference" (申请编号) or "id number"')
    with county(SLUG) as session:
        hukou = ranking.program_of(session, ProgramRound(program_key="hukou_transfer"))
        refused = program_scores.run_import(session, ProgramRound(id=1, program_key="hukou_transfer"), hukou,
                                            b"x", file_name="x.csv", actor="test")
        assert str(refused.file_error) == "This program ranks by points alone: it has no scores of its own to import."


# --- the pages ------------------------------------------------------------------------------------------


def test_the_administrator_checks_then_applies_a_file_on_the_rounds_page(county, pool, client_as, make_user):
    admin = client_as(SLUG, role="admin")
    round_page = admin.get(f"/{SLUG}/admin/rounds/{pool.round_id}").get_data(as_text=True)
    page = f"/{SLUG}/admin/rounds/{pool.round_id}/scores"
    assert f'href="{page}"' in round_page
    checked = admin.submit(page, {"file": (io.BytesIO(score_sheet(pool)), "scores.csv")},
                           content_type="multipart/form-data")
    html = checked.get_data(as_text=True)
    assert checked.status_code == 200 and 'data-result="preview"' in html and 'data-counts="49/0/0"' in html
    token = re.search(r'name="token" value="([0-9a-f]{32})"', html).group(1)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', html).group(1)
    applied = admin.submit(f"{page}/apply", {"token": token, "sha256": sha, "file_name": "scores.csv"}, form_page=page)
    assert applied.status_code == 200 and 'data-result="written"' in applied.get_data(as_text=True)
    with county(SLUG) as session:
        assert session.scalar(select(ProgramApplication.program_score).where(
            ProgramApplication.id == pool.candidates["b_round"].application_id)) == Decimal("85.00")
    # reviewers and applicants are refused; another county's administrator finds no such round
    assert client_as(SLUG, role="reviewer").get(page).status_code == 403
    assert client_as(SLUG).get(page).status_code == 403
    assert client_as("haining", role="admin").get(f"/haining/admin/rounds/{pool.round_id}/scores").status_code == 404


def test_the_list_and_the_status_page_show_score_points_counted_and_total(county, pool, client_as):
    from jifen.programs import publication

    import_scores(county, pool)
    with county(SLUG) as session:
        found, program = _round_and_program(session, pool)
        outcome = ranking.run(session, found, actor="test", seed=SEED)
        ranking.make_current(session, session.get(RankingRun, (require_tenant().id, outcome.run_id)), "test")
        publication.publish_provisional(session, found, program, actor="test")
        under = pool.candidates["b_under"]
        # the ledger helper's item has no input; the status page estimates from the declared items
        application = session.scalar(select(Application).where(Application.user_id == under.user_id))
        for item in session.scalars(select(DeclaredItem).where(DeclaredItem.application_id == application.id)):
            item.input = {"level": "bachelor", "institution": "嘉兴学院", "graduated_on": "2015-07-01"}
        session.commit()
    browser = client_as(under.user)
    listed = browser.get(f"/{SLUG}/programs/recruitment/rounds/{pool.round_id}/list?number={under.reference}",
                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'data-score-terms="0.1/5.00/60.00"' in listed
    assert "Total = Exam score + points counted (points × 0.1, rounded to 0.01, at most 5.00)." in listed
    assert "<th scope=\"col\">Exam score</th>" in listed
    row = listed[listed.index(f'data-position="{ranking_position(county, outcome.run_id, under)}"'):]
    assert "<td data-label=\"Exam score\" data-program-score>59.50</td>" in row
    assert "data-points-counted>5.00</td>" in row and "data-total>64.50</td>" in row
    assert "Not ranked: below the pass mark" in row
    status = browser.get(f"/{SLUG}/me/", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "<dd data-program-score>59.50</dd>" in status and "<dd data-points-counted>5.00</dd>" in status
    assert "<dd data-total>64.50</dd>" in status
    assert "Not ranked: below the pass mark (pass mark 60.00)" in status


def ranking_position(county, run_id, candidate) -> int:
    with county(SLUG) as session:
        return session.scalar(select(RankingResult.position).where(
            RankingResult.run_id == run_id, RankingResult.program_application_id == candidate.application_id))


def test_the_command_line_imports_scores(county, pool, cli, tmp_path):
    sheet = tmp_path / "scores.csv"
    sheet.write_bytes(score_sheet(pool))
    dry = cli("exchange", "import-scores", str(sheet), "--county", SLUG, "--round", str(pool.round_id), "--dry-run")
    assert dry.exit_code == 0 and "49 scores would be recorded" in dry.output
    done = cli("exchange", "import-scores", str(sheet), "--county", SLUG, "--round", str(pool.round_id),
               "--actor", "组织部")
    assert done.exit_code == 0 and "49 scores recorded" in done.output
    bad = tmp_path / "bad.csv"
    bad.write_bytes(_sheet("JS-2027-999999,,70"))
    refused = cli("exchange", "import-scores", str(bad), "--county", SLUG, "--round", str(pool.round_id))
    assert refused.exit_code == 1 and "line 2: JS-2027-999999 is not an application of this round" in refused.output


# --- the plugin -----------------------------------------------------------------------------------------


def test_the_plugin_imports_only_the_toolkit():
    from tests.architecture.import_graph import read_graph

    graph = read_graph()
    imports = {t for m, targets in graph.edges.items() if m.startswith("jifen_plugins.recruitment") for t in targets}
    assert imports and {t for t in imports if t.startswith("jifen")} == {"jifen.toolkit"}


def test_the_programs_terms_come_from_its_settings():
    from jifen_plugins.recruitment import PROGRAM, RecruitmentSettings

    settings = RecruitmentSettings().load({})
    assert PROGRAM.ranking_score.resolved(settings) == {
        "points_factor": Decimal("0.1"), "points_cap": Decimal("5.00"), "pass_mark": Decimal("60.00"),
        "full_marks": Decimal("100.00")}
    with pytest.raises(Exception, match="pass mark"):
        RecruitmentSettings().load({"pass_mark": "120", "full_marks": "100"})


def test_a_program_score_tie_break_needs_a_ranking_score():
    from jifen import toolkit as tk

    with pytest.raises(ValueError, match="needs a ranking_score"):
        tk.ServiceProgram(key="other", names={"zh": "其他", "en": "Other"}, quota_mode="headcount",
                          tie_breaks=("program_score",))
    assert ranking_snapshot.PROGRAM_SCORE == "program_score"
