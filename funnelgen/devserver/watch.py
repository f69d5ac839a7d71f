"""Watching a site's sources: its folder (not its output folder or hidden files) and its theme chain."""

from __future__ import annotations

import errno
import os
import stat
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from watchfiles import Change, DefaultFilter, watch

STEP_MS = 20
"""A batch of changes ends after this long without another: editors save in a burst of events."""
DEBOUNCE_MS = 1600
"""…or after this long in any case."""
IDLE_MS = 250
"""How often the watcher wakes without changes (to stop, and to look whether a watched folder
was removed, renamed or replaced)."""
RETRY_SECONDS = (0.25, 0.5, 1.0, 2.0)
"""Waits before watching again after watching failed (the site folder is missing, or the
operating system refused): a folder moved back, or a passing error, is watched again. After
the last, watching stops with one line."""


def watched_folders(site: Path, theme_folders: Sequence[Path]) -> tuple[Path, ...]:
    """The site folder and every theme folder not already inside it."""
    site = site.resolve()
    folders = [site]
    for folder in (f.resolve() for f in theme_folders):
        if not any(folder.is_relative_to(f) for f in folders):
            folders.append(folder)
    return tuple(folders)


class SourceFilter(DefaultFilter):
    """The default filter (editor temp files, .git, __pycache__…), plus: nothing under the site's
    own output folder `public/`, and no hidden file or folder inside a watched folder."""

    def __init__(self, site: Path, folders: Sequence[Path]) -> None:
        self.output = site.resolve() / "public"
        self.folders = list(folders)
        super().__init__()

    def __call__(self, change: Change, path: str) -> bool:
        file = Path(path)
        if file.is_relative_to(self.output):
            return False
        for folder in self.folders:
            if file.is_relative_to(folder):
                if any(part.startswith(".") for part in file.relative_to(folder).parts):
                    return False
                break
        return super().__call__(change, path)


class Watcher:
    """Calls ``on_change`` with each batch of changed files until ``stop`` is called.

    ``folders`` is asked again after each batch: when it differs (site.yml switched theme),
    watching starts over on the new folders. An exception from either goes to ``on_error``, and
    watching goes on: the next save is seen.

    A watched folder that is removed, renamed or replaced (the operating system then watches the
    old one, or nothing) is noticed within ``IDLE_MS``, and watching starts over on the folders
    there now; one that comes back counts as changed. When the site folder is missing, or
    watching fails (`watchfiles` raises: the system's watch limit, say), it is tried again
    after each of ``RETRY_SECONDS``; then ``on_give_up`` gets the folder and what happened,
    and the watcher ends.
    """

    def __init__(self, site: Path, folders: Callable[[], tuple[Path, ...]],
                 on_change: Callable[[list[Path]], None], on_error: Callable[[Exception], None],
                 on_give_up: Callable[[Path, str], None]) -> None:
        self.site = site
        self.folders = folders
        self.on_change = on_change
        self.on_error = on_error
        self.on_give_up = on_give_up
        self.ready = threading.Event()
        """Set once the operating system is watching (changes from then on are seen)."""
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="funnelgen watch", daemon=True)

    def start(self, timeout: float = 5.0) -> None:
        self._thread.start()
        self.ready.wait(timeout)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    @property
    def running(self) -> bool:
        """False once stopped, or once watching failed for good."""
        return self._thread.is_alive()

    def _run(self) -> None:
        failures = 0
        known: dict[Path, tuple[int, int] | None] = {}
        while not self._stop.is_set():
            try:
                folders = self.folders()
                present = {folder: _identity(folder) for folder in folders}
                # Folders that came back, or were replaced: their files may differ.
                back = {(Change.added, str(folder)) for folder, now in present.items()
                        if now is not None and known.get(folder, now) != now}
                known = present
                if present[folders[0]] is None:  # the site's: nothing to build from
                    raise FileNotFoundError(errno.ENOENT, "no such folder", str(folders[0]))
                watching = tuple(f for f in folders if present[f] is not None)  # a theme's: the build says
                batches = watch(*watching, watch_filter=SourceFilter(self.site, watching), step=STEP_MS,
                                debounce=DEBOUNCE_MS, rust_timeout=IDLE_MS, yield_on_timeout=True,
                                stop_event=self._stop, raise_interrupt=False)
                for changes in batches:
                    self.ready.set()  # the first (empty) batch comes once the watch has started
                    failures = 0
                    if back:  # rebuilt once watched: what is saved meanwhile is seen too
                        changes, back = changes | back, set()
                    if changes and self._moved(changes, folders):
                        break
                    if any(_identity(folder) != known[folder] for folder in folders):
                        break  # removed, renamed or replaced: watch what is there now
            except Exception as exc:  # watchfiles could not watch, or stopped: never die silently
                if failures == len(RETRY_SECONDS):
                    folder = Path(exc.filename) if isinstance(exc, OSError) and exc.filename else self.site
                    self.on_give_up(folder, _reason(exc))
                    return
                self._stop.wait(RETRY_SECONDS[failures])
                failures += 1

    def _moved(self, changes: set[tuple[Change, str]], folders: tuple[Path, ...]) -> bool:
        """Handle one batch; True when the folders to watch are others now."""
        try:
            self.on_change(sorted({Path(path) for _, path in changes}))
            return self.folders() != folders
        except Exception as exc:  # a bug: without this, every later save would go unseen
            self.on_error(exc)
            return False


def _identity(folder: Path) -> tuple[int, int] | None:
    """Which folder is at ``folder`` now (device and inode); None if none is."""
    try:
        found = os.stat(folder)
    except OSError:
        return None
    return (found.st_dev, found.st_ino) if stat.S_ISDIR(found.st_mode) else None


def _reason(exc: Exception) -> str:
    """What went wrong with watching and what to do, as the one line says it."""
    text = str(exc)
    if isinstance(exc, FileNotFoundError) or "No path was found" in text:
        return "the folder was removed or renamed; restart funnelgen serve"
    if "watch limit" in text or (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EMFILE)):
        return ("the system's limit on watched files was reached; raise it (on Linux, "
                "fs.inotify.max_user_watches) and restart funnelgen serve")
    return f"{type(exc).__name__}: {text}; restart funnelgen serve"
