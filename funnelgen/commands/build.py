"""`funnelgen build`: render every page and replace the output folder in one step."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from funnelgen.errors import Problem
from funnelgen.site import Prepared, prepare
from funnelgen.write import OutputWriter

Sink = Callable[[str, str | bytes], None]


@dataclass
class FunnelReport:
    slug: str
    title: str
    steps: int


@dataclass
class BuildReport:
    """What a build made, for the summary the CLI prints."""

    out: Path | None
    funnels: list[FunnelReport] = field(default_factory=list)
    pages: int = 0
    files: int = 0
    seconds: float = 0.0
    warnings: list[Problem] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


def render_site(prepared: Prepared, write: Sink, copy_file: Callable[[str, Path], None]) -> BuildReport:
    """Render every page and site file of a prepared site into ``write`` and ``copy_file``."""
    plan, renderer = prepared.plan, prepared.renderer
    report = BuildReport(out=None, warnings=plan.warnings)

    def sink(name: str, data: str | bytes) -> None:
        report.outputs.append(name)
        write(name, data)

    def copy(name: str, source: Path) -> None:
        report.outputs.append(name)
        copy_file(name, source)

    for page in plan.pages:
        sink(page.output, renderer.page(page))
    for asset in plan.assets.values():
        copy(asset.output, asset.source)
    sink("404.html", renderer.extra("404.html", "/404.html"))
    if plan.site.index:
        sink("index.html", renderer.extra("index.html", "/"))
    sink("sitemap.xml", renderer.extra("sitemap.xml", "/sitemap.xml"))
    sink("robots.txt", renderer.extra("robots.txt", "/robots.txt"))
    sink("_headers", renderer.extra("hosting/_headers", "/_headers"))
    report.funnels = [FunnelReport(f.slug, f.funnel.title, len(f.funnel.steps)) for f in plan.funnels]
    report.pages = len(plan.pages)
    report.files = len(report.outputs)
    return report


def build(root: Path, out: Path, *, strict: bool = False) -> BuildReport:
    """Build the site at ``root`` into ``out``; on any problem ``out`` is left as it was."""
    started = time.perf_counter()
    prepared = prepare(root, strict=strict)
    with OutputWriter(out, root) as writer:
        report = render_site(prepared, writer.write, writer.copy)
        writer.commit()
    report.out = out
    report.seconds = time.perf_counter() - started
    return report
