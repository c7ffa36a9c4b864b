"""The county's audit trail for its administrators: filtered, paged, in words, and as a spreadsheet."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from sqlalchemy import select

from jifen import audit, clock
from jifen.db.session import get_session
from jifen.exchange.spreadsheets import csv_chunks
from jifen.http.security import roles_required
from jifen.http.theme import render
from jifen.identity import accounts
from jifen.models import AuditEvent
from jifen.web import audit_words as words
from jifen.web.words import plugin_label

bp = Blueprint("admin_audit", __name__)
PAGE_SIZE = 50
CSV_ROWS = 10_000


def _local(at: datetime) -> datetime:
    return at.replace(tzinfo=timezone.utc).astimezone(clock.time_zone())


def _utc(day: date, *, end: bool = False) -> datetime:
    """The first moment of ``day`` (or of the day after it) in the county's zone, as naive UTC."""
    moment = datetime.combine(day + timedelta(days=1) if end else day, time(), clock.time_zone())
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def _filters(session) -> tuple[dict, dict, list]:
    """The filters of the query string: values as typed, errors per field, and the query's conditions."""
    values = {name: (request.args.get(name) or "").strip() for name in ("action", "object", "who", "from", "to")}
    errors: dict[str, str] = {}
    conditions = []
    if values["action"]:
        if values["action"] in words.ACTIONS:
            conditions.append(AuditEvent.action == values["action"])
        else:
            errors["action"] = _("Choose an action from the list.")
    if values["object"]:
        if values["object"] in words.OBJECTS:
            conditions.append(AuditEvent.target_type == values["object"])
        else:
            errors["object"] = _("Choose a kind of object from the list.")
    if values["who"]:
        user = accounts.find_by_mobile(session, values["who"])
        if user is None:
            errors["who"] = _("No account of this county has this mobile number.")
        else:
            conditions.append(AuditEvent.actor == user.actor)
    days = {}
    for name in ("from", "to"):
        if values[name]:
            try:
                days[name] = date.fromisoformat(values[name])
            except ValueError:
                errors[name] = _("Enter a date like 2027-05-01.")
    if "from" in days:
        conditions.append(AuditEvent.at >= _utc(days["from"]))
    if "to" in days:
        conditions.append(AuditEvent.at < _utc(days["to"], end=True))
    if "from" in days and "to" in days and days["to"] < days["from"]:
        errors["to"] = _("The end date is before the start date.")
    return values, errors, conditions


def _rows(session, events):
    actors = words.Actors(session, [e.actor for e in events])
    rounds = words.rounds_named(session, events)
    for event in events:
        target = words.object_label(event.target_type)
        if event.target_type == "round" and str(event.target_id or "").isdigit() and int(event.target_id) in rounds:
            target = f"{target} {rounds[int(event.target_id)]}"
        elif event.target_type == "plugin" and event.target_id:
            target = f"{target} {plugin_label(event.target_id)}"
        yield {"seq": event.seq, "at": _local(event.at), "who": actors.label(event.actor),
               "what": words.action_label(event.action), "object": target,
               "details": words.detail_rows(event.details, rounds, action=event.action, target=event.target_id)}


@bp.get("/audit")
@roles_required("admin")
def trail():
    session = get_session()
    values, errors, conditions = _filters(session)
    before = request.args.get("before", type=int)
    query = select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(PAGE_SIZE + 1)
    if not errors:
        query = query.where(*conditions)
    if before:
        query = query.where(AuditEvent.seq < before)
    events = session.scalars(query).all()
    more = len(events) > PAGE_SIZE
    events = events[:PAGE_SIZE]
    check = audit.verify(session) if before is None and not conditions else None
    filters = {k: v for k, v in values.items() if v} if not errors else {}
    return render("admin/audit.html", rows=list(_rows(session, events)), check=check, values=values, errors=errors,
                  filters=filters, older=events[-1].seq if more else None, actions=words.ACTIONS,
                  objects=words.OBJECTS), 400 if errors else 200


@bp.get("/audit.csv")
@roles_required("admin")
def trail_csv():
    session = get_session()
    _values, errors, conditions = _filters(session)
    if errors:
        return trail()
    events = session.scalars(select(AuditEvent).where(*conditions).order_by(AuditEvent.seq.desc())
                             .limit(CSV_ROWS)).all()
    header = [_("Number"), _("Time"), _("Who"), _("What"), _("Object"), _("Details")]
    lines = ([row["seq"], row["at"].strftime("%Y-%m-%d %H:%M:%S"), row["who"], str(row["what"]), str(row["object"]),
              "; ".join(f"{d.label}: {d.value}" for d in row["details"])] for row in _rows(session, events))
    response = Response(b"".join(csv_chunks([header, *lines])), mimetype="text/csv")
    response.headers["Content-Disposition"] = f"attachment; filename=audit-{clock.today().isoformat()}.csv"
    return response
