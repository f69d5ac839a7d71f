"""Traffic temperature and tracking, proven in Debian's headless Chromium against built sites.

Third-party hosts never see a request: their scripts are answered by small local stubs that
behave like the real ones (they read the same queue and report each event as a request to
the provider's collect URL), and those requests are recorded, not sent.
"""

from __future__ import annotations

import http.server
import json
import re
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import Route
from test_temperature import TABLE, compiled_rule_sets

from funnelgen.commands.build import build
from funnelgen.temperature import classify

pytest_plugins = ["tests.browser"]
pytestmark = pytest.mark.browser

FUNNEL = """\
title: Launch
steps:
  - id: story
    type: bridge
    headline: Cold headline
    by_temperature:
      warm: {headline: Warm headline, cta: {text: Come closer}}
      hot: {headline: Hot headline}
    body: Why this matters.
    cta: {text: Show me}
    skip_for: [hot]
  - id: join
    type: optin
    headline: Join us
    by_temperature:
      warm: {headline: "Welcome back, join us"}
    form:
      provider: custom
      action: https://forms.example/subscribe
      fields: [{name: email, type: email, label: Email, required: true}]
  - id: buy
    type: offer
    headline: The kit
    price: {amount: 49}
    checkout: https://buy.stripe.com/test_kit
    testimonials: [{quote: Good., name: Ann}]
    links: [{text: No thanks, to: done}]
  - id: vip
    type: upsell
    headline: VIP
    price: {amount: 99}
    accept: {checkout: https://buy.stripe.com/test_vip}
    decline: {to: done}
  - id: done
    type: thankyou
    headline: Done
"""

STUBS = {
    "www.googletagmanager.com": """
        (function () {
          function handle(a) {
            if (a && a[0] === "event") fetch("https://www.google-analytics.com/g/collect?en=" +
              encodeURIComponent(a[1]) + "&ep.temperature=" + encodeURIComponent(a[2].temperature) +
              "&ep.funnel=" + encodeURIComponent(a[2].funnel), {method: "POST"});
          }
          var dl = window.dataLayer, push = dl.push;
          for (var i = 0; i < dl.length; i++) handle(dl[i]);
          dl.push = function () { for (var j = 0; j < arguments.length; j++) handle(arguments[j]); return push.apply(dl, arguments); };
        })();""",
    "connect.facebook.net": """
        (function () {
          var f = window.fbq;
          f.callMethod = function (cmd, name, props) {
            if (cmd === "init") return;
            fetch("https://www.facebook.com/tr?ev=" + encodeURIComponent(name) +
              "&cd[temperature]=" + encodeURIComponent((props || {}).temperature || ""), {method: "POST"});
          };
          f.queue.forEach(function (a) { f.callMethod.apply(f, a); });
        })();""",
    "plausible.io": """
        (function () {
          var q = (window.plausible && window.plausible.q) || [];
          window.plausible = function (name, options) {
            fetch("https://plausible.io/api/event", {method: "POST",
              body: JSON.stringify({n: name, p: (options || {}).props || {}})});
          };
          q.forEach(function (a) { window.plausible.apply(null, a); });
        })();""",
}


def _site(root: Path, site_yml: str) -> Path:
    (root / "funnels").mkdir(parents=True)
    (root / "site.yml").write_text(textwrap.dedent(site_yml), encoding="utf-8")
    (root / "funnels/launch.yml").write_text(FUNNEL, encoding="utf-8")
    build(root, root / "public")
    return root / "public"


@pytest.fixture(scope="module")
def plain(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Built-in rules, no providers."""
    return _site(tmp_path_factory.mktemp("plain"), "name: Plain\nbase_url: https://plain.example/\n")


@pytest.fixture(scope="module")
def ordered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _site(tmp_path_factory.mktemp("ordered"), """\
        name: Ordered
        base_url: https://ordered.example/
        temperature:
          rules:
            - {temperature: warm, when: {utm_source: facebook}}
            - {temperature: hot, when: {utm_source: facebook}}
        """)


@pytest.fixture(scope="module")
def tracked(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _site(tmp_path_factory.mktemp("tracked"), """\
        name: Tracked
        base_url: https://tracked.example/
        tracking:
          ga4: {measurement_id: G-TEST1234}
          meta_pixel: {pixel_id: "1234567890"}
          plausible: {domain: tracked.example}
          beacon: {url: /collect}
        """)


@pytest.fixture(scope="module")
def with_banner(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _site(tmp_path_factory.mktemp("banner"), """\
        name: Banner
        base_url: https://banner.example/
        consent: {mode: banner, text: We measure this page.}
        tracking:
          ga4: {measurement_id: G-TEST1234}
          meta_pixel: {pixel_id: "1234567890"}
          beacon: {url: /collect}
          body: <script>window.snippetRan = true;</script>
        """)


class _CollectingHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the built site and records what beacons POST to /collect."""

    received: list[dict[str, Any]]

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path == "/collect":
            self.received.append({"type": self.headers.get("Content-Type"), "body": json.loads(body)})
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


GTM_SNIPPET = """<script>(function(w,d,s,l,i){w[l]=w[l]||[];w[l].push({'gtm.start':
new Date().getTime(),event:'gtm.js'});var f=d.getElementsByTagName(s)[0],
j=d.createElement(s),dl=l!='dataLayer'?'&l='+l:'';j.async=true;j.src=
'https://www.googletagmanager.com/gtm.js?id='+i+dl;f.parentNode.insertBefore(j,f);
})(window,document,'script','dataLayer','GTM-TEST123');</script>"""


@pytest.fixture(scope="module")
def with_gtm(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Google Tag Manager pasted into tracking.head as Google gives it: no ga4 key."""
    head = json.dumps(GTM_SNIPPET)
    return _site(tmp_path_factory.mktemp("gtm"), f"""\
        name: Tagged
        base_url: https://tagged.example/
        tracking:
          head: {head}
        """)


@pytest.fixture
def collector() -> Iterator[Any]:
    """``start(folder) -> (base_url, received)``: a local server that also accepts beacons."""
    servers: list[http.server.ThreadingHTTPServer] = []

    def start(folder: Path) -> tuple[str, list[dict[str, Any]]]:
        received: list[dict[str, Any]] = []

        class Handler(_CollectingHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self.received = received
                super().__init__(*args, directory=str(folder), **kwargs)

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/", received

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _provider_requests(tab: Any) -> list[str]:
    """Answer provider scripts with local stubs; record every request to a provider host."""
    seen: list[str] = []

    def handle(route: Route) -> None:
        url = route.request.url
        seen.append(url)
        host = url.split("/")[2]
        if host in STUBS and route.request.method == "GET":
            route.fulfill(status=200, content_type="text/javascript", body=STUBS[host])
        else:
            route.fulfill(status=204, body="")

    for host in ("www.googletagmanager.com", "www.google-analytics.com", "connect.facebook.net",
                 "www.facebook.com", "plausible.io"):
        tab.page.route(re.compile(rf"^https://{re.escape(host)}/"), handle)
    return seen


def _wait_for(tab: Any, condition: Any, what: str, seconds: float = 5) -> None:
    """Poll through Playwright, so its route handlers keep running while we wait."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        tab.page.wait_for_timeout(50)
    raise AssertionError(f"timed out waiting for {what}")


def _stop_navigation(tab: Any) -> None:
    """Let clicks and submits be seen by the runtime, but keep the page where it is."""
    tab.page.add_init_script("""
        addEventListener("click", e => { if (e.target.closest("a")) e.preventDefault(); });
        addEventListener("submit", e => e.preventDefault());
    """)


def _events(tab: Any) -> list[dict[str, Any]]:
    return [e for e in tab.page.evaluate("window.dataLayer") if isinstance(e, dict) and "event" in e]


def test_the_browser_and_python_agree_on_every_case_of_the_table(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    tab.goto(serve(plain) + "launch/join/")
    rule_sets = compiled_rule_sets()
    disagreements = []
    for case in TABLE["cases"]:
        rules = rule_sets[case["rules"]]
        in_browser = tab.page.evaluate("([rules, visitor]) => funnelgen._classify(rules, visitor)",
                                       [rules, case["visitor"]])
        in_python = classify(rules, case["visitor"])
        if not in_browser == in_python == case["expect"]:
            disagreements.append(f"{case['name']}: browser {in_browser}, python {in_python}, table {case['expect']}")
    assert disagreements == []
    assert len(TABLE["cases"]) >= 40


@pytest.mark.parametrize(("query", "expected"), [
    ("?utm_source=google&utm_medium=cpc", "cold"),
    ("?utm_source=newsletter&utm_medium=email", "hot"),
    ("?utm_medium=cpc&temp=warm", "warm"),
    ("", "cold"),
])
def test_a_visitor_is_classified_from_the_url(plain: Path, serve: Any, new_page: Any, query: str, expected: str) -> None:
    tab = new_page()
    tab.goto(serve(plain) + "launch/join/" + query)
    assert tab.page.evaluate("funnelgen.temperature()") == expected
    assert tab.page.get_attribute("html", "data-temperature") == expected
    assert tab.console_errors == []


def test_a_returning_visitor_is_warm(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    url = serve(plain) + "launch/join/"
    tab.goto(url)
    assert tab.page.evaluate("funnelgen.temperature()") == "cold"
    tab.page.evaluate("""() => {  // the last visit was two hours ago
        const s = JSON.parse(localStorage.funnelgen); s.last -= 2 * 3600 * 1000;
        localStorage.funnelgen = JSON.stringify(s); }""")
    tab.goto(url)
    assert tab.page.evaluate("funnelgen.temperature()") == "warm"
    assert tab.page.locator("h1").inner_text() == "Welcome back, join us"


def test_the_first_matching_rule_wins(ordered: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    tab.goto(serve(ordered) + "launch/join/?utm_source=facebook")
    assert tab.page.evaluate("funnelgen.temperature()") == "warm"  # not hot: that rule comes second


def test_a_hot_visitor_who_follows_a_cold_ad_stays_hot(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    base = serve(plain)
    tab.goto(base + "launch/join/")
    tab.goto(base + "launch/join/?utm_medium=email")
    tab.goto(base + "launch/join/?utm_medium=cpc")
    assert tab.page.evaluate("funnelgen.temperature()") == "hot"
    history = tab.page.evaluate("JSON.parse(localStorage.funnelgen).h")
    assert [temperature for temperature, _ in history] == ["cold", "hot"]  # each change, with its time


@pytest.mark.parametrize(("temperature", "headline"), [("warm", "Warm headline"), ("cold", "Cold headline")])
def test_per_temperature_copy_is_right_at_first_paint(
    plain: Path, serve: Any, new_page: Any, temperature: str, headline: str
) -> None:
    tab = new_page()
    tab.page.add_init_script("""
        window.__paints = [];
        window.__mutations = 0;
        (function firstFrameWithHeadline() {  // what the visitor sees in the first frame that has it
          const h1 = document.querySelector("h1");
          if (h1) window.__paints.push(h1.innerText); else requestAnimationFrame(firstFrameWithHeadline);
        })();
        addEventListener("DOMContentLoaded", () => new MutationObserver(records => {
          for (const r of records) if (r.target.closest && r.target.closest("h1")) window.__mutations++;
        }).observe(document, {subtree: true, childList: true, characterData: true, attributes: true}));
        window.__cls = 0;
        new PerformanceObserver(list => { for (const e of list.getEntries()) window.__cls += e.value; })
          .observe({type: "layout-shift", buffered: true});
    """)
    tab.goto(serve(plain) + f"launch/story/?temp={temperature}")
    tab.page.wait_for_timeout(300)
    assert tab.page.evaluate("window.__paints") == [headline]  # the first frame already shows it
    assert tab.page.evaluate("window.__mutations") == 0  # copy is chosen by CSS, never rewritten
    assert tab.page.evaluate("window.__cls") == 0
    assert tab.page.locator("h1").inner_text() == headline


def test_skip_for_sends_hot_visitors_past_the_bridge_before_paint(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    tab.page.add_init_script("""
        if (location.pathname.endsWith("/story/"))
          requestAnimationFrame(() => sessionStorage.bridgePainted = "yes");
    """)
    base = serve(plain)
    tab.goto(base + "launch/story/?temp=hot")
    tab.page.wait_for_url(re.compile(r"/launch/join/\?temp=hot$"))
    assert tab.page.evaluate("sessionStorage.bridgePainted") is None
    assert [e["step"] for e in _events(tab) if e["event"] == "step_view"] == ["join"]
    assert tab.page.evaluate("history.length") == 2  # about:blank and the landing: replaced, not pushed


def test_skip_for_keeps_the_query_and_the_anchor_of_the_link(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    base = serve(plain)
    tab.goto(base + "launch/story/?temp=hot&utm_source=fb#signup")
    tab.page.wait_for_url(re.compile(r"/launch/join/\?temp=hot&utm_source=fb#signup$"))


def test_events_reach_the_data_layer_with_every_field_and_never_the_email(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    _stop_navigation(tab)
    base = serve(plain)
    tab.goto(base + "launch/story/?utm_source=fb&utm_medium=cpc&utm_campaign=spring")
    tab.page.click("a.button")
    tab.goto(base + "launch/join/")
    tab.page.fill("input[type=email]", "ann@example.com")
    tab.page.click("button[type=submit]")
    tab.goto(base + "launch/buy/")
    tab.page.click("a.button")
    tab.goto(base + "launch/vip/")
    tab.page.click("[data-event=upsell_accept]")
    tab.page.click("[data-event=upsell_decline]")
    names = [e["event"] for e in _events(tab)]
    assert names == ["step_view", "upsell_accept", "upsell_decline"]
    tab.goto(base + "launch/join/")
    stored = tab.page.evaluate("JSON.parse(localStorage.funnelgen)")
    assert stored["o"] is True and stored["c"] is True  # opted in, clicked checkout
    [view] = _events(tab)
    assert view["funnel"] == "launch" and view["step"] == "join" and view["step_type"] == "optin"
    assert view["temperature"] == "hot"  # opted in and clicked checkout since
    assert re.fullmatch(r"[0-9a-f]{16}", view["visitor_id"])
    assert view["utm_first"] == {"utm_source": "fb", "utm_medium": "cpc", "utm_campaign": "spring"}
    assert view["utm_last"] == view["utm_first"]
    assert view["variant"] is None and isinstance(view["ts"], int)
    assert "ann@example.com" not in json.dumps(stored)


def test_only_the_parameters_a_rule_reads_are_remembered_never_an_email_in_a_link(
        tmp_path: Path, serve: Any, new_page: Any) -> None:
    site = _site(tmp_path, """\
        name: Params
        base_url: https://params.example/
        temperature:
          rules:
            - {temperature: hot, when: {any: [{param: {ref: vip}}, {utm_source: mail}]}}
        """)
    tab = new_page()
    base = serve(site)
    tab.goto(base + "launch/join/?ref=vip&email=ann%40example.com&phone=5551234&utm_source=fb&temp=")
    stored = tab.page.evaluate("JSON.parse(localStorage.funnelgen)")
    assert stored["lt"]["params"] == stored["ft"]["params"] == {"ref": "vip"}
    assert stored["lt"]["utm"] == {"utm_source": "fb"}
    assert "ann@example.com" not in json.dumps(stored) and "5551234" not in json.dumps(stored)
    tab.goto(base + "launch/buy/")  # no parameter now: the rule still reads the one remembered
    assert tab.page.evaluate("document.documentElement.dataset.temperature") == "hot"


def test_what_an_earlier_runtime_remembered_of_other_parameters_is_forgotten(plain: Path, serve: Any,
                                                                            new_page: Any) -> None:
    tab = new_page()
    base = serve(plain)
    touch = {"utm": {"utm_source": "fb"}, "ref": "", "params": {"email": "ann@example.com"}}
    tab.page.add_init_script(f"if (!sessionStorage.seeded) {{ sessionStorage.seeded = 1; localStorage.setItem("
                             f"'funnelgen', {json.dumps(json.dumps({'id': 'a' * 16, 'lt': touch, 'ft': touch}))}); }}")
    tab.goto(base + "launch/join/")
    stored = tab.page.evaluate("JSON.parse(localStorage.funnelgen)")
    assert stored["id"] == "a" * 16 and stored["lt"]["utm"] == {"utm_source": "fb"}  # the record is kept
    assert "ann@example.com" not in json.dumps(stored)


def test_each_click_is_labelled_with_its_event(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    _stop_navigation(tab)
    base = serve(plain)
    seen, labelled = [], []
    for path, selector in (("launch/story/", "a.button"), ("launch/join/", "button[type=submit]"),
                           ("launch/buy/", ".links a"), ("launch/buy/", "a.button")):
        tab.goto(base + path)
        if selector.startswith("button"):
            tab.page.fill("input[type=email]", "bob@example.com")
        tab.page.click(selector)
        seen += [e["event"] for e in _events(tab)]
        if selector != "button[type=submit]":  # and says which one: the words on it
            labelled += [_events(tab)[-1]["link_text"]]
    assert seen == ["step_view", "cta_click", "step_view", "optin_submit", "step_view", "link_click",
                    "step_view", "checkout_click"]  # a secondary link ("No thanks") is no call to action
    assert labelled[:2] == ["Show me", "No thanks"]  # as shown to a cold visitor: not "Show meCome closer"
    assert labelled[2] == tab.page.inner_text("a.button").strip()
    assert "bob@example.com" not in json.dumps(tab.page.evaluate("window.dataLayer"))


def test_a_form_sent_twice_counts_one_sign_up(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    _stop_navigation(tab)
    tab.goto(serve(plain) + "launch/join/")
    tab.page.fill("input[type=email]", "dee@example.com")
    tab.page.click("button[type=submit]")
    tab.page.click("button[type=submit]")  # a double click while the next page loads
    assert [e["event"] for e in _events(tab)] == ["step_view", "optin_submit"]


def test_hooks_hear_every_event_and_custom_events(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    tab.goto(serve(plain) + "launch/join/?temp=warm")
    heard = tab.page.evaluate("""() => {
        const heard = [];
        funnelgen.on("*", e => heard.push(e.event + ":" + e.temperature));
        funnelgen.on("quiz", e => heard.push("quiz-only:" + e.answer));
        funnelgen.track("quiz", {answer: "b", temperature: "spoofed"});
        return heard; }""")
    assert heard == ["step_view:warm", "quiz-only:b", "quiz:warm"]  # a late hook hears the page's step_view too


def test_opt_in_fields_and_checkout_links_carry_temperature_visitor_and_utm(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    base = serve(plain)
    tab.goto(base + "launch/join/?utm_source=fb&utm_medium=cpc")
    visitor = tab.page.evaluate("funnelgen.visitorId()")
    fields = tab.page.evaluate("Object.fromEntries(new FormData(document.querySelector('form')))")
    assert fields["temperature"] == "cold"
    assert fields["visitor_id"] == visitor
    assert fields["utm_source"] == "fb" and fields["utm_medium"] == "cpc"
    tab.goto(base + "launch/buy/")
    href = tab.page.get_attribute("a.button", "href")
    assert href == f"https://buy.stripe.com/test_kit?utm_medium=cpc&utm_source=fb&client_reference_id={visitor}"


def test_utm_names_and_temp_in_capitals_count_like_lowercase(plain: Path, serve: Any, new_page: Any) -> None:
    # some email tools and link shorteners write UTM_MEDIUM=Email or ?TEMP=Warm
    tab = new_page()
    base = serve(plain)
    tab.goto(base + "launch/join/?UTM_MEDIUM=Email&Utm_Source=Newsletter")
    assert tab.page.evaluate("funnelgen.temperature()") == "hot"
    [view] = _events(tab)
    assert view["utm_last"] == {"utm_medium": "Email", "utm_source": "Newsletter"}
    assert tab.page.evaluate("Object.fromEntries(new FormData(document.querySelector('form')))")["utm_medium"] == "Email"
    other = new_page()
    other.goto(base + "launch/story/?TEMP=Warm")
    assert other.page.evaluate("funnelgen.temperature()") == "warm"
    assert other.page.locator("h1").inner_text() == "Warm headline"


@pytest.mark.parametrize("back_from", ["https://buy.stripe.com/", "https://checkout.stripe.com/"])
def test_coming_back_from_the_checkout_keeps_the_ads_utm_for_the_upsell(plain: Path, serve: Any,
                                                                        new_page: Any, back_from: str) -> None:
    tab = new_page()
    _stop_navigation(tab)
    base = serve(plain)
    ad = {"utm_source": "fb", "utm_medium": "cpc", "utm_campaign": "spring"}
    tab.goto(base + "launch/buy/?utm_source=fb&utm_medium=cpc&utm_campaign=spring")
    tab.page.click("a.button")  # to buy.stripe.com, whose payment page moves to checkout.stripe.com
    tab.page.goto(base + "launch/vip/", referer=back_from)  # Stripe sends the buyer back
    [view] = _events(tab)
    assert view["utm_last"] == ad  # the upsell is still credited to the ad, not to Stripe
    assert "utm_campaign=spring" in tab.page.get_attribute("a.button", "href")
    tab.page.goto(base + "launch/vip/", referer="https://www.google.com/")  # a later search is a new touch
    [view] = _events(tab)
    assert view["utm_last"] == {}
    assert tab.page.evaluate("JSON.parse(localStorage.funnelgen).lt.ref") == "www.google.com"


def test_providers_receive_events_through_their_own_scripts(tracked: Path, collector: Any, new_page: Any) -> None:
    base, beacons = collector(tracked)
    tab = new_page()
    requests = _provider_requests(tab)
    _stop_navigation(tab)
    tab.goto(base + "launch/join/?utm_medium=email")
    tab.page.fill("input[type=email]", "cy@example.com")
    tab.page.click("button[type=submit]")
    _wait_for(tab, lambda: any("facebook.com/tr?ev=Lead" in r for r in requests), "the Meta Lead event")
    assert "https://www.googletagmanager.com/gtag/js?id=G-TEST1234" in requests
    assert any("google-analytics.com/g/collect?en=step_view&ep.temperature=hot&ep.funnel=launch" in r for r in requests)
    assert any("google-analytics.com/g/collect?en=optin_submit&ep.temperature=hot" in r for r in requests)
    assert any("facebook.com/tr?ev=PageView" in r for r in requests)
    assert any("facebook.com/tr?ev=Lead&cd[temperature]=hot" in r.replace("%5B", "[").replace("%5D", "]") for r in requests)
    assert "https://plausible.io/js/script.js" in requests
    tab.page.goto("about:blank")  # the page hides: the beacon flushes
    _wait_for(tab, lambda: beacons, "the beacon")
    events = [e["event"] for b in beacons for e in b["body"]["events"]]
    assert events == ["step_view", "optin_submit"]
    assert beacons[0]["type"].startswith("text/plain")
    assert "cy@example.com" not in json.dumps(beacons)
    assert tab.console_errors == []  # the Content-Security-Policy allowed every provider


def test_google_tag_manager_pasted_as_google_gives_it_loads_and_sends_under_the_policy(
        with_gtm: Path, collector: Any, new_page: Any) -> None:
    base, _ = collector(with_gtm)
    tab = new_page()
    requests = _provider_requests(tab)

    def gtm(route: Route) -> None:  # a container with one GA4 tag: each dataLayer event to Google
        requests.append(route.request.url)
        route.fulfill(status=200, content_type="text/javascript", body="""
            (function () {
              function hit(e) { if (e && e.event) fetch("https://www.google-analytics.com/g/collect?en=" +
                encodeURIComponent(e.event), {method: "POST"}); }
              var dl = window.dataLayer, push = dl.push;
              dl.forEach(hit);
              dl.push = function (e) { hit(e); return push.apply(dl, arguments); };
            })();""")

    tab.page.route(re.compile(r"^https://www\.googletagmanager\.com/gtm\.js"), gtm)
    tab.goto(base + "launch/join/")
    _wait_for(tab, lambda: "https://www.googletagmanager.com/gtm.js?id=GTM-TEST123" in requests, "gtm.js")
    _wait_for(tab, lambda: any("google-analytics.com/g/collect" in r for r in requests), "a hit from the tag")
    assert tab.console_errors == []  # no Content-Security-Policy violation
    events = tab.page.evaluate("window.dataLayer.filter(e => e.event).map(e => e.event)")
    assert events[:2] == ["gtm.js", "step_view"] or events[:2] == ["step_view", "gtm.js"]


def test_your_own_fields_reach_the_providers_with_the_event(tracked: Path, collector: Any, new_page: Any) -> None:
    base, _ = collector(tracked)
    tab = new_page()
    _provider_requests(tab)
    tab.goto(base + "launch/join/?utm_medium=email")
    sent = tab.page.evaluate("""() => {
        funnelgen.track("quiz_answered", {answer: "b", score: 7, nested: {no: 1}});
        const call = window.dataLayer.find(c => c[0] === "event" && c[1] === "quiz_answered");
        return call && call[2]; }""")
    assert sent == {"funnel": "launch", "step": "join", "step_type": "optin", "temperature": "hot",
                    "visitor_id": tab.page.evaluate("funnelgen.visitorId()"), "answer": "b", "score": 7}


def test_checkout_clicks_become_initiate_checkout_for_meta(tracked: Path, collector: Any, new_page: Any) -> None:
    base, _ = collector(tracked)
    tab = new_page()
    requests = _provider_requests(tab)
    _stop_navigation(tab)
    tab.goto(base + "launch/buy/")
    tab.page.click("a.button")
    _wait_for(tab, lambda: any("ev=InitiateCheckout" in r for r in requests), "InitiateCheckout")


def test_nothing_is_sent_before_consent_and_everything_after(with_banner: Path, collector: Any, new_page: Any) -> None:
    base, beacons = collector(with_banner)
    tab = new_page()
    requests = _provider_requests(tab)
    tab.goto(base + "launch/join/")
    banner = tab.page.locator("#funnelgen-consent")
    assert banner.is_visible()
    assert [e["event"] for e in _events(tab)] == ["step_view"]  # the page's own hooks still hear it
    assert tab.page.evaluate("window.snippetRan") is None
    tab.goto(base + "launch/buy/")  # the first page hides: still nothing may leave
    tab.page.wait_for_timeout(300)
    assert requests == [] and beacons == []
    gtag_consent = [list(e.values()) for e in tab.page.evaluate("window.dataLayer") if "0" in e and e["0"] == "consent"]
    assert gtag_consent[0][:2] == ["consent", "default"] and gtag_consent[0][2]["analytics_storage"] == "denied"
    tab.page.get_by_role("button", name="Accept").click()
    _wait_for(tab, lambda: any("g/collect?en=step_view" in r for r in requests), "the pending step_view")
    assert not banner.is_visible()
    assert tab.page.evaluate("window.snippetRan") is True
    tab.goto(base + "launch/join/")  # the choice is remembered
    assert not tab.page.locator("#funnelgen-consent").is_visible()
    _wait_for(tab, lambda: sum("g/collect?en=step_view" in r for r in requests) == 2, "the next step_view")
    assert tab.console_errors == []


def test_declining_sends_nothing(with_banner: Path, collector: Any, new_page: Any) -> None:
    base, beacons = collector(with_banner)
    tab = new_page()
    requests = _provider_requests(tab)
    tab.goto(base + "launch/join/")
    tab.page.get_by_role("button", name="Decline").click()
    tab.goto(base + "launch/buy/")
    tab.page.goto("about:blank")
    tab.page.wait_for_timeout(300)
    assert requests == [] and beacons == []


def _accepted(site: Path, collector: Any, new_page: Any) -> tuple[Any, list[str], list[dict[str, Any]]]:
    """A tab on the opt-in page whose visitor accepted the banner: (tab, provider requests, beacons)."""
    base, beacons = collector(site)
    tab = new_page()
    requests = _provider_requests(tab)
    tab.goto(base + "launch/join/")
    tab.page.get_by_role("button", name="Accept").click()
    return tab, requests, beacons


def test_withdrawing_consent_tells_googles_tags_to_stop_storing(with_banner: Path, collector: Any,
                                                                new_page: Any) -> None:
    tab, _, _ = _accepted(with_banner, collector, new_page)
    updates = tab.page.evaluate("""() => { funnelgen.consent(false);
        return window.dataLayer.filter(c => c[0] === "consent").map(c => c[1] + ":" + c[2].analytics_storage); }""")
    assert updates == ["default:denied", "update:granted", "update:denied"]


def test_accepting_again_after_withdrawing_lets_the_tags_store_and_send_again(with_banner: Path, collector: Any,
                                                                           new_page: Any) -> None:
    tab, requests, _ = _accepted(with_banner, collector, new_page)
    tab.page.evaluate("funnelgen.consent(false)")
    tab.page.evaluate("funnelgen.consent(true)")  # the visitor changes their mind again
    updates = tab.page.evaluate(
        "window.dataLayer.filter(c => c[0] === 'consent').map(c => c[1] + ':' + c[2].analytics_storage)")
    assert updates == ["default:denied", "update:granted", "update:denied", "update:granted"]
    _wait_for(tab, lambda: any("facebook.com/tr?ev=grant" in r for r in requests), "Meta's consent grant")
    meta = [r.split("ev=")[1].split("&")[0] for r in requests if "facebook.com/tr?" in r]
    assert meta[-2:] == ["revoke", "grant"]


@pytest.mark.parametrize("site", ["tracked", "with_banner"])
def test_global_privacy_control_is_a_refusal(site: str, request: Any, collector: Any, new_page: Any) -> None:
    base, beacons = collector(request.getfixturevalue(site))
    tab = new_page()
    tab.page.add_init_script("Object.defineProperty(navigator, 'globalPrivacyControl', {get: () => true})")
    requests = _provider_requests(tab)
    tab.goto(base + "launch/join/")
    assert not tab.page.locator("#funnelgen-consent").is_visible()
    assert [e["event"] for e in _events(tab)] == ["step_view"]
    tab.page.goto("about:blank")
    tab.page.wait_for_timeout(300)
    assert requests == [] and beacons == []


def test_without_javascript_the_cold_copy_shows_and_everything_works(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page(java_script_enabled=False)
    base = serve(plain)
    assert tab.goto(base + "launch/story/?temp=hot") == 200
    assert tab.page.url.endswith("/launch/story/?temp=hot")  # no skip without JavaScript
    assert tab.page.locator("h1").inner_text() == "Cold headline"
    tab.page.click("a.button")
    tab.page.wait_for_url(re.compile(r"/launch/join/$"))
    fields = tab.page.locator("form input[type=hidden]")
    assert fields.count() == 7
    assert tab.page.get_attribute("input[name=temperature]", "value") == "cold"
    tab.goto(base + "launch/buy/")
    assert tab.page.get_attribute("a.button", "href") == "https://buy.stripe.com/test_kit"


def test_a_page_with_no_provider_loads_nothing_but_itself(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    loaded: list[str] = []
    tab.page.on("request", lambda r: loaded.append(r.url))
    base = serve(plain)
    tab.goto(base + "launch/join/")
    tab.page.wait_for_load_state("networkidle")
    assert loaded == [base + "launch/join/"]
    assert tab.blocked == []


def test_the_runtime_keeps_working_when_storage_is_blocked(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    tab.page.add_init_script("Object.defineProperty(window, 'localStorage', {get() { throw new Error('blocked'); }})")
    tab.goto(serve(plain) + "launch/join/?utm_medium=email")
    assert tab.page.evaluate("funnelgen.temperature()") == "hot"
    assert tab.console_errors == []


def test_a_checkout_on_a_country_domain_does_not_swallow_every_referrer_of_that_country(
        plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    base = serve(plain)
    tab.goto(base + "launch/buy/")
    domains = tab.page.evaluate("""() => { const a = document.createElement("a");
        return ["https://shop.example.co.uk/", "https://buy.stripe.com/", "https://pay.example.com/x"].map(url => {
          a.href = url; a.setAttribute("data-event", "checkout_click"); a.onclick = e => e.preventDefault();
          document.body.append(a); a.click(); a.remove();
          return JSON.parse(localStorage.funnelgen).x.at(-1); }); }""")
    assert domains == ["shop.example.co.uk", "stripe.com", "example.com"]


def test_events_queued_for_the_beacon_are_dropped_when_consent_is_withdrawn(with_banner: Path, collector: Any,
                                                                          new_page: Any) -> None:
    tab, _, beacons = _accepted(with_banner, collector, new_page)
    tab.page.evaluate("funnelgen.track('before_withdrawing'); funnelgen.consent(false); funnelgen.track('after')")
    tab.page.goto("about:blank")  # the page hides: a beacon would flush now
    tab.page.wait_for_timeout(300)
    assert beacons == []


@pytest.mark.parametrize("stored", ["1", '"text"', "{broken", "[]", "null", '{"id": "a", "v": "f/story", "x": 5}',
                                    '{"id": "a", "lt": {"ref": ""}, "ft": {}}', '{"lt": {"utm": {}, "ref": 5}}',
                                    '{"h": "hot"}', '{"lt": {"utm": {}, "ref": ""}}'])
def test_a_damaged_memory_is_started_afresh(plain: Path, serve: Any, new_page: Any, stored: str) -> None:
    tab = new_page()
    tab.page.add_init_script(f"if (!sessionStorage.seeded) {{ localStorage.setItem('funnelgen', {json.dumps(stored)}); "
                             "sessionStorage.seeded = 1; }")
    base = serve(plain)
    tab.goto(base + "launch/join/?utm_medium=email")
    assert tab.page.evaluate("funnelgen.temperature()") == "hot"
    tab.goto(base + "launch/join/")  # remembered: the damaged value was replaced
    assert tab.page.evaluate("funnelgen.temperature()") == "hot"
    assert tab.console_errors == []


@pytest.mark.parametrize("stored", ["{}", '{"lt": {"utm": {}, "ref": ""}}'])
def test_what_another_script_stores_under_the_key_while_the_page_is_open_is_not_taken(
        plain: Path, serve: Any, new_page: Any, stored: str) -> None:
    tab = new_page()
    _stop_navigation(tab)
    tab.goto(serve(plain) + "launch/buy/?utm_medium=email")
    tab.page.evaluate(f"localStorage.setItem('funnelgen', {json.dumps(stored)})")
    tab.page.click(".links a")
    assert [e["event"] for e in _events(tab)] == ["step_view", "link_click"]
    assert tab.page.evaluate("JSON.parse(localStorage.funnelgen).t") == "hot"  # this page's memory, kept
    assert tab.console_errors == []


def test_yaml_table_is_valid_yaml() -> None:  # guards the shared table itself
    assert yaml.safe_load((Path(__file__).parent / "temperature_cases.yml").read_text())["cases"]


def test_a_tab_left_open_keeps_what_another_tab_stored_since(plain: Path, serve: Any, new_page: Any) -> None:
    base = serve(plain)
    left_open = new_page()
    _stop_navigation(left_open)
    left_open.goto(base + "launch/buy/")
    other = new_page(beside=left_open)
    _stop_navigation(other)
    other.goto(base + "launch/join/")
    other.page.fill("input[type=email]", "eve@example.com")
    other.page.click("button[type=submit]")
    left_open.page.click(".links a")  # "No thanks", in the tab opened before the sign-up
    stored = left_open.page.evaluate("JSON.parse(localStorage.funnelgen)")
    assert stored["o"] is True  # still opted in: the next page is hot
    left_open.goto(base + "launch/buy/")
    assert left_open.page.evaluate("funnelgen.temperature()") == "hot"


def test_a_refusal_in_one_tab_is_not_undone_by_another_tab_that_accepted(with_banner: Path, collector: Any,
                                                                          new_page: Any) -> None:
    base, _ = collector(with_banner)
    accepted = new_page()
    _stop_navigation(accepted)
    accepted.goto(base + "launch/buy/")
    declined = new_page(beside=accepted)
    declined.goto(base + "launch/join/")
    accepted.page.get_by_role("button", name="Accept").click()
    declined.page.get_by_role("button", name="Decline").click()  # the visitor's last word
    accepted.page.click("a.button")
    assert accepted.page.evaluate("JSON.parse(localStorage.funnelgen).consent") == "denied"
    requests = _provider_requests(declined)
    declined.goto(base + "launch/buy/")
    declined.page.goto("about:blank")
    declined.page.wait_for_timeout(300)
    assert requests == []


def test_the_visitor_id_goes_with_checkout_links_and_forms_only_with_consent(with_banner: Path, collector: Any,
                                                                            new_page: Any) -> None:
    base, _ = collector(with_banner)
    tab = new_page()
    tab.goto(base + "launch/join/?utm_source=fb")
    fields = tab.page.evaluate("Object.fromEntries(new FormData(document.querySelector('form')))")
    assert fields["visitor_id"] == "" and fields["utm_source"] == "fb"
    tab.goto(base + "launch/buy/")
    assert tab.page.get_attribute("a.button", "href") == "https://buy.stripe.com/test_kit?utm_source=fb"
    tab.page.get_by_role("button", name="Accept").click()
    visitor = tab.page.evaluate("funnelgen.visitorId()")
    assert tab.page.get_attribute("a.button", "href") == (
        f"https://buy.stripe.com/test_kit?utm_source=fb&client_reference_id={visitor}")  # at once, on this page


def test_the_consent_banner_is_the_first_thing_the_keyboard_reaches(with_banner: Path, collector: Any,
                                                                    new_page: Any) -> None:
    base, _ = collector(with_banner)
    tab = new_page()
    tab.goto(base + "launch/buy/")
    tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("document.activeElement.textContent") == "Skip to content"
    tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("document.activeElement.textContent") == "Accept"  # before the page's Buy button


def test_a_long_campaign_value_is_kept_to_500_characters(plain: Path, serve: Any, new_page: Any) -> None:
    tab = new_page()
    tab.goto(serve(plain) + "launch/join/?utm_source=fb&utm_content=" + "x" * 20_000)
    stored = tab.page.evaluate("JSON.parse(localStorage.funnelgen)")
    assert stored["lt"]["utm"] == {"utm_source": "fb", "utm_content": "x" * 500}
    assert len(json.dumps(_events(tab)[0])) < 2_000  # each event carries it: it fits a beacon


def test_a_beacon_that_cannot_be_sent_raises_no_error_on_the_page(tracked: Path, collector: Any,
                                                                   new_page: Any) -> None:
    base, _ = collector(tracked)
    tab = new_page()
    _provider_requests(tab)
    tab.page.add_init_script("delete Navigator.prototype.sendBeacon;")  # Firefox with beacons off, some add-ons
    tab.page.route(re.compile(r".*/collect$"), lambda route: route.abort())  # an ad-blocker
    tab.goto(base + "launch/join/")
    tab.page.evaluate("dispatchEvent(new Event('pagehide'))")  # flushes the beacon's events
    tab.page.wait_for_timeout(300)
    assert [e for e in tab.console_errors if e.startswith("uncaught")] == []


def test_withdrawing_consent_takes_the_visitor_id_back_from_the_pages_links(with_banner: Path, collector: Any,
                                                                           new_page: Any) -> None:
    base, _ = collector(with_banner)
    tab = new_page()
    tab.goto(base + "launch/buy/?utm_source=fb")
    tab.page.get_by_role("button", name="Accept").click()
    assert "client_reference_id=" in (tab.page.get_attribute("a.button", "href") or "")
    tab.page.evaluate("funnelgen.consent(false)")  # from the site's own privacy settings
    assert tab.page.get_attribute("a.button", "href") == "https://buy.stripe.com/test_kit?utm_source=fb"


def test_a_tab_that_accepted_stops_sending_once_another_tab_refused(with_banner: Path, collector: Any,
                                                                    new_page: Any) -> None:
    base, beacons = collector(with_banner)
    accepted = new_page()
    _stop_navigation(accepted)
    requests = _provider_requests(accepted)
    accepted.goto(base + "launch/buy/")
    accepted.page.get_by_role("button", name="Accept").click()
    _wait_for(accepted, lambda: any("en=step_view" in r for r in requests), "the accepted page's step_view")
    refusing = new_page(beside=accepted)
    refusing.goto(base + "launch/join/")
    refusing.page.evaluate("funnelgen.consent(false)")  # the visitor's last word, in the other tab
    sent_before = len(requests)
    accepted.page.click("a.button")
    assert accepted.page.get_attribute("a.button", "href") == "https://buy.stripe.com/test_kit"  # no id
    accepted.page.goto("about:blank")  # the page hides: a beacon would flush now
    accepted.page.wait_for_timeout(300)
    after = requests[sent_before:]
    assert [r for r in after if "checkout" in r.lower()] == []  # GA4's checkout_click, Meta's InitiateCheckout
    assert [r for r in after if "ev=revoke" in r]  # and Meta was told to stop
    assert [b for b in beacons if "checkout_click" in json.dumps(b)] == []
