"""A county's existing records in one go: registrants, their confirmed items, family links, open applications.

The file (:mod:`jifen.exchange.onboarding_sheets`) is checked line by line first: every bad line of every
sheet is reported as ``<sheet>, line N: reason``. One bad line means nothing is written. Then everything
is written in one transaction, with one audit record for the import as a whole:

- each registrant gets an applicant account without a password (the county gives them an initial one at
  the counter, as for a lost password: ``must_change_password``) and a profile;
- each confirmed item becomes a verified item without evidence files, with a review record telling its
  provenance (``imported from <file> line N, verified <date> by <department>``) dated the original
  verification day; the registrant's points are then confirmed by :func:`jifen.points.ledger.confirm`, the
  code every confirmation goes through: ledger rows under the county's current rule version;
- family links as :mod:`jifen.points.family` keeps them; a spouse who is also a registrant is linked both ways
  (the county's records vouch for both);
- each open program application is checked as :func:`jifen.programs.rounds.apply` checks one, but keeps the
  ORIGINAL application time (the ranking's ``applied_at`` tie-break) and names its round.

A dry run does all of it and rolls back, so it shows exactly what would be created, points included. A
check that needs what is written (a program's own conditions on the confirmed points) fails the line then.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from decimal import Decimal

import marshmallow as ma
from sqlalchemy import select
from sqlalchemy.orm import Session

from jifen import audit, clock, references
from jifen.county.context import current_county
from jifen.events import announce
from jifen.exchange import onboarding_sheets as sheets
from jifen.exchange.onboarding_sheets import APPLICATIONS, FAMILY, ITEMS, REGISTRANTS
from jifen.exchange.sheet_import import LineProblems, LineReport, header_key, map_header, sha256_of, upload_name
from jifen.exchange.spreadsheets import SheetError, Table
from jifen.identity import accounts, masking, national_id, protect
from jifen.models import (
    ApplicantProfile, Application, DeclaredItem, FamilyMember, ItemReview, ProgramApplication, RankingRun,
    StatusEvent, User,
)
from jifen.models.application import ITEM_VERIFIED, SUBMITTED
from jifen.points import applications as points_applications
from jifen.points.applications import ApplicationError
from jifen.points.family import birth_date
from jifen.points.ledger import confirm
from jifen.points.rules import county_item_types
from jifen.programs import rounds
from jifen.text import lazy_gettext as _l

MAX_ROWS = 5000  # rows per sheet
MAX_BYTES = 20 * 1024 * 1024
LOOKUP_BATCH = 500
# Stored instead of a password hash: no password matches it (argon2 cannot read it), so an imported
# registrant logs in only once the county has given them an initial password.
NO_PASSWORD = "!imported"
RELATIONS = {"spouse": ("spouse", "husband", "wife", "配偶", "丈夫", "妻子", "夫", "妻"),
             "child": ("child", "son", "daughter", "子女", "儿子", "女儿", "子", "女")}
_RELATIONS = {header_key(word): key for key, words in RELATIONS.items() for word in words}


@dataclass
class SheetRow(LineProblems):
    sheet: str
    line: int
    id_number: str | None = None  # the registrant's, normalised
    values: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)

    def message(self) -> str:
        return str(_l("%(sheet)s, line %(line)d: %(reason)s", sheet=sheets.SHEET_LABELS[self.sheet], line=self.line,
                      reason="; ".join(str(p) for p in self.problems)))


@dataclass
class Registrant:
    """What the import made (or, on a dry run, would make) of one registrant."""

    line: int
    name: str  # masked
    id_number: str  # masked
    items: int = 0
    total: Decimal | None = None
    family: int = 0
    applications: list[str] = field(default_factory=list)  # reference numbers


@dataclass
class OnboardingReport(LineReport):
    file_name: str
    sha256: str
    dry_run: bool
    file_error: object = None
    rows: list[SheetRow] = field(default_factory=list)
    counts: dict = field(default_factory=dict)  # sheet -> lines read
    ignored_sheets: list[str] = field(default_factory=list)
    ignored_columns: dict = field(default_factory=dict)  # sheet -> names
    registrants: list[Registrant] = field(default_factory=list)
    written: bool = False

    @property
    def blocked(self) -> bool:
        return self.file_error is not None or bool(self.bad_rows)

    @property
    def totals(self) -> dict:
        return {"registrants": len(self.registrants), "items": sum(r.items for r in self.registrants),
                "family": sum(r.family for r in self.registrants),
                "applications": sum(len(r.applications) for r in self.registrants)}


def _cells(cells: list[str], columns: dict[str, int]):
    return lambda key: cells[columns[key]] if key in columns and columns[key] < len(cells) else ""


def _id_number(text: str, row: SheetRow, *, what=None) -> str | None:
    if not text:
        row.problems.append(what or _l("the ID number is missing"))
        return None
    if sheets.lost_digits(text):
        row.problems.append(_l("the ID number \"%(text)s\" lost its last digits (the spreadsheet turned it into a "
                               "number): format the column as text", text=text))
        return None
    try:
        return national_id.validate(text)
    except national_id.InvalidNationalId as exc:
        row.problems.append(_l("ID number %(number)s: %(reason)s", number=masking.mask(text), reason=exc.args[0]))
        return None


def _past_date(text: str, row: SheetRow, missing, label):
    if not text:
        if missing is not None:
            row.problems.append(missing)
        return None
    day = sheets.parse_date(text)
    if day is None:
        row.problems.append(_l("%(what)s \"%(text)s\" is not a date (like 2023-05-04)", what=label, text=text))
    elif day > clock.today():
        row.problems.append(_l("%(what)s %(day)s is in the future", what=label, day=day.isoformat()))
        return None
    return day


def _lines(lines: list[int]) -> str:
    return ", ".join(str(n) for n in lines)


# --- checking each sheet ---------------------------------------------------------------------

def _check_registrants(session: Session, table: Table, columns: dict[str, int]) -> list[SheetRow]:
    rows = []
    for line, cells in table.rows:
        cell, row = _cells(cells, columns), SheetRow(REGISTRANTS, line)
        row.id_number = _id_number(cell("id_number"), row)
        for key, check in (("real_name", accounts.check_real_name), ("mobile", accounts.check_mobile)):
            try:
                row.values[key] = check(cell(key))
            except accounts.AccountError as exc:
                row.problems.append(exc.message)
        for key, most in (("town", 40), ("permit_number", 40), ("employer", 100)):
            if len(cell(key)) > most:
                names = sheets.COLUMNS[REGISTRANTS][key]
                row.problems.append(_l("the column \"%(en)s\" (%(zh)s) is longer than %(n)d characters",
                                       en=names["en"][0], zh=names["zh"][0], n=most))
            row.values[key] = cell(key)[:most] or None
        row.values["works_in_county_since"] = _past_date(cell("works_in_county_since"), row, None,
                                                         _l("the date of starting work in the county"))
        rows.append(row)
    for key in ("id_number", "mobile"):
        seen: dict[str, list[int]] = {}
        for row in rows:
            value = row.id_number if key == "id_number" else row.values.get("mobile")
            if value:
                seen.setdefault(value, []).append(row.line)
        for row in rows:
            value = row.id_number if key == "id_number" else row.values.get("mobile")
            others = [n for n in seen.get(value, []) if n != row.line]
            if others:
                row.problems.append(_again(key, others))
    hashes = {protect.lookup_hash(r.id_number): r for r in rows if r.id_number}
    mobiles = {r.values["mobile"]: r for r in rows if r.values.get("mobile")}
    for found in _existing(session, User.id_number_hash, list(hashes)):
        hashes[found].problems.append(_l("an account with this ID number exists in this county already"))
    for found in _existing(session, User.mobile, list(mobiles)):
        mobiles[found].problems.append(_l("an account with this mobile number exists in this county already"))
    return rows


def _again(key: str, lines: list[int]):
    if key == "id_number":
        return _l("the same ID number is also on line %(lines)s", lines=_lines(lines))
    return _l("the same mobile number is also on line %(lines)s", lines=_lines(lines))


def _existing(session: Session, column, values: list[str]) -> set[str]:
    found = set()
    for start in range(0, len(values), LOOKUP_BATCH):
        found.update(session.scalars(select(column).where(column.in_(values[start:start + LOOKUP_BATCH]))))
    return found


def _registrant_of(cell, row: SheetRow, known: dict[str, SheetRow]) -> None:
    row.id_number = _id_number(cell("id_number"), row, what=_l("the registrant's ID number is missing"))
    if row.id_number and row.id_number not in known:
        row.problems.append(_l("no registrant with ID number %(number)s on the registrants sheet",
                               number=masking.mask(row.id_number)))


def _by_names(things, text: str):
    """The declared thing (an item type, a program) named ``text``: its key or one of its names."""
    wanted = header_key(text)
    return next((t for t in things if wanted in {header_key(t.key), *(header_key(n) for n in t.names.values())}), None)


def _department(text: str) -> str | None:
    wanted = header_key(text)
    return next((key for key, names in accounts.departments().items()
                 if wanted in {header_key(key), *(header_key(str(n)) for n in dict(names).values())}), None)


def _check_items(session: Session, table: Table, columns: dict[str, int], known: dict[str, SheetRow]) -> list[SheetRow]:
    types = county_item_types(session)
    field_columns: dict[str, dict] = {}
    rows, singles = [], {}
    for line, cells in table.rows:
        cell, row = _cells(cells, columns), SheetRow(ITEMS, line)
        _registrant_of(cell, row, known)
        item_type = _by_names(types.values(), cell("item_type")) if cell("item_type") else None
        if not cell("item_type"):
            row.problems.append(_l("the item type is missing"))
        elif item_type is None:
            row.problems.append(_l("\"%(text)s\" is not a score item of this county", text=cell("item_type")))
        row.values["verified_on"] = _past_date(cell("verified_on"), row, _l("the verification date is missing"),
                                               _l("the verification date"))
        department = _department(cell("department")) if cell("department") else None
        if department is None:
            row.problems.append(_l("\"%(text)s\" is not a department of this county (%(known)s)", text=cell("department"),
                                   known=", ".join(str(n.get("zh", k)) for k, n in accounts.departments().items()))
                                if cell("department") else _l("the verifying department is missing"))
        row.values["department"] = department
        if len(cell("reviewer")) > 50:
            row.problems.append(_l("the reviewer's name is longer than %(n)d characters", n=50))
        row.values["reviewer"] = cell("reviewer") or None
        if item_type is not None:
            row.values["item_type"] = item_type.key
            schema = item_type.input_schema()
            found = field_columns.setdefault(item_type.key, sheets.field_columns(schema, table.header))
            raw, unreadable = sheets.raw_input(schema, found, cells)
            for label in unreadable:
                row.problems.append(_l("%(field)s: the cell cannot be read", field=label))
            if not unreadable:
                try:
                    row.values["input"] = points_applications.clean_input(item_type, raw)
                except ApplicationError as exc:
                    row.problems.extend(sheets.schema_problems(schema, exc.messages) or [exc.message])
            if item_type.aggregate == "single" and row.id_number:
                earlier = singles.setdefault((row.id_number, item_type.key), row.line)
                if earlier != row.line:
                    row.problems.append(_l("this registrant has this item on line %(line)d already: it counts once, "
                                           "keep one line", line=earlier))
        rows.append(row)
    return rows


def _check_family(table: Table, columns: dict[str, int], known: dict[str, SheetRow]) -> list[SheetRow]:
    rows = []
    for line, cells in table.rows:
        cell, row = _cells(cells, columns), SheetRow(FAMILY, line)
        _registrant_of(cell, row, known)
        relation = _RELATIONS.get(header_key(cell("relation")))
        if relation is None:
            row.problems.append(_l("\"%(text)s\" is not a relation: write 配偶 (spouse) or 子女 (child)",
                                   text=cell("relation")))
        member = _id_number(cell("member_id_number"), row, what=_l("the family member's ID number is missing"))
        name = cell("member_name")
        if not name or len(name) > 50:
            row.problems.append(_l("the family member's name is missing or longer than 50 characters"))
        criminal = sheets.parse_yes_no(cell("criminal_record"))
        if criminal is None:
            row.problems.append(_l("\"%(text)s\" in the criminal record column: write 是 (yes) or 否 (no)",
                                   text=cell("criminal_record")))
        if member and member == row.id_number:
            row.problems.append(_l("the family member's ID number is the registrant's own"))
        row.values.update(relation=relation, member=member, name=name, criminal=bool(criminal))
        rows.append(row)
    firsts: dict[tuple, int] = {}
    spouses: dict[str, tuple[str, int]] = {}
    for row in rows:
        if row.id_number and row.values["member"]:
            earlier = firsts.setdefault((row.id_number, row.values["member"]), row.line)
            if earlier != row.line:
                row.problems.append(_l("this family member is on line %(line)d already", line=earlier))
        if row.id_number and row.values["relation"] == "spouse":
            earlier = spouses.setdefault(row.id_number, (row.values["member"], row.line))
            if earlier[1] != row.line:
                row.problems.append(_l("a second spouse of this registrant (line %(line)d has one)", line=earlier[1]))
    for row in rows:  # a spouse who is a registrant too may name this one back, and no one else
        other = spouses.get(row.values["member"] or "") if row.values["relation"] == "spouse" else None
        if other is not None and other[0] != row.id_number:
            row.problems.append(_l("the spouse names another spouse on line %(line)d", line=other[1]))
    return rows


def _round_of(session: Session, program, text: str):
    if not text:
        return rounds.open_round(session, program.key), _l("no round of this program is open today: name the round")
    number = text.lstrip("#＃").strip()
    for found in rounds.rounds_of(session, program.key):
        if (number.isdigit() and found.id == int(number)) or header_key(found.name) == header_key(text):
            return found, None
    return None, _l("\"%(text)s\" is not a round of this program", text=text)


def _check_applications(session: Session, table: Table, columns: dict[str, int], known: dict[str, SheetRow],
                        with_items: set[str]) -> list[SheetRow]:
    programs = rounds.programs(session)
    rows, seen = [], {}
    ranked: dict[int, bool] = {}
    now = clock.utcnow()
    for line, cells in table.rows:
        cell, row = _cells(cells, columns), SheetRow(APPLICATIONS, line)
        _registrant_of(cell, row, known)
        if row.id_number in known and row.id_number not in with_items:
            row.problems.append(_l("this registrant has no confirmed item in the file: points are confirmed before "
                                   "applying for a program"))
        program = _by_names(programs.values(), cell("program")) if cell("program") else None
        applied_at = sheets.parse_moment(cell("applied_at")) if cell("applied_at") else None
        if not cell("applied_at"):
            row.problems.append(_l("the application time is missing"))
        elif applied_at is None:
            row.problems.append(_l("\"%(text)s\" is not a time (like 2026-09-10 09:30)", text=cell("applied_at")))
        elif applied_at > now:
            row.problems.append(_l("the application time is in the future"))
        if program is None:
            row.problems.append(_l("\"%(text)s\" is not a service program of this county", text=cell("program"))
                                if cell("program") else _l("the program is missing"))
            rows.append(row)
            continue
        if not rounds.started(session, program):
            row.problems.append(_l("this program is not open to applications in this county yet"))
        found, problem = _round_of(session, program, cell("round"))
        if found is None:
            row.problems.append(problem)
            rows.append(row)
            continue
        if found.id not in ranked:
            ranked[found.id] = session.scalar(select(RankingRun.id).where(RankingRun.round_id == found.id).limit(1)) \
                is not None
        if ranked[found.id]:
            row.problems.append(_l("the round \"%(name)s\" is ranked already: applications can no longer be added",
                                   name=found.name))
        if applied_at is not None:
            day = applied_at.replace(tzinfo=timezone.utc).astimezone(clock.time_zone()).date()
            if not found.opens_on <= day <= found.closes_on:
                row.problems.append(_l("the application time is outside the round's window (%(opens)s to %(closes)s)",
                                       opens=found.opens_on.isoformat(), closes=found.closes_on.isoformat()))
        if row.id_number:
            earlier = seen.setdefault((row.id_number, found.id), row.line)
            if earlier != row.line:
                row.problems.append(_l("this registrant applies in this round on line %(line)d already", line=earlier))
        schema = program.application_schema()
        raw, unreadable = sheets.raw_input(schema, sheets.field_columns(schema, table.header), cells)
        for label in unreadable:
            row.problems.append(_l("%(field)s: the cell cannot be read", field=label))
        data = None
        try:
            data = schema.dump(schema.load(raw))
        except ma.ValidationError as exc:
            row.problems.extend(sheets.schema_problems(schema, exc.messages))
        sub_quota = data.get(program.sub_quota_by) if data is not None and program.sub_quota_by else None
        if data is not None and found.sub_quotas and sub_quota not in found.sub_quotas:
            row.problems.append(_l("\"%(text)s\" is not one of this round's sub-quotas (%(known)s)", text=sub_quota or "",
                                   known=", ".join(found.sub_quotas)))
        row.values.update(program=program, round=found, applied_at=applied_at, fields=data, sub_quota=sub_quota)
        rows.append(row)
    return rows


# --- writing ---------------------------------------------------------------------------------

def _moment(day) -> datetime:
    """The start of ``day`` in the county's zone, stored as naive UTC."""
    return datetime.combine(day, time(0, 0), tzinfo=clock.time_zone()).astimezone(timezone.utc).replace(tzinfo=None)


def _provenance(file_name: str, row: SheetRow) -> str:
    departments = accounts.departments()
    names = departments.get(row.values["department"]) or {}
    department = names.get("zh") or row.values["department"]
    text = _l("imported from %(file)s line %(line)d, verified %(day)s by %(department)s", file=file_name,
              line=row.line, day=row.values["verified_on"].isoformat(), department=department)
    if row.values.get("reviewer"):
        text = _l("%(provenance)s (reviewer: %(reviewer)s)", provenance=text, reviewer=row.values["reviewer"])
    return str(text)[:2000]


def _write(session: Session, report: OnboardingReport, rows: dict[str, list[SheetRow]], actor: str) -> None:
    users: dict[str, User] = {}
    summary: dict[str, Registrant] = {}
    for row in rows[REGISTRANTS]:
        values = row.values
        user = User(real_name=values["real_name"], id_number_encrypted=protect.encrypt(row.id_number),
                    id_number_hash=protect.lookup_hash(row.id_number), mobile=values["mobile"],
                    password_hash=NO_PASSWORD, role="applicant", must_change_password=True)
        session.add(user)
        session.flush()
        session.add(ApplicantProfile(user_id=user.id, has_residence_permit=bool(values["permit_number"]),
                                     permit_number=values["permit_number"], town=values["town"],
                                     works_in_county_since=values["works_in_county_since"], employer=values["employer"]))
        audit.record(session, "user.created", actor=actor, target_type="user", target_id=user.id,
                     details={"role": "applicant", "departments": [], "mobile": masking.mask_mobile(user.mobile),
                              "imported": {"file_sha256": report.sha256, "line": row.line}})
        users[row.id_number] = user
        summary[row.id_number] = Registrant(row.line, masking.mask_name(user.real_name), masking.mask(row.id_number))
        report.registrants.append(summary[row.id_number])
    items_of: dict[str, list[SheetRow]] = {}
    for row in rows[ITEMS]:
        items_of.setdefault(row.id_number, []).append(row)
    for number, item_rows in items_of.items():
        user = users[number]
        first = _moment(min(r.values["verified_on"] for r in item_rows))
        application = Application(user_id=user.id, status=SUBMITTED, submitted_at=first,
                                  reference=references.next_reference(session))
        session.add(application)
        session.flush()
        session.add(StatusEvent(application_id=application.id, status=SUBMITTED, actor=actor, at=first))
        for row in item_rows:
            verified = _moment(row.values["verified_on"])
            item = DeclaredItem(application_id=application.id, item_type=row.values["item_type"],
                                input=row.values["input"], department=row.values["department"], status=ITEM_VERIFIED,
                                created_at=verified, decided_at=verified)
            session.add(item)
            session.flush()
            reason = _provenance(report.file_name, row)
            session.add(ItemReview(item_id=item.id, decision=ITEM_VERIFIED, reason=reason, actor=actor, at=verified,
                                   input=dict(item.input)))
            session.add(StatusEvent(application_id=application.id, status=f"item_{ITEM_VERIFIED}", item_id=item.id,
                                    reason=reason, actor=actor, at=verified))
            audit.record(session, f"item.{ITEM_VERIFIED}", actor=actor, target_type="item", target_id=item.id,
                         details={"reason": reason, "item_type": item.item_type})
        breakdown = confirm(session, application, actor=actor)  # the ledger, as after any confirmation
        session.add(StatusEvent(application_id=application.id, status="confirmed", actor=actor,
                                reason=str(breakdown.total)))
        summary[number].items, summary[number].total = len(item_rows), breakdown.total
    _write_family(session, rows[FAMILY], users, summary, actor)
    for row in rows[APPLICATIONS]:
        _write_application(session, row, users[row.id_number], summary[row.id_number], actor)


def _write_family(session: Session, family_rows: list[SheetRow], users: dict[str, User],
                  summary: dict[str, Registrant], actor: str) -> None:
    declared = {(r.id_number, r.values["member"]) for r in family_rows}
    wanted = [(r.id_number, r.values["relation"], r.values["name"], r.values["member"], r.values["criminal"])
              for r in family_rows]
    for row in family_rows:  # a spouse who is a registrant too is linked both ways
        number, member = row.id_number, row.values["member"]
        if row.values["relation"] == "spouse" and member in users and (member, number) not in declared:
            wanted.append((member, "spouse", users[number].real_name, number, False))
    hashes = {member: protect.lookup_hash(member) for _n, _r, _name, member, _c in wanted}
    others = {u.id_number_hash: u.id for u in session.scalars(select(User).where(
        User.id_number_hash.in_(list(set(hashes.values())))))} if hashes else {}
    made: dict[tuple[int, str], FamilyMember] = {}
    for number, relation, name, member, criminal in wanted:
        user = users[number]
        entry = FamilyMember(user_id=user.id, relation=relation, real_name=name[:50],
                             id_number_encrypted=protect.encrypt(member), id_number_hash=hashes[member],
                             birth_date=birth_date(member), criminal_record=criminal)
        if relation == "spouse":
            entry.linked_user_id = others.get(hashes[member])
        session.add(entry)
        made[(user.id, hashes[member])] = entry
        summary[number].family += 1
    session.flush()
    own_hashes = {u.id: u.id_number_hash for u in users.values()}
    for (user_id, _member_hash), entry in made.items():
        if entry.relation == "spouse" and entry.linked_user_id:
            back = made.get((entry.linked_user_id, own_hashes[user_id])) or session.scalar(select(FamilyMember).where(
                FamilyMember.user_id == entry.linked_user_id, FamilyMember.relation == "spouse",
                FamilyMember.id_number_hash == own_hashes[user_id]))  # an account of the county that named them
            if back is not None:
                back.linked_user_id = user_id
                entry.link_confirmed = back.link_confirmed = True
        audit.record(session, "family.added", actor=actor, target_type="family_member", target_id=entry.id,
                     details={"relation": entry.relation, "linked": entry.link_confirmed})
    session.flush()


def _write_application(session: Session, row: SheetRow, user: User, summary: Registrant, actor: str) -> None:
    program, found, data = row.values["program"], row.values["round"], row.values["fields"]
    try:
        problems = program.check(data, rounds.context_for(session, user), rounds.settings_of(session, program)) \
            if program.check else []
    except ApplicationError as exc:
        problems = [exc.message]
    if problems:
        row.problems.extend(problems)
        return
    result = ProgramApplication(round_id=found.id, user_id=user.id, sub_quota=row.values["sub_quota"], fields=data,
                                applied_at=row.values["applied_at"], reference=references.next_reference(session))
    session.add(result)
    session.flush()
    audit.record(session, "program.applied", actor=actor, target_type="program_application", target_id=result.id,
                 details={"program": program.key, "round": found.id, "sub_quota": result.sub_quota,
                          "number": result.reference, "applied_at": result.applied_at.isoformat(), "imported": True})
    announce(session, "on_program_application_changed", program=program.key, round_id=found.id,
             program_application_id=result.id, user_id=user.id, reference=result.reference, status=result.status,
             sub_quota=result.sub_quota)
    summary.applications.append(result.reference)


# --- the import ------------------------------------------------------------------------------

def _read(report: OnboardingReport, files: list[tuple[str, bytes]], max_rows: int, max_bytes: int):
    if sum(len(data) for _name, data in files) > max_bytes:
        report.file_error = _l("The file is larger than %(mb)s MB: split it into several files.",
                               mb=round(max_bytes / (1024 * 1024), 1))
        return None
    try:
        tables, report.ignored_sheets = sheets.read_files(files, max_rows=max_rows)
    except SheetError as exc:
        report.file_error = exc.message
        return None
    if REGISTRANTS not in tables:
        report.file_error = _l("The registrants sheet is missing: name a sheet 登记人 (registrants).")
        return None
    headers = {}
    for sheet in sheets.SHEET_ORDER:
        if sheet not in tables:
            continue
        columns, ignored, problems = map_header(tables[sheet].header, sheets.HEADER_NAMES[sheet],
                                                sheets.COLUMNS[sheet], sheets.REQUIRED[sheet])
        if problems:
            report.file_error = _l("%(sheet)s, line 1 (the header): %(problems)s", sheet=sheets.SHEET_LABELS[sheet],
                                   problems="; ".join(str(p) for p in problems))
            return None
        if sheet == REGISTRANTS and ignored:
            report.ignored_columns[sheet] = ignored  # other sheets' extra columns are the items' and programs' fields
        headers[sheet] = columns
        report.counts[sheet] = len(tables[sheet].rows)
    return tables, headers


def run_import(session: Session, files: list[tuple[str, bytes]], *, actor: str, dry_run: bool = False,
               max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> OnboardingReport:
    """Check ``files`` (one workbook, or CSV files named after their sheets) and import them into the bound county.

    Owns the transaction: it commits when it wrote everything and rolls back otherwise (always on a dry
    run). The session should have nothing pending when it is called.
    """
    names = [upload_name(name) for name, _data in files]
    digest = sha256_of(files[0][1]) if len(files) == 1 else sha256_of("".join(
        sha256_of(data) for _name, data in files).encode())
    report = OnboardingReport(file_name=", ".join(names)[:200], sha256=digest, dry_run=dry_run)
    read = _read(report, files, max_rows, max_bytes)
    if read is None:
        return report
    tables, headers = read
    try:
        rows = {REGISTRANTS: _check_registrants(session, tables[REGISTRANTS], headers[REGISTRANTS])}
        known = {r.id_number: r for r in rows[REGISTRANTS] if r.id_number}
        rows[ITEMS] = _check_items(session, tables[ITEMS], headers[ITEMS], known) if ITEMS in tables else []
        rows[FAMILY] = _check_family(tables[FAMILY], headers[FAMILY], known) if FAMILY in tables else []
        with_items = {r.id_number for r in rows[ITEMS]}
        rows[APPLICATIONS] = _check_applications(session, tables[APPLICATIONS], headers[APPLICATIONS], known,
                                                 with_items) if APPLICATIONS in tables else []
        report.rows = [row for sheet in sheets.SHEET_ORDER for row in rows[sheet]]
        if report.blocked:
            session.rollback()
            return report
        try:
            _write(session, report, rows, actor)
        except ApplicationError as exc:  # the county's rules cannot be read now: nothing can be scored
            session.rollback()
            report.file_error, report.registrants = exc.message, []
            return report
        if report.blocked or dry_run:  # a program's own conditions refused a line, or only a dry run
            session.rollback()
            if report.blocked:
                report.registrants = []
            return report
        audit.record(session, "onboarding.imported", actor=actor, target_type="onboarding_import",
                     target_id=report.sha256, details={"file_name": report.file_name, "file_sha256": report.sha256,
                                                       "lines": report.counts, **report.totals})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    report.written = True
    return report
