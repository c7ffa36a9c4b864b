"""Importing verification results: every row checked first, nothing written for a bad file, one transaction."""

import logging

import pytest
from sqlalchemy import select

from jifen.county.context import current_county

from jifen.points import review
from jifen.exchange import verifications
from jifen.models import Application, AuditEvent, DeclaredItem, ItemReview, LedgerEntry

from .helpers import EDUCATION, SKILL, counts, csv_file, submitted, xlsx_file


def run(session, data, *, department="education", **options):
    return verifications.run_import(session, current_county(session).hooks, data, file_name="file",
                                    department=department, actor="user:clerk", **options)


def status(session, item_id):
    return session.scalar(select(DeclaredItem.status).where(DeclaredItem.id == item_id))


def make(kind, rows):
    return csv_file(rows) if kind == "csv" else xlsx_file(rows)


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_bad_file_writes_nothing_and_reports_each_bad_row_with_its_line_and_reason(county, queues, kind):
    first, second, third, fourth = (queues.item(n) for n in range(4))
    skill, haining = queues.skill["items"][0], queues.haining["items"][0]
    with county("jiashan") as session:  # decided on the item's page before the import
        review.decide(session, current_county(session).hooks,
                      session.scalar(select(DeclaredItem).where(DeclaredItem.id == fourth)), "verified", None,
                      reviewer_actor="user:other")
        session.commit()
        before = counts(session)
    rounded = "1.23457E+18" if kind == "csv" else 1.23457e18  # what a spreadsheet makes of a long number
    rows = [
        ["申请编号", "事项编号", "审核结果", "理由"],                       # line 1
        [f"#{queues.education[0]['application']}", f"#{first}", "通过", ""],  # 2: good
        ["", "#999", "通过", ""],                                            # 3: no such item
        ["", f"#{skill}", "通过", ""],                                       # 4: another department's
        ["", f"#{haining}", "通过", ""],                                     # 5: another county's
        ["", f"#{second}", "maybe", ""],                                     # 6: no such decision, and line 10
        ["", f"#{third}", "不通过", ""],                                      # 7: a rejection without reason
        [],                                                                  # 8: empty, left out
        ["", f"#{fourth}", "通过", ""],                                       # 9: decided already
        ["", f"#{second}", "通过", ""],                                       # 10: the same item again
        ["", rounded, "通过", ""],                                           # 11: the number lost digits
    ]
    with county("jiashan") as session:
        report = run(session, make(kind, rows))
        assert not report.written
        assert report.problems() == [
            "line 3: item #999 not found",
            f"line 4: item #{skill} not found",
            f"line 5: item #{haining} not found",
            f"line 6: \"maybe\" is not a decision: write 通过 (approved), 不通过 (rejected) or 补正 (supplement); "
            f"item #{second} is on several lines (6, 10): keep one",
            "line 7: a rejection or a supplement request needs a reason (the applicant reads it)",
            f"line 9: item #{fourth} is decided already (approved)",
            f"line 10: item #{second} is on several lines (6, 10): keep one",
            f"line 11: the item number \"{rounded if kind == 'csv' else '1.23457e+18'}\" lost its last "
            "digits (the spreadsheet turned it into a number): format the column as text, or export the queue again",
        ]
        assert [r.line for r in report.good_rows] == [2]
        # Nothing was written: no decision, no audit record of one, no ledger row, no message.
        assert counts(session) == before
        assert status(session, first) == "pending" and status(session, third) == "pending"
        assert session.scalar(select(ItemReview).where(ItemReview.item_id == first)) is None
        assert session.scalar(select(LedgerEntry).where(LedgerEntry.item_id == first)) is None


def test_good_rows_go_through_decide_in_one_transaction_with_an_audit_record_of_the_import(county, queues, caplog):
    first, second, third = queues.item(0), queues.item(1), queues.item(2)
    data = csv_file([["item", "decision", "reason"], [f"#{first}", "approved", ""],
                     [f"#{second}", "不通过", "学历证书与学信网记录不符"], [f"#{third}", "补正", "请补充学位证书"],
                     [f"#{queues.item(3)}", "", ""]])
    with county("jiashan") as session:
        before = counts(session)
        with caplog.at_level(logging.INFO, logger="jifen.notifications"):
            report = run(session, data)
        assert report.written and not report.problems()
        assert [(r.line, r.decision) for r in report.applied_rows] == [
            (2, "verified"), (3, "rejected"), (4, "supplement_requested")]
        assert report.undecided == [5]
        assert [status(session, i) for i in (first, second, third, queues.item(3))] == [
            "verified", "rejected", "supplement_requested", "pending"]
        # Exactly what a reviewer's decision on the page leaves: a review, an audit record, history, messages...
        reviews = session.scalars(select(ItemReview).where(ItemReview.item_id.in_([first, second, third]))).all()
        assert {(r.decision, r.actor) for r in reviews} == {("verified", "user:clerk"), ("rejected", "user:clerk"),
                                                           ("supplement_requested", "user:clerk")}
        after = counts(session)
        assert after["item_audit"] == before["item_audit"] + 3
        assert after["messages"] > before["messages"]
        # ... and the first application, whose only item is verified, is confirmed with its ledger.
        application = session.scalar(select(Application).where(Application.id == queues.education[0]["application"]))
        assert application.status == "confirmed" and application.total_points == 80
        assert report.applied_rows[0].confirmed_total == 80
        assert session.scalar(select(LedgerEntry.points).where(LedgerEntry.item_id == first)) == 80
        record = session.scalar(select(AuditEvent).where(AuditEvent.action == "verifications.imported"))
        assert record.actor == "user:clerk" and record.target_id == report.sha256
        assert record.details["applied"] == 3 and record.details["bad"] == 0 and record.details["undecided"] == 1
        assert record.details["department"] == "education" and record.details["file_sha256"] == report.sha256
    # The channels (here the log channel) were called, once per message, after the import was committed:
    # verified and confirmed; rejected, then confirmed (no item left open); supplement requested.
    assert sum("notify jiashan" in r.getMessage() for r in caplog.records) == after["messages"] - before["messages"] == 4


def test_a_dry_run_writes_nothing_calls_no_channel_and_shows_what_would_happen(county, queues, caplog):
    data = csv_file([["item", "decision", "reason"], [f"#{queues.item(0)}", "通过", ""],
                     [f"#{queues.item(1)}", "不通过", "证书无效"]])
    with county("jiashan") as session:
        before = counts(session)
        with caplog.at_level(logging.INFO, logger="jifen.notifications"):
            report = run(session, data, dry_run=True)
        assert not report.written and not report.problems()
        assert [r.line for r in report.good_rows] == [2, 3] and not report.applied_rows
        assert [r.completes for r in report.good_rows] == [True, True]  # each the application's last open item
        assert counts(session) == before
        assert status(session, queues.item(0)) == "pending"
    assert not [r for r in caplog.records if "notify" in r.getMessage()]


def test_a_row_refused_while_applying_undoes_the_rows_before_it_and_no_channel_is_called(county, queues, caplog,
                                                                                          monkeypatch):
    """Another reviewer decides an item between the check and its turn: the whole file rolls back."""
    real_decide = review.decide
    calls = []

    def decide_racing(session, hooks, item, decision, reason, *, reviewer_actor):
        calls.append(item.id)
        if len(calls) == 2:
            raise review.ApplicationError("This item is not waiting for a decision.")
        return real_decide(session, hooks, item, decision, reason, reviewer_actor=reviewer_actor)

    monkeypatch.setattr(verifications.review, "decide", decide_racing)
    data = csv_file([["item", "decision"], [f"#{queues.item(0)}", "通过"], [f"#{queues.item(1)}", "通过"]])
    with county("jiashan") as session:
        before = counts(session)
        with caplog.at_level(logging.INFO, logger="jifen.notifications"):
            report = run(session, data)
        assert not report.written and report.problems() == ["line 3: This item is not waiting for a decision."]
        assert counts(session) == before and status(session, queues.item(0)) == "pending"
    assert len(calls) == 2 and not [r for r in caplog.records if "notify" in r.getMessage()]


def test_a_dry_run_foresees_confirmation_only_when_the_applications_last_open_item_is_decided(county, make_user,
                                                                                               queues):
    both = submitted(county, make_user, "jiashan", ("education", EDUCATION), ("skill", SKILL))
    data = csv_file([["item", "decision", "reason"], [f"#{both['items'][0]}", "通过", ""],
                     [f"#{queues.item(0)}", "补正", "请补充学位证书"], [f"#{queues.item(1)}", "不通过", "证书无效"]])
    with county("jiashan") as session:
        report = run(session, data, dry_run=True)
        # the skill item (another department's) is still open; a supplement request leaves its item open
        assert [(r.line, r.completes) for r in report.good_rows] == [(2, False), (3, False), (4, True)]


def test_skip_bad_rows_applies_the_good_rows_and_reports_the_bad(county, queues):
    good, bad = queues.item(0), queues.item(1)
    data = csv_file([["item", "decision", "reason"], [f"#{good}", "通过", ""], [f"#{bad}", "不通过", ""],
                     ["#12", "通过", ""], [f"#{queues.item(2)}", "", "理由但没有结论"],
                     [f"#{queues.item(3)}", "驳回", "x" * 2001], ["第七项", "通过", ""]])
    with county("jiashan") as session:
        report = run(session, data, skip_bad_rows=True)
        assert report.written
        assert [r.line for r in report.applied_rows] == [2]
        assert [r.line for r in report.bad_rows] == [3, 4, 5, 6, 7]
        assert "reason but no decision" in report.problems()[2]
        assert "longer than 2000 characters" in report.problems()[3]
        assert report.problems()[4] == 'line 7: "第七项" is not an item number (like #1234)'
        assert status(session, good) == "verified" and status(session, bad) == "pending"
        record = session.scalar(select(AuditEvent).where(AuditEvent.action == "verifications.imported"))
        assert record.details["bad_lines"] == [3, 4, 5, 6, 7] and record.details["skip_bad_rows"] is True


def test_another_departments_reviewer_and_another_county_find_nothing(county, queues):
    education_items = [queues.item(n) for n in range(2)]
    data = csv_file([["item", "decision"]] + [[f"#{i}", "通过"] for i in education_items])
    with county("jiashan") as session:
        report = run(session, data, department="human_resources", skip_bad_rows=True)
        assert [p.split(": ", 1)[1] for p in report.problems()] == [f"item #{i} not found" for i in education_items]
        assert not report.written
    with county("haining") as session:
        report = run(session, data, skip_bad_rows=True)
        assert [p.split(": ", 1)[1] for p in report.problems()] == [f"item #{i} not found" for i in education_items]
    with county("jiashan") as session:
        assert [status(session, i) for i in education_items] == ["pending", "pending"]


def test_the_application_number_when_given_must_be_the_items(county, queues):
    data = csv_file([["application", "item", "decision"],
                     [f"#{queues.education[1]['application']}", f"#{queues.item(0)}", "通过"]])
    with county("jiashan") as session:
        report = run(session, data)
        assert report.problems() == [f"line 2: item #{queues.item(0)} is not part of application "
                                     f"#{queues.education[1]['application']}"]


def test_numbers_beyond_the_ids_range_are_bad_rows_not_a_crash(county, queues):
    # Ids are 63-bit: a 19-digit number past 2**63 - 1 can name no item, and the database refuses it.
    too_large = str(2**63)
    data = csv_file([["application", "item", "decision"], ["", f"#{too_large}", "通过"],
                     [f"#{too_large}", f"#{queues.item(0)}", "通过"], ["", f"#{2**63 - 1}", "通过"]])
    with county("jiashan") as session:
        report = run(session, data, skip_bad_rows=True)
        assert report.problems() == [f"line 2: \"#{too_large}\" is not an item number (like #1234)",
                                     f"line 3: \"#{too_large}\" is not an application number (like #1234)",
                                     f"line 4: item #{2**63 - 1} not found"]
        assert not report.written and status(session, queues.item(0)) == "pending"

def test_a_gb18030_csv_with_chinese_headers_is_read(county, queues):
    data = csv_file([["申请编号", "事项编号", "事项类型", "审核结果", "理由"],
                     [f"#{queues.education[0]['application']}", f"#{queues.item(0)}", "学历", "通过", ""],
                     [f"#{queues.education[1]['application']}", f"#{queues.item(1)}", "学历", "不通过", "毕业证书无法核实"]],
                    encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")  # really not UTF-8
    with county("jiashan") as session:
        report = run(session, data)
        assert report.written and report.encoding == "gb18030"
        assert status(session, queues.item(1)) == "rejected"
        assert session.scalar(select(DeclaredItem.reason).where(DeclaredItem.id == queues.item(1))) == "毕业证书无法核实"


def test_utf8_with_and_without_bom_and_a_semicolon_of_excel_are_read(county, queues):
    with county("jiashan") as session:
        plain = run(session, csv_file([["item", "decision"], [f"#{queues.item(0)}", "通过"]], encoding="utf-8"),
                    dry_run=True)
        bom = run(session, csv_file([["item", "decision"], [f"#{queues.item(0)}", "通过"]]), dry_run=True)
        tabbed = run(session, f"item\tdecision\r\n#{queues.item(0)}\t通过\r\n".encode("utf-16"), dry_run=True)
        assert [r.problems() for r in (plain, bom, tabbed)] == [[], [], []]
        assert [len(r.good_rows) for r in (plain, bom, tabbed)] == [1, 1, 1]


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty."),
    (b"\xef\xbb\xbf\r\n", "The file is empty."),
    (b"item,decision\r\n", "The file has a header but no rows under it."),
    (b"number,verdict\r\n#1,yes\r\n", "line 1 (the header): the column \"item\" (事项编号) is missing; "
                                     "the column \"decision\" (审核结果) is missing"),
    (b"item,decision,item\r\n#1,ok,#2\r\n", "line 1 (the header): the column \"item\" appears twice"),
    (b"item,decision\r\n#1,\xff\xfe\xff\r\n", "first unreadable bytes on line 2"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100, "old Excel file (.xls)"),
    (b"PK\x03\x04broken", "not a readable Excel workbook"),
    (b"item,decision\r\n" + b"#1,\"" + b"x" * 200_000 + b"\"\r\n", "Line 2 cannot be read as CSV"),
])
def test_a_file_that_cannot_be_used_is_refused_with_a_clear_message(county, queues, data, message):
    with county("jiashan") as session:
        before = counts(session)
        report = run(session, data, skip_bad_rows=True)
        assert report.file_error is not None and message in str(report.file_error)
        assert report.problems() == [str(report.file_error)] and not report.written
        assert counts(session) == before


def test_a_workbook_whose_sheet_is_cut_short_is_refused_with_a_clear_message(county, queues):
    # In read-only mode openpyxl parses a sheet's XML only while its rows are read.
    import io
    import zipfile

    whole, cut = io.BytesIO(xlsx_file([["item", "decision"], [f"#{queues.item(0)}", "通过"]])), io.BytesIO()
    with zipfile.ZipFile(whole) as source, zipfile.ZipFile(cut, "w") as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info, content[:len(content) // 2] if info.filename.endswith("sheet1.xml") else content)
    with county("jiashan") as session:
        report = run(session, cut.getvalue())
        assert "not a readable Excel workbook" in str(report.file_error) and not report.written

def test_too_many_rows_and_too_large_files_are_refused(county, queues):
    data = csv_file([["item", "decision"]] + [[f"#{queues.item(n)}", "通过"] for n in range(3)])
    with county("jiashan") as session:
        assert "more than 2 rows" in str(run(session, data, max_rows=2).file_error)
        assert "more than 2 rows" in str(run(session, xlsx_file([["item", "decision"]] + [["#1", "通过"]] * 3),
                                             max_rows=2).file_error)
        assert "larger than" in str(run(session, data, max_bytes=20).file_error)
        assert run(session, data, max_rows=3).file_error is None
