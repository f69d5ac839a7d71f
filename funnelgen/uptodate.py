"""Is the previous build still current? Answered from its manifest and file contents alone,
without loading the site or importing the pipeline, so that a no-change build costs little
more than reading every input once."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from funnelgen.errors import Problem
from funnelgen.incremental import FunnelRecord, Manifest, funnel_files, has_files, ignored_funnel_files
from funnelgen.write import remove_leftovers


@dataclass
class FunnelReport:
    slug: str
    title: str
    steps: int
    reused: bool = False


@dataclass
class BuildReport:
    """What a build made, for the summary the CLI prints."""

    out: Path | None
    funnels: list[FunnelReport] = field(default_factory=list)
    pages: int = 0
    rendered: int = 0
    files: int = 0
    seconds: float = 0.0
    warnings: list[Problem] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)
    up_to_date: bool = False
    """Nothing changed since the previous build: the output was left as it was."""


def up_to_date(root: Path, out: Path, previous: Manifest, reused: dict[str, FunnelRecord], *,
               strict: bool, started: float) -> BuildReport | None:
    """The report of a build that has nothing to do: every input is as the previous build
    found it (same funnelgen, site, theme, assets, content and funnel files). None otherwise.
    ``reused``: the funnels the previous build made from the same inputs (see `reusable`)."""
    if not previous.funnels:
        return None
    names = {f"funnels/{path.name}" for path in funnel_files(root)}
    if set(reused) != names or set(previous.funnels) != names:
        return None
    if not has_files(out, previous.files()):
        return None  # someone removed files from the output: rebuild it
    # Files in funnels/ that are not built are looked at again: adding one changes nothing else.
    site_warnings = [w for w in previous.problems() if not w.file.startswith("funnels/")]
    warnings = sorted([*site_warnings, *ignored_funnel_files(root),
                       *(w for record in reused.values() for w in record.problems())])
    if strict and warnings:
        return None  # the full path reports them as errors
    remove_leftovers(out)  # what a killed build left, though nothing is written this time
    report = BuildReport(out=out, warnings=warnings, up_to_date=True)
    report.funnels = [FunnelReport(r.slug, r.title, len(r.steps), reused=True)
                      for _, r in sorted(reused.items())]
    report.pages = sum(len(r.outputs) for r in reused.values())
    report.seconds = time.perf_counter() - started
    return report
