"""`funnelgen serve`: build into a temporary folder, serve it, rebuild on save, reload the browser.

`DevServer` is the whole server as an object a test can start on a free port and stop::

    with DevServer(site, port=0, say=lines.append) as server:
        server.url                  # http://127.0.0.1:<port>/

`serve` is what the command line runs: the same, until Ctrl-C. The parts live in
`funnelgen.devserver`: `rebuild` (what a save does), `state` (what is served), `server` (HTTP
and the event stream), `inject` (the client script and its policy), `watch` (which files).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import tempfile
import threading
import time
import webbrowser
from pathlib import Path
from types import FrameType, TracebackType

import click

from funnelgen.devserver.rebuild import Rebuilder, Say
from funnelgen.devserver.server import DevHTTPServer
from funnelgen.devserver.state import SiteState
from funnelgen.devserver.watch import Watcher, watched_folders
from funnelgen.errors import Abort

DEFAULT_HOST = "127.0.0.1"
"""Only this computer can see the preview unless --host says otherwise."""
DEFAULT_PORT = 8000


def _echo(line: str, error: bool) -> None:
    click.echo(line, err=error)


class DevServer:
    """A site served from a temporary folder of its own, rebuilt on every save."""

    def __init__(self, site: Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 say: Say = _echo) -> None:
        self.site = site
        self.host = host
        self.port = port
        self.say = say
        # Made by start():
        self.folder: Path
        """The temporary folder serve owns; removed by stop()."""
        self.out: Path
        """The last good build, in `folder`: what `funnelgen build` wrote, without anything serve adds."""
        self.state: SiteState
        self.rebuilder: Rebuilder
        self._httpd: DevHTTPServer | None = None
        self._watcher: Watcher | None = None
        self._thread: threading.Thread | None = None

    @property
    def address(self) -> tuple[str, int]:
        """The address and port the server listens on."""
        if self._httpd is None:
            raise RuntimeError("the server is not started")
        host, port = self._httpd.server_address[:2]
        return str(host), int(port)

    @property
    def url(self) -> str:
        """The site's address: under the path of its base_url, as its host will serve it."""
        host = self.address[0]
        return self.url_at({"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host))

    def url_at(self, address: str) -> str:
        """The site's address as seen at ``address``, an address of this computer."""
        origin = f"[{address}]" if ":" in address else address
        return f"http://{origin}:{self.address[1]}{self.state.base_url_path}/"

    def start(self) -> str:
        """Build, then serve and watch in background threads; returns the site's URL."""
        if not (self.site / "site.yml").is_file():
            raise Abort(f"{self.site}: no site.yml in this folder (run 'funnelgen new DIR' to start one)")
        self.folder = Path(tempfile.mkdtemp(prefix="funnelgen-serve-"))
        self.out = self.folder / "site"
        self.state = SiteState(self.out)
        self.rebuilder = Rebuilder(self.site, self.state, self.say)
        try:
            self._httpd = DevHTTPServer(self.host, self.port, self.state)
        except OSError as exc:
            self._remove_folder()
            hint = "; choose another with --port" if exc.errno == 98 else ""
            raise Abort(f"cannot serve on {self.host}:{self.port}: {exc.strerror or exc}{hint}") from None
        try:
            self.rebuilder.first_build()
            self._watcher = Watcher(self.site, self.watched, self.rebuilder.rebuild, self.rebuilder.crashed,
                                    self._stopped_watching)
            self._watcher.start()
        except BaseException:  # Ctrl-C during the first build too: leave no folder behind
            self.stop()
            raise
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="funnelgen serve",
                                        daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        """Stop serving and watching, cancel a running build, remove the temporary folder."""
        if not hasattr(self, "state"):
            return  # never started
        self.state.close()  # event streams end
        if self._httpd is not None:
            if self._thread is not None:  # shutdown() waits for serve_forever, which may not have begun
                self._httpd.shutdown()
            self._httpd.server_close()
        if self._watcher is not None:
            self._watcher.stop()
        self.rebuilder.close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._remove_folder()

    def __enter__(self) -> DevServer:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.stop()

    def watched(self) -> tuple[Path, ...]:
        return watched_folders(self.site, self.rebuilder.theme_folders)

    def _stopped_watching(self, folder: Path, reason: str) -> None:
        """Watching failed for good (see `Watcher`): one line; pages are still served."""
        self.say(f"{time.strftime('%H:%M:%S')} stopped watching {_shown(folder)}: {reason}", True)

    def _remove_folder(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def serve(site: Path, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, open_browser: bool = False,
          say: Say = _echo) -> None:
    """Serve ``site`` until Ctrl-C (or SIGTERM, or SIGHUP)."""
    server = DevServer(site, host=host, port=port, say=say)
    try:
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as cleanly as Ctrl-C,
            if hasattr(signal, "SIGHUP"):  # and so does closing its terminal (not on Windows)
                signal.signal(signal.SIGHUP, _interrupt)
        url = server.start()
        folders = ", ".join(_shown(f) for f in server.watched())
        say(f"Serving {_shown(site)} on {url} (watching {folders}). Press Ctrl-C to stop.", False)
        if host not in ("127.0.0.1", "localhost", "::1"):
            say(_seen_from_elsewhere(host, server), False)
        if open_browser:
            webbrowser.open(url)
        threading.Event().wait()
    except KeyboardInterrupt:
        say("Stopped.", False)
    finally:
        server.stop()


_EVERY_ADDRESS = ("0.0.0.0", "::", "")


def _seen_from_elsewhere(host: str, server: DevServer) -> str:
    """The line that says the preview is open to other computers, and, listening on every
    address, the one a phone on the same network opens."""
    shown = f"[{host}]" if ":" in host else host or "0.0.0.0"  # an IPv6 address, as in a URL
    line = f"Listening on {shown}: other computers that can reach this one can see the preview"
    if host not in _EVERY_ADDRESS:
        return line + "."
    address = network_address(socket.AF_INET)  # what phones use; '::' takes IPv4 too, on most systems
    if address is None and host == "::":
        address = network_address(socket.AF_INET6)
    if address is None:
        return line + " (this computer has no network address now)."
    return f"{line} at {server.url_at(address)}"


def network_address(family: socket.AddressFamily) -> str | None:
    """This computer's address on its network (the one its traffic leaves from), or None.

    A UDP socket 'connected' to an address outside sends nothing: the system only picks the
    address it would send from."""
    outside = ("2001:db8::1", 9) if family == socket.AF_INET6 else ("10.254.254.254", 9)
    try:
        with socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect(outside)
            address = str(probe.getsockname()[0])
    except OSError:
        return None
    return None if address in ("0.0.0.0", "::") or address.startswith("127.") or address == "::1" else address


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def _shown(path: Path) -> str:
    absolute = path.absolute()
    cwd = Path.cwd()
    return os.path.relpath(absolute, cwd) if absolute.is_relative_to(cwd) else str(absolute)
