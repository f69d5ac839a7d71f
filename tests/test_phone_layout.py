"""The built-in themes on a phone, measured in Debian's headless Chromium: small sites made here
with what marketers really upload (a wide logo, odd-shaped testimonial photos, a seven-figure
price, a long consent text, a long video title) keep their shape and stay usable on 320 to
414 px wide screens.

- a wide logo keeps its proportions (it was squashed to the header's height);
- a testimonial photo of any shape is a round crop (a tall or wide one was an oval);
- a price never breaks inside its number and never makes the page scroll sideways;
- payment plan links, the "No thanks" link and secondary links are 44 px tap targets, footer
  links 24 px (WCAG 2.5.8);
- the consent banner, whatever its height, never hides the end of the page, and stays compact;
- a long video title stays clear of the play button.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import Result
from conftest import FUNNEL_YML
from PIL import Image, ImageChops

from funnelgen.theme import builtin_themes

if TYPE_CHECKING:  # imported by pytest_plugins below, which must be first to load it
    from tests.browser import NewPage, Serve, Tab

pytest_plugins = ["tests.browser"]  # the browser, new_page and serve fixtures
pytestmark = pytest.mark.browser

RunCli = Callable[..., Result]
MakeSite = Callable[..., Path]
THEMES = builtin_themes()
EVERY_THEME = pytest.mark.parametrize("theme", THEMES)
SCALE = 3  # device pixels per CSS pixel, as on most phones: pictures are measured in these


def phone(width: int, height: int) -> dict[str, Any]:
    """The context options of a phone whose screen is ``width`` × ``height`` CSS pixels."""
    return {"viewport": {"width": width, "height": height}, "device_scale_factor": SCALE,
            "is_mobile": True, "has_touch": True}


SITE_YML = """\
name: Tiny Co
base_url: https://tiny.example/
theme: {theme}
legal:
  privacy: https://tiny.example/privacy
  terms: https://tiny.example/terms
  company: Tiny Co LLC
  disclaimer: Results vary. This is education, not financial advice.
"""


def build_site(make_site: MakeSite, run_cli: RunCli, theme: str, files: dict[str, str | bytes | None],
               site_yml: str = "", name: str = "site") -> Path:
    """Build a tiny site in ``theme`` from ``files`` (over the minimal one); returns the output."""
    site = make_site({"site.yml": SITE_YML.format(theme=theme) + site_yml, **files}, name=f"{name}-{theme}")
    out = site.parent / f"{site.name}-out"
    result = run_cli("build", site, "-o", out)
    assert result.exit_code == 0, result.output
    return out


def png(width: int, height: int, colour: str = "#d00000") -> bytes:
    """A PNG of one colour, ``width`` × ``height`` pixels."""
    data = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(data, "PNG")
    return data.getvalue()


def svg(width: int, height: int, colour: str = "#d00000") -> str:
    """An SVG of one colour with a size but no viewBox, as many design tools export it."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}">'
            f'<rect width="{width}" height="{height}" fill="{colour}"/></svg>\n')


def red_box(picture: bytes) -> tuple[int, int]:
    """Width and height, in pixels, of the red area of a screenshot (the logo made above)."""
    red, green, _ = Image.open(io.BytesIO(picture)).convert("RGB").split()
    mask = ImageChops.multiply(red.point(lambda v: 255 if v > 150 else 0),
                               green.point(lambda v: 255 if v < 80 else 0))
    box = mask.getbbox()
    assert box is not None, "no logo on the screenshot"
    return box[2] - box[0], box[3] - box[1]


# ---- 1. the logo -------------------------------------------------------------------------------

@EVERY_THEME
@pytest.mark.parametrize("logo", ["logo.png", "logo.svg"])
def test_a_wide_logo_keeps_its_proportions_on_a_phone(
    make_site: MakeSite, run_cli: RunCli, serve: Serve, new_page: NewPage, theme: str, logo: str
) -> None:
    picture = png(1000, 100) if logo.endswith(".png") else svg(1000, 100)
    out = build_site(make_site, run_cli, theme, {f"assets/{logo}": picture},
                     f"brand: {{logo: assets/{logo}, logo_alt: Tiny Co}}\n")
    for width, height in ((360, 740), (414, 896)):
        tab = new_page(**phone(width, height))
        tab.goto(serve(out) + "tiny/")
        header = tab.page.locator(".site-header")
        tab.page.wait_for_function("document.querySelector('.logo').complete")
        shown_width, shown_height = (size / SCALE for size in red_box(header.screenshot()))
        # Chromium draws a picture's pixels on whole CSS pixels: a 32.8 px tall logo shows 32 px.
        assert abs(shown_height - shown_width / 10) <= 1, (
            f"{theme} at {width} px: the 1000×100 logo shows {shown_width:.1f}×{shown_height:.1f} px, "
            f"a ratio of {shown_width / shown_height:.2f}, not 10")
        assert shown_width <= width - 16, f"{theme} at {width} px: the logo is wider than the screen"
        assert shown_height <= 40.5, f"{theme}: the logo is taller than the header's 2.5rem"


# ---- 2. testimonial photos ---------------------------------------------------------------------

PHOTO_FUNNEL = FUNNEL_YML.replace("  - id: thanks\n", """\
    testimonials:
      - {quote: It changed my week., name: Tall Tina, role: Nurse, photo: assets/tall.png}
      - {quote: Worth every minute., name: Wide Walt, role: Teacher, photo: assets/wide.png}
      - {quote: Simple and clear., name: Vector Vera, role: Designer, photo: assets/wide.svg}
  - id: thanks
""")


@EVERY_THEME
def test_a_testimonial_photo_of_any_shape_is_a_round_crop(
    make_site: MakeSite, run_cli: RunCli, serve: Serve, new_page: NewPage, theme: str
) -> None:
    out = build_site(make_site, run_cli, theme, {
        "funnels/tiny.yml": PHOTO_FUNNEL, "assets/tall.png": png(600, 2400, "#3366cc"),
        "assets/wide.png": png(800, 300, "#3366cc"), "assets/wide.svg": svg(400, 200, "#3366cc")})
    tab = new_page(**phone(360, 740))
    tab.goto(serve(out) + "tiny/")
    photos = tab.page.evaluate("""() => [...document.querySelectorAll("figcaption img")].map(img => {
        img.scrollIntoView();
        const box = img.getBoundingClientRect(), style = getComputedStyle(img);
        return {src: img.getAttribute("src").split("/").pop(), width: box.width, height: box.height,
                fit: style.objectFit, radius: style.borderRadius}; })""")
    assert len(photos) == 3
    for photo in photos:
        assert abs(photo["width"] - photo["height"]) < 0.5 and photo["radius"] == "50%", (
            f"{theme}: {photo['src']} shows as a {photo['width']:.0f}×{photo['height']:.0f} px oval, not a circle")
        assert photo["fit"] == "cover", f"{theme}: {photo['src']} is squeezed into its circle, not cropped: {photo}"
        assert 44 <= photo["width"] <= 52, f"{theme}: {photo['src']} is no longer 3rem wide: {photo}"


# ---- 3. big prices -----------------------------------------------------------------------------

PRICE_FUNNEL = """\
title: Tiny funnel
steps:
  - id: course
    type: offer
    headline: The complete course
    price: {amount: 1234567.89, compare_at: 2345678.9}
    checkout: https://buy.stripe.com/test_course
  - id: coaching
    type: upsell
    headline: Add coaching
    price: {amount: 123456.78}
    accept: {checkout: "https://buy.stripe.com/test_coaching"}
    decline: {to: thanks}
  - id: thanks
    type: thankyou
    headline: Thanks for buying
"""

# How the price shows: its lines (the number's text, not the words for screen readers), how far
# it pokes out of the price box, and how far the page scrolls sideways.
PRICE_JS = """() => {
  const amount = document.querySelector(".amount"), box = document.querySelector(".buy");
  const text = document.createRange(), tops = new Set();
  let right = -Infinity, left = Infinity;
  for (const node of amount.childNodes) {
    if (node.nodeType !== Node.TEXT_NODE || !node.data.trim()) continue;
    text.selectNodeContents(node);
    for (const line of text.getClientRects()) {
      tops.add(Math.round(line.top)); right = Math.max(right, line.right); left = Math.min(left, line.left);
    }
  }
  const inside = box.getBoundingClientRect();
  return {price: amount.textContent.trim(), lines: tops.size,
          pokesOut: Math.max(right - inside.right, inside.left - left, 0),
          sideways: document.scrollingElement.scrollWidth - innerWidth,
          size: getComputedStyle(amount).fontSize};
}"""


@EVERY_THEME
def test_a_big_price_stays_whole_on_one_line_on_every_phone(
    make_site: MakeSite, run_cli: RunCli, serve: Serve, new_page: NewPage, theme: str
) -> None:
    base = serve(build_site(make_site, run_cli, theme, {"funnels/tiny.yml": PRICE_FUNNEL}))
    problems = []
    for width, height in ((320, 568), (360, 740), (414, 896)):
        tab = new_page(**phone(width, height))
        for step in ("course", "coaching"):
            tab.goto(f"{base}tiny/{step}/")
            shown = tab.page.evaluate(PRICE_JS)
            if shown["lines"] != 1 or shown["pokesOut"] > 0.5 or shown["sideways"]:
                problems.append(f"{width} px, {step}: {shown}")
    assert not problems, f"{theme}: a price breaks or overflows:\n" + "\n".join(problems)


# ---- 4. tap targets ----------------------------------------------------------------------------

LINKS_FUNNEL = """\
title: Tiny funnel
steps:
  - id: course
    type: offer
    headline: The complete course
    price:
      amount: 297
      plans:
        - {amount: 107, count: 3, checkout: "https://buy.stripe.com/test_three"}
        - {amount: 57, count: 6, checkout: "https://buy.stripe.com/test_six"}
    checkout: https://buy.stripe.com/test_course
    links:
      - {text: Questions? Write to us, to: "mailto:help@tiny.example"}
      - {text: Read the full syllabus first, to: thanks}
  - id: coaching
    type: upsell
    headline: Add coaching
    price: {amount: 197}
    accept: {checkout: "https://buy.stripe.com/test_coaching"}
    decline: {to: thanks}
    links:
      - {text: Back to the course page, to: course}
  - id: thanks
    type: thankyou
    headline: Thanks for buying
"""

# Every link of these kinds on the page: its words and the box a finger can hit.
TARGETS_JS = """selector => [...document.querySelectorAll(selector)].map(a => {
  const box = a.getBoundingClientRect();
  return {text: a.textContent.trim(), top: box.top + scrollY, bottom: box.bottom + scrollY,
          height: box.height, width: box.width};
})"""
TAP_TARGETS = {".plans a": 44, ".decline a": 44, ".links a": 44, ".site-footer a": 24}


@EVERY_THEME
def test_plan_decline_and_secondary_links_are_big_enough_to_tap(
    make_site: MakeSite, run_cli: RunCli, serve: Serve, new_page: NewPage, theme: str
) -> None:
    base = serve(build_site(make_site, run_cli, theme, {"funnels/tiny.yml": LINKS_FUNNEL}))
    tab = new_page(**phone(360, 740))
    problems, seen = [], dict.fromkeys(TAP_TARGETS, 0)
    for step in ("course", "coaching"):
        tab.goto(f"{base}tiny/{step}/")
        for selector, least in TAP_TARGETS.items():
            targets = tab.page.evaluate(TARGETS_JS, selector)
            seen[selector] += len(targets)
            problems += [f"{step}: {selector} {t['text']!r} is {t['height']:.1f} px tall, under {least}"
                         for t in targets if t["height"] < least]
            problems += [f"{step}: {selector} {above['text']!r} overlaps {below['text']!r}"
                         for above, below in itertools.pairwise(targets)
                         if selector != ".site-footer a" and above["bottom"] > below["top"] + 0.5]
    assert all(seen.values()), f"the pages lack some links: {seen}"
    assert not problems, f"{theme}: links too small to tap on a phone:\n" + "\n".join(problems)


# ---- 5. the consent banner ---------------------------------------------------------------------

LONG_CONSENT = """\
tracking: {ga4: {measurement_id: G-TEST123}}
consent:
  mode: banner
  text: >-
    We and our partners use cookies and similar technologies to measure how this page performs,
    to remember your choices between visits, to understand which of our emails and adverts
    brought you here, and to show you more relevant offers on other sites. You can change your
    mind at any time from the link at the bottom of every page of this site.
  accept: Accept all cookies
  decline: Only necessary cookies
"""
DEFAULT_CONSENT = "tracking: {ga4: {measurement_id: G-TEST123}}\nconsent: {mode: banner}\n"

# What a visitor's finger finds at the middle of each footer link and of the disclaimer, after
# scrolling to the very end of the page.
AT_THE_END_JS = """async () => {
  scrollTo(0, document.scrollingElement.scrollHeight);
  await new Promise(resolve => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  return [...document.querySelectorAll(".site-footer a, .disclaimer")].map(e => {
    const box = e.getClientRects()[0], hit = document.elementFromPoint(box.left + box.width / 2,
                                                                       box.top + box.height / 2);
    return {what: e.textContent.trim().slice(0, 30), found: hit === e || e.contains(hit),
            hit: hit ? hit.outerHTML.slice(0, 60) : null, top: box.top, innerHeight};
  });
}"""


def banner_box(tab: Tab) -> dict[str, float]:
    """Where the consent banner is on the screen, with the screen's height."""
    box: dict[str, float] = tab.page.locator("#funnelgen-consent").evaluate(
        "e => { const r = e.getBoundingClientRect(); return {top: r.top, bottom: r.bottom, "
        "height: r.height, screen: innerHeight}; }")
    return box


@EVERY_THEME
def test_the_consent_banner_never_hides_the_end_of_the_page(
    make_site: MakeSite, run_cli: RunCli, serve: Serve, new_page: NewPage, theme: str
) -> None:
    long_text = serve(build_site(make_site, run_cli, theme, {}, LONG_CONSENT, name="long"))
    for width, height in ((360, 740), (414, 896)):
        tab = new_page(**phone(width, height))
        tab.goto(long_text + "tiny/")
        banner = tab.page.locator("#funnelgen-consent")
        assert banner.is_visible(), f"{theme}: no consent banner"
        shown = banner_box(tab)
        assert shown["bottom"] <= shown["screen"] + 0.5 and shown["top"] < shown["screen"], (
            f"{theme} at {width} px: the banner is not on the first screen: {shown}")
        covered = [e for e in tab.page.evaluate(AT_THE_END_JS) if not e["found"]]
        assert not covered, f"{theme} at {width} px: the banner hides the end of the page: {covered}"
        banner.get_by_role("button", name="Only necessary cookies").click()
        assert not banner.is_visible()
        assert all(e["found"] for e in tab.page.evaluate(AT_THE_END_JS))

    # The default banner leaves most of a small phone's screen, upright or on its side, to the page.
    default_text = serve(build_site(make_site, run_cli, theme, {}, DEFAULT_CONSENT, name="default"))
    for width, height in ((320, 568), (740, 360)):
        tab = new_page(**phone(width, height))
        tab.goto(default_text + "tiny/")
        shown = banner_box(tab)
        assert shown["height"] <= height / 4, (
            f"{theme} at {width}×{height}: the banner takes {shown['height']:.0f} px of {height}")
        assert shown["bottom"] <= height + 0.5


# ---- 6. the video title ------------------------------------------------------------------------

VIDEO_FUNNEL = """\
title: Tiny funnel
steps:
  - id: story
    type: bridge
    headline: See how it works
    video:
      url: https://www.youtube.com/watch?v=dQw4w9WgXcQ
      title: "Watch: the first Friday, on a real client's books (9 min)"
    cta: {text: Save my seat}
    next: thanks
  - id: thanks
    type: thankyou
    headline: Thanks for watching
"""

# The play button's box and every line of the title that shows (inside the title's own box),
# with how much of each line overlaps the button.
VIDEO_JS = """() => {
  const play = document.querySelector(".play").getBoundingClientRect();
  const title = document.querySelector(".video-title"), shows = title.getBoundingClientRect();
  const text = document.createRange();
  text.selectNodeContents(title);
  const lines = [...text.getClientRects()].filter(line => line.bottom > shows.top + 1 && line.top < shows.bottom - 1);
  const overlap = line => Math.max(0, Math.min(line.right, play.right) - Math.max(line.left, play.left))
                        * Math.max(0, Math.min(line.bottom, play.bottom) - Math.max(line.top, play.top));
  const facade = document.querySelector(".video-facade").getBoundingClientRect();
  const clip = shows.bottom - parseFloat(getComputedStyle(title).borderBottomWidth);  // overflow stops here
  const rows = new Set([...text.getClientRects()].filter(line => line.top < clip - 1).map(line => Math.round(line.top)));
  return {lines: lines.length, overlap: lines.reduce((sum, line) => sum + overlap(line), 0), shown: rows.size,
          play: [play.top - facade.top, play.bottom - facade.top], height: facade.height,
          inside: play.top >= facade.top - 0.5 && play.bottom <= facade.bottom + 0.5};
}"""


@EVERY_THEME
def test_a_very_long_video_title_shows_two_lines_and_no_part_of_a_third(
    make_site: MakeSite, run_cli: RunCli, serve: Serve, new_page: NewPage, theme: str
) -> None:
    long_title = "Watch the whole story of the first Friday, on a real client's books, " * 3
    funnel = VIDEO_FUNNEL.replace("Watch: the first Friday, on a real client's books (9 min)", long_title.strip())
    base = serve(build_site(make_site, run_cli, theme, {"funnels/tiny.yml": funnel}))
    for width, height in ((320, 568), (1280, 800)):
        tab = new_page(**phone(width, height)) if width < 1024 else new_page(viewport={"width": width, "height": height})
        tab.goto(base + "tiny/")
        shown = tab.page.evaluate(VIDEO_JS)
        assert shown["shown"] == 2, f"{theme} at {width} px: {shown['shown']} lines of the title show"


@EVERY_THEME
def test_a_long_video_title_stays_clear_of_the_play_button(
    make_site: MakeSite, run_cli: RunCli, serve: Serve, new_page: NewPage, theme: str
) -> None:
    base = serve(build_site(make_site, run_cli, theme, {"funnels/tiny.yml": VIDEO_FUNNEL}))
    for width, height in ((320, 568), (360, 740), (414, 896), (1280, 800)):
        tab = new_page(**phone(width, height)) if width < 1024 else new_page(viewport={"width": width, "height": height})
        tab.goto(base + "tiny/")
        shown = tab.page.evaluate(VIDEO_JS)
        assert shown["lines"] >= 1, f"{theme} at {width} px: the video's title does not show: {shown}"
        assert shown["overlap"] == 0 and shown["inside"], (
            f"{theme} at {width} px: the title runs over the play button: {shown}")
