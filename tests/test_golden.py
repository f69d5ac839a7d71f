"""The demo site renders exactly as reviewed: any change to the HTML shows up as a diff here."""

from __future__ import annotations

import difflib
from pathlib import Path

from golden import GOLDEN, build_demo, golden_files


def test_demo_site_matches_the_golden_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_demo(out)
    actual = golden_files(out)
    expected = {p.relative_to(GOLDEN).as_posix(): p.read_bytes() for p in GOLDEN.rglob("*") if p.is_file()}
    assert sorted(actual) == sorted(expected), "files differ; run `make golden` if the change is intended"
    for name in sorted(actual):
        if actual[name] != expected[name]:
            diff = difflib.unified_diff(expected[name].decode(errors="replace").splitlines(),
                                        actual[name].decode(errors="replace").splitlines(),
                                        f"golden/{name}", f"built/{name}", lineterm="", n=2)
            shown = "\n".join(list(diff)[:40])
            raise AssertionError(f"{name} changed (run `make golden` if intended):\n{shown}")
