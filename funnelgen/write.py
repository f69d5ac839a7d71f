"""Stage 5, write: one writer owns the output folder and replaces it whole, atomically."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath
from types import TracebackType

from funnelgen.errors import Abort

MARKER = ".funnelgen"
MARKER_TEXT = (
    "This folder is written by 'funnelgen build'. Each build replaces the whole folder,\n"
    "so do not keep your own files here.\n"
)
_STAGING_SUFFIX = ".funnelgen-tmp"
_RENAME_EXCHANGE = 2


class OutputWriter:
    """Writes a build into a staging folder beside the output, then swaps it in.

    A build that fails (or is killed) leaves the previous output exactly as it was.
    Nothing outside the output folder and its staging folder is ever written or removed.
    """

    def __init__(self, out: Path, site_root: Path) -> None:
        self.out = Path(os.path.abspath(out))
        _refuse_unsafe(self.out, Path(os.path.abspath(site_root)))
        self.out.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_staging(self.out)
        self.staging = Path(tempfile.mkdtemp(prefix=f".{self.out.name}.", suffix=_STAGING_SUFFIX,
                                             dir=self.out.parent))
        (self.staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        self.written: set[str] = {MARKER}

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self.staging.exists():
            shutil.rmtree(self.staging, ignore_errors=True)

    def _target(self, name: str) -> Path:
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts or not path.parts or name in self.written:
            reason = "is written twice" if name in self.written else "is outside the output folder"
            raise Abort(f"internal error: output file '{name}' {reason}")
        self.written.add(name)
        target = self.staging.joinpath(*path.parts)
        target.parent.mkdir(parents=True, exist_ok=True)
        return target

    def write(self, name: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content
        self._target(name).write_bytes(data)

    def copy(self, name: str, source: Path) -> None:
        shutil.copyfile(source, self._target(name))

    def commit(self) -> None:
        """Put the new build in place of the old one in a single step."""
        if not self.out.exists():
            os.rename(self.staging, self.out)
            return
        if _exchange(self.staging, self.out):
            shutil.rmtree(self.staging)  # now holds the previous build
            return
        previous = self.staging.with_name(self.staging.name + ".old")
        os.rename(self.out, previous)
        os.rename(self.staging, self.out)
        shutil.rmtree(previous)


def _refuse_unsafe(out: Path, site_root: Path) -> None:
    for o, s in ((out, site_root), (out.resolve(), site_root.resolve())):  # as written, and real
        if o == s or s.is_relative_to(o):
            raise Abort(f"refusing to write to {out}: it holds the site itself; choose another -o folder")
        for folder in ("funnels", "assets", "content", "templates"):
            if o.is_relative_to(s / folder):
                raise Abort(f"refusing to write to {out}: it is inside the site's {folder}/ folder")
    if out.is_symlink():
        raise Abort(f"refusing to write to {out}: it is a symbolic link")
    if out.exists() and not out.is_dir():
        raise Abort(f"refusing to write to {out}: it is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise Abort(
            f"refusing to replace {out}: it was not made by funnelgen (no {MARKER} file in it); "
            "choose another -o folder or empty it yourself"
        )


def _remove_stale_staging(out: Path) -> None:
    """Staging folders left by builds that were killed; only ever ours."""
    if not out.exists():  # killed between the two renames of the fallback swap
        for previous in out.parent.glob(f".{out.name}.*{_STAGING_SUFFIX}.old"):
            if (previous / MARKER).is_file():
                os.rename(previous, out)
                break
    for path in out.parent.glob(f".{out.name}.*{_STAGING_SUFFIX}*"):
        if path.is_dir() and not path.is_symlink() and (path / MARKER).is_file():
            shutil.rmtree(path, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically with Linux renameat2(RENAME_EXCHANGE); False if unsupported."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    with contextlib.suppress(OSError):
        result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
        if result == 0:
            return True
    return False
