"""Fixtures for the browser tests: the test app on a real HTTP port, and headless Chromium.

Playwright cannot download its own browsers here, so it drives the Debian
package's Chromium. Without it the browser tests skip locally, but fail in CI
(CI set): there they must never be skipped silently.

Test modules load these with `pytest_plugins = ["tests.browser_support"]`.
"""

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000  # a generous ceiling for any one wait; passing tests never reach it


@pytest.fixture
def live_server(app):
    """The test's `app` served over HTTP on a free port; yields the base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium, one per test module (each test gets its own fresh context)."""
    if not CHROMIUM.exists():
        reason = f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)"
        if os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no"):
            pytest.fail(f"{reason}; browser tests must not be skipped in CI", pytrace=False)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser context (its own cookies: one person per context);
    keyword arguments go to the context (`viewport=`, `java_script_enabled=False`).

    Contexts close before the live server stops, so no connection outlives it.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    contexts = []

    def open_page(**options):
        context = browser.new_context(base_url=live_server, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def sized(new_page):
    """Open a page on a screen of a size named in SIZES (`sized("phone")`) or of width x height
    (`sized(390, 844)`); keyword arguments go to the context, as for `new_page`."""
    from tests.browser_helpers import SIZES

    def open_page(size: str | int, height: int | None = None, **options):
        width, height = SIZES[size] if isinstance(size, str) else (size, height)
        return new_page(viewport={"width": width, "height": height}, **options)

    return open_page
