"""Stage 3, plan: decide every page and asset, resolve links between steps, check the flow."""

from __future__ import annotations

import difflib
import hashlib
import os
import posixpath
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from functools import cache, cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from funnelgen import images, incremental
from funnelgen.errors import Abort, Problem
from funnelgen.incremental import FunnelRecord, real_path
from funnelgen.load import LOOP, Loc, Source, broken_link, load_yaml, read_text
from funnelgen.markdown import MarkdownRenderer, is_site_path, line_of
from funnelgen.schema import NOINDEX_TYPES, Funnel, Site, Step
from funnelgen.schema.blocks import (
    THOUSANDS_POINT,
    THREE_DECIMAL_CURRENCIES,
    ZERO_DECIMAL_CURRENCIES,
    Form,
    thousands_advice,
    video_embed,
)
from funnelgen.schema.funnel import (
    DownsellStep,
    UpsellStep,
    WebinarStep,
    form_of,
    links_of,
    markdown_of,
    price_of,
)
from funnelgen.schema.site import Condition
from funnelgen.schema.types import MAX_SLUG, is_step_ref, shown, slugify
from funnelgen.spool import PageSpool, Spooled
from funnelgen.tracking import VIDEO_FRAMES
from funnelgen.validate import MAX_PROBLEMS, ValidSite

RESERVED_SLUGS = {"assets"}
_FOLLOWS_ON = ("bridge", "optin", "webinar")  # steps that must lead somewhere
_PAID = ("offer", "upsell", "downsell")  # steps whose next step comes after a purchase


@dataclass(frozen=True)
class Asset:
    """A file from the site's assets/ folder and its fingerprinted output path.

    A picture the pages show (see `image_roles`) also has its versions for each place it is
    shown in (`pictures`, by role; see images.py): the build encodes those it does not have yet.
    """

    source: Path
    output: str
    width: int | None = None
    height: int | None = None
    digest: str = ""
    responsive: bool = False
    """A still PNG, JPEG or WebP: written in several widths and as WebP where the pages show it."""
    kind: str | None = None
    """What the file is by its bytes, whatever its name says (images.kind_of): 'JPEG', 'PDF', …"""
    pictures: dict[str, images.Responsive] = field(default_factory=dict)

    def variants(self) -> list[images.Variant]:
        """The versions to write besides the file itself, each once, in name order."""
        found = {v.output: v for picture in self.pictures.values()
                 for v in (*picture.srcset, picture.src) if v.output != self.output}
        return [found[name] for name in sorted(found)]

    def shown_as(self, roles: Iterable[str]) -> Asset:
        """This asset with its versions for these places on the page."""
        if not (self.responsive and self.width and self.height):
            return self
        size = (self.width, self.height)
        return replace(self, pictures={role: images.responsive(self.output, self.digest, size, role)
                                       for role in sorted(set(roles))})


@dataclass
class PlannedFunnel:
    """A funnel with its URL and the URL of each of its steps."""

    slug: str
    funnel: Funnel
    source: Source
    step_urls: dict[str, str]

    @property
    def entry_url(self) -> str:
        return f"/{self.slug}/"

    def resolve(self, target: str) -> str:
        """A step id of this funnel → its URL; anything else is already a URL."""
        return self.step_urls[target] if is_step_ref(target) else target


@dataclass(frozen=True, slots=True)
class Page:
    """One HTML file to write."""

    planned: PlannedFunnel
    index: int
    step: Step
    url: str
    output: str
    canonical: str
    indexable: bool
    next_url: str | None
    body: str | None

    @property
    def funnel(self) -> Funnel:
        return self.planned.funnel


@dataclass
class Surveyed:
    """A funnel file of this build planned on its own (`plan_funnel`): what the checks across
    funnels, the Content-Security-Policy, the index, the sitemap and the manifest need of it.
    A build that does not keep the funnels (`Plan.held`) keeps only this of one until it renders
    its pages, from the spool or by loading the file again."""

    source: Source
    """The file, its parsed data let go: a message that needs a line reads it again."""
    slug: str | None
    """None when its file name makes no URL, or its slug is reserved (both reported)."""
    explicit_slug: bool
    step_urls: dict[str, str]
    netlify: list[tuple[int, str, bool]]
    """Its Netlify forms: (step index, form name, whether the file names the form)."""
    record: FunnelRecord
    """What the manifest keeps of it (its key and warnings are filled in when the build is written)."""
    errors: list[Problem]
    warnings: list[Problem]
    spooled: Spooled | None = None
    """Where its pages wait in `Plan.spool`, when they were not kept."""


@dataclass
class FunnelPlan:
    """One funnel file planned on its own: its pages, or the problems that stop them."""

    planned: PlannedFunnel | None
    pages: list[Page]
    surveyed: Surveyed


@dataclass(frozen=True)
class SiteContext:
    """What planning or rendering one funnel needs of the site around it."""

    root: Path
    site: Site
    assets: dict[str, Asset]
    markdown: MarkdownRenderer

    @cached_property
    def real_root(self) -> Path:
        return self.root.resolve()


@dataclass
class Plan:
    """Everything the render and write stages need, decided and checked."""

    root: Path
    site: Site
    site_source: Source
    surveyed: dict[str, Surveyed]
    """Every funnel file this build renders, by file name, in file order."""
    funnels: list[PlannedFunnel]
    """Those funnels with their models, when this process keeps them (see `held`)."""
    pages: list[Page]
    assets: dict[str, Asset]
    warnings: list[Problem] = field(default_factory=list)
    reused: dict[str, FunnelRecord] = field(default_factory=dict)
    """Funnels taken unchanged from the previous output, by file name."""
    spool: PageSpool | None = None
    """Where the pages of funnels not held wait (`Surveyed.spooled`)."""

    @property
    def held(self) -> bool:
        """Whether the funnels' models and pages are here; if not, their pages wait in `spool`."""
        return len(self.funnels) == len(self.surveyed)

    def records(self) -> list[FunnelRecord]:
        """What this build makes of every funnel, rendered or reused, in file order."""
        by_name = {name: surveyed.record for name, surveyed in self.surveyed.items()}
        by_name.update(self.reused)
        return [by_name[name] for name in sorted(by_name)]

    def sitemap_urls(self) -> list[str]:
        """Canonical URLs of indexable pages, each once, in funnel order."""
        return list(dict.fromkeys(url for record in self.records() for url in record.sitemap))

    def pages_of(self, planned: PlannedFunnel) -> list[Page]:
        """The pages of one planned funnel, in plan order."""
        return self._pages_by_funnel.get(planned.source.name, [])

    @cached_property
    def _pages_by_funnel(self) -> dict[str, list[Page]]:
        """Pages grouped once: asking each funnel's pages of the whole list took time
        quadratic in the number of funnels."""
        grouped: dict[str, list[Page]] = {}
        for page in self.pages:
            grouped.setdefault(page.planned.source.name, []).append(page)
        return grouped

    def listing(self) -> list[dict[str, str | None]]:
        """Every funnel's slug, title, description and URL, in funnel order (for index pages)."""
        return [{"slug": r.slug, "title": r.title, "description": r.description, "url": f"/{r.slug}/"}
                for r in self.records()]


def plan_site(valid: ValidSite, context: SiteContext, asset_problems: list[Problem]) -> Plan:
    """Check everything across funnels (each was planned on its own: `valid.surveyed`); raise
    one Abort listing every problem. ``asset_problems``: those `plan_assets` found."""
    checker = _Checker()
    checker.errors += [problem for problem in asset_problems if not problem.warning]
    checker.warnings += [problem for problem in asset_problems if problem.warning]
    _check_templates(valid.root, checker)
    _check_site_assets(valid, context, checker)
    for surveyed in valid.surveyed:
        checker.errors += surveyed.errors
        checker.warnings += surveyed.warnings
    planned = _check_slugs(valid, checker)
    slugs = {s.record.slug for s in planned} | {r.slug for r in valid.reused.values()}
    _check_visited_steps(valid, planned, checker)
    _check_form_names(valid, planned, checker)
    _check_hosting(valid, planned, context.assets, checker)
    _check_site_links(valid, planned, checker)
    if valid.site.home and valid.site.index:
        checker.error(valid.site_source, ("home",), "set either index: true or home, not both")
    elif valid.site.home and valid.site.home not in slugs:
        known = ", ".join(sorted(slugs))
        checker.error(valid.site_source, ("home",), f"no funnel '{valid.site.home}' (funnels: {known})")
    if checker.errors:
        raise Abort(checker.errors)
    assets = _shown_assets(valid, context.assets)
    warnings = sorted([*checker.warnings, *(w for r in valid.reused.values() for w in r.problems())])
    return Plan(valid.root, valid.site, valid.site_source,
                {s.source.name: s for s in valid.surveyed},
                [plan.planned for plan in valid.funnels if plan.planned is not None],
                [page for plan in valid.funnels for page in plan.pages], assets, warnings, valid.reused,
                valid.spool)


class _Checker:
    def __init__(self) -> None:
        self.errors: list[Problem] = []
        self.warnings: list[Problem] = []

    def error(self, source: Source, loc: Loc, message: str) -> None:
        self.errors.append(source.problem(loc, message))

    def warn(self, source: Source, loc: Loc, message: str) -> None:
        self.warnings.append(source.problem(loc, message, warning=True))


def _check_hosting(valid: ValidSite, planned: list[Surveyed], assets: dict[str, Asset],
                   checker: _Checker) -> None:
    """`hosting:` against the site's pages and files: redirect targets, loops, hidden pages
    (hosting.py)."""
    from funnelgen import hosting

    urls = hosting.step_urls_of(planned, valid.reused.values())
    found = hosting.check(valid.site, valid.site_source, urls, {name: a.output for name, a in assets.items()})
    checker.errors += found.errors
    checker.warnings += found.warnings


def _check_site_links(valid: ValidSite, planned: list[Surveyed], checker: _Checker) -> None:
    """Every site path a page links to (in `links`, `legal`, Markdown…) is a page or file this
    build writes, or a redirect's `from`: on the host, anything else is a 404. Checked across all
    funnels, reused ones too: removing a funnel breaks the links other funnels have to it."""
    from funnelgen import hosting

    site = valid.site
    urls = hosting.step_urls_of(planned, valid.reused.values())
    steps = (url for of_funnel in urls.values() for url in of_funnel.values())
    pages = sorted({*(f"/{slug}/" for slug in urls), *steps})  # in one order, whichever funnels were reused
    known = {*hosting.written_addresses(site, urls), *(hosting.key(r.from_) for r in site.hosting.redirects)}
    known -= {hosting.key("/" + name) for name in hosting.HOSTING_FILES}  # read by hosts, not served

    def leads_nowhere(to: str) -> bool:
        path = urlsplit(to).path
        return hosting.key(path) not in known and not path.startswith("/assets/")  # a file: checked as one

    @cache  # several files may link to one missing page
    def why_broken(to: str) -> str:
        guess = difflib.get_close_matches(urlsplit(to).path, pages, n=1)
        hint = f"did you mean '{guess[0]}'?" if guess else (
            f"link to one of its pages (e.g. {pages[0]}) or write the full https:// address of a page "
            "elsewhere" if pages else "write the full https:// address of a page elsewhere")
        return f"link {shown(unquote(to))} leads to no page of this site: {hint}"  # /für/, not /f%C3%BCr/

    for name in ("privacy", "terms"):
        to = getattr(site.legal, name)
        if to and is_site_path(to) and leads_nowhere(to):
            checker.error(valid.site_source, ("legal", name), why_broken(to))
    sources = {s.source.name: s.source for s in planned}
    records = {**{s.source.name: s.record for s in planned}, **valid.reused}
    texts: dict[str, str] = {}  # body files, each read once

    def problem(file: str, to: str, loc: Loc, in_file: str | None, message: str) -> Problem:
        """The problem at the line of the Markdown file, or at the key of the funnel file."""
        if in_file:
            if in_file not in texts:
                texts[in_file] = read_text(valid.root / in_file, in_file)
            return Problem(in_file, line_of(texts[in_file], to), "", message)
        source = sources.get(file) or load_yaml(valid.root / file, file)
        return source.problem(loc, message)

    first: dict[tuple[str, str], tuple[str, Loc, str | None]] = {}  # (file, link): where first written
    times: Counter[tuple[str, str]] = Counter()
    for file, record in records.items():
        for to, loc, in_file in record.links:
            if leads_nowhere(to):
                first.setdefault((in_file or file, to), (file, tuple(loc), in_file))
                times[(in_file or file, to)] += 1
    dead_in = Counter(where for where, _ in first)
    named: Counter[str] = Counter()  # problems said of each file
    for (where, to), (file, loc, in_file) in first.items():
        named[where] += 1
        if named[where] <= MAX_PROBLEMS:
            again = f" (written {times[where, to]} times)" if times[where, to] > 1 else ""
            checker.errors.append(problem(file, to, loc, in_file, why_broken(to) + again))
        elif named[where] == MAX_PROBLEMS + 1:
            rest = dead_in[where] - MAX_PROBLEMS
            checker.errors.append(problem(file, to, loc, in_file, f"and {rest:,} more links that lead to no "
                                          "page of this site from here on; fix the ones above first"))


def _check_visited_steps(valid: ValidSite, planned: list[Surveyed], checker: _Checker) -> None:
    """`visited:` in temperature rules must name a real step, as funnel/step."""
    known = sorted([*(f"{s.slug}/{step}" for s in planned for step in s.record.steps),
                    *(f"{r.slug}/{step}" for r in valid.reused.values() for step in r.steps)])

    def walk(condition: Condition, loc: Loc) -> None:
        if condition.visited is not None and condition.visited not in known:
            guess = difflib.get_close_matches(condition.visited, known, n=1)
            hint = f"did you mean '{guess[0]}'?" if guess else f"write funnel/step, e.g. '{known[0]}'"
            checker.error(valid.site_source, (*loc, "visited"), f"no step {shown(condition.visited)}: {hint}")
        for i, option in enumerate(condition.any):
            walk(option, (*loc, "any", i))

    for i, rule in enumerate(valid.site.temperature.rules or []):
        walk(rule.when, ("temperature", "rules", i, "when"))


def form_name(slug: str, step_id: str, form: Form) -> str:
    """The name a form is known by at its provider: its own, or `<funnel>-<step>`."""
    return form.name or f"{slug}-{step_id}"


def netlify_forms(planned: PlannedFunnel) -> list[tuple[int, str, bool]]:
    """A funnel's Netlify forms: (step index, form name, whether the file names it). Netlify
    files sign-ups by form name, site-wide."""
    found = []
    for i, step in enumerate(planned.funnel.steps):
        form = form_of(step)
        if form is not None and form.provider == "netlify":
            found.append((i, form_name(planned.slug, step.id, form), bool(form.name)))
    return found


def _check_netlify_targets(planned: PlannedFunnel, site: Site, checker: _Checker) -> None:
    """Netlify Forms take sign-ups only on Netlify."""
    from funnelgen import hosting

    hosts = hosting.targets(site)
    if "netlify" in hosts:
        return
    for i, _, _ in netlify_forms(planned):
        checker.warn(planned.source, ("steps", i, "form", "provider"),
                     f"Netlify Forms take sign-ups only on Netlify, and hosting.targets is "
                     f"{', '.join(hosts)}: every sign-up would be lost there; choose your email "
                     "tool's form (provider: convertkit, mailchimp, activecampaign or custom)")


def _check_form_names(valid: ValidSite, planned: list[Surveyed], checker: _Checker) -> None:
    """No two Netlify forms of the site share a name: their sign-ups would be mixed."""
    first = {name: file for file, record in valid.reused.items() for name in record.forms}
    for surveyed in planned:
        for i, name, named in surveyed.netlify:
            if name not in first:
                first[name] = f"{surveyed.source.name} steps[{i}]"
                continue
            loc: Loc = ("steps", i, "form", "name") if named else ("steps", i, "form")
            checker.error(surveyed.source, loc,
                          f"Netlify form name '{name}' is already used by {first[name]}: Netlify would mix "
                          "their sign-ups; give this form its own name (form: {name: …})")


def _check_slugs(valid: ValidSite, checker: _Checker) -> list[Surveyed]:
    """No two funnels share a slug; the funnels that keep theirs, in file order."""
    planned: list[Surveyed] = []
    seen: dict[str, tuple[Source, bool]] = {}  # by slug: the file that has it, and whether it says so
    reused = {record.slug: name for name, record in valid.reused.items()}
    for surveyed in valid.surveyed:
        slug = surveyed.slug
        if slug is None:
            continue
        mine = (surveyed.source, surveyed.explicit_slug)
        theirs = seen.get(slug) or (_reused_funnel(surveyed.source, reused[slug]) if slug in reused else None)
        if theirs is None:
            seen[slug] = mine
            planned.append(surveyed)
            continue
        # said of the same file as when every funnel is planned: the later one in file order,
        # unless only the earlier one chose the slug with slug:
        (first, first_explicit), (later, later_explicit) = sorted([theirs, mine], key=lambda f: f[0].name)
        if first_explicit and not later_explicit:
            blamed, other, explicit = first, later, True
        else:
            blamed, other, explicit = later, first, later_explicit
        fix = "choose another slug" if explicit else "rename the file or add slug: to it"
        checker.error(blamed, ("slug",) if explicit else (), f"funnel slug '{slug}' is already used by "
                      f"{other.name}; {fix}")
    return planned


def _reused_funnel(planned: Source, name: str) -> tuple[Source, bool] | None:
    """A funnel file reused from the previous build, read again to say which of two files with
    one slug is to change; None if it cannot be read (a build of every funnel says so)."""
    try:
        source = load_yaml(planned.path.parent / Path(name).name, name)
    except Abort:
        return None
    return source, isinstance(source.data, dict) and "slug" in source.data


def plan_funnel(funnel: Funnel, source: Source, context: SiteContext) -> FunnelPlan:
    """Plan one funnel file on its own: its URLs, its flow, the files it names, its pages (none
    when it has a problem), and what the checks across funnels need of it."""
    checker = _Checker()
    explicit = funnel.slug is not None
    slug = funnel.slug or Path(source.name).stem
    loc: Loc = ("slug",) if explicit else ()
    fix = "choose another slug" if explicit else "rename the file or add slug: to it"
    if not explicit and not _valid_slug(slug):
        better = slugify(slug)
        why = f" (longer than {MAX_SLUG} characters)" if len(slug) > MAX_SLUG else ""
        suffix = Path(source.name).suffix.lower()
        rename = (f"rename the file to {better}{suffix}, or add slug: {better} to it" if better else
                  "add a slug: of lowercase Latin letters, digits and '-' to it, the words its URLs show "
                  "(e.g. slug: webinar), or rename the file so")
        checker.error(source, (), f"file name '{slug}' is not a valid URL{why}: {rename}")
        return FunnelPlan(None, [], _surveyed(funnel, source, None, explicit, {}, [], [], checker))
    if slug in RESERVED_SLUGS:
        checker.error(source, loc, f"'{slug}' is reserved for the site's files; {fix}")
        return FunnelPlan(None, [], _surveyed(funnel, source, None, explicit, {}, [], [], checker))
    urls: dict[str, str] = {}
    used: dict[str, int] = {}
    for i, step in enumerate(funnel.steps):
        step_slug = step.slug or step.id
        if step.id in urls:
            j = [s.id for s in funnel.steps].index(step.id)
            checker.error(source, ("steps", i, "id"), f"step id '{step.id}' is already used by "
                          f"steps[{j}]; give each step its own id")
        elif step_slug in used:
            checker.error(source, ("steps", i, "slug" if step.slug else "id"),
                          f"URL /{slug}/{step_slug}/ is already used by steps[{used[step_slug]}]")
        used.setdefault(step_slug, i)
        urls.setdefault(step.id, f"/{slug}/{step_slug}/")
    planned = PlannedFunnel(slug, funnel, source, urls)
    _check_flow(planned, checker)
    _check_step_assets(planned, context, checker)
    _check_thousands_points(funnel, source, checker)
    _check_netlify_targets(planned, context.site, checker)
    _check_english_defaults(funnel, source, context.site, checker)
    bodies = [_body(step, i, source, context.root, context.real_root, checker)
              for i, step in enumerate(funnel.steps)]
    if context.markdown.allow_html:
        _check_removed_html(funnel, source, bodies, context.markdown, checker)
    _check_markdown_pictures(funnel, source, bodies, context.markdown, checker)
    pages = [] if checker.errors else _pages_of(planned, bodies)
    site = context.site
    if pages and site.home == slug and not site.index:  # the site root shows its entry step
        pages.append(_alias(pages[0], "/", "index.html"))
    images = {url for page in pages for _, text in markdown_of(page.step, page.body)
              for url in context.markdown.remote_images(text)}
    surveyed = _surveyed(funnel, source, planned, explicit, funnel_urls(funnel, images), pages,
                         netlify_forms(planned), checker)
    surveyed.record.links = _site_links(funnel, bodies, context.markdown)
    return FunnelPlan(planned, pages, surveyed)


_WORDS_WITH_DEFAULTS = {"video": "title", "guarantee": "title", "accept": "text", "decline": "text"}
"""Blocks of a step whose words have an English default: a site in another language writes them."""


def _check_english_defaults(funnel: Funnel, source: Source, site: Site, checker: _Checker) -> None:
    """On a site whose pages are not in English, each default in English a step would show."""
    if site.in_english:
        return
    for index, step in enumerate(funnel.steps):
        for block, key in _WORDS_WITH_DEFAULTS.items():
            value = getattr(step, block, None)
            if value is not None and key not in value.model_fields_set:
                default = type(value).model_fields[key].default
                checker.warn(source, ("steps", index, block), f"the {block}'s {key} is English, '{default}', "
                             f"on pages in '{site.language}': write {block}.{key} in their language")


def _check_thousands_points(funnel: Funnel, source: Source, checker: _Checker) -> None:
    """A price typed with a point between thousands (`amount: 2.500`, in quotes or not): read as
    2.5, the page would sell for a thousandth of the price meant. (1.299 is refused for its
    decimals.)"""
    for index, step in enumerate(funnel.steps):
        price = price_of(step)
        if price is None or price.currency in THREE_DECIMAL_CURRENCIES:  # 2.500 dinars is 2.5
            continue
        base: Loc = ("steps", index, "price")
        values = [((*base, "amount"), price.amount), ((*base, "compare_at"), price.compare_at),
                  *(((*base, "plans", i, "amount"), plan.amount) for i, plan in enumerate(price.plans))]
        for loc, value in values:
            typed = source.texts.get(loc) or str(value)  # '2.500' in quotes keeps its zeros as a Decimal
            if value is not None and THOUSANDS_POINT.fullmatch(typed):
                read = Decimal(typed).normalize()
                cents = read if price.currency in ZERO_DECIMAL_CURRENCIES else read.quantize(Decimal("0.01"))
                advice = thousands_advice(typed, f"{cents:f}")
                checker.error(source, loc, f"{typed} is read as {read:f}: {advice}")


_REMOVED_HTML_HINTS = {
    ("iframe", "video", "audio", "embed", "object", "source"): "show a video with the step's video: key",
    ("script", "noscript"): "put scripts in site.yml's tracking.head or tracking.body",
    ("style", "link"): "put styles in templates/extra.css",
    ("form", "input", "button", "select", "textarea", "label"): "the step's form: key makes the opt-in form",
    ("details", "summary"): "write questions that open with the step's faq: key",
}


def _check_removed_html(funnel: Funnel, source: Source, bodies: list[str | None],
                        markdown: MarkdownRenderer, checker: _Checker) -> None:
    """With `allow_html`, each raw HTML element the sanitiser takes out of a page, where it was
    written: it was pasted to show something, and the page would not show it."""
    for index, (step, body) in enumerate(zip(funnel.steps, bodies, strict=True)):
        for loc, text in markdown_of(step, body):
            in_body_file = loc == ("body_file",) and step.body_file
            grouped: dict[tuple[int, str], list[str]] = {}  # (line, hint) → the tags on that line
            for tag in markdown.removed_tags(text):
                hint = next((hint for tags, hint in _REMOVED_HTML_HINTS.items() if tag.lower() in tags),
                            "its text stays, without the tag")
                line = markdown.tag_line(text, tag) if in_body_file else 0
                grouped.setdefault((line, hint), []).append(tag)
            for (line, hint), tags in grouped.items():
                verb = "is" if len(tags) == 1 else "are"
                named = " and ".join(f"<{tag}>" for tag in tags)
                message = (f"{named} {verb} taken out of the page: raw HTML keeps only headings, "
                           "paragraphs, lists, links, pictures, tables and b, i, em, strong, u, s, del, "
                           f"mark, small, sub, sup, code and abbr; {hint}")
                if in_body_file:
                    checker.warnings.append(Problem(str(step.body_file), line, "", message, warning=True))
                else:
                    checker.warn(source, ("steps", index, *loc), message)


def _check_markdown_pictures(funnel: Funnel, source: Source, bodies: list[str | None],
                             markdown: MarkdownRenderer, checker: _Checker) -> None:
    """A picture in Markdown whose file is damaged is named as one in `image:` is (see
    `_check_asset`), at the line of the body file that shows it."""
    for index, (step, body) in enumerate(zip(funnel.steps, bodies, strict=True)):
        for loc, text in markdown_of(step, body):
            for ref in markdown.unsized_pictures(text):
                message = _unsized(ref)
                if loc == ("body_file",) and step.body_file:
                    line = text.count("\n", 0, max(text.find(ref), 0)) + 1
                    checker.warnings.append(Problem(str(step.body_file), line, "", message, warning=True))
                else:
                    checker.warn(source, ("steps", index, *loc), message)


def _site_links(funnel: Funnel, bodies: list[str | None], markdown: MarkdownRenderer) -> list[list[Any]]:
    """Every site path (`/funnel/step/`) a funnel's pages link to, as `FunnelRecord.links` keeps
    it. Only the key path is kept: its line is looked up if the link turns out to be broken."""
    found: list[list[Any]] = []
    for index, (step, body) in enumerate(zip(funnel.steps, bodies, strict=True)):
        found += [[to, ["steps", index, *loc], ""] for loc, to in links_of(step)
                  if is_site_path(to) and not to.startswith("/assets/")]
        for loc, text in markdown_of(step, body):
            in_file = step.body_file if loc == ("body_file",) and step.body_file else ""
            found += [[to, ["steps", index, *loc], in_file] for to in markdown.site_links(text)]
    return found


def _surveyed(funnel: Funnel, source: Source, planned: PlannedFunnel | None, explicit: bool,
              urls: dict[str, list[str]], pages: list[Page], netlify: list[tuple[int, str, bool]],
              checker: _Checker) -> Surveyed:
    slug = planned.slug if planned else ""
    sitemap = list(dict.fromkeys(page.canonical for page in pages if page.indexable))
    record = FunnelRecord(key="", slug=slug, title=funnel.title, description=funnel.description,
                          steps=[step.id for step in funnel.steps], sitemap=sitemap,
                          outputs=[page.output for page in pages], urls=urls, images=image_roles(funnel),
                          forms=[name for _, name, _ in netlify], dated=[
                              [starts.isoformat(), *source.problem(loc, message, warning=True).as_list()]
                              for index, step in enumerate(funnel.steps)
                              for starts, loc, message in _dated_warnings(step, index)])
    return Surveyed(source, planned.slug if planned else None, explicit, planned.step_urls if planned else {},
                    netlify, record, checker.errors, checker.warnings)


def funnel_urls(funnel: Funnel, markdown_images: Iterable[str]) -> dict[str, list[str]]:
    """Absolute URLs one funnel's pages load or post to, by CSP directive; ``markdown_images``:
    the pictures its Markdown shows."""
    urls: dict[str, set[str]] = {"img": set(markdown_images), "media": set(), "form": set(), "frame": set()}
    for step in funnel.steps:
        pictures = [step.image.src if step.image else None, step.video.poster if step.video else None,
                    *(t.photo for t in step.testimonials)]
        urls["img"].update(i for i in pictures if i and i.startswith("https://"))
        if step.video:
            kind, ref = video_embed(step.video.url) or ("file", step.video.url)
            if kind in VIDEO_FRAMES:
                urls["frame"].add(VIDEO_FRAMES[kind])
            elif ref.startswith("https://"):
                urls["media"].add(ref)
        form = form_of(step)
        if form is not None and form.action:
            urls["form"].add(form.action)
    return {kind: sorted(found) for kind, found in urls.items() if found}


def _valid_slug(value: str) -> bool:
    return is_step_ref(value) and len(value) <= 64


def next_step_id(funnel: Funnel, index: int) -> str | None:
    """Where a step's main call to action leads: `next`, or by default the following step.

    Upsells and downsells skip following downsells: accepting the offer moves past them.
    Thank-you pages end the funnel unless they name a `next`.
    """
    step = funnel.steps[index]
    if step.next or step.type == "thankyou":
        return step.next
    for later in funnel.steps[index + 1 :]:
        if step.type in ("upsell", "downsell") and later.type == "downsell":
            continue
        return later.id
    return None


def _targets(funnel: Funnel, index: int) -> Iterator[tuple[Loc, str]]:
    """Every step reference a step makes, with its key path."""
    step = funnel.steps[index]
    base: Loc = ("steps", index)
    nxt = next_step_id(funnel, index)
    if nxt:
        yield ((*base, "next"), nxt)
    if step.type in ("upsell", "downsell"):
        yield ((*base, "decline", "to"), step.decline.to)
    for j, link in enumerate(step.links):
        yield ((*base, "links", j, "to"), link.to)


def _check_loops(planned: PlannedFunnel, edges: dict[str, set[str]], reached: set[str],
                 checker: _Checker) -> None:
    """Refuse a funnel a visitor can go round forever: steps that only lead to each other, never
    to an end (a thank-you page, a checkout that ends the funnel, another site), and one-time
    offers whose 'no thanks' links lead back to themselves."""
    funnel, source = planned.funnel, planned.source
    ends = {s.id for s in funnel.steps if not edges[s.id] or s.type == "thankyou"}
    while True:  # every step that leads to an end, step by step back from the ends
        more = {step_id for step_id, targets in edges.items() if targets & ends} - ends
        if not more:
            break
        ends |= more
    for index, step in enumerate(funnel.steps):
        if step.id in reached and step.id not in ends:
            checker.error(source, ("steps", index, "next"), f"step '{step.id}' never leads to the end of "
                          "the funnel (a thank-you page, a checkout or another site): its steps lead back "
                          "to each other; point next: at a later step")
            break
    by_id = {s.id: (i, s) for i, s in enumerate(funnel.steps)}
    for index, step in enumerate(funnel.steps):
        chain, current = [step.id], step
        while isinstance(current, UpsellStep | DownsellStep) and current.decline.to in by_id:
            target = current.decline.to
            if target in chain:
                if target == step.id and index == min(by_id[i][0] for i in chain):  # each loop once
                    loop = " → ".join([*chain, target])
                    checker.error(source, ("steps", index, "decline", "to"),
                                  f"saying no to '{step.id}' leads back to it ({loop}): "
                                  "point decline.to at a step that does not offer it again")
                break
            chain.append(target)
            current = by_id[target][1]


def _flow_edges(funnel: Funnel) -> dict[str, set[str]]:
    """Where each step's main path leads: its `next` (for an offer, where the checkout returns)
    and an upsell's or downsell's `decline.to`; secondary `links` are left out."""
    flow: dict[str, set[str]] = {s.id: set() for s in funnel.steps}
    for index, step in enumerate(funnel.steps):
        targets = [next_step_id(funnel, index)]
        if isinstance(step, UpsellStep | DownsellStep):
            targets.append(step.decline.to)
        flow[step.id].update(t for t in targets if t in flow)
    return flow


def _path(flow: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    """The steps from ``start`` to ``goal`` along ``flow`` (a shortest path), or None."""
    came_from: dict[str, str | None] = {start: None}
    queue = [start]
    while queue:
        current = queue.pop(0)
        if current == goal:
            path: list[str] = []
            step: str | None = current
            while step is not None:
                path.append(step)
                step = came_from[step]
            return path[::-1]
        for target in sorted(flow[current] - came_from.keys()):
            came_from[target] = current
            queue.append(target)
    return None


def _depths(flow: dict[str, set[str]], entry: str) -> dict[str, int]:
    """How many steps along ``flow`` each step is from the entry at the fewest: which of two
    steps comes first in the flow."""
    depth = {entry: 0}
    queue = [entry]
    while queue:
        current = queue.pop(0)
        for target in flow[current] - depth.keys():
            depth[target] = depth[current] + 1
            queue.append(target)
    return depth


def _check_declines_back(planned: PlannedFunnel, checker: _Checker) -> None:
    """Refuse a one-time offer whose 'no thanks' leads back to a step before it in the flow:
    the offer the buyer just paid on (its checkout returns to the upsell), or earlier. A chain
    of declines that comes back to the offer is `_check_loops`'."""
    funnel, source = planned.funnel, planned.source
    by_id = {s.id: s for s in funnel.steps}
    by_url = {url: step_id for step_id, url in planned.step_urls.items()}
    if funnel.steps:
        by_url[planned.entry_url] = funnel.steps[0].id
    flow = _flow_edges(funnel)
    depth = _depths(flow, funnel.steps[0].id) if funnel.steps else {}
    for index, step in enumerate(funnel.steps):
        if not isinstance(step, UpsellStep | DownsellStep):
            continue
        to = step.decline.to
        target = to if is_step_ref(to) else by_url.get(urlsplit(to).path) if to.startswith("/") else None
        if (target is None or target not in depth or step.id not in depth or depth[target] >= depth[step.id]
                or by_id[target].type == "thankyou"):  # a thank-you page ends the offers, button or not
            continue  # not a step before it: a decline that leads on from there is not this one's
        chain, current = [step.id], by_id[target]
        while isinstance(current, UpsellStep | DownsellStep) and current.id not in chain:
            chain.append(current.id)
            current = by_id.get(current.decline.to, current)
        if current.id == step.id:  # declines that lead to each other: reported by _check_loops
            continue
        path = _path(flow, target, step.id)
        if path is None:
            continue
        ends = [s.id for s in funnel.steps if s.type == "thankyou"]
        instead = f"the thank-you step ('{ends[0]}')" if ends else "a thank-you step"
        checker.error(source, ("steps", index, "decline", "to"),
                      f"saying no to '{step.id}' leads back to '{target}', which comes before it "
                      f"({' → '.join([step.id, *path])}): point decline.to at the next offer or {instead}")


def _check_unpaid_offers(planned: PlannedFunnel, checker: _Checker) -> None:
    """Warn of an upsell or downsell a visitor can reach with no purchase before it: its page
    says the order is not complete to someone who ordered nothing."""
    funnel, source = planned.funnel, planned.source
    if not funnel.steps:
        return
    index_of = {s.id: i for i, s in enumerate(funnel.steps)}
    entry = funnel.steps[0].id
    came_from: dict[str, str | None] = {entry: None}
    queue = [entry]
    while queue:
        index = index_of[queue.pop(0)]
        step = funnel.steps[index]
        if step.type in _PAID:  # what follows an offer comes after its checkout
            continue
        targets = [next_step_id(funnel, index), *(link.to for link in step.links)]
        for target in targets:
            if target in index_of and target not in came_from:
                came_from[target] = step.id
                queue.append(target)
    for step_id, before in came_from.items():
        index = index_of[step_id]
        step = funnel.steps[index]
        if step.type not in ("upsell", "downsell"):
            continue
        where = (f"reached from '{before}' with no purchase before it" if before else
                 "the funnel's entry step, with no purchase before it")
        checker.warn(source, ("steps", index), f"{step.type} step '{step.id}' is {where}: its page tells "
                     "visitors who ordered nothing that their order is not complete; put an offer step "
                     "with a checkout before it, or make it type: offer")


def _check_flow(planned: PlannedFunnel, checker: _Checker) -> None:
    funnel, source = planned.funnel, planned.source
    ids = [s.id for s in funnel.steps]
    if len(set(ids)) < len(ids):  # reported by _plan_funnels; the flow cannot be followed
        return
    edges: dict[str, set[str]] = {i: set() for i in ids}
    broken = False
    for index, step in enumerate(funnel.steps):
        for loc, target in _targets(funnel, index):
            if not is_step_ref(target):
                continue
            if target not in edges:
                checker.error(source, loc, f"no step '{target}' in this funnel (steps: {', '.join(ids)})")
                broken = True
            elif target == step.id:
                checker.error(source, loc, f"step '{step.id}' leads to itself: "
                              "point it at another step")
                broken = True
            else:
                edges[step.id].add(target)
        if step.type in _FOLLOWS_ON and next_step_id(funnel, index) is None:
            checker.error(source, ("steps", index), f"nothing follows {step.type} step '{step.id}': "
                          "add next: <step id> or a step after it")
        if step.skip_for and step.type in _PAID:
            checker.error(source, ("steps", index, "skip_for"),
                          f"{step.type} step '{step.id}' cannot be skipped: its next step is where the "
                          "checkout returns after payment; use skip_for on the steps before it")
        elif step.skip_for and next_step_id(funnel, index) is None:
            checker.error(source, ("steps", index, "skip_for"),
                          f"step '{step.id}' has no next step to send skipped visitors to")
        for temperature in step.skip_for if step.type not in _PAID else ():
            if temperature in step.by_temperature:
                checker.warn(source, ("steps", index, "by_temperature", temperature),
                             f"{temperature} visitors skip step '{step.id}' (skip_for), so its {temperature} "
                             f"copy is never seen: remove it, or remove {temperature} from skip_for")
        if step.cta and step.type in ("upsell", "downsell"):
            checker.error(source, ("steps", index, "cta"), f"{step.type} step '{step.id}' shows no cta: its "
                          "button is accept.text; move the text there")
        elif step.cta and step.type == "thankyou" and next_step_id(funnel, index) is None:
            checker.error(source, ("steps", index, "cta"), f"thank-you step '{step.id}' has no next step for "
                          "its cta button to lead to: add next: <step id>, or remove cta")
    reached = {ids[0]}
    queue = [ids[0]]
    while queue:
        for target in edges[queue.pop()] - reached:
            reached.add(target)
            queue.append(target)
    for index, step in enumerate(funnel.steps):
        if step.id not in reached and not broken:  # a broken link above is the likely cause
            checker.error(source, ("steps", index, "id"), f"step '{step.id}' cannot be reached from "
                          f"the entry step '{ids[0]}': point a next:, decline.to or links[].to at it")
    if not broken:
        _check_loops(planned, edges, reached, checker)
        _check_declines_back(planned, checker)
        _check_unpaid_offers(planned, checker)
    for index, step in enumerate(funnel.steps):
        if step.type == "offer" and not step.testimonials:
            checker.warn(source, ("steps", index), "offer has no testimonials: add testimonials: "
                         "with a customer's quote and name")
        if step.image and step.image.alt is None:
            checker.warn(source, ("steps", index, "image", "alt"),
                         'image has no alt text: describe it, or write alt: "" if it is decorative')
        _check_dates(step, index, source, checker)


def _check_dates(step: Step, index: int, source: Source, checker: _Checker) -> None:
    """Warn of a webinar or deadline in the past: the page still builds, but promises what is over."""
    moment = incremental.now()
    for starts, loc, message in _dated_warnings(step, index):
        if starts < moment:
            checker.warn(source, loc, message)


def _dated_warnings(step: Step, index: int) -> Iterator[tuple[datetime, Loc, str]]:
    """The warnings a step earns once a date has gone by, each with that date."""
    webinar = step.webinar if isinstance(step, WebinarStep) else None
    if webinar:
        yield (webinar.start(), ("steps", index, "webinar", "starts"),
               f"{webinar.starts:%Y-%m-%d %H:%M} ({webinar.timezone}) is past: the page invites visitors "
               "to a webinar that has started; write its next date")
    until = step.deadline.until if step.deadline else None
    if until:
        yield (until, ("steps", index, "deadline", "until"),
               f"{until.isoformat()} is past: the page announces a deadline that is over; write a later "
               "date, or remove the deadline")


def _referenced_assets(planned: PlannedFunnel) -> Iterator[tuple[Loc, str]]:
    for i, step in enumerate(planned.funnel.steps):
        base: Loc = ("steps", i)
        if step.image:
            yield ((*base, "image", "src"), step.image.src)
        if step.video:
            yield ((*base, "video", "url"), step.video.url)
            if step.video.poster:
                yield ((*base, "video", "poster"), step.video.poster)
            if step.video.captions:
                yield ((*base, "video", "captions"), step.video.captions)
        if step.seo.image:
            yield ((*base, "seo", "image"), step.seo.image)
        for j, testimonial in enumerate(step.testimonials):
            if testimonial.photo:
                yield ((*base, "testimonials", j, "photo"), testimonial.photo)
        for j, link in enumerate(step.links):
            if link.to.startswith("/assets/"):  # a download: linked to its published name
                yield ((*base, "links", j, "to"), link.to[1:])


_PICTURE_KEYS = ("image", "poster", "photo", "logo", "src")
"""Keys whose file a page shows as a picture (`steps[0].image.src`, `brand.logo`, …); the
favicon is one too, and may also be an ICO file."""


def _check_step_assets(planned: PlannedFunnel, context: SiteContext, checker: _Checker) -> None:
    for loc, ref in _referenced_assets(planned):
        _check_asset(ref, loc, planned.source, context, checker)


def _check_site_assets(valid: ValidSite, context: SiteContext, checker: _Checker) -> None:
    site = valid.site
    refs: list[tuple[Loc, str | None]] = [
        (("brand", "logo"), site.brand.logo),
        (("seo", "image"), site.seo.image),
        (("seo", "favicon"), site.seo.favicon),
    ]
    for key, link in (("privacy", site.legal.privacy), ("terms", site.legal.terms)):
        if link and link.startswith("/assets/"):  # a PDF: linked to its published name
            refs.append((("legal", key), link[1:]))
    for loc, ref in refs:
        if ref:
            _check_asset(ref, loc, valid.site_source, context, checker)


def _check_asset(ref: str, loc: Loc, source: Source, context: SiteContext, checker: _Checker) -> None:
    assets = context.assets
    if ref.startswith("assets/") and ref not in assets:
        hint = _not_published(context.root, ref) or _near_file(ref, sorted(assets))
        checker.error(source, loc, f"no file '{ref}' in the site folder{hint}")
    elif ref in assets and loc[-1] == "captions" and not _is_webvtt(assets[ref].source):
        checker.error(source, loc, f"{shown(ref)} is not a WebVTT file: its first line must be WEBVTT "
                      "(browsers show no captions from anything else); export the captions as WebVTT (.vtt)")
    elif ref in assets and (why := _not_a_picture(assets[ref], loc)):
        checker.error(source, loc, f"{shown(ref)} {why}: export it as JPEG, PNG or WebP and name that "
                      "file here")
    elif ref in assets and assets[ref].width is None and Path(ref).suffix.lower() in images.RASTER:
        checker.warn(source, loc, _unsized(ref))


def _not_published(root: Path, ref: str) -> str:
    """Why a file of assets/ that is there is not published: a folder on its way is a link, or a
    name on it is one funnelgen passes over; '' if it is not there."""
    parts = ref.split("/")
    for depth in range(2, len(parts)):
        folder = "/".join(parts[:depth])
        if (root / folder).is_symlink() and (root / folder).is_dir():
            return (f": {folder} is a link to a folder, which is not followed: copy the folder into assets/ "
                    "instead")
    passed_over = next((part for part in parts[1:] if incremental.ignored(part)), None)
    if passed_over and (root / ref).is_file():
        return (f": '{passed_over}' is named like a hidden file or an editor's backup, which funnelgen never "
                "publishes: rename it")
    return ""


def _unsized(ref: str) -> str:
    return (f"cannot read the size of '{ref}' (is the file complete?): it is shown without width and "
            "height, so the page shifts as it loads")


def _is_webvtt(path: Path) -> bool:
    """Whether the file starts as the WebVTT standard says (a byte-order mark may come first)."""
    try:
        with open(path, "rb") as file:
            start = file.read(10).removeprefix(b"\xef\xbb\xbf")
    except OSError:
        return False
    return start.startswith(b"WEBVTT") and start[6:7] in (b"", b" ", b"\t", b"\n", b"\r")


def _not_a_picture(asset: Asset, loc: Loc) -> str | None:
    """Why a page cannot show this file where ``loc`` names a picture; None when it can, or
    when ``loc`` is no picture's key (a download, a video). A file named as a picture whose
    bytes are unknown may be one cut short: `_check_asset` warns that its size is unknown."""
    if loc[-1] not in (*_PICTURE_KEYS, "favicon") or (asset.kind == "ICO" and loc[-1] == "favicon"):
        return None
    return images.why_not_shown(asset.kind, asset.source.name)


def _check_templates(root: Path, checker: _Checker) -> None:
    """The site's template overrides are read from templates/: none may lead outside the site
    (a link to /proc/self/environ would publish the build's secrets)."""
    folder = root / "templates"
    if not folder.is_dir():
        return
    real_root = root.resolve()
    found = [path for path in sorted(folder.rglob("*"))
             if not any(map(incremental.left_behind, path.relative_to(folder).parts))]
    for path in [folder, *found]:  # rglob does not enter linked folders: check them
        if path.exists() and not path.is_dir() and not path.is_file():
            checker.errors.append(Problem(path.relative_to(root).as_posix(), 0, "", "is not a plain "
                                          "file (a pipe or a device); remove it from templates/"))
        elif (real := real_path(path)) is None:
            checker.errors.append(Problem(path.relative_to(root).as_posix(), 0, "", LOOP))
        elif not real.is_relative_to(real_root):
            checker.errors.append(Problem(path.relative_to(root).as_posix(), 0, "",
                                          "links to a file outside the site folder; copy the "
                                          "template into templates/ instead"))
            if path == folder:
                return


def plan_assets(root: Path) -> tuple[dict[str, Asset], list[Problem]]:
    """Every file under assets/, fingerprinted, and the problems of those that cannot be published
    (warnings among them)."""
    checker = _Checker()
    return _plan_assets(root, checker), checker.errors + checker.warnings


def _plan_assets(root: Path, checker: _Checker) -> dict[str, Asset]:
    """Fingerprint every file under assets/, refusing links that lead outside the site and names
    too long to publish."""
    assets: dict[str, Asset] = {}
    real_root = root.resolve()
    folder = root / "assets"
    if folder.is_symlink() and folder.is_dir() and not folder.resolve().is_relative_to(real_root):
        checker.errors.append(Problem("assets", 0, "", "links to a folder outside the site folder; make "
                                      "assets/ a folder of the site, with the files copied in"))
        return assets
    for path in _asset_files(root, checker):
        name = path.relative_to(root).as_posix()
        if not _utf8(name):
            shown = name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            checker.errors.append(Problem(shown, 0, "", "its name is not UTF-8 (an old tool or a zip file "
                                          "named it): rename it, typing the name again"))
            continue
        real = real_path(path)
        if real is None or not real.is_relative_to(real_root):
            outside = "links to a file outside the site folder; copy the file into assets/ instead"
            checker.errors.append(Problem(name, 0, "", LOOP if real is None else outside))
            continue
        if path.is_symlink() and not path.exists():
            checker.errors.append(Problem(name, 0, "", broken_link(path)))
            continue
        if not path.is_file():  # a named pipe or a device: reading it could wait for ever
            checker.errors.append(Problem(name, 0, "", "is not a plain file (a pipe or a device); "
                                          "remove it from assets/"))
            continue
        if (longest := _longest_published_name(path)) > MAX_NAME:
            checker.errors.append(Problem(name, 0, "", _too_long(path, longest)))
            continue
        try:
            data = path.read_bytes()
        except OSError as exc:
            checker.errors.append(Problem(name, 0, "", f"cannot read file: {exc.strerror}"))
            continue
        if script := images.script_in(name, data):
            checker.errors.append(Problem(name, script[0], "", script[1]))
            continue
        assets[name] = _asset(path, data, path.parent.relative_to(root).as_posix())
    return assets


MAX_NAME = 255
"""The longest file name, in bytes, of the file systems a site is built on and served from."""


def _asset_files(root: Path, checker: _Checker) -> list[Path]:
    """The files of assets/ to publish, in name order (`incremental.asset_entries`). A link to a
    folder is not followed (it may lead anywhere, the output folder too): a warning says so."""
    def unreadable(exc: OSError) -> None:
        name = Path(exc.filename).relative_to(root).as_posix()
        checker.errors.append(Problem(name, 0, "", f"cannot read folder: {exc.strerror}"))

    found: list[Path] = []
    for path in incremental.asset_entries(root, unreadable):
        if path.is_symlink() and path.is_dir():
            message = ("is a link to a folder, which is not followed, so nothing in it is published: "
                       "copy the folder into assets/ instead (a link to a file is followed)")
            checker.warnings.append(Problem(path.relative_to(root).as_posix(), 0, "", message, warning=True))
        else:
            found.append(path)
    return sorted(found)


def _utf8(name: str) -> bool:
    """Whether a file name read from the disk is UTF-8 (Python keeps other bytes as surrogates)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _too_long(path: Path, longest: int) -> str:
    shortest = MAX_NAME - longest + len(os.fsencode(path.name))
    return (f"name too long to publish: with the fingerprint funnelgen adds it is {longest} bytes, and a "
            f"file name can have at most {MAX_NAME}; rename it to at most {shortest} bytes")


def _longest_published_name(path: Path) -> int:
    """The length in bytes of the longest name a file of assets/ is published under: its own with
    a fingerprint, or, for a picture made in several widths, that of its smaller or WebP versions."""
    fingerprint = len(".0123456789")
    longest = len(os.fsencode(path.name)) + fingerprint  # as the disk counts it
    if path.suffix.lower() in images.RESPONSIVE:
        widest = len("-99999w") + fingerprint + max(len(path.suffix), len(".webp"))  # a WebP version
        longest = len(os.fsencode(path.stem)) + widest
    return longest


def static_assets(files: Mapping[str, Path]) -> dict[str, Asset]:
    """A theme's `static/` files (ThemeChain.static_files) as assets: `static/<path>` in
    templates (`page.asset("static/icons/check.svg")`), `assets/theme/<path>` fingerprinted
    in the output."""
    assets = {}
    for name, path in files.items():
        folder = posixpath.dirname(f"assets/theme/{name}")
        if (longest := _longest_published_name(path)) > MAX_NAME:
            raise Abort([Problem(str(path), 0, "", _too_long(path, longest))])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise Abort([Problem(str(path), 0, "", f"cannot read file: {exc.strerror}")]) from None
        if script := images.script_in(name, data):
            raise Abort([Problem(str(path), script[0], "", script[1])])
        assets[f"static/{name}"] = _asset(path, data, folder)
    return assets


def _asset(path: Path, data: bytes, folder: str) -> Asset:
    """A file as it is published: in ``folder`` under a name with a content fingerprint."""
    digest = hashlib.sha256(data).hexdigest()[:10]
    suffix = path.suffix.lower()
    width, height = images.size_of(data, suffix)
    return Asset(path, f"{folder}/{path.stem}.{digest}{suffix}", width, height, digest,
                 images.is_responsive(data, suffix), images.kind_of(data))


def image_roles(funnel: Funnel) -> dict[str, list[str]]:
    """Where a funnel's pages show each of its local pictures: `assets/…` → roles (images.ROLES)."""
    roles: dict[str, set[str]] = {}
    for step in funnel.steps:
        embed = video_embed(step.video.url) if step.video else None
        poster = "content" if embed is not None and embed[0] != "file" else "poster"  # a <video>'s: one
        places = [(step.image.src if step.image else None, "content"),
                 (step.video.poster if step.video else None, poster),
                 *((t.photo, "photo") for t in step.testimonials)]
        for ref, role in places:
            if ref and ref.startswith("assets/"):
                roles.setdefault(ref, set()).add(role)
    return {ref: sorted(found) for ref, found in sorted(roles.items())}


def _shown_assets(valid: ValidSite, assets: dict[str, Asset]) -> dict[str, Asset]:
    """The assets with the versions of every picture the pages show, reused funnels' included."""
    roles: dict[str, set[str]] = {}
    if valid.site.brand.logo:
        roles.setdefault(valid.site.brand.logo, set()).add("logo")
    records = [*(s.record for s in valid.surveyed), *valid.reused.values()]
    for uses in (record.images for record in records):
        for ref, names in uses.items():
            roles.setdefault(ref, set()).update(names)
    return {name: asset.shown_as(roles[name]) if name in roles else asset for name, asset in assets.items()}


def _pages_of(planned: PlannedFunnel, bodies: list[str | None]) -> list[Page]:
    """A funnel's pages; ``bodies``: each step's Markdown body, read from its body file."""
    funnel = planned.funnel
    pages = []
    for index, step in enumerate(funnel.steps):
        url = planned.step_urls[step.id]
        next_id = next_step_id(funnel, index)
        page = Page(
            planned=planned,
            index=index,
            step=step,
            url=url,
            output=url.strip("/") + "/index.html",
            canonical=planned.entry_url if index == 0 else url,
            indexable=not _noindex(step),
            next_url=planned.step_urls[next_id] if next_id else None,
            body=bodies[index],
        )
        pages.append(page)
        if index == 0:
            pages.append(_alias(page, planned.entry_url, f"{planned.slug}/index.html"))
    return pages


def _alias(page: Page, url: str, output: str) -> Page:
    """The same page written at a second address (the funnel's own URL, or the site root)."""
    return Page(page.planned, page.index, page.step, url, output, page.canonical,
                page.indexable, page.next_url, page.body)


def _noindex(step: Step) -> bool:
    if step.seo.noindex is not None:
        return step.seo.noindex
    return step.type in NOINDEX_TYPES


def _near_body_file(root: Path, written: str) -> str:
    """'; did you mean …?' for a body file that is not there (see `_near_file`)."""
    files = [p.relative_to(root).as_posix() for p in sorted((root / "content").rglob("*"))
             if p.suffix.lower() == ".md" and p.is_file()]
    return _near_file(written, files, "body_file")


def _near_file(written: str, files: list[str], key: str | None = None) -> str:
    """What to say of a file of the site named as no file is: the one whose name differs only in
    case or in how its accents are stored (a Mac may store 'ü' as 'u' and '¨', which Linux tells
    apart), else one with the same name in another folder, or a name close to it."""
    same = [f for f in files if _folded(f) == _folded(written)]
    if same and unicodedata.normalize("NFC", same[0]) == unicodedata.normalize("NFC", written):
        return (f": the file there stores its accents another way (as some Mac tools save names), which "
                f"Linux servers tell apart; rename it by typing its name again: {same[0].rsplit('/', 1)[-1]}")
    suffix = posixpath.splitext(written)[1]
    if same:
        if key is None:
            fix = f"write '{same[0]}', or rename the file"
        elif same[0].endswith(suffix):  # content/Story.md; not content/story.MD, which is refused
            fix = f"write {key}: {same[0]}, or rename the file"
        else:
            fix = f"rename the file to {written.rsplit('/', 1)[-1]}"
        return f"; the file there is '{same[0]}', and Linux servers tell a name's capitals apart: {fix}"
    base = posixpath.basename(written).lower()
    near = [f for f in files if posixpath.basename(f).lower() == base]
    if not near and key is not None:  # a body file's name, with a slip in it
        near = difflib.get_close_matches(written, [f for f in files if f.endswith(suffix)], n=1)
    return f"; did you mean '{near[0]}'?" if near else ""


def _folded(name: str) -> str:
    return unicodedata.normalize("NFC", name).casefold()


def _body(step: Step, index: int, source: Source, root: Path, real_root: Path,
          checker: _Checker) -> str | None:
    if step.body_file is None:
        return step.body
    path = root / step.body_file
    loc: Loc = ("steps", index, "body_file")
    if path.is_dir():
        checker.error(source, loc, f"'{step.body_file}' is a folder; name a Markdown file in it")
        return None
    if not path.is_file():
        hint = _near_body_file(root, step.body_file)
        checker.error(source, loc, f"no file '{step.body_file}' in the site folder{hint}")
        return None
    real = real_path(path)
    if real is None or not real.is_relative_to(real_root):
        checker.error(source, loc, f"'{step.body_file}' " + (LOOP if real is None else "links to a file "
                                                             "outside the site folder"))
        return None
    try:
        text = read_text(path, step.body_file)
    except Abort as exc:
        checker.errors += exc.problems
        return None
    if not text.strip():
        checker.warn(source, loc, f"'{step.body_file}' is empty, so the page shows no body: write it, or "
                     "remove body_file")
    return text
