"""`funnelgen new DIR`: a working starter site that builds at once, never overwriting a file."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from funnelgen.errors import Abort

STARTER = Path(__file__).resolve().parent.parent / "starter"


def new_site(target: Path) -> list[Path]:
    """Copy the starter site into ``target``; refuse if any of its files already exist, even as a
    link (writing through it would write outside the folder), or a folder in it is a link."""
    files = sorted(p for p in STARTER.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    try:
        _refuse_what_is_in_the_way(target, [target / p.relative_to(STARTER) for p in files])
    except OSError as exc:  # a name too long, a folder that cannot be read …
        raise Abort(f"cannot write {target}: {exc.strerror or exc}") from None
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


def _refuse_what_is_in_the_way(target: Path, destinations: list[Path]) -> None:
    clashes = [path for path in destinations if os.path.lexists(path)]
    if clashes:
        raise Abort(f"{clashes[0]} already exists; funnelgen new never overwrites files "
                    "(choose an empty or new folder)")
    folders = sorted({folder for path in destinations for folder in path.parents
                      if folder == target or folder.is_relative_to(target)})
    linked = [folder for folder in folders if folder != target and folder.is_symlink()]
    if linked:
        raise Abort(f"{linked[0]} is a link; funnelgen new only writes into plain folders "
                    "(choose an empty or new folder)")
    in_the_way = [f for folder in folders for f in (folder, *folder.parents) if f.exists() and not f.is_dir()]
    if in_the_way:
        raise Abort(f"{in_the_way[0]} is a file where funnelgen new needs a folder (choose another folder)")
