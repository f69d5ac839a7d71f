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
    folders = sorted({target / p.parent.relative_to(STARTER) for p in files})
    in_the_way = [f for folder in folders for f in (folder, *folder.parents) if f.exists() and not f.is_dir()]
    if in_the_way:
        raise Abort(f"{in_the_way[0]} is a file where funnelgen new needs a folder (choose another folder)")
    written = []
    for path in files:
        destination = target / path.relative_to(STARTER)
        try:
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, destination)
        except OSError as exc:
            raise Abort(f"cannot write {destination}: {exc.strerror or exc}") from None
        written.append(destination)
    return written
