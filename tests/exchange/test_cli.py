"""``jifen exchange import-verifications``: dry run, all or nothing, skip bad rows, exit status."""

from sqlalchemy import select

from jifen.models import AuditEvent, DeclaredItem

from .helpers import counts, csv_file, xlsx_file


def statuses(county, ids):
    with county("jiashan") as session:
        found = dict(session.execute(select(DeclaredItem.id, DeclaredItem.status).where(DeclaredItem.id.in_(ids))).all())
        return [found[i] for i in ids]


def test_dry_run_then_import(cli, county, queues, tmp_path):
    ids = [queues.item(0), queues.item(1)]
    path = tmp_path / "results.xlsx"
    path.write_bytes(xlsx_file([["事项编号", "审核结果", "理由"], [f"#{ids[0]}", "通过", None],
                                [f"#{ids[1]}", "补正", "请补充学位证书"]]))
    with county("jiashan") as session:
        before = counts(session)
    dry = cli("exchange", "import-verifications", str(path), "--county", "jiashan", "--department", "education",
              "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "dry run, nothing written: 2 decisions would be recorded" in dry.stdout
    assert f"line 2: item #{ids[0]} would be approved, the application's last open item" in dry.stdout
    assert f"line 3: item #{ids[1]} would be supplement requested\n" in dry.stdout
    with county("jiashan") as session:
        assert counts(session) == before
    done = cli("exchange", "import-verifications", str(path), "--county", "jiashan", "--department", "education",
               "--actor", "王会计")
    assert done.exit_code == 0, done.output
    assert "jiashan: 2 decisions recorded for education" in done.stdout
    assert f"line 2: item #{ids[0]} approved, points confirmed: 80.00" in done.stdout
    assert statuses(county, ids) == ["verified", "supplement_requested"]
    with county("jiashan") as session:
        record = session.scalar(select(AuditEvent).where(AuditEvent.action == "verifications.imported"))
        assert record.actor == "cli:王会计" and record.details["applied"] == 2


def test_a_bad_row_writes_nothing_and_exits_1_unless_bad_rows_are_skipped(cli, county, queues, tmp_path):
    good = queues.item(0)
    path = tmp_path / "results.csv"
    path.write_bytes(csv_file([["item", "decision", "reason"], [f"#{good}", "通过", ""], ["#42", "不通过", "无"],
                               [f"#{queues.haining['items'][0]}", "通过", ""]]))
    with county("jiashan") as session:
        before = counts(session)
    refused = cli("exchange", "import-verifications", str(path), "--county", "jiashan", "--department", "education")
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[:2] == ["line 3: item #42 not found",
                                               f"line 4: item #{queues.haining['items'][0]} not found"]
    assert "nothing written" in refused.stderr and "--skip-bad-rows" in refused.stderr
    with county("jiashan") as session:
        assert counts(session) == before
    skipped = cli("exchange", "import-verifications", str(path), "--county", "jiashan", "--department", "education",
                  "--skip-bad-rows")
    assert skipped.exit_code == 0 and "1 decisions recorded" in skipped.stdout and "line 3:" in skipped.stderr
    assert statuses(county, [good]) == ["verified"]


def test_unknown_department_county_and_unreadable_file(cli, queues, tmp_path):
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    unreadable = cli("exchange", "import-verifications", str(path), "--county", "jiashan", "--department", "education")
    assert unreadable.exit_code == 1 and "The file is empty." in unreadable.stderr
    department = cli("exchange", "import-verifications", str(path), "--county", "jiashan", "--department", "police")
    assert department.exit_code == 1 and "no department 'police'" in department.output
    county = cli("exchange", "import-verifications", str(path), "--county", "nowhere", "--department", "education")
    assert county.exit_code == 1 and "no county called 'nowhere'" in county.output
