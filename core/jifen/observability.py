"""What the platform counts for Prometheus: jobs, messages and the depth of the job queue.

The domain calls :func:`count_job` and :func:`count_message` where the work happens, and whoever
knows the queue registers :func:`set_queue_depth_source`; ``jifen.http.metrics`` serves everything
at ``/metrics``. This module imports no other part of jifen, so that any package may count without
importing the web side.

Every metric lives in :data:`REGISTRY`, not in prometheus-client's global registry. Under gunicorn
with several worker processes, ``PROMETHEUS_MULTIPROC_DIR`` makes prometheus-client keep counters in
files of that folder, and a scrape adds up every process's (docs/configuration.md).
"""

from __future__ import annotations

import logging
from typing import Callable, Iterable, Mapping

from prometheus_client import (CollectorRegistry, Counter, GCCollector, PlatformCollector, ProcessCollector,
                               disable_created_metrics)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

log = logging.getLogger("jifen.observability")

QueueDepthSource = Callable[[], Mapping[str, int]]

# No ``*_created`` series beside every counter: they double the series and no dashboard reads them.
disable_created_metrics()

REGISTRY = CollectorRegistry(auto_describe=True)
ProcessCollector(registry=REGISTRY)
PlatformCollector(registry=REGISTRY)
GCCollector(registry=REGISTRY)

JOBS = Counter("jifen_jobs", "Background jobs by kind and state (queued, finished, failed), per county",
               ["kind", "state", "county"], registry=REGISTRY)
MESSAGES = Counter("jifen_messages", "Message deliveries by channel and state, per county",
                   ["channel", "state", "county"], registry=REGISTRY)

QUEUE_DEPTH = "jifen_job_queue_depth"

_queue_depth_source: QueueDepthSource | None = None


def count_job(kind: str, state: str, county: str) -> None:
    """One job of ``kind`` reached ``state`` in the county with slug ``county``."""
    JOBS.labels(kind=kind, state=state, county=county).inc()


def count_message(channel: str, state: str, county: str) -> None:
    """One delivery on ``channel`` reached ``state`` (sent, failed, ...) in the county ``county``."""
    MESSAGES.labels(channel=channel, state=state, county=county).inc()


def set_queue_depth_source(fn: QueueDepthSource | None) -> None:
    """``fn()`` returns queue name -> jobs waiting; it is called at each scrape. ``None`` removes it
    (then the gauge has no sample)."""
    global _queue_depth_source
    _queue_depth_source = fn


def queue_depth_source() -> QueueDepthSource | None:
    return _queue_depth_source


class QueueDepthCollector(Collector):
    """The gauge ``jifen_job_queue_depth{queue}``, read from the registered source at scrape time.

    A source that fails (the queue's Redis unreachable) gives no sample, never a failed scrape."""

    def describe(self) -> Iterable[Metric]:
        return []  # registering must not call the source

    def collect(self) -> Iterable[Metric]:
        source = _queue_depth_source
        if source is None:
            return []
        try:
            depths = dict(source())
        except Exception as exc:  # noqa: BLE001 - a scrape reports what it can
            log.warning("queue depth not known for /metrics: %s", type(exc).__name__)
            return []
        family = GaugeMetricFamily(QUEUE_DEPTH, "Jobs waiting in each queue, read at scrape time", labels=["queue"])
        for name, depth in sorted(depths.items()):
            family.add_metric([str(name)], float(depth))
        return [family]


QUEUE_DEPTH_COLLECTOR = QueueDepthCollector()
REGISTRY.register(QUEUE_DEPTH_COLLECTOR)
