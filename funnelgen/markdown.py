"""Markdown → safe HTML. Raw HTML is shown as text unless the site allows it, then sanitised."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable
from functools import lru_cache

import markdown as md
import nh3
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

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


class MarkdownError(ValueError):
    """A Markdown text refers to something that does not exist."""


class _Images(Treeprocessor):
    """Points `assets/…` images at their fingerprinted files, sized and lazy."""

    def __init__(self, renderer: md.Markdown, lookup: AssetLookup) -> None:
        super().__init__(renderer)
        self.lookup = lookup

    def run(self, root: ET.Element) -> None:
        for img in root.iter("img"):
            src = img.get("src", "")
            if src.startswith("assets/"):
                found = self.lookup(src)
                if found is None:
                    raise MarkdownError(f"image '{src}' is not in the site's assets folder")
                url, width, height = found
                img.set("src", url)
                if width and height:
                    img.set("width", str(width))
                    img.set("height", str(height))
            img.set("loading", "lazy")
            img.set("decoding", "async")
        for a in root.iter("a"):
            href = a.get("href", "")
            try:
                check_link(href)
            except ValueError:
                raise MarkdownError(
                    f"link {shown(href)} in the Markdown cannot work: write an https:// URL, "
                    "mailto:, tel:, or a site path such as /funnel/step/"
                ) from None


class _Extension(Extension):
    def __init__(self, lookup: AssetLookup, allow_html: bool) -> None:
        super().__init__()
        self.lookup = lookup
        self.allow_html = allow_html

    def extendMarkdown(self, renderer: md.Markdown) -> None:
        if not self.allow_html:
            renderer.preprocessors.deregister("html_block")
            renderer.inlinePatterns.deregister("html")
        renderer.treeprocessors.register(_Images(renderer, self.lookup), "funnelgen_images", 0)


class MarkdownRenderer:
    """Converts the Markdown of one site; the same text converts once."""

    def __init__(self, allow_html: bool, lookup: AssetLookup) -> None:
        self._converter = md.Markdown(extensions=["tables", "sane_lists", _Extension(lookup, allow_html)],
                                      output_format="html")
        self.convert = lru_cache(maxsize=4096)(self._convert)

    def _convert(self, text: str) -> str:
        converter = self._converter
        try:
            html = converter.reset().convert(text)
        finally:
            converter.reset()
        return str(nh3.clean(html, tags=_TAGS, attributes=_ATTRIBUTES,
                             url_schemes={"http", "https", "mailto", "tel"},
                             link_rel="noopener noreferrer"))
