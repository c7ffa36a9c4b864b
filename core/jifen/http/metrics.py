"""``/metrics`` for Prometheus: requests and their latency per endpoint, status class and county, and
the domain's own counters (``jifen.observability``: jobs, messages, the queue's depth).

Requests are labelled by the Flask endpoint (``portal.landing``), never by the path, so that ids in
URLs do not make a new series each; by status class (``2xx`` ... ``5xx``); and by the slug of the
county the request was bound to (empty on platform pages and for unknown counties, so a made-up
slug is never a label value).

``/metrics`` is answered by a thin WSGI layer in front of the routes, not by a route: a scrape opens
no session, loads no user, touches no database and is not itself counted. It is served only to

* a request with ``Authorization: Bearer <JIFEN_METRICS_TOKEN>``, when that variable is set, or
* a client whose address is in ``JIFEN_METRICS_ALLOW`` (IPs or CIDRs, by default the loopback
  addresses). A request carrying ``X-Forwarded-For`` or ``Forwarded`` while no proxy is trusted
  (``JIFEN_TRUSTED_PROXIES=0``) came through a proxy: its address is the proxy's, so it does not count.

Anyone else gets the site's own 404 page, as for any address that does not exist.

With several gunicorn workers, set ``PROMETHEUS_MULTIPROC_DIR``: each process writes its counts to
files in that folder and a scrape adds up all of them (docs/configuration.md).
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from typing import Iterable

from flask import Flask, g, request, request_started
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.exposition import choose_encoder
from werkzeug.exceptions import NotFound

from jifen import observability
from jifen.config import ConfigError

PATH = "/metrics"
DEFAULT_ALLOW = "127.0.0.1/32,::1/128"
UNMATCHED = "unmatched"  # the endpoint label of a request that matched no route
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
LABELS = ["endpoint", "status", "county"]

REQUESTS = Counter("jifen_http_requests", "HTTP requests by Flask endpoint, status class and county",
                   LABELS, registry=observability.REGISTRY)
LATENCY = Histogram("jifen_http_request_duration_seconds",
                    "Time from routing to the response, by Flask endpoint, status class and county",
                    LABELS, buckets=BUCKETS, registry=observability.REGISTRY)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_networks(value: str | Iterable[str] | None) -> list[Network]:
    """``JIFEN_METRICS_ALLOW`` as networks; a value that is no address or network stops start-up."""
    items = value.split(",") if isinstance(value, str) else list(value or [])
    networks = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"JIFEN_METRICS_ALLOW: {item!r} is not an IP address or network "
                              "(for example 10.0.0.0/8 or ::1)") from None
    return networks


def scrape_registry() -> CollectorRegistry:
    """What a scrape reads: this process's registry, or with ``PROMETHEUS_MULTIPROC_DIR`` every
    process's counts from that folder (prometheus-client's multiprocess mode)."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return observability.REGISTRY
    from prometheus_client import multiprocess

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    registry.register(observability.QUEUE_DEPTH_COLLECTOR)  # read at scrape time, by the process scraped
    return registry


def _client_allowed(address: str, networks: list[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    candidates = [ip]
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        candidates.append(ip.ipv4_mapped)  # ::ffff:127.0.0.1 from a server listening on [::]
    return any(c in n for c in candidates for n in networks if c.version == n.version)


class MetricsMiddleware:
    """Answers ``GET /metrics`` to those allowed; passes everything else to the application."""

    def __init__(self, wsgi_app, app: Flask) -> None:
        self.wsgi_app = wsgi_app
        self.app = app
        self.token: str | None = app.config.get("JIFEN_METRICS_TOKEN") or None
        self.networks = allowed_networks(app.config.get("JIFEN_METRICS_ALLOW", DEFAULT_ALLOW))
        self.proxies_trusted = bool(app.config.get("JIFEN_TRUSTED_PROXIES"))

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH:
            return self.wsgi_app(environ, start_response)
        if environ.get("REQUEST_METHOD") in ("GET", "HEAD") and self.allowed(environ):
            return self.serve(environ, start_response)
        return self.not_found(environ, start_response)

    def allowed(self, environ) -> bool:
        if self.token:
            scheme, _, given = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
            if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), self.token.encode()):
                return True
        forwarded = "HTTP_X_FORWARDED_FOR" in environ or "HTTP_FORWARDED" in environ
        if forwarded and not self.proxies_trusted:
            return False  # the address is a proxy's, not the client's
        return _client_allowed(environ.get("REMOTE_ADDR", ""), self.networks)

    def serve(self, environ, start_response):
        encoder, content_type = choose_encoder(environ.get("HTTP_ACCEPT", ""))
        body = encoder(scrape_registry())
        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body))),
                                  ("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff")])
        return [b"" if environ.get("REQUEST_METHOD") == "HEAD" else body]

    def not_found(self, environ, start_response):
        # The application's own 404 (page, or JSON to a client asking for it), as for any unknown URL.
        with self.app.request_context(environ):
            response = self.app.make_response(self.app.handle_http_exception(NotFound()))
            response = self.app.process_response(response)
        return response(environ, start_response)


def _started(sender, **extra) -> None:
    g._jifen_metrics_started = time.perf_counter()


def _record(response):
    tenant = g.get("tenant")
    labels = (request.endpoint or UNMATCHED, f"{response.status_code // 100}xx", tenant.slug if tenant else "")
    REQUESTS.labels(*labels).inc()
    started = g.pop("_jifen_metrics_started", None)
    if started is not None:
        LATENCY.labels(*labels).observe(time.perf_counter() - started)
    return response


def init_app(app: Flask) -> None:
    request_started.connect(_started, app)
    app.after_request(_record)
    app.wsgi_app = MetricsMiddleware(app.wsgi_app, app)
