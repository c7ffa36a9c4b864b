"""/metrics for Prometheus: requests by endpoint, status class and county; the domain's job and message
counters and the queue depth; and who may read it (a bearer token, or an allowed address)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from jifen import observability
from jifen.config import ConfigError
from jifen.http.metrics import allowed_networks

TOKEN = "metrics-token-for-tests"
OUTSIDE = {"REMOTE_ADDR": "203.0.113.7"}  # an address not in the default allow list


@pytest.fixture
def jifen_config():
    return {"JIFEN_METRICS_TOKEN": TOKEN}


def requests_seen(endpoint: str, county: str, status: str = "2xx") -> float:
    labels = {"endpoint": endpoint, "status": status, "county": county}
    return observability.REGISTRY.get_sample_value("jifen_http_requests_total", labels) or 0.0


def latencies_seen(endpoint: str, county: str, status: str = "2xx") -> float:
    labels = {"endpoint": endpoint, "status": status, "county": county}
    return observability.REGISTRY.get_sample_value("jifen_http_request_duration_seconds_count", labels) or 0.0


def scrape(client, **kwargs) -> str:
    response = client.get("/metrics", **kwargs)
    assert response.status_code == 200, response.status_code
    assert response.mimetype == "text/plain"
    return response.get_data(as_text=True)


def test_requests_are_counted_by_endpoint_status_class_and_county(client):
    landing_jiashan = requests_seen("portal.landing", "jiashan")
    landing_haining = requests_seen("portal.landing", "haining")
    program = requests_seen("programs.program", "jiashan")
    timed = latencies_seen("portal.landing", "jiashan")
    index = requests_seen("platform.index", "")
    missing = requests_seen("programs.program", "jiashan", "4xx")

    for path in ("/jiashan/", "/jiashan/", "/haining/", "/jiashan/programs/hukou_transfer", "/"):
        assert client.get(path).status_code == 200, path
    assert client.get("/jiashan/programs/no_such_program").status_code == 404
    assert client.get("/nowhere-county/").status_code == 404

    assert requests_seen("portal.landing", "jiashan") == landing_jiashan + 2
    assert requests_seen("portal.landing", "haining") == landing_haining + 1
    assert requests_seen("programs.program", "jiashan") == program + 1
    assert requests_seen("programs.program", "jiashan", "4xx") == missing + 1
    assert requests_seen("platform.index", "") == index + 1
    assert latencies_seen("portal.landing", "jiashan") == timed + 2

    text = scrape(client)
    assert 'jifen_http_requests_total{county="jiashan",endpoint="portal.landing",status="2xx"}' in text
    assert 'jifen_http_request_duration_seconds_bucket{county="jiashan",endpoint="portal.landing"' in text
    # Labels are endpoints and known counties, never paths or what a visitor typed.
    assert "/jiashan/programs" not in text and "no_such_program" not in text and "nowhere-county" not in text


def all_requests_seen() -> float:
    return sum(s.value for m in observability.REGISTRY.collect() if m.name == "jifen_http_requests"
               for s in m.samples if s.name == "jifen_http_requests_total")


def test_a_scrape_is_not_counted_and_sets_no_cookie(client):
    client.get("/")
    before = all_requests_seen()
    response = client.get("/metrics")
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    assert response.headers["Cache-Control"] == "no-store"
    assert all_requests_seen() == before
    client.get("/")
    assert all_requests_seen() == before + 1


def test_metrics_are_404_to_others_and_200_with_the_token(client):
    assert scrape(client)  # the test client is 127.0.0.1: allowed by default
    outside = client.get("/metrics", environ_base=OUTSIDE)
    assert outside.status_code == 404
    assert "jifen_" not in outside.get_data(as_text=True)
    assert client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": "Bearer wrong"}).status_code == 404
    assert client.get("/metrics", environ_base=OUTSIDE, headers={"Authorization": TOKEN}).status_code == 404
    assert "jifen_http_requests_total" in scrape(client, environ_base=OUTSIDE,
                                                   headers={"Authorization": f"Bearer {TOKEN}"})
    # Through a proxy that is not trusted, 127.0.0.1 is the proxy, not the client.
    assert client.get("/metrics", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 404
    assert client.post("/metrics").status_code == 404


class TestWithoutTokenAndOwnAllowList:
    @pytest.fixture
    def jifen_config(self):
        return {"JIFEN_METRICS_TOKEN": None, "JIFEN_METRICS_ALLOW": "10.0.0.0/8, 2001:db8::1"}

    def test_only_the_listed_addresses_may_read_metrics(self, client):
        assert client.get("/metrics").status_code == 404  # loopback is no longer listed
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"}).status_code == 200
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "2001:db8::1"}).status_code == 200
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::ffff:10.1.1.1"}).status_code == 200
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "11.0.0.1"}).status_code == 404
        assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.0.0.1"},
                          headers={"Authorization": "Bearer "}).status_code == 200


def test_the_allow_list_is_checked_at_start_up():
    assert [str(n) for n in allowed_networks("127.0.0.1/32,::1/128")] == ["127.0.0.1/32", "::1/128"]
    assert allowed_networks("") == []
    with pytest.raises(ConfigError, match="JIFEN_METRICS_ALLOW"):
        allowed_networks("10.0.0.0/8,localhost")


def test_job_and_message_counters_appear_after_counting(client):
    def seen(name: str, **labels: str) -> float:
        return observability.REGISTRY.get_sample_value(name, labels) or 0.0

    finished = dict(kind="metrics_test_rescore", state="finished", county="jiashan")
    queued = dict(kind="metrics_test_rescore", state="queued", county="jiashan")
    failed = dict(channel="metrics_test_sms", state="failed", county="haining")
    before = seen("jifen_jobs_total", **finished), seen("jifen_jobs_total", **queued), seen("jifen_messages_total", **failed)
    observability.count_job("metrics_test_rescore", "queued", "jiashan")
    observability.count_job("metrics_test_rescore", "finished", "jiashan")
    observability.count_job("metrics_test_rescore", "finished", "jiashan")
    observability.count_message("metrics_test_sms", "failed", "haining")
    text = scrape(client)
    assert f'jifen_jobs_total{{county="jiashan",kind="metrics_test_rescore",state="finished"}} {before[0] + 2}' in text
    assert f'jifen_jobs_total{{county="jiashan",kind="metrics_test_rescore",state="queued"}} {before[1] + 1}' in text
    assert f'jifen_messages_total{{channel="metrics_test_sms",county="haining",state="failed"}} {before[2] + 1}' in text


@pytest.fixture
def queue_source():
    previous = observability.queue_depth_source()
    yield observability.set_queue_depth_source
    observability.set_queue_depth_source(previous)


def test_the_queue_depth_is_read_from_the_registered_source_at_scrape_time(client, queue_source):
    queue_source(None)
    assert "jifen_job_queue_depth{" not in scrape(client)
    depths = {"default": 7, "exports": 0}
    queue_source(lambda: depths)
    text = scrape(client)
    assert 'jifen_job_queue_depth{queue="default"} 7.0' in text
    assert 'jifen_job_queue_depth{queue="exports"} 0.0' in text
    depths["default"] = 3
    assert 'jifen_job_queue_depth{queue="default"} 3.0' in scrape(client)

    def unreachable():
        raise ConnectionError("redis down")

    queue_source(unreachable)
    assert "jifen_job_queue_depth{" not in scrape(client)  # no sample, but the scrape still answers


def test_with_a_multiprocess_folder_a_scrape_adds_up_every_process(tmp_path):
    """gunicorn's workers are processes: with PROMETHEUS_MULTIPROC_DIR each writes its counts to the
    folder and the scrape reads them all."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    worker = textwrap.dedent("""
        from jifen import observability
        from jifen.http import metrics
        observability.count_job("multiprocess_test", "finished", "jiashan")
        metrics.REQUESTS.labels("portal.landing", "2xx", "jiashan").inc()
    """)
    for _ in range(2):
        subprocess.run([sys.executable, "-c", worker], env=env, check=True, timeout=60)
    scraper = textwrap.dedent("""
        from prometheus_client import generate_latest
        from jifen import observability
        from jifen.http.metrics import scrape_registry
        observability.set_queue_depth_source(lambda: {"default": 4})
        print(generate_latest(scrape_registry()).decode())
    """)
    out = subprocess.run([sys.executable, "-c", scraper], env=env, check=True, timeout=60,
                         capture_output=True, text=True).stdout
    assert 'jifen_jobs_total{county="jiashan",kind="multiprocess_test",state="finished"} 2.0' in out
    assert 'jifen_http_requests_total{county="jiashan",endpoint="portal.landing",status="2xx"} 2.0' in out
    assert 'jifen_job_queue_depth{queue="default"} 4.0' in out
