"""What a marketer gets from `funnelgen build`: the pages, links, files and safety of the output."""

from __future__ import annotations

import gc
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from conftest import FUNNEL_YML, MakeSite, snapshot

from funnelgen.commands.build import build
from funnelgen.errors import Abort
from funnelgen.render import relative_url

FULL_FUNNEL = """\
title: Spring launch
description: A five-day sprint to your first launch.
steps:
  - id: story
    type: bridge
    headline: Why most launches flop
    body: |
      A short story with **bold** words.
  - id: register
    type: webinar
    headline: Save your seat
    webinar: {starts: 2030-12-10 19:00, timezone: America/New_York}
    form: {provider: convertkit, action: "https://app.convertkit.com/forms/1/subscriptions",
           fields: [{name: first_name, label: First name}, {name: email, type: email, label: Email, required: true}]}
  - id: offer
    type: offer
    headline: The Launch Kit
    price: {amount: 97, compare_at: 297}
    checkout: https://buy.stripe.com/test_kit
    testimonials: [{quote: It works., name: Ann}]
  - id: vip
    type: upsell
    headline: Add the VIP call
    price: {amount: 197}
    accept: {checkout: https://buy.stripe.com/test_vip}
    decline: {to: lite}
  - id: lite
    type: downsell
    headline: Or the recording
    price: {amount: 47}
    accept: {checkout: https://buy.stripe.com/test_lite}
    decline: {to: done}
  - id: done
    type: thankyou
    headline: You are in
"""


def _read(out: Path, rel: str) -> str:
    return (out / rel).read_text(encoding="utf-8")


def _page_config(out: Path, rel: str) -> Any:
    """The runtime settings a page carries."""
    found = re.search(r'<script type="application/json" id="funnelgen-config">(.*?)</script>', _read(out, rel))
    assert found, f"{rel} has no runtime settings"
    return json.loads(found[1])


def test_every_step_becomes_a_clean_url_and_the_entry_is_the_funnel_url(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": FULL_FUNNEL})
    out = tmp_path / "out"
    report = build(site, out)
    for step in ("story", "register", "offer", "vip", "lite", "done"):
        assert (out / "launch" / step / "index.html").is_file()
    assert _read(out, "launch/index.html").count("Why most launches flop") >= 1
    assert {f.slug for f in report.funnels} == {"launch", "tiny"}
    for name in ("404.html", "robots.txt", "sitemap.xml", ".funnelgen"):
        assert (out / name).is_file()


def test_links_between_steps_are_relative_so_any_host_and_subfolder_works(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_site({"funnels/launch.yml": FULL_FUNNEL}), out)
    story = _read(out, "launch/story/index.html")
    assert 'href="../../launch/register/"' in story  # climbs to the root: works under any base path
    entry = _read(out, "launch/index.html")
    assert 'href="../launch/register/"' in entry
    vip = _read(out, "launch/vip/index.html")
    assert 'href="https://buy.stripe.com/test_vip"' in vip
    assert 'href="../../launch/lite/"' in vip
    lite = _read(out, "launch/lite/index.html")
    assert 'href="../../launch/done/"' in lite


def test_post_purchase_pages_are_kept_out_of_search_engines(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_site({"funnels/launch.yml": FULL_FUNNEL}), out)
    for step in ("vip", "lite", "done"):
        assert '<meta name="robots" content="noindex' in _read(out, f"launch/{step}/index.html")
    for step in ("story", "register", "offer"):
        assert "noindex" not in _read(out, f"launch/{step}/index.html")
    sitemap = _read(out, "sitemap.xml")
    locs = re.findall(r"<loc>(.*?)</loc>", sitemap)
    assert locs == [
        "https://tiny.example/launch/",
        "https://tiny.example/launch/register/",
        "https://tiny.example/launch/offer/",
        "https://tiny.example/tiny/",
    ]


def test_the_entry_page_is_canonical_at_the_funnel_url(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_site({"funnels/launch.yml": FULL_FUNNEL}), out)
    for rel in ("launch/index.html", "launch/story/index.html"):
        assert '<link rel="canonical" href="https://tiny.example/launch/">' in _read(out, rel)


def test_an_international_address_is_written_as_browsers_send_it(make_site: MakeSite, tmp_path: Path) -> None:
    """Canonical links, og:url and the sitemap name the host in ASCII and the folder percent-encoded:
    search engines and GitHub Pages read them so, and a raw 'ü' in a sitemap is not a valid URL."""
    out = tmp_path / "out"
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://Bücher.example/Café/\n"})
    build(site, out)
    page = _read(out, "tiny/index.html")
    assert '<link rel="canonical" href="https://xn--bcher-kva.example/Caf%C3%A9/tiny/">' in page
    assert '<meta property="og:url" content="https://xn--bcher-kva.example/Caf%C3%A9/tiny/">' in page
    assert "<loc>https://xn--bcher-kva.example/Caf%C3%A9/tiny/</loc>" in _read(out, "sitemap.xml")
    assert "Sitemap: https://xn--bcher-kva.example/Caf%C3%A9/sitemap.xml" in _read(out, "robots.txt")
    assert "ü" not in _read(out, "sitemap.xml") + _read(out, "robots.txt")


@pytest.mark.parametrize(("written", "tag"), [
    ("EN", "en"), ("en_US", "en-US"), ("pt_br", "pt-BR"), ("zh-hant-tw", "zh-Hant-TW"), ("es-419", "es-419"),
])
def test_a_language_written_in_any_case_reaches_the_page_as_browsers_expect_it(written: str, tag: str) -> None:
    from funnelgen.schema import Site

    assert Site(name="Tiny Co", base_url="https://tiny.example/", language=written).language == tag


def test_the_page_is_in_the_site_s_language(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nlanguage: PT_br\n"}), out)
    assert _read(out, "tiny/index.html").startswith('<!doctype html>\n<html lang="pt-BR">')


def test_site_paths_to_pages_files_and_redirects_of_the_site_build(make_site: MakeSite, tmp_path: Path) -> None:
    links = ("[{text: Thanks, to: /tiny/thanks/#next}, {text: Home, to: /}, {text: Map, to: /sitemap.xml},"
             " {text: Short, to: /go?utm_source=x}, {text: Entry, to: /tiny}]")
    site = make_site({
        "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nindex: true\n"
                    "legal: {privacy: /tiny/join/}\nhosting: {redirects: [{from: /go, to: tiny}]}\n",
        "funnels/tiny.yml": FUNNEL_YML.replace("    headline: Join the list\n",
                                               f"    headline: Join the list\n    links: {links}\n"),
    })
    build(site, tmp_path / "out")
    page = _read(tmp_path / "out", "tiny/join/index.html")
    assert 'href="../../tiny/thanks/#next"' in page and 'href="../../go?utm_source=x"' in page


def test_prices_webinar_time_and_form_fields_read_as_a_visitor_expects(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_site({"funnels/launch.yml": FULL_FUNNEL}), out)
    offer = _read(out, "launch/offer/index.html")
    assert "$97" in offer
    assert "$297" in offer
    register = _read(out, "launch/register/index.html")
    assert "Tuesday, December 10, 2030, 7:00\u202fPM EST" in register
    assert 'name="email_address"' in register  # ConvertKit's field name
    assert 'autocomplete="given-name"' in register
    assert 'action="https://app.convertkit.com/forms/1/subscriptions"' in register


def test_fields_named_as_the_email_tool_names_them_are_filled_in_by_the_browser(make_site: MakeSite,
                                                                                 tmp_path: Path) -> None:
    form = ("    form:\n      provider: mailchimp\n      action: https://x.us1.list-manage.com/subscribe/post\n"
            "      fields: [{name: FNAME, label: First}, {name: LNAME, label: Last}, {name: EMAIL, type: email, "
            "label: Email}, {name: phone-number, label: Phone}]\n")
    out = tmp_path / "out"
    build(make_site({"funnels/tiny.yml": FUNNEL_YML.replace(
        "    form:\n      provider: custom\n      action: https://mail.example/subscribe\n", form)}), out)
    join = _read(out, "tiny/index.html")
    hints = re.findall(r'<input[^>]*name="([^"]+)"[^>]*autocomplete="([^"]+)"', join)
    assert hints == [("FNAME", "given-name"), ("LNAME", "family-name"), ("EMAIL", "email"), ("phone-number", "tel")]


def test_a_beacon_at_a_site_path_posts_into_the_sub_folder_the_site_lives_in(make_site: MakeSite,
                                                                            tmp_path: Path) -> None:
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/shop/\n"
                                  "tracking:\n  beacon: {url: /collect}\n"})
    build(site, tmp_path / "out")
    config = _page_config(tmp_path / "out", "tiny/index.html")
    assert config["providers"]["beacon"] == "/shop/collect"


def test_a_meta_pixel_id_written_as_a_number_is_the_same_id(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\n"
                                  "tracking:\n  meta_pixel: {pixel_id: 123456789012345}\n"})
    build(site, tmp_path / "out")
    config = _page_config(tmp_path / "out", "tiny/index.html")
    assert config["providers"]["meta"] == "123456789012345"


def test_a_currency_code_in_lower_case_is_read_as_the_code(make_site: MakeSite, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(make_site({"funnels/launch.yml": FULL_FUNNEL.replace("price: {amount: 97, compare_at: 297}",
                                                               "price: {amount: 97, compare_at: 297, currency: eur}")}), out)
    offer = _read(out, "launch/offer/index.html")
    assert "€97" in offer
    assert "€297" in offer


def test_what_else_is_in_funnels_is_passed_over_or_named(make_site: MakeSite, run_cli: Callable[..., Result],
                                                          tmp_path: Path) -> None:
    site = make_site({
        "funnels/.draft.yml": "title: [unfinished\n",  # hidden: a draft, passed over
        "funnels/tiny.yml~": "title: [backup\n", "funnels/#tiny.yml#": "title: [autosave\n",  # editors' copies
        "funnels/webinar.YAML": FUNNEL_YML.replace("Tiny funnel", "Webinar"),  # built
        "funnels/old/guide.yml": FUNNEL_YML,  # in a folder: named
        "funnels/launch.yml.txt": FUNNEL_YML,  # not YAML: named
    })
    (site / "funnels/.#tiny.yml").symlink_to("me@laptop.4242")  # Emacs's lock: a link to nowhere
    warnings = [
        "warning: funnels/launch.yml.txt: is not a funnel file (.yml), so it is not built: rename it to end in "
        ".yml to build it, or move it out of funnels/",
        "warning: funnels/old/: funnel files in a folder inside funnels/ are not built (guide.yml): move them "
        "into funnels/ itself to build them",
    ]
    out = tmp_path / "out"
    for _ in range(2):  # the second build has nothing to do, and says the same
        result = run_cli("build", site, "-o", out, "-q")
        assert result.exit_code == 0 and result.stderr.splitlines() == warnings
    assert (out / "webinar/index.html").is_file()
    (site / "funnels/launch.yml.txt").unlink()
    assert run_cli("build", site, "-o", out, "-q").stderr.splitlines() == warnings[1:]


def test_a_webinar_in_the_past_still_builds_with_a_warning(make_site: MakeSite, run_cli: Callable[..., Result],
                                                            tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": FULL_FUNNEL.replace("starts: 2030-12-10 19:00", "starts: 2020-12-10 19:00")})
    result = run_cli("build", site, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: funnels/launch.yml:12: steps[1].webinar.starts: 2020-12-10 19:00 (America/New_York) is past: the page "
        "invites visitors to a webinar that has started; write its next date"]
    assert "Thursday, December 10, 2020, 7:00\u202fPM EST" in _read(tmp_path / "out", "launch/register/index.html")


def test_the_same_site_builds_byte_identical_output(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": FULL_FUNNEL, "assets/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>",
                      "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nbrand: {logo: assets/logo.svg}\n"})
    build(site, tmp_path / "a")
    build(site, tmp_path / "b")
    assert snapshot(tmp_path / "a") == snapshot(tmp_path / "b")


def test_assets_are_fingerprinted_sized_and_referenced(make_site: MakeSite, tmp_path: Path) -> None:
    svg = "<svg xmlns='http://www.w3.org/2000/svg' width='120' height='30'/>"
    site = make_site({
        "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nbrand: {logo: assets/img/logo.svg}\n",
        "assets/img/logo.svg": svg,
    })
    out = tmp_path / "out"
    build(site, out)
    [logo] = (out / "assets" / "img").iterdir()
    assert re.fullmatch(r"logo\.[0-9a-f]{10}\.svg", logo.name)
    page = _read(out, "tiny/join/index.html")
    assert f'src="../../assets/img/{logo.name}" alt="Tiny Co" width="120" height="30"' in page


def test_changing_an_asset_changes_its_name(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"assets/a.txt": "one"})
    build(site, tmp_path / "one")
    (site / "assets/a.txt").write_text("two")
    build(site, tmp_path / "two")
    assert {p.name for p in (tmp_path / "one/assets").iterdir()} != {p.name for p in (tmp_path / "two/assets").iterdir()}


def test_what_systems_and_editors_leave_in_the_site_is_never_published_and_rebuilds_nothing(
        make_site: MakeSite, run_cli: Callable[..., Result], tmp_path: Path) -> None:
    site = make_site({"assets/logo.svg": "<svg/>", "content/story.md": "A story.\n"})
    out = tmp_path / "out"
    assert run_cli("build", site, "-o", out, "-q", "--strict").exit_code == 0
    published = sorted(p.relative_to(out).as_posix() for p in out.rglob("*"))
    left = ["assets/.DS_Store", "assets/Thumbs.db", "assets/desktop.ini", "assets/Icon\r", "assets/logo.svg~",
            "assets/#logo.svg#", "assets/logo.svg.bak", "assets/.git/config", "content/.obsidian/workspace.json",
            "content/.#story.md", "templates/.DS_Store", "funnels/Thumbs.db", "funnels/desktop.ini"]
    for name in left:
        (site / name).parent.mkdir(parents=True, exist_ok=True)
        (site / name).write_text("left behind")
    result = run_cli("build", site, "-o", out, "--strict")
    assert result.exit_code == 0, result.stderr
    assert "Up to date" in result.stdout and result.stderr == ""
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == published
    # an old copy in a hidden folder, and Emacs's lock (a link to nowhere): no page is made of them
    (site / "templates/.old").mkdir()
    (site / "templates/.old/page.html").write_text("<script>alert(1)</script>\n")
    (site / "templates/.#page.html").symlink_to("me@laptop.4242")
    result = run_cli("build", site, "-o", out, "-q", "--strict", "--no-cache")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == published


def test_a_folder_linked_inside_assets_is_not_followed_and_a_warning_says_so(
        make_site: MakeSite, run_cli: Callable[..., Result], tmp_path: Path) -> None:
    """It may lead anywhere: into the output folder, which would then grow at every build."""
    site = make_site({"assets/people/jo.svg": "<svg/>"})
    assert run_cli("build", site, "-q").exit_code == 0  # into site/public
    (site / "assets/team").symlink_to("people")
    (site / "assets/previous").symlink_to("../public")
    for _ in range(2):
        result = run_cli("build", site, "-q")
        assert result.exit_code == 0
        assert result.stderr.splitlines() == [
            f"warning: assets/{name}: is a link to a folder, which is not followed, so nothing in it is "
            "published: copy the folder into assets/ instead (a link to a file is followed)"
            for name in ("previous", "team")]
        assert sorted(p.name for p in (site / "public/assets").iterdir()) == ["people"]


def test_an_asset_named_too_long_to_publish_is_refused_before_anything_is_written(
        make_site: MakeSite, run_cli: Callable[..., Result], tmp_path: Path) -> None:
    site, out = make_site({"assets/logo.svg": "<svg/>"}), tmp_path / "out"
    assert run_cli("build", site, "-o", out, "-q").exit_code == 0
    before = snapshot(out)
    long = "p" * 240 + ".jpg"  # a name the disk takes; published with a fingerprint and widths, it would not fit
    (site / "assets" / long).write_bytes(b"\xff\xd8\xff")
    for command in (["check", site], ["build", site, "-o", out]):
        result = run_cli(*command)
        assert result.exit_code == 1
        assert result.stderr == (f"assets/{long}: name too long to publish: with the fingerprint funnelgen adds "
                                 "it is 263 bytes, and a file name can have at most 255; rename it to at most "
                                 "236 bytes\n")
    assert snapshot(out) == before


def test_marketer_text_is_escaped_never_run(make_site: MakeSite, tmp_path: Path) -> None:
    funnel = FULL_FUNNEL.replace("Why most launches flop", '<script>alert(1)</script> {{ 7*7 }}')
    funnel = funnel.replace("A short story with **bold** words.", "<img src=x onerror=alert(1)> [x](https://ok.example/)")
    out = tmp_path / "out"
    build(make_site({"funnels/launch.yml": funnel}), out)
    page = _read(out, "launch/story/index.html")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in page  # shown literally, not evaluated
    assert "onerror=alert" not in page.replace("&lt;img src=x onerror=alert(1)&gt;", "")
    assert "javascript:" not in page


def test_markdown_is_commonmark_with_tables_strikethrough_and_raw_html_shown_as_text(
        make_site: MakeSite, tmp_path: Path) -> None:
    body = ("- Week one\n  - two spaces nest a list\n\n"
            "| Plan | Price |\n|---|--:|\n| Basic | $9 |\n\n"
            "Was ~~$997~~, now $297: save ~70% in ~20 minutes.\n\n"
            "Type `<b>` for bold, or just write a < b and &lt;b&gt;. <b>Not bold</b>")
    funnel = FULL_FUNNEL.replace("A short story with **bold** words.", body.replace("\n", "\n      "))
    out = tmp_path / "out"
    build(make_site({"funnels/launch.yml": funnel}), out)
    page = _read(out, "launch/story/index.html")
    assert "<li>Week one\n<ul>\n<li>two spaces nest a list</li>" in page
    assert re.search(r'<th>Plan</th>\s*<th align="right">Price</th>', page) and '<td align="right">$9</td>' in page
    assert "Was <del>$997</del>, now $297: save ~70% in ~20 minutes." in page  # a lone '~' stays
    assert "Type <code>&lt;b&gt;</code> for bold, or just write a &lt; b and &lt;b&gt;. &lt;b&gt;Not bold&lt;/b&gt;" in page


def test_a_heading_with_an_id_is_where_an_anchor_link_leads(make_site: MakeSite, tmp_path: Path) -> None:
    body = "[See the prices](#prices) · [or what people say](#testimonials-title)\n\n## Prices {#prices}\n\n## Save {50%}"
    out = tmp_path / "out"
    build(make_site({"funnels/launch.yml": FULL_FUNNEL.replace(
        "    testimonials: [{quote: It works., name: Ann}]\n",
        f"    testimonials: [{{quote: It works., name: Ann}}]\n    body: {json.dumps(body)}\n")}), out)
    page = _read(out, "launch/offer/index.html")
    assert '<a href="#prices" rel="noopener noreferrer">See the prices</a>' in page
    assert '<h2 id="prices">Prices</h2>' in page
    assert "<h2>Save {50%}</h2>" in page  # braces that are not {#id} stay the heading's words


def test_an_anchor_link_that_leads_nowhere_on_its_page_is_refused_with_the_places_it_could_go(
        make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": FULL_FUNNEL.replace(
        "    body: |\n      A short story with **bold** words.\n", "    body_file: content/story.md\n"),
        "content/story.md": "## The story {#story}\n\nIntro.\n\n[Jump to the offer](#offer)\n"})
    with pytest.raises(Abort) as refused:
        build(site, tmp_path / "out")
    assert str(refused.value) == ("content/story.md:5: link '#offer' leads to nothing on this page: give the "
                                  "heading it means that id (## Prices {#offer}), or link to a place the page "
                                  "has: #main, #story")
    assert not (tmp_path / "out").exists()


def test_a_misspelt_anchor_is_told_the_place_it_probably_means(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": FULL_FUNNEL.replace(
        "    body: |\n      A short story with **bold** words.\n", "    body_file: content/story.md\n"),
        "content/story.md": "## Common questions {#questions}\n\n[Read the questions](#qeustions)\n"})
    with pytest.raises(Abort) as refused:
        build(site, tmp_path / "out")
    assert str(refused.value) == ("content/story.md:3: link '#qeustions' leads to nothing on this page: did you "
                                  "mean '#questions'? (the page has: #main, #questions)")
    faq = make_site({"funnels/launch.yml": FULL_FUNNEL.replace(
        "      A short story with **bold** words.\n",
        "      See the [FAQ](#FAQ).\n    faq: [{question: Why?, answer: Because.}]\n")}, name="faq")
    with pytest.raises(Abort) as refused:  # the theme's FAQ heading is #faq-title
        build(faq, tmp_path / "faq-out")
    assert str(refused.value).startswith("funnels/launch.yml:7: steps[0].body: link '#FAQ' leads to nothing on this "
                                         "page: did you mean '#faq-title'?")


def test_every_anchor_that_leads_nowhere_is_named_at_its_key_in_one_run(make_site: MakeSite, tmp_path: Path) -> None:
    funnel = FULL_FUNNEL.replace("    headline: Why most launches flop\n",
                                 "    headline: Why most launches flop\n    links: [{text: Prices, to: '#prices'}]\n")
    funnel = funnel.replace("    headline: You are in\n", "    headline: You are in\n    body: '[Top](#top) [Up](#up)'\n")
    with pytest.raises(Abort) as refused:
        build(make_site({"funnels/launch.yml": funnel}), tmp_path / "out")
    assert [f"{p.file}:{p.line}: {p.key}" for p in refused.value.problems] == [
        "funnels/launch.yml:7: steps[0].links[0].to", "funnels/launch.yml:37: steps[5].body"]
    assert "link '#up' leads to nothing on this page" in str(refused.value)  # '#top' is the top of any page


def test_an_id_given_again_in_a_temperature_version_is_named_there(make_site: MakeSite, tmp_path: Path) -> None:
    funnel = FULL_FUNNEL.replace("A short story with **bold** words.\n",
                                 "## Why {#why}\n    by_temperature: {warm: {body: '## Why, again {#why}'}}\n")
    with pytest.raises(Abort) as refused:
        build(make_site({"funnels/launch.yml": funnel}), tmp_path / "out")
    assert str(refused.value).startswith("funnels/launch.yml:9: steps[0].by_temperature.warm.body: the id 'why' "
                                         "is on this page twice")


def test_an_id_given_twice_on_one_page_is_refused(make_site: MakeSite, tmp_path: Path) -> None:
    funnel = FULL_FUNNEL.replace("A short story with **bold** words.", "## Why {#why}\n\n      ## Again {#why}")
    with pytest.raises(Abort) as refused:
        build(make_site({"funnels/launch.yml": funnel}), tmp_path / "out")
    assert str(refused.value) == ("funnels/launch.yml:7: steps[0].body: the id 'why' is on this page twice, and a "
                                  "link leads only to the first: give one of them another id")


@pytest.mark.parametrize("href", ["javascript:alert(1)", "offer", "../offer/", "data:text/html,x"])
def test_a_markdown_link_that_cannot_work_is_refused(make_site: MakeSite, tmp_path: Path, href: str) -> None:
    funnel = FULL_FUNNEL.replace("A short story with **bold** words.", f"Read [this]({href}).")
    with pytest.raises(Abort) as refused:
        build(make_site({"funnels/launch.yml": funnel}), tmp_path / "out")
    assert str(refused.value) == (f"funnels/launch.yml:7: steps[0].body: link '{href}' in the Markdown cannot "
                                  "work: write an https:// URL, mailto:, tel:, or a site path such as /funnel/step/")
    assert not (tmp_path / "out").exists()


def test_every_markdown_problem_is_named_in_the_file_and_at_the_key_where_it_was_written(
        make_site: MakeSite, tmp_path: Path) -> None:
    funnel = FULL_FUNNEL.replace("    body: |\n      A short story with **bold** words.\n",
                                 "    body_file: content/story.md\n"
                                 "    faq: [{question: Why?, answer: 'See [here](//evil.example).'}]\n"
                                 "    by_temperature: {hot: {body: '![Chart](http://charts.example/c.png)'}}\n")
    site = make_site({
        "funnels/launch.yml": funnel,
        "content/story.md": "Intro.\n\nRead [this](javascript:alert(1)).\n\n![Team](assets/team.png)\n\n"
                            "![Logo](logo.png)\n",
    })
    with pytest.raises(Abort) as refused:
        build(site, tmp_path / "out")
    assert [str(p) for p in refused.value.problems] == [
        "content/story.md:3: link 'javascript:alert(1)' in the Markdown cannot work: write an https:// URL, "
        "mailto:, tel:, or a site path such as /funnel/step/",
        "content/story.md:5: image 'assets/team.png' is not in the site's assets folder",
        "content/story.md:7: image 'logo.png' in the Markdown cannot be shown: write a file in the assets "
        "folder (e.g. assets/photo.jpg) or an https:// URL",
        "funnels/launch.yml:8: steps[0].faq[0].answer: link '//evil.example' in the Markdown cannot work: write "
        "an https:// URL, mailto:, tel:, or a site path such as /funnel/step/",
        "funnels/launch.yml:9: steps[0].by_temperature.hot.body: image 'http://charts.example/c.png' is not "
        "secure: write 'https://charts.example/c.png'",
    ]
    assert not (tmp_path / "out").exists()


def test_markdown_site_paths_climb_to_the_root_and_a_heading_one_becomes_a_heading_two(
        make_site: MakeSite, tmp_path: Path) -> None:
    body = "# The plan\n\nSee [the offer](/launch/offer/#price) and [top](#top).\n\n![Map](/maps/map.svg)"
    site = make_site({"funnels/launch.yml": FULL_FUNNEL.replace("A short story with **bold** words.",
                                                                body.replace("\n", "\n      ")),
                      "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/shop/\n"})
    out = tmp_path / "out"
    build(site, out)
    story = _read(out, "launch/story/index.html")
    assert "<h2>The plan</h2>" in story and story.count("<h1") == 1  # the headline is the page's one h1
    assert '<a href="../../launch/offer/#price" rel="noopener noreferrer">the offer</a>' in story
    assert '<a href="#top" rel="noopener noreferrer">top</a>' in story
    assert 'src="../../maps/map.svg"' in story
    assert '<a href="../launch/offer/#price"' in _read(out, "launch/index.html")  # one folder higher


def test_pictures_markdown_shows_from_other_hosts_are_allowed_by_the_content_security_policy(
        make_site: MakeSite, tmp_path: Path) -> None:
    body = '![Chart](https://charts.example/c.png) <img src="https://raw.example/r.png" alt="Raw">'
    funnel = FULL_FUNNEL.replace("A short story with **bold** words.", body)
    out = tmp_path / "out"
    build(make_site({"funnels/launch.yml": funnel}), out)
    policy = re.search(r"img-src ([^;]*)", _read(out, "launch/offer/index.html"))  # every page carries it
    assert policy and "https://charts.example" in policy[1].split()
    assert "https://raw.example" not in policy[1]  # raw HTML is shown as text: its picture is not loaded
    sanitised = make_site({"funnels/launch.yml": funnel, "site.yml": "name: Tiny Co\nbase_url: "
                           "https://tiny.example/\nmarkdown: {allow_html: true}\n"}, name="html")
    build(sanitised, tmp_path / "html-out")
    policy = re.search(r"img-src ([^;]*)", _read(tmp_path / "html-out", "launch/story/index.html"))
    assert policy and {"https://charts.example", "https://raw.example"} <= set(policy[1].split())


def test_the_funnel_list_and_the_404_page_have_the_logo_and_the_legal_footer(make_site: MakeSite,
                                                                            tmp_path: Path) -> None:
    site = make_site({
        "assets/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>",
        "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/shop/\nindex: true\n"
                    "brand: {logo: assets/logo.svg}\n"
                    "legal: {company: Tiny Co LLC, privacy: /tiny/join/, terms: https://tiny.example/terms}\n",
    })
    out = tmp_path / "out"
    build(site, out)
    [logo] = [p.name for p in (out / "assets").iterdir()]
    for page, root in (("index.html", "./"), ("404.html", "/shop/")):  # the 404 page answers any address
        html = _read(out, page)
        assert f'<img class="logo" src="{root}assets/{logo}"' in html
        assert "<span>Tiny Co LLC</span>" in html
        assert f'<a href="{root}tiny/join/">Privacy policy</a>' in html
        assert '<a href="https://tiny.example/terms">Terms</a>' in html
        assert "%%funnelgen-root%%" not in html


@pytest.mark.parametrize("url", ["https://vimeo.com/76979871/abcdef1234",
                                 "https://player.vimeo.com/video/76979871?h=abcdef1234"])
def test_an_unlisted_vimeo_video_plays_with_its_private_hash(make_site: MakeSite, tmp_path: Path, url: str) -> None:
    funnel = FULL_FUNNEL.replace("    headline: Why most launches flop\n",
                                 f'    headline: Why most launches flop\n    video: {{url: "{url}", title: Watch}}\n', 1)
    assert funnel != FULL_FUNNEL
    build(make_site({"funnels/launch.yml": funnel}), tmp_path / "out")
    page = _read(tmp_path / "out", "launch/story/index.html")
    assert 'href="https://vimeo.com/76979871/abcdef1234"' in page
    assert 'data-embed="https://player.vimeo.com/video/76979871?h=abcdef1234&amp;autoplay=1&amp;dnt=1"' in page
    assert "frame-src https://player.vimeo.com" in page


@pytest.mark.parametrize("url", ["https://www.youtube.com/watch?v=dQw4w9WgXcQ&list=PLx0sYbCqOb8",
                                 "https://youtu.be/dQw4w9WgXcQ?si=abc", "https://www.youtube.com/embed/dQw4w9WgXcQ",
                                 "https://www.youtube.com/shorts/dQw4w9WgXcQ", "https://m.youtube.com/live/dQw4w9WgXcQ"])
def test_every_address_youtube_gives_one_video_plays_that_video(make_site: MakeSite, tmp_path: Path,
                                                                 url: str) -> None:
    funnel = FULL_FUNNEL.replace("    headline: Why most launches flop\n",
                                 f'    headline: Why most launches flop\n    video: {{url: "{url}", title: Watch}}\n', 1)
    build(make_site({"funnels/launch.yml": funnel}), tmp_path / "out")
    page = _read(tmp_path / "out", "launch/story/index.html")
    assert 'href="https://www.youtube.com/watch?v=dQw4w9WgXcQ"' in page
    assert 'data-embed="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ?autoplay=1&amp;rel=0"' in page


def test_a_brace_written_twice_in_the_title_pattern_shows_once(make_site: MakeSite, tmp_path: Path) -> None:
    build(make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\n"
                                 "seo: {title: '{page} | {{Sale}} {site}'}\n"}), tmp_path / "out")
    assert "<title>Join the list | {Sale} Tiny Co</title>" in _read(tmp_path / "out", "tiny/join/index.html")


def _every_block(step: str) -> dict[str, Any]:
    return {"benefits_title": f"Benefits-{step}", "benefits": [f"Benefit-{step}"],
            "testimonials": [{"quote": f"Quote-{step}", "name": f"Name-{step}"}],
            "faq": [{"question": f"Question-{step}", "answer": f"Answer-{step}"}],
            "guarantee": {"title": f"Guarantee-{step}", "text": f"Promise-{step}"},
            "deadline": {"text": f"Deadline-{step}"},
            "links": [{"text": f"Link-{step}", "to": f"https://elsewhere.example/{step}"}]}


def test_every_step_type_shows_every_block_it_carries(make_site: MakeSite, tmp_path: Path) -> None:
    netlify = {"provider": "netlify"}
    steps = [
        {"id": "story", "type": "bridge", "cta": {"text": "Cta-story"}},
        {"id": "join", "type": "optin", "form": netlify},
        {"id": "live", "type": "webinar", "form": {**netlify, "name": "live"},
         "webinar": {"starts": "2030-12-10 19:00", "timezone": "Europe/Berlin"}},
        {"id": "buy", "type": "offer", "price": {"amount": 47}, "checkout": "https://buy.example/c"},
        {"id": "more", "type": "upsell", "price": {"amount": 97}, "accept": {"checkout": "https://buy.example/u"},
         "decline": {"to": "less"}},
        {"id": "less", "type": "downsell", "price": {"amount": 37}, "accept": {"checkout": "https://buy.example/d"},
         "decline": {"to": "done"}},
        {"id": "done", "type": "thankyou", "next": "story", "cta": {"text": "Cta-done"}},
    ]
    funnel = {"title": "Every step", "steps": [{**s, "headline": s["id"], **_every_block(s["id"])} for s in steps]}
    out = tmp_path / "out"
    build(make_site({"funnels/tiny.yml": yaml.safe_dump(funnel, sort_keys=False)}), out)
    for step in [s["id"] for s in steps]:
        page = _read(out, f"tiny/{step}/index.html")
        for block in ("Benefits", "Benefit", "Quote", "Question", "Answer", "Guarantee", "Promise", "Deadline",
                      "Link"):
            assert f"{block}-{step}" in page, f"the {step} page does not show its {block.lower()}"
    for step in ("story", "done"):
        assert f"Cta-{step}" in _read(out, f"tiny/{step}/index.html")


def test_the_policy_names_each_host_as_the_browser_reads_it_and_nothing_else(
        make_site: MakeSite, tmp_path: Path) -> None:
    body = ('![A](https://Charts.EXAMPLE:8443/c.png) ![B](https://bücher.example/b.png) '
            '<img src="https://Raw.Example/r.png" alt="Raw">')
    funnel = FULL_FUNNEL.replace("A short story with **bold** words.", body)
    site = make_site({"funnels/launch.yml": funnel, "site.yml": "name: Tiny Co\nbase_url: "
                      "https://tiny.example/\nmarkdown: {allow_html: true}\n"})
    build(site, tmp_path / "out")
    policy = re.search(r'content="([^"]*)"', _read(tmp_path / "out", "launch/story/index.html"))
    assert policy
    img = re.search(r"img-src ([^;]*)", policy[1])
    assert img and set(img[1].split()) == {"'self'", "data:", "https://charts.example:8443",
                                           "https://xn--bcher-kva.example", "https://raw.example"}
    # a raw picture whose host is not a host name would rewrite the policy: it is refused
    sandbox = funnel.replace("https://Raw.Example/r.png", "https://raw.example;sandbox/r.png")
    with pytest.raises(Abort) as refused:
        build(make_site({"funnels/launch.yml": sandbox, "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/"
                         "\nmarkdown: {allow_html: true}\n"}, name="sandbox"), tmp_path / "sandbox-out")
    assert "image 'https://raw.example;sandbox/r.png' has no valid domain name" in str(refused.value)


@pytest.mark.parametrize(("snippet", "allowed"), [
    ("<script>!function(f,b,e,v,n,t,s){t=b.createElement(e);t.async=!0;"
     "t.src=v;s=b.getElementsByTagName(e)[0];s.parentNode.insertBefore(t,s)}(window, document,'script',"
     "'https://connect.facebook.net/en_US/fbevents.js');</script>",
     {"script-src": "https://connect.facebook.net", "connect-src": "https://www.facebook.com",
      "img-src": "https://www.facebook.com"}),
    ('<script async src="https://www.googletagmanager.com/gtag/js?id=G-ABC123"></script>',
     {"script-src": "https://www.googletagmanager.com", "connect-src": "https://*.google-analytics.com"}),
    ("<script>(function(w,d,s,l,i){j.src='https://www.googletagmanager.com/gtm.js?id='+i})"
     "(window,document,'script','dataLayer','GTM-ABC');</script>",
     {"script-src": "https://www.googletagmanager.com", "connect-src": "https://*.google-analytics.com",
      "frame-src": "https://www.googletagmanager.com"}),
    ('<noscript><img height="1" width="1" style="display:none" '
     'src="https://PX.Tracker.example/p.gif?id=1&amp;ev=PageView"/></noscript>'
     '<iframe src="https://frames.example/tag.html" hidden></iframe>',
     {"img-src": "https://px.tracker.example", "frame-src": "https://frames.example"}),
    ('<img src="//pixel.quantserve.example/pixel/p-abc.gif" alt=""><img srcset=\'https://hd.example/p.gif 1x, '
     'https://retina.example/p.gif 2x\' alt="">',
     {"img-src": ["https://pixel.quantserve.example", "https://hd.example", "https://retina.example"]}),
], ids=["meta-pixel", "gtag", "google-tag-manager", "a-pixel-and-a-frame", "pixels-without-a-scheme-or-by-srcset"])
def test_a_vendors_tag_pasted_into_head_gets_the_hosts_it_loads_from_and_sends_to(
        make_site: MakeSite, tmp_path: Path, snippet: str, allowed: dict[str, str | list[str]]) -> None:
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\n"
                                  f"tracking:\n  head: {json.dumps(snippet)}\n"})
    build(site, tmp_path / "out")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"',
                       _read(tmp_path / "out", "tiny/index.html"))
    assert policy
    directives = {part.split()[0]: part.split()[1:] for part in policy[1].split("; ")}
    for directive, hosts in allowed.items():
        for host in [hosts] if isinstance(hosts, str) else hosts:
            assert host in directives[directive], (directive, directives[directive])


def test_a_lazy_loaders_data_src_is_no_source_the_policy_allows(make_site: MakeSite, tmp_path: Path) -> None:
    snippet = ('<script data-src="https://scripts.example/x.js">window.x = 1;</script>'
               '<img data-src="https://pixels.example/p.gif" src="https://px.example/p.gif" alt="">')
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\n"
                                  f"tracking:\n  body: {json.dumps(snippet)}\n"})
    build(site, tmp_path / "out")
    policy = _read(tmp_path / "out", "_headers")
    assert "https://px.example" in policy
    assert "scripts.example" not in policy and "pixels.example" not in policy


def test_a_snippet_that_loads_a_script_the_policy_cannot_see_is_a_warning(make_site: MakeSite, run_cli: Any,
                                                                          tmp_path: Path) -> None:
    tiktok = ('<script>!function(w,d,t){var o=d.createElement("script");o.async=!0;'
              'o.src="https://analytics.tiktok.com/i18n/pixel/events.js";d.head.appendChild(o)}(window,document);'
              '</script>')
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\n"
                                  f"tracking:\n  head: {json.dumps(tiktok)}\n"})
    result = run_cli("build", site, "-o", tmp_path / "out")
    assert result.exit_code == 0
    assert result.stderr == ("warning: site.yml:4: tracking.head: this snippet adds a <script> from JavaScript, and "
                             "the site's policy cannot see where it loads from, so browsers will block it: load that "
                             "file with <script src=\"https://…\" async></script> in the snippet instead, and its "
                             "host is allowed\n")
    known = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\ntracking:\n  head: "
                                   + json.dumps("<script>(function(w,d,s){var j=d.createElement(s);j.src="
                                                "'https://www.googletagmanager.com/gtm.js?id=GTM-A'})"
                                                "(window,document,'script')</script>") + "\n"}, name="known")
    assert run_cli("build", known, "-o", tmp_path / "known-out").stderr == ""  # GTM's hosts are allowed


def test_the_policy_allows_no_host_of_raw_html_the_sanitiser_removed(make_site: MakeSite, tmp_path: Path) -> None:
    body = ('<img src="https://img.example/x.png" alt="Shown"> <iframe src="https://frame.example/"></iframe> '
            '<audio src="https://audio.example/a.mp3"></audio> <script src="https://script.example/x.js"></script>')
    site = make_site({"funnels/launch.yml": FULL_FUNNEL.replace("A short story with **bold** words.", body),
                      "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nmarkdown: {allow_html: true}\n"})
    build(site, tmp_path / "out")
    page = _read(tmp_path / "out", "launch/story/index.html")
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page)
    assert policy and "https://img.example" in policy[1]
    assert not re.search(r"frame\.example|audio\.example|script\.example", policy[1])


@pytest.mark.parametrize("link", ['<a href="javascript:alert(1)">Win</a>', "<A HREF='JavaScript:alert(1)'>Win</A>",
                                  '<a title="x" href=data:text/html,hi>Win</a>'])
def test_a_raw_html_link_that_cannot_work_is_refused_like_a_markdown_one(make_site: MakeSite, tmp_path: Path,
                                                                         link: str) -> None:
    site = make_site({"funnels/launch.yml": FULL_FUNNEL.replace("A short story with **bold** words.", link),
                      "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nmarkdown: {allow_html: true}\n"})
    with pytest.raises(Abort) as refused:
        build(site, tmp_path / "out")  # the sanitiser would leave <a> without href: text that looks like a link
    assert re.fullmatch(r"funnels/launch\.yml:7: steps\[0\]\.body: link '(?i:javascript:alert\(1\)|data:text/html,hi)' "
                        r"in the Markdown cannot work: write an https:// URL, mailto:, tel:, or a site path such as "
                        r"/funnel/step/", str(refused.value)), str(refused.value)


def test_raw_html_the_page_cannot_keep_is_warned_of_where_it_was_pasted(make_site: MakeSite, tmp_path: Path) -> None:
    story = ('Intro `<form>` and\n\n    <form action=x>\n\n<!-- <iframe src="https://old.example/"></iframe> -->\n\n'
             '<div style="text-align:center">Centered</div> <DIV>again</DIV>\n\n<iframe src="https://frame.example/">'
             '</iframe>\n\n<details><summary>Why?</summary>Because.</details> <form action="/x"></form>\n\n'
             '```\n<script>shown()</script>\n```\n')
    site = make_site({"funnels/launch.yml": FULL_FUNNEL.replace(
        "    body: |\n      A short story with **bold** words.\n",
        "    body_file: content/story.md\n    faq: [{question: Why?, answer: 'It <blink>works</blink>, <b>truly</b>.'}]\n"),
        "content/story.md": story,
        "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nmarkdown: {allow_html: true}\n"})
    keeps = ("raw HTML keeps only headings, paragraphs, lists, links, pictures, tables and b, i, em, strong, u, s, del, "
             "mark, small, sub, sup, code and abbr")
    assert [str(w) for w in build(site, tmp_path / "out").warnings] == [  # not in code or a comment; once a tag
        f"content/story.md:7: <div> is taken out of the page: {keeps}; its text stays, without the tag",
        f"content/story.md:9: <iframe> is taken out of the page: {keeps}; show a video with the step's video: key",
        f"content/story.md:11: <details> and <summary> are taken out of the page: {keeps}; write questions that open "
        "with the step's faq: key",
        f"content/story.md:11: <form> is taken out of the page: {keeps}; the step's form: key makes the opt-in form",
        f"funnels/launch.yml:8: steps[0].faq[0].answer: <blink> is taken out of the page: {keeps}; its text stays, "
        "without the tag"]
    shown_as_text = make_site({"funnels/launch.yml": FULL_FUNNEL.replace(
        "A short story with **bold** words.", "<iframe src='https://frame.example/'></iframe>")}, name="text")
    assert build(shown_as_text, tmp_path / "text-out").warnings == []  # without allow_html it shows as typed


def test_raw_html_in_markdown_is_sanitised_when_the_site_allows_it(make_site: MakeSite, tmp_path: Path) -> None:
    funnel = FULL_FUNNEL.replace("A short story with **bold** words.",
                                 '<mark>Yes</mark> <img src="https://img.example/x.png" onerror="alert(1)">'
                                 '<script>bad()</script>')
    site = make_site({"funnels/launch.yml": funnel,
                      "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nmarkdown: {allow_html: true}\n"})
    out = tmp_path / "out"
    build(site, out)
    page = _read(out, "launch/story/index.html")
    assert "<mark>Yes</mark>" in page
    assert "onerror" not in page
    assert "bad()" not in page


def test_a_raw_html_picture_of_the_assets_folder_is_published_like_a_markdown_one(
        make_site: MakeSite, tmp_path: Path) -> None:
    body = '<img src="/assets/logo.svg" alt="Logo"> <img src="assets/logo.svg" alt="Again"> ![Md](assets/logo.svg)'
    site = make_site({"funnels/launch.yml": FULL_FUNNEL.replace("A short story with **bold** words.", body),
                      "assets/logo.svg": "<svg xmlns='http://www.w3.org/2000/svg' width='10' height='10'/>",
                      "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nmarkdown: {allow_html: true}\n"})
    out = tmp_path / "out"
    build(site, out)
    [logo] = [p.name for p in (out / "assets").iterdir()]
    story = _read(out, "launch/story/index.html")
    assert re.findall(r'<img[^>]*src="([^"]*)"', story.split("<main", 1)[1]) == [f"../../assets/{logo}"] * 3


@pytest.mark.parametrize(("picture", "message"), [
    ('<img src="/assets/team.png" alt="Team">', "image 'assets/team.png' is not in the site's assets folder"),
    ('<img src="//cdn.example/team.png" alt="Team">', "image '//cdn.example/team.png' in the Markdown cannot be "
     "shown: write a file in the assets folder (e.g. assets/photo.jpg) or an https:// URL"),
    ('<img src="/assets/brochure.jpg" alt="Brochure">', "image 'assets/brochure.jpg' is a PDF file renamed to "
     ".jpg, not a web picture: export it as JPEG, PNG or WebP and name that file here"),
    ('![Brochure](assets/brochure.jpg)', "image 'assets/brochure.jpg' is a PDF file renamed to .jpg, not a web "
     "picture: export it as JPEG, PNG or WebP and name that file here"),
    ('![Notes](assets/notes.txt)', "image 'assets/notes.txt' is not a web picture (JPEG, PNG, WebP, GIF, AVIF "
     "or SVG): export it as JPEG, PNG or WebP and name that file here"),
])
def test_a_picture_in_markdown_that_no_browser_can_show_is_refused_at_its_line(
        make_site: MakeSite, tmp_path: Path, picture: str, message: str) -> None:
    site = make_site({"funnels/launch.yml": FULL_FUNNEL.replace("    body: |\n      A short story with **bold** "
                                                                "words.\n", "    body_file: content/story.md\n"),
                      "content/story.md": f"Intro.\n\n{picture}\n",
                      "assets/brochure.jpg": "%PDF-1.4\n1 0 obj\n", "assets/notes.txt": "notes\n",
                      "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nmarkdown: {allow_html: true}\n"})
    with pytest.raises(Abort) as refused:
        build(site, tmp_path / "out")
    assert str(refused.value) == f"content/story.md:3: {message}"
    assert not (tmp_path / "out").exists()


def test_a_site_template_overrides_one_partial_of_the_theme(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"templates/blocks/footer.html": '<footer class="mine">Custom footer</footer>\n'})
    out = tmp_path / "out"
    build(site, out)
    page = _read(out, "tiny/join/index.html")
    assert '<footer class="mine">Custom footer</footer>' in page
    assert "<h1>Join the list</h1>" in page  # the rest still comes from the theme


def test_brand_colours_and_theme_options_become_css_custom_properties(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"site.yml": """\
        name: Tiny Co
        base_url: https://tiny.example/
        brand: {colors: {primary: "#0a7c42"}, font: serif}
        theme_options: {max_width: 50rem}
        """})
    out = tmp_path / "out"
    build(site, out)
    css = re.search(r"<style>(.*?)</style>", _read(out, "tiny/join/index.html"), re.S)
    assert css is not None
    assert "--primary:#0a7c42" in css.group(1)
    assert "--max-width:50rem" in css.group(1)
    assert "Georgia" in css.group(1)


def test_home_puts_a_funnel_entry_at_the_site_root(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nhome: tiny\n"})
    out = tmp_path / "out"
    build(site, out)
    root = _read(out, "index.html")
    assert "<h1>Join the list</h1>" in root
    assert 'href="https://tiny.example/tiny/"' in root  # canonical is the funnel URL


def test_index_lists_the_funnels_only_when_asked(make_site: MakeSite, tmp_path: Path) -> None:
    build(make_site(), tmp_path / "plain")
    assert not (tmp_path / "plain/index.html").exists()
    assert "<loc>https://tiny.example/</loc>" not in _read(tmp_path / "plain", "sitemap.xml")
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nindex: true\n"
                                  "seo: {description: Tiny things., image: 'https://img.example/share.png'}\n"},
                     name="indexed")
    build(site, tmp_path / "indexed-out")
    index = _read(tmp_path / "indexed-out", "index.html")
    assert 'href="tiny/">Tiny funnel</a>' in index
    # A page of its own for search engines and shared links, like every step's.
    assert re.findall(r"<loc>(.*?)</loc>", _read(tmp_path / "indexed-out", "sitemap.xml"))[:2] == [
        "https://tiny.example/", "https://tiny.example/tiny/"]
    for tag in ('<meta property="og:title" content="Tiny Co">', '<meta property="og:url" content="https://tiny.example/">',
                '<meta property="og:description" content="Tiny things.">',
                '<meta property="og:image" content="https://img.example/share.png">'):
        assert tag in index


def test_a_raw_html_link_that_cannot_work_is_refused_when_the_site_allows_html(make_site: MakeSite,
                                                                             tmp_path: Path) -> None:
    funnel = FULL_FUNNEL.replace("A short story with **bold** words.", 'See <a href="//evil.example/x">this</a>.')
    site = make_site({"funnels/launch.yml": funnel,
                      "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nmarkdown: {allow_html: true}\n"})
    with pytest.raises(Abort) as refused:
        build(site, tmp_path / "out")
    assert str(refused.value) == ("funnels/launch.yml:7: steps[0].body: link '//evil.example/x' in the Markdown "
                                  "cannot work: write an https:// URL, mailto:, tel:, or a site path such as "
                                  "/funnel/step/")


def test_body_file_and_markdown_images_use_the_content_and_assets_folders(make_site: MakeSite, tmp_path: Path) -> None:
    funnel = FULL_FUNNEL.replace("    body: |\n      A short story with **bold** words.\n", "    body_file: content/story.md\n")
    site = make_site({
        "funnels/launch.yml": funnel,
        "content/story.md": "## The story\n\n![Our team](assets/team.svg)\n\n![Again](/assets/team.svg)\n\n"
                            "[The team, large](/assets/team.svg)\n",
        "assets/team.svg": "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 64 32'/>",
    })
    out = tmp_path / "out"
    build(site, out)
    page = _read(out, "launch/story/index.html")
    assert "<h2>The story</h2>" in page
    assert re.search(r'<a href="\.\./\.\./assets/team\.[0-9a-f]{10}\.svg" rel="noopener noreferrer">The team, large',
                     page)  # a link to a file goes to its published name
    for alt in ("Our team", "Again"):  # /assets/… is the same file
        assert re.search(rf'<img alt="{alt}" decoding="async" height="32" loading="lazy" '
                         r'src="\.\./\.\./assets/team\.[0-9a-f]{10}\.svg" width="64"', page)
    entry = _read(out, "launch/index.html")  # one folder higher: the image path follows
    assert re.search(r'src="\.\./assets/team\.[0-9a-f]{10}\.svg"', entry)


def test_a_link_to_a_file_goes_to_its_published_name_and_a_missing_one_is_refused(make_site: MakeSite,
                                                                                  tmp_path: Path) -> None:
    funnel = FULL_FUNNEL.replace("    body: |\n", "    links: [{text: The checklist (PDF), to: /assets/list.pdf}]\n"
                                 "    body: |\n")
    out = tmp_path / "out"
    build(make_site({"funnels/launch.yml": funnel, "assets/list.pdf": "%PDF-1.4"}), out)
    assert re.search(r'href="\.\./\.\./assets/list\.[0-9a-f]{10}\.pdf"', _read(out, "launch/story/index.html"))
    with pytest.raises(Abort) as refused:
        build(make_site({"funnels/launch.yml": funnel, "site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\n"
                         "legal: {privacy: /assets/privacy.pdf}\n"}, name="missing"), tmp_path / "missing-out")
    assert [str(p) for p in refused.value.problems] == [
        "funnels/launch.yml:7: steps[0].links[0].to: no file 'assets/list.pdf' in the site folder",
        "site.yml:3: legal.privacy: no file 'assets/privacy.pdf' in the site folder"]


def test_relative_url() -> None:
    assert relative_url("/a/b/", "/a/c/") == "../c/"
    assert relative_url("/a/", "/a/c/") == "c/"
    assert relative_url("/", "/a/") == "a/"
    assert relative_url("/a/b/", "/a/b/") == "./"
    assert relative_url("/a/b/", "/assets/x.css") == "../../assets/x.css"
    assert relative_url("/a/b/", "https://x.example/") == "https://x.example/"
    assert relative_url("/404.html", "/a/") == "a/"


def test_carried_field_and_checkout_parameter_names_can_be_chosen(make_site: MakeSite, tmp_path: Path) -> None:
    funnel = FULL_FUNNEL.replace(
        "      fields: [{name: first_name, label: First name}, {name: email, type: email, label: Email, required: true}]}",
        "      fields: [{name: first_name, label: First name}, {name: email, type: email, label: Email, required: true}],\n"
        "           carry: {temperature: \"fields[lead_temp]\", utm_term: null}}",
    ).replace("    checkout: https://buy.stripe.com/test_kit\n",
              "    checkout: https://buy.stripe.com/test_kit\n    checkout_carry: {visitor_id: ref, utm_content: null, temperature: t}\n")
    out = tmp_path / "out"
    build(make_site({"funnels/launch.yml": funnel}), out)
    register = _read(out, "launch/register/index.html")
    assert 'name="fields[lead_temp]" value="cold" data-carry="temperature"' in register
    assert 'name="fields[visitor_id]"' in register  # the provider's default for the rest
    assert 'data-carry="utm_term"' not in register
    offer = _read(out, "launch/offer/index.html")
    carry = re.search(r'href="https://buy.stripe.com/test_kit" data-event="checkout_click" data-carry=(["\'])(.*?)\1', offer)
    assert carry is not None
    # what the runtime adds, as `what=parameter` (or `what` when the parameter has its name)
    assert carry.group(2) == "temperature=t,utm_campaign,utm_medium,utm_source,utm_term,visitor_id=ref"


def test_a_temperature_rule_must_name_a_real_step(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"site.yml": """\
        name: Tiny Co
        base_url: https://tiny.example/
        temperature:
          rules:
            - temperature: hot
              when: {any: [{visited: tiny/thank}]}
        """})
    with pytest.raises(Abort) as refused:
        build(site, tmp_path / "out")
    assert str(refused.value) == "site.yml:6: temperature.rules[0].when.any[0].visited: no step 'tiny/thank': did you mean 'tiny/thanks'?"


def test_a_build_leaves_the_interpreter_as_it_found_it(make_site: MakeSite, tmp_path: Path) -> None:
    """`funnelgen serve` builds again and again in one process: what a build tunes for speed (the
    cycle collector paused while loading, quicker thread switches while writing) is put back,
    after a failed build too."""
    site, interval = make_site(), sys.getswitchinterval()
    build(site, tmp_path / "out", jobs=1)
    assert gc.isenabled() and sys.getswitchinterval() == interval
    (site / "funnels/broken.yml").write_text("title: [never closed\n", encoding="utf-8")
    with pytest.raises(Abort, match=r"broken\.yml"):
        build(site, tmp_path / "out", jobs=1)
    assert gc.isenabled() and sys.getswitchinterval() == interval


def test_a_price_shows_the_decimals_of_its_currency(make_site: MakeSite, tmp_path: Path) -> None:
    """Three in a currency of a thousand fils (KWD), two elsewhere, none in a whole price or in JPY."""
    out = tmp_path / "out"
    funnel = (FULL_FUNNEL.replace("price: {amount: 97, compare_at: 297}",
                                  "price: {amount: 12.5, compare_at: 20.125, currency: KWD,\n"
                                  "            plans: [{amount: 4.2, count: 3, checkout: https://buy.stripe.com/p}]}")
              .replace("price: {amount: 197}", "price: {amount: 19.5, compare_at: 30, currency: EUR}")
              .replace("price: {amount: 47}", "price: {amount: 4700, currency: JPY}"))
    build(make_site({"funnels/launch.yml": funnel}), out)
    offer = _read(out, "launch/offer/index.html")
    assert "KWD\u00a012.500</strong>" in offer
    assert "KWD\u00a020.125</s>" in offer
    assert "3 monthly payments of KWD\u00a04.200" in offer
    vip = _read(out, "launch/vip/index.html")
    assert "€19.50</strong>" in vip
    assert "€30</s>" in vip
    assert "¥4,700</strong>" in _read(out, "launch/lite/index.html")


@pytest.mark.parametrize(("language", "shown"), [
    ("en", ["€1,299.50</strong>", "€1,999</s>", "Tuesday, December 10, 2030, 7:00\u202fPM CET"]),
    ("de", ["1.299,50\u00a0€</strong>", "1.999\u00a0€</s>", "Dienstag, 10. Dezember 2030, 19:00 CET"]),
    ("pt-BR", ["€\u00a01.299,50</strong>", "€\u00a01.999</s>", "terça-feira, 10 de dezembro de 2030 19:00 CET"]),
    ("de-CH", ["EUR\u00a01&#39;299.50</strong>", "EUR\u00a01&#39;999</s>", "Dienstag, 10. Dezember 2030, 19:00 CET"]),
    ("ja", ["€1,299.50</strong>", "€1,999</s>", "2030年12月10日火曜日 19:00 CET"]),
], ids=["en", "de", "pt-BR", "de-CH", "ja"])
def test_prices_and_dates_are_written_as_readers_of_the_site_s_language_write_them(
        make_site: MakeSite, tmp_path: Path, language: str, shown: list[str]) -> None:
    """A German reads '€1,299' as about one euro: each language gets its own separators and order."""
    funnel = (FULL_FUNNEL.replace("price: {amount: 97, compare_at: 297}",
                                  "price: {amount: 1299.5, compare_at: 1999, currency: EUR}")
              .replace("webinar: {starts: 2030-12-10 19:00, timezone: America/New_York}",
                       "webinar: {starts: 2030-12-10 19:00, timezone: Europe/Berlin}"))
    site = make_site({"site.yml": f"name: Tiny Co\nbase_url: https://tiny.example/\nlanguage: {language}\n",
                      "funnels/launch.yml": funnel})
    build(site, tmp_path / "out")
    pages = _read(tmp_path / "out", "launch/offer/index.html") + _read(tmp_path / "out", "launch/register/index.html")
    for text in shown:
        assert text in pages


@pytest.mark.parametrize("language", ["prs", "pnb", "azb", "cmn", "kmr", "bh", "iw", "zh-Hans", "es-419", "sr-Cyrl"])
def test_a_language_with_a_code_builds_though_the_cldr_does_not_name_it(
        make_site: MakeSite, tmp_path: Path, language: str) -> None:
    site = make_site({"site.yml": f"name: Tiny Co\nbase_url: https://tiny.example/\nlanguage: {language}\n"})
    build(site, tmp_path / "out")
    assert f'<html lang="{language}"' in _read(tmp_path / "out", "tiny/index.html")


@pytest.mark.parametrize(("language", "html"), [
    ("ar", '<html lang="ar" dir="rtl">'),
    ("pa-Arab", '<html lang="pa-Arab" dir="rtl">'),  # Punjabi as Pakistan writes it
    ("uz-arab-af", '<html lang="uz-Arab-AF" dir="rtl">'),
    ("ur-Latn", '<html lang="ur-Latn">'),  # Urdu in Latin letters
    ("sd-Deva", '<html lang="sd-Deva">'),
    ("pa", '<html lang="pa">'),
])
def test_the_script_a_language_tag_names_decides_which_way_pages_read(
        make_site: MakeSite, tmp_path: Path, language: str, html: str) -> None:
    site = make_site({"site.yml": f"name: Tiny Co\nbase_url: https://tiny.example/\nlanguage: {language}\n"})
    build(site, tmp_path / "out")
    assert html + "\n" in _read(tmp_path / "out", "tiny/index.html")


def test_a_site_in_another_language_is_told_which_words_are_still_english(
        make_site: MakeSite, run_cli: Any, tmp_path: Path) -> None:
    site_yml = ("name: Tiny Co\nbase_url: https://tiny.example/\nlanguage: de\n"
                "tracking: {ga4: {measurement_id: G-TEST1234}}\nconsent: {mode: banner}\n")
    site = make_site({"site.yml": site_yml, "funnels/launch.yml": FULL_FUNNEL})
    result = run_cli("check", site)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: funnels/launch.yml:25: steps[3].accept: the accept's text is English, 'Yes! Add this to my order', "
        "on pages in 'de': write accept.text in their language",
        "warning: funnels/launch.yml:26: steps[3].decline: the decline's text is English, 'No thanks, I'll pass on "
        "this offer', on pages in 'de': write decline.text in their language",
        "warning: funnels/launch.yml:31: steps[4].accept: the accept's text is English, 'Yes! Add this to my order', "
        "on pages in 'de': write accept.text in their language",
        "warning: funnels/launch.yml:32: steps[4].decline: the decline's text is English, 'No thanks, I'll pass on "
        "this offer', on pages in 'de': write decline.text in their language",
        "warning: site.yml:3: language: the pages are in 'de', but the words the theme writes itself ('Buy now', "
        "'What people say', …) are English: copy the base theme's templates/words.html into the site's templates/ "
        "and translate the words in quotes",
        "warning: site.yml:5: consent: the banner's words are English on pages in 'de': write consent.text, "
        "consent.accept, consent.decline in their language",
    ]
    translated = make_site({
        "site.yml": site_yml.replace("{mode: banner}", "{mode: banner, text: Wir messen, accept: Ja, decline: Nein}"),
        "funnels/launch.yml": FULL_FUNNEL.replace("accept: {checkout:", "accept: {text: Ja, checkout:")
                                         .replace("decline: {to:", "decline: {text: Nein, to:"),
        "templates/words.html": (Path(__file__).parent.parent / "themes/base/templates/words.html").read_text(),
    }, name="translated")
    result = run_cli("check", translated)
    assert (result.exit_code, result.stderr) == (0, "")
    english = make_site({"site.yml": site_yml.replace("language: de", "language: en-GB"),
                         "funnels/launch.yml": FULL_FUNNEL}, name="english")
    assert run_cli("check", english).stderr == ""


def test_a_site_that_sends_nothing_anywhere_carries_no_analytics_code(make_site: MakeSite, tmp_path: Path) -> None:
    plain = make_site({})
    build(plain, tmp_path / "out-plain")
    tracked = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\n"
                                     "tracking: {plausible: {domain: tiny.example}}\n"}, name="tracked")
    build(tracked, tmp_path / "out-tracked")
    banner = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nconsent: {mode: banner}\n"},
                       name="banner")
    build(banner, tmp_path / "out-banner")
    pages = {name: _read(tmp_path / f"out-{name}", "tiny/index.html") for name in ("plain", "tracked", "banner")}
    assert "plausible" not in pages["plain"] and "gtag" not in pages["plain"]
    assert "plausible" in pages["tracked"] and "data-consent-snippet" in pages["banner"]
    assert len(pages["plain"]) < len(pages["tracked"]) - 1500


def test_a_zone_known_only_by_its_offset_is_written_from_utc(make_site: MakeSite, tmp_path: Path) -> None:
    funnel = FULL_FUNNEL.replace("webinar: {starts: 2030-12-10 19:00, timezone: America/New_York}",
                                 "webinar: {starts: 2030-12-10 19:00, timezone: Asia/Riyadh}")
    build(make_site({"funnels/launch.yml": funnel}), tmp_path / "out")
    assert "Tuesday, December 10, 2030, 7:00\u202fPM UTC+3</time>" in _read(tmp_path / "out", "launch/register/index.html")


def test_saying_no_to_a_one_time_offer_never_leads_back_before_it(make_site: MakeSite, tmp_path: Path) -> None:
    """A 'no thanks' to the sales page the buyer just paid on (or any step whose path leads to the
    offer again) is refused at the decline's `to`; one to a thank-you page or a later step is not."""
    cases = {
        "decline: {to: offer}": "funnels/launch.yml:32: steps[4].decline.to: saying no to 'lite' leads back to "
        "'offer', which comes before it (lite → offer → vip → lite): point decline.to at the next offer or the "
        "thank-you step ('done')",
        "decline: {to: /launch/}": "funnels/launch.yml:32: steps[4].decline.to: saying no to 'lite' leads back to "
        "'story', which comes before it (lite → story → register → offer → vip → lite): point decline.to at the "
        "next offer or the thank-you step ('done')",
    }
    for n, (decline, message) in enumerate(cases.items()):
        site = make_site({"funnels/launch.yml": FULL_FUNNEL.replace("decline: {to: done}", decline)}, name=f"s{n}")
        with pytest.raises(Abort) as refused:
            build(site, tmp_path / f"out{n}")
        assert str(refused.value) == message
    # a second upsell whose 'no' leads back to the first, which the buyer has just passed
    later = FULL_FUNNEL.replace("  - id: done\n", "  - id: extra\n    type: upsell\n    headline: One more\n"
                                "    price: {amount: 9}\n    accept: {checkout: https://buy.stripe.com/x}\n"
                                "    decline: {to: vip}\n  - id: done\n")
    with pytest.raises(Abort) as refused:
        build(make_site({"funnels/launch.yml": later}, name="later"), tmp_path / "out-later")
    assert str(refused.value) == ("funnels/launch.yml:38: steps[5].decline.to: saying no to 'extra' leads back "
                                  "to 'vip', which comes before it (extra → vip → extra): point decline.to at "
                                  "the next offer or the thank-you step ('done')")
    # a thank-you page whose button starts the funnel again is still an end to decline to
    again = FULL_FUNNEL.replace("    headline: You are in\n", "    headline: You are in\n    next: story\n"
                                "    cta: {text: Start over}\n")
    build(make_site({"funnels/launch.yml": again}, name="again"), tmp_path / "out-again")


def test_an_upsell_with_no_purchase_before_it_is_a_warning(make_site: MakeSite, run_cli: Callable[..., Result],
                                                           tmp_path: Path) -> None:
    """Its page says the order is not complete: to someone who has ordered nothing, that is wrong."""
    upsell = ("  - id: vip\n    type: upsell\n    headline: Add the VIP call\n    price: {amount: 197}\n"
              "    accept: {checkout: https://buy.stripe.com/test_vip}\n    decline: {to: done}\n"
              "  - id: done\n    type: thankyou\n    headline: You are in\n")
    entry = "title: Upsell first\nsteps:\n" + upsell
    bridged = "title: Bridged\nsteps:\n  - id: story\n    type: bridge\n    headline: A story\n" + upsell
    site = make_site({"funnels/entry.yml": entry, "funnels/bridged.yml": bridged, "funnels/launch.yml": FULL_FUNNEL})
    result = run_cli("build", site, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        "warning: funnels/bridged.yml:6: steps[1]: upsell step 'vip' is reached from 'story' with no purchase "
        "before it: its page tells visitors who ordered nothing that their order is not complete; put an offer "
        "step with a checkout before it, or make it type: offer",
        "warning: funnels/entry.yml:3: steps[0]: upsell step 'vip' is the funnel's entry step, with no purchase "
        "before it: its page tells visitors who ordered nothing that their order is not complete; put an offer "
        "step with a checkout before it, or make it type: offer",
    ]
    assert run_cli("build", site, "-o", tmp_path / "out", "-q", "--strict").exit_code == 1
