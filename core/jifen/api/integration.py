"""Operations for a county's department systems, with the county's API tokens.

A token with ``verifications:read`` reads its department's queue; with ``verifications:write`` it
records verification results, through the same function as a reviewer's decision
(jifen.points.review.decide: the audit record, rescoring on confirmation and the applicant's messages
all happen as with a reviewer). ``lists:read`` pulls published lists. An item of another
department, or any object of another county, is not found (404).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint
from sqlalchemy import select, tuple_

from jifen.points import review
from jifen.api import auth, schemas
from jifen.api.errors import ApiError
from jifen.api.operations import operation
from jifen.api.pagination import PageArgs, envelope, page_of
from jifen.api.public import ID_MAX, ListArgs, published_page
from jifen.identity.api_tokens import actor_of
from jifen.points.applications import ApplicationError
from jifen.db.session import get_session
from jifen.identity import masking
from jifen.models import Application, DeclaredItem, EvidenceFile, ProgramRound, User
from jifen.models.application import ITEM_PENDING
from jifen.county.tenancy import require_tenant
from jifen.county.context import current_county

bp = Blueprint("api_integration", __name__)


@bp.get("/token")
@operation(summary="The calling token: its name, scopes and department", tag="integration", auth=auth.TOKEN,
           response=schemas.TokenInfo, errors=(401,))
def token_info():
    record = auth.current_token()
    return {"id": record.id, "name": record.name, "prefix": record.prefix, "county": require_tenant().slug,
            "scopes": list(record.scopes or []), "department": record.department}


def _applicant_names(session, items) -> dict[int, str]:
    if not items:
        return {}
    rows = session.execute(select(Application.id, User.real_name)
                           .join(User, User.id == Application.user_id)
                           .where(Application.id.in_({i.application_id for i in items}))).all()
    return {app_id: masking.mask_name(name) for app_id, name in rows}


def _item_dict(item: DeclaredItem, names: dict[int, str]) -> dict:
    return {"id": item.id, "item_type": item.item_type, "department": item.department, "status": item.status,
            "due_on": item.due_on, "input": item.input or {}, "applicant_name": names.get(item.application_id, "")}


def _detail(session, item: DeclaredItem) -> dict:
    files = session.scalars(select(EvidenceFile).where(EvidenceFile.item_id == item.id).order_by(EvidenceFile.id))
    return {**_item_dict(item, _applicant_names(session, [item])), "reason": item.reason,
            "reviews": [{"decision": r.decision, "reason": r.reason, "actor": r.actor, "at": r.at}
                        for r in review.reviews_of(session, item)],
            "evidence": [{"id": f.id, "original_name": f.original_name, "content_type": f.content_type,
                          "size": f.size, "sha256": f.sha256} for f in files]}


def _department() -> str:
    department = auth.current_token().department
    if department is None:  # refused when the token is made; kept as a wall
        raise ApiError(403, code="insufficient_scope")
    return department


def _item_or_404(item_id: int) -> DeclaredItem:
    # The same rule as a reviewer's: the token's own department's submitted items only.
    found = review.item_for_reviewer(get_session(), item_id, _department())
    if found is None:
        raise ApiError(404)
    return found


def _queue_cursor(item: DeclaredItem) -> str:
    return f"{item.due_on.isoformat()}_{item.id}"


@bp.get("/verifications")
@operation(summary="The department's items waiting for a decision, soonest due first", tag="integration",
           auth=auth.TOKEN, scope="verifications:read", query=PageArgs,
           response=envelope(schemas.VerificationItem, "VerificationItemPage"), errors=(401, 403))
def verification_queue(args):
    session = get_session()
    query = select(DeclaredItem).where(DeclaredItem.department == _department(),
                                       DeclaredItem.status == ITEM_PENDING)
    if args["after"] is not None:
        try:
            due, _sep, last_id = args["after"].partition("_")
            after = (date.fromisoformat(due), int(last_id))
            if not 0 <= after[1] <= ID_MAX:  # ids are BIGINT: the database refuses a larger number
                raise ValueError(last_id)
            query = query.where(tuple_(DeclaredItem.due_on, DeclaredItem.id) > after)
        except ValueError:
            raise ApiError(422, details={"after": ["Not a cursor of this list."]}) from None
    rows = session.scalars(query.order_by(DeclaredItem.due_on, DeclaredItem.id).limit(args["limit"] + 1)).all()
    found = page_of(rows, args["limit"], _queue_cursor)
    names = _applicant_names(session, found.items)
    return type(found)([_item_dict(i, names) for i in found.items], found.next_after)


@bp.get("/verifications/<int(max=9223372036854775807):item_id>")
@operation(summary="One of the department's items, with its evidence and earlier decisions", tag="integration",
           auth=auth.TOKEN, scope="verifications:read", response=schemas.VerificationDetail, errors=(401, 403, 404))
def verification_item(item_id: int):
    return _detail(get_session(), _item_or_404(item_id))


@bp.post("/verifications/<int(max=9223372036854775807):item_id>/decision")
@operation(summary="Record the department's verification result for an item", tag="integration",
           auth=auth.TOKEN, scope="verifications:write", body=schemas.Decision, response=schemas.DecisionResult,
           errors=(400, 401, 403, 404, 409, 415, 422),
           description="verified, rejected or supplement_requested (the last two with the reason the applicant "
                       "reads). Exactly as a reviewer's decision: audited with the token as actor, the "
                       "applicant is told, and the points are confirmed once every item is decided. "
                       "An item not waiting for a decision answers 409.")
def decide(item_id: int, body):
    session = get_session()
    item = _item_or_404(item_id)
    if item.status != ITEM_PENDING:
        raise ApiError(409, "This item is not waiting for a decision.")
    try:
        application = review.decide(session, current_county().hooks, item, body["decision"], body.get("reason"),
                                    reviewer_actor=actor_of(auth.current_token()))
    except ApplicationError as exc:
        session.rollback()
        raise ApiError(422, exc.message, details=exc.messages) from None
    session.commit()
    return {"item": _detail(session, item), "application_status": application.status,
            "total_points": application.total_points}


@bp.get("/rounds/<int(max=9223372036854775807):round_id>/results")
@operation(summary="A round's published list, for department systems", tag="integration", auth=auth.TOKEN,
           scope="lists:read", query=ListArgs, response=schemas.PublishedList, errors=(401, 403, 404),
           description="The latest publication of the round with the run's digest, masked as on the public "
                       "page; the same keyset pages as the public list.")
def round_results(round_id: int, args):
    found = get_session().scalar(select(ProgramRound).where(ProgramRound.id == round_id))
    if found is None:
        raise ApiError(404)
    return published_page(found, args)

