"""`funnelgen new DIR`: a working starter site that builds at once, never overwriting a file."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from pathlib import Path

from funnelgen.errors import Abort
from funnelgen.stops import Stopped

STARTER = Path(__file__).resolve().parent.parent / "starter"
GITIGNORE = """\
# What funnelgen builds and keeps beside it: deploy it, do not commit it.
/public/
/.public.funnelgen-*
"""
GITATTRIBUTES = """\
# Every machine gets the same bytes, so every machine builds the same site: without this, Git for
# Windows (core.autocrlf) changes the line ends of the SVG, CSS and text files it checks out, and
# they are published under other fingerprinted names, with every page that shows them.
* -text
"""
GIT_FILES = {".gitignore": GITIGNORE, ".gitattributes": GITATTRIBUTES}
"""Written into a new site unless the folder has its own."""


def new_site(target: Path) -> list[Path]:
    """Copy the starter site into ``target``; refuse if any of its files already exist, even as a
    link (writing through it would write outside the folder), or a folder in it is a link. Add a
    ``.gitignore`` for the build output and a ``.gitattributes`` that keeps line ends as they are,
    unless the folder has them."""
    files = sorted(p for p in STARTER.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    try:
        _refuse_what_is_in_the_way(target, [target / p.relative_to(STARTER) for p in files])
    except OSError as exc:  # a name too long, a folder that cannot be read …
        raise _cannot_write(target, exc) from None
    written: list[Path] = []  # every file made here, to take back if the next one fails
    made: list[Path] = []  # and every folder, parents first
    destination = target
    try:
        for path in files:
            destination = target / path.relative_to(STARTER)  # not there: checked above
            _make_folders(destination.parent, made)
            written.append(destination)
            shutil.copyfile(path, destination)
        for name, text in GIT_FILES.items():
            destination = target / name
            try:  # one already there (or a link) is the user's: left as it is
                with open(destination, "x", encoding="utf-8") as file:
                    written.append(destination)
                    file.write(text)
            except FileExistsError:
                pass
    except (OSError, KeyboardInterrupt) as exc:  # a full disk, Ctrl-C: take back the half-made site
        for done in written:
            with contextlib.suppress(OSError):
                done.unlink(missing_ok=True)
        for folder in reversed(made):  # deepest first; one that is not empty now is left
            with contextlib.suppress(OSError):
                folder.rmdir()
        if isinstance(exc, KeyboardInterrupt):
            raise Stopped("Stopped (Ctrl-C); nothing was created.") from None
        raise _cannot_write(destination, exc) from None
    return written


def _make_folders(folder: Path, made: list[Path]) -> None:
    """Make ``folder`` and those of its parents that are not there, adding each one this makes
    to ``made`` (a folder already there, or made by someone else meanwhile, is not added)."""
    missing: list[Path] = []
    while not os.path.isdir(folder) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for new in reversed(missing):
        try:
            new.mkdir()
        except FileExistsError:
            continue
        made.append(new)


def _cannot_write(path: Path, exc: OSError) -> Abort:
    reason = exc.strerror or str(exc)
    hint = {errno.ENAMETOOLONG: "choose a shorter name", errno.ENOSPC: "free some space and run it again"
            }.get(exc.errno or 0, "choose a folder you can write to")
    return Abort(f"cannot write {path}: {reason[:1].lower()}{reason[1:]}; nothing was created: {hint}")


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
