"""Pages a plugin adds under a county: the :class:`Page` declaration ``register_routes`` returns.

A page is declared, never routed by the plugin: the core serves every page of a county's enabled plugin
through its own routes (jifen.web.plugin_pages), with the core's login, role check, CSRF and county
binding, so that a plugin a county switches on or off is on or off on the next request.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from werkzeug.routing import Map, Rule

# Who may open a page: everyone (None), or the users of the county with this role. The core's own rule
# holds here too: a county administrator may open the reviewers' pages.
ROLES = (None, "applicant", "reviewer", "admin")
METHODS = ("GET", "POST")
_SEGMENT = r"(?:[A-Za-z0-9_.~-]+|<(?:[a-z]+(?:\([^)]*\))?:)?[a-z_][a-z0-9_]*>)"
PATH_PATTERN = re.compile(rf"^(?:{_SEGMENT}(?:/{_SEGMENT})*)?$")
ENDPOINT_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,79}$")


@dataclass(frozen=True)
class Page:
    """One page of a plugin, served under each county that enables the plugin.

    :param path: the page's path under the plugin's part of the county, in werkzeug's rule syntax
        without the leading slash: ``""`` (the plugin's first page), ``"summary"``,
        ``"entries/<int:entry_id>"``. The county's URL of a public page is ``/<county>/p/<plugin>/<path>``;
        a role's page is under that role's area: ``/<county>/admin/p/...``, ``/<county>/review/p/...``,
        ``/<county>/me/p/...``.
    :param view: called with the path's values as keyword arguments; returns what a Flask view returns
        (usually ``tk.render(...)``, or a redirect after a POST).
    :param role: ``None`` for a public page, or ``"applicant"``, ``"reviewer"`` (county administrators
        too) or ``"admin"``: anyone else logged in is refused (403), anonymous visitors are sent to the
        county's login page.
    :param methods: ``("GET",)`` or with ``"POST"``; every POST needs the page's CSRF token.
    :param menu: ``{"zh": ..., "en": ...}``: the page's entry in the menu of its role (the county's
        header for a public page); ``None`` for no entry. Only a path without values can have one.
    :param endpoint: the page's name for ``tk.url_for_page``, unique in the plugin; the view's name
        when not given.
    """

    path: str
    view: Callable[..., Any]
    role: str | None = None
    methods: tuple[str, ...] = ("GET",)
    menu: dict[str, str] | None = None
    endpoint: str = field(default="")

    def __post_init__(self) -> None:
        if not isinstance(self.path, str) or not PATH_PATTERN.match(self.path) or ".." in self.path.split("/"):
            raise ValueError(f"Page path {self.path!r}: a relative path such as 'summary' or 'entries/<int:entry_id>'")
        if not callable(self.view):
            raise ValueError(f"Page {self.path!r}: view must be a function")
        if self.role not in ROLES:
            raise ValueError(f"Page {self.path!r}: role must be one of {ROLES}, not {self.role!r}")
        methods = tuple(m.upper() for m in ((self.methods,) if isinstance(self.methods, str) else self.methods))
        if not methods or set(methods) - set(METHODS):
            raise ValueError(f"Page {self.path!r}: methods must be among {METHODS}, not {self.methods!r}")
        object.__setattr__(self, "methods", methods)
        if self.menu is not None:
            if not all(str(self.menu.get(lang) or "").strip() for lang in ("zh", "en")):
                raise ValueError(f"Page {self.path!r}: menu needs a label in 'zh' and 'en'")
            if "<" in self.path:
                raise ValueError(f"Page {self.path!r}: a page whose path has values cannot be in a menu")
        endpoint = self.endpoint or getattr(self.view, "__name__", "")
        if not ENDPOINT_PATTERN.match(endpoint):
            raise ValueError(f"Page {self.path!r}: give it an endpoint name (letters, digits, _), not {endpoint!r}")
        object.__setattr__(self, "endpoint", endpoint)
        try:
            Map([self.rule()])  # werkzeug compiles the rule: an unknown converter or a bad value fails here
        except Exception as exc:  # noqa: BLE001 - werkzeug's ValueError, LookupError, ...
            raise ValueError(f"Page path {self.path!r}: {exc}") from None

    def rule(self, **options) -> Rule:
        return Rule("/" + self.path, endpoint=self.endpoint, methods=list(self.methods), **options)

    def label(self, locale: str) -> str | None:
        """The menu label for a locale (``zh``, ``en`` or ``zh_Hans_CN``), or None without a menu entry."""
        if self.menu is None:
            return None
        return self.menu.get(locale.split("_")[0]) or self.menu["zh"]


def check_pages(found: list, plugin: str) -> tuple[Page, ...]:
    """The pages a plugin's ``register_routes`` returned, checked: Page objects, endpoints and paths once
    per role (raises ValueError, naming the plugin)."""
    pages = tuple(found)
    wrong = [p for p in pages if not isinstance(p, Page)]
    if wrong:
        raise ValueError(f"plugin {plugin}: register_routes() must return Page objects, not {type(wrong[0]).__name__}")
    endpoints = [p.endpoint for p in pages]
    twice = sorted({e for e in endpoints if endpoints.count(e) > 1})
    if twice:
        raise ValueError(f"plugin {plugin}: register_routes() names endpoint {twice[0]!r} more than once")
    places = [(p.role, p.path) for p in pages]
    again = sorted({pl for pl in places if places.count(pl) > 1}, key=str)
    if again:
        raise ValueError(f"plugin {plugin}: register_routes() declares path {again[0][1]!r} twice for one role")
    return pages
