"""Hostile text in every field of every step type, in every theme, in a real browser.

For each string of tests/hostile.py, a site is made from the schema itself: every text and URL
field that a site can have (every model reachable from `Site` and `Funnel`, every step type,
nested blocks, lists, `by_temperature` copy, the Markdown of `content/`) gets the string.
`tracking.head` and `tracking.body` are left out: they are raw HTML the marketer vouches for.

Then, for each field, one of two things must hold:

* the build refuses it with one clear line that names the file, the line and the key
  (`funnels/all.yml:12: steps[0].links[0].to: …`), and the field is set back to a good value;
* or the site builds, and every page, loaded in headless Chromium with the Content-Security-
  Policy turned off (so escaping alone must hold), runs no hostile script (no dialog, no call
  of the `__pwned` marker, no element or attribute that could run one) and logs no error;
  and a plain text field is shown literally, template syntax included (`{{ 1234*5 }}` stays
  `{{ 1234*5 }}`, never 6170).

Plain text fields must never be refused: marketers write "<3" and "Save 50% <today>".

The site is built once per hostile string and theme (every built-in theme, found at test time,
so a new theme is covered at once), and each page is loaded once.
"""

from __future__ import annotations

import base64
import html
import inspect
import json
import re
import types
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Union, get_args, get_origin
from urllib.parse import unquote

import pytest
import yaml
from click.testing import Result
from hostile import HOSTILE, TEMPLATE_RESULT
from pydantic import BaseModel, WithJsonSchema

from funnelgen.commands.check import check
from funnelgen.errors import Abort, key_path
from funnelgen.load import load_yaml
from funnelgen.schema import Funnel, Site
from funnelgen.schema.types import TEXT_CHECKS, field_doc
from funnelgen.theme import builtin_themes

if TYPE_CHECKING:  # imported by pytest_plugins below, which must be first to load it
    from tests.browser import NewPage, Serve, Tab

pytest_plugins = ["tests.browser"]  # the browser, new_page and serve fixtures

RunCli = Callable[..., Result]
Loc = tuple[str | int, ...]
SITE = "site.yml"
FUNNEL = "funnels/all.yml"
CONTENT = "content/story.md"
CONTENT_AT: Loc = ("steps", 3, "body_file")
"""The Markdown of content/story.md is the body of the offer step: its problems are named there."""

SKIP = {("Tracking", "head"), ("Tracking", "body")}
"""Raw HTML by design: the marketer vouches for it (README, Tracking)."""
CHECKED_ELSEWHERE = {("Site", "theme"), ("Condition", "visited")}
"""Plain `str` in the schema, but checked against the site when it is built (a theme, a step)."""
MARKDOWN = {("CopyOverride", "body")}
"""Markdown, like StepBase.body, but without a docstring that says so."""
NOT_SHOWN = {("Rule", "name"), *(("Utm", key) for key in ("source", "medium", "campaign", "term", "content"))}
NOT_COVERED = {("Site", "home")}
"""`home` and `index: true` exclude each other; `home` is a slug, checked like every step id."""
"""Text that is never part of a page (a rule's name), or only URL-encoded in a redirect's target
(redirect pages are checked as files: the test looks for the encoded text there)."""

# Minimal valid files for the assets the site refers to.
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40"/></svg>'
ASSETS = {"assets/logo.svg": SVG, "assets/photo.png": PNG, "assets/share.png": PNG, "assets/tour.mp4": b"video",
          "assets/tour.vtt": b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n"}

# A site that fills in every key the schema has, with good values. The walk below finds each
# text field in it; a field the schema gains that is missing here fails
# test_the_hostile_site_covers_every_text_field_of_the_schema.
BASE_SITE: dict[str, Any] = {
    "name": "Hostile Co",
    "base_url": "https://hostile.example/",
    "language": "en",
    "theme": "clean",
    "theme_options": {"max_width": "40rem"},
    "brand": {"logo": "assets/logo.svg", "logo_alt": "The Hostile Co logo",
              "colors": {"primary": "#123456", "accent": "#abcdef", "text": "#111111",
                         "background": "#ffffff"},
              "font": "Georgia, serif"},
    "seo": {"title": "{page} | {site}", "description": "What we do.", "image": "assets/share.png",
            "favicon": "assets/logo.svg"},
    "legal": {"privacy": "https://hostile.example/privacy", "terms": "/all/",
              "company": "Hostile LLC", "disclaimer": "Results vary."},
    "index": True,
    "markdown": {"allow_html": False},
    "tracking": {"ga4": {"measurement_id": "G-ABC123"}, "meta_pixel": {"pixel_id": "1234567890"},
                 "plausible": {"domain": "hostile.example", "api_host": "https://plausible.io"},
                 "beacon": {"url": "/collect"}},
    "temperature": {"default": "cold", "rules": [
        {"name": "my list", "temperature": "hot", "lower": False,
         "when": {"utm_source": "news", "utm_medium": ["email"], "utm_campaign": "spring",
                  "utm_content": "top", "utm_term": "books", "referrer": ["search"],
                  "param": {"ref": "vip"}, "returning": True, "visited": "all/story",
                  "opted_in": False, "clicked_checkout": False,
                  "any": [{"utm_source": "fb*"}]}},
    ]},
    "consent": {"mode": "banner", "text": "We measure visits.", "accept": "Fine", "decline": "No"},
    "hosting": {"targets": ["netlify", "github-pages"], "cname": "hostile.example",
                "redirect_hosts": ["buy.stripe.com"],
                "redirects": [{"from": "/go/offer", "to": "all/course", "status": 302,
                               "utm": {"source": "go", "medium": "link", "campaign": "spring",
                                       "term": "books", "content": "top"}}]},
}

_CTA = {"text": "Go on", "note": "It is free."}
_COPY = {"eyebrow": "Welcome back", "headline": "You again", "subheadline": "Nice.",
         "body": "Warm *body*.", "cta": _CTA}
_TESTIMONIAL = {"quote": "It works.", "name": "Ann", "role": "Nurse", "photo": "assets/photo.png"}
_SEO = {"title": "Step title", "description": "Step description.", "image": "assets/share.png",
        "noindex": False}
_PRICE = {"amount": 47, "currency": "USD", "compare_at": 97, "note": "One payment",
          "plans": [{"label": "Three payments", "amount": 19, "count": 3, "interval": "month",
                     "checkout": "https://buy.stripe.com/plan"}]}
_FORM = {"provider": "custom", "action": "https://mail.example/subscribe", "name": "joinform",
         "fields": [{"name": "first_name", "type": "text", "label": "First name",
                     "placeholder": "Dana", "required": False, "autocomplete": "given-name"},
                    {"name": "email", "type": "email", "label": "Email", "required": True}],
         "hidden": {"tag": "list"}, "consent": {"text": "Email me.", "required": True, "name": "agree"},
         "button": "Join", "carry": {"temperature": "temp"}}
_BLOCKS = {
    "eyebrow": "Free", "subheadline": "A subheadline", "benefits_title": "You get",
    "benefits": ["One", "Two"], "testimonials": [_TESTIMONIAL],
    "faq": [{"question": "Is it free?", "answer": "Yes, *free*."}],
    "guarantee": {"title": "Our promise", "text": "Money *back*.", "days": 30},
    "deadline": {"text": "Ends Friday", "until": "2030-12-04T23:59:00-05:00"},
    "cta": _CTA, "links": [{"text": "Skip to the end", "to": "done"}],
    "image": {"src": "assets/photo.png", "alt": "A photo", "width": 1, "height": 1},
    "seo": _SEO, "by_temperature": {"warm": _COPY, "hot": _COPY},
}
_NO_CTA = {key: value for key, value in _BLOCKS.items() if key != "cta"}  # a one-time offer's button is accept
BASE_FUNNEL: dict[str, Any] = {
    "slug": "all",
    "title": "Every step",
    "description": "A funnel with every step type.",
    "steps": [
        {"id": "story", "type": "bridge", "slug": "story", "next": "join", "headline": "The story",
         "body": "It *started* with a [list](https://hostile.example/list).",
         "video": {"url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ", "title": "Watch it",
                   "poster": "assets/photo.png"},
         "checkout_carry": {"visitor_id": "ref"}, **_BLOCKS},
        {"id": "join", "type": "optin", "headline": "Join", "form": _FORM, **_BLOCKS},
        {"id": "workshop", "type": "webinar", "headline": "The workshop",
         "webinar": {"starts": "2030-12-10 19:00", "timezone": "America/New_York",
                     "duration_minutes": 45},
         "form": {"provider": "netlify"}, "body": "Live.", **_BLOCKS},
        {"id": "course", "type": "offer", "headline": "The course", "body_file": CONTENT,
         "price": _PRICE, "checkout": "https://buy.stripe.com/course", **_BLOCKS},
        {"id": "coaching", "type": "upsell", "headline": "Add coaching", "body": "Calls.",
         "price": _PRICE, "accept": {"text": "Yes please", "checkout": "https://buy.stripe.com/c"},
         "decline": {"text": "No thanks", "to": "lite"}, **_NO_CTA},
        {"id": "lite", "type": "downsell", "headline": "Just the workbook?", "body": "A book.",
         "video": {"url": "assets/tour.mp4", "captions": "assets/tour.vtt"},
         "price": _PRICE, "accept": {"text": "Yes", "checkout": "https://buy.stripe.com/w"},
         "decline": {"text": "No", "to": "done"}, **_NO_CTA},
        {"id": "done", "type": "thankyou", "headline": "Thank you", "body": "Done.", "next": "story",
         "next_steps": ["Check your email", "Book a call"],
         "ascension": {"headline": "Want more?", "text": "Join *us*.", "cta": _CTA,
                       "checkout": "https://buy.stripe.com/m"},
         **{k: v for k, v in _BLOCKS.items() if k != "links"}},
    ],
}
BASE_CONTENT = "The *course*, in [six lessons](/all/story/).\n"


# --- the schema, walked beside the data ----------------------------------------------------

@dataclass(frozen=True)
class Leaf:
    """One text field of the hostile site."""

    file: str
    loc: Loc
    kind: str  # "text" (shown as written), "markdown", or "checked" (a URL, slug, …)
    field: tuple[str, str]  # (model, key), e.g. ("Cta", "text")

    @property
    def key(self) -> str:
        return key_path(self.loc)


def _members(annotation: Any) -> list[Any]:
    if get_origin(annotation) in (Union, types.UnionType):
        return [a for a in get_args(annotation) if a is not type(None)]
    return [annotation]


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _owner(model: type[BaseModel], name: str) -> str:
    """The model that declares field ``name`` (StepBase for every step's `headline`)."""
    for cls in model.__mro__:
        if name in inspect.get_annotations(cls):
            return cls.__name__
    return model.__name__


def _checks(metadata: Any) -> bool:
    """Whether a field's constraints check its value (a URL, a slug …). Text's (TEXT_CHECKS) only
    refuse empty text: its value shows as written, like any text."""
    return any(not isinstance(m, WithJsonSchema) and getattr(m, "func", None) not in TEXT_CHECKS for m in metadata)


def _validated_fields(model: type[BaseModel]) -> set[str]:
    fields: set[str] = set()
    for decorator in model.__pydantic_decorators__.field_validators.values():
        fields.update(decorator.info.fields)
    return fields


def walk(model: type[BaseModel], data: Any, file: str, loc: Loc = ()) -> Iterator[Leaf]:
    """Every text value in ``data`` (which fits ``model``), with what kind of text it is."""
    if not isinstance(data, dict):
        return
    checked_fields = _validated_fields(model)
    for name, info in model.model_fields.items():
        key = info.alias or name
        field = (_owner(model, name), key)
        if field in SKIP or key not in data:
            continue
        checked = _checks(info.metadata) or name in checked_fields or field in CHECKED_ELSEWHERE
        markdown = "Markdown" in (field_doc(model, name) or "") or field in MARKDOWN
        yield from _walk_value(info.annotation, data[key], file, (*loc, key), field, checked, markdown)


def _walk_value(annotation: Any, value: Any, file: str, loc: Loc, field: tuple[str, str],
                checked: bool, markdown: bool) -> Iterator[Leaf]:
    if get_origin(annotation) is Annotated:
        annotation, checked = get_args(annotation)[0], checked or _checks(get_args(annotation)[1:])
    members = _members(annotation)
    if len(members) > 1:  # pick the member the value is: a step type, a list or a text
        models = [m for m in members if _is_model(m)]
        if isinstance(value, dict) and models:
            tag = value.get("type")
            typed = [m for m in models if (f := m.model_fields.get("type")) is not None
                     and tag in get_args(f.annotation)]
            members = typed or models
        elif isinstance(value, list):
            members = [m for m in members if get_origin(m) is list] or members
        else:
            members = [m for m in members if get_origin(m) is not list] or members
    annotation = members[0]
    if get_origin(annotation) is Annotated:
        annotation, checked = get_args(annotation)[0], checked or _checks(get_args(annotation)[1:])
    origin = get_origin(annotation)
    if _is_model(annotation):
        yield from walk(annotation, value, file, loc)
    elif origin is list and isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk_value(get_args(annotation)[0], item, file, (*loc, i), field, checked, markdown)
    elif origin is dict and isinstance(value, dict):
        for k, item in value.items():
            yield from _walk_value(get_args(annotation)[1], item, file, (*loc, k), field, checked, markdown)
    elif annotation is str and isinstance(value, str):
        kind = "checked" if checked else "markdown" if markdown else "text"
        yield Leaf(file, loc, kind, field)


def schema_text_fields(model: type[BaseModel], seen: set[type[BaseModel]] | None = None) -> set[tuple[str, str]]:
    """Every (model, key) of the schema that holds text, reached from ``model``."""
    seen = set() if seen is None else seen
    if model in seen:
        return set()
    seen.add(model)
    found: set[tuple[str, str]] = set()

    def visit(annotation: Any, field: tuple[str, str]) -> None:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        for member in _members(annotation):
            if get_origin(member) is Annotated:
                member = get_args(member)[0]
            if _is_model(member):
                found.update(schema_text_fields(member, seen))
            elif get_origin(member) in (list, dict):
                visit(get_args(member)[-1], field)
            elif member is str:
                found.add(field)

    for name, info in model.model_fields.items():
        field = (_owner(model, name), info.alias or name)
        if field not in SKIP:
            visit(info.annotation, field)
    return found


def base_files() -> dict[str, Any]:
    return {SITE: json.loads(json.dumps(BASE_SITE)), FUNNEL: json.loads(json.dumps(BASE_FUNNEL)),
            CONTENT: BASE_CONTENT}


def leaves_of(files: dict[str, Any]) -> list[Leaf]:
    found = [*walk(Site, files[SITE], SITE), *walk(Funnel, files[FUNNEL], FUNNEL)]
    found.append(Leaf(FUNNEL, CONTENT_AT, "markdown", ("content", "story.md")))
    return found


def set_at(data: Any, loc: Loc, value: Any) -> None:
    for part in loc[:-1]:
        data = data[part]
    data[loc[-1]] = value


def get_at(data: Any, loc: Loc) -> Any:
    for part in loc:
        data = data[part]
    return data


# --- a hostile site ------------------------------------------------------------------------

def value_for(leaf: Leaf, hostile: str, number: int) -> str:
    """A plain text field gets the string and a tag naming the field, so the page can be
    searched for each field's text; other fields get the string exactly as it is."""
    return f"{hostile} ~{number}" if leaf.kind == "text" else hostile


def write_site(root: Path, files: dict[str, Any]) -> None:
    for name, data in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".yml"):
            text = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10**6)
            path.write_text(text, encoding="utf-8")
        else:
            path.write_text(data, encoding="utf-8")
    for name, data in ASSETS.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)


@dataclass
class HostileSite:
    root: Path
    files: dict[str, Any]
    accepted: list[Leaf]
    refused: dict[Leaf, str]
    values: dict[Leaf, str]


PROBLEM = re.compile(r"^(?P<file>site\.yml|funnels/all\.yml):(?P<line>[1-9][0-9]*): "
                     r"(?P<key>[A-Za-z0-9_.\[\]-]+): (?P<message>.+)$"
                     r"|^content/story\.md:(?P<content_line>[1-9][0-9]*): (?P<content_message>.+)$")
"""A problem names the file, line and key; one in the Markdown file names its line."""


def hostile_site(root: Path, hostile: str, chosen: Callable[[int], bool] = lambda n: True) -> HostileSite:
    """The site with ``hostile`` in every field the build accepts it in, and the problems it
    gave for the others (each a clear line naming the field); checked with `funnelgen check`."""
    files = base_files()
    base = base_files()
    every = leaves_of(files)
    values = {leaf: value_for(leaf, hostile, n) for n, leaf in enumerate(every)}
    leaves = [leaf for n, leaf in enumerate(every) if chosen(n)]
    for leaf in leaves:
        if leaf.loc == CONTENT_AT:
            files[CONTENT] = hostile
        else:
            set_at(files[leaf.file], leaf.loc, values[leaf])
    active = list(leaves)
    refused: dict[Leaf, str] = {}
    for _ in range(12):
        write_site(root, files)
        try:
            check(root)
            break
        except Abort as exc:
            problems = exc.problems
        lines = {name: load_yaml(root / name, name).lines for name in (SITE, FUNNEL)}
        given = list(active)  # one problem may take back a field another problem names too
        for problem in problems:
            text = str(problem)
            found = PROBLEM.match(text)
            assert found and "\n" not in text, f"not one clear line naming file:line: key: {text!r}"
            named = [leaf for leaf in given if leaf.file == problem.file
                     and (leaf.key == problem.key or leaf.key.startswith((problem.key + ".", problem.key + "[")))]
            if problem.file == CONTENT:
                named = [leaf for leaf in given if leaf.loc == CONTENT_AT]
            if not named:  # a link to a site path was accepted, and a step is left unreached
                named = [leaf for leaf in given if leaf.file == problem.file and leaf.kind == "checked"
                         and leaf.field[1] in ("to", "next") and "cannot be reached" in text]
            if not named and "is not the host of base_url" in text:  # hosting.cname names base_url's host
                named = [leaf for leaf in given if leaf.file == problem.file and leaf.key == "base_url"]
            assert named, f"the build refused a field it was not given: {text!r}"
            exact = [leaf for leaf in named if leaf.key == problem.key]
            by_key = {key_path(loc): line for loc, line in lines.get(problem.file, {}).items()}
            if problem.file != CONTENT and problem.key in by_key:
                assert problem.line == by_key[problem.key], f"wrong line: {text!r}"
            for leaf in exact or [leaf for leaf in named if leaf.kind != "text"] or named:
                refused[leaf] = text
                if leaf not in active:
                    continue
                active.remove(leaf)
                if leaf.loc == CONTENT_AT:
                    files[CONTENT] = base[CONTENT]
                else:
                    set_at(files[leaf.file], leaf.loc, get_at(base[leaf.file], leaf.loc))
    else:
        pytest.fail(f"the site never built: {problems}")
    return HostileSite(root, files, active, refused, values)


# --- what a page may contain ------------------------------------------------------------------

INIT_SCRIPT = """
window.__pwnedCalls = [];
window.__pwned = function (n) { window.__pwnedCalls.push(String(n)); };
// The runtime's visitor id is random hex, shown in checkout links and hidden form fields: one in
// a few thousand would spell 6170. Pinned, so that only a template that ran can show it.
crypto.getRandomValues = function (bytes) { bytes.fill(0xab); return bytes; };
"""

# Run in each page once it has loaded: what ran, what could run, and every text it shows.
INSPECT_JS = """async () => {
  await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));  // handlers that fire at once
  const bad = [];
  const scheme = u => { try { return new URL(u, document.baseURI).protocol; } catch (e) { return "bad:"; } };
  for (const el of document.querySelectorAll("*")) {
    for (const a of el.attributes) {
      if (/^on/i.test(a.name)) bad.push(`${el.tagName} has ${a.name}`);
      if (/^(href|src|action|formaction|data|poster|xlink:href|srcdoc|background)$/i.test(a.name)) {
        const p = a.name.toLowerCase() === "srcdoc" ? "srcdoc:" : scheme(a.value);
        const icon = el.tagName === "LINK" && a.value === "data:,";
        if (!["http:", "https:", "mailto:", "tel:"].includes(p) && !icon) bad.push(`${el.tagName} ${a.name}=${a.value.slice(0, 80)}`);
      }
    }
    if (["IFRAME", "OBJECT", "EMBED", "BASE", "FRAME", "APPLET"].includes(el.tagName)) bad.push(`a <${el.tagName}>`);
    if (el.tagName === "META" && /refresh/i.test(el.httpEquiv)) bad.push("a <meta refresh>");
  }
  const scripts = [...document.scripts].map(s => s.id === "funnelgen-config" && s.type === "application/json"
      ? "config" : (!s.src && !s.type && s.textContent.includes("funnelgen")) ? "runtime" : s.outerHTML.slice(0, 80));
  const texts = [document.title];
  const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
  let body = "";
  while (walker.nextNode()) {
    const parent = walker.currentNode.parentElement;
    if (parent && !["SCRIPT", "STYLE"].includes(parent.tagName)) body += walker.currentNode.data + "\\u0000";
  }
  texts.push(body);
  for (const el of document.querySelectorAll("*")) for (const a of el.attributes) texts.push(a.value);
  const config = document.getElementById("funnelgen-config");
  const strings = v => typeof v === "string" ? [v] : v && typeof v === "object" ? Object.values(v).flatMap(strings) : [];
  if (config) texts.push(...strings(JSON.parse(config.textContent)));
  return {calls: window.__pwnedCalls, bad, scripts, texts};
}"""


class _Static(HTMLParser):
    """What a page that is not loaded in the browser (a redirect page) could run."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []
        self.refresh = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "base"):
            self.bad.append(f"a <{tag}>")
        values = {name: value or "" for name, value in attrs}
        refresh = tag == "meta" and values.get("http-equiv", "").lower() == "refresh"
        self.refresh = self.refresh or refresh
        for name, value in values.items():
            if name.startswith("on"):
                self.bad.append(f"<{tag}> has {name}")
            if name in ("href", "src", "action") or (refresh and name == "content"):
                url = value.split("url=", 1)[-1].strip() if refresh and name == "content" else value.strip()
                if re.match(r"^[a-z][a-z0-9+.-]*:", url, re.I) and not re.match(r"^https?:", url, re.I):
                    self.bad.append(f"<{tag} {name}={value[:80]}>")


def static_problems(page: Path) -> tuple[bool, list[str]]:
    """Whether a page is a redirect page (<meta http-equiv=refresh>), and what in it could run."""
    parser = _Static()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser.refresh, parser.bad


def page_urls(out: Path, base: str) -> tuple[list[str], list[Path]]:
    """URLs of the pages to load, one per distinct page, and the redirect pages (checked as
    files: they send the browser on at once, by design)."""
    urls, redirects, seen = [], [], set()
    for page in sorted(out.rglob("*.html")):
        text = page.read_text(encoding="utf-8")
        if static_problems(page)[0]:
            redirects.append(page)
            continue
        if text in seen:  # a funnel's entry step is written twice: at /all/ and /all/story/
            continue
        seen.add(text)
        rel = page.relative_to(out).as_posix()
        urls.append(base + (rel.removesuffix("index.html") if page.name == "index.html" else rel))
    return urls, redirects


def themes() -> list[str]:
    found = builtin_themes()
    assert "clean" in found, found
    return found


# --- tests --------------------------------------------------------------------------------

def test_the_hostile_site_covers_every_text_field_of_the_schema(tmp_path: Path) -> None:
    """Every text field of the schema is in the hostile site (add a new one to BASE_SITE or
    BASE_FUNNEL above), and the site builds as it is."""
    covered = {leaf.field for leaf in leaves_of(base_files())}
    expected = (schema_text_fields(Site) | schema_text_fields(Funnel)) - NOT_COVERED
    assert expected - covered == set(), "add these to BASE_SITE or BASE_FUNNEL in test_xss.py"
    write_site(tmp_path / "site", base_files())
    report = check(tmp_path / "site")
    assert report.warnings == []
    kinds = {leaf.field: leaf.kind for leaf in leaves_of(base_files())}
    assert kinds[("Cta", "text")] == "text" and kinds[("Question", "answer")] == "markdown"
    assert kinds[("LinkButton", "to")] == "checked" and kinds[("StepBase", "id")] == "checked"


TEMPLATE_STRINGS = {
    "{{ 1234*5 }}": [TEMPLATE_RESULT],
    "{{ config }}{{ self.__init__.__globals__ }}": ["<Config", "<function", "'__builtins__'"],
    "{% include '/etc/passwd' %}{{ ''.__class__.__mro__ }}": ["root:x:0:0", "<class 'str'>",
                                                              "(<class"],
    "{{ site.tracking }}{{ step }}": ["measurement_id=", "ga4=Ga4(", "headline="],
}


@pytest.mark.parametrize("template", list(TEMPLATE_STRINGS))
def test_marketer_text_is_never_evaluated_as_a_template(template: str, tmp_path: Path,
                                                        run_cli: RunCli) -> None:
    files = base_files()
    leaves = [leaf for leaf in leaves_of(files) if leaf.kind != "checked"]
    for leaf in leaves:
        if leaf.loc == CONTENT_AT:
            files[CONTENT] = template
        else:
            set_at(files[leaf.file], leaf.loc, template)
    root, out = tmp_path / "site", tmp_path / "out"
    write_site(root, files)
    result = run_cli("build", root, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    pages = {p.relative_to(out).as_posix(): html.unescape(p.read_text(encoding="utf-8"))
             for p in out.rglob("*.html")}
    assert sum(page.count(template) for page in pages.values()) >= len(leaves) // 2
    for name, page in pages.items():
        for evaluated in TEMPLATE_STRINGS[template]:
            assert evaluated not in page.replace(template, ""), f"{name}: {template} was evaluated"


FIGURES: Counter[str] = Counter()
YAML_BUDGET = 1_000_000
"""Bytes of hostile text per site: a long string goes into the fields in turns, so each file stays
well under funnelgen's limit on the size of a YAML file."""


CASES = [pytest.param(h, id=f"h{n:02d}") for n, h in enumerate(HOSTILE, start=1)]


@pytest.mark.browser
@pytest.mark.parametrize("hostile", CASES)
def test_hostile_text_in_every_field_runs_nothing_and_shows_as_written(
    hostile: str, tmp_path: Path, run_cli: RunCli, serve: Serve, new_page: NewPage
) -> None:
    turns = -(-len(hostile.encode()) * len(leaves_of(base_files())) // YAML_BUDGET)
    figures: Counter[str] = Counter()
    expected: dict[str, set[tuple[str, str]]] = {theme: set() for theme in themes()}
    shown: dict[str, set[tuple[str, str]]] = {theme: set() for theme in themes()}
    for turn in range(turns):
        site = hostile_site(tmp_path / f"site-{turn}", hostile, lambda n, t=turn: n % turns == t)
        refused_text = [f"{leaf.key}: {why}" for leaf, why in site.refused.items() if leaf.kind == "text"]
        assert refused_text == [], "plain text must be accepted as it is"
        for number, theme in enumerate(themes()):
            site.files[SITE]["theme"] = theme
            site.files[SITE]["markdown"]["allow_html"] = number % 2 == 1  # raw HTML in Markdown both ways
            write_site(site.root, site.files)
            out = tmp_path / f"out-{turn}-{theme}"
            result = run_cli("build", site.root, "-o", out, "-q")
            if site.files[SITE]["markdown"]["allow_html"] and result.exit_code == 1:
                # a raw <a href="javascript:…"> or <img src=x> is refused, as the same in Markdown is
                refused = result.output.splitlines()[:-1]
                assert refused and all(re.fullmatch(r"(funnels/\S+:\d+: \S+|content/\S+:\d+): (link '.*' in the "
                                                    r"Markdown cannot work|image '.*' in the Markdown cannot be "
                                                    r"shown): .*", line) for line in refused), result.output
                continue
            assert result.exit_code == 0, f"{theme}: {result.output}"
            loaded, expected[theme], shown[theme] = in_browser(site, theme, out, hostile, serve, new_page,
                                                               expected[theme], shown[theme])
            figures["pages loaded"] += loaded
            figures["field × theme builds"] += len(site.accepted) + len(site.refused)
        figures["fields tried"] += len(site.accepted) + len(site.refused)
        figures["fields refused with a clear error"] += len(site.refused)
    for theme in themes():
        missing = expected[theme] - shown[theme]
        assert missing == set(), f"{theme}: text not shown as written: {sorted(missing)}"
    FIGURES.update(figures)
    FIGURES["hostile strings"] += 1


Fields = set[tuple[str, str]]


def in_browser(site: HostileSite, theme: str, out: Path, hostile: str, serve: Serve, new_page: NewPage,
               expected: Fields, shown_fields: Fields) -> tuple[int, Fields, Fields]:
    """Load every page of ``out`` and assert that nothing ran. Returns the pages loaded, and the
    plain text fields to look for and those shown as written, added to the ones given."""
    text_leaves = [leaf for leaf in site.accepted if leaf.kind == "text"]
    # A step's seo.title is shown through the site's title pattern; a hostile pattern has no {page}.
    shadowed = {("StepSeo", "title")} if any(
        leaf.field == ("SiteSeo", "title") for leaf in site.accepted) else set()
    urls, redirects = page_urls(out, serve(out))
    for page in redirects:
        assert static_problems(page)[1] == [], f"{theme}: {page.relative_to(out)}"
    targets = unquote("".join(html.unescape(page.read_text(encoding="utf-8")) for page in redirects))
    for leaf in text_leaves:
        if leaf.field[0] == "Utm":
            assert site.values[leaf] in targets, f"{theme}: {leaf.key} is not in the redirect's target"
    tab: Tab = new_page(bypass_csp=True)  # escaping alone must hold; the CSP is a second wall
    dialogs: list[str] = []
    tab.page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    tab.page.add_init_script(INIT_SCRIPT)
    shown: list[str] = []
    for url in urls:
        assert tab.goto(url) == 200
        found = tab.page.evaluate(INSPECT_JS)
        where = f"{theme}: {url}"
        assert found["calls"] == [] and dialogs == [], f"{where}: hostile script ran"
        assert found["bad"] == [], f"{where}: markup that could run script: {found['bad']}"
        assert set(found["scripts"]) <= {"config", "runtime"}, f"{where}: {found['scripts']}"
        assert all(u.startswith("https://") for u in tab.blocked), tab.blocked
        # Requests off 127.0.0.1 are blocked by the test; raw HTML in Markdown, when the site allows
        # it, may be a sanitised <img src=x> that is not there.
        errors = [e for e in tab.console_errors if "net::ERR_BLOCKED_BY_CLIENT" not in e
                  and not (site.files[SITE]["markdown"]["allow_html"] and "status of 404" in e)]
        assert errors == [], f"{where}: {errors}"
        shown += found["texts"]
    everything = "\u0001".join(shown)
    assert TEMPLATE_RESULT not in everything.replace(hostile, "")
    found = {leaf.field for leaf in text_leaves if site.values[leaf] in everything}
    return len(urls), expected | ({leaf.field for leaf in text_leaves} - NOT_SHOWN - shadowed), shown_fields | found


def test_xss_figures() -> None:
    """Prints what the browser test above did (it runs after it, in file order)."""
    print("\nXSS:", dict(FIGURES), f"themes: {', '.join(themes())}")
