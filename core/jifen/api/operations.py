"""Declaring an API operation: who may call it, what it reads, what it answers.

:func:`operation` wraps a view of an API blueprint. The wrapper checks access (jifen.api.auth),
loads the query string and the JSON body with marshmallow schemas (422 with field messages when
they do not fit) and dumps the view's result with the response schema. The same declaration
feeds the OpenAPI document (jifen.api.spec), so the document cannot drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import wraps

import marshmallow as ma
from flask import jsonify, request

from jifen.api import auth
from jifen.api.errors import ApiError
from jifen.api.pagination import Page


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    auth: str = auth.PUBLIC
    scope: str | None = None
    query: type[ma.Schema] | None = None
    body: type[ma.Schema] | None = None
    response: type[ma.Schema] | None = None
    status: int = 200
    errors: tuple[int, ...] = ()
    description: str = ""
    path_params: dict = field(default_factory=dict)  # name -> description


def _json_body() -> dict:
    if request.content_length and not request.is_json:
        raise ApiError(415)
    if not request.get_data(cache=True):
        return {}
    try:
        raw = request.get_json(silent=True)
    except RecursionError:  # nested deeper than the JSON decoder goes: as unreadable as bad JSON
        raw = None
    if raw is None:
        raise ApiError(400, "The body is not valid JSON.")
    if not isinstance(raw, dict):
        raise ApiError(422, details={"_schema": ["The body must be a JSON object."]})
    return raw


def _load(schema_cls: type[ma.Schema], data, unknown=ma.RAISE) -> dict:
    try:
        return schema_cls().load(data, unknown=unknown)
    except ma.ValidationError as exc:
        raise ApiError(422, details=exc.messages) from None


class Dumped(dict):
    """A response body already dumped by the operation's response schema (a page kept per process, say):
    given to JSON as it is, not dumped again."""


def operation(**declared):
    """Declare an API view; see :class:`Operation` for the keywords."""
    op = Operation(**declared)

    def decorate(view):
        @wraps(view)
        def wrapper(**kwargs):
            auth.check(op.auth, op.scope)
            if op.query is not None:
                # unknown query arguments (?lang=en) are ignored; unknown body fields are refused
                kwargs["args"] = _load(op.query, request.args.to_dict(), ma.EXCLUDE)
            if op.body is not None:
                kwargs["body"] = _load(op.body, _json_body())
            result = view(**kwargs)
            if isinstance(result, Page):
                result = result.as_dict()
            if isinstance(result, Dumped) or op.response is None:
                data = result
            else:
                data = op.response().dump(result)
            response = jsonify(data)
            response.status_code = op.status
            return response

        wrapper.jifen_api = op
        # The web's default-deny redirects anonymous visitors to a login page; API views answer
        # 401 in JSON instead, through auth.check above, so they opt out of that redirect here.
        wrapper.jifen_public = True
        return wrapper

    return decorate
