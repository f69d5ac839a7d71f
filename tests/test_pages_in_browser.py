"""Built sites in a real headless Chromium, served as `python -m http.server` would serve them.

A visitor clicks through the starter funnel with and without JavaScript, every link and
resource a page refers to exists, the video facade loads the player only when clicked, and on
a phone nothing scrolls sideways, every input has a visible label and the main button can be
reached with the keyboard. No page may log a console error or ask for anything off 127.0.0.1.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urldefrag, urlsplit

import pytest
import yaml
from click.testing import Result
from playwright.sync_api import Locator, Page, Route, expect

import funnelgen
from funnelgen.schema.funnel import STEP_TYPES
from tests.test_html_valid import build_every_step_type, build_starter

if TYPE_CHECKING:  # imported by pytest_plugins below, which must be first to load it
    from tests.browser import NewPage, Serve, Tab

pytest_plugins = ["tests.browser"]  # the browser, new_page and serve fixtures
pytestmark = pytest.mark.browser

RunCli = Callable[..., Result]
STARTER_FUNNEL = Path(funnelgen.__file__).parent / "starter" / "funnels" / "guide.yml"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 3,
         "is_mobile": True, "has_touch": True}
JAVASCRIPT = pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])

# Everything a page refers to by URL. The DOM properties (a.href, img.src …) are the URLs the
# browser resolved, exactly as it would follow or fetch them.
REFERENCES_JS = """() => [
  ...[...document.querySelectorAll("a[href], area[href]")].map(e => ["link", e.href]),
  ...[...document.querySelectorAll("form")].map(e => ["form", e.action]),
  ...[...document.querySelectorAll("link[href]")].map(e => ["link-" + e.rel, e.href]),
  ...[...document.querySelectorAll("img[src], source[src], video[src], iframe[src], script[src]")]
      .map(e => ["resource", e.src]),
  ...[...document.querySelectorAll("video[poster]")].map(e => ["resource", e.poster]),
  ...[...document.querySelectorAll("img[srcset], source[srcset]")].flatMap(
      e => e.srcset.split(",").map(c => ["resource", new URL(c.trim().split(/\\s+/)[0],
                                                          document.baseURI).href])),
]"""


def starter_steps() -> dict[str, Any]:
    """The starter funnel's steps by type, to check the pages against what the YAML says."""
    steps = yaml.safe_load(STARTER_FUNNEL.read_text(encoding="utf-8"))["steps"]
    return {step["type"]: step for step in steps}


def page_urls(out: Path, base: str) -> list[str]:
    """The URL of every HTML file in a built site, as the server serves it."""
    urls = []
    for page in sorted(out.rglob("*.html")):
        rel = page.relative_to(out).as_posix()
        urls.append(base + (rel.removesuffix("index.html") if page.name == "index.html" else rel))
    return urls


def assert_clean(tab: Tab) -> None:
    """The page logged no error and asked for nothing beyond the local server."""
    assert tab.blocked == [], f"pages must not need the network; they asked for {tab.blocked}"
    assert tab.console_errors == [], tab.console_errors


def checkout_of(link: Locator, javascript: bool) -> str:
    """Where a checkout button goes. With JavaScript the runtime may add the visitor's id and
    UTM tags to the query (for the checkout's reports); without it the link is as written."""
    href = link.get_attribute("href") or ""
    return urlsplit(href)._replace(query="").geturl() if javascript else href


def fake_netlify(tab: Tab, posted: list[dict[str, list[str]]]) -> None:
    """Answer form POSTs like Netlify Forms: keep the fields, show the page at the action URL."""

    def handle(route: Route) -> None:
        request = route.request
        if request.method != "POST":
            route.fallback()
            return
        posted.append(parse_qs(request.post_data or "", keep_blank_values=True))
        route.fulfill(response=tab.context.request.get(request.url))

    tab.page.route(lambda url: urlsplit(url).hostname == "127.0.0.1", handle)


@pytest.fixture
def starter(tmp_path: Path, run_cli: RunCli) -> Path:
    return build_starter(tmp_path, run_cli)


@JAVASCRIPT
def test_a_visitor_goes_through_the_starter_funnel(
    starter: Path, serve: Serve, new_page: NewPage, javascript: bool
) -> None:
    steps = starter_steps()
    optin, offer, thanks = steps["optin"], steps["offer"], steps["thankyou"]
    base = serve(starter)
    tab = new_page(java_script_enabled=javascript)
    page = tab.page
    posted: list[dict[str, list[str]]] = []
    fake_netlify(tab, posted)

    # The opt-in page: a plain HTML form, so it works with or without JavaScript.
    assert tab.goto(base + "guide/") == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(optin["headline"])
    form = page.locator("form.optin-form")
    assert form.get_attribute("method") == "post"
    offer_url = base + f"guide/{offer['id']}/"
    assert form.evaluate("f => f.action") == offer_url, "the form must post to the next step"
    for field in optin["form"]["fields"]:
        expect(page.get_by_label(field["label"])).to_be_editable()
    submit = form.get_by_role("button", name=optin["cta"]["text"])
    expect(submit).to_have_attribute("type", "submit")

    # The browser refuses to send the form without the required email.
    email = page.get_by_label("Email address")
    page.get_by_label("First name").fill("Dana")
    submit.click()
    assert email.evaluate("e => e.validity.valueMissing")
    assert page.url == base + "guide/" and posted == []
    email.fill("dana@example.com")
    with page.expect_navigation():
        submit.click()
    assert len(posted) == 1
    data = posted[0]
    assert data["email"] == ["dana@example.com"] and data["first_name"] == ["Dana"]
    assert data["form-name"] == ["guide-get-the-guide"] and data["bot-field"] == [""]

    # The offer page, at the form's action: its button goes to the Stripe checkout.
    assert page.url == offer_url
    expect(page.get_by_role("heading", level=1)).to_have_text(offer["headline"])
    checkout = page.get_by_role("link", name=offer["cta"]["text"])
    expect(checkout).to_be_visible()
    assert checkout_of(checkout, javascript) == offer["checkout"]

    # The checkout returns buyers to the thank-you step (its success URL).
    assert tab.goto(base + f"guide/{thanks['id']}/") == 200
    expect(page.get_by_role("heading", level=1)).to_have_text(thanks["headline"])
    assert_clean(tab)


def references(tab: Tab, out: Path, base: str) -> Iterator[tuple[str, str, str]]:
    """(page, kind, URL) for every local URL that each page of a built site refers to."""
    for url in page_urls(out, base):
        assert tab.goto(url) == 200, url
        expect(tab.page.get_by_role("heading", level=1)).to_be_visible()
        for kind, target in tab.page.evaluate(REFERENCES_JS):
            if target.startswith(base):
                yield url, kind, target


@JAVASCRIPT
def test_every_local_link_and_resource_exists(
    tmp_path: Path,
    make_site: Callable[..., Path],
    run_cli: RunCli,
    serve: Serve,
    new_page: NewPage,
    javascript: bool,
) -> None:
    tab = new_page(java_script_enabled=javascript)
    problems, seen, fetched = [], set(), {}
    for out in (build_starter(tmp_path, run_cli), build_every_step_type(make_site, run_cli)):
        base = serve(out)
        for page, kind, target in references(tab, out, base):
            seen.add(target.removeprefix(base))
            address, fragment = urldefrag(target)
            if address not in fetched:
                response = tab.context.request.get(address, max_redirects=0)
                fetched[address] = (response.status, response.text())
            status, html = fetched[address]
            if status != 200:
                problems.append(f"{page}: {kind} {target}: HTTP {status}")
            elif fragment and len(re.findall(rf'\sid="{re.escape(fragment)}"', html)) != 1:
                problems.append(f"{page}: {kind} {target}: no single element with id {fragment}")
    assert not problems, "\n".join(problems)
    # The walk saw the links that make the funnels: form actions, buttons, the decline links,
    # links to other steps, the skip link and the logo.
    assert {"guide/offer/", "guide/#main", "launch/workshop/", "launch/course/",
            "launch/workbook/", "launch/done/", "launch/story/", "launch/"} <= seen, seen
    assert any(target.startswith("assets/logo.") for target in seen), seen
    assert_clean(tab)


def test_pages_without_javascript_are_plain_html(
    starter: Path, serve: Serve, new_page: NewPage
) -> None:
    base = serve(starter)
    tab = new_page(java_script_enabled=False)
    for url in page_urls(starter, base):
        assert tab.goto(url) == 200
        expect(tab.page.get_by_role("heading", level=1)).to_be_visible()
        expect(tab.page.locator("main")).not_to_be_empty()
    # The opt-in form is a plain form: it posts its fields with the browser's own validation.
    tab.goto(base + "guide/")
    form = tab.page.locator("form.optin-form")
    assert form.evaluate("f => [f.method, f.noValidate]") == ["post", False]
    fields = form.evaluate("f => [...f.elements].map(e => [e.type, e.name, !!e.required])")
    assert ["hidden", "form-name", False] in fields
    assert [field for field in fields if field[0] != "hidden"] == [
        ["text", "bot-field", False],
        ["text", "first_name", False],
        ["email", "email", True],
        ["submit", "", False],
    ]
    expect(form.get_by_label("First name")).to_be_visible()
    expect(form.get_by_label("Email address")).to_be_visible()
    assert_clean(tab)


@JAVASCRIPT
def test_a_buyer_follows_the_links_of_every_step_type(
    make_site: Callable[..., Path], run_cli: RunCli, serve: Serve, new_page: NewPage,
    javascript: bool,
) -> None:
    base = serve(build_every_step_type(make_site, run_cli))
    tab = new_page(java_script_enabled=javascript)
    page = tab.page

    def click(name: str, then: str) -> None:
        page.get_by_role("link", name=name, exact=True).click()
        expect(page).to_have_url(base + then)
        expect(page.get_by_role("heading", level=1)).to_be_visible()

    tab.goto(base)
    click("Launch", "launch/")
    click("Save my seat", "launch/workshop/")
    expect(page.locator("form.optin-form")).to_have_attribute(
        "action", "https://mail.example/subscribe"
    )
    page.go_back()
    click("Skip to the offer", "launch/course/")
    checkout = page.get_by_role("link", name="Get the course")
    assert checkout_of(checkout, javascript) == "https://buy.stripe.com/test_course"
    tab.goto(base + "launch/coaching/")  # where the course checkout sends buyers back
    accept = page.get_by_role("link", name="Yes! Add this to my order")
    assert checkout_of(accept, javascript) == "https://buy.stripe.com/test_coaching"
    click("No thanks, I'll pass on this offer", "launch/workbook/")
    click("No thanks", "launch/done/")
    click("Back to the story", "launch/story/")
    assert_clean(tab)


def test_the_video_loads_only_when_clicked(
    make_site: Callable[..., Path], run_cli: RunCli, serve: Serve, new_page: NewPage
) -> None:
    site = make_site({"funnels/watch.yml": """\
        title: Watch
        steps:
          - id: story
            type: bridge
            headline: See how it works
            video: {url: "https://www.youtube.com/watch?v=dQw4w9WgXcQ", title: Watch}
          - id: done
            type: thankyou
            headline: Thanks for watching
        """})
    out = site.parent / "out"
    assert run_cli("build", site, "-o", out).exit_code == 0
    base = serve(out)

    # Without JavaScript the facade is a link to the video on YouTube.
    plain = new_page(java_script_enabled=False)
    plain.goto(base + "watch/")
    expect(plain.page.get_by_role("link", name="Watch", exact=True)).to_have_attribute(
        "href", "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
    )
    assert_clean(plain)

    tab = new_page()
    page = tab.page
    tab.goto(base + "watch/")
    expect(page.locator("iframe")).to_have_count(0)
    assert_clean(tab)  # nothing from YouTube until the visitor asks for it

    page.get_by_role("link", name="Watch", exact=True).click()

    player = page.locator(".video iframe")
    expect(player, f"no player after the click; console: {tab.console_errors}").to_have_count(1)
    src = player.get_attribute("src") or ""
    assert src.startswith("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?"), src
    expect(player).to_have_attribute("title", "Watch")
    expect(player).to_be_focused()
    expect(page.locator("a.video-facade")).to_have_count(0)
    assert [urlsplit(url).hostname for url in tab.blocked] == ["www.youtube-nocookie.com"]
    assert page.url == base + "watch/"
    assert tab.console_errors == [], tab.console_errors


def test_a_self_hosted_video_shows_its_captions(make_site: Callable[..., Path], run_cli: RunCli, serve: Serve,
                                               new_page: NewPage) -> None:
    site = make_site({"funnels/watch.yml": """\
        title: Watch
        steps:
          - id: story
            type: bridge
            headline: See how it works
            video: {url: assets/tour.mp4, title: The tour, captions: assets/tour.vtt}
          - id: done
            type: thankyou
            headline: Thanks for watching
        """, "assets/tour.mp4": "not played here", "assets/tour.vtt": (
        "WEBVTT\n\n00:00.000 --> 00:04.000\nWelcome to the tour.\n")})
    out = site.parent / "out"
    assert run_cli("build", site, "-o", out).exit_code == 0
    tab = new_page()
    tab.goto(serve(out) + "watch/")
    track = tab.page.locator("video track")
    expect(track).to_have_attribute("srclang", "en")
    tab.page.wait_for_function("document.querySelector('video track').readyState === 2")  # loaded
    shown = tab.page.evaluate("""() => { const t = document.querySelector("video").textTracks[0];
                                          return [t.kind, t.mode, t.cues[0].text]; }""")
    assert shown == ["captions", "showing", "Welcome to the tour."]
    assert tab.console_errors == [], tab.console_errors  # the site's policy lets it load


# Which element is a page's main call to action, in order of preference.
MAIN_CTA = "main :is(form button[type=submit], a[data-accept], .cta a.button)"
NO_CTA = {"thankyou", "index"}  # a thank-you page may end the funnel; the index lists funnels

# For every form control: (control visible?, tabindex, labels' texts, every label visible?).
CONTROL_JS = """e => {
  const seen = n => { e.scrollIntoView({block: "center"}); n.scrollIntoView({block: "center"});
    const r = n.getBoundingClientRect(), hit = document.elementFromPoint(r.x + r.width / 2,
                                                                         r.y + r.height / 2);
    return r.width > 1 && r.height > 1 && !!hit && (n === hit || n.contains(hit)); };
  return [seen(e), e.tabIndex, [...e.labels].map(l => l.innerText.trim()),
          [...e.labels].every(seen)];
}"""


def check_on_phone(page: Page, url: str) -> list[str]:
    """What is wrong with the page at ``url`` on a 390 px wide phone."""
    problems = []
    width = page.evaluate("() => [document.scrollingElement.scrollWidth, innerWidth]")
    if width != [390, 390]:
        problems.append(f"{url}: scrolls sideways: [scrollWidth, innerWidth] = {width}")

    controls = page.locator("main :is(input:not([type=hidden]), select, textarea)")
    for index in range(controls.count()):
        control = controls.nth(index)
        name = control.get_attribute("name")
        visible, tabindex, labels, labels_visible = control.evaluate(CONTROL_JS)
        if not visible:  # a honeypot: hidden from sight, so it must be out of the tab order too
            if tabindex >= 0:
                problems.append(f"{url}: input {name} is hidden but reachable by keyboard")
            continue
        if not labels or not labels_visible:
            problems.append(f"{url}: input {name} has no visible label ({labels})")
            continue
        found = page.get_by_label(labels[0], exact=True)
        if found.count() != 1 or found.get_attribute("name") != name:
            problems.append(f"{url}: get_by_label({labels[0]!r}) does not find input {name}")

    kind = page.evaluate("() => document.body.className.match(/step--(\\w+)/)[1]")
    cta = page.locator(MAIN_CTA).first
    if cta.count() == 0:
        if kind not in NO_CTA:
            problems.append(f"{url}: a {kind} page without a main call to action")
        return problems
    for _ in range(60):
        page.keyboard.press("Tab")
        if cta.evaluate("e => e === document.activeElement"):
            break
    else:
        return [*problems, f"{url}: Tab never reaches the main call to action"]
    expect(cta).to_be_focused()
    expect(cta).to_be_visible()
    expect(cta).to_be_in_viewport()
    outline = cta.evaluate("e => getComputedStyle(e).outlineStyle")
    if outline == "none":
        problems.append(f"{url}: the focused call to action shows no focus outline")
    return problems


def test_every_page_works_on_a_phone(
    tmp_path: Path,
    make_site: Callable[..., Path],
    run_cli: RunCli,
    serve: Serve,
    new_page: NewPage,
) -> None:
    sites = [build_starter(tmp_path, run_cli), build_every_step_type(make_site, run_cli)]
    tab = new_page(**PHONE)
    problems, kinds = [], set()
    for out in sites:
        base = serve(out)
        for url in page_urls(out, base):
            assert tab.goto(url) == 200
            kinds.add(tab.page.evaluate("() => document.body.className.match(/step--(\\w+)/)[1]"))
            problems += check_on_phone(tab.page, url)
    assert not problems, "\n".join(problems)
    assert kinds == {*STEP_TYPES, "index", "notfound"}
    assert_clean(tab)
