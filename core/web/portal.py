"""A county's public portal: landing page, program pages, the county's theme."""

from __future__ import annotations

from flask import Blueprint, Response, abort, g, send_from_directory

from jifen.web import county
from jifen.web.i18n import current_locale
from jifen.web.page_cache import cached_for_anonymous
from jifen.web.security import public
from jifen.web.theme import render, static_folder

bp = Blueprint("portal", __name__)


@bp.get("/")
@public
def landing():
    key = ("landing", g.tenant, current_locale(), county.enabled_plugins())
    return cached_for_anonymous(
        key, lambda: render("portal/landing.html", programs=county.programs(), score_items=county.score_items())
    )


@bp.get("/programs/<key>")
@public
def program(key: str):
    found = next((p for p in county.programs() if p.key == key), None)
    if found is None:
        abort(404)
    return render("portal/program.html", program=found)


@bp.get("/theme.css")
@public
def theme_css():
    # Colours come from the county's settings; served as a stylesheet so the CSP needs no inline styles.
    css = f":root{{--primary:{g.tenant.primary_color};--accent:{g.tenant.accent_color};}}\n"
    response = Response(css, mimetype="text/css")
    response.cache_control.public = True
    response.cache_control.max_age = 300
    return response


@bp.get("/theme/<path:filename>")
@public
def theme_file(filename: str):
    return send_from_directory(static_folder(g.tenant.slug), filename, max_age=3600)
