"""The marshmallow schemas of the API's answers and bodies (they are also its OpenAPI components)."""

from __future__ import annotations

from datetime import timezone

import marshmallow as ma

from jifen.api.pagination import envelope

F = ma.fields


class Points(F.Decimal):
    """Points as a decimal string ("86.50"): exact, unlike a JSON number."""

    def __init__(self, **kwargs):
        super().__init__(places=2, as_string=True, **kwargs)


class UtcDateTime(F.DateTime):
    """Stored times are naive UTC; the API writes them with their offset (RFC 3339)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return super()._serialize(value, attr, obj, **kwargs)


class Names(ma.Schema):
    zh = F.String(required=True)
    en = F.String(required=True)


# Public -------------------------------------------------------------------------------------------

class County(ma.Schema):
    slug = F.String(required=True)
    names = F.Nested(Names, required=True)
    hotline = F.String(required=True)
    api = F.String(required=True, metadata={"description": "The county's API root on this host."})


class Program(ma.Schema):
    key = F.String(required=True)
    names = F.Nested(Names, required=True)
    summaries = F.Nested(Names, required=True)
    quota_mode = F.String(required=True, metadata={
        "description": "headcount, cutoff, threshold or budget (the quota is money, in yuan)"})
    start_on = F.Date(allow_none=True, required=True, metadata={"description": "Start in this county; null: started."})
    started = F.Boolean(required=True)
    open_round_id = F.Integer(allow_none=True, required=True)
    next_round_id = F.Integer(allow_none=True, required=True)


class Round(ma.Schema):
    id = F.Integer(required=True)
    program_key = F.String(required=True)
    name = F.String(required=True)
    opens_on = F.Date(required=True)
    closes_on = F.Date(required=True)
    quota = F.Integer(allow_none=True, required=True)
    sub_quotas = F.Dict(keys=F.String(), values=F.Integer(), required=True)
    threshold = Points(allow_none=True, required=True)
    rule_version = F.Integer(allow_none=True, required=True, metadata={"description": "Frozen when the window closes."})
    stage = F.String(required=True, metadata={"description": "upcoming, open, closed, provisional or final"})


class Publication(ma.Schema):
    stage = F.String(required=True, metadata={"description": "provisional or final"})
    starts_on = F.Date(required=True)
    ends_on = F.Date(allow_none=True, required=True, metadata={"description": "Last day for objections."})
    run_id = F.Integer(required=True)
    digest = F.String(required=True, metadata={"description": "SHA-256 of the run's ordered result."})
    cutoff = Points(allow_none=True, required=True)


class ListEntry(ma.Schema):
    position = F.Integer(required=True)
    sub_position = F.Integer(allow_none=True, required=True)
    application_number = F.String(required=True, metadata={
        "description": "The application's reference number (JS-2027-000123), as the public list shows it."})
    name = F.String(required=True, metadata={"description": "Masked as on the public list (张*明)."})
    id_number = F.String(required=True, metadata={"description": "Masked (3304**********123X)."})
    sub_quota = F.String(allow_none=True, required=True)
    points = Points(required=True)
    outcome = F.String(required=True)
    allocation_round = F.Integer(allow_none=True, required=True)


_ListPage = envelope(ListEntry, "ListEntryPage")


class PublishedList(_ListPage):
    publication = F.Nested(Publication, required=True)


class ScoreItem(ma.Schema):
    key = F.String(required=True)
    names = F.Nested(Names, required=True)
    category = F.String(required=True)
    aggregate = F.String(required=True, metadata={"description": "max, single or sum"})
    department = F.String(required=True, metadata={"description": "The department that verifies it."})
    input_schema = F.Dict(required=True, metadata={"description": "JSON Schema of the item's input."})


class CalculatorItem(ma.Schema):
    item_type = F.String(required=True, validate=ma.validate.Length(min=1, max=60))
    input = F.Dict(keys=F.String(), required=True)


class CalculatorBody(ma.Schema):
    items = F.List(F.Nested(CalculatorItem), required=True, validate=ma.validate.Length(max=50))


class CalculatorLine(ma.Schema):
    index = F.Integer(required=True, metadata={"description": "Position of the item in the request."})
    item_type = F.String(required=True)
    category = F.String(required=True)
    raw = Points(required=True)
    counted = Points(required=True)
    note = F.String(allow_none=True, required=True, metadata={"description": "not_highest, capped, one_of, not_offered, unavailable"})


class CalculatorResult(ma.Schema):
    total = Points(required=True)
    rule_version = F.Integer(allow_none=True, required=True)
    estimate = F.Boolean(required=True, metadata={"description": "Always true: departments verify each item."})
    lines = F.List(F.Nested(CalculatorLine), required=True)
    by_category = F.Dict(keys=F.String(), values=Points(), required=True)


# Applicant ----------------------------------------------------------------------------------------

class Profile(ma.Schema):
    id = F.Integer(required=True)
    real_name = F.String(required=True)
    id_number = F.String(required=True, metadata={"description": "Masked."})
    mobile = F.String(required=True, metadata={"description": "Masked."})
    has_residence_permit = F.Boolean(allow_none=True, required=True)
    works_in_county_since = F.Date(allow_none=True, required=True)
    town = F.String(allow_none=True, required=True)
    employer = F.String(allow_none=True, required=True)


class DeclaredItem(ma.Schema):
    id = F.Integer(required=True)
    item_type = F.String(required=True)
    department = F.String(required=True)
    status = F.String(required=True, metadata={"description": "declared, pending, supplement_requested, verified, rejected"})
    reason = F.String(allow_none=True, required=True)
    due_on = F.Date(allow_none=True, required=True)
    decided_at = UtcDateTime(allow_none=True, required=True)


class PointsApplication(ma.Schema):
    id = F.Integer(allow_none=True, required=True, metadata={"description": "null before anything is declared."})
    reference = F.String(allow_none=True, required=True, metadata={
        "description": "The reference number people quote (JS-2027-000123), given at submission; null before."})
    status = F.String(required=True, metadata={"description": "none, draft, submitted, supplement_requested, confirmed, recheck_requested"})
    total_points = Points(allow_none=True, required=True, metadata={"description": "Confirmed points."})
    estimate = Points(required=True, metadata={"description": "The live estimate over the items not rejected."})
    rule_version = F.Integer(allow_none=True, required=True)
    submitted_at = UtcDateTime(allow_none=True, required=True)
    confirmed_at = UtcDateTime(allow_none=True, required=True)
    recheck_until = F.Date(allow_none=True, required=True)
    items = F.List(F.Nested(DeclaredItem), required=True)


class StatusEvent(ma.Schema):
    id = F.Integer(required=True)
    status = F.String(required=True)
    item_id = F.Integer(allow_none=True, required=True)
    reason = F.String(allow_none=True, required=True)
    at = UtcDateTime(required=True)


class ProgramApplication(ma.Schema):
    id = F.Integer(required=True, metadata={"description": "The application's id in the API."})
    reference = F.String(required=True, metadata={
        "description": "The reference number on published lists and in messages (JS-2027-000123)."})
    program_key = F.String(required=True)
    round_id = F.Integer(required=True)
    round_name = F.String(required=True)
    sub_quota = F.String(allow_none=True, required=True)
    status = F.String(required=True)
    applied_at = UtcDateTime(required=True)
    offer_status = F.String(allow_none=True, required=True, metadata={"description": "offered, accepted, declined, expired; null: no offer"})


# Integration --------------------------------------------------------------------------------------

class TokenInfo(ma.Schema):
    id = F.Integer(required=True)
    name = F.String(required=True)
    prefix = F.String(required=True)
    county = F.String(required=True)
    scopes = F.List(F.String(), required=True)
    department = F.String(allow_none=True, required=True)


class Review(ma.Schema):
    decision = F.String(required=True)
    reason = F.String(allow_none=True, required=True)
    actor = F.String(required=True)
    at = UtcDateTime(required=True)


class Evidence(ma.Schema):
    id = F.Integer(required=True)
    original_name = F.String(required=True)
    content_type = F.String(required=True)
    size = F.Integer(required=True)
    sha256 = F.String(required=True)


class VerificationItem(ma.Schema):
    id = F.Integer(required=True)
    item_type = F.String(required=True)
    department = F.String(required=True)
    status = F.String(required=True)
    due_on = F.Date(allow_none=True, required=True)
    input = F.Dict(required=True, metadata={"description": "What the applicant declared (the item type's input)."})
    applicant_name = F.String(required=True, metadata={"description": "Masked, as reviewers see it."})


class VerificationDetail(VerificationItem):
    reason = F.String(allow_none=True, required=True)
    reviews = F.List(F.Nested(Review), required=True)
    evidence = F.List(F.Nested(Evidence), required=True)


class Decision(ma.Schema):
    decision = F.String(required=True, validate=ma.validate.OneOf(("verified", "rejected", "supplement_requested")))
    reason = F.String(load_default=None, allow_none=True, validate=ma.validate.Length(max=2000),
                      metadata={"description": "Required for rejected and supplement_requested; the applicant reads it."})


class DecisionResult(ma.Schema):
    item = F.Nested(VerificationDetail, required=True)
    application_status = F.String(required=True)
    total_points = Points(allow_none=True, required=True, metadata={"description": "Set once every item is decided."})


class ErrorBody(ma.Schema):
    status = F.Integer(required=True)
    code = F.String(required=True)
    message = F.String(required=True)
    details = F.Dict(required=True)


class Error(ma.Schema):
    error = F.Nested(ErrorBody, required=True)
