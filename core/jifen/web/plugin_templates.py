"""A plugin's own templates: ``<plugin package>/templates/<file>``, known to Jinja as ``plugins/<name>/<file>``.

The core includes two of them where a plugin has them, through the ``plugin_block`` template
function:

- ``program.html`` on the portal page of each service program the plugin declares;
- ``item.html`` on the applicant's page of each score item type it declares.

Each is rendered with ``program`` or ``item_type`` (the declaration), ``settings`` (the bound
county's settings for the plugin, loaded by the declaration's schema), ``lang`` (``zh`` or ``en``)
and ``_``/``gettext``/``ngettext`` over the plugin's own catalogue (:mod:`jifen.plugin.translations`), on
top of the usual page variables. A county may override one with
``tenants/<slug>/templates/plugins/<name>/<file>``, like any template. Names are chosen, never
the loader, per county (Jinja caches templates by name).

They are rendered strictly (:func:`strict_environment`): a name the context does not have, such as a
setting the schema no longer has, raises instead of printing nothing ("earns  points per  ml"). In
production the block is then left out and logged (:func:`plugin_block`); ``jifen plugin check`` fails it.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app, template_rendered, before_render_template
from jinja2 import BaseLoader, Environment, StrictUndefined, Template, TemplateNotFound
from markupsafe import Markup

from jifen.county.context import current_county

from jifen.plugin.translations import translations_in
from jifen.plugin.manager import catalog, plugin_module

PREFIX = "plugins"
log = logging.getLogger("jifen.plugins")
STRICT = "jifen.plugin_templates.strict"


def strict_environment(app: Flask) -> Environment:
    """The app's Jinja environment (loaders, globals, filters shared) with undefined names raising;
    an overlay keeps its own template cache, since the compiled templates differ."""
    if STRICT not in app.extensions:
        app.extensions[STRICT] = app.jinja_env.overlay(undefined=StrictUndefined)
    return app.extensions[STRICT]


def render_strictly(template: Template, context: dict) -> str:
    """Render like Flask's ``render_template`` does (context processors, signals), with ``template``
    from :func:`strict_environment`."""
    app = current_app._get_current_object()
    app.update_template_context(context)
    before_render_template.send(app, template=template, context=context)
    rendered = template.render(context)
    template_rendered.send(app, template=template, context=context)
    return rendered


def package_folder(name: str) -> Path | None:
    """The folder of an installed plugin's package (None for a plugin object that is not a module)."""
    module = plugin_module(name)
    file = getattr(module, "__file__", None)
    return Path(file).parent if file else None


def templates_folder(name: str) -> Path | None:
    folder = package_folder(name)
    return folder / "templates" if folder is not None and (folder / "templates").is_dir() else None


class PluginTemplateLoader(BaseLoader):
    """Serves ``plugins/<name>/<path>`` from the ``templates`` folder of plugin ``name``'s package."""

    def get_source(self, environment, template):
        parts = template.split("/")
        if len(parts) < 3 or parts[0] != PREFIX or ".." in parts:
            raise TemplateNotFound(template)
        root = templates_folder(parts[1])
        if root is None:
            raise TemplateNotFound(template)
        path = root.joinpath(*parts[2:])
        if not path.is_file():
            raise TemplateNotFound(template)
        mtime = path.stat().st_mtime
        return path.read_text(encoding="utf-8"), str(path), lambda: path.is_file() and path.stat().st_mtime == mtime


def _declaration(name: str, key: str):
    info = catalog().get(name)
    if info is None:
        return None
    return next((d for d in (*info.programs, *info.score_items) if d.key == key), None)


def _settings_readable(name: str) -> bool:
    from jifen.db.session import get_session

    return name not in current_county(get_session()).settings_problems


def _county_settings(name: str, declaration) -> dict:
    from jifen.db.session import get_session
    from jifen.county.tenancy import current_tenant

    stored = current_county(get_session()).settings_of(name) if current_tenant() is not None else {}
    return declaration.settings_schema().load(stored)


def template_context(folder: Path, name: str, declaration, settings: dict) -> dict:
    """What a plugin template sees besides the page's variables (see the module's docstring)."""
    from jifen.web.i18n import current_locale

    translations = translations_in(folder / "translations")
    kind = "program" if hasattr(declaration, "quota_mode") else "item_type"
    return {kind: declaration, "settings": settings, "plugin_name": name,
            "lang": "zh" if current_locale().startswith("zh") else "en",
            "_": translations.gettext, "gettext": translations.gettext, "ngettext": translations.ngettext}


def render_plugin_template(name: str, file: str, declaration, settings: dict, **context) -> Markup:
    """Render ``plugins/<name>/<file>`` (or the bound county's override) in a request context."""
    from jifen.http.theme import template_names

    values = template_context(package_folder(name), name, declaration, settings)
    template = strict_environment(current_app).get_or_select_template(template_names(f"{PREFIX}/{name}/{file}"))
    return Markup(render_strictly(template, {**values, **context}))


def _enabled_plugin_of(key: str) -> str | None:
    """The plugin declaring ``key`` among those the bound county enabled (None outside a county)."""
    from jifen.db.session import get_session
    from jifen.county.tenancy import current_tenant

    if current_tenant() is None:
        return None
    enabled = current_county(get_session()).enabled
    return next((info.name for info in catalog().values() if info.name in enabled
                 and any(d.key == key for d in (*info.programs, *info.score_items))), None)


def plugin_block(key: str, file: str, **context) -> Markup:
    """The template function core pages call: the block of the county's plugin declaring ``key``, or nothing.

    Only a plugin the bound county enabled is looked at: another installed plugin declaring the same
    key (``jifen plugin check`` fails it, but it loads) never shows on, or breaks, this county's page.
    """
    name = _enabled_plugin_of(key)
    if name is None or templates_folder(name) is None or not (templates_folder(name) / file).is_file():
        return Markup("")
    if not _settings_readable(name):  # the item shows as unavailable; its administrator is told why
        return Markup("")
    declaration = _declaration(name, key)
    try:
        return render_plugin_template(name, file, declaration, _county_settings(name, declaration), **context)
    except TemplateNotFound:
        return Markup("")
    except Exception:
        if current_app.debug or current_app.testing:
            raise
        # A plugin's broken block must not take the core's page down with it (jifen plugin check finds it).
        log.exception("plugin %s: %s does not render", name, file)
        return Markup("")


def init_app(app: Flask) -> None:
    app.jinja_env.globals["plugin_block"] = plugin_block
