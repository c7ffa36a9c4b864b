"""The audit trail as officials read it: words for actions, names for actors, details as label and value,
filters that keep what was typed, paging that keeps the filters, and the same records as a spreadsheet."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from sqlalchemy import select

from jifen import audit
from jifen.models import AuditEvent
from jifen.web import audit_words

CORE = Path(audit_words.__file__).resolve().parents[1]


def _admin(client, make_user, login):
    admin = make_user("jiashan", role="admin", real_name="管理员甲")
    login(client, admin)
    return admin


def test_every_action_the_core_records_has_words():
    recorded = set()
    for source in CORE.rglob("*.py"):
        text = source.read_text(encoding="utf-8")
        recorded |= set(re.findall(r"audit\.record\(\s*\w+,\s*\"([a-z_.]+)\"", text))
        recorded |= set(re.findall(r"^\s+\"([a-z_]+\.[a-z_]+)\",?\s*$", text, re.M)) & {
            a for a in re.findall(r"\"([a-z_]+\.[a-z_]+)\"", text) if a.split(".")[0] in {"user", "tenant"}}
    recorded |= {"objection.dismissed", "objection.upheld", "item.verified", "item.rejected",
                 "item.supplement_requested", "plugin.enabled", "plugin.disabled", "plugin.settings_changed"}
    assert len(recorded) > 30
    assert sorted(recorded - set(audit_words.ACTIONS)) == []


def test_the_trail_reads_as_words_with_names_and_local_times(client, make_user, login, county):
    admin = _admin(client, make_user, login)
    target = make_user("jiashan", real_name="赵新居")
    client.submit(f"/jiashan/admin/users/{target.id}", {"role": "reviewer", "departments": "education"})
    html = re.sub(r'value="[^"]*"', "", client.get("/jiashan/admin/audit?lang=zh_Hans_CN").get_data(as_text=True))
    assert "角色已变更" in html and "user.role_changed" not in html
    assert "管**甲" in html and f"user:{admin.id}" not in html and admin.mobile not in html
    assert "教育局" in html and "education" not in re.sub(r"<[^>]+>", " ", html)
    assert "\\u" not in html and '{"' not in html


def test_filters_narrow_the_trail_and_bad_values_are_explained_and_kept(client, make_user, login, county):
    admin = _admin(client, make_user, login)
    target = make_user("jiashan")
    client.submit(f"/jiashan/admin/users/{target.id}", {"role": "reviewer", "departments": "education"})
    only = client.get("/jiashan/admin/audit?lang=en&action=user.role_changed").get_data(as_text=True)
    assert only.count("data-seq=") == 1
    mine = client.get(f"/jiashan/admin/audit?lang=en&who={admin.mobile}").get_data(as_text=True)
    with county("jiashan") as session:
        own = session.scalars(select(AuditEvent).where(AuditEvent.actor == f"user:{admin.id}")).all()
    assert mine.count("data-seq=") == len(own) >= 2  # the login and the role change
    bad = client.get("/jiashan/admin/audit?lang=en&from=2027-13-01&who=abc")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter a date like 2027-05-01." in text
    assert 'value="2027-13-01"' in text and 'value="abc"' in text and "No account of this county" in text
    later = client.get("/jiashan/admin/audit?lang=en&from=2099-01-01").get_data(as_text=True)
    assert "No record matches." in later


def test_paging_keeps_the_filters(client, make_user, login, county):
    _admin(client, make_user, login)
    with county("jiashan") as session:
        for n in range(55):
            audit.record(session, "points.rescored", actor="cli", target_type="rule_version", target_id=1,
                         details={"applications": n})
        session.commit()
    first = client.get("/jiashan/admin/audit?lang=en&action=points.rescored").get_data(as_text=True)
    assert first.count("data-seq=") == 50
    older = re.search(r'href="([^"]*before=\d+[^"]*)"', first).group(1).replace("&amp;", "&")
    assert "action=points.rescored" in older
    second = client.get(older).get_data(as_text=True)
    assert second.count("data-seq=") == 5 and "The command line" in second


def test_the_spreadsheet_holds_the_same_words(client, make_user, login):
    _admin(client, make_user, login)
    answer = client.get("/jiashan/admin/audit.csv?lang=en&action=user.login")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Cache-Control"].startswith("no-store")
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["Number", "Time", "Who", "What", "Object", "Details"]
    assert len(rows) >= 2 and {r[3] for r in rows[1:]} == {"Logged in"}


def test_only_the_countys_administrators_read_it(client, make_user, login):
    login(client, make_user("jiashan", role="reviewer", department="education"))
    assert client.get("/jiashan/admin/audit").status_code in (403, 404)
    assert client.get("/jiashan/admin/audit.csv").status_code in (403, 404)
    login(client, make_user("haining", role="admin"))
    across = client.get("/jiashan/admin/audit")
    assert across.status_code in (403, 404) or "/jiashan/login" in across.location  # not Jiashan's administrator
