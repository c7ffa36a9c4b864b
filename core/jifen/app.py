"""The application factory (Flask's tutorial pattern): ``create_app()`` builds one configured app."""

from __future__ import annotations

import logging

from flask import Flask, request
from jinja2 import ChoiceLoader
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from jifen import clock
from jifen.calendar import workdays
from jifen.identity import masking
from jifen.config import instance_path, load_config
from jifen.db.session import Database, close_session
from jifen.plugin.manager import load_installed_plugins
from jifen.web.plugin_templates import PluginTemplateLoader
from jifen.web.plugin_templates import init_app as init_plugin_templates
from jifen.http.theme import TenantThemeLoader

log = logging.getLogger("jifen")


ID_MAX = 2**63 - 1  # ids are BIGINT (jifen.db.ids)


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number past what a BIGINT holds is no object, so it does not
    match (404) instead of reaching the database as an error."""

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", ID_MAX)
        super().__init__(map, *args, **kwargs)


class JifenFlask(Flask):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.url_map.converters["int"] = IdConverter

    def create_global_jinja_loader(self):
        return ChoiceLoader([super().create_global_jinja_loader(), TenantThemeLoader(self), PluginTemplateLoader()])

    def url_for(self, endpoint, **values):
        url = super().url_for(endpoint, **values)
        # On a county's own host name the /<county> prefix is implied (see HostTenantMiddleware).
        host_slug = request.environ.get("jifen.host_tenant") if _has_request() else None
        if host_slug and not values.get("_external"):
            root = request.script_root
            prefix = f"{root}/{host_slug}"
            if url == prefix or url.startswith(prefix + "/") or url.startswith(prefix + "?"):
                url = root + url[len(prefix):] or "/"
                if url.startswith("?"):
                    url = "/" + url
        return url


def _has_request() -> bool:
    from flask import has_request_context

    return has_request_context()


def create_app(overrides: dict | None = None) -> Flask:
    instance = instance_path()
    app = JifenFlask("jifen", instance_path=str(instance))
    app.config.update(load_config(instance, overrides))
    instance.mkdir(parents=True, exist_ok=True)

    app.extensions["jifen.db"] = Database(app.config["DATABASE_URL"])
    load_installed_plugins()

    from jifen.api import errors as api_errors
    from jifen.api import register_api
    from jifen.http import security, tenant_routing
    from jifen.web import errors as page_errors
    from jifen.web import register_web

    tenant_routing.init_app(app)
    security.init_app(app)
    register_web(app)
    register_api(app)
    # One error handler for both: the API answers in its JSON shape, pages with a page.
    page_errors.init_app(app, json_errors=(api_errors.is_api_request, api_errors.http_error_response))
    init_plugin_templates(app)
    if app.config["JIFEN_TRUSTED_PROXIES"]:
        # Client address and scheme from the load balancer (rate limits key on the address).
        proxies = app.config["JIFEN_TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.teardown_appcontext(close_session)
    warn_of_unknown_calendar_years()
    masking.mask_personal_data_in_logs()
    _start_background_work(app)
    return app


def _start_background_work(app: Flask) -> None:
    """Embedded default: timed work runs in a thread of the serving process, started by its first
    request (so that CLI commands start none). Production's workers and scheduler are processes."""
    from jifen.jobs import backends, timed
    from jifen.observability import set_queue_depth_source

    set_queue_depth_source(lambda: backends.queue_depths(app))
    if app.config["JIFEN_JOBS"] == "thread" and not app.config.get("TESTING"):
        app.before_request_funcs.setdefault(None, []).append(lambda: timed.start_timer(app))


_calendar_warned = False


def warn_of_unknown_calendar_years() -> list[int]:
    """Say once per process when China's holiday calendar of this year or the next is not known yet."""
    global _calendar_warned
    unknown = workdays.unknown_years(clock.today())
    if unknown and not _calendar_warned:
        _calendar_warned = True
        log.warning("China's holiday calendar for %s is not known yet: working days of that year count Monday to "
                    "Friday (and the counties' calendar.toml) until the chinesecalendar package has the State "
                    "Council's notice (pip install -U chinesecalendar)", ", ".join(map(str, unknown)))
    return unknown
