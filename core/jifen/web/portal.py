"""A county's public portal: landing page, program pages, the county's theme."""

from __future__ import annotations

from flask import Blueprint, Response, g, send_from_directory

from jifen import clock

from jifen.programs import rounds as programs
from jifen.db.session import get_session
from jifen.county.context import current_county
from jifen.web.i18n import current_locale
from jifen.web.page_cache import cached_for_anonymous
from jifen.http.security import public
from jifen.http.theme import render, static_folder

bp = Blueprint("portal", __name__)


@bp.get("/")
@public
def landing():
    today = clock.today()
    # The revision: the page shows what the plugins' settings say too (a program's start date).
    key = ("landing", g.tenant, current_locale(), current_county().revision, today)
    return cached_for_anonymous(key, lambda: _landing(today))


def _landing(today):
    session = get_session()
    coming = {}
    for program in current_county().programs:
        start = programs.start_date(session, program)
        if start is not None and start > today:
            coming[program.key] = start
    unavailable = {p.key for p in current_county().programs if not programs.available(session, p)}
    return render("portal/landing.html", programs=current_county().programs, score_items=current_county().score_items,
                  coming=coming, unavailable=unavailable)


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
