"""Browser tests: Debian's chromium driven by Playwright (executable_path; no browser download).

Without chromium (or Playwright, or axe-core for the accessibility check) they skip and say so; with
``JIFEN_REQUIRE_BROWSER=1`` (CI) they fail instead.
"""

import os
import shutil
import threading

import pytest
from werkzeug.serving import make_server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
PHONE = {"viewport": {"width": 360, "height": 740}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1366, "height": 768}}


def unavailable(reason: str):
    if os.environ.get("JIFEN_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (JIFEN_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def browser():
    if CHROMIUM is None:
        unavailable("chromium is not installed (apt-get install chromium): browser tests skipped")
    try:
        from playwright import sync_api
    except ImportError:
        unavailable("playwright is not installed: browser tests skipped")
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield launched
        launched.close()


def _page(browser, **options):
    context = browser.new_context(**options)
    return context, context.new_page()


@pytest.fixture
def phone(browser):
    context, page = _page(browser, locale="zh-CN", **PHONE)
    yield page
    context.close()


@pytest.fixture(params=["desktop", "phone"])
def screen(request, browser):
    """A page at desktop width, then at phone width (one test run each). The pages' Content-Security-Policy
    (script-src 'self') would refuse the injected axe-core: this context bypasses it, nothing else does."""
    context, page = _page(browser, locale="zh-CN", bypass_csp=True,
                          **(DESKTOP if request.param == "desktop" else PHONE))
    page.screen = request.param
    yield page
    context.close()
