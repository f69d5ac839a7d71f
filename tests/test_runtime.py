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


def test_the_shipped_runtime_is_the_minified_source() -> None:
    if not TERSER.exists():
        pytest.fail("node_modules/.bin/terser is missing: run `make test`, which installs it", pytrace=False)
    minified = subprocess.run([str(TERSER), str(RUNTIME / "funnelgen.js"), *MINIFY],
                              capture_output=True, text=True, check=True).stdout
    shipped = (RUNTIME / "funnelgen.min.js").read_text(encoding="utf-8")
    assert minified.strip() == shipped.strip(), "funnelgen.js changed: run `make runtime`"


def test_the_runtime_is_under_4_kb_gzipped() -> None:
    shipped = (RUNTIME / "funnelgen.min.js").read_bytes()
    assert len(gzip.compress(shipped, compresslevel=9)) < 4096
