"""Helpers of the exchange tests: submitted applications, and the files a clerk would upload."""

import csv
import io
from datetime import date

from sqlalchemy import func, select

from jifen.county.context import current_county

from jifen.points import applications

from jifen.points import evidence
from jifen.models import ApplicantProfile, AuditEvent, ItemReview, LedgerEntry, Message, User
from jifen.points.rules import county_item_types

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EDUCATION = {"level": "bachelor", "institution": "浙江大学", "graduated_on": "2012-06-30"}  # 80 points in Jiashan
SKILL = {"level": "senior_skill", "occupation": "电工", "certificate_number": "ZJ2020001", "issued_on": "2020-05-01"}


def submitted(county, make_user, slug: str, *declared: tuple[str, dict], name: str = "陈新民") -> dict:
    """An applicant of ``slug`` with the ``declared`` items (type, input), evidence and submitted."""
    person = make_user(slug, real_name=name)
    with county(slug) as session:
        user = session.scalar(select(User).where(User.id == person.id))
        session.add(ApplicantProfile(user_id=user.id, has_residence_permit=True, works_in_county_since=date(2019, 1, 1)))
        application = applications.application_of(session, user, create=True)
        types = county_item_types(session)
        ids = []
        for item_type, data in declared:
            item = applications.declare(session, application, types[item_type], data, actor=user.actor)
            evidence.store(session, item, "proof.pdf", io.BytesIO(PDF))
            ids.append(item.id)
        applications.submit(session, current_county(session).hooks, application, user)
        session.commit()
        return {"application": application.id, "items": ids, "user": person.id}


def csv_file(rows, encoding: str = "utf-8-sig") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    return buffer.getvalue().encode(encoding)


def xlsx_file(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_rows(data: bytes) -> list[list]:
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def counts(session) -> dict:
    """What an import may write: decisions, their audit records, ledger rows, messages."""
    return {
        "reviews": session.scalar(select(func.count(ItemReview.id))),
        "audit": session.scalar(select(func.count(AuditEvent.seq))),
        "item_audit": session.scalar(select(func.count(AuditEvent.seq)).where(AuditEvent.action.like("item.%"))),
        "import_audit": session.scalar(select(func.count(AuditEvent.seq)).where(
            AuditEvent.action == "verifications.imported")),
        "ledger": session.scalar(select(func.count(LedgerEntry.id))),
        "messages": session.scalar(select(func.count(Message.id))),
    }
