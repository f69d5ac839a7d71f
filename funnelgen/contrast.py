"""Whether the colours a site picks keep its text readable: WCAG 2 contrast ratios between the
colour options a theme declares and the text it draws on them (`contrast_with` in theme.yml)."""

from __future__ import annotations

import re

READABLE = 4.5
"""WCAG AA for body-size text: the least contrast a button label or a link needs."""
_HEX = re.compile(r"#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


def rgb(hex_colour: str) -> tuple[int, int, int] | None:
    """'#1d4ed8' or '#fff' as red, green, blue; None for any other way of writing a colour."""
    found = _HEX.fullmatch(hex_colour.strip())
    if found is None:
        return None
    digits = found[1] if len(found[1]) == 6 else "".join(d * 2 for d in found[1])
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def luminance(colour: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance: 0 for black, 1 for white."""
    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (linear(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def ratio(one: tuple[int, int, int], other: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio, from 1 (the same) to 21 (black on white)."""
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_shade(colour: tuple[int, int, int], against: list[tuple[int, int, int]]) -> str:
    """The nearest shade of ``colour`` that reaches READABLE against each colour of ``against``
    (against the least contrasting one, when no shade can against all), as #rrggbb: towards
    black to stand out from a light colour, towards white from a dark one."""
    worst = min(against, key=lambda other: ratio(colour, other))
    towards = 0 if luminance(worst) > 0.18 else 255
    shades = [tuple(round(c + (towards - c) * step / 100) for c in colour) for step in range(1, 101)]
    for needed in (against, [worst]):
        for shade in shades:
            if all(ratio((shade[0], shade[1], shade[2]), other) >= READABLE for other in needed):
                return "#{:02x}{:02x}{:02x}".format(*shade)
    return "#000000" if towards == 0 else "#ffffff"
