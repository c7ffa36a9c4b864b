"""Resolving the county of a request: from its host name, or from the first path segment.

* Production: each county has its own domain (``tenant_hosts``). :class:`HostTenantMiddleware`
  turns ``https://<county host>/x`` into the path ``/<slug>/x`` before routing, and
  ``url_for`` drops the prefix again on that host.
* Embedded default: ``http://127.0.0.1:5000/<slug>/x``.

Routes under ``/<tenant>`` get the county bound (and the ``tenant`` value removed) before the
view runs; an unknown county is a 404, never a fallback to some default county.
"""

from __future__ import annotations

import time

from flask import Flask, abort, g
from sqlalchemy import bindparam, select

from jifen.db.outside_transaction import value_outside_transaction
from jifen.models import Tenant, TenantHost
from jifen.county.folders import SLUG_PATTERN
from jifen.county.lookup import TENANT_CACHE_SECONDS, lookup_tenant
from jifen.county.tenancy import pop_tenant, push_tenant

_UNPREFIXED = ("/static/",)


_SLUG_BY_HOST = (select(Tenant.slug).join(TenantHost, TenantHost.tenant_id == Tenant.id)
                 .where(TenantHost.host == bindparam("host")))


class HostTenantMiddleware:
    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app

    def __call__(self, environ, start_response):
        host = (environ.get("HTTP_HOST") or "").split(":")[0].lower()
        if host and host not in self.app.config["JIFEN_PLATFORM_HOSTS"]:
            slug = self._slug_for_host(host)
            path = environ.get("PATH_INFO", "/")
            if slug is not None and not path.startswith(_UNPREFIXED):
                environ["jifen.host_tenant"] = slug
                environ["PATH_INFO"] = f"/{slug}{path}"
        return self.wsgi_app(environ, start_response)

    def _slug_for_host(self, host: str) -> str | None:
        """A county's host is kept as its slug is (jifen.county.lookup: a few seconds per process); a host
        no county has is looked up each time and never kept, so made-up hosts cannot fill the memory."""
        cache = self.app.extensions.setdefault("jifen.host_cache", {})
        now = time.monotonic()
        cached = cache.get(host)
        if cached is not None and now - cached[0] < TENANT_CACHE_SECONDS:
            return cached[1]
        slug = value_outside_transaction(get_db_from(self.app).engine, _SLUG_BY_HOST, host=host)
        if slug is None:
            cache.pop(host, None)
        else:
            cache[host] = (now, slug)
        return slug


def get_db_from(app: Flask):
    return app.extensions["jifen.db"]


def init_app(app: Flask) -> None:
    app.wsgi_app = HostTenantMiddleware(app.wsgi_app, app)

    @app.url_value_preprocessor
    def _bind_tenant(endpoint, values):
        if not values or "tenant" not in values:
            return
        slug = values.pop("tenant")
        # A segment no county's slug can be (a NUL, which PostgreSQL cannot even compare) is looked up nowhere.
        tenant = lookup_tenant(slug) if isinstance(slug, str) and SLUG_PATTERN.fullmatch(slug) else None
        if tenant is None:
            abort(404)
        g.tenant = tenant
        g._tenant_token = push_tenant(tenant)

    @app.url_defaults
    def _add_tenant(endpoint, values):
        if "tenant" in values or g.get("tenant") is None:
            return
        if app.url_map.is_endpoint_expecting(endpoint, "tenant"):
            values["tenant"] = g.tenant.slug

    @app.teardown_request
    def _unbind_tenant(exc=None):
        token = g.pop("_tenant_token", None)
        if token is not None:
            pop_tenant(token)
