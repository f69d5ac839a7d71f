"""Image facts the pages need, and the smaller and WebP versions of local pictures.

Pixel sizes let the browser reserve space (no layout shift). A PNG, JPEG or WebP picture the
pages show is also written as WebP in the widths its place on the page needs (`widths`), and in
one width in its own format for browsers without WebP, so a phone downloads a phone-sized file
in a modern format. The names of those versions follow from the source's fingerprint, the width
and the format (`responsive`), so a build knows them without encoding anything and can take them
from the previous build. Encoding (`encode`) happens only when a build writes a version that is
not there yet; its settings are fixed, so the same source gives the same bytes in every build.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from xml.parsers import expat

RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")
RESPONSIVE = (".png", ".jpg", ".jpeg", ".webp")
"""Formats written in several widths; GIF (often animated), AVIF and SVG are used as they are."""
_SVG_SIZE = re.compile(rb"<svg\b[^>]*>", re.S)
_ATTR = re.compile(rb'\b(width|height|viewBox)\s*=\s*["\']([^"\']+)["\']')

LADDER = (800, 1200, 1600, 2000)
"""Widths of a picture shown across the text column: from phones (a 360-400 px screen at 2x
needs 800) to 3x screens of the widest column. No 480: 1x phones are rare, and each width costs
every page that shows the picture two srcset entries. A larger original is not offered whole:
no screen shows more of it."""
ROLES: dict[str, tuple[int | None, int | None]] = {
    "content": (None, None),  # across the text column: the LADDER
    "photo": (48, None),  # a testimonial's photo: 48 CSS pixels wide (3rem)
    "logo": (None, 40),  # the header logo: 40 CSS pixels tall (2.5rem)
    "poster": (None, None),  # a video file's poster: <video poster> takes one picture, `src` alone
}
"""Where the pages show pictures: (CSS width, CSS height) of a fixed-size place, or the column."""
SRC_WIDTH = 1600
"""The widest `src`, the version in the original's format for browsers without WebP: an
original up to this wide is used itself, not encoded again."""
_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".webp": "WEBP"}
_SAVE: dict[str, dict[str, object]] = {
    "WEBP": {"quality": 80, "method": 4},
    "JPEG": {"quality": 75, "optimize": True, "progressive": True},
    "PNG": {"optimize": True},
}
RECIPE = "lanczos;" + ";".join(f"{fmt}:{sorted(options.items())}" for fmt, options in _SAVE.items())
"""How versions are made: part of their fingerprint, so a change never reuses older files."""


@dataclass(frozen=True)
class Variant:
    """One version of a picture: its output name, pixel size and format."""

    output: str
    width: int
    height: int
    format: str  # PNG, JPEG or WEBP


@dataclass(frozen=True)
class Responsive:
    """The versions of one picture for one place on the page, narrowest first."""

    srcset: tuple[Variant, ...]
    """Every width the place needs: as WebP (a PNG or JPEG original's versions), or in the
    original's format when that is WebP already."""
    src: Variant
    """One version in the original's format, for browsers without WebP: the widest up to
    SRC_WIDTH. Every browser that reads `srcset` also shows WebP, so one is enough."""
    display: int | None
    """How wide it shows, in CSS pixels, for a fixed-size place; None across the column."""

    @property
    def webp(self) -> bool:
        """The versions are WebP and `src` is not: a `<source type="image/webp">` offers them."""
        return bool(self.srcset) and self.src.format != "WEBP"


PICTURES = ("JPEG", "PNG", "WebP", "GIF", "AVIF", "SVG")
"""What a browser shows in an <img>, as `kind_of` names them."""
_SIGNATURES = [  # (what the file starts with, at which byte) → what it is
    ((b"\xff\xd8\xff", 0), "JPEG"), ((b"\x89PNG\r\n\x1a\n", 0), "PNG"), ((b"GIF8", 0), "GIF"),
    ((b"WEBP", 8), "WebP"), ((b"ftypavif", 4), "AVIF"), ((b"ftypavis", 4), "AVIF"),
    ((b"ftypheic", 4), "HEIC"), ((b"ftypheix", 4), "HEIC"), ((b"ftypmif1", 4), "HEIC"),
    ((b"%PDF", 0), "PDF"), ((b"II*\x00", 0), "TIFF"), ((b"MM\x00*", 0), "TIFF"), ((b"BM", 0), "BMP"),
    ((b"8BPS", 0), "Photoshop"), ((b"PK\x03\x04", 0), "ZIP (a Word, PowerPoint or Keynote file?)"),
    ((b"\x00\x00\x01\x00", 0), "ICO"),
]


def kind_of(data: bytes) -> str | None:
    """What a file is by its first bytes, whatever its name says: 'JPEG', 'PNG', 'WebP', 'GIF',
    'AVIF', 'SVG', 'ICO', or a format no page can show as a picture ('PDF', 'HEIC', …); None
    if unknown."""
    for (signature, at), kind in _SIGNATURES:
        if data[at : at + len(signature)] == signature:
            return kind
    return "SVG" if b"<svg" in data[:4096].lower() else None


_WEB_PAGES = (".html", ".htm", ".xhtml", ".xht", ".shtml", ".mht", ".mhtml", ".xsl", ".xslt", ".svgz")
"""Names a host serves as a web page: opened from assets/, its scripts would run on the site's
own address. (A compressed SVG is served without saying so: no browser can show it either.)"""
_MARKUP = (".svg", ".xml", ".xsd", ".rng", ".rdf", ".rss", ".atom", ".kml", ".gpx", ".mml", ".xbl", ".xul")
"""Names a host serves as XML, which a browser opens as a document: an SVG picture, a feed."""
_SCRIPT_ELEMENTS = {"script", "handler", "listener", "iframe", "frame", "frameset", "embed", "object",
                    "portal"}
_XSLT = "http://www.w3.org/1999/XSL/Transform"
_SCRIPT_URL = re.compile(r"(?:java|vb)script:|data:(?:text/html|application/xhtml)")
_INVISIBLE = re.compile(r"[\x00-\x20]+")  # what browsers skip inside a URL's scheme
_CSS_TYPE = re.compile(r"""\btype\s*=\s*["']text/css["']""")


def script_in(name: str, data: bytes) -> tuple[int, str] | None:
    """(line, why) when a file of assets/ would run script on the site's own address, opened by
    itself: every such file is published, whether a page shows it or not, and hosts without the
    site's headers file (GitHub Pages, S3) give it no policy. That is a web page (`_WEB_PAGES`), or
    an XML file (`_MARKUP`: an SVG, a feed) with a script, an event handler, a javascript: link or
    an XSLT stylesheet, or one that cannot be read as a browser would (it may read it otherwise).
    None for any other file. Entities are expanded and markup inside <foreignObject> is read, as
    a browser does: Illustrator's entities and Figma's blur run nothing."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in _WEB_PAGES:
        return 0, ("is a web page: opened from assets/, its scripts would run on your site's own address, "
                   "where they can read what the site keeps about each visitor; pages come only from "
                   "funnels/: remove it, or zip it to offer it as a download")
    if suffix not in _MARKUP:
        return None
    parser = expat.ParserCreate(namespace_separator=" ")

    def found(what: str) -> None:
        raise _Found(parser.CurrentLineNumber, what)  # the first is enough: stop reading

    def element(tag: str, attributes: dict[str, str]) -> None:
        namespace, _, local = tag.rpartition(" ")
        if local.lower() in _SCRIPT_ELEMENTS:
            found(f"a <{local}> element")
        if namespace == _XSLT:
            found(f"an XSLT element (<{local}>), which makes a page of the file")
        for key, value in attributes.items():
            attribute = key.rpartition(" ")[2]
            if attribute.lower().startswith("on"):
                found(f"an event handler ({attribute}=)")
            elif _SCRIPT_URL.search(_INVISIBLE.sub("", value).lower()):
                found(f"a script link ({attribute}=)")

    def instruction(target: str, text: str) -> None:
        if target.lower() == "xml-stylesheet" and not _CSS_TYPE.search(text):
            found("a stylesheet instruction (<?xml-stylesheet?>) that is not CSS: an XSLT one makes a "
                  "page of the file")

    parser.StartElementHandler = element
    parser.ProcessingInstructionHandler = instruction
    try:
        parser.Parse(data, True)
    except _Found as first:
        hint = " (an editor's 'plain' or 'optimised' SVG export has none)" if suffix == ".svg" else ""
        return first.line, (f"holds {first.what}: opened by itself, the file would run it on your site's own "
                            f"address; remove it{hint}")
    except expat.ExpatError as exc:
        why = expat.ErrorString(exc.code)
        return exc.lineno, (f"is XML that cannot be read ({why}), which a browser may read otherwise, "
                            "and run what it holds: export it again, as UTF-8")
    except (ValueError, LookupError):  # an encoding expat cannot read (Shift_JIS, UTF-32)
        return 1, "is XML in an encoding funnelgen cannot check: export it again, as UTF-8"
    return None


class _Found(Exception):
    def __init__(self, line: int, what: str) -> None:
        super().__init__(what)
        self.line, self.what = line, what


def why_not_shown(kind: str | None, name: str) -> str | None:
    """Why no page can show a file as a picture, from what its bytes are (``kind``, see
    `kind_of`) and its ``name``; None when a page can, or may (bytes unknown under a picture's
    name: a file cut short, say)."""
    named = PurePosixPath(name).suffix.lower()
    as_picture = named in (*RASTER, ".svg")
    if kind in PICTURES or (kind is None and as_picture):
        return None
    if kind is None:
        return "is not a web picture (JPEG, PNG, WebP, GIF, AVIF or SVG)"
    return f"is a {kind} file{f' renamed to {named}' if as_picture else ''}, not a web picture"


def decode_errors() -> tuple[type[Exception], ...]:
    """What Pillow raises for a file it cannot read. Pillow is imported only when a site has
    pictures (it takes 11 ms): call this in an ``except`` clause, which evaluates it only then."""
    from PIL import Image

    return (OSError, SyntaxError, ValueError, Image.DecompressionBombError)  # OSError: unidentified too


def size_of(data: bytes, suffix: str) -> tuple[int | None, int | None]:
    """Width and height in CSS pixels, or (None, None) if the file does not say."""
    if suffix in RASTER:
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                if image.getexif().get(0x0112) in (5, 6, 7, 8):  # Orientation: turned a quarter
                    return (height, width)  # browsers show it upright, as the versions are
                return (width, height)
        except decode_errors():
            return (None, None)
    if suffix == ".svg":
        return _svg_size(data)
    return (None, None)


def is_responsive(data: bytes, suffix: str) -> bool:
    """A still PNG, JPEG or WebP picture Pillow can read (animations are used as they are)."""
    if suffix not in RESPONSIVE:
        return False
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            return not getattr(image, "is_animated", False)
    except decode_errors():
        return False


def widths(role: str, width: int, height: int) -> list[int]:
    """The widths a picture of this pixel size is written in for a place on the page.

    Never wider than the original: a small picture is not enlarged.
    """
    display = _display(role, width, height)
    if display is None:
        return [w for w in LADDER if w < width] + ([width] if width <= LADDER[-1] else [])
    return sorted({min(display, width), min(2 * display, width)})  # 1x and 2x screens


def _display(role: str, width: int, height: int) -> int | None:
    """CSS width of a fixed-size place for this picture; None across the column."""
    css_width, css_height = ROLES[role]
    if css_height is not None:
        return max(1, round(css_height * width / height))
    return css_width


def responsive(original: str, digest: str, size: tuple[int, int], role: str) -> Responsive:
    """The versions of a picture for one place on the page, named without encoding anything.

    ``original`` is the fingerprinted output name of the file itself, ``digest`` its content
    fingerprint. A version's name is the original's stem, its width and a fingerprint of the
    source, width, format and RECIPE: `assets/hero.1a2b3c4d5e.png` at 800 pixels as WebP is
    `assets/hero-800w.<fingerprint>.webp`.
    """
    width, height = size
    path = PurePosixPath(original)
    stem = path.name.rsplit(".", 2)[0]
    own = _FORMATS[path.suffix]

    def variant(w: int, fmt: str) -> Variant:
        h = max(1, round(height * w / width))
        if w == width and fmt == own:
            return Variant(original, w, h, fmt)
        key = hashlib.sha256(f"{digest}:{w}:{fmt}:{RECIPE}".encode()).hexdigest()[:10]
        suffix = ".webp" if fmt == "WEBP" else path.suffix
        return Variant(str(path.parent / f"{stem}-{w}w.{key}{suffix}"), w, h, fmt)

    ws = widths(role, width, height)
    fitting = [w for w in ws if w <= SRC_WIDTH]
    src = variant(fitting[-1] if fitting else ws[0], own)
    if role == "poster":
        return Responsive((), src, None)
    return Responsive(tuple(variant(w, "WEBP") for w in ws), src, _display(role, width, height))


def decode(source: Path) -> None:
    """Read every pixel of a picture, as `encode` does: raises what Pillow raises for a file
    whose start is fine and the rest is not (cut short while copying)."""
    from PIL import Image

    with Image.open(source) as opened:
        opened.load()


def encode(source: Path, variants: Iterable[Variant]) -> Iterator[tuple[Variant, bytes]]:
    """Each version's bytes, from one reading of the source. The same source and Pillow give
    the same bytes: fixed settings, no time stamps, metadata other than the colour profile left out."""
    from PIL import Image, ImageOps

    with Image.open(source) as opened:
        image = ImageOps.exif_transpose(opened)  # upright, as browsers show the original
        profile = opened.info.get("icc_profile")
        alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info
        if image.mode not in ("RGB", "RGBA", "L", "LA", "CMYK"):
            image = image.convert("RGBA" if alpha else "RGB")  # palettes and 16 bits resize badly
        for variant in variants:
            resized = image.resize((variant.width, variant.height), Image.Resampling.LANCZOS)
            if variant.format == "WEBP" and resized.mode not in ("RGB", "RGBA"):
                resized = resized.convert("RGBA" if "A" in resized.mode else "RGB")
            options = dict(_SAVE[variant.format])
            if profile and not (variant.format == "WEBP" and image.mode == "CMYK"):
                options["icc_profile"] = profile
            out = io.BytesIO()
            resized.save(out, variant.format, **options)
            yield variant, out.getvalue()


def _svg_size(data: bytes) -> tuple[int | None, int | None]:
    tag = _SVG_SIZE.search(data[:4096])
    if not tag:
        return (None, None)
    attrs = {k.decode(): v.decode(errors="replace") for k, v in _ATTR.findall(tag.group(0))}
    try:
        if "width" in attrs and "height" in attrs:
            size = (round(float(attrs["width"].removesuffix("px"))),
                    round(float(attrs["height"].removesuffix("px"))))
        elif "viewBox" in attrs:
            _, _, w, h = (float(n) for n in attrs["viewBox"].replace(",", " ").split())
            size = (round(w), round(h))
        else:
            return (None, None)
    except (ValueError, OverflowError):  # not numbers, or 1e999
        return (None, None)
    return size if min(size) > 0 else (None, None)
    attrs = {k.decode(): v.decode() for k, v in _ATTR.findall(tag.group(0))}
    try:
        if "width" in attrs and "height" in attrs:
            return (round(float(attrs["width"].removesuffix("px"))),
                    round(float(attrs["height"].removesuffix("px"))))
        if "viewBox" in attrs:
            _, _, w, h = (float(n) for n in attrs["viewBox"].replace(",", " ").split())
            return (round(w), round(h))
    except (ValueError, OverflowError):  # not numbers, or 1e999
        pass
    return (None, None)
