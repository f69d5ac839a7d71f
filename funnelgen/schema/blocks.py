"""Content blocks a step can carry: video, images, testimonials, FAQ, price, form, …"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from difflib import get_close_matches
from typing import Annotated, Literal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from funnelgen.providers import CARRY_KEYS, carry_field_name, field_name
from funnelgen.schema.currencies import code_meant
from funnelgen.schema.types import (
    AssetPath,
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

    lone_key = "src"

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

    lone_key = "url"

    url: str
    """YouTube or Vimeo page URL, an https .mp4/.webm URL, or an `assets/…` video file."""
    title: Label = "Watch the video"
    """Shown on the play button and read by screen readers."""
    poster: ImageSrc | None = None
    """Picture shown before the video plays (recommended: 1280×720)."""
    captions: AssetPath | None = None
    """Captions of an mp4/webm video, in the site's language: a WebVTT file in assets/ (e.g.
    assets/intro.vtt), shown unless the visitor turns them off. YouTube and Vimeo show their own."""

    @field_validator("captions")
    @classmethod
    def _webvtt(cls, value: str | None, info: ValidationInfo) -> str | None:
        player = video_embed(info.data.get("url") or "")
        if value is not None and player is not None and player[0] != "file":
            raise ValueError("YouTube and Vimeo show the captions added to the video there: add them there, "
                             "and remove captions")
        if value is not None and not value.lower().endswith(".vtt"):
            hint = (" (an .srt file becomes one: write WEBVTT as its first line, a blank line after it, and "
                    "a '.' instead of the ',' in each time)") if value.lower().endswith(".srt") else ""
            raise ValueError(f"{shown(value)} is not a WebVTT file, the only captions browsers play: name a "
                             f".vtt file{hint}")
        return value

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

    lone_key = "quote"

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

    lone_key = "question"

    question: Text
    """The question, shown as the line that opens its answer."""
    answer: Text
    """Markdown."""


class Guarantee(Model):
    """The risk reversal shown near the price."""

    lone_key = "text"

    title: Label = "Our guarantee"
    """Heading of the guarantee box."""
    text: Text
    """Markdown."""
    days: WholeNumber | None = Field(default=None, gt=0, le=3650)
    """Length of the guarantee in days, shown as a badge (e.g. 30; at most 3650, ten years)."""


class Deadline(Model):
    """Scarcity text such as 'Doors close Friday at midnight'."""

    lone_key = "text"

    text: Text
    """The line shown, e.g. 'Doors close Friday at midnight'."""
    until: datetime | None = None
    """When it ends, with a time zone offset (e.g. 2030-12-04T23:59:00-05:00): the page marks the
    text up with this moment (`<time datetime>`), and every build after it warns that the deadline
    is over. The text itself is shown as written, and stays until you change it."""

    @field_validator("until")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            at = value.strftime("%Y-%m-%dT%H:%M:%S")
            new_york, berlin = (_offset_on(value, place) for place in ("America/New_York", "Europe/Berlin"))
            raise ValueError(f"add its time zone offset, e.g. {at}{new_york} for New York on that date, "
                             f"{at}{berlin} for Berlin or Paris, or {at}Z for UTC")
        return value


def _offset_on(moment: datetime, zone: str) -> str:
    """The offset from UTC of a place's clocks at a moment of its own: '+02:00' in Berlin in July."""
    offset = moment.replace(tzinfo=ZoneInfo(zone)).strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


class Cta(Model):
    """The main call-to-action button."""

    lone_key = "text"

    text: Text
    """Button label, e.g. 'Save my seat'."""
    note: str | None = None
    """Small reassurance under the button, e.g. 'Free. No credit card.'."""


class LinkButton(Model):
    """A secondary call to action."""

    lone_key = "text"

    text: Text
    """The link's words."""
    to: Target
    """A step id in this funnel or a URL."""


CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "AUD": "A$", "CAD": "C$", "NZD": "NZ$",
                    "JPY": "¥", "INR": "₹", "BRL": "R$"}


ZERO_DECIMAL_CURRENCIES = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "MGA", "PYG", "RWF", "UGX",
                           "VND", "VUV", "XAF", "XOF", "XPF"}
"""Currencies without cents: a price in them is a whole number."""
THREE_DECIMAL_CURRENCIES = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}
"""Currencies of a thousand minor units (fils, baisa, millimes): a price in them has up to three decimals."""
_MAX_PRICE = Decimal(1_000_000_000)


def _check_money(value: Decimal) -> Decimal:
    """A price as a checkout would take it: at most a billion (its decimals: `Price._to_the_cent`)."""
    if value > _MAX_PRICE:
        raise ValueError(f"{value} is too large for a price: write {_MAX_PRICE:,} or less")
    return value


def _decimals_problem(value: Decimal, currency: str | None) -> str | None:
    """What is wrong with the decimals of a price in ``currency``: more than two (three in a
    currency of a thousand fils, KWD). None if fine, or if the currency is not known (it was
    refused; its line says so)."""
    if currency is None or currency in ZERO_DECIMAL_CURRENCIES:  # whole: the price's own check
        return None
    if currency in THREE_DECIMAL_CURRENCIES:
        if value != value.quantize(Decimal("0.001")):
            return (f"{value} has more than three decimals, the most {currency} has: write e.g. "
                    f"{value.quantize(Decimal('0.001'))}")
        return None
    if value != value.quantize(Decimal("0.01")):
        if THOUSANDS_POINT.fullmatch(str(value)):  # 1.299
            return f"{value} has three decimals: {thousands_advice(str(value), f'{value:.2f} to the cent')}"
        return (f"{value} has more than two decimals: write the price to the cent, e.g. "
                f"{value.quantize(Decimal('0.01'))}")
    return None


THOUSANDS_POINT = re.compile(r"[1-9]\d{0,2}(?:\.\d{3})+")
"""A price typed with points between thousands, as German and Swiss prices are: 2.500, 1.000.000."""


def thousands_advice(typed: str, otherwise: str) -> str:
    """What to write instead of a price ``typed`` with points between thousands: the number
    without them, or ``otherwise`` (the price to the cent)."""
    return (f"the point in a price marks the cents, never thousands; write {typed.replace('.', '')} "
            f"(without a point) if that is what you meant, or {otherwise}")


def _thousands_meant(value: Decimal) -> str:
    """'if you meant 1500 (…), write 1500; else ' for a price read as 1.5 that may have been
    typed 1.500, as German and Swiss prices are; '' when it cannot have been."""
    whole = value * 1000
    if not 1 <= value < 1000 or value == value.to_integral_value() or whole != whole.to_integral_value():
        return ""  # 1.5 may be 1.500; neither 40 nor 1999.5 is
    return f"if you meant {whole:.0f} (a point marks the cents, never thousands), write {whole:.0f}; else "


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


def amount_meant(value: str) -> tuple[str | None, str, str | None]:
    """What a price typed as text means: the number as it must be written (None when unclear),
    what else was typed ('$', 'USD'), and the currency code that is (None when unclear)."""
    written = re.sub(r"[\s']", "", value)
    number = re.sub(r"[^\d.,]", "", written)
    sign = re.sub(r"[\d.,-]", "", written)
    meant = next((form(number) for pattern, form in _NUMBER_FORMS if pattern.fullmatch(number)), None)
    return meant, sign, code_meant(sign) if sign else None


def _written_price(value: object, info: ValidationInfo) -> object:
    """Say how to write a price typed as text ('19,99', '$49', '49 USD', '€19'): the number alone,
    with a point for the cents; the currency in `currency:`."""
    if not isinstance(value, str) or _is_number(value):
        return value
    key = info.field_name or "amount"
    meant, sign, code = amount_meant(value)
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

    lone_key = "amount"

    label: Label | None = None
    """Shown on the button; default '3 payments of $37'."""
    amount: Money = Field(gt=0)
    """Each payment."""
    count: WholeNumber = Field(ge=2, le=60)
    """How many payments."""
    interval: Literal["week", "month", "year"] = "month"
    """How often a payment is taken: week, month or year."""
    checkout: HttpsUrl
    """Checkout link for the plan."""


class Price(Model):
    """What the offer costs."""

    lone_key = "amount"

    # currency first: the checks of amount, compare_at and plans see it (two decimals or three)
    currency: Currency = "USD"
    """ISO 4217 code: USD, EUR, GBP, …"""
    amount: Money = Field(ge=0)
    """Price today, e.g. 47 or 19.99: to the cent (JPY: whole; KWD, BHD, OMR, …: up to 3 decimals)."""
    compare_at: Money | None = Field(default=None, gt=0)
    """The regular price, shown struck through."""
    note: str | None = None
    """e.g. 'one-time payment'."""
    plans: list[PaymentPlan] = []
    """Payment plans offered beside the full price."""

    @field_validator("amount", "compare_at")
    @classmethod
    def _to_the_cent(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        problem = None if value is None else _decimals_problem(value, info.data.get("currency"))
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("plans")
    @classmethod
    def _plans_to_the_cent(cls, plans: list[PaymentPlan], info: ValidationInfo) -> list[PaymentPlan]:
        """Each plan's amount, in the price's currency; said at the plan's own amount."""
        problems = [InitErrorDetails(type=PydanticCustomError("decimal_places", problem), loc=(i, "amount"),
                                     input=plan.amount)
                    for i, plan in enumerate(plans)
                    if (problem := _decimals_problem(plan.amount, info.data.get("currency")))]
        if problems:  # a ValidationError raised here is placed under plans[i].amount
            raise ValidationError.from_exception_data(cls.__name__, problems)
        return plans

    @field_validator("compare_at")
    @classmethod
    def _compare_at_higher(cls, value: Decimal | None, info: ValidationInfo) -> Decimal | None:
        amount = info.data.get("amount")
        if value is not None and amount is not None and value <= amount:
            raise PydanticCustomError(  # a type of its own: not said of a number split at its comma
                "compare_at_not_higher",
                "{value} is not higher than amount ({amount}): compare_at is the regular price, "
                "shown struck through; {meant}write a higher one or leave compare_at out",
                {"value": str(value), "amount": str(amount),
                 "meant": _thousands_meant(value) if value * 1000 > amount else ""},
            )
        return value

    @model_validator(mode="after")
    def _whole_in_a_currency_without_cents(self) -> Price:
        if self.currency in ZERO_DECIMAL_CURRENCIES:
            for where, value in [("amount", self.amount), ("compare_at", self.compare_at),
                                 *((f"plans[{i}].amount", plan.amount) for i, plan in enumerate(self.plans))]:
                if value is not None and value != value.to_integral_value():
                    raise ValueError(f"{self.currency} has no cents, so {where} must be a whole number: "
                                     f"{_thousands_meant(value)}write e.g. {value.to_integral_value()}")
        return self


class FormField(Model):
    """One input of an opt-in form."""

    name: FieldName
    """Field name your email tool expects (email, first_name, …)."""
    type: Literal["email", "text", "tel", "url"] = "text"
    """What it takes: email, text, tel or url (phones show the matching keyboard)."""
    label: Text
    """Visible label."""
    required: bool = False
    """Whether the form can be sent without it."""
    placeholder: str | None = None
    """Grey example text inside the empty field."""
    autocomplete: str | None = Field(default=None, pattern=r"^[a-z -]+$")
    """Browser autofill hint; guessed from the name when left out."""


class FormConsent(Model):
    """A checkbox the visitor ticks to agree to receive emails."""

    lone_key = "text"

    text: Text
    """Label of the checkbox."""
    required: bool = True
    """Whether the form can be sent without the tick."""
    name: FieldName = "consent"
    """The field name your email tool receives the tick under."""


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


_CITY = ", or your city's zone, e.g. "
_SEASONS = "is an abbreviation, and it would be wrong half the year"
_NO_PLACE = "is an abbreviation, not a place"
_ZONE_OF: dict[str, tuple[str, str, str]] = {
    # written → (the place's zone, why it is refused, another place it may mean)
    **dict.fromkeys(["PST", "PDT"], ("America/Los_Angeles", _SEASONS, "")),
    **dict.fromkeys(["MST", "MDT"], ("America/Denver", _SEASONS, " (in Arizona: America/Phoenix)")),
    **dict.fromkeys(["CST", "CDT"], ("America/Chicago", _SEASONS, " (in China: Asia/Shanghai)")),
    **dict.fromkeys(["EST", "EDT"], ("America/New_York", _SEASONS, "")),
    **dict.fromkeys(["AKST", "AKDT"], ("America/Anchorage", _SEASONS, "")),
    **dict.fromkeys(["AST", "ADT"], ("America/Halifax", _SEASONS, " (in Puerto Rico: America/Puerto_Rico)")),
    **dict.fromkeys(["NST", "NDT"], ("America/St_Johns", _SEASONS, "")),
    "GMT": ("Europe/London", _SEASONS, ", or UTC"),
    "BST": ("Europe/London", _SEASONS, ""),
    **dict.fromkeys(["WET", "WEST"], ("Europe/Lisbon", _SEASONS, "")),
    **dict.fromkeys(["CET", "CEST", "MET", "MEST", "MEZ", "MESZ"],  # MEZ: German for CET
                    ("Europe/Paris", _SEASONS, _CITY + "Europe/Berlin")),
    **dict.fromkeys(["EET", "EEST"], ("Europe/Athens", _SEASONS, _CITY + "Europe/Helsinki")),
    **dict.fromkeys(["AEST", "AEDT"], ("Australia/Sydney", _SEASONS, " (in Queensland: Australia/Brisbane)")),
    **dict.fromkeys(["ACST", "ACDT"], ("Australia/Adelaide", _SEASONS, " (in the Northern Territory: "
                                                                        "Australia/Darwin)")),
    **dict.fromkeys(["NZST", "NZDT"], ("Pacific/Auckland", _SEASONS, "")),
    "PT": ("America/Los_Angeles", _NO_PLACE, ""),
    "MT": ("America/Denver", _NO_PLACE, " (in Arizona: America/Phoenix)"),
    "CT": ("America/Chicago", _NO_PLACE, ""),
    "ET": ("America/New_York", _NO_PLACE, ""),
    "HST": ("Pacific/Honolulu", _NO_PLACE, ""),
    "IST": ("Asia/Kolkata", _NO_PLACE, " (in Ireland: Europe/Dublin; in Israel: Asia/Jerusalem)"),
    "PKT": ("Asia/Karachi", _NO_PLACE, ""),
    "ICT": ("Asia/Bangkok", _NO_PLACE, ""),
    "WIB": ("Asia/Jakarta", _NO_PLACE, ""),
    "SGT": ("Asia/Singapore", _NO_PLACE, ""),
    "HKT": ("Asia/Hong_Kong", _NO_PLACE, ""),
    "PHT": ("Asia/Manila", _NO_PLACE, ""),
    "JST": ("Asia/Tokyo", _NO_PLACE, ""),
    "KST": ("Asia/Seoul", _NO_PLACE, ""),
    "AWST": ("Australia/Perth", _NO_PLACE, ""),
    "GST": ("Asia/Dubai", _NO_PLACE, ""),
    "MSK": ("Europe/Moscow", _NO_PLACE, ""),
    "WAT": ("Africa/Lagos", _NO_PLACE, ""),
    "CAT": ("Africa/Maputo", _NO_PLACE, ""),
    "EAT": ("Africa/Nairobi", _NO_PLACE, ""),
    "SAST": ("Africa/Johannesburg", _NO_PLACE, ""),
    "BRT": ("America/Sao_Paulo", _NO_PLACE, ""),
    "ART": ("America/Argentina/Buenos_Aires", _NO_PLACE, ""),
    "IDT": ("Asia/Jerusalem", _SEASONS, ""),
    # the database's rules named after US abbreviations: a rule, not a place
    **{rule: (zone, "is a rule named after abbreviations, not a place", "") for rule, zone in [
        ("EST5EDT", "America/New_York"), ("CST6CDT", "America/Chicago"), ("MST7MDT", "America/Denver"),
        ("PST8PDT", "America/Los_Angeles")]},
}
"""Time zone abbreviations (and the database's zones named like them: EST, MST, HST, CET,
EST5EDT, …), in capitals. Each is refused with the zone of the place it most likely means: an
abbreviation is one season's offset, and the page would show the event an hour off in the other."""

_ZONE_NAMES = {  # 'Pacific Time', 'Central European Standard Time': the words before 'time', run together
    "pacific": "America/Los_Angeles", "mountain": "America/Denver (in Arizona: America/Phoenix)",
    "central": "America/Chicago", "eastern": "America/New_York", "alaska": "America/Anchorage",
    "hawaii": "Pacific/Honolulu", "atlantic": "America/Halifax", "newfoundland": "America/St_Johns",
    "british": "Europe/London", "greenwichmean": "Europe/London", "irish": "Europe/Dublin",
    "westerneuropean": "Europe/Lisbon", "centraleuropean": "Europe/Paris" + _CITY + "Europe/Berlin",
    "easterneuropean": "Europe/Athens" + _CITY + "Europe/Helsinki", "moscow": "Europe/Moscow",
    "israel": "Asia/Jerusalem", "gulf": "Asia/Dubai", "arabia": "Asia/Riyadh", "india": "Asia/Kolkata",
    "china": "Asia/Shanghai", "singapore": "Asia/Singapore", "hongkong": "Asia/Hong_Kong",
    "philippine": "Asia/Manila", "korea": "Asia/Seoul", "japan": "Asia/Tokyo",
    "australianeastern": "Australia/Sydney", "australiancentral": "Australia/Adelaide",
    "australianwestern": "Australia/Perth", "newzealand": "Pacific/Auckland", "westafrica": "Africa/Lagos",
    "centralafrica": "Africa/Maputo", "eastafrica": "Africa/Nairobi", "southafrican": "Africa/Johannesburg",
    "brasilia": "America/Sao_Paulo", "argentina": "America/Argentina/Buenos_Aires",
}
"""A zone's name in words, and the place's zone to write instead."""
_US_ZONE_WORDS = {"pacific", "mountain", "central", "eastern", "alaska", "hawaii"}
"""Words that name a US zone alone ('Eastern'); 'Pacific' is also a folder of zones."""

_FIXED_OFFSET = re.compile(r"(?i)(?:etc/)?(?:gmt(?P<offset>[+-]\d{1,2}|0)?|greenwich)")
"""The database's zones of a fixed offset from UTC: Etc/GMT+5 (UTC-5: the sign is turned),
GMT0, Greenwich."""


@functools.cache
def _zones() -> dict[str, str]:
    """Every zone the database has, by its name in lower case."""
    return {zone.lower(): zone for zone in available_timezones()}


_CITY_ZONES = {  # big cities whose zone is named after another, in lower case without spaces
    **dict.fromkeys(["mumbai", "delhi", "newdelhi", "bangalore", "bengaluru", "chennai", "hyderabad", "pune"],
                    "Asia/Kolkata"),
    **dict.fromkeys(["sanfrancisco", "seattle", "sandiego", "lasvegas"], "America/Los_Angeles"),
    **dict.fromkeys(["boston", "miami", "atlanta", "philadelphia"], "America/New_York"),
    **dict.fromkeys(["dallas", "houston", "austin"], "America/Chicago"),
    **dict.fromkeys(["munich", "frankfurt", "hamburg", "cologne"], "Europe/Berlin"),
    "beijing": "Asia/Shanghai", "abudhabi": "Asia/Dubai", "osaka": "Asia/Tokyo", "geneva": "Europe/Zurich",
    "milan": "Europe/Rome", "barcelona": "Europe/Madrid", "manchester": "Europe/London",
    **dict.fromkeys(["brasilia", "riodejaneiro", "rio", "belohorizonte"], "America/Sao_Paulo"),
}
"""Spelling alone would send these far away (Mumbai: Asia/Dubai); they are told their place's zone."""


@functools.cache
def _place_zones() -> dict[str, str]:
    """The zones of places (Europe/Berlin, and old names such as US/Eastern or Japan), by name and
    by city, in lower case without '_': those a misspelt name may be told to write. Not offsets
    (Etc/GMT+5), UTC's other names (Zulu), nor abbreviations (EST, UCT, PRC)."""
    places = sorted(zone for zone in available_timezones() if not _not_a_place(zone) and (
        ("/" in zone and not zone.startswith("Etc/"))
        or (re.fullmatch(r"[A-Z][a-z]+", zone) and zone not in ("Universal", "Zulu"))))
    by_city = {zone.rsplit("/", 1)[-1].lower().replace("_", ""): zone for zone in places}
    return by_city | _CITY_ZONES | {zone.lower().replace("_", ""): zone for zone in places}


def _not_a_place(value: str) -> str | None:
    """Why a time zone is refused, with the place's zone to write, though the database may have
    it: an abbreviation (EST), a name in words ('Pacific Time'), a fixed offset (Etc/GMT+5), the
    zone of the computer that builds; None for a place (or UTC)."""
    written = value.strip()
    words = re.sub(r"[^a-z]", "", _folded(written.lower()))  # Brasília Time: brasiliatime
    named = re.fullmatch(r"(.+?)(?:standard|daylight|summer)?time", words)
    if written.upper() in _ZONE_OF:
        zone, why, other = _ZONE_OF[written.upper()]
        return f"{shown(value)} {why}: write the place's zone, e.g. {zone}{other}"
    parts = re.split(r"\s*/\s*", written.upper())
    if len(parts) == 2 and all(part in _ZONE_OF for part in parts):  # EST/EDT
        zone, _, other = _ZONE_OF[parts[0]]
        return f"{shown(value)} are abbreviations, not a place: write the place's zone, e.g. {zone}{other}"
    if (named and named.group(1) in _ZONE_NAMES) or words in _US_ZONE_WORDS:
        zone = _ZONE_NAMES[named.group(1) if named else words]
        if words == "pacific":  # also the folder of the Pacific's islands
            zone += ", or for an island of the Pacific its zone, e.g. Pacific/Honolulu"
        return f"{shown(value)} is not a time zone: write the place's zone, e.g. {zone}"
    fixed = _FIXED_OFFSET.fullmatch(written)
    if fixed and written.lower() in _zones():
        hours = -int(fixed.group("offset") or 0)
        place = "Europe/London" if hours == 0 else "Europe/Berlin"
        utc = ", or write UTC" if hours == 0 else ""
        return (f"{shown(value)} is a fixed offset (UTC{hours:+d}), not a place: use the zone of a place, "
                f"such as {place}, so that summer time is right{utc}")
    if written.lower() == "localtime":
        return (f"{shown(value)} is the zone of the computer that builds the site, not a place: write the "
                "place's zone, e.g. America/New_York")
    if written.lower() == "factory":
        return f"{shown(value)} is a placeholder, not a place: write the place's zone, e.g. America/New_York"
    return None


def _folded(text: str) -> str:
    """The text without accents, as zone names are written: 'Brasília' → 'Brasilia'."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


class Webinar(Model):
    """When a webinar or live event takes place."""

    lone_key = "starts"

    starts: datetime
    """Local start time, e.g. 2030-12-10 19:00."""
    timezone: str
    """IANA zone of a place, e.g. America/New_York or Europe/Berlin; not an abbreviation such as EST."""
    duration_minutes: WholeNumber = Field(default=60, gt=0, le=24 * 60)
    """How long it lasts, in minutes (at most a day)."""

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        refused = _not_a_place(value)
        if refused:
            raise ValueError(refused)
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'America' is a folder of zones
            places = _place_zones()
            written = _folded(value.lower().replace("_", "").replace(" ", ""))
            like_abbreviation = re.fullmatch(r"\s*[A-Z]{2,5}\s*", value)  # spelt like one: no place is meant
            near = [] if like_abbreviation else get_close_matches(written, places, n=1)
            hint = f"did you mean {places[near[0]]}?" if near else "use a name such as America/New_York"
            folder = value.rstrip("/") + "/"
            inside = sorted(z for z in _zones().values()
                            if z.startswith(folder) and not z.startswith("Etc/") and not _not_a_place(z))
            if inside:  # a region: a folder of zones
                hint = f"add the city, e.g. {inside[0]}"
            if re.fullmatch(r"(?i)\s*(?:etc/)?(?:gmt|utc)\s*[+-].*", value):  # a near 'GMT+0' moves the event
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

    lone_key = "checkout"

    text: Label = "Yes! Add this to my order"
    """The button's words."""
    checkout: HttpsUrl
    """One-click upsell or checkout link."""


class Decline(Model):
    """The 'no thanks' link of a one-time offer."""

    lone_key = "to"

    text: Label = "No thanks, I'll pass on this offer"
    """The link's words."""
    to: Target
    """The step to show instead (usually a downsell or the thank-you page)."""


class Ascension(Model):
    """The next offer shown on a thank-you page."""

    headline: Text
    """The offer's heading."""
    text: str | None = None
    """Markdown."""
    cta: Cta
    """Its button: text (a lone text is enough) and a note under it."""
    checkout: Link
    """Where the button goes."""


class StepSeo(Model):
    """Search and sharing overrides for one step."""

    title: str | None = None
    """Page title; the site's title pattern is applied to it."""
    description: str | None = None
    """What search results and shared links show under the title; default the funnel's."""
    image: ImageSrc | None = None
    """Share picture (1200×630)."""
    noindex: bool | None = None
    """Keep out of search engines; default: yes for upsell, downsell and thank-you."""
