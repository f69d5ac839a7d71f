"""A rebuild after a save: what the open tabs show first, then the whole site on disk.

1. **Prepare** the site again (`funnelgen.site.prepare`: load, validate, plan, theme; it re-reads
   `site.yml` every time). Like `funnelgen build`, it does so against the build on disk:
   funnel files whose inputs are unchanged since are not parsed again (their pages on disk are
   current). Any problem ends the rebuild here: the problems go to the terminal and the
   overlay, and the last good version stays.
2. **Render the pages open in a tab** with that generation's renderer (compiled templates are
   kept across rebuilds), and tell the tabs: each one whose page changed reloads. This is
   what a saved edit waits for.
3. **Build the whole site** with the real `funnelgen build` (incremental too), in a child
   process at low priority, a moment later so the tabs reload first, into serve's folder. A
   newer save that prepares cleanly cancels it. Until it is done, other pages are rendered on
   request from the same generation (see `state`), so nothing stale is shown.
"""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import jinja2.bccache

from funnelgen.commands.build import build
from funnelgen.devserver.state import Generation, SiteState
from funnelgen.devserver.worker import BuildProcess
from funnelgen.errors import Abort, Problem, counted, display_path
from funnelgen.incremental import Manifest, read_manifest
from funnelgen.render import WholeThemeChecked
from funnelgen.site import Prepared, prepare_against

FULL_BUILD_DELAY = 0.3
"""Seconds between a rebuild's quick part and its full build: the tabs reload first."""
Say = Callable[[str, bool], None]
"""Prints one line for the person running serve; the flag marks problems (stderr)."""


class Rebuilder:
    """Rebuilds a site into a `SiteState`, one save at a time (it is called from one thread)."""

    def __init__(self, site: Path, state: SiteState, say: Say) -> None:
        self.site = site
        self.state = state
        self.say = say
        self.theme_folders: tuple[Path, ...] = ()
        """The folders of the theme chain as of the latest rebuild that got that far."""
        self._latest = 0  # number of the latest rebuild attempt
        self._lock = threading.Lock()  # orders a full build's result against newer attempts
        self._build: BuildProcess | None = None
        self._scheduled = 0  # the generation whose full build is due or running; 0: none
        self._timer: threading.Timer | None = None
        self._warnings: list[str] = []
        self._closed = False  # serve is stopping: its output folder is being removed

    def first_build(self) -> bool:
        """Prepare and build in this process, before serving; False if the site has problems."""
        what = "the first build"
        generation = self._prepare(what)
        if generation is None:
            return False
        self.state.publish(generation=generation)
        started = time.perf_counter()
        try:
            report = build(self.site, self.state.out)
        except Abort as exc:
            self._failed(exc.problems, what)
            return False
        self.state.publish(problems=[], disk_number=generation.number)
        self.say(f"Built {counted(report.pages, 'page')} from {counted(len(report.funnels), 'funnel')} "
                 f"in {time.perf_counter() - started:.2f} s", False)
        return True

    def rebuild(self, changed: list[Path]) -> None:
        """Rebuild after ``changed`` files were saved, created or removed."""
        started = time.perf_counter()
        what = self._describe(changed)
        generation = self._prepare(what)
        if generation is None:
            return
        with self._lock:
            self._cancel_full_build()  # it would build an older version
        shown = {path: self.state.lookup(path).digest for path in list(self.state.open_paths)}
        self.state.publish(problems=[], generation=generation)
        differ = sum(self.state.lookup(path).digest != before for path, before in shown.items())  # as tabs do
        seconds = time.perf_counter() - started
        tabs = f"; {differ} of {len(shown)} open page{'s' * (len(shown) != 1)} changed" if shown else ""
        self.say(f"{_clock()} {what}: rebuilt in {seconds * 1000:.0f} ms{tabs}", False)
        if generation.problems:
            self._failed(generation.problems, "")
        timer = threading.Timer(FULL_BUILD_DELAY, self._full_build, args=(generation.number,))
        timer.name, timer.daemon = "funnelgen full build", True
        with self._lock:
            if self._closed:  # stopped while this rebuild ran: nothing more is written
                return
            self._scheduled, self._timer = generation.number, timer
        timer.start()

    def crashed(self, exc: Exception) -> None:
        """A save whose rebuild failed unexpectedly (a bug): one line, and serve keeps watching."""
        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" ({Path(where.filename).name}:{where.lineno})" if where else ""
        self.say(f"{_clock()} internal error while rebuilding: {exc!r}{at}; still watching: save "
                 "again to retry, or restart funnelgen serve if it happens again", True)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._cancel_full_build()

    # ---- steps ----

    def _prepare(self, what: str) -> Generation | None:
        with self._lock:
            self._latest += 1
            number = self._latest
        try:
            prepared = self._prepare_against_disk()
        except Abort as exc:
            broken = _theme_folders_of(exc.problems, self.site)  # watched too: fixing them is a change
            self.theme_folders = tuple(dict.fromkeys([*self.theme_folders, *broken]))
            self._failed(exc.problems, what)
            return None
        except Exception as exc:  # a bug: say so, keep serving
            self.say("".join(traceback.format_exception(exc)).rstrip(), True)
            problem = Problem("", 0, "", f"internal error: {exc!r} (the terminal has the details)")
            self._failed([problem], what)
            return None
        self.theme_folders = tuple(theme.path for theme in prepared.theme.themes)
        self._show_warnings([str(w) for w in prepared.warnings])
        return Generation(number, prepared, before=self.state.fresh())

    def _prepare_against_disk(self) -> Prepared:
        """The site prepared as `funnelgen build` would against the build on disk: funnels whose
        inputs did not change since are not parsed again (their pages on disk are current)."""
        out = self.state.out
        previous = read_manifest(out) if self.state.disk_number else Manifest()
        prepared = prepare_against(self.site, out, previous, keep_all=True)  # pages render on request
        prepared.renderer.env.bytecode_cache = TEMPLATES
        return prepared

    def _full_build(self, number: int) -> None:
        with self._lock:
            if self._scheduled != number:
                return
            process = self._build = BuildProcess(self.site, self.state.out)
        self._finish_build(process, number)

    def _cancel_full_build(self) -> None:
        """(With the lock held.)"""
        self._scheduled = 0
        if self._timer is not None:
            self._timer.cancel()
        if self._build is not None:
            self._build.cancel()

    def _finish_build(self, process: BuildProcess, number: int) -> None:
        outcome = process.wait()
        if outcome.cancelled:
            return
        with self._lock:
            latest = number == self._latest
            if outcome.ok:
                self.state.publish(problems=[] if latest else None, disk_number=number)
            elif latest:
                self.state.publish(problems=outcome.problems)
        if outcome.ok:
            self.say(f"{_clock()}   wrote all {outcome.pages} pages in {outcome.seconds:.2f} s", False)
        elif latest:
            self._report(outcome.problems, "the full build")

    def _failed(self, problems: list[Problem], what: str) -> None:
        self.state.publish(problems=problems)
        self._report(problems, what)

    def _report(self, problems: list[Problem], what: str) -> None:
        count = f"{len(problems)} problem{'s' * (len(problems) != 1)}"
        if what:
            if self.state.disk_number:
                keeps = "still showing the last good build"
            elif self.state.generation is not None:  # loaded, but no build ever finished
                keeps = "showing the pages that render meanwhile"
            else:
                keeps = "nothing to show yet"
            self.say(f"{_clock()} {what}: {count}; {keeps}", True)
        for problem in problems:
            self.say(f"  {problem}", True)

    def _show_warnings(self, warnings: list[str]) -> None:
        if warnings != self._warnings:
            for warning in warnings:
                self.say(f"  warning: {warning}", True)
        self._warnings = warnings

    def _describe(self, changed: list[Path]) -> str:
        root = self.site.resolve()
        themes = [folder.resolve() for folder in self.theme_folders]

        def name(path: Path) -> str:
            if path == root:  # the whole folder: it was moved back, or replaced
                return f"the folder {root.name}"
            if path.is_relative_to(root):
                return display_path(path, root)
            folder = next((f for f in themes if path.is_relative_to(f)), None)
            if folder == path:
                return f"theme {folder.name}"
            return f"theme {folder.name}: {display_path(path, folder)}" if folder else str(path)

        # Files still there first: an editor's temporary file (sed -i's sedXXXXXX) is gone by now.
        names = [name(path) for path in sorted(changed, key=lambda path: not path.exists())]
        if len(names) == 1:
            return f"{names[0]} changed"
        return f"{names[0]} and {len(names) - 1} more changed"


class _TemplateCache(WholeThemeChecked):
    """Compiled templates, kept across rebuilds in memory. Each generation has a renderer of its
    own, and compiling the theme's templates again would be most of the time a page takes to
    render. Jinja checks each template's source against what was compiled."""

    def __init__(self) -> None:
        self._code: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        code = self._code.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self._code[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = _TemplateCache()



def _clock() -> str:
    return time.strftime("%H:%M:%S")


def _theme_folders_of(problems: list[Problem], site: Path) -> list[Path]:
    """The theme folders holding the files ``problems`` name (a broken theme.yml or template
    of a theme outside the site): the theme the site could not use is not known otherwise."""
    folders = []
    for problem in problems:
        if not problem.file:
            continue
        path = Path(problem.file) if Path(problem.file).is_absolute() else site / problem.file
        for folder in list(path.parents)[:4]:  # theme.yml, or templates/blocks/x.html
            if folder != site and (folder / "theme.yml").is_file():
                folders.append(folder)
                break
    return folders
