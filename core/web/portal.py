"""A county's public portal: landing page, program pages, the county's theme."""

from __future__ import annotations

from flask import Blueprint, Response, g, send_from_directory

from jifen import clock, programs
from jifen.db import get_session
from jifen.web import county
from jifen.web.i18n import current_locale
from jifen.web.page_cache import cached_for_anonymous
from jifen.web.security import public
from jifen.web.theme import render, static_folder

bp = Blueprint("portal", __name__)


@bp.get("/")
@public
def landing():
    today = clock.today()
    key = ("landing", g.tenant, current_locale(), county.enabled_plugins(), today)
    return cached_for_anonymous(key, lambda: _landing(today))


def _landing(today):
    session = get_session()
    coming = {}
    for program in county.programs():
        start = programs.start_date(session, program)
        if start is not None and start > today:
            coming[program.key] = start
    return render("portal/landing.html", programs=county.programs(), score_items=county.score_items(), coming=coming)


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
