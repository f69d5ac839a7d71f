"""Tracking settings for the runtime, and the Content-Security-Policy that allows exactly them."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from html import unescape
from typing import Any
from urllib.parse import urlsplit

from funnelgen.errors import Problem
from funnelgen.load import Source
from funnelgen.providers import CARRY_KEYS
from funnelgen.schema.site import Site
from funnelgen.schema.types import url_origin

GA4_HOSTS = {
    "script": ["https://www.googletagmanager.com"],
    "connect": ["https://*.google-analytics.com", "https://*.analytics.google.com",
                "https://*.googletagmanager.com"],
    "img": ["https://*.google-analytics.com", "https://*.googletagmanager.com"],
}
META_HOSTS = {
    "script": ["https://connect.facebook.net"],
    "connect": ["https://www.facebook.com", "https://connect.facebook.net"],
    "img": ["https://www.facebook.com"],
}
PASTED_TAGS = {
    "googletagmanager.com/gtm.js": {**GA4_HOSTS, "frame": ["https://www.googletagmanager.com"]},
    "googletagmanager.com/gtag/js": GA4_HOSTS,
    "connect.facebook.net": META_HOSTS,
}
"""Tags a marketer pastes into `tracking.head`/`body` as the vendor gives them (Google Tag
Manager's and Meta's snippets write their <script src> from JavaScript, unseen by the policy),
and the hosts they load from and send to (GTM's <noscript> part is an <iframe>)."""
_FONT_FACE = re.compile(r"@font-face\s*\{[^}]*\}", re.I)
_CSS_REMOTE = re.compile(r"""url\(\s*["']?(https://[^"')\s]+)""", re.I)
VIDEO_FRAMES = {"youtube": "https://www.youtube-nocookie.com", "vimeo": "https://player.vimeo.com"}
_SCRIPT_TAG = re.compile(r"<(/?)script\b", re.I)
_TYPE = re.compile(r"""\btype\s*=\s*["']?([^"'\s>]+)""", re.I)
_SCRIPT_TYPES = {"text/javascript", "application/javascript", "module"}
_SRC = re.compile(r"""(?<![\w-])src\s*=\s*["']?([^"'\s>]+)""", re.I)  # not data-src=
_LOADS = re.compile(r"<(img|iframe)\b([^>]*)>", re.I)  # a snippet's pictures and frames
_SRCSET = re.compile(r"""(?<![\w-])srcset\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.I)


def _scripts(html: str) -> Iterator[tuple[str, str, str]]:
    """Each <script> element of a page, template or snippet: (its opening tag as written, its
    attributes, its code), whatever the case of its tags; '<script' inside a script's code is code."""
    opening = None
    for tag in _SCRIPT_TAG.finditer(html):
        if not tag[1]:
            opening = opening or tag
        elif opening is not None:
            open_end = html.find(">", opening.end())
            code = html[open_end + 1:tag.start()]
            yield html[opening.start():open_end + 1], html[opening.end():open_end], code
            opening = None


def _runs(attrs: str) -> bool:
    """Whether a <script> with these attributes is code a browser runs, not data (JSON, a
    template) that the policy leaves alone."""
    kind = _TYPE.search(attrs)
    return kind is None or kind[1].lower() in _SCRIPT_TYPES


def providers(site: Site) -> dict[str, Any]:
    """What the runtime needs to know of each configured provider."""
    tracking = site.tracking
    out: dict[str, Any] = {}
    if tracking.ga4:
        out["ga4"] = tracking.ga4.measurement_id
    if tracking.meta_pixel:
        out["meta"] = tracking.meta_pixel.pixel_id
    if tracking.plausible:
        host = tracking.plausible.api_host.rstrip("/")
        out["plausible"] = {"src": f"{host}/js/script.js", "domain": tracking.plausible.domain}
    if tracking.beacon:  # a site path is one of this site's: under the sub-folder of base_url
        url = tracking.beacon.url
        out["beacon"] = site.base_path + url if url.startswith("/") else url
    return out


def consent_warnings(site: Site, source: Source) -> list[Problem]:
    """A consent banner on a site with no analytics provider: it asks visitors' consent for
    nothing, since nothing would load or be sent either way. A banner in English on pages in
    another language: visitors cannot consent to what they cannot read."""
    tracking = site.tracking
    snippets = [snippet for snippet in (tracking.head, tracking.body) if snippet and snippet.strip()]
    if site.consent.mode != "banner":
        return []
    if not (providers(site) or snippets):
        message = ("the banner asks visitors' consent for nothing: no analytics provider is configured "
                   "(tracking: ga4, meta_pixel, plausible, beacon, head or body); remove consent, "
                   "or add a provider")
        return [source.problem(("consent",), message, warning=True)]
    english = [key for key in ("text", "accept", "decline") if key not in site.consent.model_fields_set]
    if english and not site.in_english:
        keys = ", ".join(f"consent.{key}" for key in english)
        return [source.problem(("consent",), f"the banner's words are English on pages in '{site.language}': "
                               f"write {keys} in their language", warning=True)]
    return []


def snippet_warnings(site: Site, source: Source) -> list[Problem]:
    """A snippet whose code adds a <script> from JavaScript that is not a tag the policy knows
    (PASTED_TAGS): the policy cannot see where it loads from, so the browser will block it."""
    message = ("this snippet adds a <script> from JavaScript, and the site's policy cannot see where it "
               "loads from, so browsers will block it: load that file with <script src=\"https://…\" "
               "async></script> in the snippet instead, and its host is allowed")
    problems = []
    for key in ("head", "body"):
        snippet = getattr(site.tracking, key) or ""
        if any(tag in snippet for tag in PASTED_TAGS):
            continue
        inline = [code for _, attrs, code in _scripts(snippet) if not _SRC.search(attrs)]
        if any(_ADDS_SCRIPT.search(code) for code in inline):
            problems.append(source.problem(("tracking", key), message, warning=True))
    return problems


_ADDS_SCRIPT = re.compile(r"""createElement\(\s*(?:["']script["']|\w+)\s*\)[\s\S]*\.src\s*=""")


def origin(url: str) -> str | None:
    """What a policy names to allow ``url``: None for a URL that is not http(s) with a plain host."""
    if urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    try:
        return url_origin(url)
    except ValueError:
        return None


def csp_hash(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode("utf-8")).digest()).decode() + "'"


@dataclass
class Policy:
    """A Content-Security-Policy built up from what the site actually uses."""

    script: set[str] = field(default_factory=set)
    style: set[str] = field(default_factory=set)
    connect: set[str] = field(default_factory=set)
    img: set[str] = field(default_factory=set)
    font: set[str] = field(default_factory=set)
    frame: set[str] = field(default_factory=set)
    media: set[str] = field(default_factory=set)
    form: set[str] = field(default_factory=set)

    def allow(self, hosts: Mapping[str, list[str]]) -> None:
        """Allow a provider's hosts, by kind: "script", "connect", "img", "frame"."""
        self.script.update(hosts.get("script", []))
        self.connect.update(hosts.get("connect", []))
        self.img.update(hosts.get("img", []))
        self.frame.update(hosts.get("frame", []))

    def add_css(self, css: str) -> None:
        """Allow the hosts the site's CSS loads from: the fonts of its @font-face rules, and the
        pictures of every other url()."""
        faces = _FONT_FACE.findall(css)
        self.font.update(h for h in (origin(u) for face in faces for u in _CSS_REMOTE.findall(face)) if h)
        rest = _FONT_FACE.sub("", css)
        self.img.update(h for h in (origin(u) for u in _CSS_REMOTE.findall(rest)) if h)

    def blocked_scripts(self, html: str) -> list[str]:
        """The <script> elements of a page or template this policy stops, as written (their
        first line)."""
        blocked = []
        for opening, attrs, body in _scripts(html):
            if not _runs(attrs):
                continue
            src = _SRC.search(attrs)
            if (origin(src.group(1)) not in self.script) if src else (csp_hash(body) not in self.script):
                blocked.append(f"{opening}{body}".splitlines()[0][:80])
        return blocked

    def add_snippet(self, html: str | None) -> None:
        """Allow the marketer's own snippet: its inline scripts by hash, its script hosts, and
        the hosts of its pictures and frames (a tracking pixel, often in <noscript>)."""
        for _, attrs, body in _scripts(html or ""):
            src = _SRC.search(attrs)
            if src:
                host = origin(src.group(1))
                if host:
                    self.script.add(host)
            elif body.strip() and _runs(attrs):
                self.script.add(csp_hash(body))
        for tag, attrs in _LOADS.findall(html or ""):
            urls = []
            if src := _SRC.search(attrs):
                urls.append(unescape(src.group(1)))
            if srcset := _SRCSET.search(attrs):  # "https://… 1x, https://… 2x"
                candidates = unescape(srcset.group(1) or srcset.group(2)).split(",")
                urls += [candidate.split()[0] for candidate in candidates if candidate.strip()]
            for url in urls:
                host = origin("https:" + url if url.startswith("//") else url)  # //host: as the page is
                if host:
                    (self.img if tag.lower() == "img" else self.frame).add(host)

    def text(self, *, for_meta: bool = False) -> str:
        """The policy; `frame-ancestors` is only honoured as an HTTP header, not in <meta>."""
        def directive(name: str, base: Iterable[str], extra: set[str]) -> str:
            return " ".join([name, *base, *sorted(extra)])

        parts = [
            "default-src 'self'",
            directive("script-src", [], self.script) if self.script else "script-src 'none'",
            directive("style-src", [], self.style) if self.style else "style-src 'none'",
            directive("img-src", ["'self'", "data:"], self.img),
            *([directive("font-src", ["'self'"], self.font)] if self.font else []),
            directive("connect-src", ["'self'"], self.connect),
            directive("media-src", ["'self'"], self.media),
            directive("frame-src", ["'none'"] if not self.frame else [], self.frame),
            directive("form-action", ["'self'"], self.form),
            "base-uri 'self'",
            "object-src 'none'",
        ]
        if not for_meta:
            parts.append("frame-ancestors 'none'")
        return "; ".join(parts)


def build_policy(site: Site, runtime_js: str, inline_css: str, urls: dict[str, set[str]]) -> Policy:
    """The policy for a site: its inline code by hash and the hosts its providers and pages use.

    ``urls`` holds the absolute URLs pages use, by kind: "img", "media", "form", "frame".
    """
    policy = Policy(script={csp_hash(runtime_js)}, style={csp_hash(inline_css)})
    policy.add_css(inline_css)
    tracking = site.tracking
    for enabled, hosts in ((tracking.ga4, GA4_HOSTS), (tracking.meta_pixel, META_HOSTS)):
        if enabled:
            policy.allow(hosts)
    if tracking.plausible:
        host = origin(tracking.plausible.api_host)
        if host:
            policy.script.add(host)
            policy.connect.add(host)
    if tracking.beacon and origin(tracking.beacon.url):
        policy.connect.add(str(origin(tracking.beacon.url)))
    policy.add_snippet(tracking.head)
    policy.add_snippet(tracking.body)
    snippets = f"{tracking.head or ''}\n{tracking.body or ''}"
    for tag, hosts in PASTED_TAGS.items():
        if tag in snippets:
            policy.allow(hosts)
    for kind, target in (("img", policy.img), ("media", policy.media), ("form", policy.form),
                         ("frame", policy.frame)):
        target.update(h for h in (origin(u) for u in urls.get(kind, ())) if h)
    return policy


STRIPE_HOSTS = ("buy.stripe.com", "checkout.stripe.com")


def checkout_carry(url: str, chosen: Mapping[Any, str | None]) -> dict[str, str]:
    """Query parameters a checkout link gets from the runtime: UTM pass-through, and on Stripe
    Payment Links the visitor id as `client_reference_id` (it shows on the payment); then the
    step's own `checkout_carry` (None removes one)."""
    carry: dict[str, str | None] = {key: key for key in CARRY_KEYS if key.startswith("utm_")}
    if urlsplit(url).hostname in STRIPE_HOSTS:
        carry["visitor_id"] = "client_reference_id"
    carry.update(chosen)
    return {key: name for key, name in carry.items() if name}
