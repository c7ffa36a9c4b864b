"""The OpenAPI document (/api/v1/openapi.json) and a readable page drawn from it (/api/v1/docs).

The page is rendered on the server from the same document: no script and no style from elsewhere
(the content security policy allows neither).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, jsonify

from jifen.api import spec as openapi
from jifen.http.security import public
from jifen.http.theme import render

bp = Blueprint("api_docs", __name__)


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    required: bool
    description: str


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    summary: str
    description: str
    tag: str
    security: str
    parameters: list[Field]
    body: str | None
    answer: str | None
    errors: list[str]


def _type(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "object")
    if kind == "array":
        return f"[{_type(schema.get('items', {}))}]"
    text = kind + (f" ({schema['format']})" if "format" in schema else "")
    if "enum" in schema:
        text += ": " + " | ".join(map(str, schema["enum"]))
    return text + (", null" if schema.get("nullable") else "")


def _ref(content: dict | None) -> str | None:
    schema = ((content or {}).get("application/json") or {}).get("schema")
    return _type(schema) if schema else None


def endpoints(document: dict) -> list[Endpoint]:
    found = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method == "parameters":
                continue
            params = [Field(p["name"], f"{p['in']}, {_type(p.get('schema', {}))}", p.get("required", False),
                            p.get("description", "")) for p in shared + op.get("parameters", [])]
            security = ", ".join(f"{name} {' '.join(scopes)}".strip() for s in op.get("security", [])
                                 for name, scopes in s.items()) or "none"
            ok = next(code for code in op["responses"] if code.startswith("2"))
            found.append(Endpoint(method.upper(), path, op.get("summary", ""), op.get("description", ""),
                                  (op.get("tags") or [""])[0], security, params,
                                  _ref((op.get("requestBody") or {}).get("content")),
                                  f"{ok} {_ref(op['responses'][ok].get('content')) or ''}".strip(),
                                  [code for code in op["responses"] if not code.startswith("2")]))
    return found


def components(document: dict) -> dict[str, list[Field]]:
    result = {}
    for name, schema in sorted(document.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        result[name] = [Field(prop, _type(value), prop in required, value.get("description", ""))
                        for prop, value in schema.get("properties", {}).items()]
    return result


@bp.get("/openapi.json")
@public
def openapi_json():
    return jsonify(openapi.build())


@bp.get("/docs")
@public
def docs_page():
    document = openapi.build()
    return render("api/docs.html", document=document, endpoints=endpoints(document),
                  components=components(document))
