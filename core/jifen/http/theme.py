"""County themes: template overrides chosen by *name*, and the county's static files.

Jinja caches templates by name, so a county's override is a different name
(``tenant/<slug>/x.html``) tried before the shared ``x.html``, never a loader that looks at the
current request (DESIGN.md). :func:`render` does that choice.
"""

from __future__ import annotations

from pathlib import Path

from flask import current_app, g, render_template
from jinja2 import BaseLoader, TemplateNotFound


class TenantThemeLoader(BaseLoader):
    """Serves ``tenant/<slug>/<name>`` from ``<tenants dir>/<slug>/templates/<name>``."""

    def __init__(self, app) -> None:
        self.app = app

    def get_source(self, environment, template):
        parts = template.split("/")
        if len(parts) < 3 or parts[0] != "tenant" or ".." in parts:
            raise TemplateNotFound(template)
        root = Path(self.app.config["JIFEN_TENANTS_DIR"]) / parts[1] / "templates"
        path = root.joinpath(*parts[2:])
        if not path.is_file():
            raise TemplateNotFound(template)
        mtime = path.stat().st_mtime
        source = path.read_text(encoding="utf-8")
        return source, str(path), lambda: path.is_file() and path.stat().st_mtime == mtime


def template_names(name: str) -> list[str]:
    tenant = g.get("tenant")
    return [f"tenant/{tenant.slug}/{name}", name] if tenant is not None else [name]


def render(name: str, **context) -> str:
    return render_template(template_names(name), **context)


def static_folder(slug: str) -> Path:
    return Path(current_app.config["JIFEN_TENANTS_DIR"]) / slug / "static"
