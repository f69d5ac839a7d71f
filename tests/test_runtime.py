"""The browser runtime that pages inline: the minified file is the source, and it stays small."""

from __future__ import annotations

import gzip
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNTIME = ROOT / "funnelgen" / "runtime"
TERSER = ROOT / "node_modules" / ".bin" / "terser"
MINIFY = ["--ecma", "2020", "--compress", "unsafe_arrows=true", "--mangle"]
"""As `make runtime` minifies: arrow functions for anonymous functions that use neither `this`
nor `arguments` (every browser the runtime runs in has them)."""
SHIPPED = {"funnelgen.min.js": "ANALYTICS=true", "funnelgen-core.min.js": "ANALYTICS=false"}
"""Each runtime a page may carry, and how it is minified: with analytics, or without for a site
that sends nothing anywhere."""


@pytest.mark.parametrize("shipped", SHIPPED)
def test_the_shipped_runtime_is_the_minified_source(shipped: str) -> None:
    if not TERSER.exists():
        pytest.fail("node_modules/.bin/terser is missing: run `make test`, which installs it", pytrace=False)
    minified = subprocess.run([str(TERSER), str(RUNTIME / "funnelgen.js"), "--define", SHIPPED[shipped], *MINIFY],
                              capture_output=True, text=True, check=True).stdout
    assert minified.strip() == (RUNTIME / shipped).read_text(encoding="utf-8").strip(), \
        "funnelgen.js changed: run `make runtime`"


@pytest.mark.parametrize("shipped", SHIPPED)
def test_the_runtime_is_under_4_kb_gzipped(shipped: str) -> None:
    assert len(gzip.compress((RUNTIME / shipped).read_bytes(), compresslevel=9)) < 4096


def test_the_runtime_without_analytics_has_none_of_their_code() -> None:
    core = (RUNTIME / "funnelgen-core.min.js").read_text(encoding="utf-8")
    full = (RUNTIME / "funnelgen.min.js").read_text(encoding="utf-8")
    for name in ("gtag", "fbq", "plausible", "sendBeacon", "data-consent-snippet"):
        assert name in full and name not in core, name
    assert len(core) < len(full) - 1500
