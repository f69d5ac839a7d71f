"""Image facts the pages need: pixel sizes, so the browser reserves space (no layout shift)."""

from __future__ import annotations

import io
import re

from PIL import Image, UnidentifiedImageError

RASTER = (".png", ".jpg", ".jpeg", ".gif", ".webp", ".avif")
_SVG_SIZE = re.compile(rb"<svg\b[^>]*>", re.S)
_ATTR = re.compile(rb'\b(width|height|viewBox)\s*=\s*["\']([^"\']+)["\']')


def size_of(data: bytes, suffix: str) -> tuple[int | None, int | None]:
    """Width and height in CSS pixels, or (None, None) if the file does not say."""
    if suffix in RASTER:
        try:
            with Image.open(io.BytesIO(data)) as image:
                return image.size
        except (UnidentifiedImageError, OSError):
            return (None, None)
    if suffix == ".svg":
        return _svg_size(data)
    return (None, None)


def _svg_size(data: bytes) -> tuple[int | None, int | None]:
    tag = _SVG_SIZE.search(data[:4096])
    if not tag:
        return (None, None)
    attrs = {k.decode(): v.decode() for k, v in _ATTR.findall(tag.group(0))}
    try:
        if "width" in attrs and "height" in attrs:
            return (round(float(attrs["width"].removesuffix("px"))),
                    round(float(attrs["height"].removesuffix("px"))))
        if "viewBox" in attrs:
            _, _, w, h = (float(n) for n in attrs["viewBox"].replace(",", " ").split())
            return (round(w), round(h))
    except ValueError:
        pass
    return (None, None)
