"""Problems found in a site, and the one exception that ends a command cleanly."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a site: where it is and what to write instead."""

    file: str
    line: int
    key: str
    message: str
    warning: bool = False

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [p for p in (where, self.key) if p]
        return printable(": ".join([*parts, self.message]))

    def as_list(self) -> list[str | int | bool]:
        """Its fields as the manifest keeps them (JSON); `Problem(*fields)` makes it again."""
        return [self.file, self.line, self.key, self.message, self.warning]


def printable(text: str) -> str:
    """Text a marketer typed, safe to print on a terminal: control characters (an escape
    sequence clears the screen or retitles the window), line breaks and bidi overrides are
    shown as escapes, so each message stays one line that says what it says."""
    return _UNPRINTABLE.sub(lambda found: ascii(found[0])[1:-1], text)


class Abort(Exception):
    """Stops a command with a one-line message per problem and exit code 1."""

    def __init__(self, problems: Iterable[Problem] | str) -> None:
        if isinstance(problems, str):
            problems = [Problem(file="", line=0, key="", message=problems)]
        self.problems = sorted(problems, key=_reading_order)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type[Abort], tuple[list[Problem]]]:
        return (Abort, (self.problems,))  # whole, across the processes of a parallel build


def _reading_order(problem: Problem) -> tuple[str, int, str]:
    return (problem.file, problem.line, problem.key)


def counted(number: int, noun: str) -> str:
    """'1 funnel', '2,400 pages'."""
    return f"{number:,} {noun}" if number == 1 else f"{number:,} {noun}s"


def display_path(path: Path, root: Path) -> str:
    """A path as the marketer knows it: relative to the site folder when inside it."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def key_path(loc: Iterable[str | int]) -> str:
    """Format a location like ``steps[2].cta.to``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out
