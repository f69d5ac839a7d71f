"""`funnelgen serve` as a marketer uses it: a tab open on the preview while they edit.

The server runs in-process on a free port (``DevServer(site, port=0)``); the tests edit the
site's files on disk and wait for what the open Chromium tab shows, with Playwright's
`expect` (a timeout of a few seconds, never a timing assertion). A few tests need no browser
(help, defaults, policy rewriting, HTTP answers) and live here to keep serve in one place.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import Result
from conftest import FUNNEL_YML, SITE_YML, MakeSite
from playwright.sync_api import expect

from funnelgen.cli import cli
from funnelgen.commands.build import build
from funnelgen.commands.serve import DEFAULT_HOST, DevServer, network_address, serve
from funnelgen.devserver import rebuild as rebuild_module
from funnelgen.devserver import watch as watch_module
from funnelgen.devserver.inject import allow_client, client_css, client_js
from funnelgen.devserver.rebuild import FULL_BUILD_DELAY, Rebuilder
from funnelgen.devserver.server import GONE_CHECK_SECONDS, KEEPALIVE_SECONDS
from funnelgen.devserver.state import Generation, SiteState
from funnelgen.errors import Abort
from funnelgen.incremental import read_manifest
from funnelgen.site import prepare, prepare_against
from funnelgen.tracking import csp_hash

if TYPE_CHECKING:  # imported by pytest_plugins below, which must be first to load it
    from tests.browser import NewPage, Tab

pytest_plugins = ["tests.browser"]  # the browser and new_page fixtures
pytestmark = pytest.mark.browser

RunCli = Callable[..., Result]
WAIT_MS = 8000  # generous for a loaded machine; a reload takes well under a second

WARMUP_YML = """\
title: Warm-up
steps:
  - id: story
    type: bridge
    headline: Cold headline
    by_temperature:
      warm: {headline: Warm headline}
      hot: {headline: Hot headline}
    body: A short story.
    cta: {text: Show me}
  - id: thanks
    type: thankyou
    headline: Thanks for reading
"""
OVERLAY = "#funnelgen-preview .overlay"  # Playwright's CSS reaches into the open shadow root


class Running:
    """A started dev server and every line it printed."""

    def __init__(self, server: DevServer, lines: list[tuple[str, bool]]) -> None:
        self.server = server
        self.lines = lines
        self.url = server.url

    def printed(self) -> str:
        return "\n".join(line for line, _ in self.lines)

    def wait_for_line(self, text: str, after: int = 0, timeout: float = WAIT_MS / 1000) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any(text in line for line, _ in self.lines[after:]):
                return
            time.sleep(0.02)
        raise AssertionError(f"serve never printed {text!r}; it printed:\n{self.printed()}")


@pytest.fixture
def site(make_site: MakeSite) -> Path:
    return make_site({"funnels/warmup.yml": WARMUP_YML})


@pytest.fixture
def start() -> Iterator[Callable[[Path], Running]]:
    servers: list[DevServer] = []

    def start_server(root: Path) -> Running:
        lines: list[tuple[str, bool]] = []
        server = DevServer(root, port=0, say=lambda line, error: lines.append((line, error)))
        server.start()
        servers.append(server)
        return Running(server, lines)

    yield start_server
    for server in servers:
        server.stop()


def get(url: str) -> tuple[int, str, dict[str, str]]:
    request = urllib.request.Request(url)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            return response.status, response.read().decode("utf-8"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8"), dict(error.headers)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def headline(tab: Tab) -> str:
    return tab.page.locator("h1").inner_text()


# ---- the command line and defaults (no browser) ----


def test_serve_help_lists_its_options(run_cli: RunCli) -> None:
    result = run_cli("serve", "--help")
    assert result.exit_code == 0
    for text in ("--port", "--host", "--open", "[default: 127.0.0.1]", "Ctrl-C"):
        assert text in result.output


def test_serve_without_a_site_exits_1_with_one_line(run_cli: RunCli, tmp_path: Path) -> None:
    result = run_cli("serve", tmp_path, "--port", "0")
    assert result.exit_code == 1
    assert result.stderr == f"{tmp_path}: no site.yml in this folder (run 'funnelgen new DIR' to start one)\n"


def test_binding_defaults_to_this_computer_only(site: Path, start: Callable[[Path], Running]) -> None:
    host_option = next(p for p in cli.commands["serve"].params if p.name == "host")
    assert host_option.default == DEFAULT_HOST == "127.0.0.1"
    running = start(site)
    assert running.server.address[0] == "127.0.0.1"
    assert running.url.startswith("http://127.0.0.1:")


def test_a_port_in_use_is_one_clear_problem(site: Path, start: Callable[[Path], Running]) -> None:
    port = start(site).server.address[1]
    with pytest.raises(Abort, match=rf"cannot serve on 127.0.0.1:{port}: .*choose another with --port"):
        DevServer(site, port=port, say=lambda line, error: None).start()


def test_the_client_script_carries_its_stylesheet_once() -> None:
    css = json.dumps(client_css()).replace("</", "<\\/")
    assert client_js().count(css) == 1  # in the code that makes the style, not also in a comment


def test_a_save_through_a_temporary_file_is_named_by_the_file_saved(site: Path,
                                                                   start: Callable[[Path], Running]) -> None:
    running = start(site)
    printed = len(running.lines)
    funnel = site / "funnels/tiny.yml"
    temporary = site / "funnels/sedq8Xz1"  # what `sed -i` and some editors write, then rename
    temporary.write_text(funnel.read_text().replace("Join the list", "Join the waiting list"))
    os.replace(temporary, funnel)
    running.wait_for_line("rebuilt in", after=printed)
    said = next(line for line, _ in running.lines[printed:] if "rebuilt in" in line)
    assert re.match(r"^\d\d:\d\d:\d\d funnels/tiny\.yml (and 1 more )?changed: ", said), said


def test_the_policy_allows_the_client_and_nothing_else_new() -> None:
    script, style = csp_hash(client_js()), csp_hash(client_css())
    policy = ("default-src 'self'; script-src 'sha256-a'; style-src 'none'; connect-src 'self' "
              "https://x.example; object-src 'none'")
    assert allow_client(policy) == (
        f"default-src 'self'; script-src 'sha256-a' {script}; style-src {style}; "
        "connect-src 'self' https://x.example; object-src 'none'"
    )
    # A directive that was missing fell back to default-src: it keeps what that allowed.
    assert allow_client("default-src 'self' https://cdn.example") == (
        f"default-src 'self' https://cdn.example; script-src 'self' https://cdn.example {script}; "
        f"style-src 'self' https://cdn.example {style}; connect-src 'self' https://cdn.example"
    )


def test_it_answers_like_a_static_host(site: Path, start: Callable[[Path], Running]) -> None:
    url = start(site).url
    status, body, headers = get(url + "tiny/join/")
    assert status == 200 and "Join the list" in body
    assert headers["Cache-Control"] == "no-store"
    assert get(url + "tiny")[0:1] == (301,) and get(url + "tiny")[2]["Location"] == "/tiny/"
    assert get(url + "tiny?temp=hot")[2]["Location"] == "/tiny/?temp=hot"
    status, body, _ = get(url + "no/such/page/")
    assert status == 404 and "This page does not exist" in body
    assert "__funnelgen/events" in body  # the 404 page reloads too, once the page exists
    assert get(url + ".funnelgen")[0] == 404
    assert get(url + "../../etc/passwd")[0] == 404


def test_a_very_long_address_is_not_found_and_the_server_goes_on(site: Path, start: Callable[[Path], Running]) -> None:
    url = start(site).url
    assert get(url + "a" * 300 + "/")[0] == 404
    assert get(url + "tiny/" + "b" * 300)[0] == 404
    assert get(url + "tiny/join/")[0] == 200


def test_a_form_posted_to_a_page_shows_that_page_as_the_host_would(site: Path,
                                                                   start: Callable[[Path], Running]) -> None:
    url = start(site).url
    request = urllib.request.Request(url + "tiny/join/", data=b"email=a%40example.com", method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:  # follows the 303 with a GET
        assert response.status == 200 and "Join the list" in response.read().decode("utf-8")
    opener = urllib.request.build_opener(_NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as answer:
        opener.open(urllib.request.Request(url + "/example.com/x", data=b"a=1", method="POST"), timeout=10)
    answer.value.close()
    assert answer.value.code == 303 and answer.value.headers["Location"] == "/example.com/x"  # not another host


def test_a_site_without_a_home_page_gets_a_list_of_its_funnels(site: Path, start: Callable[[Path], Running]) -> None:
    status, body, _ = get(start(site).url)
    assert status == 200
    assert '<a href="/tiny/">Tiny funnel</a>' in body and '<a href="/warmup/story/">story</a>' in body


def test_the_build_on_disk_is_funnelgen_build_exactly(site: Path, start: Callable[[Path], Running],
                                                      tmp_path: Path) -> None:
    running = start(site)
    served = running.server.out
    build(site, tmp_path / "built")
    pages = sorted(p.relative_to(served).as_posix() for p in served.rglob("*.html"))
    assert pages == sorted(p.relative_to(tmp_path / "built").as_posix()
                           for p in (tmp_path / "built").rglob("*.html"))
    for page in pages:
        assert (served / page).read_bytes() == (tmp_path / "built" / page).read_bytes(), page
    for file in served.rglob("*"):
        if file.is_file():
            data = file.read_bytes()
            assert b"funnelgen-preview" not in data and b"__funnelgen" not in data, file
    # …and what it serves is that, plus the client.
    _, body, _ = get(running.url + "tiny/join/")
    assert "__funnelgen/events" in body and "__funnelgen" not in (served / "tiny/join/index.html").read_text()


def test_a_page_a_save_took_away_is_gone_before_the_build_is_on_disk(site: Path, tmp_path: Path) -> None:
    """While a save's build is still being written, its pages render on request; a page the save
    removed (its slug changed) is not served from the older build meanwhile."""
    out = tmp_path / "out"
    build(site, out)
    state = SiteState(out)
    state.publish(disk_number=1)
    funnel = site / "funnels/tiny.yml"
    funnel.write_text("slug: tiny-list\n" + funnel.read_text())
    state.publish(generation=Generation(2, prepare_against(site, out, read_manifest(out))))
    assert state.lookup("/tiny/join/").status == 404
    assert state.lookup("/tiny-list/join/").status == 200
    assert state.lookup("/warmup/story/").status == 200  # unchanged funnel: taken from the build on disk


def test_a_template_broken_just_after_a_good_save_keeps_that_save_on_the_page(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The good save's build is not on disk yet: the page stays as that save rendered it, not as
    the older build on disk has it."""
    monkeypatch.setattr(rebuild_module, "FULL_BUILD_DELAY", 60)  # both saves come before its build
    state = SiteState(tmp_path / "out")
    rebuilder = Rebuilder(site, state, say=lambda line, error: None)
    try:
        assert rebuilder.first_build()
        funnel = site / "funnels/tiny.yml"
        funnel.write_text(funnel.read_text().replace("Join the list", "Saved a moment ago"))
        rebuilder.rebuild([funnel])
        assert "Saved a moment ago" in state.lookup("/tiny/join/").body.decode()
        footer = site / "templates/blocks/footer.html"
        footer.parent.mkdir(parents=True)
        footer.write_text("<footer>{% if true %}</footer>\n")  # no endif
        rebuilder.rebuild([footer])
        assert "Saved a moment ago" in state.lookup("/tiny/join/").body.decode()
        assert "templates/blocks/footer.html" in str(state.problems[0])  # and the overlay says why
    finally:
        rebuilder.close()


def test_a_first_build_that_fails_on_a_template_says_there_is_no_last_good_build(
        make_site: MakeSite, start: Callable[[Path], Running]) -> None:
    site = make_site({"templates/blocks/footer.html": "<footer>{% if true %}</footer>\n"})  # no endif
    running = start(site)
    assert "the first build: 1 problem; showing the pages that render meanwhile" in running.printed()
    status, body, _ = get(running.url + "tiny/join/")
    assert status == 500 and "footer.html" in body  # no page renders: the problem instead


def test_a_funnel_added_shows_in_the_open_funnel_list_at_once(
        site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The list at / (`index: true`) is rendered on request like the steps: it waited for the
    full build, and the terminal said the open tab's page had not changed."""
    monkeypatch.setattr(rebuild_module, "FULL_BUILD_DELAY", 60)  # the save comes before its build
    (site / "site.yml").write_text((site / "site.yml").read_text() + "index: true\n")
    said: list[str] = []
    state = SiteState(tmp_path / "out")
    rebuilder = Rebuilder(site, state, say=lambda line, error: said.append(line))
    try:
        assert rebuilder.first_build()
        assert "Launch week" not in state.lookup("/").body.decode()
        state.watching("/", 1)  # a tab shows the list
        added = site / "funnels/launch.yml"
        added.write_text(FUNNEL_YML.replace("Tiny funnel", "Launch week"))
        rebuilder.rebuild([added])
        assert "Launch week" in state.lookup("/").body.decode()
        assert said[-1].endswith("; 1 of 1 open page changed")
    finally:
        rebuilder.close()


def test_a_save_still_rebuilding_when_serve_stops_writes_nothing_after(site: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(site, out)
    state = SiteState(out)
    state.publish(disk_number=1)
    rebuilder = Rebuilder(site, state, say=lambda line, error: None)
    funnel = site / "funnels/tiny.yml"
    funnel.write_text(funnel.read_text().replace("Join the list", "Saved just before stopping"))
    rebuilder.close()  # Ctrl-C while the save is being rebuilt: then serve removes the folder
    shutil.rmtree(out)
    rebuilder.rebuild([funnel])
    time.sleep(FULL_BUILD_DELAY + 1)  # when the full build would have started, and written a while
    assert not out.exists()


def test_redirects_the_host_answers_from_its_file_are_answered_the_same(make_site: MakeSite,
                                                                      start: Callable[[Path], Running]) -> None:
    site = make_site({"site.yml": SITE_YML + textwrap.dedent("""\
        hosting:
          targets: [netlify]
          redirects:
            - {from: /go, to: tiny, utm: {source: mail}}
            - {from: /old-join/, to: tiny/join, status: 301}
            - {from: /join.html, to: /tiny/join/}
        """)})
    running = start(site)
    lines = (running.server.out / "_redirects").read_text().splitlines()
    rules = [line.split() for line in lines if line.startswith("/")]
    assert len(rules) == 5  # /go and /old-join with and without their slash, /join.html
    for source, target, status in rules:  # what Netlify reads from the build, answered by serve
        assert get(running.url + source.lstrip("/"))[0] == int(status), source
        assert get(running.url + source.lstrip("/"))[2]["Location"] == target, source
    assert get(running.url + "go?ref=x")[2]["Location"] == "/tiny/?utm_source=mail&ref=x"  # the query goes on


def test_with_only_s3_its_redirects_answer_301_as_s3_does(make_site: MakeSite,
                                                          start: Callable[[Path], Running]) -> None:
    """S3 answers a request for an object with website redirect metadata with 301 (whatever
    the status in site.yml), instead of the redirect page the build wrote there."""
    site = make_site({"site.yml": SITE_YML.replace("tiny.example/", "tiny.example/shop/") + textwrap.dedent("""\
        hosting:
          targets: [s3]
          redirects:
            - {from: /go, to: tiny, utm: {source: mail}}
            - {from: /old-join/, to: tiny/join, status: 301}
            - {from: /join.html, to: /tiny/join/}
        """)})
    running = start(site)
    metadata = json.loads((running.server.out / "s3-metadata.json").read_text())["files"]
    objects = {key: entry["WebsiteRedirectLocation"] for key, entry in metadata.items()
               if "WebsiteRedirectLocation" in entry}
    assert sorted(objects) == ["go/index.html", "join.html", "old-join/index.html"]
    for key, target in objects.items():  # what S3 reads from the build, answered by serve
        addresses = [key, key.removesuffix("index.html")] if key.endswith("/index.html") else [key]
        for address in addresses:
            status, body, headers = get(running.url + address)
            assert (status, headers["Location"], body) == (301, target, ""), address
    assert objects["go/index.html"] == "/shop/tiny/?utm_source=mail"
    assert get(running.url + "go")[0:1] == (301,) and get(running.url + "go")[2]["Location"] == "/shop/go/"
    assert get(running.url + "tiny/join/")[0] == 200  # pages are pages


def test_with_only_github_pages_the_redirect_page_is_shown(make_site: MakeSite,
                                                           start: Callable[[Path], Running]) -> None:
    site = make_site({"site.yml": SITE_YML + "hosting:\n  targets: [github-pages]\n  redirects:\n"
                                              "    - {from: /go, to: tiny}\n"})
    status, body, _ = get(start(site).url + "go/")
    assert status == 200 and 'http-equiv="refresh"' in body


@pytest.mark.parametrize("folder", ["caf%C3%A9", "café", "my%20shop"])
def test_a_base_url_with_an_encoded_or_non_ascii_path_is_served_under_it(
    folder: str, make_site: MakeSite, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    """Browsers send a path encoded (/caf%C3%A9/), however base_url writes it."""
    site = make_site({"site.yml": SITE_YML.replace("tiny.example/", f"tiny.example/{folder}/") + textwrap.dedent("""\
        hosting:
          targets: [netlify]
          redirects:
            - {from: /go, to: tiny/join}
        """)})
    encoded = urllib.parse.quote(urllib.parse.unquote(folder))
    running = start(site)
    root = running.url.removesuffix(f"{encoded}/")
    assert running.url == f"{root}{encoded}/"
    for path in ("", encoded):  # the server's root, and the site's without its slash
        status, _, headers = get(root + path)
        assert (status, headers["Location"]) == (302, f"/{encoded}/")
    assert get(f"{root}{encoded}/tiny/join/")[0] == 200
    assert get(f"{root}{encoded.lower()}/tiny/join/")[0] == 200  # %c3%a9 is %C3%A9
    assert get(f"{root}{encoded}/tiny")[2]["Location"] == f"/{encoded}/tiny/"
    assert get(f"{root}{encoded}/go")[2]["Location"] == f"/{encoded}/tiny/join/"
    assert get(f"{root}tiny/join/")[0] == 404  # outside the site

    tab = new_page()
    assert tab.goto(root) == 200 and tab.page.url == f"{root}{encoded}/"
    tab.page.locator("a", has_text="Tiny funnel").click()  # the list of funnels links under the folder
    expect(tab.page.locator("h1")).to_have_text("Join the list", timeout=WAIT_MS)
    assert tab.page.url == f"{root}{encoded}/tiny/"
    expect(tab.page.locator("#funnelgen-preview .dot.live")).to_have_count(1, timeout=WAIT_MS)
    expect(tab.page.locator("#funnelgen-preview .notice")).to_have_count(0)  # inside the site
    funnel = site / "funnels/tiny.yml"  # …and its tab reloads on a save
    funnel.write_text(funnel.read_text().replace("Join the list", "Join the café list"))
    expect(tab.page.locator("h1")).to_have_text("Join the café list", timeout=WAIT_MS)
    assert tab.console_errors == []


def test_a_site_folder_removed_and_put_back_is_watched_again(site: Path, start: Callable[[Path], Running],
                                                             tmp_path: Path) -> None:
    """Removed and made again (a `git checkout`, a restore): the operating system watches
    nothing there any more, so serve watches the new folder, and rebuilds from it."""
    running = start(site)
    kept = tmp_path / "kept"
    shutil.copytree(site, kept)
    shutil.rmtree(site)
    time.sleep(0.3)
    shutil.copytree(kept, site)
    printed = len(running.lines)
    running.wait_for_line("changed: rebuilt in", after=0)
    funnel = site / "funnels/tiny.yml"
    funnel.write_text(funnel.read_text().replace("Join the list", "Join the restored list"))
    running.wait_for_line("tiny.yml changed: rebuilt in", after=printed)
    assert "Join the restored list" in get(running.url + "tiny/join/")[1]
    assert "stopped watching" not in running.printed()


def test_a_site_folder_removed_for_good_is_one_line_and_serving_goes_on(
    site: Path, start: Callable[[Path], Running]
) -> None:
    running = start(site)
    shutil.rmtree(site)
    running.wait_for_line("stopped watching", timeout=sum(watch_module.RETRY_SECONDS) + 5)
    said = [(line, error) for line, error in running.lines if "stopped watching" in line]
    assert len(said) == 1 and said[0][1] is True, said
    assert re.fullmatch(rf"\d\d:\d\d:\d\d stopped watching {re.escape(str(site.resolve()))}: the folder was "
                        r"removed or renamed; restart funnelgen serve", said[0][0]), said
    assert running.server._watcher is not None and not running.server._watcher.running
    assert get(running.url + "tiny/join/")[0] == 200  # the last build is still served


WATCH_LIMIT = "OS file watch limit reached. about [\"/x\"] (Error { kind: MaxFilesWatch })"


@pytest.mark.parametrize("failures", [2, 99], ids=["passing", "lasting"])
def test_watching_that_fails_is_retried_then_one_line(failures: int, site: Path, start: Callable[[Path], Running],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """watchfiles raises while watching (here: the system's watch limit, as it words it)."""
    real = watch_module.watch
    calls: list[int] = []
    watching = threading.Event()

    def failing(*args: object, **kwargs: object) -> Iterator[set[tuple[object, str]]]:
        calls.append(1)
        if len(calls) == 1:  # it starts, then the operating system refuses
            for batch in real(*args, **kwargs):  # type: ignore[arg-type]
                yield batch
                raise OSError(WATCH_LIMIT)
        if len(calls) <= failures:
            raise OSError(WATCH_LIMIT)
        for batch in real(*args, **kwargs):  # type: ignore[arg-type]
            watching.set()
            yield batch

    monkeypatch.setattr(watch_module, "watch", failing)
    running = start(site)
    if failures == 2:
        assert watching.wait(sum(watch_module.RETRY_SECONDS) + 5)  # after two waits of the back-off
        funnel = site / "funnels/tiny.yml"
        funnel.write_text(funnel.read_text().replace("Join the list", "Join the retried list"))
        running.wait_for_line("rebuilt in")
        assert "Join the retried list" in get(running.url + "tiny/join/")[1]
        assert "stopped watching" not in running.printed() and len(calls) == 3
        return
    running.wait_for_line("stopped watching", timeout=sum(watch_module.RETRY_SECONDS) + 5)
    said = [line for line, error in running.lines if "stopped watching" in line and error]
    assert said == [said[0]] and said[0].endswith(
        f"stopped watching {site.resolve()}: the system's limit on watched files was reached; raise it "
        "(on Linux, fs.inotify.max_user_watches) and restart funnelgen serve"), said
    assert len(calls) == len(watch_module.RETRY_SECONDS) + 1


def test_an_unexpected_error_in_a_rebuild_is_one_line_and_the_next_save_is_rebuilt(
    site: Path, start: Callable[[Path], Running], monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuild = Rebuilder.rebuild
    saves: list[list[Path]] = []

    def fails_once(self: Rebuilder, changed: list[Path]) -> None:
        saves.append(changed)
        if len(saves) == 1:
            raise RuntimeError("a bug")  # anything serve does not expect, once
        rebuild(self, changed)

    monkeypatch.setattr(Rebuilder, "rebuild", fails_once)
    running = start(site)
    funnel = site / "funnels/tiny.yml"
    funnel.write_text(funnel.read_text().replace("Join the list", "Join the first list"))
    running.wait_for_line("internal error")
    said = [(line, error) for line, error in running.lines if "internal error" in line]
    assert len(said) == 1 and said[0][1] is True, said  # one line, on stderr
    assert re.match(r"^\d\d:\d\d:\d\d internal error while rebuilding: RuntimeError\('a bug'\) "
                    r"\(test_serve\.py:\d+\); still watching: save again to retry, or restart funnelgen "
                    r"serve if it happens again$", said[0][0]), said

    printed = len(running.lines)
    funnel.write_text(funnel.read_text().replace("Join the first list", "Join the second list"))
    running.wait_for_line("rebuilt in", after=printed)
    assert "Join the second list" in get(running.url + "tiny/join/")[1]


def test_stopping_removes_the_temporary_folder(site: Path) -> None:
    server = DevServer(site, port=0, say=lambda line, error: None)
    server.start()
    assert (server.out / "tiny/join/index.html").is_file()
    server.stop()
    assert not server.folder.exists()


def test_ctrl_c_during_the_first_build_stops_cleanly_too(site: Path, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(self: Rebuilder) -> None:
        raise KeyboardInterrupt  # as Ctrl-C arrives while the first build runs

    monkeypatch.setattr(Rebuilder, "first_build", interrupted)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    (tmp_path / "temp").mkdir()
    lines: list[str] = []
    previous = {stop: signal.getsignal(stop) for stop in (signal.SIGTERM, signal.SIGHUP)}
    try:
        serve(site, port=0, say=lambda line, error: lines.append(line))
    finally:
        for stop, handler in previous.items():
            signal.signal(stop, handler)
    assert lines == ["Stopped."]
    assert list((tmp_path / "temp").iterdir()) == []


@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP],
                         ids=["ctrl-c", "kill", "closed-terminal"])
def test_ctrl_c_kill_or_closing_the_terminal_stops_the_command_cleanly(stop: signal.Signals, site: Path,
                                                                      tmp_path: Path) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    command = [sys.executable, "-m", "funnelgen", "serve", str(site), "--port", "0"]
    # As in a terminal: a shell that starts a job in the background (`cmd &`, as CI scripts may run
    # the tests) makes it ignore SIGINT, and that would pass down to this child.
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "TMPDIR": str(temp)},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Built 6 pages from 2 funnels in ")
        serving = process.stdout.readline()
        assert re.match(r"Serving .*site on http://127\.0\.0\.1:\d+/ \(watching .*\)\. Press Ctrl-C to stop\.$",
                        serving), serving
        port = re.search(r":(\d+)/", serving).group(1)  # type: ignore[union-attr]
        assert get(f"http://127.0.0.1:{port}/tiny/join/")[0] == 200
        assert [p.name.startswith("funnelgen-serve-") for p in temp.iterdir()] == [True]
        process.send_signal(stop)
        stdout, stderr = process.communicate(timeout=20)
    finally:
        process.kill()
        process.communicate()
    assert (process.returncode, stdout, stderr) == (0, "Stopped.\n", "")
    assert list(temp.iterdir()) == []


@pytest.mark.parametrize(("host", "shown"), [("0.0.0.0", "0.0.0.0"), ("::", "[::]")], ids=["ipv4", "ipv6-and-ipv4"])
def test_listening_on_every_address_names_the_address_a_phone_on_the_network_opens(site: Path, host: str,
                                                                                  shown: str) -> None:
    """A phone is on IPv4: on '::', which takes IPv4 too, the address named is still the IPv4 one."""
    command = [sys.executable, "-m", "funnelgen", "serve", str(site), "--port", "0", "--host", host]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        assert process.stdout.readline().startswith("Built 6 pages from 2 funnels in ")
        assert process.stdout.readline().startswith("Serving ")
        line = process.stdout.readline()
        found = re.fullmatch(rf"Listening on {re.escape(shown)}: other computers that can reach this one can see "
                             r"the preview at (http://([\d.]+):\d+/)\n", line)
        assert found, line
        assert found[2] == network_address(socket.AF_INET) and not found[2].startswith("127.")
        assert get(found[1] + "tiny/join/")[0] == 200
    finally:
        process.kill()
        process.communicate()


def test_a_computer_without_a_network_has_no_address_to_give(monkeypatch: pytest.MonkeyPatch) -> None:
    def unreachable(self: socket.socket, address: object) -> None:
        raise OSError(errno.ENETUNREACH, "Network is unreachable")

    monkeypatch.setattr(socket.socket, "connect", unreachable)
    assert network_address(socket.AF_INET) is None
    assert network_address(socket.AF_INET6) is None


# ---- in the browser ----


def test_the_page_loads_with_the_preview_bar_and_no_policy_violation(
    site: Path, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    tab = new_page()
    assert tab.goto(start(site).url + "tiny/join/") == 200
    expect(tab.page.locator("#funnelgen-preview .dot.live")).to_have_count(1, timeout=WAIT_MS)
    expect(tab.page.locator("#funnelgen-preview a[aria-current]")).to_have_text("cold")
    assert headline(tab) == "Join the list"
    assert tab.console_errors == [], tab.console_errors  # CSP lets the client and the runtime run
    assert tab.blocked == []


def test_saving_an_edit_reloads_the_tabs_whose_page_changed(
    site: Path, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    running = start(site)
    edited, other, home = new_page(), new_page(), new_page()
    edited.goto(running.url + "tiny/join/")
    other.goto(running.url + "warmup/story/")
    home.goto(running.url)  # the funnel list: only the full build writes it
    for tab in (edited, other, home):
        expect(tab.page.locator("#funnelgen-preview .dot.live")).to_have_count(1, timeout=WAIT_MS)
        tab.page.evaluate("window.loadedBefore = true")
    printed = len(running.lines)
    funnel = site / "funnels/tiny.yml"
    funnel.write_text(funnel.read_text().replace("Join the list", "Join the waiting list"))

    expect(edited.page.locator("h1")).to_have_text("Join the waiting list", timeout=WAIT_MS)
    assert edited.page.evaluate("window.loadedBefore") is None  # a reload, by itself
    running.wait_for_line("wrote all", after=printed)  # the full build is on disk…
    assert "Join the waiting list" in (running.server.out / "tiny/join/index.html").read_text()
    assert other.page.evaluate("window.loadedBefore") is True  # …and the other page never reloaded
    assert re.search(r"^\d\d:\d\d:\d\d funnels/tiny\.yml changed: rebuilt in \d+ ms; 1 of 3 open pages changed$", running.printed(), re.M), running.printed()
    assert edited.console_errors == other.console_errors == []


def test_a_broken_file_shows_the_problem_over_the_last_good_page_until_fixed(
    site: Path, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    running = start(site)
    tab = new_page()
    tab.goto(running.url + "tiny/join/")
    expect(tab.page.locator("#funnelgen-preview .dot.live")).to_have_count(1, timeout=WAIT_MS)
    funnel = site / "funnels/tiny.yml"
    good = funnel.read_text()
    funnel.write_text(good.replace("    headline: Join the list\n", "    headline: Join the list\n    headlin: typo\n"))
    with pytest.raises(Abort) as broken:
        prepare(site)
    expected = [str(p) for p in broken.value.problems]
    assert expected[0].startswith("funnels/tiny.yml:6: steps[0].headlin: unknown key 'headlin'")

    overlay = tab.page.locator(OVERLAY)
    expect(overlay.locator("li")).to_have_text(expected, timeout=WAIT_MS)
    assert headline(tab) == "Join the list"  # the last good page, still there
    status, body, _ = get(running.url + "tiny/join/")
    assert status == 200 and "Join the list" in body  # …and still served
    tab.page.reload()  # a tab opened or reloaded while broken shows the problem at once
    expect(overlay.locator("li")).to_have_text(expected, timeout=WAIT_MS)
    assert running.lines[-1] == (f"  {expected[0]}", True)

    funnel.write_text(good.replace("Join the list", "Join the fixed list"))
    expect(tab.page.locator("h1")).to_have_text("Join the fixed list", timeout=WAIT_MS)
    expect(overlay).to_have_count(0)
    assert tab.console_errors == []


def test_fixing_a_file_that_did_not_change_the_page_clears_the_overlay_without_a_reload(
    site: Path, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    running = start(site)
    tab = new_page()
    tab.goto(running.url + "tiny/join/")
    expect(tab.page.locator("#funnelgen-preview .dot.live")).to_have_count(1, timeout=WAIT_MS)
    tab.page.evaluate("window.loadedBefore = true")
    site_yml = site / "site.yml"
    good = site_yml.read_text()
    site_yml.write_text(good + "base_url: twice\n")
    expect(tab.page.locator(OVERLAY)).to_contain_text("site.yml:", timeout=WAIT_MS)
    site_yml.write_text(good)
    expect(tab.page.locator(OVERLAY)).to_have_count(0, timeout=WAIT_MS)
    assert tab.page.evaluate("window.loadedBefore") is True


def test_a_theme_outside_the_site_is_watched_once_site_yml_switches_to_it(
    site: Path, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    theme = site.parent / "mytheme"  # beside the site folder, not in it
    (theme / "templates/blocks").mkdir(parents=True)
    (theme / "theme.yml").write_text("name: mytheme\nextends: clean\n")
    footer = theme / "templates/blocks/footer.html"
    footer.write_text('<footer class="site-footer"><p>First footer</p></footer>\n')
    running = start(site)
    assert theme.resolve() not in running.server.watched()
    tab = new_page()
    tab.goto(running.url + "tiny/join/")
    expect(tab.page.locator("#funnelgen-preview .dot.live")).to_have_count(1, timeout=WAIT_MS)

    (site / "site.yml").write_text((site / "site.yml").read_text() + "theme: ../mytheme\n")
    expect(tab.page.locator("footer")).to_have_text("First footer", timeout=WAIT_MS)
    assert theme.resolve() in running.server.watched()
    footer.write_text('<footer class="site-footer"><p>Second footer</p></footer>\n')
    expect(tab.page.locator("footer")).to_have_text("Second footer", timeout=WAIT_MS)
    assert "theme mytheme: templates/blocks/footer.html changed: rebuilt in" in running.printed()


def test_a_broken_theme_outside_the_site_is_watched_until_it_is_fixed(
    site: Path, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    theme = site.parent / "mytheme"
    (theme / "templates/blocks").mkdir(parents=True)
    (theme / "theme.yml").write_text("name: mytheme\ndescription: [oops\n")
    (theme / "templates/blocks/footer.html").write_text('<footer class="site-footer"><p>Mine</p></footer>\n')
    (site / "site.yml").write_text((site / "site.yml").read_text() + "theme: ../mytheme\n")
    running = start(site)
    assert theme.resolve() in running.server.watched()
    tab = new_page()
    assert tab.goto(running.url + "tiny/join/") == 500
    expect(tab.page.locator(OVERLAY)).to_contain_text("theme.yml:", timeout=WAIT_MS)
    (theme / "theme.yml").write_text("name: mytheme\nextends: clean\n")
    expect(tab.page.locator("footer")).to_have_text("Mine", timeout=WAIT_MS)
    expect(tab.page.locator(OVERLAY)).to_have_count(0)


def test_a_site_that_never_built_shows_its_problems_then_the_site_once_fixed(
    make_site: MakeSite, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    site = make_site({"funnels/tiny.yml": FUNNEL_YML.replace("type: optin", "type: optn")})
    running = start(site)
    assert "the first build: 1 problem; nothing to show yet" in running.printed()
    tab = new_page()
    assert tab.goto(running.url + "tiny/join/") == 500
    expect(tab.page.locator(OVERLAY)).to_contain_text("funnels/tiny.yml:4: steps[0].type", timeout=WAIT_MS)
    (site / "funnels/tiny.yml").write_text(FUNNEL_YML)
    expect(tab.page.locator("h1")).to_have_text("Join the list", timeout=WAIT_MS)
    expect(tab.page.locator(OVERLAY)).to_have_count(0)


def test_any_number_of_tabs_load_and_a_save_reloads_those_whose_page_changed(
    site: Path, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    """A browser opens six connections at most to one host: the tabs must not keep one each."""
    running = start(site)
    first = new_page()
    tabs = [first, *(new_page(beside=first) for _ in range(7))]  # eight tabs of one window
    for i, tab in enumerate(tabs):
        tab.page.set_default_timeout(WAIT_MS)
        assert tab.goto(running.url + ("tiny/join/", "warmup/story/")[i % 2]) == 200
    for tab in tabs:
        expect(tab.page.locator("#funnelgen-preview .dot.live")).to_have_count(1, timeout=WAIT_MS)
        tab.page.evaluate("window.loadedBefore = true")

    def save_and_see(tabs: list[Tab], text: str) -> None:
        printed = len(running.lines)
        funnel = site / "funnels/tiny.yml"
        funnel.write_text(re.sub(r"Join the (\w+ )?list", text, funnel.read_text()))
        for tab in tabs[0::2]:
            expect(tab.page.locator("h1")).to_have_text(text, timeout=WAIT_MS)
            assert tab.page.evaluate("window.loadedBefore") is None  # a reload, by itself
        running.wait_for_line("wrote all", after=printed)
        for tab in tabs[1::2]:
            assert tab.page.evaluate("window.loadedBefore") is True  # the other page never reloaded
        for tab in tabs[0::2]:
            tab.page.evaluate("window.loadedBefore = true")

    save_and_see(tabs, "Join the waiting list")
    assert re.search(r"funnels/tiny\.yml changed: rebuilt in \d+ ms; 1 of 2 open pages changed$",
                     running.printed(), re.M), running.printed()
    for tab in tabs[:4]:  # whichever tab listened for the others is closed: another one takes over
        tab.page.close()
    save_and_see(tabs[4:], "Join the other list")
    (site / "funnels/tiny.yml").write_text("title: [oops\n")  # problems show in every tab
    for tab in tabs[4:]:
        expect(tab.page.locator(OVERLAY)).to_contain_text("funnels/tiny.yml:", timeout=WAIT_MS)
    assert [tab.console_errors for tab in tabs] == [[]] * 8


def test_a_tab_without_web_locks_listens_for_itself(site: Path, start: Callable[[Path], Running],
                                                   new_page: NewPage) -> None:
    """As in the preview seen from a phone with --host: not a secure context, so no Web Locks."""
    running = start(site)
    tab = new_page()
    tab.page.add_init_script("Object.defineProperty(Navigator.prototype, 'locks', {value: undefined})")
    tab.goto(running.url + "tiny/join/")
    assert tab.page.evaluate("navigator.locks === undefined")
    expect(tab.page.locator("#funnelgen-preview .dot.live")).to_have_count(1, timeout=WAIT_MS)
    funnel = site / "funnels/tiny.yml"
    funnel.write_text(funnel.read_text().replace("Join the list", "Join the phone list"))
    expect(tab.page.locator("h1")).to_have_text("Join the phone list", timeout=WAIT_MS)
    assert tab.console_errors == []


def test_a_site_whose_base_url_has_a_path_is_served_under_that_path(
    make_site: MakeSite, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    site = make_site({"site.yml": SITE_YML.replace("tiny.example/", "tiny.example/shop/") + textwrap.dedent("""\
        hosting:
          targets: [netlify]
          redirects:
            - {from: /go, to: tiny/join}
        """)})
    running = start(site)
    root = running.url.removesuffix("shop/")
    assert running.url == root + "shop/"  # what serve prints, and --open opens
    for path in ("", "shop"):  # the server's root, and the site's without its slash
        status, _, headers = get(root + path)
        assert (status, headers["Location"]) == (302, "/shop/")
    assert get(root + "shop/tiny")[2]["Location"] == "/shop/tiny/"
    assert get(root + "shop/go")[2]["Location"] == "/shop/tiny/join/"

    tab = new_page()
    assert tab.goto(root) == 200 and tab.page.url == root + "shop/"
    tab.page.locator("a", has_text="Tiny funnel").click()  # the list of funnels links under /shop/
    expect(tab.page.locator("h1")).to_have_text("Join the list", timeout=WAIT_MS)
    assert tab.page.url == root + "shop/tiny/"

    assert tab.goto(root + "tiny/join/?temp=hot") == 404  # outside the site, as on its host…
    notice = tab.page.locator("#funnelgen-preview .notice")
    expect(notice).to_contain_text("outside the site: its base_url puts it under /shop/.")
    notice.locator("a", has_text="Open /shop/tiny/join/").click()  # …with the way in
    expect(tab.page.locator("h1")).to_have_text("Join the list", timeout=WAIT_MS)
    assert tab.page.url == root + "shop/tiny/join/?temp=hot"
    expect(notice).to_have_count(0)
    assert all("status of 404" in error for error in tab.console_errors), tab.console_errors  # that address's


def test_a_closed_tab_stops_counting_as_open_within_a_second(
    site: Path, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    """The server notices a closed event stream at once, not at its next keep-alive write
    (15-30 s later): until then a save renders the closed tab's page first, and counts it."""
    running = start(site)
    tab = new_page()
    tab.goto(running.url + "tiny/join/")
    expect(tab.page.locator("#funnelgen-preview .dot.live")).to_have_count(1, timeout=WAIT_MS)
    assert dict(running.server.state.open_paths) == {"/tiny/join/": 1}
    tab.page.close()
    closed = time.monotonic()
    while running.server.state.open_paths and time.monotonic() - closed < KEEPALIVE_SECONDS:
        time.sleep(0.02)
    lingered = time.monotonic() - closed
    assert lingered < GONE_CHECK_SECONDS + 1, f"a closed stream lingered {lingered:.1f} s"


def test_temperature_is_previewed_with_temp_and_switched_with_the_bar(
    site: Path, start: Callable[[Path], Running], new_page: NewPage
) -> None:
    url = start(site).url
    tab = new_page()
    tab.goto(url + "warmup/story/?temp=hot&utm_source=mail")
    assert headline(tab) == "Hot headline"
    bar = tab.page.locator("#funnelgen-preview .bar")
    expect(bar.locator("a[aria-current]")).to_have_text("hot")
    assert bar.locator("a", has_text="warm").get_attribute("href") == "/warmup/story/?temp=warm&utm_source=mail"

    bar.locator("a", has_text="warm").click()
    expect(bar.locator("a[aria-current]")).to_have_text("warm", timeout=WAIT_MS)
    assert headline(tab) == "Warm headline"
    assert tab.page.url == url + "warmup/story/?temp=warm&utm_source=mail"

    bar.locator("a", has_text="cold").click()  # ?temp= wins even over a warmer past
    expect(bar.locator("a[aria-current]")).to_have_text("cold", timeout=WAIT_MS)
    assert headline(tab) == "Cold headline"
    assert tab.console_errors == []
