"""Small helpers shared by the views: safe redirects and form pages."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

from jifen.http.theme import render


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def form_page(template: str, form, **context):
    """Render a form page; a submitted form with errors answers 400 and keeps what was entered."""
    status = 400 if request.method == "POST" and form.errors else 200
    return render(template, form=form, **context), status
