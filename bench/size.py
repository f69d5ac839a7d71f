"""Sizes that matter on a phone: the runtime, and every page of the demo site as built.

    python bench/size.py

Page weight is the HTML with its inlined CSS and runtime (what a visitor downloads before
any image); the target is at most 25 KB uncompressed, and the runtime under 4 KB gzipped.
"""

from __future__ import annotations

import gzip
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from funnelgen.commands.build import build  # noqa: E402

RUNTIME = ROOT / "funnelgen" / "runtime"


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=9, mtime=0))


def main() -> None:
    source = (RUNTIME / "funnelgen.js").read_bytes()
    shipped = (RUNTIME / "funnelgen.min.js").read_bytes()
    core = (RUNTIME / "funnelgen-core.min.js").read_bytes()
    print("runtime                    bytes    gzip")
    print(f"  source (funnelgen.js)   {len(source):6}  {gzipped(source):6}")
    print(f"  shipped (minified)      {len(shipped):6}  {gzipped(shipped):6}   target: gzip < 4096")
    print(f"  without analytics       {len(core):6}  {gzipped(core):6}   (sites that send nothing)")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        build(ROOT / "sites" / "demo", out)
        pages = sorted(out.rglob("*.html"))
        print(f"\ndemo pages ({len(pages)})               bytes    gzip   target: bytes <= 25600")
        for page in pages:
            data = page.read_bytes()
            print(f"  {page.relative_to(out).as_posix():<36}{len(data):6}  {gzipped(data):6}")
        largest = max(len(p.read_bytes()) for p in pages)
        print(f"\nlargest page: {largest} bytes ({largest / 25600:.0%} of the 25 KB budget)")


if __name__ == "__main__":
    main()
