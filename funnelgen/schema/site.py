"""`site.yml`: brand, theme, SEO, legal links, tracking, temperature rules and hosting."""

from __future__ import annotations

import re
import string
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import Field, WithJsonSchema, field_validator, model_validator

from funnelgen.schema.types import (
    AssetPath,
    BaseUrl,
    Color,
    Endpoint,
    FontStack,
    HttpsUrl,
    ImageSrc,
    Language,
    Link,
    Model,
    Slug,
    Temperature,
    Text,
    shown,
)


class Colors(Model):
    """Brand colours (hex). Unset colours come from the theme."""

    primary: Color | None = None
    """Buttons and links."""
    accent: Color | None = None
    """Highlights, badges."""
    text: Color | None = None
    """Body text."""
    background: Color | None = None
    """The page's background."""


class Brand(Model):
    """How the pages look like yours."""

    logo: ImageSrc | None = None
    """Logo shown at the top of every page (SVG or PNG, about 40 px high)."""
    logo_alt: str | None = None
    """Text read instead of the logo; default the site name."""
    colors: Colors = Colors()
    """Brand colours in hex (primary, accent, text, background); unset ones are the theme's."""
    font: FontStack = "sans"
    """'sans', 'serif', 'rounded', 'mono', or installed font names ('Georgia, serif')."""


class SiteSeo(Model):
    """Defaults for search results and link previews."""

    title: str = "{page} | {site}"
    """Title pattern; {page}, {funnel} and {site} are replaced."""
    description: str | None = None
    """Default page description for search results and link previews."""
    image: ImageSrc | None = None
    """Default share picture (1200×630)."""
    favicon: AssetPath | None = None
    """Browser tab icon (SVG or PNG)."""

    @field_validator("title")
    @classmethod
    def _known_placeholders(cls, value: str) -> str:
        try:  # the pattern is filled in with str.format, which reads '{{' as a brace
            fields = list(string.Formatter().parse(value))
        except ValueError:
            raise ValueError("a '{' or '}' is not part of {page}, {funnel} or {site}; "
                             "remove it or write it twice ({{ or }})") from None
        for _, name, spec, conversion in fields:
            if name is not None and name not in ("page", "funnel", "site"):
                raise ValueError(f"unknown placeholder {{{name}}}: use {{page}}, {{funnel}} or {{site}}")
            if name is not None and (spec or conversion):  # '{page:>9}' pads, '{page!r}' quotes
                raise ValueError(f"{{{name}}} has ':' or '!' after it: write {{{name}}} alone")
        return value


class Legal(Model):
    """Links and text in every page footer."""

    privacy: Link | None = None
    """Privacy policy URL."""
    terms: Link | None = None
    """Terms of service URL."""
    company: str | None = None
    """Company name and address."""
    disclaimer: str | None = None
    """e.g. an earnings disclaimer."""


def _written_alone(key: str, field: str, value: Any) -> Any:
    """`ga4: G-ABC123XYZ` (a value where its settings go): say how to write it."""
    if isinstance(value, str | int | float) and not isinstance(value, bool) and str(value).strip():
        raise ValueError(f"write the {field.replace('_', ' ')} as a setting: {key}: {{{field}: {value}}}")
    return value


class Ga4(Model):
    @model_validator(mode="before")
    @classmethod
    def _alone(cls, value: Any) -> Any:
        return _written_alone("ga4", "measurement_id", value)

    measurement_id: str = Field(pattern=r"^G-[A-Z0-9]{4,16}$")
    """e.g. G-ABC123XYZ."""


class MetaPixel(Model):
    @model_validator(mode="before")
    @classmethod
    def _alone(cls, value: Any) -> Any:
        return _written_alone("meta_pixel", "pixel_id", value)

    @field_validator("pixel_id", mode="before")
    @classmethod
    def _digits(cls, value: Any) -> Any:
        """The id as YAML reads it unquoted (a number) is the same id."""
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else value

    pixel_id: Annotated[str, WithJsonSchema({"type": ["string", "integer"], "pattern": "^[0-9]{6,20}$"})] = (
        Field(pattern=r"^[0-9]{6,20}$"))
    """The Meta (Facebook) pixel's id: its digits, quoted or not."""


class Plausible(Model):
    @model_validator(mode="before")
    @classmethod
    def _alone(cls, value: Any) -> Any:
        return _written_alone("plausible", "domain", value)

    domain: str = Field(pattern=r"^[a-z0-9.-]+$")
    """The site's domain as registered in Plausible."""
    api_host: HttpsUrl = "https://plausible.io"
    """Self-hosted Plausible address."""


class Beacon(Model):
    @model_validator(mode="before")
    @classmethod
    def _alone(cls, value: Any) -> Any:
        return _written_alone("beacon", "url", value)

    url: Endpoint
    """Where each event is POSTed as JSON: an https URL, or a site path (inside base_url's folder)."""


class Tracking(Model):
    """Analytics that receive funnel events. `window.dataLayer` always receives them."""

    ga4: Ga4 | None = None
    """Google Analytics 4: its measurement id."""
    meta_pixel: MetaPixel | None = None
    """Meta (Facebook) Pixel: its id."""
    plausible: Plausible | None = None
    """Plausible: the site's domain there (and api_host when self-hosted)."""
    beacon: Beacon | None = None
    """Your own endpoint: each event POSTed to its URL as JSON."""
    head: str | None = None
    """Raw HTML added to <head> of every page (you vouch for it)."""
    body: str | None = None
    """Raw HTML added at the end of <body> of every page (you vouch for it)."""


UtmValue = str | list[str]
REFERRER_GROUP_NAMES = ("search", "social", "direct")
_REFERRER = re.compile(r"[a-z0-9_.*-]*", re.I)


def _check_referrer(value: str) -> None:
    """Refuse a referrer pattern that could never match a host, saying what to write instead."""
    if value.lower() in REFERRER_GROUP_NAMES or _REFERRER.fullmatch(value):
        return
    host = urlsplit(value if "//" in value else "//" + value).hostname
    if ("/" in value or ":" in value) and host and _REFERRER.fullmatch(host):
        raise ValueError(f"{shown(value)} is an address: a referrer is matched by its host alone, "
                         f"write {shown(host)}")
    if re.search(r"[,;\s]", value.strip()):
        names = [n for n in re.split(r"[,;\s]+", value.strip()) if n]
        raise ValueError(f"{shown(value)} is several names in one text: write them as a list, "
                         f"[{', '.join(names)}]")
    try:  # an international name reaches the page in its xn-- form
        ascii_name = value.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_name = ""
    if ascii_name and _REFERRER.fullmatch(ascii_name):
        raise ValueError(f"{shown(value)} reaches the page as {shown(ascii_name)}: write that")
    raise ValueError(f"{shown(value)} is not a host: write a host such as facebook.com, a glob such as "
                     "'*.partner.example', or search, social or direct")


class Condition(Model):
    """What must be true of a visitor; all keys given must match (AND), and at least one is given."""

    utm_source: UtmValue | None = None
    """Value, list of values, or glob such as 'fb*'."""
    utm_medium: UtmValue | None = None
    """Value, list of values, or glob such as 'cp*'."""
    utm_campaign: UtmValue | None = None
    """Value, list of values, or glob."""
    utm_content: UtmValue | None = None
    """Value, list of values, or glob."""
    utm_term: UtmValue | None = None
    """Value, list of values, or glob."""
    referrer: UtmValue | None = None
    """Referrer hosts or globs (a host stands for its subdomains too: facebook.com matches
    m.facebook.com); 'search' and 'social' name common engines and networks."""
    param: dict[str, UtmValue] = {}
    """Any query parameter: name → value(s)."""
    returning: bool | None = None
    """Has been on this site before."""
    visited: str | None = None
    """Has seen this step before, written 'funnel/step'."""
    opted_in: bool | None = None
    """Has sent an opt-in form on this site."""
    clicked_checkout: bool | None = None
    """Has clicked a checkout link (or accepted a one-time offer) on this site."""
    any: list[Condition] = []
    """At least one of these must match (OR)."""

    @field_validator("utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "referrer", "any")
    @classmethod
    def _some(cls, value: UtmValue | list[Condition] | None) -> UtmValue | list[Condition] | None:
        if value == []:
            raise ValueError("an empty list matches no visitor: list values in it, or remove the key")
        return value

    @field_validator("referrer")
    @classmethod
    def _hosts(cls, value: UtmValue | None) -> UtmValue | None:
        """A referrer is matched by its host: a URL, a path or two hosts in one text never match."""
        for item in [value] if isinstance(value, str) else value or []:
            _check_referrer(item)
        return value

    @field_validator("visited")
    @classmethod
    def _step_ref(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^/\s]+/[^/\s]+", value):
            raise ValueError(f"{shown(value)} is not a step: write it as funnel/step, e.g. webinar/register")
        return value

    @field_validator("param")
    @classmethod
    def _some_each(cls, value: dict[str, UtmValue]) -> dict[str, UtmValue]:
        if not value:
            raise ValueError("names no parameter, so it checks nothing: write a parameter and its values, "
                             "e.g. param: {ref: vip}, or remove the key")
        for name, values in value.items():
            if values == []:
                raise ValueError(f"{name}: an empty list matches no visitor: list values in it, or remove it")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> Condition:
        if not self.model_dump(exclude_defaults=True):
            raise ValueError("an empty condition matches every visitor: give it a key such as "
                             "utm_source: newsletter (to give everyone a temperature, set default: instead)")
        return self


class Rule(Model):
    """If the visitor matches `when`, they get `temperature`."""

    name: str | None = None
    """A name for yourself, to tell the rules apart."""
    temperature: Temperature
    """cold, warm or hot."""
    when: Condition
    """What must be true of the visitor."""
    lower: bool = False
    """Allow this rule to lower a temperature reached earlier in the visit."""


class TemperatureRules(Model):
    """How visitors are classified cold, warm or hot. First matching rule wins."""

    default: Temperature = "cold"
    """The temperature of a visitor no rule matches."""
    rules: list[Rule] | None = None
    """Ordered rules; leave out to use the built-in rules. `[]`: no rules, every visitor gets
    `default` (or what `?temp=` says)."""


class Consent(Model):
    """Whether analytics wait for the visitor's consent."""

    @model_validator(mode="before")
    @classmethod
    def _alone(cls, value: Any) -> Any:
        return _written_alone("consent", "mode", value)

    mode: Literal["none", "banner"] = "none"
    """`banner`: nothing loads or is sent until the visitor accepts."""
    text: Text = "We use cookies to measure how this page performs."
    """What the banner says."""
    accept: Text = "Accept"
    """The accept button's words."""
    decline: Text = "Decline"
    """The decline button's words."""


HostingTarget = Literal["netlify", "cloudflare", "vercel", "github-pages", "s3"]
_DOMAIN = r"^[a-z0-9.-]+\.[a-z]{2,}$"
_STEP_REF = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)?$")
_REDIRECT_TARGETS = ("a funnel (webinar), a step (webinar/register), a site path (/webinar/) "
                     "or an https:// URL")


class Utm(Model):
    """UTM parameters added to the address a redirect sends visitors to."""

    source: str | None = None
    """utm_source, e.g. newsletter."""
    medium: str | None = None
    """utm_medium, e.g. email."""
    campaign: str | None = None
    """utm_campaign, e.g. spring-launch."""
    term: str | None = None
    """utm_term, e.g. bookkeeping."""
    content: str | None = None
    """utm_content, e.g. header-link."""


class Redirect(Model):
    """A short link or old address that sends visitors elsewhere."""

    from_: str = Field(alias="from", pattern=r"^/[A-Za-z0-9/_.-]*$")
    """Site path that redirects, e.g. /go/webinar (a short link) or an old page's address."""
    to: str
    """Where to: a funnel (webinar), a step (webinar/register), a site path (/webinar/), or an
    https:// URL whose host is listed in redirect_hosts."""
    status: Literal[301, 302] = 302
    """301: moved for good (old addresses); 302: temporary (short links, campaigns)."""
    utm: Utm = Utm()
    """UTM parameters added to the target's query, e.g. {source: newsletter, medium: email}."""

    @field_validator("from_")
    @classmethod
    def _plain_path(cls, value: str) -> str:
        parts = value.split("/")[1:]
        if any(p == "" for p in parts[:-1]):
            raise ValueError(f"'{value}' has an empty segment ('//'); write each '/' once")
        if any(p in (".", "..") or p.startswith(".") for p in parts):
            raise ValueError(f"'{value}' has a segment starting with '.'; write a plain path such "
                             "as /go/webinar")
        return value

    @field_validator("to")
    @classmethod
    def _known_target(cls, value: str) -> str:
        if _STEP_REF.fullmatch(value):
            return value
        if re.search(r"[\x00-\x20\x7f-\x9f\\]", value):
            raise ValueError(f"{shown(value)} contains spaces, backslashes or invisible characters; "
                             "remove them")
        if value.startswith("/") and not value.startswith("//"):
            return value
        parts = urlsplit(value)
        if parts.scheme.lower() == "http" and parts.netloc:
            raise ValueError(f"{shown(value)} is not secure: write {shown('https' + value[4:])} instead")
        if parts.scheme.lower() == "https" and parts.netloc:
            if "@" in parts.netloc:
                raise ValueError(f"{shown(value)} has a user name before '@'; remove it")
            return value
        raise ValueError(f"{shown(value)} is not a redirect target: write {_REDIRECT_TARGETS}")


class Hosting(Model):
    """Where the site is deployed; the build writes each host's files."""

    targets: list[HostingTarget] = []
    """Hosts to write files for; none listed: netlify and cloudflare (_headers, _redirects)."""
    cname: str | None = Field(default=None, pattern=_DOMAIN)
    """Custom domain for GitHub Pages, written to CNAME (needs github-pages in targets)."""
    redirect_hosts: list[Annotated[str, Field(pattern=_DOMAIN)]] = []
    """Hosts that redirects may send visitors to, e.g. buy.stripe.com; any other is refused."""
    redirects: list[Redirect] = []
    """Short links and old addresses, checked and written for every target."""

    @field_validator("targets")
    @classmethod
    def _each_once(cls, value: list[str]) -> list[str]:
        for target in value:
            if value.count(target) > 1:
                raise ValueError(f"'{target}' is listed twice; list each host once")
        return value


class MarkdownOptions(Model):
    allow_html: bool = False
    """Let raw HTML in Markdown through (sanitised). Off: it is shown as text."""


# Languages written right to left, by primary subtag (iw and ji: the old codes of he and yi).
RTL_LANGUAGES = frozenset({
    "ar", "arc", "azb", "bal", "ckb", "dv", "fa", "he", "iw", "ji", "ks", "lrc", "mzn", "nqo", "pnb",
    "prs", "ps", "rhg", "sd", "syr", "ug", "ur", "yi",
})


# Scripts written right to left (ISO 15924), for a tag that names its script: Arabic, Hebrew,
# Syriac, Thaana, N'Ko, Adlam, Hanifi Rohingya, Mandaic, Samaritan, Mende Kikakui, Yezidi…
RTL_SCRIPTS = frozenset({
    "Adlm", "Arab", "Aran", "Armi", "Avst", "Cprt", "Hebr", "Khar", "Mand", "Mend", "Nbat", "Nkoo",
    "Orkh", "Palm", "Phli", "Phnx", "Rohg", "Samr", "Sarb", "Sogd", "Syrc", "Thaa", "Yezi",
})


class Site(Model):
    """The site: one per folder."""

    name: Text
    """Brand or business name."""
    base_url: BaseUrl
    """Where the site will live, e.g. https://example.com/ (used for canonical links)."""
    language: Language = "en"
    """Language of the pages (en, de, pt-BR, …), in any case: EN is en."""
    theme: str = "clean"
    """A built-in theme name or a folder path (relative to the site)."""
    theme_options: dict[str, Any] = {}
    """Options the theme offers (`funnelgen themes` lists them)."""
    brand: Brand = Brand()
    """Logo, colours and font."""
    seo: SiteSeo = SiteSeo()
    """Search and sharing defaults."""
    legal: Legal = Legal()
    """Footer links and text."""
    index: bool = False
    """Write an index page listing the funnels at the site root."""
    home: Slug | None = None
    """Funnel whose entry page is shown at the site root (instead of an index)."""
    markdown: MarkdownOptions = MarkdownOptions()
    """How Markdown (CommonMark, with GitHub's tables and ~~strikethrough~~) is turned into HTML."""
    tracking: Tracking = Tracking()
    """Analytics that receive funnel events."""
    temperature: TemperatureRules = TemperatureRules()
    """How visitors are classified cold, warm or hot."""
    consent: Consent = Consent()
    """Whether analytics wait for consent."""
    hosting: Hosting = Hosting()
    """Static hosts to write configuration for."""

    @property
    def direction(self) -> Literal["rtl", "ltr"]:
        """Which way the pages' language is written: by its script when the tag names one
        (pa-Arab, uz-Arab right to left; ur-Latn, sd-Deva left to right), else by the language:
        'rtl' for Arabic, Hebrew, Persian, Urdu… (ar, AR-eg, he-IL), else 'ltr'. Templates write
        dir="rtl" on <html> for it, and nothing for 'ltr'."""
        subtags = self.language.split("-")
        script = next((s for s in subtags[1:] if len(s) == 4 and s.isalpha()), None)
        if script is not None:
            return "rtl" if script.title() in RTL_SCRIPTS else "ltr"
        return "rtl" if subtags[0].lower() in RTL_LANGUAGES else "ltr"

    @property
    def in_english(self) -> bool:
        """Whether the pages are in English, the language of the theme's words and defaults."""
        return self.language.split("-")[0].lower() == "en"

    @property
    def base_path(self) -> str:
        """The folder of base_url as a path prefix: '' at the domain's root, '/shop' for
        https://example.com/shop/. Hosts that take absolute paths need it."""
        return urlsplit(self.base_url).path.rstrip("/")
