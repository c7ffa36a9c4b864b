"""Onboarding a county's existing records: every line checked first, nothing written for a bad file, the
points in the ledger with their provenance, and the same allocation as the same people entered in the portal."""

import hashlib
import io
from datetime import date, datetime, time

import pytest
from sqlalchemy import func, select

from jifen import clock
from jifen.county.context import current_county
from jifen.county.tenancy import require_tenant
from jifen.exchange import onboarding
from jifen.identity import accounts, protect
from jifen.models import (
    Application, AuditEvent, DeclaredItem, FamilyMember, ItemReview, LedgerEntry, ProgramApplication, ProgramRound,
    RankingResult, RankingRun, RuleVersion, User,
)
from jifen.points import applications, evidence, family, review
from jifen.points.rules import county_item_types
from jifen.programs import rounds
from jifen.ranking import runs as ranking

from .helpers import csv_file, xlsx_file
from .people import CLOSES, HOUSING, OPENS, PROGRAM, people, workbook

SEED = 20270405
QUOTA = 300
ALLOCATIONS: dict = {}  # "import" / "portal" -> the ranked list, when both ran in this session


def _sheets(**sheets) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _counts(session) -> dict:
    columns = (User.id, Application.id, DeclaredItem.id, LedgerEntry.id, FamilyMember.id, ProgramApplication.id,
               ItemReview.id, AuditEvent.seq)
    return {str(column): session.scalar(select(func.count(column))) for column in columns}


def _round(session, quota=QUOTA) -> ProgramRound:
    found = ProgramRound(program_key=PROGRAM, name="2027 公租房", opens_on=OPENS, closes_on=CLOSES, quota=quota,
                         sub_quotas={}, cutoff_ties="strict")
    session.add(found)
    session.flush()
    return found


REGISTRANT = ["110101199003077571", "陈新民", "13900000001", "330411000001", "2019-01-01"]
REGISTRANTS = [["身份证号码", "姓名", "手机号码", "居住证号码", "来本县工作日期"], REGISTRANT]
ITEM_HEADER = ["身份证号码", "事项类型", "核实日期", "核实部门", "审核人", "学历", "毕业院校", "毕业日期"]
EDUCATION_ROW = [REGISTRANT[0], "学历", "2024-05-04", "教育局", "李审核", "bachelor", "浙江大学", "2012-06-30"]


def test_a_file_with_bad_lines_writes_nothing_and_names_each_line(county, make_user, on_day):
    on_day(date(2027, 3, 20))
    taken = make_user("jiashan", real_name="王芳芳")
    with county("jiashan") as session:
        _round(session)
        session.commit()
        before = _counts(session)
    data = _sheets(
        登记人=[REGISTRANTS[0], REGISTRANT,                                          # 2: good
               ["110101199003077579", "李建国", "13900000002"],                      # 3: bad check digit
               ["110101199003071110", "李", "1390000"],                              # 4: name and mobile
               [taken.id_number, "王芳芳", "13900000004"],                            # 5: has an account
               [REGISTRANT[0], "陈新民", "13900000005"]],                             # 6: line 2 again
        已确认事项=[ITEM_HEADER, EDUCATION_ROW,                                       # 2: good
                 [REGISTRANT[0], "学历", "2024-05-04", "教育局", "", "doctorate", "浙江大学", "2012-06-30"],  # 3
                 ["110101198001010010", "学历", "2024-05-04", "教育局", "", "bachelor", "浙大", "2012-06-30"],  # 4
                 [REGISTRANT[0], "跳远", "2030-01-01", "体育局"]],                    # 5
        家庭成员=[["身份证号码", "关系", "成员姓名", "成员身份证号码"],
               [REGISTRANT[0], "表亲", "陈小民", "110101201001011237"]],              # 2
        项目申请=[["身份证号码", "服务项目", "申请时间", "household_income", "floor_area_per_person", "household_size"],
               [REGISTRANT[0], "公共租赁住房", "2027-02-01 09:00", "30000", "8", "3"],  # 2: before the window
               [REGISTRANT[0], "公共租赁住房", "2027-03-05 09:00", "", "8", "3"]])      # 3: a field missing
    with county("jiashan") as session:
        report = onboarding.run_import(session, [("county.xlsx", data)], actor="user:clerk")
        assert not report.written and report.blocked
        problems = report.problems()
        assert [p.split(":")[0] for p in problems] == [
            "registrants, line 2", "registrants, line 3", "registrants, line 4", "registrants, line 5",
            "registrants, line 6", "confirmed items, line 3", "confirmed items, line 4", "confirmed items, line 5",
            "family, line 2", "applications, line 2", "applications, line 3"]
        assert "the same ID number is also on line 6" in problems[0]
        assert "check digit" in problems[1]
        assert "ID card" in problems[2] and "11 digits" in problems[2]
        assert "an account with this ID number exists in this county already" in problems[3]
        assert "Level" in problems[5]
        assert "no registrant with ID number 1101**********0010 on the registrants sheet" in problems[6]
        assert "\"跳远\" is not a score item of this county" in problems[7] and "in the future" in problems[7]
        assert "\"体育局\" is not a department of this county" in problems[7]
        assert "is not a relation" in problems[8]
        assert "outside the round's window (2027-03-01 to 2027-03-31)" in problems[9]
        assert "People in the household" not in problems[10] and "Household income per year" in problems[10]
        assert _counts(session) == before  # nothing written, not even an audit record


def test_the_dry_run_shows_what_would_be_created_and_writes_nothing(county, on_day):
    on_day(date(2027, 3, 20))
    data = xlsx_file(REGISTRANTS)  # one sheet: the first sheet of a workbook is not read by its title
    with county("jiashan") as session:
        before = _counts(session)
        report = onboarding.run_import(session, [("registrants.xlsx", _sheets(登记人=REGISTRANTS,
                                                                               已确认事项=[ITEM_HEADER, EDUCATION_ROW]))],
                                       actor="user:clerk", dry_run=True)
        assert not report.written and not report.blocked
        assert [(r.line, r.items, r.total) for r in report.registrants] == [(2, 1, 80)]
        assert _counts(session) == before
        unnamed = onboarding.run_import(session, [("x.xlsx", data)], actor="user:clerk", dry_run=True)
        assert "registrants sheet is missing" in str(unnamed.file_error)


def test_imported_points_are_in_the_ledger_with_their_provenance(county, on_day, cli, tmp_path):
    on_day(date(2027, 3, 20))
    with county("jiashan") as session:
        found = _round(session)
        session.commit()
        round_id = found.id
    registrants = tmp_path / "登记人.csv"
    registrants.write_bytes(csv_file(REGISTRANTS))
    items = tmp_path / "已确认事项.csv"
    items.write_bytes(csv_file([ITEM_HEADER, EDUCATION_ROW]))
    applied = tmp_path / "applications.csv"
    applied.write_bytes(csv_file([["national id", "program", "round", "applied at", "household income per year (cny)",
                                   "current floor area per person (m²)", "people in the household"],
                                  [REGISTRANT[0], PROGRAM, f"#{round_id}", "2027-03-02 08:15", "30000", "8", "3"]]))
    result = cli("exchange", "import-onboarding", str(registrants), str(items), str(applied), "--tenant", "jiashan",
                 "--actor", "王经办")
    assert result.exit_code == 0, result.output
    assert "imported 1 registrants, 1 confirmed items, 0 family members, 1 program applications" in result.output
    with county("jiashan") as session:
        user = accounts.find_by_id_number(session, REGISTRANT[0])
        assert user.must_change_password and not accounts.authenticate(session, user.mobile, "anything-at-all")
        application = session.scalar(select(Application).where(Application.user_id == user.id))
        assert application.status == "confirmed" and application.total_points == 80
        entry = session.scalar(select(LedgerEntry).where(LedgerEntry.application_id == application.id))
        current = session.scalar(select(func.max(RuleVersion.version)))
        assert (entry.item_type, entry.points, entry.rule_version) == ("education", 80, current)
        item = session.get(DeclaredItem, (require_tenant().id, entry.item_id))
        assert item.status == "verified" and item.department == "education"
        assert item.input == {"level": "bachelor", "institution": "浙江大学", "graduated_on": "2012-06-30"}
        verified = session.scalar(select(ItemReview).where(ItemReview.item_id == item.id))
        assert verified.actor == "cli:王经办" and verified.decision == "verified"
        assert "line 2" in verified.reason and "2024-05-04" in verified.reason
        assert "教育局" in verified.reason and "李审核" in verified.reason and "已确认事项.csv" in verified.reason
        assert verified.at.date() == date(2024, 5, 3)  # midnight in China is 16:00 UTC before
        pa = session.scalar(select(ProgramApplication).where(ProgramApplication.user_id == user.id))
        assert pa.applied_at == datetime(2027, 3, 2, 0, 15)  # 08:15 China time, stored in UTC: no clock moved
        event = session.scalar(select(AuditEvent).where(AuditEvent.action == "onboarding.imported"))
        assert event.actor == "cli:王经办" and event.details["registrants"] == 1


def _allocation(session, round_id) -> list[tuple[str, str]]:
    found = session.get(ProgramRound, (require_tenant().id, round_id))
    rounds.freeze_rules(session, found, actor="test")
    outcome = ranking.run(session, found, actor="test", seed=SEED)
    session.commit()
    rows = session.execute(
        select(User.id_number_encrypted, RankingResult.outcome)
        .join(ProgramApplication, ProgramApplication.user_id == User.id)
        .join(RankingResult, RankingResult.program_application_id == ProgramApplication.id)
        .where(RankingResult.run_id == outcome.run_id).order_by(RankingResult.position)).all()
    return [(protect.decrypt(number), result) for number, result in rows]


def _check(kind: str, allocation: list[tuple[str, str]]) -> None:
    allocated = sorted(number for number, outcome in allocation if outcome == "allocated")
    assert len(allocation) == 950 and len(allocated) == QUOTA
    assert any(outcome == "served_by_spouse" for _n, outcome in allocation)  # the family links count
    ALLOCATIONS[kind] = allocation
    other = ALLOCATIONS.get("portal" if kind == "import" else "import")
    if other is not None:
        assert allocation == other
    digest = hashlib.sha256("\n".join(allocated).encode()).hexdigest()
    assert digest == ALLOCATED_DIGEST, digest


# sha256 of the allocated national ID numbers (sorted, one a line): both ways in must give it.
ALLOCATED_DIGEST = "cff9663f35b4c858bd4f30577df946f23f9d74e8b8ca180e0e9c7ea149513890"


@pytest.mark.slow
def test_importing_1000_registrants_then_ranking_allocates_as_the_portal_does(county, on_day):
    on_day(date(2027, 3, 25))
    with county("jiashan") as session:
        found = _round(session)
        session.commit()
        round_id = found.id
        data = workbook(people(county_item_types(session), 1000), dict(accounts.departments()))
    with county("jiashan") as session:
        report = onboarding.run_import(session, [("county.xlsx", data)], actor="user:clerk")
        assert report.written, report.problems()[:5]
        assert report.totals["registrants"] == 1000 and report.totals["applications"] == 950
    on_day(date(2027, 4, 5))
    with county("jiashan") as session:
        _check("import", _allocation(session, round_id))


@pytest.mark.slow
def test_the_same_people_entered_through_the_portal_get_the_same_allocation(county, on_day):
    on_day(date(2027, 3, 2))
    with county("jiashan") as session:
        found = _round(session)
        session.commit()
        round_id = found.id
        crowd = people(county_item_types(session), 1000)
    by_serial = {p.serial: p for p in crowd}
    users = {}
    with county("jiashan") as session:
        hooks, types = current_county(session).hooks, county_item_types(session)
        from jifen.models import ApplicantProfile

        for person in crowd:  # register, declare with evidence, submit; the department verifies each item
            user = accounts.create_user(session, real_name=person.real_name, id_number=person.id_number,
                                        mobile=person.mobile, password="Portal-pass-2027")
            session.add(ApplicantProfile(user_id=user.id, has_residence_permit=True, permit_number=person.permit_number,
                                         works_in_county_since=date(2020, 3, 1)))
            application = applications.application_of(session, user, create=True)
            declared = []
            for item in person.items:
                made = applications.declare(session, application, types[item.item_type], item.input, actor=user.actor)
                evidence.store(session, made, "proof.pdf", io.BytesIO(b"%PDF-1.4\n% proof\n"))
                declared.append(made)
            applications.submit(session, hooks, application, user)
            for made in declared:
                review.decide(session, hooks, made, "verified", None, reviewer_actor="user:reviewer")
            users[person.serial] = user
        for person in crowd:  # each names their family; a spouse names them back
            if person.child:
                family.add(session, users[person.serial], relation="child", real_name=person.child[0],
                           id_number=person.child[1])
            if person.spouse:
                spouse = by_serial[person.spouse]
                family.add(session, users[person.serial], relation="spouse", real_name=spouse.real_name,
                           id_number=spouse.id_number)
                family.add(session, users[spouse.serial], relation="spouse", real_name=person.real_name,
                           id_number=person.id_number)
        session.commit()
    program = None
    for person in sorted((p for p in crowd if p.applied_at), key=lambda p: p.applied_at):
        on_day(person.applied_at.replace(tzinfo=clock.zone("Asia/Shanghai")))  # the portal stamps its own time
        with county("jiashan") as session:
            program = rounds.programs(session)[PROGRAM]
            user = session.get(User, (require_tenant().id, users[person.serial].id))
            rounds.apply(session, program, user, {k: str(v) for k, v in HOUSING.items()})
            session.commit()
    on_day(date(2027, 4, 5))
    with county("jiashan") as session:
        _check("portal", _allocation(session, round_id))
