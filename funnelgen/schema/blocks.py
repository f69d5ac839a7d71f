"""Content blocks a step can carry: video, images, testimonials, FAQ, price, form, …"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from difflib import get_close_matches
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import AfterValidator, BeforeValidator, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from funnelgen.providers import CARRY_KEYS, carry_field_name, field_name
from funnelgen.schema.currencies import code_meant
from funnelgen.schema.types import (
    CarryKey,
    Currency,
    FieldName,
    HttpsUrl,
    ImageSrc,
    Label,
    Link,
    Model,
    Target,
    Text,
    WholeNumber,
    check_asset_path,
    check_https,
    shown,
)


class Image(Model):
    """A picture: a file in assets/ or an https URL."""

    src: ImageSrc
    """`assets/…` path or https URL of the image."""
    alt: str | None = None
    """What the image shows, read aloud to blind visitors. Write `""` for a decorative image."""
    width: WholeNumber | None = Field(default=None, gt=0)
    """Width in pixels; read from the file for local images."""
    height: WholeNumber | None = Field(default=None, gt=0)
    """Height in pixels; read from the file for local images."""


_YOUTUBE = re.compile(r"^(?:www\.|m\.)?(?:youtube\.com|youtube-nocookie\.com|youtu\.be)$")
_VIMEO = re.compile(r"^(?:www\.|player\.)?vimeo\.com$")
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{6,20}$")
_YOUTUBE_VIDEO_PATHS = ("embed", "shorts", "live", "v")
"""Paths that name one YouTube video by the id after them; any other (/playlist, /channel/…,
/@name, /c/name, /user/name) is a page of many."""


def video_embed(url: str) -> tuple[str, str] | None:
    """``(kind, id or url)`` for a YouTube, Vimeo or mp4/webm video; None if unrecognised or
    not one video (a playlist, a channel)."""
    parts = urlsplit(url)
    path = parts.path.rstrip("/")
    if parts.scheme == "" and url.startswith("assets/"):
        return ("file", url)
    if _YOUTUBE.match(parts.netloc):
        segments = path.strip("/").split("/")
        if parts.netloc.endswith("youtu.be"):
            video_id = path.lstrip("/")
        elif path == "/watch":
            video_id = parse_qs(parts.query).get("v", [""])[0]
        elif len(segments) == 2 and segments[0] in _YOUTUBE_VIDEO_PATHS:
            video_id = segments[1]
        else:
            return None
        return ("youtube", video_id) if _VIDEO_ID.match(video_id) else None
    if _VIMEO.match(parts.netloc):
        return _vimeo(path, parts.query)
    if path.lower().endswith((".mp4", ".webm")):
        return ("file", url)
    return None


def _vimeo(path: str, query: str) -> tuple[str, str] | None:
    """vimeo.com/ID, an unlisted vimeo.com/ID/HASH, player…/video/ID?h=HASH, or a video of a
    channel, group or showcase (…/channels/NAME/ID, …/videos/ID, …/video/ID); not a showcase,
    album or profile (vimeo.com/showcase/ID)."""
    segments = path.strip("/").split("/")
    numbered = [i for i, segment in enumerate(segments) if segment.isdigit()]
    if not numbered:
        return None
    at = numbered[-1]
    if not (at == 0 or segments[at - 1] in ("video", "videos") or (segments[0] == "channels" and at == 2)):
        return None
    video_id, after = segments[at], segments[at + 1 :]
    unlisted = after[0] if after else parse_qs(query).get("h", [""])[0]
    if unlisted and not re.fullmatch(r"[0-9a-f]{6,32}", unlisted):
        return None
    return ("vimeo", f"{video_id}/{unlisted}" if unlisted else video_id)


def _not_one_video(url: str) -> tuple[str, str] | None:
    """What a YouTube or Vimeo address that names no single video is, and what a video's looks like."""
    parts = urlsplit(url)
    first = parts.path.strip("/").split("/")[0]
    if _YOUTUBE.match(parts.netloc):
        if first == "playlist" or "list" in parse_qs(parts.query):
            what = "a YouTube playlist"
        elif first.startswith("@") or first in ("channel", "c", "user"):
            what = "a YouTube channel"
        else:
            what = "a YouTube page"
        return what, "https://www.youtube.com/watch?v=…"
    if _VIMEO.match(parts.netloc):
        return ("a Vimeo showcase" if first in ("showcase", "album") else "a Vimeo page"), "https://vimeo.com/76979871"
    return None


class Video(Model):
    """A video shown as a light click-to-play picture; the player loads only when clicked."""

    url: str
    """YouTube or Vimeo page URL, an https .mp4/.webm URL, or an `assets/…` video file."""
    title: Label = "Watch the video"
    """Shown on the play button and read by screen readers."""
    poster: ImageSrc | None = None
    """Picture shown before the video plays (recommended: 1280×720)."""

    @field_validator("url")
    @classmethod
    def _known_player(cls, value: str) -> str:
        if value.startswith("assets/"):
            check_asset_path(value)
        else:
            check_https(value)
        if video_embed(value) is None and (page := _not_one_video(value)):
            raise ValueError(f"{shown(value)} is {page[0]}, not one video: open the video and copy its "
                             f"address from the browser, e.g. {page[1]}")
        if video_embed(value) is None:
            raise ValueError(
                f"'{value}' is not a video funnelgen can play: use a YouTube or Vimeo link, "
                "or a .mp4/.webm file"
            )
        return value


class Testimonial(Model):
    """What a customer said."""

    quote: Text
    """Their words."""
    name: Text
    """Who said it."""
    role: str | None = None
    """Their title, company or result, e.g. 'Lost 12 kg in 90 days'."""
    photo: ImageSrc | None = None
    """A small portrait (square works best)."""


class Question(Model):
    """One FAQ entry."""

    question: Text
    answer: Text
    """Markdown."""


class Guarantee(Model):
    """The risk reversal shown near the price."""

    title: Label = "Our guarantee"
    text: Text
    """Markdown."""
    days: WholeNumber | None = Field(default=None, gt=0)
    """Length of the guarantee, shown as a badge (e.g. 30)."""


class Deadline(Model):
    """Scarcity text such as 'Doors close Friday at midnight'."""

    text: Text
    until: datetime | None = None
    """When it ends, with a time zone offset (e.g. 2030-12-04T23:59:00-05:00)."""

    @field_validator("until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("add a time zone offset, e.g. 2030-12-04T23:59:00-05:00")
        return value


class Cta(Model):
    """The main call-to-action button."""

    text: Text
    """Button label, e.g. 'Save my seat'."""
    note: str | None = None
    """Small reassurance under the button, e.g. 'Free. No credit card.'."""


class LinkButton(Model):
    """A secondary call to action."""

    text: Text
    to: Target
    """A step id in this funnel or a URL."""


CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "AUD": "A$", "CAD": "C$", "NZD": "NZ$",
                    "JPY": "¥", "INR": "₹", "BRL": "R$"}


ZERO_DECIMAL_CURRENCIES = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX",
                           "VND", "VUV", "XAF", "XOF", "XPF"}
"""Currencies without cents: a price in them is a whole number."""
_MAX_PRICE = Decimal(1_000_000_000)


def _check_money(value: Decimal) -> Decimal:
    """A price as a checkout would take it: at most a billion, to the cent."""
    if value > _MAX_PRICE:
        raise ValueError(f"{value} is too large for a price: write {_MAX_PRICE:,} or less")
    if value != value.quantize(Decimal("0.01")):
        raise ValueError(f"{value} has more than two decimals: write the price to the cent, e.g. "
                         f"{value.quantize(Decimal('0.01'))}")
    return value


_NUMBER_FORMS: list[tuple[re.Pattern[str], Callable[[str], str]]] = [  # as written → as a number
    (re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?"), lambda n: n.replace(",", "")),  # 1,299.00
    (re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?"), lambda n: n.replace(".", "").replace(",", ".")),  # 1.299,00
    (re.compile(r"\d+(?:,\d+)?"), lambda n: n.replace(",", ".")),  # 19,99
    (re.compile(r"\d+\.\d+"), lambda n: n),
]


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


def _written_price(value: object, info: ValidationInfo) -> object:
    """Say how to write a price typed as text ('19,99', '$49', '49 USD', '€19'): the number alone,
    with a point for the cents; the currency in `currency:`."""
    if not isinstance(value, str) or _is_number(value):
        return value
    key = info.field_name or "amount"
    written = re.sub(r"[\s']", "", value)
    number = re.sub(r"[^\d.,]", "", written)
    sign = re.sub(r"[\d.,-]", "", written)
    meant = next((form(number) for pattern, form in _NUMBER_FORMS if pattern.fullmatch(number)), None)
    code = code_meant(sign) if sign else None
    if meant and code:
        raise ValueError(f"{shown(value)} is not a number: write the amount alone, as {key}: {meant}, "
                         f"and the currency as currency: {code}")
    if meant and not sign:
        raise ValueError(f"{shown(value)} is not a number: write digits only, with a point before the cents, "
                         f"as {key}: {meant}")
    raise ValueError(f"{shown(value)} is not a number: write the price as a number, e.g. {key}: 19.99 "
                     "(the currency goes in currency:, e.g. currency: EUR)")


Money = Annotated[Decimal, BeforeValidator(_written_price), AfterValidator(_check_money)]


class PaymentPlan(Model):
    """Pay in instalments instead of all at once."""

    label: Label | None = None
    """Shown on the button; default '3 payments of $37'."""
    amount: Money = Field(gt=0)
    """Each payment."""
    count: WholeNumber = Field(ge=2, le=60)
    """How many payments."""
    interval: Literal["week", "month", "year"] = "month"
    checkout: HttpsUrl
    """Checkout link for the plan."""


class Price(Model):
    """What the offer costs."""

    amount: Money = Field(ge=0)
    """Price today, e.g. 47 or 19.99: to the cent, a whole number in a currency without cents (JPY)."""
    currency: Currency = "USD"
    """ISO 4217 code: USD, EUR, GBP, …"""
    compare_at: Money | None = Field(default=None, gt=0)
    """The regular price, shown struck through."""
    note: str | None = None
    """e.g. 'one-time payment'."""
    plans: list[PaymentPlan] = []
    """Payment plans offered beside the full price."""

    @field_validator("compare_at")
    @classmethod
    def _compare_at_higher(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        amount = info.data.get("amount")
        if value is not None and amount is not None and value <= amount:
            raise PydanticCustomError(  # a type of its own: not said of a number split at its comma
                "compare_at_not_higher",
                "{value} is not higher than amount ({amount}): compare_at is the regular price, "
                "shown struck through; write a higher one or leave compare_at out",
                {"value": str(value), "amount": str(amount)},
            )
        return value

    @model_validator(mode="after")
    def _whole_in_a_currency_without_cents(self) -> Price:
        if self.currency in ZERO_DECIMAL_CURRENCIES:
            for where, value in [("amount", self.amount), ("compare_at", self.compare_at),
                                 *((f"plans[{i}].amount", plan.amount) for i, plan in enumerate(self.plans))]:
                if value is not None and value != value.to_integral_value():
                    raise ValueError(f"{self.currency} has no cents, so {where} must be a whole number, e.g. "
                                     f"{value.to_integral_value()}")
        return self


class FormField(Model):
    """One input of an opt-in form."""

    name: FieldName
    """Field name your email tool expects (email, first_name, …)."""
    type: Literal["email", "text", "tel", "url"] = "text"
    label: Text
    """Visible label."""
    required: bool = False
    placeholder: str | None = None
    autocomplete: str | None = Field(default=None, pattern=r"^[a-z -]+$")
    """Browser autofill hint; guessed from the name when left out."""


class FormConsent(Model):
    """A checkbox the visitor ticks to agree to receive emails."""

    text: Text
    """Label of the checkbox."""
    required: bool = True
    name: FieldName = "consent"


def _default_fields() -> list[FormField]:
    return [FormField(name="email", type="email", label="Email address", required=True)]


class Form(Model):
    """The opt-in form and where it sends the lead."""

    provider: Literal["convertkit", "mailchimp", "activecampaign", "netlify", "custom"]
    """Your email tool; `netlify` uses Netlify Forms."""
    action: HttpsUrl | None = None
    """The form's post URL from your email tool (not needed for netlify)."""
    name: FieldName | None = None
    """Form name (Netlify shows it in its dashboard); default `<funnel>-<step>`."""
    fields: list[FormField] = Field(default_factory=_default_fields, min_length=1)
    """Inputs, in order; default one required email field."""
    hidden: dict[FieldName, str] = {}
    """Extra hidden fields sent with the form (tags, list ids, …)."""
    consent: FormConsent | None = None
    """Add an email-consent checkbox."""
    button: str | None = None
    """Submit button label; default the step's cta text."""
    carry: dict[CarryKey, FieldName | None] = {}
    """Names of the hidden fields that pass temperature, visitor_id and utm_* to your email tool;
    default the provider's usual names. `null` leaves one out."""

    @field_validator("fields")
    @classmethod
    def _has_email(cls, fields: list[FormField]) -> list[FormField]:
        if not any(f.type == "email" for f in fields):
            raise ValueError("no field collects the email address: add one with type: email, "
                             "e.g. - {name: email, type: email, label: Email}")
        names = [f.name for f in fields]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"field name '{duplicates[0]}' is used twice; give each field its own name")
        return fields

    @model_validator(mode="after")
    def _complete(self) -> Form:
        if self.provider != "netlify" and self.action is None:
            raise ValueError(f"a form with provider '{self.provider}' needs action: the post URL from "
                             f"{self.provider}")
        if self.provider == "netlify" and self.action is not None:
            raise ValueError("a netlify form posts to Netlify, never to action: remove action")
        sent: dict[str, str] = {"form-name": "Netlify's form name", "bot-field": "Netlify's spam trap"} if (
            self.provider == "netlify") else {}
        renamed: dict[str, str | None] = {str(key): name for key, name in self.carry.items()}
        carried = {key: renamed.get(key, carry_field_name(self.provider, key)) for key in CARRY_KEYS}
        inputs = [(field_name(self.provider, f.name), f"fields[{i}]") for i, f in enumerate(self.fields)]
        for name, what in [*inputs, *((name, f"carry.{key}") for key, name in carried.items() if name),
                           *((name, f"hidden.{name}") for name in self.hidden),
                           *([(self.consent.name, "consent")] if self.consent else [])]:
            if name in sent:
                raise ValueError(f"{what} and {sent[name]} would both send a field named '{name}', and the "
                                 "email tool would keep one; give one of them another name")
            sent[name] = what
        return self


class Webinar(Model):
    """When a webinar or live event takes place."""

    starts: datetime
    """Local start time, e.g. 2030-12-10 19:00."""
    timezone: str
    """IANA time zone, e.g. America/New_York or Europe/Berlin."""
    duration_minutes: WholeNumber = Field(default=60, gt=0, le=24 * 60)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'America' is a folder of zones
            zones = {z.lower().replace("_", ""): z for z in available_timezones()}
            near = get_close_matches(value.lower().replace("_", "").replace(" ", ""), zones, n=1)
            hint = f"did you mean {zones[near[0]]}?" if near else "use a name such as America/New_York"
            inside = sorted(z for z in zones.values() if z.startswith(value.rstrip("/") + "/"))
            if inside:  # a region: a folder of zones
                hint = f"add the city, e.g. {inside[0]}"
            if re.fullmatch(r"(?i)\s*(?:gmt|utc)\s*[+-].*", value):  # a near 'GMT+0' would move the event
                hint = "use the zone of a place, such as Europe/Berlin, so that summer time is right"
            raise ValueError(f"{shown(value)} is not a time zone: {hint}") from None
        return value

    @field_validator("starts", mode="before")
    @classmethod
    def _has_time(cls, value: object) -> object:
        if (isinstance(value, date) and not isinstance(value, datetime)) or (
            isinstance(value, str) and re.fullmatch(r"\s*\d{4}-\d{2}-\d{2}\s*", value)
        ):
            raise ValueError(f"{value} has no time: add the local start time, e.g. {value} 19:00")
        if isinstance(value, int | float):  # pydantic would read it as seconds since 1970
            raise ValueError(f"expected a date and time such as 2030-12-10 19:00, got {value}")
        return value

    @field_validator("starts")
    @classmethod
    def _local(cls, value: datetime) -> datetime:
        if value.tzinfo is not None:
            raise ValueError("write the local time without an offset; timezone says where")
        return value

    @model_validator(mode="after")
    def _exists(self) -> Webinar:
        """Refuse a start in the hour the clocks skip (02:30 on the night summer time begins):
        no clock shows it, and the page would give another time than the one written."""
        moment = self.start().astimezone(UTC).astimezone(ZoneInfo(self.timezone))
        if moment.replace(tzinfo=None) != self.starts:
            raise ValueError(f"starts: {self.starts:%Y-%m-%d %H:%M} does not exist in {self.timezone}: the "
                             f"clocks skip that hour that night; write {moment:%H:%M} or another time")
        return self

    def start(self) -> datetime:
        """The start as an aware datetime."""
        return self.starts.replace(tzinfo=ZoneInfo(self.timezone))


class Accept(Model):
    """The 'yes' button of a one-time offer."""

    text: Label = "Yes! Add this to my order"
    checkout: HttpsUrl
    """One-click upsell or checkout link."""


class Decline(Model):
    """The 'no thanks' link of a one-time offer."""

    text: Label = "No thanks, I'll pass on this offer"
    to: Target
    """The step to show instead (usually a downsell or the thank-you page)."""


class Ascension(Model):
    """The next offer shown on a thank-you page."""

    headline: Text
    text: str | None = None
    """Markdown."""
    cta: Cta
    checkout: Link
    """Where the button goes."""


class StepSeo(Model):
    """Search and sharing overrides for one step."""

    title: str | None = None
    """Page title; the site's title pattern is applied to it."""
    description: str | None = None
    image: ImageSrc | None = None
    """Share picture (1200×630)."""
    noindex: bool | None = None
    """Keep out of search engines; default: yes for upsell, downsell and thank-you."""
