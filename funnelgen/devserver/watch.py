"""Watching a site's sources: its folder (not its output folder or hidden files) and its theme chain."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from watchfiles import Change, DefaultFilter, watch

STEP_MS = 20
"""A batch of changes ends after this long without another: editors save in a burst of events."""
DEBOUNCE_MS = 1600
"""…or after this long in any case."""
IDLE_MS = 250
"""How often the watcher wakes without changes (to notice it is running, and to stop)."""


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
    """

    def __init__(self, site: Path, folders: Callable[[], tuple[Path, ...]],
                 on_change: Callable[[list[Path]], None], on_error: Callable[[Exception], None]) -> None:
        self.site = site
        self.folders = folders
        self.on_change = on_change
        self.on_error = on_error
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

    def _run(self) -> None:
        while not self._stop.is_set():
            folders = self.folders()
            batches = watch(*folders, watch_filter=SourceFilter(self.site, folders), step=STEP_MS,
                            debounce=DEBOUNCE_MS, rust_timeout=IDLE_MS, yield_on_timeout=True,
                            stop_event=self._stop, raise_interrupt=False)
            for changes in batches:
                self.ready.set()  # the first (empty) batch comes once the watch has started
                if changes and self._moved(changes, folders):
                    break

    def _moved(self, changes: set[tuple[Change, str]], folders: tuple[Path, ...]) -> bool:
        """Handle one batch; True when the folders to watch are others now."""
        try:
            self.on_change(sorted({Path(path) for _, path in changes}))
            return self.folders() != folders
        except Exception as exc:  # a bug: without this, every later save would go unseen
            self.on_error(exc)
            return False
