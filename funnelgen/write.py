"""Stage 5, write: one writer owns the output folder and replaces it whole, atomically.

The build before the last one is kept beside the output as its *spare*
(``.<name>.funnelgen-spare``). The next build updates the spare in place, touching only what
changed, and swaps it with the output in one step; the output it replaces becomes the new
spare. So a build that changes a few pages costs a few pages, and the output is still never
seen half written: while the spare is being updated, its manifest says it is incomplete, and a
build that stops there (killed, failed) leaves it to the next build to remove.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import queue
import re
import secrets
import shutil
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path, PurePosixPath
from types import TracebackType

from funnelgen.errors import Abort
from funnelgen.incremental import Manifest, read_manifest

MARKER = ".funnelgen"
MARKER_TEXT = (
    "This folder is written by 'funnelgen build'. Each build replaces the whole folder,\n"
    "so do not keep your own files here.\n"
)
_STAGING_SUFFIX = ".funnelgen-tmp"
LOCK_SUFFIX = ".funnelgen-lock"
_SPARE_SUFFIX = ".funnelgen-spare"
_TEMPLATES_SUFFIX = ".funnelgen-templates"
_RENAME_EXCHANGE = 2
_REMOVAL_TRIES, _REMOVAL_PAUSE = 3, 0.05  # seconds; see _remove_stale_staging
_QUEUED_FILES = 256  # files waiting for the writing thread, at most: a few MB of pages
_SWITCH_INTERVAL = 0.001  # seconds; see OutputWriter._put
Action = Callable[[Path], None]
"""Puts one file at the given path (whose folder exists)."""


def staging_folders(out: Path, *, only_old: bool = False) -> list[Path]:
    """The staging folders of ``out`` beside it, named exactly as `_make_staging` names them
    (``.<name>.<8 hex digits>.funnelgen-tmp``, with ``.old`` while a swap puts the output back):
    never another output's (``.public.v2.…`` is not ``public``'s). ``only_old``: those with ``.old``."""
    ending = r"\.old" if only_old else r"(?:\.old)?"
    name = re.compile(re.escape(f".{out.name}.") + "[0-9a-f]{8}" + re.escape(_STAGING_SUFFIX) + ending)
    try:
        names = os.listdir(out.parent)
    except OSError:
        return []
    return [out.parent / found for found in sorted(names) if name.fullmatch(found)]


def spare_path(out: Path) -> Path:
    """The previous build but one, kept beside ``out`` to be updated into the next build."""
    return out.parent / f".{out.name}{_SPARE_SUFFIX}"


def template_cache_path(out: Path) -> Path:
    """The theme's templates as the last build compiled them, beside ``out``:
    ``.<name>.funnelgen-templates``."""
    return out.parent / f".{out.name}{_TEMPLATES_SUFFIX}"


def lock_path(out: Path) -> Path:
    """The lock file of ``out``, beside it while a build writes: ``.<name>.funnelgen-lock``."""
    return out.parent / f".{out.name}{LOCK_SUFFIX}"


class OutputWriter:
    """Writes a build into a staging folder beside the output, then swaps it in.

    The staging folder is the spare when there is a sound one (``base`` is then its manifest,
    and every file of it that this build does not write, keep or link is removed), a new
    folder otherwise. A build that fails (or is killed) leaves the previous output exactly as
    it was. Nothing outside the output folder, its spare, its staging folders, its template
    cache and its lock file is ever written or removed. Only one build at a time may write an output folder: a
    second one stops at once with a message naming the first (an advisory lock on the lock
    file, released by the system even when a build is killed).
    """

    def __init__(self, out: Path, site_root: Path, theme_folders: Iterable[Path] = ()) -> None:
        self.out = Path(os.path.abspath(out))
        try:
            _refuse_unsafe(self.out, Path(os.path.abspath(site_root)), theme_folders)
        except OSError as exc:  # a name too long, a folder that cannot be read …
            raise Abort(f"cannot write {self.out}: {_reason(exc)}") from None
        self.staging: Path | None = None
        self.base = Manifest()
        self._replacing = False
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
            self.base = _take_spare(self.out)
            self.staging = spare_path(self.out) if self.base.site_key else _make_staging(self.out)
            self._replacing = bool(self.base.site_key)
            _write_file(self.staging / MARKER, MARKER_TEXT.encode(), replace=True)  # incomplete now
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
        """Remove what is left of the staging folder and let other builds write the output.
        A spare that was being updated is left, marked incomplete, for the next build to remove:
        removing it here would make every failed build in a dev loop as slow as a full one."""
        if self._thread is not None:  # the build failed: drop what is still queued
            self._failure = self._failure or Abort("the build stopped")
            with contextlib.suppress(BaseException):
                self._finish_writing()
        if self.staging is not None and not self._replacing:
            remove_tree(self.staging)
            self.staging = None
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def template_cache(self, code: str) -> Path | None:
        """The folder where this build finds the templates the last one compiled, and leaves
        those it compiles; what another funnelgen (``code``: its code key) compiled is removed.
        None when something else than a folder is at its name: nothing is written through it."""
        folder = template_cache_path(self.out)
        try:
            with contextlib.suppress(FileExistsError):
                folder.mkdir(mode=0o700)
            if folder.is_symlink() or not folder.is_dir():
                return None
            for path in folder.iterdir():
                if not path.name.startswith(code) and not path.is_symlink() and path.is_file():
                    path.unlink()
        except OSError:
            return None  # a read-only folder: the build compiles its templates, as without one
        return folder

    def _cannot_write(self, exc: OSError, name: str | None = None) -> Abort:
        reason = _reason(exc)
        where = f" (writing {name})" if name else ""
        hint = (": make it and the folder that holds it writable, or choose another -o folder"
                if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else "")
        return Abort(f"cannot write {self.out}: {reason}{where}; the output folder was left as it was{hint}")

    def _target(self, name: str) -> Path:
        """Where ``name`` goes in the staging folder; each name is written once, inside it."""
        return Path(self._claim(name))

    def _claim(self, name: str) -> str:
        """Record that this build writes ``name``; the path of its file in the staging folder.
        (Plain strings: this runs for every file, and pathlib would cost more than the rest.)"""
        with self._guard:
            if name in self.written or name.startswith("/") or any(
                    part in ("", ".", "..") for part in name.split("/")):
                reason = "is written twice" if name in self.written else "is outside the output folder"
                raise Abort(f"internal error: output file '{name}' {reason}")
            if self.staging is None:
                raise Abort(f"internal error: output file '{name}' written after the build ended")
            self.written.add(name)
            return f"{self.staging}/{name}"

    def record(self, name: str) -> None:
        """A forked worker wrote ``name`` through its copy of this writer."""
        self._target(name)

    def _put(self, name: str, action: Action, *, queued: bool = True) -> None:
        """Have ``action`` put file ``name`` in place: by the writing thread, so that the file
        system's slow work (making folders and files) overlaps the rendering of the next
        pages. A forked worker, which has no such thread, writes at once, and so does anyone
        for an action that is not worth handing over (``queued=False``)."""
        target = self._target(name)
        if os.getpid() != self._process:
            self._do(name, target, action)
            return
        if self._failure is not None:
            raise self._failure
        if not queued:
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
            if self._replacing:
                _make_way(target)
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
            try:
                folder.mkdir()
            except FileExistsError:  # made by another worker, or already in the spare
                if not stat.S_ISDIR(os.lstat(folder).st_mode):  # the spare has a file there
                    _remove(folder)
                    with contextlib.suppress(FileExistsError):  # another worker did the same
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
        file system has none. A file two names share is never written into (see `_make_way`),
        so the output and the spare can share one. Linked at once, not queued: the building thread has nothing
        to do meanwhile, and handing the interpreter to the writing thread and back for each
        link cost more than the link (one funnel changed at 10,000 pages: 0.71x)."""
        def link(target: Path) -> None:
            if self._replacing:  # a link needs the name free: the spare's own file is still there
                _remove(target)
            try:
                os.link(previous, target)
            except OSError:
                shutil.copyfile(previous, target)

        self._put(name, link, queued=False)

    def keep(self, name: str, previous: Path) -> None:
        """The spare already holds this very file (the caller knows it from the spare's
        manifest): leave it there. Linked from the ``previous`` output if it went missing."""
        try:
            if stat.S_ISREG(os.lstat(self._claim(name)).st_mode):
                return
        except OSError:
            pass
        self.written.discard(name)
        self.link(name, previous / name)

    def commit(self, marker: str) -> None:
        """Put the new build in place of the old one in a single step; ``marker`` is the text of
        its marker file, what the next build may reuse (see incremental.py). The previous
        output becomes the spare."""
        self._finish_writing()
        staging = self.staging
        if staging is None:
            raise Abort("internal error: the build was committed twice")
        try:
            if self._replacing:
                self._remove_unwritten(staging)
            _write_file(staging / MARKER, marker.encode("utf-8"), replace=True)
        except OSError as exc:
            raise self._cannot_write(exc, MARKER) from None
        try:
            if not self.out.exists():
                os.rename(staging, self.out)
                self.staging = None
                return
            if _exchange(staging, self.out):
                previous = staging
            else:
                previous = self.out.parent / f".{self.out.name}.{secrets.token_hex(4)}{_STAGING_SUFFIX}.old"
                os.rename(self.out, previous)
                try:
                    os.rename(staging, self.out)
                except OSError:
                    os.rename(previous, self.out)  # put the previous build back
                    raise
        except OSError as exc:
            raise self._cannot_write(exc) from None
        self.staging = None
        if previous != spare_path(self.out):
            _keep_as_spare(previous, spare_path(self.out))

    def _remove_unwritten(self, staging: Path) -> None:
        """Remove the spare's files that this build neither wrote nor kept, then the folders
        that left empty, deepest first."""
        folders: set[Path] = set()
        real = staging.resolve()
        for name in self.base.files() - self.written:
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts or not path.parts:
                continue  # not a name a build writes: the manifest was tampered with
            target = staging.joinpath(*path.parts)
            if not target.parent.resolve().is_relative_to(real):
                continue  # a folder of the spare was replaced by a link to elsewhere
            _remove(target)
            folders.update(p for p in target.parents if p.is_relative_to(staging) and p != staging)
        for folder in sorted(folders, key=lambda f: len(f.parts), reverse=True):
            with contextlib.suppress(OSError):  # not empty: it holds files of this build
                folder.rmdir()


class _BuildLock:
    """An exclusive ``flock`` on the lock file beside the output, held for one build.

    The file holds the process id of the command that holds it, and what it does (``build``, or
    ``deploy``, which reads the output). It is removed when the command ends; one that was killed
    leaves the file but not the lock, which the system releases.
    """

    def __init__(self, path: Path, out: Path, doing: str = "build") -> None:
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
                pid, holder = _holder(fd)
                os.close(fd)
                what = ("funnelgen deploy is publishing" if holder == "deploy"
                        else "another funnelgen build is writing")
                raise Abort(f"{what} {out} (pid {pid}); try again when it has finished") from None
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
        try:
            os.ftruncate(fd, 0)
            os.write(fd, f"{os.getpid()} {doing}\n".encode())
        except BaseException:  # a full disk: the file is not left behind
            self.release()
            raise

    def release(self) -> None:
        if self.fd is None:
            return
        with contextlib.suppress(OSError):
            os.unlink(self.path)  # while still holding the lock, so no other build holds this file
        os.close(self.fd)
        self.fd = None
        _HELD.discard(self)


_HELD: set[_BuildLock] = set()


@contextlib.contextmanager
def no_build_writing(out: Path) -> Iterator[None]:
    """Hold the output's build lock while reading the output as a whole (a deploy), so that no build
    swaps it halfway through; a build writing it now stops this at once, naming it."""
    out = Path(os.path.abspath(out))
    try:
        lock = _BuildLock(lock_path(out), out, "deploy")
    except OSError:  # a folder that cannot be written (a read-only copy): nothing can build into it
        yield
        return
    try:
        yield
    finally:
        lock.release()


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


def _holder(fd: int) -> tuple[str, str]:
    """The process id written in a lock file by the command that holds it, and what it does."""
    for _ in range(20):  # it writes them just after it gets the lock
        with contextlib.suppress(OSError):
            pid, _, doing = os.pread(fd, 64, 0).decode("ascii", "replace").strip().partition(" ")
            if pid.isdigit():
                return pid, doing
        time.sleep(0.01)
    return "unknown", ""


def _write_file(path: Path, data: bytes, *, replace: bool = False) -> None:
    """A new file holding ``data``, in three system calls (open, write, close). Each call lets the
    rendering thread take the interpreter, which the writing thread then waits to get back:
    Python's own file objects make three more calls per file (fstat, ioctl, lseek).
    ``replace``: remove what is at ``path`` first, so that a file linked elsewhere is not changed."""
    if replace:
        _remove(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _make_way(path: Path) -> None:
    """Clear ``path`` in the spare for the file this build puts there. A file no other name
    shares is left for the new bytes to overwrite; anything else is removed, so a file the
    output shares (taken unchanged from the build before) is never written into. Overwriting
    spares the file system removing one file and making another: on ext4 without a journal,
    making a file searches past every file removed in the last minute, and a full rebuild over
    the spare removed them all first (10,000 pages over the spare, one process: 2.0 s of system
    time instead of 2.5, median of 4, together with the spool of spool.py)."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    own = stat.S_ISREG(info.st_mode) and info.st_nlink == 1 and info.st_uid == os.geteuid()
    if not (own and info.st_mode & stat.S_IWUSR):
        _remove(path)


def _remove(path: Path) -> None:
    """Remove what is at ``path`` in the spare, if anything: a file, a link, or a folder."""
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    except IsADirectoryError:
        shutil.rmtree(path)
    except PermissionError:  # some systems refuse to unlink a folder this way
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            raise
        shutil.rmtree(path)


def _keep_as_spare(previous: Path, spare: Path) -> None:
    """Make the previous build the spare; remove it if the spare's name is taken. The empty
    folder given as the first output is only removed: a spare without a marker is never used,
    and it would take the spare's name for good."""
    if not (previous / MARKER).is_file():
        with contextlib.suppress(OSError):  # not empty after all: kept as the spare, unused
            os.rmdir(previous)
            return
    try:
        if not os.path.lexists(spare):
            os.rename(previous, spare)
            return
    except OSError:
        pass
    remove_tree(previous)


def _take_spare(out: Path) -> Manifest:
    """The manifest of the spare beside ``out`` if it is a complete build; an empty one if there
    is none. A spare left incomplete (its build was killed or failed) is removed; anything at its
    name that funnelgen did not make is left alone and not used."""
    spare = spare_path(out)
    if spare.is_symlink() or not spare.is_dir() or not (spare / MARKER).is_file():
        return Manifest()
    base = read_manifest(spare)
    if not base.site_key:
        remove_tree(spare)
    return base


def _reason(exc: OSError) -> str:
    """'no space left on device', 'read-only file system', … as one lowercase phrase."""
    if exc.errno == errno.EXDEV:
        return "the staging folder and the output folder are on different file systems"
    text = exc.strerror or str(exc)
    return text[:1].lower() + text[1:]


def _refuse_unsafe(out: Path, site_root: Path, theme_folders: Iterable[Path] = ()) -> None:
    if out.parent == out or out.resolve().parent == out.resolve():
        raise Abort(f"refusing to write to {out}: it is the root of the file system; "
                    "choose another -o folder")
    for o, s in ((out, site_root), (out.resolve(), site_root.resolve())):  # as written, and real
        if o == s or s.is_relative_to(o):
            raise Abort(f"refusing to write to {out}: it holds the site itself; choose another -o folder")
        for folder in ("funnels", "assets", "content", "templates"):
            if o.is_relative_to(s / folder):
                raise Abort(f"refusing to write to {out}: it is inside the site's {folder}/ folder; "
                            "choose another -o folder")
    for theme in theme_folders:  # its files are part of every page: each build would change it
        if out.is_relative_to(theme) or out.resolve().is_relative_to(theme.resolve()):
            raise Abort(f"refusing to write to {out}: it is inside the theme folder {theme}; "
                        "choose another -o folder")
        if theme.is_relative_to(out) or theme.resolve().is_relative_to(out.resolve()):  # a build replaces it
            raise Abort(f"refusing to write to {out}: it holds the theme folder {theme}; move the "
                        "theme out of it or choose another -o folder")
    home = Path(os.path.expanduser("~"))
    if home != Path("~") and (out == home or home.is_relative_to(out)):
        what = "is your home folder" if out == home else "holds your home folder"
        raise Abort(f"refusing to write to {out}: it {what}; choose another -o folder")
    for holder in _ancestors(out):  # a build replaces its output whole: never nest one in another
        if _made_by_funnelgen(holder):
            raise Abort(f"refusing to write to {out}: it is inside {holder}, a folder that funnelgen "
                        "builds (each build replaces it whole); choose an -o folder outside it")
        if holder.exists() and not holder.is_dir():
            raise Abort(f"refusing to write to {out}: {holder} is a file, not a folder; "
                        "choose another -o folder")
    if out.is_symlink():
        raise Abort(f"refusing to write to {out}: it is a symbolic link; choose another -o folder")
    if out.exists() and not out.is_dir():
        raise Abort(f"refusing to write to {out}: it is a file, not a folder; choose another -o folder")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise Abort(
            f"refusing to replace {out}: it was not made by funnelgen (no {MARKER} file in it); "
            "choose another -o folder or empty it yourself"
        )


def _made_by_funnelgen(folder: Path) -> bool:
    """Whether ``folder`` is an output (or spare, or staging folder) of a funnelgen build: its
    marker says so (a `.funnelgen` file of some other program's, in a home folder say, does not)."""
    marker = folder / MARKER
    try:
        if not marker.is_file():
            return False
        with open(marker, "rb") as file:
            return b"written by 'funnelgen build'" in file.read(512)
    except OSError:
        return False


def _ancestors(out: Path) -> list[Path]:
    """The folders that hold ``out``, as written and as they really are (through links)."""
    return list(dict.fromkeys([*out.parents, *out.resolve().parents]))


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
    if not os.path.lexists(lock_path(out)) and not staging_folders(out):
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
        for previous in staging_folders(out, only_old=True):
            if not previous.is_symlink() and (previous / MARKER).is_file():
                os.rename(previous, out)
                break
    for path in staging_folders(out):
        if path.is_symlink() or not path.is_dir():
            continue
        if (path / MARKER).is_file():
            for _ in range(_REMOVAL_TRIES):  # a killed build's workers die with it, a moment later:
                remove_tree(path)  # one may still write a last file into the folder
                if not path.exists():
                    break
                time.sleep(_REMOVAL_PAUSE)
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
    import ctypes  # here, not above: a build with nothing to do never swaps (ctypes takes 7 ms)

    libc = ctypes.CDLL(None, use_errno=True)  # this process's own C library: no search for it
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
