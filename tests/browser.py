"""Real-browser fixtures: Debian's headless Chromium driven by Playwright, and a local server.

A test module gets its fixtures (``browser``, ``serve``, ``new_page``) with::

    pytest_plugins = ["tests.browser"]

and imports its types (``Tab``, ``NewPage``, ``Serve``) only under ``if TYPE_CHECKING:``: a plain
import before pytest registers the plugin stops pytest from rewriting its asserts, and the
warning it gives is an error in this suite.

Every page opened through ``new_page`` may only talk to 127.0.0.1: any other request is
aborted and recorded, so a test that ends with ``tab.blocked == []`` proves the page needed
no network beyond the folder it was served from.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, ConsoleMessage, Page, Route, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
LOCAL_HOST = "127.0.0.1"


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the whole run: Debian's, never a downloaded one."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run `make test`, which installs Debian's chromium "
                    "(the browser tests never download a browser)", pytrace=False)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield chromium
        finally:
            chromium.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    """`python -m http.server`'s handler, without a log line per request."""

    def log_message(self, format: str, *args: Any) -> None:
        pass


Serve = Callable[[Path], str]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """``serve(folder) -> base_url``: the folder as `python -m http.server` serves it.

    Each call starts a server on a free port of 127.0.0.1 in a background thread; all are shut
    down when the test ends.
    """
    running: list[tuple[http.server.ThreadingHTTPServer, threading.Thread]] = []

    def start(folder: Path) -> str:
        if not folder.is_dir():
            raise FileNotFoundError(f"nothing to serve: {folder} is not a folder")
        handler = functools.partial(_QuietHandler, directory=str(folder))
        server = http.server.ThreadingHTTPServer((LOCAL_HOST, 0), handler)
        thread = threading.Thread(target=server.serve_forever, name=f"serve {folder}", daemon=True)
        thread.start()
        running.append((server, thread))
        return f"http://{LOCAL_HOST}:{server.server_address[1]}/"

    yield start
    for server, thread in running:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Tab:
    """A page in its own browser context, with what it tried and failed to do."""

    page: Page
    context: BrowserContext
    console_errors: list[str] = field(default_factory=list)
    """Console messages of type error and uncaught exceptions, in order."""
    blocked: list[str] = field(default_factory=list)
    """URLs of requests aborted because they were not for 127.0.0.1."""

    def goto(self, url: str) -> int:
        """Open ``url`` and return its HTTP status."""
        response = self.page.goto(url)
        assert response is not None, f"no response for {url}"
        return response.status


NewPage = Callable[..., Tab]


@pytest.fixture
def new_page(browser: Browser) -> Iterator[NewPage]:
    """``new_page(**context_options) -> Tab``: a fresh context (e.g. ``java_script_enabled=False``,
    ``viewport=…``) whose requests to anything but 127.0.0.1 are aborted and recorded.
    ``new_page(beside=tab)`` is another tab of the same context, as a second tab of one browser
    window: it shares that tab's connections, storage and locks."""
    contexts: list[BrowserContext] = []

    def open_tab(beside: Tab | None = None, **context_options: Any) -> Tab:
        if beside is not None:  # its context blocks and records already, in that tab's list
            return _watched(Tab(page=beside.context.new_page(), context=beside.context, blocked=beside.blocked))
        context = browser.new_context(service_workers="block", **context_options)
        contexts.append(context)
        tab = _watched(Tab(page=context.new_page(), context=context))

        def local_only(route: Route) -> None:
            if urlsplit(route.request.url).hostname == LOCAL_HOST:
                route.fallback()
            else:
                tab.blocked.append(route.request.url)
                route.abort("blockedbyclient")

        context.route("**/*", local_only)
        return tab

    yield open_tab
    for context in contexts:
        context.close()


def _watched(tab: Tab) -> Tab:
    """``tab`` recording its console errors and uncaught exceptions."""

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            where = message.location.get("url", "") if message.location else ""
            tab.console_errors.append(f"{message.text} ({where or tab.page.url})")

    tab.page.on("console", on_console)
    tab.page.on("pageerror", lambda error: tab.console_errors.append(f"uncaught: {error}"))
    return tab
