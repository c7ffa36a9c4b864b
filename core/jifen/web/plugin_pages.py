"""A plugin's pages (``register_routes``), served under every county that enables the plugin.

The routes are the core's, one per area, and each dispatches to the pages of the plugin it names:

==============================  ==========================================================
``/<county>/p/<plugin>/...``        public pages (``role=None``)
``/<county>/me/p/<plugin>/...``     applicants' pages
``/<county>/review/p/<plugin>/...`` reviewers' pages (county administrators' too)
``/<county>/admin/p/<plugin>/...``  county administrators' pages
==============================  ==========================================================

Before a plugin's view runs, the request has had what the core's own pages get: the county bound (an
unknown one is a 404), login (anonymous visitors go to the county's login page) and the area's role (403),
CSRF on POST, ``no-store``. Then a plugin the county has not enabled, or that is not installed, or a path it
does not declare for that area, is a 404. Plugins are installed (the test kit does it after the
application is made) and switched per county at any time, so no Flask route is made per plugin: each
plugin's paths are a werkzeug ``Map`` of their own, made once per registered plugin object.
"""

from __future__ import annotations

import gettext as gettext_module
import logging
from dataclasses import dataclass
from urllib.parse import unquote

from flask import Blueprint, abort, current_app, g, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, RequestRedirect

from jifen import audit
from jifen.county.context import current_county
from jifen.db.session import get_session
from jifen.http.security import public, roles_required
from jifen.http.theme import render as render_core, template_names
from jifen.plugin.manager import installed_plugins, plugin_module, pm
from jifen.plugin.pages import Page, check_pages
from jifen.plugin.translations import translations_in
from jifen.programs.rounds import UNAVAILABLE
from jifen.web.i18n import current_locale
from jifen.web.plugin_templates import PREFIX, package_folder, render_strictly, strict_environment

bp = Blueprint("plugin_pages", __name__)
log = logging.getLogger("jifen.plugins")

# role -> (area: the endpoint and the menu's name, where its pages are under the county)
AREAS = {None: ("public", "/p"), "applicant": ("applicant", "/me/p"), "reviewer": ("reviewer", "/review/p"),
         "admin": ("admin", "/admin/p")}
ROLE_OF_AREA = {area: role for role, (area, _prefix) in AREAS.items()}
METHODS = ["GET", "POST"]


@dataclass(frozen=True)
class PluginRoutes:
    """One plugin's pages, and a werkzeug Map of their paths per role."""

    pages: tuple[Page, ...]
    maps: dict

    def page(self, endpoint: str) -> Page | None:
        return next((p for p in self.pages if p.endpoint == endpoint), None)


_made: dict[str, tuple[object, PluginRoutes]] = {}  # plugin name -> (the plugin object, its routes)


def routes_of(name: str) -> PluginRoutes:
    """The pages plugin ``name`` declares (none when it is not registered). Made again when another object
    is registered under the name (a test's plugin, a package installed since), so nothing needs forgetting."""
    plugin = plugin_module(name)
    made = _made.get(name)
    if made is not None and made[0] is plugin:
        return made[1]
    found = [page for impl in pm.hook.register_routes.get_hookimpls() if impl.plugin_name == name
             for page in (impl.function() or [])] if plugin is not None else []
    pages = check_pages(found, name)
    converters = dict(current_app.url_map.converters)  # <int:...> bounded to the ids' range, as everywhere
    maps = {role: Map([p.rule() for p in pages if p.role == role], converters=converters, strict_slashes=False,
                      merge_slashes=False) for role in AREAS}
    routes = PluginRoutes(pages, maps)
    _made[name] = (plugin, routes)
    return routes


def _served(name: str) -> bool:
    return name in current_county().enabled and name in installed_plugins()


@dataclass(frozen=True)
class _Current:
    plugin: str
    page: Page


def _dispatch(role: str | None, plugin: str, rest: str):
    if not _served(plugin):
        abort(404)
    if plugin in current_county().settings_problems:  # the administrators' pages say why
        return render_core("errors/error.html", code=503, message=UNAVAILABLE), 503
    routes = routes_of(plugin)
    try:
        endpoint, values = routes.maps[role].bind("localhost").match("/" + rest, method=request.method)
    except (NotFound, RequestRedirect):
        abort(404)
    page = routes.page(endpoint)
    g.jifen_plugin_page = _Current(plugin, page)
    return page.view(**values)


def _add_rules(role: str | None, view) -> None:
    area, prefix = AREAS[role]
    bp.add_url_rule(f"{prefix}/<plugin>/", area, view, defaults={"rest": ""}, methods=METHODS)
    bp.add_url_rule(f"{prefix}/<plugin>/<path:rest>", area, view, methods=METHODS)


@public
def public_page(plugin: str, rest: str):
    return _dispatch(None, plugin, rest)


@roles_required("applicant")
def applicant_page(plugin: str, rest: str):
    return _dispatch("applicant", plugin, rest)


@roles_required("reviewer", "admin")
def reviewer_page(plugin: str, rest: str):
    return _dispatch("reviewer", plugin, rest)


@roles_required("admin")
def admin_page(plugin: str, rest: str):
    return _dispatch("admin", plugin, rest)


for _role, _view in ((None, public_page), ("applicant", applicant_page), ("reviewer", reviewer_page),
                     ("admin", admin_page)):
    _add_rules(_role, _view)


# --- what a plugin's view uses (through the toolkit) ------------------------------------------------


def _current() -> _Current:
    found = g.get("jifen_plugin_page")
    if found is None:
        raise RuntimeError("tk.render and tk.url_for_page without a plugin name work only in a plugin page's view")
    return found


def _translations(name: str):
    folder = package_folder(name)
    return translations_in(folder / "translations") if folder is not None else gettext_module.NullTranslations()


def render(template: str, *, title=None, **context) -> str:
    """Render the plugin's ``templates/<template>`` inside the county's layout (its header, the role's
    menu) with ``title`` as the page's heading (by default the page's menu label).

    The template sees ``context``, ``_``/``gettext``/``ngettext`` over the plugin's own catalogue, ``lang``
    (``zh`` or ``en``), ``plugin_name``, ``url_for_page`` and ``csrf_token()`` for its forms. A county may
    override it with ``tenants/<slug>/templates/plugins/<plugin>/<template>``."""
    current = _current()
    lang = "zh" if current_locale().startswith("zh") else "en"
    heading = title if title is not None else current.page.label(lang)
    if not heading:
        raise TypeError(f"tk.render({template!r}): give the page a title (its page has no menu label)")
    translations = _translations(current.plugin)
    values = {"plugin_name": current.plugin, "lang": lang, "url_for_page": url_for_page,
              "_": translations.gettext, "gettext": translations.gettext, "ngettext": translations.ngettext}
    # Strictly, as the page blocks: a name the view did not give raises instead of printing nothing.
    found = strict_environment(current_app).get_or_select_template(template_names(f"{PREFIX}/{current.plugin}/{template}"))
    body = Markup(render_strictly(found, {**values, **context}))
    return render_core("plugin_page.html", content=body, page_title=heading, area=AREAS[current.page.role][0],
                       plugin_name=current.plugin)


def url_for_page(endpoint: str, **values) -> str:
    """The URL of a plugin page in the bound county: ``"summary"`` (a page of the plugin whose page this
    is) or ``"<plugin>.summary"``; ``values`` fill the page's path, others go in the query string."""
    plugin, _dot, name = endpoint.rpartition(".")
    plugin = plugin or _current().plugin
    routes = routes_of(plugin)
    page = routes.page(name)
    if page is None:
        raise LookupError(f"plugin {plugin} declares no page {name!r}")
    built = routes.maps[page.role].bind("localhost").build(name, values, append_unknown=True)
    path, _mark, query = built.partition("?")
    url = url_for(f"plugin_pages.{AREAS[page.role][0]}", plugin=plugin, rest=unquote(path.lstrip("/")))
    return f"{url}?{query}" if query else url


def record_audit(action: str, *, target_type: str | None = None, target_id: object = None,
                 details: dict | None = None):
    """Append a change a plugin page made to the county's audit trail, in the request's transaction (commit
    it with the change): the action is recorded as ``<plugin>.<action>``, by the logged-in user."""
    current = _current()
    actor = current_user.actor if current_user.is_authenticated else "anonymous"
    return audit.record(get_session(), f"{current.plugin}.{action}", actor=actor, target_type=target_type,
                        target_id=target_id, details=details)


@dataclass(frozen=True)
class MenuEntry:
    label: str
    url: str
    current: bool


@bp.app_template_global("plugin_menu")
def plugin_menu(area: str) -> list[MenuEntry]:
    """The menu entries of the bound county's enabled plugins for ``area`` (``public``, ``applicant``,
    ``reviewer``, ``admin``), in the visitor's language; none outside a county."""
    if g.get("tenant") is None:
        return []
    role = ROLE_OF_AREA[area]
    lang = "zh" if current_locale().startswith("zh") else "en"
    here = g.get("jifen_plugin_page")
    entries = []
    try:
        enabled = current_county().enabled
    except SQLAlchemyError:  # an error page after a failed transaction: the menu is not worth a second error
        return []
    for name in sorted(enabled & set(installed_plugins())):
        try:
            pages = routes_of(name).pages
        except Exception:
            if current_app.debug or current_app.testing:
                raise
            # A plugin's broken declaration must not take the county's menus down (jifen plugin check finds it).
            log.exception("plugin %s: register_routes() fails", name)
            continue
        entries.extend(MenuEntry(page.label(lang), url_for_page(f"{name}.{page.endpoint}"),
                                 here is not None and here.plugin == name and here.page is page)
                       for page in pages if page.role == role and page.menu is not None)
    return entries
