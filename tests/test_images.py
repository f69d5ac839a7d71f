"""Pictures on the pages: smaller versions and WebP for phones, sized, preloaded or lazy.

A marketer drops a large PNG or JPEG in assets/; visitors download a version as wide as their
screen shows it, as WebP, and the page never jumps while it loads.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from click.testing import Result
from conftest import MakeSite, snapshot
from PIL import Image, ImageDraw

from funnelgen.commands.build import build

LADDER = [800, 1200, 1600, 2000]
RunCli = Callable[..., Result]


def picture(size: tuple[int, int], fmt: str = "PNG") -> bytes:
    """A small drawing, so its versions are real pictures (the same bytes on every run)."""
    image = Image.new("RGB", size, "#2b6cb0")
    draw = ImageDraw.Draw(image)
    draw.ellipse((size[0] // 4, size[1] // 4, size[0] * 3 // 4, size[1] * 3 // 4), fill="#f6ad55")
    draw.rectangle((0, 0, size[0] // 3, size[1] // 5), fill="#ffffff")
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def funnel(image: str | None = None, photo: str | None = None, video: str | None = None,
           video_url: str = "https://www.youtube.com/watch?v=dQw4w9WgXcQ") -> str:
    step = "    headline: Why most launches flop\n"
    if video:
        step += f'    video: {{url: "{video_url}", title: The story, poster: {video}}}\n'
    if image:
        step += f"    image: {{src: {image}, alt: The team at work}}\n"
    if photo:
        step += f"    testimonials: [{{quote: It works., name: Ann, photo: {photo}}}]\n"
    return ("title: Launch\nsteps:\n  - id: story\n    type: bridge\n" + step
            + "  - id: thanks\n    type: thankyou\n    headline: Thanks\n")


class Tags(HTMLParser):
    """Every start tag of a page, with its attributes."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def all(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.tags if tag == name]


def tags(out: Path, page: str = "launch/story/index.html") -> Tags:
    return Tags((out / page).read_text(encoding="utf-8"))


def candidates(srcset: str | None) -> list[tuple[str, int]]:
    """`a.webp 480w, b.webp 800w` → [("a.webp", 480), ("b.webp", 800)]."""
    assert srcset
    pairs = [c.strip().split() for c in srcset.split(",")]
    return [(url, int(width.removesuffix("w"))) for url, width in pairs]


def named_width(name: str) -> int:
    """`hero-800w.1a2b3c4d5e.webp` → 800."""
    found = re.search(r"-(\d+)w\.", name)
    assert found, name
    return int(found.group(1))


def files(out: Path, pattern: str) -> dict[str, Path]:
    return {p.name: p for p in (out / "assets").iterdir() if re.fullmatch(pattern, p.name)}


def test_a_large_picture_is_written_in_each_width_as_webp(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": funnel(image="assets/hero.png"),
                      "assets/hero.png": picture((2400, 1200))})
    out = tmp_path / "out"
    build(site, out)
    webp = files(out, r"hero-\d+w\.[0-9a-f]{10}\.webp")
    png = files(out, r"hero-\d+w\.[0-9a-f]{10}\.png")
    for found, fmt in ((webp, "WEBP"), (png, "PNG")):
        for name, path in found.items():
            with Image.open(path) as image:
                assert image.format == fmt
                assert image.size == (named_width(name), named_width(name) // 2)
    assert sorted(map(named_width, webp)) == LADDER  # the 2400 original is not offered whole
    assert list(map(named_width, png)) == [1600]  # for browsers without WebP

    page = tags(out)
    [img], [source] = page.all("img"), page.all("source")
    assert source["type"] == "image/webp"
    assert [(Path(url).name, w) for url, w in candidates(source["srcset"])] == sorted(
        ((name, named_width(name)) for name in webp), key=lambda c: c[1])
    assert all(url.startswith("../../assets/") for url, _ in candidates(source["srcset"]))
    assert img["src"] == f"../../assets/{next(iter(png))}" and "srcset" not in img
    assert (img["width"], img["height"]) == ("2400", "1200")
    assert source["sizes"] == "(min-width:42rem) 42rem,100vw"  # the text column
    assert img["alt"] == "The team at work"


def test_the_picture_at_the_top_is_preloaded_and_not_lazy(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": funnel(image="assets/hero.jpg"),
                      "assets/hero.jpg": picture((1600, 900), "JPEG")})
    out = tmp_path / "out"
    build(site, out)
    page = tags(out)
    [img], [source] = page.all("img"), page.all("source")
    [preload] = [link for link in page.all("link") if link["rel"] == "preload"]
    assert img["fetchpriority"] == "high" and "loading" not in img
    assert preload == {"rel": "preload", "as": "image",
                       "imagesrcset": source["srcset"], "imagesizes": source["sizes"],
                       "fetchpriority": "high"}
    assert [w for _, w in candidates(source["srcset"])] == [800, 1200, 1600]  # 1600: the original
    assert re.fullmatch(r"hero\.[0-9a-f]{10}\.jpg", Path(str(img["src"])).name)  # the original itself


def test_a_video_poster_at_the_top_is_preloaded_and_the_picture_below_is_lazy(
        make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": funnel(image="assets/hero.jpg", video="assets/poster.jpg"),
                      "assets/hero.jpg": picture((1200, 800), "JPEG"),
                      "assets/poster.jpg": picture((1280, 720), "JPEG")})
    out = tmp_path / "out"
    build(site, out)
    page = tags(out)
    poster, hero = page.all("img")
    preload = [link for link in page.all("link") if link["rel"] == "preload"]
    assert [link["imagesrcset"] for link in preload] == [page.all("source")[0]["srcset"]]
    assert "poster-800w." in str(preload[0]["imagesrcset"])
    assert poster["fetchpriority"] == "high" and "loading" not in poster
    assert hero["loading"] == "lazy" and "fetchpriority" not in hero


def test_the_poster_of_a_video_file_is_used_as_it_is(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": funnel(video="assets/poster.jpg",
                                                   video_url="https://media.example.com/tour.mp4"),
                      "assets/poster.jpg": picture((1280, 720), "JPEG")})
    out = tmp_path / "out"
    build(site, out)
    [poster] = (out / "assets").iterdir()  # a <video poster> takes one URL: no versions
    assert tags(out).all("video")[0]["poster"] == f"../../assets/{poster.name}"
    assert not any(link["rel"] == "preload" for link in tags(out).all("link"))


def test_a_large_poster_of_a_video_file_is_written_as_wide_as_the_column_needs(
        make_site: MakeSite, tmp_path: Path) -> None:
    """A phone photo as the poster of an mp4: one version, 1600 pixels wide, not the 4,000 of the file."""
    site = make_site({"funnels/launch.yml": funnel(video="assets/poster.jpg",
                                                   video_url="https://media.example.com/tour.mp4"),
                      "assets/poster.jpg": picture((4000, 3000), "JPEG")})
    out = tmp_path / "out"
    build(site, out)
    written = sorted(p.name for p in (out / "assets").iterdir())
    [version] = [name for name in written if "-1600w." in name]
    assert len(written) == 2 and version.endswith(".jpg")  # the file itself (assets/ is published) and it
    assert tags(out).all("video")[0]["poster"] == f"../../assets/{version}"
    with Image.open(out / "assets" / version) as shown:
        assert shown.size == (1600, 1200)


def test_testimonial_photos_are_lazy_and_as_large_as_shown(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": funnel(photo="assets/ann.jpg"),
                      "assets/ann.jpg": picture((600, 600), "JPEG")})
    out = tmp_path / "out"
    build(site, out)
    page = tags(out)
    [img], [source] = page.all("img"), page.all("source")
    assert img["loading"] == "lazy" and "fetchpriority" not in img
    assert (img["width"], img["height"]) == ("48", "48")
    assert source["sizes"] == "48px"
    assert [w for _, w in candidates(source["srcset"])] == [48, 96]  # 1x and 2x screens only
    versions = files(out, r"ann-\d+w\..*")
    assert sorted(versions) == sorted([*(Path(url).name for url, _ in candidates(source["srcset"])),
                                       Path(str(img["src"])).name])
    for name, path in versions.items():
        with Image.open(path) as image:
            assert image.size == (named_width(name), named_width(name))
    assert not any(link["rel"] == "preload" for link in page.all("link"))


def test_a_logo_is_written_for_1x_and_2x_screens_and_loads_at_once(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nbrand: {logo: assets/logo.png}\n",
                      "assets/logo.png": picture((800, 200))})
    out = tmp_path / "out"
    build(site, out)
    page = tags(out, "tiny/join/index.html")
    [img], [source] = page.all("img"), page.all("source")
    assert img["class"] == "logo" and img["alt"] == "Tiny Co"
    assert (img["width"], img["height"]) == ("800", "200")
    assert "loading" not in img and "fetchpriority" not in img
    assert source["sizes"] == "160px"  # shown 40 pixels tall
    assert [w for _, w in candidates(source["srcset"])] == [160, 320]
    assert named_width(str(img["src"])) == 320


def test_a_small_picture_is_not_enlarged(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": funnel(image="assets/small.png", photo="assets/tiny.png"),
                      "assets/small.png": picture((300, 200)),
                      "assets/tiny.png": picture((40, 40))})
    out = tmp_path / "out"
    build(site, out)
    hero, photo = tags(out).all("img")
    hero_webp, photo_webp = tags(out).all("source")
    assert [w for _, w in candidates(hero_webp["srcset"])] == [300]
    assert re.fullmatch(r"small\.[0-9a-f]{10}\.png", Path(str(hero["src"])).name)  # the original itself
    assert [w for _, w in candidates(photo_webp["srcset"])] == [40]
    assert re.fullmatch(r"tiny\.[0-9a-f]{10}\.png", Path(str(photo["src"])).name)
    for path in (out / "assets").iterdir():
        with Image.open(path) as image:
            assert image.size in ((300, 200), (40, 40)), path.name


def test_a_webp_picture_is_its_own_fallback(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": funnel(image="assets/hero.webp"),
                      "assets/hero.webp": picture((1000, 500), "WEBP")})
    out = tmp_path / "out"
    build(site, out)
    page = tags(out)
    [img] = page.all("img")
    assert page.all("source") == []
    assert [w for _, w in candidates(img["srcset"])] == [800, 1000]
    assert re.fullmatch(r"hero\.[0-9a-f]{10}\.webp", Path(str(img["src"])).name)  # the original
    assert img["sizes"] == "(min-width:42rem) 42rem,100vw"
    [preload] = [link for link in page.all("link") if link["rel"] == "preload"]
    assert preload["imagesrcset"] == img["srcset"] and "type" not in preload


def test_remote_pictures_keep_their_url(make_site: MakeSite, tmp_path: Path) -> None:
    url = "https://cdn.example.com/team.jpg"
    site = make_site({"funnels/launch.yml": funnel(image=url, photo="https://cdn.example.com/ann.jpg")})
    out = tmp_path / "out"
    build(site, out)
    page = tags(out)
    hero, photo = page.all("img")
    assert hero["src"] == url and "srcset" not in hero and hero["fetchpriority"] == "high"
    assert photo["src"] == "https://cdn.example.com/ann.jpg" and photo["loading"] == "lazy"
    assert page.all("source") == []
    assert {"rel": "preload", "as": "image", "href": url, "fetchpriority": "high"} in page.all("link")
    assert not (out / "assets").exists()


def test_a_damaged_picture_in_markdown_is_warned_about_at_its_line(make_site: MakeSite, tmp_path: Path) -> None:
    whole = picture((900, 600), "PNG")
    story = "# Before and after\n\nHow it looked:\n\n![The old way](assets/cut.png)\n"
    launch = funnel().replace("    headline: Why most launches flop\n",
                              "    headline: Why most launches flop\n    body_file: content/story.md\n"
                              "  - id: more\n    type: bridge\n    headline: More\n"
                              "    body: 'Again: ![The old way](/assets/cut.png)'\n")
    site = make_site({"funnels/launch.yml": launch, "content/story.md": story, "assets/cut.png": whole[:40]})
    report = build(site, tmp_path / "out")
    assert [str(w) for w in report.warnings] == [
        "content/story.md:5: cannot read the size of 'assets/cut.png' (is the file complete?): it is shown "
        "without width and height, so the page shifts as it loads",
        "funnels/launch.yml:10: steps[1].body: cannot read the size of 'assets/cut.png' (is the file "
        "complete?): it is shown without width and height, so the page shifts as it loads"]
    (site / "funnels/extra.yml").write_text(funnel().replace("title: Launch", "title: Extra"))
    again = build(site, tmp_path / "out")  # launch.yml is taken from the previous build: said again
    assert [f.reused for f in again.funnels if f.slug == "launch"] == [True]
    assert [str(w) for w in again.warnings] == [str(w) for w in report.warnings]


@pytest.mark.parametrize("size", ['width="1e999" height="10"', 'width="-4" height="10"', 'viewBox="0 0 nan 9"',
                                  'width="\xff" height="1"'])
def test_an_svg_with_a_size_that_is_no_size_is_used_without_one(make_site: MakeSite, tmp_path: Path,
                                                               size: str) -> None:
    svg = f'<svg xmlns="http://www.w3.org/2000/svg" {size}></svg>'.encode()  # readable XML: else refused
    site = make_site({"funnels/launch.yml": funnel(image="assets/odd.svg"), "assets/odd.svg": svg})
    build(site, tmp_path / "out")
    page = (tmp_path / "out" / "launch" / "story" / "index.html").read_text()
    assert re.search(r'<img [^>]*src="[./]*assets/odd\.[0-9a-f]{10}\.svg"', page)
    assert not re.search(r'<img [^>]*odd[^>]*width=', page)


def test_a_picture_whose_size_cannot_be_read_is_shown_without_one_and_warned_about(make_site: MakeSite,
                                                                                  tmp_path: Path) -> None:
    whole = picture((900, 600), "PNG")
    site = make_site({"funnels/launch.yml": funnel(image="assets/cut.png"), "assets/cut.png": whole[:40]})
    report = build(site, tmp_path / "out")
    assert [str(w) for w in report.warnings] == [
        "funnels/launch.yml:6: steps[0].image.src: cannot read the size of 'assets/cut.png' (is the file "
        "complete?): it is shown without width and height, so the page shifts as it loads"]
    page = (tmp_path / "out" / "launch" / "story" / "index.html").read_text()
    assert re.search(r'<img [^>]*src="[./]*assets/cut\.[0-9a-f]{10}\.png"', page)


def test_a_picture_cut_short_is_one_problem_for_check_and_build_alike(make_site: MakeSite, tmp_path: Path,
                                                                   run_cli: RunCli) -> None:
    whole = picture((900, 600), "JPEG")
    site = make_site({"funnels/launch.yml": funnel(image="assets/cut.jpg"), "assets/cut.jpg": whole[: len(whole) // 3]})
    problem = ("assets/cut.jpg: cannot make smaller versions of this picture (image file is truncated"
               " (N bytes not processed)): save or export it again, or replace it")
    for command in (["check", str(site)], ["build", str(site), "-o", str(tmp_path / "out")]):
        result = run_cli(*command)
        assert result.exit_code == 1
        assert re.sub(r"\(\d+ bytes", "(N bytes", result.output.strip()) == problem, command
    assert not (tmp_path / "out").exists()


def test_gif_and_svg_pictures_are_used_as_they_are(make_site: MakeSite, tmp_path: Path) -> None:
    svg = "<svg xmlns='http://www.w3.org/2000/svg' width='64' height='64'/>"
    site = make_site({"funnels/launch.yml": funnel(image="assets/spin.gif", photo="assets/ann.svg"),
                      "assets/spin.gif": picture((900, 600), "GIF"), "assets/ann.svg": svg})
    out = tmp_path / "out"
    build(site, out)
    names = sorted(p.name for p in (out / "assets").iterdir())
    assert [re.sub(r"\.[0-9a-f]{10}\.", ".", n) for n in names] == ["ann.svg", "spin.gif"]
    assert (out / "assets" / names[1]).read_bytes() == (site / "assets/spin.gif").read_bytes()
    hero, photo = tags(out).all("img")
    assert "srcset" not in hero and (hero["width"], hero["height"]) == ("900", "600")
    assert "srcset" not in photo and photo["loading"] == "lazy"
    assert tags(out).all("source") == []


def test_pictures_nobody_shows_are_only_copied(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"site.yml": "name: Tiny Co\nbase_url: https://tiny.example/\nseo: {image: assets/share.jpg}\n",
                      "assets/share.jpg": picture((1200, 630), "JPEG")})
    out = tmp_path / "out"
    build(site, out)
    [share] = (out / "assets").iterdir()
    assert re.fullmatch(r"share\.[0-9a-f]{10}\.jpg", share.name)  # the link preview, as it was


def test_builds_write_the_same_versions_byte_for_byte(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": funnel(image="assets/hero.png", photo="assets/ann.jpg"),
                      "funnels/more.yml": funnel(image="assets/other.jpg").replace("Launch", "More"),
                      "assets/hero.png": picture((2400, 1200)),
                      "assets/ann.jpg": picture((600, 600), "JPEG"),
                      "assets/other.jpg": picture((1300, 700), "JPEG")})
    build(site, tmp_path / "one", jobs=1, cache=False)
    build(site, tmp_path / "two", jobs=1, cache=False)
    build(site, tmp_path / "many", jobs=3, cache=False)
    one = snapshot(tmp_path / "one")
    assert one == snapshot(tmp_path / "two") == snapshot(tmp_path / "many")
    assert sum(name.endswith(".webp") for name in one) == 4 + 2 + 3  # other.jpg: 800, 1200, 1300


def test_a_rebuild_links_the_versions_it_already_has(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": funnel(image="assets/hero.png"),
                      "funnels/more.yml": funnel(photo="assets/ann.jpg").replace("Launch", "More"),
                      "assets/hero.png": picture((2400, 1200)),
                      "assets/ann.jpg": picture((600, 600), "JPEG")})
    out = tmp_path / "out"
    build(site, out)
    before = {name: os.stat(out / name).st_ino for name in snapshot(out) if "w." in name}
    assert len(before) == (4 + 1) + (2 + 1)  # each width as WebP, one PNG or JPEG for old browsers
    launch = site / "funnels/launch.yml"
    launch.write_text(launch.read_text().replace("Thanks", "Thank you"))  # more.yml is reused as it was
    report = build(site, out)
    assert report.rendered == 3  # launch's two steps and its entry page
    assert {name: os.stat(out / name).st_ino for name in before} == before
    build(site, tmp_path / "clean", cache=False)
    assert snapshot(out).keys() == snapshot(tmp_path / "clean").keys()
    assert {n: d for n, d in snapshot(out).items() if n != ".funnelgen"} == {
        n: d for n, d in snapshot(tmp_path / "clean").items() if n != ".funnelgen"}


def test_a_picture_no_longer_shown_loses_its_versions(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": funnel(image="assets/hero.png"),
                      "assets/hero.png": picture((1000, 500))})
    out = tmp_path / "out"
    build(site, out)
    assert files(out, r"hero-.*")
    (site / "funnels/launch.yml").write_text(funnel())
    build(site, out)
    assert not files(out, r"hero-.*")
    assert files(out, r"hero\.[0-9a-f]{10}\.png")  # still in assets/: copied as it is


def test_a_file_that_is_not_a_readable_picture_is_copied_as_it_is(make_site: MakeSite, tmp_path: Path) -> None:
    site = make_site({"funnels/launch.yml": funnel(image="assets/hero.png"),
                      "assets/hero.png": b"not really a picture"})
    out = tmp_path / "out"
    build(site, out)
    [copied] = (out / "assets").iterdir()
    assert copied.read_bytes() == b"not really a picture"
    [img] = tags(out).all("img")
    assert img["src"] == f"../../assets/{copied.name}" and "srcset" not in img


def test_the_dev_server_shows_the_versions_before_the_build_is_on_disk(make_site: MakeSite, tmp_path: Path) -> None:
    from funnelgen.devserver.state import Generation, SiteState
    from funnelgen.site import prepare

    site = make_site({"funnels/launch.yml": funnel(image="assets/hero.jpg"),
                      "assets/hero.jpg": picture((1000, 600), "JPEG")})
    state = SiteState(tmp_path / "serve-out")
    state.publish(generation=Generation(1, prepare(site)))
    page = state.lookup("/launch/story/")
    assert page.status == 200
    [source] = Tags(page.body.decode()).all("source")
    build(site, tmp_path / "out")
    for url, _ in candidates(source["srcset"]):
        assert url.startswith("../../assets/")  # as the build links it
        name = url.removeprefix("../../")
        served = state.lookup("/" + name)
        assert (served.status, served.content_type) == (200, "image/webp")
        assert served.body == (tmp_path / "out" / name).read_bytes()


ILLUSTRATOR_SVG = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
	<!ENTITY ns_extend "http://ns.adobe.com/Extensibility/1.0/">
	<!ENTITY ns_ai "http://ns.adobe.com/AdobeIllustrator/10.0/">
]>
<svg version="1.1" xmlns:x="&ns_extend;" xmlns:i="&ns_ai;" xmlns="http://www.w3.org/2000/svg" width="40" height="40">
<rect width="40" height="40" fill="#0f5e4b"/>
</svg>
"""
FIGMA_SVG = """<svg width="40" height="40" viewBox="0 0 40 40" fill="none" xmlns="http://www.w3.org/2000/svg">
<foreignObject x="-4" y="-4" width="48" height="48"><div xmlns="http://www.w3.org/1999/xhtml"
 style="backdrop-filter:blur(2px);clip-path:url(#bgblur_0_clip_path);height:100%;width:100%"></div></foreignObject>
<rect width="40" height="40" rx="8" fill="#e8a33d"/>
</svg>
"""
STYLED_FEED = '<?xml version="1.0"?><?xml-stylesheet type="text/css" href="feed.css"?><rss version="2.0"/>'


def test_svgs_as_design_tools_export_them_and_a_styled_feed_are_published(make_site: MakeSite,
                                                                          tmp_path: Path) -> None:
    """Illustrator's entities and Figma's blur run nothing: the script check must not refuse them."""
    site = make_site({"assets/ai.svg": ILLUSTRATOR_SVG, "assets/figma.svg": FIGMA_SVG, "assets/feed.xml": STYLED_FEED})
    out = tmp_path / "out"
    build(site, out)
    assert sorted(p.name.split(".")[0] for p in (out / "assets").iterdir()) == ["ai", "feed", "figma"]
