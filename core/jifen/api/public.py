"""Public operations: counties, programs, rounds, published lists, score items and the calculator.

No login and nothing stored. Published lists are masked exactly as on the public pages
(jifen.programs.publication); the calculator runs the one scoring function (jifen.points.scoring).
"""

from __future__ import annotations

import marshmallow as ma
from apispec.ext.marshmallow import OpenAPIConverter
from flask import Blueprint, url_for
from sqlalchemy import select

from jifen import clock, references

from jifen.programs import rounds as programs

from jifen.programs import publication
from jifen.api import schemas
from jifen.api.errors import ApiError
from jifen.api.operations import Dumped, operation
from jifen.api.pagination import Page, PageArgs, after_in, envelope, page_of
from jifen.county.revisions import revision
from jifen.county.tenancy import require_tenant
from jifen.http.kept import kept
from jifen.db.session import get_session
from jifen.models import ProgramRound, RankingRun, Tenant
from jifen.points.rules import county_item_types, preview_rules
from jifen.points.scoring import Declared, score

platform_bp = Blueprint("api_platform", __name__)
bp = Blueprint("api_public", __name__)
ID_MAX = 2**63 - 1  # ids are BIGINT: larger numbers in a URL are simply not found


class ListArgs(PageArgs):
    number = ma.fields.String(load_default=None, validate=ma.validate.Length(max=40),
                              metadata={"description": "Only the entry with this reference number (JS-2027-000123; "
                                                       "spaces or other dashes are accepted)."})


@platform_bp.get("/counties")
@operation(summary="The counties on this platform", tag="public", query=PageArgs,
           response=envelope(schemas.County, "CountyPage"))
def counties(args):
    query = select(Tenant).order_by(Tenant.slug).limit(args["limit"] + 1)
    if args["after"] is not None:
        query = query.where(Tenant.slug > args["after"])
    rows = get_session().scalars(query).all()
    found = page_of(rows, args["limit"], lambda t: t.slug)
    items = [{"slug": t.slug, "names": {"zh": t.name_zh, "en": t.name_en}, "hotline": t.hotline,
              "api": url_for("api_public.programs_list", tenant=t.slug).rsplit("/programs", 1)[0]}
             for t in found.items]
    return type(found)(items, found.next_after)


def _program_dict(session, program) -> dict:
    current = programs.open_round(session, program.key)
    upcoming = programs.next_round(session, program.key)
    return {"key": program.key, "names": program.names,
            "summaries": {"zh": program.summaries.get("zh", ""), "en": program.summaries.get("en", "")},
            "quota_mode": program.quota_mode, "start_on": programs.start_date(session, program),
            "started": programs.started(session, program), "open_round_id": current.id if current else None,
            "next_round_id": upcoming.id if upcoming else None}


def program_or_404(key: str):
    found = programs.programs(get_session()).get(key)
    if found is None:
        raise ApiError(404)
    return found


@bp.get("/programs")
@operation(summary="The county's service programs", tag="public", query=PageArgs,
           response=envelope(schemas.Program, "ProgramPage"))
def programs_list(args):
    session = get_session()
    ordered = sorted(programs.programs(session).values(), key=lambda p: p.key)
    found = after_in(ordered, args["after"], args["limit"], lambda p: p.key)
    return type(found)([_program_dict(session, p) for p in found.items], found.next_after)


@bp.get("/programs/<key>")
@operation(summary="One service program", tag="public", response=schemas.Program, errors=(404,))
def program(key: str):
    return _program_dict(get_session(), program_or_404(key))


def _stage(session, found: ProgramRound) -> str:
    latest = publication.latest(session, found)
    if latest is not None:
        return latest.stage
    today = clock.today()
    return "upcoming" if today < found.opens_on else "open" if today <= found.closes_on else "closed"


def _round_dict(session, found: ProgramRound) -> dict:
    return {"id": found.id, "program_key": found.program_key, "name": found.name, "opens_on": found.opens_on,
            "closes_on": found.closes_on, "quota": found.quota, "sub_quotas": found.sub_quotas or {},
            "threshold": found.threshold, "rule_version": found.rule_version, "stage": _stage(session, found)}


def _round_cursor(found: ProgramRound) -> str:
    return f"{found.opens_on.isoformat()}_{found.id:019d}"


def round_or_404(key: str, round_id: int) -> ProgramRound:
    program_or_404(key)
    found = get_session().scalar(select(ProgramRound).where(ProgramRound.id == round_id,
                                                            ProgramRound.program_key == key))
    if found is None:
        raise ApiError(404)
    return found


@bp.get("/programs/<key>/rounds")
@operation(summary="A program's rounds, by opening date", tag="public", query=PageArgs,
           response=envelope(schemas.Round, "RoundPage"), errors=(404,))
def rounds(key: str, args):
    program_or_404(key)
    session = get_session()
    found = after_in(programs.rounds_of(session, key), args["after"], args["limit"], _round_cursor)
    return type(found)([_round_dict(session, r) for r in found.items], found.next_after)


@bp.get("/programs/<key>/rounds/<int(max=9223372036854775807):round_id>")
@operation(summary="One round", tag="public", response=schemas.Round, errors=(404,))
def round_detail(key: str, round_id: int):
    return _round_dict(get_session(), round_or_404(key, round_id))


def publication_dict(pub, run: RankingRun) -> dict:
    return {"stage": pub.stage, "starts_on": pub.starts_on, "ends_on": pub.ends_on, "run_id": run.id,
            "digest": run.digest, "cutoff": run.cutoff}


def published_page(found: ProgramRound, args: dict) -> dict:
    """The latest publication of ``found``, one keyset page of it; 404 before anything is published."""
    session = get_session()
    pub = _latest_or_404(session, found)
    # A publication's rows never change: each page of it is read once per process (jifen.web.page_cache).
    key = ("api list", found.tenant_id, pub.id, args.get("number"), args.get("after"), args["limit"])
    found_page, published = kept(key, lambda: _published_page(session, pub, args))
    return {**found_page.as_dict(), "publication": published}  # the next link follows this request's query


def _latest_or_404(session, found: ProgramRound):
    pub = publication.latest(session, found)
    if pub is None:
        raise ApiError(404, "Nothing is published for this round yet.")
    return pub


def _latest_page(found: ProgramRound, args: dict):
    session = get_session()
    return _published_page(session, _latest_or_404(session, found), args)


def _published_page(session, pub, args: dict):
    run = session.get(RankingRun, (pub.tenant_id, pub.run_id))
    if args.get("number") is not None:
        number = references.normalized(args["number"])
        if number is None:
            raise ApiError(422, details={"number": ["Not a reference number such as JS-2027-000123."]})
        entries = publication.page(session, pub, number=number)
        found_page = page_of(entries, args["limit"], lambda e: str(e.position))
    else:
        try:
            after = int(args["after"]) if args["after"] is not None else 0
            if after > ID_MAX:  # no position is larger, and the database refuses such a number
                raise ValueError(after)
        except ValueError:
            raise ApiError(422, details={"after": ["Not a cursor of this list."]}) from None
        entries = publication.page(session, pub, after=max(after, 0), size=args["limit"] + 1)
        found_page = page_of(entries, args["limit"], lambda e: str(e.position))
    return found_page, publication_dict(pub, run)


@bp.get("/programs/<key>/rounds/<int(max=9223372036854775807):round_id>/list")
@operation(summary="The round's published list (masked)", tag="public", query=ListArgs,
           response=schemas.PublishedList, errors=(404,),
           description="The latest publication (provisional or final) of the round, in position order. "
                       "Names and ID numbers are masked as on the public page.")
def published_list(key: str, round_id: int, args):
    program_or_404(key)
    session = get_session()
    tenant = require_tenant()
    # The same for everyone who asks: each page is kept per process under the county's rounds and
    # publications revisions (a newer publication, a round changed), read outside any transaction.
    revisions = (revision(session, tenant, "rounds_revision"), revision(session, tenant, "publications_revision"))
    page_key = ("api public list", tenant.id, key, round_id, revisions, args.get("number"), args.get("after"),
                args["limit"])
    items, next_after, published = kept(page_key, lambda: _dumped(*_latest_page(round_or_404(key, round_id), args)))
    # The next link follows this request's query.
    return Dumped(items=items, next_after=next_after, next=Page(items, next_after).as_dict()["next"],
                  publication=published)


def _dumped(found_page: Page, published: dict) -> tuple:
    """A page of the list as its JSON will hold it: dumped once, when it is kept."""
    body = schemas.PublishedList().dump({"items": found_page.items, "next_after": found_page.next_after,
                                         "next": None, "publication": published})
    return body["items"], body["next_after"], body["publication"]


_converter = OpenAPIConverter("3.0.3", schema_name_resolver=lambda schema: None, spec=None)


def _input_schema(item_type) -> dict:
    try:
        return _converter.schema2jsonschema(item_type.input_schema())
    except Exception:  # a plugin field apispec does not know: say nothing rather than fail the list
        return {"type": "object"}


@bp.get("/score-items")
@operation(summary="What earns points in the county", tag="public", query=PageArgs,
           response=envelope(schemas.ScoreItem, "ScoreItemPage"))
def score_items(args):
    types = county_item_types(get_session())
    ordered = [types[k] for k in sorted(types)]
    found = after_in(ordered, args["after"], args["limit"], lambda t: t.key)
    return type(found)([{"key": t.key, "names": t.names, "category": t.category, "aggregate": t.aggregate,
                         "department": t.department, "input_schema": _input_schema(t)} for t in found.items],
                       found.next_after)


@bp.post("/calculator")
@operation(summary="Estimate points (nothing is stored)", tag="public", body=schemas.CalculatorBody,
           response=schemas.CalculatorResult, errors=(400, 415, 422),
           description="The county's current rules over the items given, with the same scoring function as "
                       "confirmation. Each item's input is checked with its type's schema (see /score-items).")
def calculator(body):
    session = get_session()
    types = county_item_types(session)
    declared, errors = [], {}
    for index, item in enumerate(body["items"]):
        item_type = types.get(item["item_type"])
        if item_type is None:
            errors[index] = {"item_type": ["Not a score item of this county."]}
            continue
        schema = item_type.input_schema()
        try:
            data = schema.dump(schema.load(item["input"]))
        except ma.ValidationError as exc:
            errors[index] = {"input": exc.messages}
            continue
        except (TypeError, ValueError):  # input a plugin's schema cannot read: its exception text is not shown
            errors[index] = {"input": ["This input cannot be read for this item type."]}
            continue
        declared.append(Declared(index + 1, item_type.key, data))
    if errors:
        raise ApiError(422, details={"items": errors})
    rules = preview_rules(session)
    breakdown = score(declared, rules, types)
    return {"total": breakdown.total, "rule_version": rules.version, "estimate": True,
            "lines": [{"index": line.item_id - 1, "item_type": line.item_type, "category": line.category,
                       "raw": line.raw, "counted": line.counted, "note": line.note} for line in breakdown.lines],
            "by_category": dict(breakdown.by_category)}
