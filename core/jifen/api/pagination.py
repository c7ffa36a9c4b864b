"""One pagination scheme for every list of the API: ``?limit=&after=`` (keyset).

A list answers ``{"items": [...], "next_after": <cursor or null>, "next": <URL or null>}``.
``next_after`` is an opaque cursor: pass it back as ``after`` to get the following page; ``next``
is the same request with that cursor. ``null`` means this was the last page. Cursors stay valid
while rows are added, because each names the last row seen, not an offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence
from urllib.parse import urlencode

import marshmallow as ma
from flask import request, url_for

DEFAULT_LIMIT = 50
MAX_LIMIT = 500


class PageArgs(ma.Schema):
    limit = ma.fields.Integer(load_default=DEFAULT_LIMIT, validate=ma.validate.Range(min=1, max=MAX_LIMIT),
                              metadata={"description": f"Items per page (1 to {MAX_LIMIT}, default {DEFAULT_LIMIT})."})
    after = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100),
                             metadata={"description": "The `next_after` cursor of the previous page."})


@dataclass(frozen=True)
class Page:
    items: Sequence[Any]
    next_after: str | None

    def as_dict(self) -> dict:
        nxt = None
        if self.next_after is not None:
            # The query string is carried over as text: its names must never become url_for's keywords
            # (the view's arguments, the county, _external, _anchor...).
            query = [(k, v) for k, v in request.args.items(multi=True) if k != "after"] + [("after", self.next_after)]
            nxt = url_for(request.endpoint, **(request.view_args or {})) + "?" + urlencode(query)
        return {"items": list(self.items), "next_after": self.next_after, "next": nxt}


def page_of(rows: Sequence[Any], limit: int, cursor: Callable[[Any], str]) -> Page:
    """A page from ``limit + 1`` fetched rows: the extra row only says that another page follows."""
    rows = list(rows)
    if len(rows) > limit:
        rows = rows[:limit]
        return Page(rows, cursor(rows[-1]))
    return Page(rows, None)


def after_in(rows: Sequence[Any], after: str | None, limit: int, cursor: Callable[[Any], str]) -> Page:
    """Keyset over a short list already in order (a county's programs, a program's rounds)."""
    rows = list(rows)
    if after is not None:
        keys = [cursor(r) for r in rows]
        start = next((i + 1 for i, k in enumerate(keys) if k == after), None)
        if start is None:
            start = next((i for i, k in enumerate(keys) if k > after), len(rows))
        rows = rows[start:]
    return page_of(rows[: limit + 1], limit, cursor)


def envelope(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    return ma.Schema.from_dict({
        "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
        "next_after": ma.fields.String(allow_none=True, required=True),
        "next": ma.fields.String(allow_none=True, required=True,
                                 metadata={"description": "URL of the next page, or null on the last page."}),
    }, name=name)
