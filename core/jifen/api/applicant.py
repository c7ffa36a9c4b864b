"""An applicant's own data over their login session: profile, points application, statuses.

Read-only GETs authenticated by the portal's flask-login session of the county in the URL, so a
browser page or an app on the applicant's phone can show them without another secret.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import current_user
from sqlalchemy import select

from jifen.points import applications

from jifen.programs import offers
from jifen.api import auth, schemas
from jifen.api.operations import operation
from jifen.api.pagination import PageArgs, after_in, envelope
from jifen.db.session import get_session
from jifen.identity import masking, protect
from jifen.models import ApplicantProfile, ProgramApplication, ProgramRound

bp = Blueprint("api_applicant", __name__)


@bp.get("/me")
@operation(summary="The applicant's own profile", tag="applicant", auth=auth.SESSION, response=schemas.Profile,
           errors=(401, 403))
def me():
    session = get_session()
    user = current_user
    profile = session.get(ApplicantProfile, (user.tenant_id, user.id))
    return {"id": user.id, "real_name": user.real_name,
            "id_number": masking.mask(protect.decrypt(user.id_number_encrypted)),
            "mobile": masking.mask_mobile(user.mobile),
            "has_residence_permit": profile.has_residence_permit if profile else None,
            "works_in_county_since": profile.works_in_county_since if profile else None,
            "town": profile.town if profile else None, "employer": profile.employer if profile else None}


@bp.get("/me/application")
@operation(summary="The applicant's points application and its items", tag="applicant", auth=auth.SESSION,
           response=schemas.PointsApplication, errors=(401, 403))
def my_application():
    session = get_session()
    found = applications.application_of(session, current_user)
    items = applications.items_of(session, found) if found is not None else []
    return {"id": found.id if found else None, "reference": found.reference if found else None,
            "status": found.status if found else "none",
            "total_points": found.total_points if found else None,
            "estimate": applications.estimate(session, found).total,
            "rule_version": found.rule_version if found else None,
            "submitted_at": found.submitted_at if found else None,
            "confirmed_at": found.confirmed_at if found else None,
            "recheck_until": found.recheck_until if found else None,
            "items": [{"id": i.id, "item_type": i.item_type, "department": i.department, "status": i.status,
                       "reason": i.reason, "due_on": i.due_on, "decided_at": i.decided_at} for i in items]}


@bp.get("/me/application/history")
@operation(summary="Every status change of the points application, oldest first", tag="applicant",
           auth=auth.SESSION, query=PageArgs, response=envelope(schemas.StatusEvent, "StatusEventPage"),
           errors=(401, 403))
def my_history(args):
    session = get_session()
    found = applications.application_of(session, current_user)
    events = applications.history(session, found) if found is not None else []
    return after_in(events, args["after"], args["limit"], lambda e: f"{e.at:%Y%m%d%H%M%S%f}_{e.id:019d}")


@bp.get("/me/program-applications")
@operation(summary="The applicant's applications to service programs, newest first", tag="applicant",
           auth=auth.SESSION, query=PageArgs,
           response=envelope(schemas.ProgramApplication, "ProgramApplicationPage"), errors=(401, 403))
def my_program_applications(args):
    session = get_session()
    rows = session.execute(select(ProgramApplication, ProgramRound)
                           .join(ProgramRound, ProgramRound.id == ProgramApplication.round_id)
                           .where(ProgramApplication.user_id == current_user.id)
                           .order_by(ProgramApplication.id.desc())).all()
    offer_of = {o.program_application_id: o.status for o in offers.offers_for_user(session, current_user)}
    # ids are time-ordered and shown newest first: the cursor counts down (zero-padded so that it sorts)
    found = after_in([a for a, _r in rows], args["after"], args["limit"], lambda a: f"{ID_SPAN - a.id:019d}")
    rounds = {a.id: r for a, r in rows}
    return type(found)([{"id": a.id, "reference": a.reference, "program_key": rounds[a.id].program_key,
                         "round_id": a.round_id,
                         "round_name": rounds[a.id].name, "sub_quota": a.sub_quota, "status": a.status,
                         "applied_at": a.applied_at, "offer_status": offer_of.get(a.id)} for a in found.items],
                       found.next_after)


ID_SPAN = 2**63 - 1
