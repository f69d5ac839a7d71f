"""`funnelgen check`: every check a build makes, rendering included, writing nothing."""

from __future__ import annotations

import time
from pathlib import Path

from funnelgen.commands.build import Discard, render_site
from funnelgen.site import prepare
from funnelgen.uptodate import BuildReport
from funnelgen.workers import default_jobs


def check(root: Path, *, strict: bool = False) -> BuildReport:
    """Every check of a build, by every core as a build does."""
    started = time.perf_counter()
    jobs = default_jobs()
    report = render_site(prepare(root, strict=strict, jobs=jobs), Discard(), jobs=jobs)
    report.seconds = time.perf_counter() - started
    return report
