"""Stage 5, write: one writer owns the output folder and replaces it whole, atomically."""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import errno
import fcntl
import os
import queue
import secrets
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from types import TracebackType

from funnelgen.errors import Abort

MARKER = ".funnelgen"
MARKER_TEXT = (
    "This folder is written by 'funnelgen build'. Each build replaces the whole folder,\n"
    "so do not keep your own files here.\n"
)
_STAGING_SUFFIX = ".funnelgen-tmp"
LOCK_SUFFIX = ".funnelgen-lock"
_RENAME_EXCHANGE = 2
_QUEUED_FILES = 256  # files waiting for the writing thread, at most: a few MB of pages
_SWITCH_INTERVAL = 0.001  # seconds; see OutputWriter._put
Action = Callable[[Path], None]
"""Puts one file at the given path (whose folder exists)."""


def staging_glob(out: Path) -> str:
    """The names of the staging folders of ``out``, beside it: ``.<name>.<random>.funnelgen-tmp``."""
    return f".{out.name}.*{_STAGING_SUFFIX}*"


def lock_path(out: Path) -> Path:
    """The lock file of ``out``, beside it while a build writes: ``.<name>.funnelgen-lock``."""
    return out.parent / f".{out.name}{LOCK_SUFFIX}"


class OutputWriter:
    """Writes a build into a staging folder beside the output, then swaps it in.

    A build that fails (or is killed) leaves the previous output exactly as it was.
    Nothing outside the output folder, its staging folders and its lock file is ever written
    or removed. Only one build at a time may write an output folder: a second one stops at
    once with a message naming the first (an advisory lock on the lock file, released by the
    system even when a build is killed).
    """

    def __init__(self, out: Path, site_root: Path) -> None:
        self.out = Path(os.path.abspath(out))
        _refuse_unsafe(self.out, Path(os.path.abspath(site_root)))
        self.staging: Path | None = None
        self._lock: _BuildLock | None = None
        self._guard = threading.Lock()
        self._queue: queue.Queue[tuple[str, Path, Action] | None] = queue.Queue(_QUEUED_FILES)
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None
        self._switch_interval = sys.getswitchinterval()
        self._process = os.getpid()
        try:
            self.out.parent.mkdir(parents=True, exist_ok=True)
            self._lock = _BuildLock(lock_path(self.out), self.out)
            _remove_stale_staging(self.out)
            self.staging = _make_staging(self.out)
            (self.staging / MARKER).write_text(MARKER_TEXT, encoding="utf-8")
        except OSError as exc:
            self.close()
            raise self._cannot_write(exc) from None
        except BaseException:
            self.close()
            raise
        self.written: set[str] = {MARKER}
        self._folders: set[Path] = {self.staging}

    def __enter__(self) -> OutputWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Remove what is left of the staging folder and let other builds write the output."""
        if self._thread is not None:  # the build failed: drop what is still queued
            self._failure = self._failure or Abort("the build stopped")
            with contextlib.suppress(BaseException):
                self._finish_writing()
        if self.staging is not None:
            remove_tree(self.staging)
            self.staging = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def _cannot_write(self, exc: OSError, name: str | None = None) -> Abort:
        reason = _reason(exc)
        where = f" (writing {name})" if name else ""
        return Abort(f"cannot write {self.out}: {reason}{where}; the output folder was left as it was")

    def _target(self, name: str) -> Path:
        """Where ``name`` goes in the staging folder; each name is written once, inside it."""
        path = PurePosixPath(name)
        with self._guard:
            if path.is_absolute() or ".." in path.parts or not path.parts or name in self.written:
                reason = "is written twice" if name in self.written else "is outside the output folder"
                raise Abort(f"internal error: output file '{name}' {reason}")
            if self.staging is None:
                raise Abort(f"internal error: output file '{name}' written after the build ended")
            self.written.add(name)
            return self.staging.joinpath(*path.parts)

    def record(self, name: str) -> None:
        """A forked worker wrote ``name`` through its copy of this writer."""
        self._target(name)

    def _put(self, name: str, action: Action, *, queue: bool = True) -> None:
        """Have ``action`` put file ``name`` in place: by the writing thread, so that the file
        system's slow work (making folders and files) overlaps the rendering of the next
        pages. A forked worker, which has no such thread, writes at once, and so does anyone
        for an action that is not worth handing over (``queue=False``)."""
        target = self._target(name)
        if os.getpid() != self._process:
            self._do(name, target, action)
            return
        if self._failure is not None:
            raise self._failure
        if not queue:
            self._do(name, target, action)
            return
        if self._thread is None:
            self._thread = threading.Thread(target=self._write_queued, name="funnelgen-writer", daemon=True)
            # The writing thread gives up the interpreter at each system call and waits for the
            # rendering thread to hand it back: after 1 ms instead of Python's usual 5.
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(self._switch_interval, _SWITCH_INTERVAL))
            self._thread.start()
        self._queue.put((name, target, action))

    def _write_queued(self) -> None:
        while (item := self._queue.get()) is not None:
            if self._failure is None:  # after a failure, the rest is only taken off the queue
                try:
                    self._do(*item)
                except BaseException as exc:  # handed to the building thread
                    self._failure = exc

    def _do(self, name: str, target: Path, action: Action) -> None:
        try:
            if target.parent not in self._folders:
                self._make_folders(target.parent)
            action(target)
        except OSError as exc:
            raise self._cannot_write(exc, name) from None

    def _make_folders(self, folder: Path) -> None:
        """Make ``folder`` and those of its parents not made yet, top down: one mkdir for each
        (pathlib's `mkdir(parents=True)` first fails on the folder, then on its parents)."""
        missing = []
        while folder not in self._folders:
            missing.append(folder)
            folder = folder.parent
        for folder in reversed(missing):
            with contextlib.suppress(FileExistsError):  # made by another worker
                folder.mkdir()
            self._folders.add(folder)

    def _finish_writing(self) -> None:
        """Wait until every queued file is written; raise what made writing fail."""
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
            sys.setswitchinterval(self._switch_interval)
        if self._failure is not None:
            raise self._failure

    def write(self, name: str, content: str | bytes) -> None:
        data = content.encode("utf-8") if isinstance(content, str) else content

        self._put(name, lambda target: _write_file(target, data))

    def copy(self, name: str, source: Path) -> None:
        def copy(target: Path) -> None:
            try:
                shutil.copyfile(source, target)
            except OSError as exc:
                if exc.filename == os.fspath(source) and exc.filename2 is None:  # not the write side
                    raise Abort(f"cannot read {source}: {_reason(exc)}") from None
                raise

        self._put(name, copy)

    def link(self, name: str, previous: Path) -> None:
        """Take an unchanged file from the previous output: a hard link, or a copy where the
        file system has none. Files are only ever replaced whole, never edited, so the two
        names can share one file. Linked at once, not queued: the building thread has nothing
        to do meanwhile, and handing the interpreter to the writing thread and back for each
        link cost more than the link (one funnel changed at 10,000 pages: 0.71x)."""
        def link(target: Path) -> None:
            try:
                os.link(previous, target)
            except OSError:
                shutil.copyfile(previous, target)

        self._put(name, link, queue=False)

    def write_marker(self, text: str) -> None:
        """The marker file's content: what the next build may reuse (see incremental.py)."""
        assert self.staging is not None
        self._finish_writing()
        try:
            (self.staging / MARKER).write_text(text, encoding="utf-8")
        except OSError as exc:
            raise self._cannot_write(exc, MARKER) from None

    def commit(self) -> None:
        """Put the new build in place of the old one in a single step."""
        self._finish_writing()
        staging = self.staging
        if staging is None:
            raise Abort("internal error: the build was committed twice")
        try:
            if not self.out.exists():
                os.rename(staging, self.out)
                self.staging = None
            elif _exchange(staging, self.out):
                pass  # the staging folder now holds the previous build, removed by close()
            else:
                previous = staging.with_name(staging.name + ".old")
                os.rename(self.out, previous)
                try:
                    os.rename(staging, self.out)
                except OSError:
                    os.rename(previous, self.out)  # put the previous build back
                    raise
                self.staging = previous  # removed by close(); if that fails, by the next build
        except OSError as exc:
            raise self._cannot_write(exc) from None


class _BuildLock:
    """An exclusive ``flock`` on the lock file beside the output, held for one build.

    The file holds the process id of the build that holds it. It is removed when the build
    ends; a build that was killed leaves the file but not the lock, which the system releases.
    """

    def __init__(self, path: Path, out: Path) -> None:
        self.path = path
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            except OSError as exc:
                if exc.errno == errno.ELOOP:
                    raise Abort(f"refusing to write to {out}: {path} is a symbolic link") from None
                raise
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                pid = _holder(fd)
                os.close(fd)
                raise Abort(f"another funnelgen build is writing {out} (pid {pid}); "
                            "try again when it has finished") from None
            except BaseException:
                os.close(fd)
                raise
            try:  # the build that held it may have removed the file just before we locked it
                current = os.stat(path, follow_symlinks=False)
            except FileNotFoundError:
                current = None
            if current is not None and os.path.samestat(os.fstat(fd), current):
                break
            os.close(fd)
        self.fd: int | None = fd
        _HELD.add(self)
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # while still holding the lock, so no other build holds this file
        os.close(self.fd)
        self.fd = None
        _HELD.discard(self)


_HELD: set[_BuildLock] = set()


def _forget_locks_in_child() -> None:
    """A forked worker (parallel rendering) drops its copy of the lock: it must neither keep the
    output locked after its build was killed, nor release or remove the lock file itself."""
    for lock in _HELD:
        if lock.fd is not None:
            with contextlib.suppress(OSError):
                os.close(lock.fd)
            lock.fd = None
    _HELD.clear()


os.register_at_fork(after_in_child=_forget_locks_in_child)


def _holder(fd: int) -> str:
    """The process id written in a lock file by the build that holds it."""
    for _ in range(20):  # it writes its pid just after it gets the lock
        with contextlib.suppress(OSError):
            text = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            if text.isdigit():
                return text
        time.sleep(0.01)
    return "unknown"


def _write_file(path: Path, data: bytes) -> None:
    """A new file holding ``data``, in three system calls (open, write, close). Each call lets the
    rendering thread take the interpreter, which the writing thread then waits to get back:
    Python's own file objects make three more calls per file (fstat, ioctl, lseek)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _reason(exc: OSError) -> str:
    """'no space left on device', 'read-only file system', … as one lowercase phrase."""
    if exc.errno == errno.EXDEV:
        return "the staging folder and the output folder are on different file systems"
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _refuse_unsafe(out: Path, site_root: Path) -> None:
    if out.parent == out or out.resolve().parent == out.resolve():
        raise Abort(f"refusing to write to {out}: it is the root of the file system; "
                    "choose another -o folder")
    for o, s in ((out, site_root), (out.resolve(), site_root.resolve())):  # as written, and real
        if o == s or s.is_relative_to(o):
            raise Abort(f"refusing to write to {out}: it holds the site itself; choose another -o folder")
        for folder in ("funnels", "assets", "content", "templates"):
            if o.is_relative_to(s / folder):
                raise Abort(f"refusing to write to {out}: it is inside the site's {folder}/ folder")
    home = Path(os.path.expanduser("~"))
    if home != Path("~") and (out == home or home.is_relative_to(out)):
        raise Abort(f"refusing to write to {out}: it holds your home folder; choose another -o folder")
    if out.is_symlink():
        raise Abort(f"refusing to write to {out}: it is a symbolic link")
    if out.exists() and not out.is_dir():
        raise Abort(f"refusing to write to {out}: it is a file, not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise Abort(
            f"refusing to replace {out}: it was not made by funnelgen (no {MARKER} file in it); "
            "choose another -o folder or empty it yourself"
        )


def _make_staging(out: Path) -> Path:
    """A new, empty staging folder beside ``out``, with the usual permissions (not mkdtemp's 0700:
    the folder becomes the output, which a web server running as another user must read)."""
    for _ in range(100):
        path = out.parent / f".{out.name}.{secrets.token_hex(4)}{_STAGING_SUFFIX}"
        try:
            path.mkdir(mode=0o777)  # less the umask, like any folder the user makes
            return path
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free name for a staging folder", str(out.parent))


def remove_leftovers(out: Path) -> None:
    """Remove what killed builds left beside ``out`` (staging folders, the lock file), unless a
    build is writing ``out`` right now. For a build that finds the output up to date: it
    writes nothing, but still cleans up after a build that was killed."""
    out = Path(os.path.abspath(out))
    if not os.path.lexists(lock_path(out)) and not any(out.parent.glob(staging_glob(out))):
        return
    try:
        lock = _BuildLock(lock_path(out), out)
    except (Abort, OSError):
        return  # another build is writing (it cleans up itself), or the folder is read-only
    try:
        _remove_stale_staging(out)
    except OSError:
        pass
    finally:
        lock.release()


def _remove_stale_staging(out: Path) -> None:
    """Staging folders left by builds that were killed; only ever ours. Run under the lock."""
    if not out.exists():  # killed between the two renames of the fallback swap
        for previous in out.parent.glob(f".{out.name}.*{_STAGING_SUFFIX}.old"):
            if not previous.is_symlink() and (previous / MARKER).is_file():
                os.rename(previous, out)
                break
    for path in out.parent.glob(staging_glob(out)):
        if path.is_symlink() or not path.is_dir():
            continue
        if (path / MARKER).is_file():
            remove_tree(path)
        else:  # killed before its marker was written: only ever empty
            with contextlib.suppress(OSError):
                path.rmdir()


def remove_tree(path: Path) -> None:
    """Remove a staging folder with its ``.funnelgen`` marker last.

    A build killed halfway through leaves a folder that still has its marker, so the next
    build knows it is funnelgen's and removes it; without the marker it would be left alone.
    """
    with contextlib.suppress(OSError):
        for child in path.iterdir():
            if child.name == MARKER:
                continue
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    child.unlink()
    with contextlib.suppress(OSError):
        if any(child.name != MARKER for child in path.iterdir()):
            return  # something could not be removed: keep the marker for the next build
        (path / MARKER).unlink(missing_ok=True)
        path.rmdir()


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders atomically with Linux renameat2(RENAME_EXCHANGE).

    False if the system cannot; an OSError if it can but the swap failed (full, read-only …).
    """
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False  # this kernel or file system cannot swap: rename twice instead
    raise OSError(code, os.strerror(code), str(b))
