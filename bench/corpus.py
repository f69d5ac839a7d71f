"""A seeded generator of realistic funnel sites, for benchmarks.

    from bench.corpus import make_corpus
    make_corpus(Path("/tmp/big"), funnels=50)       # site.yml + funnels/f01.yml … f50.yml

Each funnel has five steps: bridge (story with a Markdown body and lists, per-temperature copy)
→ opt-in → offer (price, benefits, testimonials, guarantee, FAQ, a long Markdown file from
`content/`) → upsell → thank-you. The same ``seed`` always writes the same files, formatted as
a person would write them (Markdown as `|` blocks). The first ``headline:`` line of a funnel
file is its entry step's headline, so a benchmark can find and edit it as text.
"""

from __future__ import annotations

import random
from pathlib import Path

import yaml

NICHES = [
    ("bookkeeping", "freelancers", "books", "tax season"),
    ("meal planning", "busy parents", "weeknight dinners", "the 6 pm scramble"),
    ("strength training", "desk workers", "back pain", "the afternoon slump"),
    ("piano", "adult beginners", "sight-reading", "practice guilt"),
    ("email marketing", "coaches", "open rates", "launch week"),
    ("gardening", "balcony growers", "tomatoes", "summer heat"),
    ("Spanish", "travellers", "conversation", "freezing up"),
    ("photography", "Etsy sellers", "product photos", "flat listings"),
    ("sleep", "shift workers", "rest", "3 am wake-ups"),
    ("home organising", "small apartments", "clutter", "Sunday resets"),
]
FIRST = ["Priya", "Marcus", "Jo", "Luis", "Hannah", "Daniel", "Tessa", "Amara", "Kenji", "Sofia",
         "Omar", "Elena", "Noah", "Ines", "Ravi", "Maya"]
LAST = ["R.", "B.", "W.", "O.", "K.", "L.", "M.", "S.", "T.", "N."]
CITIES = ["Austin", "Leeds", "Denver", "Lisbon", "Toronto", "Melbourne", "Dublin", "Portland"]
VERBS = ["fixed", "simplified", "sorted out", "rebuilt", "tamed", "finally organised"]
NUMBERS = [3, 5, 7, 9, 12, 21, 30]


def make_corpus(folder: Path, funnels: int, seed: int = 1) -> None:
    """Write a site with ``funnels`` five-step funnels into ``folder`` (created if missing)."""
    rng = random.Random(seed)
    (folder / "funnels").mkdir(parents=True, exist_ok=True)
    (folder / "content").mkdir(exist_ok=True)
    (folder / "site.yml").write_text(_site(), encoding="utf-8")
    for index in range(1, funnels + 1):
        niche = NICHES[(index - 1) % len(NICHES)]
        name = f"f{index:02d}"
        (folder / "content" / f"{name}.md").write_text(_long_story(rng, niche), encoding="utf-8")
        text = yaml.dump(_funnel(rng, name, index, niche), Dumper=_Dumper, sort_keys=False,
                         allow_unicode=True, width=100)
        (folder / "funnels" / f"{name}.yml").write_text(text, encoding="utf-8")


class _Dumper(yaml.SafeDumper):
    """Multi-line text as a `|` block, as people write Markdown in YAML."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_Dumper.add_representer(str, _text)


def _site() -> str:
    return """\
name: Bench Academy
base_url: https://bench.example/
language: en
theme: clean
theme_options: {button_style: pill}
brand:
  colors: {primary: "#0f5e4b", accent: "#e8a33d"}
seo:
  title: "{page} · {site}"
  description: Short, practical courses that get results.
legal:
  privacy: https://bench.example/privacy
  terms: https://bench.example/terms
  company: Bench Academy LLC, 1 Main St, Springfield
index: true
"""


def _person(rng: random.Random) -> tuple[str, str]:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}", rng.choice(CITIES)


def _list(rng: random.Random, topic: str, count: int) -> list[str]:
    out = []
    for _ in range(count):
        n = rng.choice(NUMBERS)
        out.append(rng.choice([
            f"The {n}-minute routine that keeps {topic} under control",
            f"Why most advice about {topic} fails in week {rng.randint(2, 6)}, and what to do instead",
            f"A printable checklist with {n} steps, in the order that works",
            f"How to catch up when you are {n} weeks behind, without starting over",
            f"The one question to ask before you spend money on {topic}",
        ]))
    return out


def _body(rng: random.Random, niche: tuple[str, str, str, str]) -> str:
    subject, audience, topic, pain = niche
    items = "\n".join(f"- {item}" for item in _list(rng, topic, 4))
    steps = "\n".join(f"{i}. {item}" for i, item in enumerate(_list(rng, topic, 3), start=1))
    return (
        f"Most {audience} I talk to don't have a {subject} problem. They have a **{pain}** "
        f"problem: everything piles up at once, and {topic} is the first thing to slip.\n\n"
        f"Here is what changed for me:\n\n{items}\n\n"
        f"And the order I now do it in, every week:\n\n{steps}\n\n"
        f"It takes *less time* than the worrying did. [Read the full story](#main).\n"
    )


def _long_story(rng: random.Random, niche: tuple[str, str, str, str]) -> str:
    return "\n".join(f"## Part {i}\n\n{_body(rng, niche)}" for i in range(1, 4))


def _testimonials(rng: random.Random, topic: str, count: int) -> list[dict[str, str]]:
    out = []
    for _ in range(count):
        name, city = _person(rng)
        out.append({
            "quote": f"I {rng.choice(VERBS)} my {topic} in {rng.choice(NUMBERS)} days. "
                     f"I wish I had found this {rng.randint(2, 9)} years ago.",
            "name": name, "role": f"Customer, {city}",
        })
    return out


def _faq(rng: random.Random, subject: str, audience: str) -> list[dict[str, str]]:
    return [
        {"question": "How long does it take each week?",
         "answer": f"About {rng.choice(NUMBERS) + 10} minutes once you are set up. The first week "
                   "takes an hour."},
        {"question": f"Is this for {audience} who are complete beginners?",
         "answer": f"Yes. We start from zero and explain every {subject} term the first time it "
                   "comes up."},
        {"question": "What if it doesn't work for me?",
         "answer": "Email us within 30 days and you get every cent back. No forms, no questions."},
        {"question": "Do I need special software?",
         "answer": "No. A free spreadsheet or a notebook works; the videos show both."},
    ]


def _funnel(rng: random.Random, name: str, index: int, niche: tuple[str, str, str, str]) -> dict[str, object]:
    subject, audience, topic, pain = niche
    price = rng.choice([27, 47, 97, 197, 297])
    return {
        "title": f"{subject.capitalize()} for {audience} #{index}",
        "description": f"A free guide and course on {subject} for {audience}.",
        "steps": [
            {
                "id": "story", "type": "bridge",
                "eyebrow": f"For {audience}",
                "headline": f"How I beat {pain} and {rng.choice(VERBS)} my {topic} (funnel {index})",
                "subheadline": f"A short story about {subject}, and the routine that came out of it.",
                "body": _body(rng, niche),
                "by_temperature": {"warm": {"headline": f"Welcome back: the {topic} story you started"},
                                   "hot": {"headline": f"You're in. Here's the {topic} routine."}},
                "cta": {"text": "Get the free checklist"},
            },
            {
                "id": "optin", "type": "optin",
                "eyebrow": "Free checklist",
                "headline": f"The {rng.choice(NUMBERS)}-step {topic} checklist",
                "benefits": _list(rng, topic, 3),
                "form": {"provider": "custom", "action": "https://mail.example/subscribe",
                         "fields": [{"name": "first_name", "label": "First name"},
                                    {"name": "email", "type": "email", "label": "Email address",
                                     "required": True}]},
                "cta": {"text": "Send me the checklist", "note": "Free. Unsubscribe any time."},
            },
            {
                "id": "offer", "type": "offer",
                "headline": f"The complete {subject} course for {audience}",
                "body_file": f"content/{name}.md",
                "price": {"amount": price, "compare_at": price * 2, "currency": "USD",
                          "note": "One-time payment"},
                "checkout": f"https://buy.stripe.com/test_{name}",
                "benefits_title": "Everything that's included",
                "benefits": _list(rng, topic, 5),
                "testimonials": _testimonials(rng, topic, 3),
                "guarantee": {"days": 30, "text": "Try it for 30 days. If it doesn't help, full refund."},
                "faq": _faq(rng, subject, audience),
                "cta": {"text": f"Get the course for ${price}"},
            },
            {
                "id": "coaching", "type": "upsell",
                "headline": f"Add a 1:1 {subject} session",
                "subheadline": "One hour, on your own situation, within two weeks.",
                "price": {"amount": 149},
                "accept": {"text": "Yes, add the session", "checkout": f"https://buy.stripe.com/call_{name}"},
                "decline": {"to": "welcome"},
            },
            {
                "id": "welcome", "type": "thankyou",
                "headline": "You're in. Check your inbox.",
                "next_steps": ["Open the welcome email", f"Block {rng.choice(NUMBERS)} minutes this week"],
            },
        ],
    }
