"""Every built-in theme meets the page targets of issue 4 on every page of the demo site, and of
the tiny site with every step type and a consent banner:

- each page (HTML with its inlined CSS and runtime) weighs at most 25 KB;
- the W3C Nu HTML Checker finds no error (one java process checks every page of every theme);
- in Chromium on a phone: nothing scrolls sideways, the layout never shifts (CLS 0), and the
  keyboard reaches every link, button, field and summary, each one shown clear of anything
  covering it, with a visible focus outline.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from funnelgen.commands.build import build
from funnelgen.theme import builtin_themes
from scripts.screenshots import demo_site
from tests.conftest import FUNNEL_YML
from tests.test_html_valid import EVERY_STEP_TYPE, describe, vnu_errors

if TYPE_CHECKING:  # imported by pytest_plugins below, which must be first to load it
    from tests.browser import NewPage, Serve

pytest_plugins = ["tests.browser"]  # the browser, new_page and serve fixtures
pytestmark = pytest.mark.browser

THEMES = builtin_themes()
PAGE_BUDGET = 25_600  # bytes: HTML + inlined CSS + inlined runtime, uncompressed
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
                         "is_mobile": True, "has_touch": True}


def every_step_site(theme: str, into: Path) -> Path:
    """The validator's tiny site with every step type and block, with a consent banner."""
    site = into / f"every-step-{theme}"
    files = {**EVERY_STEP_TYPE, "funnels/tiny.yml": FUNNEL_YML}
    files["site.yml"] = textwrap.dedent(str(files["site.yml"])) + f"theme: {theme}\nconsent: {{mode: banner}}\n"
    for rel, text in files.items():
        if text is not None:
            (site / rel).parent.mkdir(parents=True, exist_ok=True)
            (site / rel).write_text(textwrap.dedent(str(text)), encoding="utf-8")
    return site


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    """theme → output folders: the demo site and the every-step-type site built with it."""
    outputs: dict[str, list[Path]] = {}
    for theme in THEMES:
        into = tmp_path_factory.mktemp(theme)
        outputs[theme] = []
        for name, site in (("demo", demo_site(theme, into)), ("every-step", every_step_site(theme, into))):
            out = into / f"{name}-out"
            build(site, out)
            outputs[theme].append(out)
    yield outputs
    for folders in outputs.values():
        for folder in folders:
            shutil.rmtree(folder.parent, ignore_errors=True)


def pages_of(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


@pytest.mark.parametrize("theme", THEMES)
def test_every_page_weighs_at_most_25_kb(built: dict[str, list[Path]], theme: str) -> None:
    weights = {f"{out.name}/{p.relative_to(out).as_posix()}": p.stat().st_size
               for out in built[theme] for p in pages_of(out)}
    heavy = {page: size for page, size in weights.items() if size > PAGE_BUDGET}
    assert not heavy, f"pages over {PAGE_BUDGET} bytes with {theme}: {heavy}"
    assert len(weights) >= 25


def test_every_page_of_every_theme_is_valid_html(built: dict[str, list[Path]]) -> None:
    roots = [out for outs in built.values() for out in outs]
    errors = vnu_errors([page for root in roots for page in pages_of(root)])
    if errors:
        shown = [f"{root.parent.name}/{describe(e, [root])}" for e in errors for root in roots
                 if str(e.get("url", "")).removeprefix("file:").startswith(str(root))]
        pytest.fail(f"{len(errors)} HTML errors:\n" + "\n".join(shown), pytrace=False)


# Layout shifts since the page started, as Chrome reports them (CLS without session windows).
LAYOUT_SHIFT_JS = """() => new Promise(resolve => {
  let total = 0;
  new PerformanceObserver(list => {
    for (const entry of list.getEntries()) if (!entry.hadRecentInput) total += entry.value;
  }).observe({type: "layout-shift", buffered: true});
  setTimeout(() => resolve(total), 250);
})"""

# The focused element: is it on screen, clear of anything covering it, with a focus outline?
FOCUSED_JS = """() => {
  const e = document.activeElement;
  if (!e || e === document.body || e.dataset.seen) return null;
  e.dataset.seen = document.querySelector("[data-seen]") ? "1" : "first";
  const box = e.getClientRects()[0] || e.getBoundingClientRect(), style = getComputedStyle(e);
  const x = Math.min(Math.max(box.left + box.width / 2, 1), innerWidth - 1);
  const y = Math.min(Math.max(box.top + box.height / 2, 1), innerHeight - 1);
  const hit = document.elementFromPoint(x, y);
  return {what: e.outerHTML.slice(0, 90),
          onScreen: box.bottom > 0 && box.top < innerHeight && box.right > 0 && box.left < innerWidth,
          clear: !!hit && (hit === e || e.contains(hit) || hit.contains(e) && hit.tagName === "LABEL"),
          outline: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2};
}"""

# Everything a visitor can use, that the walk with Tab did not reach.
MISSED_JS = """() => [...document.querySelectorAll(
    "a[href], button, input:not([type=hidden]), summary, select, textarea")]
  .filter(e => e.getClientRects().length && e.tabIndex >= 0 && !e.dataset.seen
               && getComputedStyle(e).visibility !== "hidden")
  .map(e => e.outerHTML.slice(0, 90))"""


def phone_problems(tab: Any, url: str) -> list[str]:
    page = tab.page
    problems = []
    widths = page.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
    if widths[0] != widths[1]:
        problems.append(f"{url}: scrolls sideways: [scrollWidth, innerWidth] = {widths}")
    page.evaluate("async () => { scrollTo(0, document.body.scrollHeight);"
                  " await new Promise(r => setTimeout(r, 50)); scrollTo(0, 0); }")
    shift = page.evaluate(LAYOUT_SHIFT_JS)
    if shift:
        problems.append(f"{url}: the layout shifts (CLS {shift:.4f})")
    for _ in range(200):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED_JS)
        if focused is None:  # out of the page, back at the start, or inside a <video>'s controls
            if page.evaluate("() => document.activeElement === document.body"
                             " || document.activeElement.dataset.seen === 'first'"):
                break
            continue
        for check, why in (("onScreen", "off screen"), ("clear", "covered"), ("outline", "no focus outline")):
            if not focused[check]:
                problems.append(f"{url}: focused but {why}: {focused['what']}")
    missed = page.evaluate(MISSED_JS)
    if missed:
        problems.append(f"{url}: the keyboard never reaches {missed}")
    return problems


@pytest.mark.parametrize("theme", THEMES)
def test_every_page_works_on_a_phone_with_the_keyboard(
    built: dict[str, list[Path]], serve: Serve, new_page: NewPage, theme: str
) -> None:
    problems: list[str] = []
    tab = new_page(**PHONE)
    pages = 0
    for out in built[theme]:
        base = serve(out)
        for path in pages_of(out):
            rel = path.relative_to(out).as_posix()
            url = base + rel.removesuffix("index.html")
            assert tab.goto(url) == 200
            if out.name.startswith("every-step") and path.name == "index.html" and "/" in rel:
                assert tab.page.locator("#funnelgen-consent").is_visible(), f"{url}: no consent banner"
            problems += phone_problems(tab, url)
            pages += 1
    assert not problems, f"{theme}:\n" + "\n".join(problems)
    assert pages >= 25
    # 404.html links its favicon by absolute URL (it is served at any path); nothing else may fail.
    assert [e for e in tab.console_errors if "ERR_BLOCKED_BY_CLIENT" not in e] == []
    assert {url.split("/assets/")[0] for url in tab.blocked} <= {"https://demo.funnelgen.dev"}


# How far inside the guarantee badge's circle each line of its text stays (negative: it pokes out).
BADGE_CLEARANCE_JS = """() => {
  const badge = document.querySelector(".badge"), box = badge.getBoundingClientRect();
  const cx = box.left + box.width / 2, cy = box.top + box.height / 2, radius = box.width / 2;
  const words = document.createTreeWalker(badge, NodeFilter.SHOW_TEXT), text = document.createRange();
  let clearance = Infinity;
  for (let node = words.nextNode(); node; node = words.nextNode()) {
    text.selectNodeContents(node);
    for (const line of [...text.getClientRects()].filter(line => line.width > 0 && node.data.trim())) {
      for (const [x, y] of [[line.left, line.top], [line.right, line.top], [line.left, line.bottom],
                            [line.right, line.bottom]]) {
        clearance = Math.min(clearance, radius - Math.hypot(x - cx, y - cy));
      }
    }
  }
  return {clearance, round: getComputedStyle(badge).borderRadius};
}"""


@pytest.mark.parametrize("theme", THEMES)
def test_the_guarantee_badge_holds_its_words_inside_its_circle(
    built: dict[str, list[Path]], serve: Serve, new_page: NewPage, theme: str
) -> None:
    tab = new_page(**PHONE)
    assert tab.goto(serve(built[theme][0]) + "free-training/system/") == 200
    badge = tab.page.evaluate(BADGE_CLEARANCE_JS)
    assert badge["round"] == "50%", badge
    assert badge["clearance"] >= 2, f"'30 DAY GUARANTEE' touches the edge of the circle: {badge}"


@pytest.mark.parametrize("theme", THEMES)
def test_an_outline_button_is_outlined_all_round(tmp_path: Path, serve: Serve, new_page: NewPage, theme: str) -> None:
    """On bold's dark price box too: its buttons' darker bottom edge vanished there when outlined."""
    site = every_step_site(theme, tmp_path)
    (site / "site.yml").write_text((site / "site.yml").read_text(encoding="utf-8")
                                   + "theme_options: {button_style: outline}\n", encoding="utf-8")
    build(site, tmp_path / "out")
    tab = new_page(**PHONE)
    assert tab.goto(serve(tmp_path / "out") + "launch/course/") == 200
    edges = tab.page.evaluate("""() => [...document.querySelectorAll(".button")].map(b => {
        const style = getComputedStyle(b);
        return [style.borderTopColor, style.borderBottomColor, style.backgroundColor]; })""")
    assert edges, "no button on the offer page"
    for top, bottom, background in edges:
        assert bottom == top and background == "rgba(0, 0, 0, 0)", edges


@pytest.mark.parametrize("theme", THEMES)
def test_a_price_table_keeps_its_numbers_whole_and_scrolls_on_a_phone(
        tmp_path: Path, serve: Serve, new_page: NewPage, theme: str) -> None:
    site = every_step_site(theme, tmp_path)
    funnel = site / "funnels" / "launch.yml"
    table = ("| Plan | What you get | Price |\\n|---|---|--:|\\n| Basic | Six modules | $297.00 |\\n"
             "| Pro | Everything, and https://example.com/a/very/long/link/to/the/coaching/page | $1,299.00 |")
    text = funnel.read_text(encoding="utf-8")
    assert "    body: Six lessons, one per week.\n" in text
    funnel.write_text(text.replace("    body: Six lessons, one per week.\n", f'    body: "{table}"\n'), encoding="utf-8")
    build(site, tmp_path / "out")
    tab = new_page(**PHONE)
    assert tab.goto(serve(tmp_path / "out") + "launch/course/") == 200
    at = tab.page.evaluate("""() => {
        const cells = [...document.querySelectorAll("td")].filter(td => td.textContent.startsWith("$"));
        const lines = td => { const text = document.createRange(); text.selectNodeContents(td);
                              return text.getClientRects().length; };
        return {lines: cells.map(lines),
                table: document.querySelector("table").scrollWidth > document.querySelector("table").clientWidth,
                page: document.scrollingElement.scrollWidth - innerWidth}; }""")
    assert at["lines"] == [1, 1], f"a price is cut over lines: {at}"
    assert at["table"] and at["page"] == 0, f"the table scrolls, not the page: {at}"


# A site in a right-to-left language: every theme lays its pages out from the right.
RTL_SITE = """\
name: متجر الخطوات
base_url: https://rtl.example/
language: ar
index: true
theme: {theme}
legal: {{privacy: https://rtl.example/privacy, company: شركة الخطوات}}
hosting: {{targets: [github-pages], redirects: [{{from: /go, to: course}}]}}
"""
RTL_FUNNEL = """\
title: الدورة
steps:
  - id: course
    type: offer
    eyebrow: عرض لفترة محدودة
    headline: خطط أسبوعك في خمس دقائق.
    body: "ست دروس، درس كل أسبوع. اكتب `def hello():`\n\n```\ndef hello():\n```"
    benefits: [وقت أكثر, توتر أقل]
    testimonials:
      - {quote: غيّرت أسبوعي., name: سارة, role: ممرضة}
      - {quote: أنصح بها., name: Priya S., role: "Nurse, Leeds."}
    price: {amount: 97, compare_at: 197, note: دفعة واحدة}
    guarantee: {days: 30, text: استرداد كامل خلال ثلاثين يوما.}
    checkout: https://buy.stripe.com/test_course
    cta: {text: احصل على الدورة, note: وصول فوري.}
  - id: done
    type: thankyou
    headline: شكرا لك.
"""

# Where things are on an offer page, as the visitor sees them.
LAYOUT_JS = """() => {
  const html = document.documentElement, ul = document.querySelector(".benefits ul");
  const li = ul.querySelector("li"), text = document.createRange();
  text.selectNodeContents(li);
  const quote = getComputedStyle(document.querySelector(".testimonial"));
  const span = r => [r.left, r.right];
  return {dir: html.getAttribute("dir"), direction: getComputedStyle(html).direction,
          ul: span(ul.getBoundingClientRect()), li: span(li.getBoundingClientRect()),
          text: span(text.getBoundingClientRect()),
          border: [parseFloat(quote.borderLeftWidth), parseFloat(quote.borderRightWidth)],
          arrow: getComputedStyle(document.querySelector(".cta .button"), "::after").content,
          code: [...document.querySelectorAll(".prose code")].map(c => getComputedStyle(c).direction),
          latin: [...document.querySelectorAll(".testimonial .name")].map(name => {  // its first and last letter
            const letters = name.firstChild, one = document.createRange(), x = i => {
              one.setStart(letters, i); one.setEnd(letters, i + 1); return one.getBoundingClientRect().left; };
            return [x(0), x(letters.length - 1)]; }),
          width: Math.max(document.scrollingElement.scrollWidth, innerWidth)};
}"""

# The focused element's box, to find the skip link when it takes the focus.
FOCUS_BOX_JS = """() => { const e = document.activeElement, r = e.getBoundingClientRect();
  return {name: e.className, top: r.top, left: r.left, right: r.right, width: innerWidth}; }"""


def marker_between(page: Any, left: float, right: float) -> bool:
    """Whether the first benefit's bullet is drawn between ``left`` and ``right``: that strip of
    its first line looks different once the list's markers are turned off."""
    first = page.locator(".benefits li").first
    first.scroll_into_view_if_needed()
    box = first.bounding_box()
    assert box is not None
    clip = {"x": left, "y": box["y"], "width": right - left, "height": min(box["height"], 20)}
    shown = page.screenshot(clip=clip)
    page.locator(".benefits ul").evaluate("ul => ul.style.listStyle = 'none'")
    hidden = page.screenshot(clip=clip)
    page.locator(".benefits ul").evaluate("ul => ul.style.listStyle = ''")
    return shown != hidden


@pytest.mark.parametrize("theme", THEMES)
def test_a_right_to_left_site_reads_from_the_right(
    tmp_path: Path, built: dict[str, list[Path]], serve: Serve, new_page: NewPage, theme: str
) -> None:
    site, out = tmp_path / "rtl", tmp_path / "rtl-out"
    for rel, text in (("site.yml", RTL_SITE.format(theme=theme)), ("funnels/course.yml", RTL_FUNNEL)):
        (site / rel).parent.mkdir(parents=True, exist_ok=True)
        (site / rel).write_text(text, encoding="utf-8")
    build(site, out)
    pages = pages_of(out)  # the steps, the index, the 404 and the redirect page
    assert {p.relative_to(out).as_posix() for p in pages} >= {"index.html", "404.html", "go/index.html"}
    for page in pages:
        assert '<html lang="ar" dir="rtl">' in page.read_text(encoding="utf-8"), page

    tab = new_page(**PHONE)
    assert tab.goto(serve(out) + "course/") == 200
    at = tab.page.evaluate(LAYOUT_JS)
    assert (at["dir"], at["direction"]) == ("rtl", "rtl")
    assert at["width"] == PHONE["viewport"]["width"], "the page is wider than the phone"
    # The bullets hang in the list's right margin; each benefit's text starts at its right.
    (ul_left, ul_right), (li_left, li_right) = at["ul"], at["li"]
    assert ul_right - li_right >= 16 and abs(li_left - ul_left) < 1, at
    assert li_right - at["text"][1] < 1, f"the benefit does not start at the right: {at}"
    assert marker_between(tab.page, li_right, ul_right), "no bullet right of the benefit"
    assert not marker_between(tab.page, ul_left - 40, li_left + 1), "a bullet left of the benefit"
    # The testimonial's rule is on its right, and the buttons' arrows point the way it reads.
    assert at["border"][0] == 0 and at["border"][1] >= 2, f"the testimonial's border: {at['border']}"
    assert at["arrow"] in ("normal", "none", '" ←"'), at["arrow"]
    assert at["code"] == ["ltr", "ltr"], "code reads left to right, inline and in a block"
    first, last = at["latin"][1]  # "Priya S.", not ".Priya S": a name in Latin letters keeps its full stop
    assert last > first, f"a Latin name reads from the right: {at['latin']}"
    # The skip link shows at the top right when it takes the focus.
    tab.page.keyboard.press("Tab")
    skip = tab.page.evaluate(FOCUS_BOX_JS)
    assert skip["name"] == "skip-link" and skip["top"] >= 0, skip
    assert skip["width"] / 2 < skip["left"] and skip["right"] <= skip["width"], skip
    assert [e for e in tab.console_errors if "ERR_BLOCKED_BY_CLIENT" not in e] == []

    # The demo's offer in English has no dir attribute and keeps bullets and rules on the left.
    demo = built[theme][0]
    assert '<html lang="en">' in (demo / "free-training" / "system" / "index.html").read_text(encoding="utf-8")
    assert tab.goto(serve(demo) + "free-training/system/") == 200
    at = tab.page.evaluate(LAYOUT_JS)
    assert (at["dir"], at["direction"]) == (None, "ltr")
    assert at["border"][0] >= 2 and at["border"][1] == 0
    assert marker_between(tab.page, at["ul"][0], at["li"][0]), "no bullet left of the benefit"
    assert at["arrow"] in ("normal", "none", '" →"'), at["arrow"]


@pytest.mark.parametrize(("language", "direction"), [
    ("ar", "rtl"), ("ar-EG", "rtl"), ("AR-eg", "rtl"), ("he-IL", "rtl"), ("fa", "rtl"), ("ur", "rtl"),
    ("ps", "rtl"), ("sd", "rtl"), ("ug", "rtl"), ("yi", "rtl"), ("dv", "rtl"), ("ckb", "rtl"),
    ("en", "ltr"), ("pt-BR", "ltr"), ("arn", "ltr"), ("de-AR", "ltr"), ("hel", "ltr"),
])
def test_the_direction_comes_from_the_language_s_primary_subtag(language: str, direction: str) -> None:
    from funnelgen.schema.site import Site

    site = Site(name="Tiny Co", base_url="https://tiny.example/")
    assert site.model_copy(update={"language": language}).direction == direction
