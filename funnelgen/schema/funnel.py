"""A funnel file: `funnels/<name>.yml`, an ordered chain of steps."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Literal

from pydantic import Field, ValidationInfo, field_validator

from funnelgen.schema.blocks import (
    Accept,
    Ascension,
    Cta,
    Deadline,
    Decline,
    Form,
    Guarantee,
    Image,
    LinkButton,
    Price,
    Question,
    StepSeo,
    Testimonial,
    Video,
    Webinar,
)
from funnelgen.schema.types import (
    CarryKey,
    ContentPath,
    HttpsUrl,
    ItemText,
    Model,
    OverrideText,
    Slug,
    Temperature,
    Text,
    check_next,
)


class CopyOverride(Model):
    """Copy shown instead of the base copy to visitors of one temperature."""

    eyebrow: OverrideText | None = None
    """Shown instead of the step's eyebrow."""
    headline: OverrideText | None = None
    """Shown instead of the step's headline."""
    subheadline: OverrideText | None = None
    """Shown instead of the step's subheadline."""
    body: OverrideText | None = None
    """Markdown shown instead of the step's body."""
    cta: Cta | None = None
    """The button's text (and note) instead of the step's."""


class StepBase(Model):
    """What every step has."""

    id: Slug
    """Name of the step inside the funnel; other steps refer to it."""
    slug: Slug | None = None
    """URL segment; default the id."""
    next: Slug | None = None
    """Step the main call to action leads to; default the following step."""
    seo: StepSeo = StepSeo()
    """Title, description, share picture and noindex of this page, for search engines and shared links."""
    eyebrow: str | None = None
    """Small line above the headline, e.g. 'FREE TRAINING'."""
    headline: Text
    """The page's one big heading (its <h1>)."""
    subheadline: str | None = None
    """A line under the headline."""
    body: str | None = None
    """Markdown."""
    body_file: ContentPath | None = None
    """Markdown file under content/ used as the body."""
    video: Video | None = None
    """A YouTube, Vimeo or mp4 video under the headline."""
    image: Image | None = None
    """Hero image."""
    benefits_title: str | None = None
    """Heading over the benefits; the theme's by default."""
    benefits: list[ItemText] = []
    """Bullet list of benefits."""
    testimonials: list[Testimonial] = []
    """Quotes of customers, with their name (and role, photo)."""
    faq: list[Question] = []
    """Questions and answers, each opening on a click."""
    guarantee: Guarantee | None = None
    """A money-back guarantee: its days and text."""
    deadline: Deadline | None = None
    """A line of urgency, with the moment an offer ends."""
    cta: Cta | None = None
    """The main button: its text (a lone text is enough) and a note under it."""
    links: list[LinkButton] = []
    """Secondary calls to action."""
    by_temperature: dict[Temperature, CopyOverride] = {}
    """Copy for warm or hot visitors (cold visitors and visitors without JavaScript see the base copy)."""
    skip_for: list[Temperature] = []
    """Visitors of these temperatures go straight on to `next`; not on an offer, upsell or
    downsell, whose next step follows a purchase."""
    checkout_carry: dict[CarryKey, Annotated[str, Field(pattern=r"^[A-Za-z0-9_.\[\]-]+$")] | None] = {}
    """Query parameters added to this step's checkout links: what → parameter name. Default:
    utm_* as themselves, and visitor_id as client_reference_id on Stripe. `null` leaves one out."""

    @field_validator("next", mode="before")
    @classmethod
    def _next_is_a_step(cls, value: object) -> object:
        return check_next(value)  # before the slug check: a URL gets no made-up slug

    @field_validator("body_file")
    @classmethod
    def _one_body(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is not None and info.data.get("body") is not None:
            raise ValueError("write either body or body_file, not both: remove one of them")
        return value


class BridgeStep(StepBase):
    """Pre-frame page: a story or video that warms cold traffic up, one call to action."""

    type: Literal["bridge"]
    """What the step is: bridge, optin, webinar, offer, upsell, downsell or thankyou."""


class OptinStep(StepBase):
    """Squeeze page: headline and an email form; success leads to `next`."""

    type: Literal["optin"]
    """What the step is: bridge, optin, webinar, offer, upsell, downsell or thankyou."""
    form: Form
    """The email form: the tool it posts to, its fields, consent and hidden values."""


class WebinarStep(StepBase):
    """Webinar registration: an opt-in with a date and time zone."""

    type: Literal["webinar"]
    """What the step is: bridge, optin, webinar, offer, upsell, downsell or thankyou."""
    form: Form
    """The registration form: the tool it posts to, its fields, consent and hidden values."""
    webinar: Webinar
    """When it starts, in which time zone, and for how long."""


class OfferStep(StepBase):
    """Sales page: price, benefits, testimonials, guarantee, FAQ and a checkout link.

    `next` is the step the checkout returns to after payment (set it as your checkout's
    success URL); without one the funnel ends at the checkout.
    """

    type: Literal["offer"]
    """What the step is: bridge, optin, webinar, offer, upsell, downsell or thankyou."""
    price: Price
    """What it costs: amount, currency, the regular price struck through, payment plans."""
    checkout: HttpsUrl
    """Stripe Payment Link, PayPal, Gumroad or any https checkout."""


class UpsellStep(StepBase):
    """One-time offer after a purchase: accept goes to checkout, decline to another step."""

    type: Literal["upsell"]
    """What the step is: bridge, optin, webinar, offer, upsell, downsell or thankyou."""
    price: Price
    """What it costs: amount, currency, the regular price struck through, payment plans."""
    accept: Accept
    """The yes button: its checkout link and text."""
    decline: Decline
    """The no-thanks link: the step it leads to and its text."""


class DownsellStep(StepBase):
    """A cheaper one-time offer shown to buyers who declined the upsell."""

    type: Literal["downsell"]
    """What the step is: bridge, optin, webinar, offer, upsell, downsell or thankyou."""
    price: Price
    """What it costs: amount, currency, the regular price struck through, payment plans."""
    accept: Accept
    """The yes button: its checkout link and text."""
    decline: Decline
    """The no-thanks link: the step it leads to and its text."""


class ThankyouStep(StepBase):
    """Confirmation page with next steps and an optional ascension offer."""

    type: Literal["thankyou"]
    """What the step is: bridge, optin, webinar, offer, upsell, downsell or thankyou."""
    next_steps: list[ItemText] = []
    """Numbered list of what to do now."""
    ascension: Ascension | None = None
    """An offer of the next thing to buy, with its own headline, text and button."""


Step = Annotated[
    BridgeStep | OptinStep | WebinarStep | OfferStep | UpsellStep | DownsellStep | ThankyouStep,
    Field(discriminator="type"),
]
STEP_TYPES = ("bridge", "optin", "webinar", "offer", "upsell", "downsell", "thankyou")
NOINDEX_TYPES = ("upsell", "downsell", "thankyou")


def form_of(step: StepBase) -> Form | None:
    """The sign-up form of a step that has one (opt-in, webinar). Not getattr(step, "form",
    None): a pydantic model builds a whole error message for each attribute it lacks."""
    return step.form if isinstance(step, OptinStep | WebinarStep) else None


def price_of(step: StepBase) -> Price | None:
    """The price of a step that sells something (offer, upsell, downsell); see `form_of`."""
    return step.price if isinstance(step, OfferStep | UpsellStep | DownsellStep) else None


def markdown_of(step: StepBase, body: str | None) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Every Markdown text of a step with its key path; ``body``: the step's body as planned
    (the text of its body_file, when it has one)."""
    if body:
        yield ("body_file" if step.body_file else "body",), body
    for temperature, override in step.by_temperature.items():
        if override.body:
            yield ("by_temperature", temperature, "body"), override.body
    for i, question in enumerate(step.faq):
        yield ("faq", i, "answer"), question.answer
    if step.guarantee:
        yield ("guarantee", "text"), step.guarantee.text
    if isinstance(step, ThankyouStep) and step.ascension and step.ascension.text:
        yield ("ascension", "text"), step.ascension.text


def links_of(step: StepBase) -> list[tuple[tuple[str | int, ...], str]]:
    """Every link a step's own keys write (not its Markdown's), with its key path."""
    written: list[tuple[tuple[str | int, ...], str]] = [(("links", j, "to"), link.to)
                                                        for j, link in enumerate(step.links)]
    if isinstance(step, UpsellStep | DownsellStep):
        written.append((("decline", "to"), step.decline.to))
    if isinstance(step, ThankyouStep) and step.ascension:
        written.append((("ascension", "checkout"), step.ascension.checkout))
    return written


class Funnel(Model):
    """A named chain of steps; its first step is its entry page."""

    slug: Slug | None = None
    """URL of the funnel; default the file name."""
    title: Text
    """Name of the funnel, used in the index page and analytics."""
    description: str | None = None
    """Default page description for its steps."""
    steps: list[Step] = Field(min_length=1)
    """The pages in the order a visitor goes through them, each with an id and a type."""
