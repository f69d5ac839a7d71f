"""`funnelgen check`: every check a build makes, rendering included, writing nothing."""

from __future__ import annotations

import time
from pathlib import Path

from funnelgen.commands.build import Discard, render_site
from funnelgen.site import prepare
from funnelgen.uptodate import BuildReport


def check(root: Path, *, strict: bool = False) -> BuildReport:
    started = time.perf_counter()
    report = render_site(prepare(root, strict=strict), Discard())
    report.seconds = time.perf_counter() - started
    return report
