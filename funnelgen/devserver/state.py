"""What the dev server shows, and how a URL path finds it.

Two versions of the site can be current at once:

- the **last good build** on disk: the real `funnelgen build` output in serve's temporary
  folder, replaced whole (and atomically) by each build that succeeds;
- a **generation**: the site as last loaded, validated and planned without error, against the
  build on disk (funnels unchanged since that build are not planned again; their pages on disk
  are current). When it is newer than the build on disk (its full build is still running, or
  failed on a page), its pages are rendered on request, by the same renderer the build uses,
  so what a tab shows is never older than the last good save. Once its build is on disk,
  pages come from disk again.

A tab reloads when the bytes its URL would get now differ from those it was sent (compared by
digest), so saving a file reloads only the tabs whose page changed.

The site is served under the path of its `base_url` (`/shop/` for https://example.com/shop/), as
its host will serve it, and answers the redirects of `hosting.redirects` as the host does. Paths
are compared decoded (`/caf%C3%A9/` is `/café/`), as browsers send them encoded; every
`Location` is encoded.
"""

from __future__ import annotations

import hashlib
import html
import mimetypes
import threading
import traceback
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote, unquote

from funnelgen import hosting
from funnelgen.errors import Abort, Problem
from funnelgen.images import Variant, encode
from funnelgen.incremental import pages_of
from funnelgen.plan import Page
from funnelgen.render import at_address
from funnelgen.site import Prepared


@dataclass(frozen=True)
class Served:
    """One response: status, body, type, and the digest a tab reports back."""

    status: int
    body: bytes
    content_type: str
    digest: str
    location: str | None = None

    @property
    def is_html(self) -> bool:
        return self.content_type.startswith("text/html")


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=10).hexdigest()


class Generation:
    """A site that prepared without error, whose pages render on request until its build is on disk."""

    def __init__(self, number: int, prepared: Prepared, before: Generation | None = None) -> None:
        self.number = number
        self.prepared = prepared
        self.pages: dict[str, Page] = {page.output: page for page in prepared.plan.pages}
        self.lists: dict[str, str] = {"index.html": "/"} if prepared.plan.site.index else {}
        """The funnel list (`index: true`), by file and address: a funnel added or removed changes it."""
        self.assets: dict[str, Path] = {a.output: a.source for a in prepared.plan.assets.values()}
        self.variants: dict[str, tuple[Path, Variant]] = {
            v.output: (a.source, v) for a in prepared.plan.assets.values() for v in a.variants()}
        """Smaller and WebP versions of pictures, encoded on request until the build is on disk."""
        self.kept = set(pages_of(prepared.plan.reused.values()))
        """Pages of funnels this generation takes unchanged from the build on disk."""
        self.folders = {str(parent) for name in (*self.pages, *self.assets, *self.variants)
                        for parent in PurePosixPath(name).parents if str(parent) != "."}
        site = prepared.plan.site
        self.base_path = unquote(site.base_path)
        """Where the site is served: the path of its base_url, decoded as request paths are
        ('' at the root, '/shop', '/café' for https://example.com/caf%C3%A9/)."""
        self.base_url_path = encoded_path(self.base_path)
        """The same path encoded, as links and redirects write it ('/caf%C3%A9')."""
        from_a_file = hosting.redirects_from_a_file(site)
        s3 = "s3" in hosting.targets(site)
        rules = hosting.resolved(prepared.plan).rules if from_a_file or s3 else []
        self.redirects: dict[str, hosting.RedirectRule] = {
            path: rule for rule in rules for path in rule.sources()} if from_a_file else {}
        """Redirects its host answers itself (from _redirects or vercel.json), by the paths it matches."""
        self.redirect_objects: dict[str, hosting.RedirectRule] = {
            rule.page(): rule for rule in rules} if s3 and not from_a_file else {}
        """S3's redirects, by the file of each redirect page: S3 answers a request for that object
        with 301 to its WebsiteRedirectLocation (see s3-metadata.json) instead of the page."""
        self.problems: list[Problem] = []
        """Pages of this generation that failed to render (they are served as last rendered: see
        `shown_before`, then the build on disk)."""
        self._rendered: dict[str, bytes | None] = {}
        self.shown_before: dict[str, bytes] = {**before.shown_before, **before.rendered()} if before else {}
        """Pages as the generations before it, whose builds are not on disk either, rendered them:
        a page this one fails to render is served as the tab last saw it, not from the older
        build on disk."""
        self._lock = threading.Lock()  # one renderer: its Markdown converter is not thread-safe

    def dropped(self, name: str) -> bool:
        """A page of the build on disk that this generation no longer has (a slug changed)."""
        return name.endswith("/index.html") and name not in self.pages and name not in self.kept

    def has(self, name: str) -> bool:
        """Whether ``name`` is a page this generation renders on request."""
        return name in self.pages or name in self.lists

    def page(self, name: str) -> bytes | None:
        """A page of this generation, rendered once; None if it is not one or failed to render."""
        if not self.has(name):
            return None
        with self._lock:
            if name not in self._rendered:
                self._rendered[name] = self._render(name)
            return self._rendered[name]

    def rendered(self) -> dict[str, bytes]:
        """The pages rendered so far, without those that failed."""
        with self._lock:
            return {name: body for name, body in self._rendered.items() if body is not None}

    def _render(self, name: str) -> bytes | None:
        page, renderer = self.pages.get(name), self.prepared.renderer
        url = page.url if page else self.lists[name]
        try:
            text = at_address(renderer.page(page), url) if page else renderer.extra(name, url)
            return text.encode("utf-8")
        except Abort as exc:
            self.problems.extend(p for p in exc.problems if p not in self.problems)
        except Exception as exc:  # a bug; the full build will report it too
            where = traceback.extract_tb(exc.__traceback__)[-1]
            self.problems.append(Problem(page.planned.source.name if page else "site.yml", 0, "",
                                         f"internal error while rendering {url}: {exc!r} "
                                         f"({Path(where.filename).name}:{where.lineno})"))
        return None


class SiteState:
    """The build on disk, the latest generation and the problems of the latest rebuild.

    Every change bumps ``version`` and wakes the event streams, which then ask ``lookup`` what
    their tab's URL gives now.
    """

    def __init__(self, out: Path) -> None:
        self.out = out
        self.version = 0
        self._problems: tuple[Problem, ...] = ()
        self.generation: Generation | None = None
        self.disk_number = 0
        """The generation whose full build is on disk; 0 before the first build succeeds."""
        self.closed = False
        self.open_paths: Counter[str] = Counter()
        """URL paths of the tabs connected to the event stream."""
        self._changed = threading.Condition()

    # ---- updates (from the rebuild thread) ----

    def publish(self, *, problems: list[Problem] | None = None, generation: Generation | None = None,
                disk_number: int | None = None) -> None:
        with self._changed:
            if problems is not None:
                self._problems = tuple(problems)
            if generation is not None:
                self.generation = generation
            if disk_number is not None:
                self.disk_number = max(self.disk_number, disk_number)
            self.version += 1
            self._changed.notify_all()

    @property
    def problems(self) -> tuple[Problem, ...]:
        """The problems of the latest rebuild; when it had none yet, pages of the latest
        generation that failed to render on request."""
        fresh = self.fresh()
        return self._problems or (tuple(fresh.problems) if fresh else ())

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """The version once it differs from ``seen``, or ``seen`` after ``timeout`` seconds."""
        with self._changed:
            self._changed.wait_for(lambda: self.version != seen or self.closed, timeout)
            return self.version

    def watching(self, path: str, delta: int) -> None:
        with self._changed:
            self.open_paths[path] += delta
            if self.open_paths[path] <= 0:
                del self.open_paths[path]

    # ---- reading (from request threads) ----

    @property
    def base_path(self) -> str:
        """Where the site is served, as of the latest generation, decoded: '' at the root, or
        '/shop'."""
        generation = self.generation
        return generation.base_path if generation else ""

    @property
    def base_url_path(self) -> str:
        """`base_path` encoded, as a URL has it."""
        generation = self.generation
        return generation.base_url_path if generation else ""

    def fresh(self) -> Generation | None:
        """The latest generation if its build is not on disk yet."""
        generation = self.generation
        return generation if generation and generation.number > self.disk_number else None

    def lookup(self, url_path: str) -> Served:
        """What a static host would answer for ``url_path`` (already %-decoded)."""
        generation, base = self.generation, self.base_path
        if base and url_path in ("/", base):  # the server's root, or the site's without its slash
            return _redirect(302, self.base_url_path + "/")  # 302: a save may change base_url
        inner = within(url_path, base)
        if inner is None:
            return self._not_found()  # the host serves something else there
        rule = generation.redirects.get(inner) if generation else None
        if rule is not None:
            return _redirect(rule.status, rule.location(self.base_url_path))
        return self._lookup_inside(url_path, inner)

    def _lookup_inside(self, url_path: str, inner: str) -> Served:
        """``url_path`` of the site, ``inner`` being the same path without the base path."""
        parts = [p for p in inner.split("/") if p]
        if any(p in (".", "..") or p.startswith(".") or "\\" in p or "\0" in p for p in parts):
            return self._not_found()
        if any(len(p.encode()) > _LONGEST_NAME for p in parts):  # no such file: the disk refuses the name
            return self._not_found()
        name = "/".join(parts)
        fresh = self.fresh()
        has_disk = self.disk_number > 0
        objects = self.generation.redirect_objects if self.generation else {}
        if parts and not url_path.endswith("/") and (
            (fresh and name in fresh.folders) or (has_disk and (self.out / name).is_dir())
            or f"{name}/index.html" in objects
        ):
            return _redirect(301, encoded_path(url_path) + "/")
        if not parts or url_path.endswith("/"):
            name = f"{name}/index.html" if name else "index.html"
        rule = objects.get(name)
        if rule is not None:  # S3 answers 301 for every redirect object, whatever its status
            return _redirect(301, rule.location(self.base_url_path))
        body = self._fresh_file(fresh, name) if fresh else None
        if body is None and fresh and fresh.dropped(name):
            return self._not_found()
        if body is None and has_disk:
            body = _read(self.out / name)
        if body is not None:
            return _served(200, body, name)
        if not has_disk:
            return self._problems_page()
        if name == "index.html":
            return self._landing_page()
        return self._not_found()

    def _fresh_file(self, fresh: Generation, name: str) -> bytes | None:
        if fresh.has(name):
            known = len(fresh.problems)
            body = fresh.page(name)
            if len(fresh.problems) != known:
                self.publish()  # the open tabs show the new problem
            return body if body is not None else fresh.shown_before.get(name)
        if name in fresh.assets:
            return _read(fresh.assets[name])
        if name in fresh.variants:
            source, variant = fresh.variants[name]
            try:
                return next(encode(source, [variant]))[1]
            except (OSError, ValueError, SyntaxError):
                return None
        return None

    def _not_found(self) -> Served:
        body = _read(self.out / "404.html") if self.disk_number else None
        if body is None:
            body = _page("Page not found", "<p>This page does not exist.</p>")
        return _served(404, body, "404.html")

    def _landing_page(self) -> Served:
        """The site has no index.html (neither `index: true` nor `home:`): list its funnels."""
        funnels: list[tuple[str, str, list[tuple[str, str]]]] = []
        if self.generation is not None:
            plan = self.generation.prepared.plan
            base = self.generation.base_url_path
            funnels = [(f.funnel.title, base + f.entry_url,
                        [(step, base + url) for step, url in f.step_urls.items()]) for f in plan.funnels]
            for record in plan.reused.values():  # not parsed again: what the build made of it
                entry = f"{base}/{record.slug}/"
                urls = [f"{base}/" + name.removesuffix("index.html") for name in record.outputs]
                funnels.append((record.title, entry, [(url.rstrip("/").rsplit("/", 1)[-1], url)
                                                      for url in urls if url not in (f"{base}/", entry)]))
        items = []
        for title, entry, steps in sorted(funnels, key=lambda f: f[1]):
            links = " · ".join(f'<a href="{html.escape(url)}">{html.escape(step)}</a>' for step, url in steps)
            items.append(f'<li><a href="{html.escape(entry)}">{html.escape(title)}</a><br>'
                         f"<small>{links}</small></li>")
        body = _page("Funnels in this site",
                     "<p>Only <code>funnelgen serve</code> shows this page: the site has no home "
                     "page (set <code>index: true</code> or <code>home:</code> in site.yml).</p>"
                     f"<ul>{''.join(items)}</ul>")
        return Served(200, body, "text/html; charset=utf-8", digest(body))

    def _problems_page(self) -> Served:
        """Nothing was ever built: the problems, until a rebuild succeeds."""
        lines = "".join(f"<li><code>{html.escape(str(p))}</code></li>" for p in self.problems)
        body = _page("The site has problems",
                     "<p>Nothing could be built yet. Fix these and this page reloads by itself:</p>"
                     f"<ul>{lines}</ul>")
        return Served(500, body, "text/html; charset=utf-8", "problems")


_LONGEST_NAME = 255
"""Bytes in a file or folder name, at most, on the file systems funnelgen writes to."""


def within(url_path: str, base_path: str) -> str | None:
    """``url_path`` as a path of the site served under ``base_path`` ('' or '/shop'): '/shop/a/'
    is '/a/'; None when it is outside."""
    return url_path[len(base_path):] if url_path.startswith(base_path + "/") else None


def encoded_path(path: str) -> str:
    """A decoded URL path encoded again, as a URL or `Location` header writes it: '/caf%C3%A9'
    for '/café', '/my%20shop' for '/my shop'."""
    return quote(path, safe="/!$&'()*+,;=:@~")


def _redirect(status: int, location: str) -> Served:
    return Served(status, b"", "text/plain", "redirect " + location, location)


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None


def _served(status: int, body: bytes, name: str) -> Served:
    kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if kind.startswith("text/") or kind in ("application/json", "application/xml", "image/svg+xml"):
        kind += "; charset=utf-8"
    return Served(status, body, kind, digest(body))


def _page(title: str, main: str) -> bytes:
    return (
        '<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)} · funnelgen serve</title>\n"
        "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:2rem auto;"
        "padding:0 1rem}li{margin:.5rem 0}</style>\n"
        f"</head>\n<body>\n<main>\n<h1>{html.escape(title)}</h1>\n{main}\n</main>\n</body>\n</html>\n"
    ).encode()
