"""Markdown → safe HTML. Raw HTML is shown as text unless the site allows it, then sanitised.

Markdown is CommonMark with GitHub's tables and ~~strikethrough~~, converted by pulldown-cmark
(through pyromark): about a hundred times faster than a pure-Python converter, which matters
because converting Markdown was most of the work of rendering a page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import unquote

import nh3
import pyromark

from funnelgen.images import RASTER, why_not_shown
from funnelgen.schema.types import check_link, link_meant, shown, url_origin

AssetLookup = Callable[[str], tuple[str, int | None, int | None, str | None] | None]
"""Maps `assets/…` to (relative URL, width, height, what its bytes are: `images.kind_of`), or
None if there is no such file."""

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "mark", "ol", "p", "pre", "s", "small", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}
_ATTRIBUTES = {
    **{heading: {"id"} for heading in ("h2", "h3", "h4", "h5", "h6")},
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height", "loading", "decoding"},
    "th": {"align"},
    "td": {"align"},
    "ol": {"start"},
}
# A '<' that starts raw HTML: any but an autolink (<https://…>, <name@example.com>).
_RAW_HTML = re.compile(r"<(?![A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>|[\w.!#$%&'*+/=?^`{|}~-]+@[\w.-]+>)")
_CODE = re.compile(r"<code[^>]*>.*?</code>", re.S)
# Images, links and table cell alignment exactly as pulldown-cmark writes them.
_IMAGE = re.compile(r'<img src="([^"]*)" alt="([^"]*)"(?: title="([^"]*)")? />')
_LINK = re.compile(r'<a href="([^"]*)"')
# A link of raw HTML as written (any case, any quoting): the sanitiser drops an href whose scheme
# it refuses without a word, so each is checked before it runs.
_RAW_LINK = re.compile(r"""<a\s[^>]*?\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.I)
_ALIGN = re.compile(r'<(t[hd]) style="text-align: (left|center|right)">')
_H1 = re.compile(r"<(/?)h1\b", re.I)
# `## Pricing {#pricing}`: a heading that `[see the prices](#pricing)` leads to. Only this form:
# pulldown-cmark's own attribute syntax would swallow `## Save {50%}` without a word.
_HEADING_ID = re.compile(r"<(h[2-6])>(.*?)\s*\{#([A-Za-z][\w-]*)\}</\1>")
ID = re.compile(r"[A-Za-z][\w-]*")
"""An id a heading may have (the runtime's own, `funnelgen-…`, excepted)."""
_IMG_TAG = re.compile(r"<img\b", re.I)
_RAW_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)")  # in converted HTML: code shows '<' as &lt;
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
# What Markdown shows as text, or not at all: fenced and indented code, code spans, comments.
_SHOWN_AS_TEXT = re.compile(r"^(`{3,}|~{3,}).*?^\1[^\n]*$|^(?: {4}|\t)[^\n]*$|`[^`\n]*`|<!--.*?-->",
                            re.S | re.M)
_OPTIONS = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH


@dataclass(frozen=True)
class Flaw:
    """One thing a Markdown text refers to that cannot work."""

    ref: str
    """The link or image as written, to find its line."""
    message: str


class MarkdownError(ValueError):
    """A Markdown text refers to things that do not exist or cannot work: every one of them."""

    def __init__(self, flaws: list[Flaw]) -> None:
        super().__init__(flaws)
        self.flaws = flaws

    def __str__(self) -> str:
        return "; ".join(flaw.message for flaw in self.flaws)


class MarkdownRenderer:
    """Converts the Markdown of one site; the same text converts once.

    Site paths (`/funnel/step/`) in links and images become ``root`` + the path, so that the
    writer can make them relative to each page like every other link of the site.
    """

    def __init__(self, allow_html: bool, lookup: AssetLookup, root: str) -> None:
        self.allow_html = allow_html
        self.lookup = lookup
        self.root = root
        self._converted = lru_cache(maxsize=1024)(self._convert)

    def convert(self, text: str) -> str:
        """Safe HTML; raises MarkdownError naming every link or image that cannot work."""
        return self._converted(text)[0]

    def remote_images(self, text: str) -> tuple[str, ...]:
        """The https:// pictures the text shows (the CSP must allow their hosts)."""
        return self._pictures(text)[0]

    def unsized_pictures(self, text: str) -> tuple[str, ...]:
        """The pictures of `assets/` the text shows whose size cannot be read from the file (a
        damaged or unfinished one): they are shown without width and height."""
        return self._pictures(text)[1]

    def _pictures(self, text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """Remote and unsized pictures of the text; none when it cannot be converted (rendering
        says why)."""
        if "![" not in text and not (self.allow_html and _IMG_TAG.search(text)):
            return (), ()
        try:
            _, remote, unsized = self._converted(text)
        except MarkdownError:
            return (), ()
        return remote, unsized

    def site_links(self, text: str) -> list[str]:
        """The site paths (`/funnel/step/`) the text links to, as written; not `/assets/…`
        downloads, which converting checks."""
        if "](/" not in text and "]: /" not in text and not (self.allow_html and "href" in text):
            return []
        converted = _html(text if self.allow_html else _RAW_HTML.sub("&#60;", text))
        hrefs = (html.unescape(href) for href in _LINK.findall(converted))
        return [href for href in hrefs if is_site_path(href) and not href.startswith("/assets/")]

    def removed_tags(self, text: str) -> list[str]:
        """The raw HTML elements of ``text`` that the sanitiser removes (`<iframe`, `<div`), each
        once, as written; none unless HTML is allowed (then it is shown as text)."""
        if not self.allow_html or "<" not in text:
            return []
        removed: dict[str, str] = {}  # <DIV> and <div> are one tag
        for tag in _RAW_TAG.findall(_HTML_COMMENT.sub("", _html(text))):  # a tag commented out shows nothing
            if tag.lower() not in _TAGS:
                removed.setdefault(tag.lower(), tag)
        return list(removed.values())

    def tag_line(self, text: str, tag: str) -> int:
        """The line of ``text`` where raw ``<tag`` was written, past code and comments that show
        one as text (1 if not found)."""
        prose = _SHOWN_AS_TEXT.sub(lambda part: re.sub(r"[^\r\n]", " ", part[0]), text)
        found = re.search(rf"<{re.escape(tag)}\b", prose, re.I)
        return line_at(prose, found.start()) if found else 1

    def _convert(self, text: str) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
        """The text as HTML, the https:// pictures it shows and those of `assets/` whose size
        cannot be read; MarkdownError for what no page can show."""
        flaws: list[Flaw] = []
        remote: list[str] = []
        unsized: list[str] = []
        as_text = _html(_RAW_HTML.sub("&#60;", text))  # raw HTML shown as text: every link is Markdown's
        for href in _LINK.findall(as_text):
            _check_link(html.unescape(href), flaws)
        if self.allow_html:
            converted = _html(text)
            for found in _RAW_LINK.finditer(converted):
                _check_link(html.unescape(next(part for part in found.groups() if part is not None)), flaws)
        else:  # code shows an entity as typed: put back the '<' that was typed there
            converted = _CODE.sub(lambda code: code[0].replace("&amp;#60;", "&lt;"), as_text)
        converted = _H1.sub(r"<\1h2", converted)  # the page's headline is its one <h1>
        converted = _HEADING_ID.sub(r'<\1 id="\3">\2</\1>', converted)
        converted = _IMAGE.sub(lambda found: self._image(found, flaws, unsized), converted)
        converted = _ALIGN.sub(r'<\1 align="\2">', converted)

        def attribute(tag: str, name: str, value: str) -> str | None:
            """Each URL as sanitised (raw HTML's too): site paths made relative, links checked; None
            drops the attribute."""
            if name == "id":  # a heading's, as `{#pricing}` or raw HTML gives it
                return value if ID.fullmatch(value) and not value.startswith("funnelgen") else None
            if name not in ("href", "src"):
                return value
            if tag == "a" and value.startswith("/assets/"):  # a download: the published file
                asset = self.lookup(value[1:])
                if asset is None:
                    flaws.append(Flaw(value, f"link '{value}': no file '{value[1:]}' in the site's "
                                             "assets folder"))
                    return value
                return asset[0]
            if tag == "a":
                _check_link(value, flaws)
            elif value.startswith(self.root):  # a Markdown image, already checked and published
                return value
            elif tag == "img":  # raw HTML's picture, checked as a Markdown one is (no other src is kept)
                published = self._picture(unquote(value), flaws, unsized)
                if published:  # of the assets folder
                    return published[0]
                if value.startswith("https://"):
                    remote.append(value)
            return self.root + value[1:] if value.startswith("/") and not value.startswith("//") else value

        if len(converted) > _DEEP_ENOUGH_TO_CHECK and _nesting(converted) > MAX_NESTING:
            raise MarkdownError([Flaw("", f"nested more than {MAX_NESTING} levels deep (quotes '>', lists or "
                                          "HTML); sanitising it would take minutes: flatten it")])
        cleaned = str(nh3.clean(converted.rstrip("\n"), tags=_TAGS, attributes=_ATTRIBUTES,
                                url_schemes={"http", "https", "mailto", "tel"},
                                link_rel="noopener noreferrer", attribute_filter=attribute))
        if flaws:
            raise MarkdownError(list(dict.fromkeys(flaws)))
        return cleaned, tuple(dict.fromkeys(remote)), tuple(dict.fromkeys(unsized))

    def _image(self, found: re.Match[str], flaws: list[Flaw], unsized: list[str]) -> str:
        """An image pointed at its fingerprinted file when it is in `assets/`, sized and lazy."""
        src, alt, title = found[1], found[2], found[3]
        attributes = {"alt": alt, "decoding": "async", "loading": "lazy", "src": src}
        published = self._picture(unquote(html.unescape(src)), flaws, unsized)
        if published is not None:
            url, width, height = published
            attributes["src"] = html.escape(url)
            if width and height:
                attributes.update(width=str(width), height=str(height))
        if title is not None:
            attributes["title"] = title
        return "<img " + " ".join(f'{name}="{value}"' for name, value in sorted(attributes.items())) + ">"

    def _picture(self, ref: str, flaws: list[Flaw],
                 unsized: list[str]) -> tuple[str, int | None, int | None] | None:
        """A picture of `assets/` (or `/assets/`) as published: (URL, width, height). None for
        any other picture, which is shown as written; a flaw for each that no page can show, and
        in ``unsized`` each whose size cannot be read."""
        ref = ref[1:] if ref.startswith("/assets/") else ref  # the same file as assets/…
        if ref.startswith("assets/"):
            asset = self.lookup(ref)
            if asset is None:
                flaws.append(Flaw(ref, f"image '{ref}' is not in the site's assets folder"))
            elif why := why_not_shown(asset[3], ref):
                flaws.append(Flaw(ref, f"image '{ref}' {why}: export it as JPEG, PNG or WebP and name "
                                       "that file here"))
            else:
                if asset[1] is None and ref.lower().endswith(RASTER):
                    unsized.append(ref)
                return asset[:3]
        elif ref.startswith("http://"):
            flaws.append(Flaw(ref, f"image {shown(ref)} is not secure: write {shown('https' + ref[4:])}"))
        elif ref.startswith("https://"):
            try:
                url_origin(ref)
            except ValueError as exc:
                flaws.append(Flaw(ref, f"image {exc}"))
        elif not ref.startswith("/") or ref.startswith("//"):
            flaws.append(Flaw(ref, f"image {shown(ref)} in the Markdown cannot be shown: write a file in "
                                   "the assets folder (e.g. assets/photo.jpg) or an https:// URL"))
        return None


MAX_NESTING = 100
_DEEP_ENOUGH_TO_CHECK = 20_000  # characters of HTML: fewer cannot nest deep enough to be slow
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)")
_VOID = {"area", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


def _nesting(converted: str) -> int:
    """How deep the elements of ``converted`` nest, about: the sanitiser's time grows with the
    square of it (20,000 quotes in a row took a minute)."""
    depth = deepest = 0
    for closing, name in _TAG.findall(converted):
        if name.lower() in _VOID:
            continue
        depth = max(depth - 1, 0) if closing else depth + 1
        deepest = max(deepest, depth)
    return deepest


def is_site_path(link: str) -> bool:
    """`/funnel/step/`: a page of this site, not `//host/…`."""
    return link.startswith("/") and not link.startswith("//")


def line_of(text: str, ref: str) -> int:
    """The line of ``text`` where ``ref`` (a link or image as converted) was written; 1 if not found.
    Where it was written as a link, `](ref`, before where the same text is mentioned otherwise."""
    for written in (f"]({ref}", f"](<{ref}", ref, unquote(ref)):
        at = text.find(written)
        if at >= 0:
            return line_at(text, at)
    return 1


def line_at(text: str, at: int) -> int:
    """The line of ``text`` that character ``at`` is on, lines ending in LF, CRLF or CR alone."""
    before = text[:at]
    return before.count("\n") + before.count("\r") - before.count("\r\n") + 1


def _html(text: str) -> str:
    """CommonMark with tables and strikethrough, raw HTML left in (the caller escapes or
    sanitises it)."""
    return str(pyromark.html(text, options=_OPTIONS))


def _check_link(href: str, flaws: list[Flaw]) -> None:
    try:
        check_link(href)
    except ValueError:
        meant = link_meant(href)
        fix = f"write {shown(meant)}" if meant else ("write an https:// URL, mailto:, tel:, or a site path "
                                                     "such as /funnel/step/")
        flaws.append(Flaw(href, f"link {shown(href)} in the Markdown cannot work: {fix}"))
