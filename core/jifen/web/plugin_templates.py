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
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask, current_app, render_template
from jinja2 import BaseLoader, TemplateNotFound
from markupsafe import Markup

from jifen.county.context import current_county

from jifen.plugin.translations import translations_in
from jifen.plugin.manager import catalog, plugin_module

PREFIX = "plugins"
log = logging.getLogger("jifen.plugins")


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
    return Markup(render_template(template_names(f"{PREFIX}/{name}/{file}"), **{**values, **context}))


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
