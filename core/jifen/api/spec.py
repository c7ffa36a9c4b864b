"""The OpenAPI 3 document of the API, built from the operations' declarations (apispec).

Every view wrapped by :func:`jifen.api.operations.operation` appears, with its path parameters
taken from the URL rule, its query and body schemas, its answer, its errors (all in the one error
shape) and its security: none, the applicant's session cookie, or a bearer token with a scope.
"""

from __future__ import annotations

import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app
from sqlalchemy import select

from jifen import __version__
from jifen.api import auth, schemas
from jifen.api.errors import CODES
from jifen.identity.api_tokens import SCOPES
from jifen.db.session import get_session
from jifen.models import Tenant

OPENAPI_VERSION = "3.0.3"
ID_MAX = 2**63 - 1
_ARG = re.compile(r"<(?:(?P<converter>[a-z]+)(?:\([^)]*\))?:)?(?P<name>\w+)>")

PARAMETER_TEXT = {
    "tenant": "The county's slug (see /api/v1/counties). On a county's own host name it is left out of the URL.",
    "key": "A service program's key.",
    "round_id": "A round's id.",
    "item_id": "A declared item's id.",
}

DESCRIPTION = """Jifen's REST API. Counties are found under `/{tenant}/api/v1/...` on the platform's host \
(or `/api/v1/...` on a county's own host name). Every list pages the same way (`?limit=&after=`, \
then `next_after`/`next` in the answer) and every error has one shape: \
`{"error": {"status", "code", "message", "details"}}`. See the documentation page at /api/v1/docs."""


def api_rules(app):
    for rule in app.url_map.iter_rules():
        op = getattr(app.view_functions.get(rule.endpoint), "jifen_api", None)
        if op is not None:
            yield rule, op


def _path_of(rule) -> tuple[str, list[dict]]:
    params = []

    def replace(match):
        name, converter = match["name"], match["converter"]
        schema = ({"type": "integer", "minimum": 0, "maximum": ID_MAX} if converter == "int"
                  else {"type": "string", "minLength": 1, "maxLength": 60})
        params.append({"in": "path", "name": name, "required": True, "schema": schema,
                       "description": PARAMETER_TEXT.get(name, "")})
        return "{" + name + "}"

    return _ARG.sub(replace, rule.rule), params


def _security(op) -> list:
    if op.auth == auth.TOKEN:
        return [{"bearerToken": [op.scope] if op.scope else []}]
    if op.auth == auth.SESSION:
        return [{"sessionCookie": []}]
    return []


def _errors(op, has_tenant: bool) -> list[int]:
    codes = set(op.errors)
    if has_tenant:
        codes.add(404)  # an unknown county
    if op.query is not None or op.body is not None:
        codes.add(422)
    if op.auth == auth.TOKEN:
        codes.add(401)
        if op.scope:
            codes.add(403)
    if op.auth == auth.SESSION:
        codes.update((401, 403))
    return sorted(codes)


def _operation(op, method: str, has_tenant: bool) -> dict:
    success = {"description": "OK"}
    if op.response is not None:
        success["content"] = {"application/json": {"schema": op.response}}
    responses = {str(op.status): success}
    for code in _errors(op, has_tenant):
        responses[str(code)] = {"description": CODES.get(code, "error"), "content": {
            "application/json": {"schema": "Error"}}}
    responses["default"] = {"description": "Any other error, in the same shape",
                            "content": {"application/json": {"schema": "Error"}}}
    description = op.description
    if op.auth == auth.TOKEN and op.scope:
        description = f"Needs a token with the scope `{op.scope}`. {description}".strip()
    elif op.auth == auth.SESSION:
        description = f"Needs the applicant's login session of the county. {description}".strip()
    result = {"summary": op.summary, "description": description, "tags": [op.tag], "security": _security(op),
              "operationId": method + "_" + re.sub(r"\W+", "_", op.summary.lower()).strip("_")[:60],
              "responses": responses}
    if op.query is not None:
        result["parameters"] = [{"in": "query", "schema": op.query}]
    if op.body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
    return result


def build(app=None) -> dict:
    app = app or current_app
    spec = APISpec(title="Jifen API", version=__version__, openapi_version=OPENAPI_VERSION,
                   plugins=[MarshmallowPlugin()], info={"description": DESCRIPTION})
    marshmallow = spec.plugins[0]
    marshmallow.map_to_openapi_type(schemas.Points, "string", "decimal")
    spec.components.schema("Error", schema=schemas.Error)
    spec.components.security_scheme("bearerToken", {
        "type": "http", "scheme": "bearer",
        "description": "A county's API token (jf_...). Scopes: " + "; ".join(f"{k}: {v}" for k, v in SCOPES.items())})
    spec.components.security_scheme("sessionCookie", {"type": "apiKey", "in": "cookie", "name": "session",
                                                      "description": "The applicant's portal login session."})
    for tag, text in (("public", "Open to anyone, nothing stored."),
                      ("applicant", "An applicant's own data, with their login session."),
                      ("integration", "Department systems, with a county's API token.")):
        spec.tag({"name": tag, "description": text})
    slugs = list(get_session().scalars(select(Tenant.slug).order_by(Tenant.slug)))
    seen_ids: set[str] = set()
    for rule, op in sorted(api_rules(app), key=lambda pair: pair[0].rule):
        path, params = _path_of(rule)
        for param in params:
            if param["name"] == "tenant" and slugs:
                param["schema"] = {"type": "string", "enum": slugs}
        operations = {}
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operation = _operation(op, method.lower(), any(p["name"] == "tenant" for p in params))
            while operation["operationId"] in seen_ids:
                operation["operationId"] += "_"
            seen_ids.add(operation["operationId"])
            operations[method.lower()] = operation
        spec.path(path=path, operations=operations, parameters=params)
    return spec.to_dict()
