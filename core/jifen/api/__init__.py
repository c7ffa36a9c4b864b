"""The REST API, version 1 (docs/api.md).

URLs (docs/decisions/0011-api-urls-and-tokens.md):

* platform-wide: ``/api/v1/counties``, ``/api/v1/openapi.json``, ``/api/v1/docs``;
* per county: ``/<county>/api/v1/...`` on the platform's host, which is ``/api/v1/...`` on the
  county's own host name (the host is turned into the path prefix before routing).

Modules: ``operations`` (declaring a view), ``auth`` (public, session, token), ``pagination``,
``errors`` (the one JSON error shape), ``schemas``, ``spec`` (the OpenAPI document), ``tokens``
(API tokens of a county), and the operations: ``public``, ``applicant``, ``integration``.
"""

from __future__ import annotations

from flask import Flask

PREFIX = "/api/v1"
COUNTY_PREFIX = "/<tenant>/api/v1"


def register_api(app: Flask) -> None:
    from jifen.api import applicant, docs, integration, public
    from jifen.api.errors import ApiError, error_response
    from jifen.http.security import csrf

    for blueprint, prefix in ((public.platform_bp, PREFIX), (docs.bp, PREFIX), (public.bp, COUNTY_PREFIX),
                              (applicant.bp, COUNTY_PREFIX), (integration.bp, COUNTY_PREFIX)):
        # No CSRF token: every operation that changes state needs a bearer token, which a browser
        # never sends on its own; the session-cookie operations are read-only GETs.
        csrf.exempt(blueprint)
        app.register_blueprint(blueprint, url_prefix=prefix)

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError):
        return error_response(exc.status, exc.message, exc.details, exc.code)
