"""Markdown → safe HTML. Raw HTML is shown as text unless the site allows it, then sanitised.

Markdown is CommonMark with GitHub's tables, converted by pulldown-cmark (through pyromark):
about a hundred times faster than a pure-Python converter, which matters because converting
Markdown was most of the work of rendering a page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import lru_cache
from urllib.parse import unquote

import nh3
import pyromark

from funnelgen.schema.types import check_link, shown

AssetLookup = Callable[[str], tuple[str, int | None, int | None] | None]
"""Maps `assets/…` to (relative URL, width, height), or None if there is no such file."""

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h2", "h3", "h4", "h5", "h6",
    "hr", "i", "img", "li", "mark", "ol", "p", "pre", "s", "small", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}
_ATTRIBUTES = {
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
_ALIGN = re.compile(r'<(t[hd]) style="text-align: (left|center|right)">')


class MarkdownError(ValueError):
    """A Markdown text refers to something that does not exist."""


class MarkdownRenderer:
    """Converts the Markdown of one site; the same text converts once."""

    def __init__(self, allow_html: bool, lookup: AssetLookup) -> None:
        self.allow_html = allow_html
        self.lookup = lookup
        self.convert = lru_cache(maxsize=4096)(self._convert)

    def _convert(self, text: str) -> str:
        as_text = _html(_RAW_HTML.sub("&#60;", text))  # raw HTML shown as text: every link is Markdown's
        for href in _LINK.findall(as_text):
            _check_link(html.unescape(href))
        if self.allow_html:
            converted = _html(text)
        else:  # code shows an entity as typed: put back the '<' that was typed there
            converted = _CODE.sub(lambda code: code[0].replace("&amp;#60;", "&lt;"), as_text)
        converted = _ALIGN.sub(r'<\1 align="\2">', _IMAGE.sub(self._image, converted))
        return str(nh3.clean(converted.rstrip("\n"), tags=_TAGS, attributes=_ATTRIBUTES,
                             url_schemes={"http", "https", "mailto", "tel"}, link_rel="noopener noreferrer"))

    def _image(self, found: re.Match[str]) -> str:
        """An image pointed at its fingerprinted file when it is in `assets/`, sized and lazy."""
        src, alt, title = found[1], found[2], found[3]
        attributes = {"alt": alt, "decoding": "async", "loading": "lazy", "src": src}
        ref = unquote(html.unescape(src))
        if ref.startswith("assets/"):
            asset = self.lookup(ref)
            if asset is None:
                raise MarkdownError(f"image '{ref}' is not in the site's assets folder")
            url, width, height = asset
            attributes["src"] = html.escape(url)
            if width and height:
                attributes.update(width=str(width), height=str(height))
        if title is not None:
            attributes["title"] = title
        return "<img " + " ".join(f'{name}="{value}"' for name, value in sorted(attributes.items())) + ">"


def _html(text: str) -> str:
    """CommonMark with tables, raw HTML left in (the caller escapes or sanitises it)."""
    return str(pyromark.html(text, options=pyromark.Options.ENABLE_TABLES))


def _check_link(href: str) -> None:
    try:
        check_link(href)
    except ValueError:
        raise MarkdownError(
            f"link {shown(href)} in the Markdown cannot work: write an https:// URL, "
            "mailto:, tel:, or a site path such as /funnel/step/"
        ) from None
