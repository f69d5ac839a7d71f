"""The HTTP side: the site as a static host serves it, plus the event stream that reloads tabs.

Pages and files come from `SiteState.lookup` (a folder's `index.html`, a redirect for a folder
without its slash or for `hosting.redirects`, `404.html` with status 404). HTML gets the client
script (see `inject`). Nothing is cached by the browser: every response is `Cache-Control: no-store`.
"""

from __future__ import annotations

import json
import socket
import sys
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from funnelgen.devserver.inject import EVENTS_PATH, inject
from funnelgen.devserver.state import SiteState

KEEPALIVE_SECONDS = 15.0
"""A comment on an idle event stream this often, so proxies and browsers keep it open."""
GONE_CHECK_SECONDS = 0.5
"""How often an idle event stream looks whether its tab closed the connection; a closed tab's
page stops counting as open within this time (a write alone notices only 15-30 s later)."""


class DevHTTPServer(ThreadingHTTPServer):
    """One thread per connection; threads are daemons, so a stop never waits for a tab."""

    daemon_threads = True

    def __init__(self, host: str, port: int, state: SiteState) -> None:
        self.state = state
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), DevRequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError):
            return  # the browser went away mid-response: normal for reloads
        sys.stderr.write(f"funnelgen serve: error while answering {client_address[0]}:\n")
        traceback.print_exc()


MAX_POST_BYTES = 1_000_000
"""A form entry bigger than this is refused."""


class DevRequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: DevHTTPServer
    _written = 0.0
    """When the event stream last sent something (time.monotonic())."""

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def do_POST(self) -> None:
        """A form posted to a page of the site (a Netlify form's action is its next page): shown
        that page, as the host does after it keeps the entry. Nothing posted is kept."""
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > MAX_POST_BYTES:
            self.send_error(413 if length.isdigit() else 411)
            return
        self.rfile.read(int(length))
        path = "/" + urlsplit(self.path).path.lstrip("/")  # never '//host': another site
        self.send_response(303)
        self.send_header("Location", path)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # no line per request: the terminal is for rebuilds and problems

    def _answer(self, send_body: bool) -> None:
        url = urlsplit(self.path)
        path = unquote(url.path)
        if path == EVENTS_PATH and send_body:
            self._events(parse_qs(url.query))
            return
        state = self.server.state
        served = state.lookup(path)
        body = inject(served.body, served.digest, state.base_url_path) if served.is_html else served.body
        self.send_response(served.status)
        if served.location:  # the query goes on, as hosts pass it on
            joined = "&" if "?" in served.location else "?"
            location = served.location + (f"{joined}{url.query}" if url.query else "")
            self.send_header("Location", quote(location, safe=_URL_CHARACTERS))  # a header is ASCII
        self.send_header("Content-Type", served.content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def _events(self, query: dict[str, list[str]]) -> None:
        """Server-sent events for the tabs of one browser: which to reload, and the problems of
        the latest rebuild.

        One tab listens for all the others (see `client.js`), and names each tab's page and the
        version it shows as `tab=DIGEST:PATH`, once per page and version; it connects again when
        that list changes. On connecting, and after every change, it gets `{"reload": [tab, …],
        "problems": […]}` when a page has changed since it was sent or the problems differ from
        what it was last told.
        """
        state = self.server.state
        tabs = {tab: _tab_page(tab) for tab in query.get("tab", [])}
        paths = set(tabs.values())
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        for path in paths:
            state.watching(path, +1)
        try:
            self._send("retry: 500\n\n")
            told: list[str] | None = None
            reloaded: set[str] = set()
            seen = -1
            while not state.closed:
                version = state.wait(seen, GONE_CHECK_SECONDS)
                if state.closed:
                    return
                if version == seen:
                    if self._gone():
                        return
                    if time.monotonic() - self._written >= KEEPALIVE_SECONDS:
                        self._send(": still here\n\n")
                    continue
                seen = version
                now = {path: state.lookup(path).digest for path in paths}
                reload = sorted(tab for tab, path in tabs.items()
                                if tab not in reloaded and now[path] != tab.partition(":")[0])
                problems = [str(p) for p in state.problems]
                if reload or problems != told:
                    told = problems
                    reloaded.update(reload)
                    self._send(f"data: {json.dumps({'reload': reload, 'problems': problems})}\n\n")
                if tabs and reloaded == tabs.keys():
                    return  # every tab reloads: none is left to listen
        except (ConnectionError, TimeoutError):
            return
        finally:
            for path in paths:
                state.watching(path, -1)

    def _send(self, text: str) -> None:
        self.wfile.write(text.encode("utf-8"))
        self.wfile.flush()
        self._written = time.monotonic()

    def _gone(self) -> bool:
        """Whether the browser closed the event stream. Its client sends nothing after the
        request, so a connection with something to read has reached its end (or was reset)."""
        connection: socket.socket = self.connection
        timeout = connection.gettimeout()
        connection.settimeout(0)  # look without waiting
        try:
            return connection.recv(1, socket.MSG_PEEK) == b""
        except BlockingIOError:  # nothing to read: still open
            return False
        except OSError:  # reset, or already closed
            return True
        finally:
            connection.settimeout(timeout)


_URL_CHARACTERS = "!#$%&'()*+,/:;=?@[]~"
"""What a URL may hold as it is besides letters, digits and '-._': anything else is %-encoded."""


def _tab_page(tab: str) -> str:
    """The URL path of a tab named `DIGEST:PATH` (the path as the browser's location has it)."""
    return unquote(tab.partition(":")[2]) or "/"
