"""`funnelgen new DIR`: a working starter site that builds at once, never overwriting a file."""

from __future__ import annotations

import shutil
from pathlib import Path

from funnelgen.errors import Abort

STARTER = Path(__file__).resolve().parent.parent / "starter"


def new_site(target: Path) -> list[Path]:
    """Copy the starter site into ``target``; refuse if any of its files already exist."""
    files = sorted(p for p in STARTER.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    clashes = [target / p.relative_to(STARTER) for p in files if (target / p.relative_to(STARTER)).exists()]
    if clashes:
        raise Abort(f"{clashes[0]} already exists; funnelgen new never overwrites files "
                    "(choose an empty or new folder)")
    written = []
    for path in files:
        destination = target / path.relative_to(STARTER)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
        written.append(destination)
    return written
