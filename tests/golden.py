"""Golden output of the demo site: `make golden` (python tests/golden.py) regenerates it.

Text files are kept verbatim so a review shows every change to the rendered HTML; binary files
are listed with their SHA-256 in MANIFEST.txt.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "sites" / "demo"
GOLDEN = Path(__file__).resolve().parent / "golden" / "demo"
TEXT = {".html", ".xml", ".txt", ".css", ".js", ".json", ".svg", ""}


def golden_files(out: Path) -> dict[str, bytes]:
    """What the golden folder holds for a build in ``out``: text files, and a manifest."""
    files: dict[str, bytes] = {}
    manifest = []
    for path in sorted(out.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(out).as_posix()
        if rel == ".funnelgen":  # the reuse manifest: keyed on funnelgen's own code, not reviewed
            continue
        if path.suffix in TEXT:
            files[rel] = path.read_bytes()
        else:
            manifest.append(f"{hashlib.sha256(path.read_bytes()).hexdigest()}  {rel}\n")
    files["MANIFEST.txt"] = "".join(manifest).encode()
    return files


def build_demo(out: Path) -> None:
    from funnelgen.commands.build import build

    build(DEMO, out)


def regenerate() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        build_demo(out)
        if GOLDEN.exists():
            shutil.rmtree(GOLDEN)
        for rel, data in golden_files(out).items():
            target = GOLDEN / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
    print(f"Regenerated {GOLDEN.relative_to(ROOT)}", file=sys.stderr)


if __name__ == "__main__":
    regenerate()
