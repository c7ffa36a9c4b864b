"""Input no view can use, refused in one place before any view runs: a NUL character in any text
(PostgreSQL cannot store one), and whole numbers past what the database holds (a BIGINT).

The visitor gets a 400 that says what to change, as a page or, under /api/, in the API's error shape;
nothing reaches a form's handler, so nothing half-entered is stored.
"""

from __future__ import annotations

import re

from flask import request
from werkzeug.exceptions import BadRequest

from jifen.text import lazy_gettext as _l

NUL = "\x00"
BIGINT_MAX = 2**63 - 1
_WHOLE_NUMBER = re.compile(r"^\s*[+-]?\d{19,}\s*$")  # fewer than 19 digits always fit


class UnusableInput(BadRequest):
    """A 400 with words for the person (``user_message``), shown by the page and API error handlers."""

    def __init__(self, message) -> None:
        super().__init__(description=str(message))
        self.user_message = message


def _texts_of_json(data):
    stack = [data]
    while stack:  # iterative: a deeply nested body must not recurse
        value = stack.pop()
        if isinstance(value, str):
            yield value
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)


def _texts():
    for source in (request.args, request.form):
        for key, values in source.lists():
            yield key
            yield from values
    for key, storage in request.files.items(multi=True):
        yield key
        yield storage.filename or ""
    if request.is_json and request.content_length:
        try:
            data = request.get_json(silent=True)
        except RecursionError:  # nested too deep: the API refuses it itself
            data = None
        if data is not None:
            yield from _texts_of_json(data)


def refuse_unusable_input() -> None:
    if request.method in ("GET", "HEAD") and not request.args:
        return
    # The API checks its numbers itself, field by field (422 with the field named).
    check_numbers = not (request.blueprint or "").startswith("api_")
    for value in _texts():
        if NUL in value:
            raise UnusableInput(_l("The text you sent contains a NUL character (\\0), which cannot be stored. "
                                   "Please remove it and send the form again."))
        if check_numbers and _WHOLE_NUMBER.match(value) and abs(int(value)) > BIGINT_MAX:
            raise UnusableInput(_l("A number you entered is far too large. Please check it and try again."))
