"""Loading the object a page is about: the bound county's row, or a 404 (never another county's)."""

from __future__ import annotations

from typing import TypeVar

from flask import abort
from sqlalchemy import select

from jifen.db.session import get_session

Model = TypeVar("Model")


def get_or_404(model: type[Model], object_id: int, *criteria) -> Model:
    """The row of ``model`` with ``object_id`` (and ``criteria``, e.g. its owner), scoped to the bound
    county by the session; a 404 when there is none."""
    found = get_session().scalar(select(model).where(model.id == object_id, *criteria))  # type: ignore[attr-defined]
    if found is None:
        abort(404)
    return found
