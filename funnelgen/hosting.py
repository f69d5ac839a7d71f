"""Hosting files: what each static host reads from the output folder, and site.yml's redirects.

What each target gets (no `targets` listed: netlify and cloudflare, the two that read the same
files and need no setup; `_headers` is what every build wrote before targets existed):

    netlify       _headers; _redirects when there are redirects
    cloudflare    the same two files, kept within Cloudflare Pages' limits
    vercel        vercel.json: clean URLs, trailing slash, the same headers and redirects
    github-pages  .nojekyll; CNAME with hosting.cname; an HTML redirect page per redirect
    s3            s3-metadata.json (Content-Type and Cache-Control per file); HTML redirect pages

Headers: fingerprinted `assets/` are cached for a year, everything else revalidates; every
response carries the site's Content-Security-Policy (the one the pages carry in <meta>, plus
`frame-ancestors`) and the security headers below. Hosts without server redirects (GitHub Pages,
S3) get a page at each redirect's address that sends visitors on with <meta http-equiv=refresh>
and no script, so the CSP holds. The files themselves are templates in the theme
(`templates/hosting/`), like all markup; this module decides what goes into them.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import posixpath
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from funnelgen.errors import Abort, Problem
from funnelgen.load import Loc, Source
from funnelgen.render import relative_url
from funnelgen.schema.site import HostingTarget, Redirect, Site

if TYPE_CHECKING:
    from funnelgen.incremental import FunnelRecord
    from funnelgen.plan import Plan, Surveyed
    from funnelgen.site import Prepared

TARGETS: tuple[str, ...] = get_args(HostingTarget)
DEFAULT_TARGETS = ("netlify", "cloudflare")
PAGE_REDIRECT_TARGETS = ("github-pages", "s3")
"""Hosts that cannot redirect from a file in the folder: they get HTML redirect pages."""

ASSET_CACHE = "public, max-age=31536000, immutable"
PAGE_CACHE = "public, max-age=0, must-revalidate"
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"),
    ("X-Frame-Options", "DENY"),
)

# Cloudflare Pages' documented limits (developers.cloudflare.com/pages/configuration/):
# _redirects: 2,000 static + 100 dynamic rules, 1,000 characters per rule (ours are all static);
# _headers: 100 rules (we write two), 2,000 characters per line.
CLOUDFLARE_STATIC_REDIRECTS = 2_000
CLOUDFLARE_REDIRECT_CHARS = 1_000
CLOUDFLARE_HEADER_CHARS = 2_000

S3_METADATA = "s3-metadata.json"
HOSTING_FILES = ("_headers", "_redirects", "vercel.json", ".nojekyll", "CNAME", S3_METADATA)
ROOT_FILES = ("404.html", "sitemap.xml", "robots.txt")
"""Files every build writes at the site root besides pages (see commands/build.py)."""

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8", ".xml": "application/xml", ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp", ".avif": "image/avif",
    ".ico": "image/x-icon", ".mp4": "video/mp4", ".webm": "video/webm", ".mp3": "audio/mpeg",
    ".pdf": "application/pdf", ".woff2": "font/woff2", ".woff": "font/woff",
}
"""Fixed, so the metadata map is the same on every machine (mimetypes reads the system's)."""

_UTM_KEYS = ("source", "medium", "campaign", "term", "content")
Sink = Callable[[str, str | bytes], None]


def targets(site: Site) -> list[str]:
    """The hosts to write files for, in a fixed order."""
    chosen = site.hosting.targets or DEFAULT_TARGETS
    return [t for t in TARGETS if t in chosen]


def redirects_from_a_file(site: Site) -> bool:
    """Whether a host the site is written for answers its redirects itself, from `_redirects` or
    `vercel.json` (the others get an HTML redirect page at each address)."""
    return any(t not in PAGE_REDIRECT_TARGETS for t in targets(site))


@dataclass(frozen=True)
class RedirectRule:
    """One redirect of site.yml, resolved: where it goes and how each host writes it."""

    index: int
    source: str
    """`from` as written: a site path."""
    target: str
    """A site path (with query) or an absolute https URL, UTM parameters merged in."""
    status: int
    canonical: str
    """The absolute address of the target without UTM parameters, for rel=canonical."""

    @property
    def internal(self) -> bool:
        return self.target.startswith("/")

    def sources(self) -> list[str]:
        """The paths of `_redirects`: Cloudflare matches a trailing slash exactly, so a path
        without a file extension is written with and without one (Netlify matches both anyway)."""
        base = self.source.rstrip("/")
        if not base or "." in base.rsplit("/", 1)[-1]:
            return [self.source]
        return [base, base + "/"]

    def location(self, base_path: str) -> str:
        """The target as a host that takes absolute paths sends visitors to it."""
        return base_path + self.target if self.internal else self.target

    def vercel_source(self) -> str:
        return vercel_path(self.source)

    def page(self) -> str:
        """The output file of this redirect's HTML page (for hosts without server redirects)."""
        path = self.source.lstrip("/")
        if path.endswith(".html"):
            return path
        return (path.rstrip("/") + "/index.html").lstrip("/")

    def page_url(self) -> str:
        """Where that page is served: its folder's address, or the .html file's."""
        page = self.page()
        folder = page == "index.html" or page.endswith("/index.html")
        return "/" + (page[: -len("index.html")] if folder else page)


@dataclass
class Redirects:
    """The redirects of a site, resolved and checked against its pages."""

    rules: list[RedirectRule] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def check(site: Site, source: Source, step_urls: Mapping[str, Mapping[str, str]],
          assets: Mapping[str, str]) -> Redirects:
    """Check `hosting:` of site.yml against the site's funnels (``{funnel: {step id: URL}}``)
    and files (``{assets/… name: published name}``).

    Redirect targets must exist, no redirect may hide a page or loop, external hosts must be
    listed, and everything must fit the chosen hosts.
    """
    return _Resolver(site, source, step_urls, assets).run()


def resolved(plan: Plan) -> Redirects:
    """The redirects of a planned site (checked already: ``plan`` exists), as its hosting files
    write them."""
    return check(plan.site, plan.site_source, step_urls_of(plan.surveyed.values(), plan.reused.values()),
                 {name: asset.output for name, asset in plan.assets.items()})


def step_urls_of(funnels: Iterable[Surveyed],
                 reused: Iterable[FunnelRecord] = ()) -> dict[str, dict[str, str]]:
    """``{funnel slug: {step id: URL}}`` of the funnels planned in this build and of funnels
    reused from the previous build (whose step URLs follow from their pages: one per step, in
    step order, besides the entry page and the site root)."""
    urls = {f.slug: dict(f.step_urls) for f in funnels if f.slug is not None}
    for record in reused:
        pages = [o for o in record.outputs if o not in (f"{record.slug}/index.html", "index.html")]
        urls[record.slug] = {step: "/" + page[: -len("index.html")]
                             for step, page in zip(record.steps, pages, strict=False)}
    return urls


def vercel_path(path: str) -> str:
    """A path as Vercel sees it once `cleanUrls` and `trailingSlash` have normalised a request:
    `/main.html` is `/main/`."""
    if path.endswith(".html"):
        path = path[: -len(".html")]
        path = path[: -len("index")] if path.endswith("/index") else path
    if "." in path.rsplit("/", 1)[-1]:
        return path
    return path.rstrip("/") + "/"


def key(path: str) -> str:
    """A site path as hosts match it: without a trailing slash or `index.html`."""
    if path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return path.rstrip("/") or "/"


def written_addresses(site: Site, step_urls: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    """Every address the build writes a page or file at, by `key`: what it is, for messages."""
    pages: dict[str, str] = {}
    for slug, urls in step_urls.items():
        pages[key(f"/{slug}/")] = f"the entry page of funnel '{slug}'"
        for step, url in urls.items():
            pages[key(url)] = f"the page of step '{slug}/{step}'"
    if site.index or site.home:
        pages["/"] = "the site's home page"
    for name in (*ROOT_FILES, *HOSTING_FILES):
        pages[key("/" + name)] = f"the file {name} the build writes"
    return pages


class _Resolver:
    def __init__(self, site: Site, source: Source, step_urls: Mapping[str, Mapping[str, str]],
                 assets: Mapping[str, str]) -> None:
        self.site = site
        self.source = source
        self.step_urls = step_urls
        self.assets = assets
        """The site's files by `assets/…` name: their published, fingerprinted names."""
        self.targets = targets(site)
        self.out = Redirects()
        self.pages = written_addresses(site, step_urls)
        """Addresses the build writes, by key: what they are, for messages."""

    def error(self, loc: Loc, message: str) -> None:
        self.out.errors.append(self.source.problem(loc, message))

    def warn(self, loc: Loc, message: str) -> None:
        self.out.warnings.append(self.source.problem(loc, message, warning=True))

    def run(self) -> Redirects:
        hosting = self.site.hosting
        if hosting.cname and "github-pages" not in self.targets:
            self.error(("hosting", "cname"), "only GitHub Pages reads CNAME: add github-pages to "
                       "hosting.targets, or remove cname")
        if hosting.cname:
            self.check_cname(hosting.cname)
        froms: dict[str, int] = {}
        for index, redirect in enumerate(hosting.redirects):
            rule = self.resolve(index, redirect, froms)
            if rule is not None:
                self.out.rules.append(rule)
        self.check_chains()
        if hosting.redirects and not hosting.targets:
            self.warn(("hosting", "redirects"), "with no hosting.targets, redirects are written only "
                      "to _redirects (Netlify, Cloudflare Pages): list the hosts you deploy to in "
                      "hosting.targets so they work there too")
        if "cloudflare" in self.targets and not self.out.errors:
            self.check_cloudflare()
        temporary = [i for i, redirect in enumerate(hosting.redirects) if redirect.status == 302]
        if "s3" in self.targets and temporary:
            self.warn(("hosting", "redirects", temporary[0], "status"), "S3 answers every redirect "
                      "with 301, which browsers remember: a visitor who followed this one keeps going "
                      "to the old target after you change it; change it on another host, or not at all")
        return self.out

    def check_cname(self, cname: str) -> None:
        """GitHub Pages serves the site at its CNAME and redirects every other host there: the
        canonical links, og:url and sitemap, made of base_url, must name that host."""
        parts = urlsplit(self.site.base_url)
        host = (parts.hostname or "").rstrip(".")
        with contextlib.suppress(UnicodeError):  # an international name: as GitHub Pages reads it
            host = host.encode("idna").decode("ascii")
        if cname.rstrip(".") == host:
            return
        base = urlunsplit((parts.scheme, cname.rstrip("."), parts.path, "", ""))
        line = self.source.line(("base_url",))
        self.error(("hosting", "cname"), f"'{cname}' is not the host of base_url ({host}, line {line}): "
                   f"GitHub Pages redirects every other host to {cname}, so the canonical links and the "
                   f"sitemap would point at a redirect; the two hosts must match: write base_url: {base}, "
                   f"or cname: {host}")

    def resolve(self, index: int, redirect: Redirect, froms: dict[str, int]) -> RedirectRule | None:
        loc: Loc = ("hosting", "redirects", index)
        ok = self.check_from(loc, redirect.from_, froms, index)
        found = self.resolve_to(loc, redirect.to)
        if found is None or not ok:
            return None
        target = self.with_utm(loc, redirect, found[0])
        if target is None:
            return None
        return RedirectRule(index, redirect.from_, target, redirect.status, found[1])

    def check_from(self, loc: Loc, path: str, froms: dict[str, int], index: int) -> bool:
        here = key(path)
        folded = {k.casefold(): k for k in self.pages}
        if here == "/assets" or here.startswith("/assets/"):
            self.error((*loc, "from"), f"'{path}' is inside /assets/, which holds the site's files; "
                       "choose another path")
            return False
        on_vercel = key(vercel_path(path)) if "vercel" in self.targets else here
        if on_vercel != here and on_vercel.casefold() in folded:
            what = self.pages[folded[on_vercel.casefold()]]
            self.error((*loc, "from"), f"'{path}' is {what} on Vercel, which serves '{path}' as "
                       f"'{vercel_path(path)}'; a redirect there would hide it: choose another path")
            return False
        if here.casefold() in folded:
            page = folded[here.casefold()]
            what = self.pages[page]
            if page != here:
                self.error((*loc, "from"), f"'{path}' differs only in case from {what} ({page}); "
                           "on case-insensitive disks the two would be one file: choose another path")
            else:
                self.error((*loc, "from"), f"'{path}' is {what}; a redirect there would hide it: "
                           "choose another path")
            return False
        for other, first in froms.items():
            if other.casefold() == here.casefold():
                line = self.source.line(("hosting", "redirects", first))
                self.error((*loc, "from"), f"'{path}' is already redirected by "
                           f"hosting.redirects[{first}] (line {line}); keep one of them")
                return False
        froms[here] = index
        last = path.rstrip("/").rsplit("/", 1)[-1]
        pages_for = [t for t in self.targets if t in PAGE_REDIRECT_TARGETS]
        if pages_for and "." in last and not last.endswith(".html"):
            hosts = " and ".join({"github-pages": "GitHub Pages", "s3": "S3"}[t] for t in pages_for)
            serve = "serve" if len(pages_for) > 1 else "serves"
            self.error((*loc, "from"), f"{hosts} {serve} '{path}' as a file, so no redirect page can be "
                       f"written there: use a path without an extension or ending in .html, or "
                       f"leave {' and '.join(pages_for)} out of hosting.targets")
            return False
        return True

    def resolve_to(self, loc: Loc, to: str) -> tuple[str, str] | None:
        """(target, canonical) of a `to:`, or None after reporting why it cannot be."""
        base = self.site.base_url
        where: Loc = (*loc, "to")
        if not to.startswith("/") and "://" not in to:
            funnel, _, step = to.partition("/")
            if funnel not in self.step_urls:
                self.error(where, f"no funnel '{funnel}'{self.hint(to)}")
                return None
            urls = self.step_urls[funnel]
            if step and step not in urls:
                self.error(where, f"no step '{step}' in funnel '{funnel}' (steps: {', '.join(urls)})")
                return None
            url = urls[step] if step else f"/{funnel}/"
            return url, base + url.lstrip("/")
        parts = urlsplit(to)
        if to.startswith("/"):
            path = parts.path
            if path.startswith("/assets/"):  # published under a fingerprinted name
                published = self.assets.get(path.lstrip("/"))
                if published is None:
                    self.error(where, f"no file '{path.lstrip('/')}' in the site folder")
                    return None
                target = "/" + published + to[len(path):]
                return target, base + published
            hosting_file = path.lstrip("/") in HOSTING_FILES  # read by hosts, not served
            known = key(path) in self.pages and not hosting_file
            if not known and not self.is_from(path):
                self.error(where, f"no page at '{path}' in this site{self.hint(path, paths=True)}")
                return None
            return to, base + path.lstrip("/")
        host = (parts.hostname or "").lower()
        allowed = [h.lower() for h in self.site.hosting.redirect_hosts]
        if host not in allowed:
            own = urlsplit(base).hostname
            if host == own:
                own_path = to[to.index(parts.netloc) + len(parts.netloc):] or "/"
                self.error(where, f"'{to}' is this site's own address: write the site path "
                           f"'{own_path}' instead")
            else:
                self.error(where, f"'{host}' is not in hosting.redirect_hosts: add it there if "
                           "visitors may be sent to it (any other host is refused, so the site "
                           "cannot be used as an open redirect)")
            return None
        return to, to

    def is_from(self, path: str) -> bool:
        return any(key(r.from_) == key(path) for r in self.site.hosting.redirects)

    def hint(self, wrong: str, *, paths: bool = False) -> str:
        """A likely meant target, or what can be written."""
        pages = [f"/{slug}/" for slug in self.step_urls] + [u for urls in self.step_urls.values()
                                                            for u in urls.values()]
        refs = [*self.step_urls, *(f"{slug}/{step}" for slug, urls in self.step_urls.items()
                                   for step in urls)]
        guess = difflib.get_close_matches(wrong, pages if paths else refs, n=1)
        if guess:
            return f"; did you mean '{guess[0]}'?"
        if not self.step_urls:
            return ""
        slug, urls = next(iter(self.step_urls.items()))
        step = next(iter(urls), "")
        return (f"; write a page's address (e.g. /{slug}/), a funnel ({slug}) or a step "
                f"({slug}/{step})" if paths else f" (funnels: {', '.join(self.step_urls)})")

    def with_utm(self, loc: Loc, redirect: Redirect, target: str) -> str | None:
        pairs = [(f"utm_{k}", value) for k in _UTM_KEYS if (value := getattr(redirect.utm, k))]
        if not pairs:
            return target
        parts = urlsplit(target)
        present = {name for name, _ in parse_qsl(parts.query, keep_blank_values=True)}
        for name, _ in pairs:
            if name in present:
                self.error((*loc, "utm", name[4:]), f"'to' already sets {name}; set it in one place")
                return None
        query = "&".join(q for q in (parts.query, urlencode(pairs, quote_via=quote)) if q)
        return urlunsplit(parts._replace(query=query))

    def check_chains(self) -> None:
        """A redirect to another redirect's address: a loop is an error, a chain a warning."""
        by_from = {key(r.source): r for r in self.out.rules}

        def following(rule: RedirectRule) -> RedirectRule | None:
            return by_from.get(key(urlsplit(rule.target).path)) if rule.internal else None

        reported: set[int] = set()
        for rule in self.out.rules:
            seen = [rule]
            nxt = following(rule)
            while nxt is not None and nxt not in seen:
                seen.append(nxt)
                nxt = following(nxt)
            if nxt is not None:  # back at a redirect already passed: a loop
                cycle = seen[seen.index(nxt):]
                if not reported & {r.index for r in cycle}:
                    first = min(cycle, key=lambda r: r.index)
                    reported |= {r.index for r in cycle}
                    start = cycle.index(first)
                    path = [key(r.source) for r in [*cycle[start:], *cycle[:start], first]]
                    message = (f"redirects to itself ({path[0]}): point it at a page" if len(cycle) == 1
                               else f"redirect loop: {' → '.join(path)}; point one of them at a page")
                    self.error(("hosting", "redirects", first.index, "to"), message)
            elif len(seen) > 1:
                self.warn(("hosting", "redirects", rule.index, "to"),
                          f"'{urlsplit(rule.target).path}' is itself redirected "
                          f"(hosting.redirects[{seen[1].index}]): point at '{seen[-1].target}' "
                          f"directly, one redirect instead of {len(seen)}")

    def check_cloudflare(self) -> None:
        lines = sum(len(rule.sources()) for rule in self.out.rules)
        if lines > CLOUDFLARE_STATIC_REDIRECTS:
            self.error(("hosting", "redirects"), f"{len(self.out.rules):,} redirects make {lines:,} rules "
                       f"in _redirects (each path is written with and without its trailing slash); "
                       f"Cloudflare Pages reads at most {CLOUDFLARE_STATIC_REDIRECTS:,}: remove some, "
                       "or leave cloudflare out of hosting.targets")
        for rule in self.out.rules:
            longest = max(len(line) for line in _redirect_lines(rule, self.site.base_path, force=False))
            if longest > CLOUDFLARE_REDIRECT_CHARS:
                self.error(("hosting", "redirects", rule.index, "to"), f"the rule is {longest:,} "
                           f"characters; Cloudflare Pages reads at most {CLOUDFLARE_REDIRECT_CHARS:,} "
                           "per redirect: shorten the address or its UTM parameters")


# --- writing -------------------------------------------------------------------------------


@dataclass(frozen=True)
class HeaderRule:
    """Headers for the paths a pattern matches, in Netlify's and Cloudflare's syntax."""

    path: str
    headers: tuple[tuple[str, str], ...]

    def vercel(self) -> dict[str, Any]:
        if self.path.endswith("*"):
            source = self.path[:-1] + "(.*)"
        elif self.path.endswith(".html"):  # cleanUrls: /404.html is served as /404/
            source = self.path[: -len(".html")] + "/"
        else:
            source = self.path
        return {"source": source, "headers": [{"key": k, "value": v} for k, v in self.headers]}


def header_rules(csp: str) -> list[HeaderRule]:
    """Security headers everywhere and a year's cache for assets/.

    Pages keep the host's own Cache-Control, which on Netlify, Cloudflare Pages and Vercel is
    PAGE_CACHE already: a rule per folder would say it again, run into Cloudflare's 100 rules on
    a site of many funnels, and be joined with the assets rule into one broken value on paths
    that both match.
    """
    return [HeaderRule("/*", (("Content-Security-Policy", csp), *SECURITY_HEADERS)),
            HeaderRule("/assets/*", (("Cache-Control", ASSET_CACHE),))]


def _redirect_lines(rule: RedirectRule, base_path: str, *, force: bool) -> list[str]:
    """The lines of `_redirects` for one rule. The host matches `from` in the folder it serves,
    and sends the browser to the target as written: into the site's sub-folder, when it lives in
    one (as S3's redirects and serve's do)."""
    status = f"{rule.status}!" if force else str(rule.status)
    return [f"{source} {rule.location(base_path)} {status}" for source in rule.sources()]


def _href(rule: RedirectRule) -> str:
    """The target as the redirect page links to it: relative, so a base path still works."""
    if not rule.internal:
        return rule.target
    parts = urlsplit(rule.target)
    return urlunsplit(("", "", relative_url(rule.page_url(), parts.path), parts.query, parts.fragment))


def content_type(name: str) -> str:
    suffix = posixpath.splitext(name)[1].lower()
    return CONTENT_TYPES.get(suffix, "application/octet-stream")


def _json_block(value: Any) -> str:
    """JSON for a value nested one level inside a template's JSON object."""
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def write_files(prepared: Prepared, sink: Sink, outputs: list[str]) -> None:
    """Write every hosting file of the chosen targets through ``sink``.

    ``outputs`` names every file the build has written so far (pages, reused ones included,
    assets, 404, sitemap, robots): the headers and the S3 map cover them. The names of the
    files written here are added to it.
    """
    plan, renderer = prepared.plan, prepared.renderer
    site = plan.site
    chosen = targets(site)
    redirects = resolved(plan)
    if redirects.errors:  # the plan stage reports these; this is a guard
        raise Abort(redirects.errors)
    rules = redirects.rules
    render = renderer.template
    files = list(outputs)

    def write(name: str, data: str) -> None:
        sink(name, data)
        outputs.append(name)

    if any(t in PAGE_REDIRECT_TARGETS for t in chosen):
        csp = renderer.policy.text(for_meta=True)
        for rule in rules:
            context = {"rule": rule, "href": _href(rule), "csp": csp}
            write(rule.page(), render("hosting/redirect.html", context))
            files.append(rule.page())
    policy = renderer.policy.text()
    headers = header_rules(policy)
    if "cloudflare" in chosen:
        _check_header_limits(headers, plan.site_source)
    if "netlify" in chosen or "cloudflare" in chosen:
        write("_headers", render("hosting/_headers", {"rules": headers}))
        if rules:
            # Netlify serves an existing file instead of a redirect unless the rule is forced
            # (`302!`); Cloudflare always redirects and rejects the `!`.
            force = "cloudflare" not in chosen and any(t in PAGE_REDIRECT_TARGETS for t in chosen)
            lines = [line for rule in rules for line in _redirect_lines(rule, site.base_path, force=force)]
            write("_redirects", render("hosting/_redirects", {"lines": lines}))
    if "vercel" in chosen:
        vercel_redirects = [{"source": rule.vercel_source(), "destination": rule.location(site.base_path),
                             "statusCode": rule.status} for rule in rules]
        write("vercel.json", render("hosting/vercel.json", {
            "headers": [rule.vercel() for rule in headers], "redirects": vercel_redirects,
            "json": _json_block}))
    if "github-pages" in chosen:
        write(".nojekyll", render("hosting/.nojekyll", {}))
        if site.hosting.cname:
            write("CNAME", render("hosting/CNAME", {"cname": site.hosting.cname}))
    if "s3" in chosen:
        redirect_pages = {rule.page(): rule.location(site.base_path)
                          for rule in rules}  # S3 sends visitors to that path as it is
        metadata: dict[str, dict[str, str]] = {}
        for name in sorted(f for f in files if f not in HOSTING_FILES):
            entry = {"ContentType": content_type(name),
                     "CacheControl": ASSET_CACHE if name.startswith("assets/") else PAGE_CACHE}
            if name in redirect_pages:
                entry["WebsiteRedirectLocation"] = redirect_pages[name]
            metadata[name] = entry
        write(S3_METADATA, render("hosting/s3-metadata.json", {"files": metadata, "json": _json_block}))


def _check_header_limits(rules: list[HeaderRule], source: Source) -> None:
    problems = []
    loc: Loc = ("hosting", "targets")
    for rule in rules:
        for name, value in rule.headers:
            length = len(f"  {name}: {value}")
            if length > CLOUDFLARE_HEADER_CHARS:
                problems.append(source.problem(loc, f"the {name} line of _headers is {length:,} "
                                               f"characters; Cloudflare Pages reads at most "
                                               f"{CLOUDFLARE_HEADER_CHARS:,}: fewer tracking hosts "
                                               "or snippets make it shorter, or leave cloudflare "
                                               "out of hosting.targets"))
    if problems:
        raise Abort(problems)
