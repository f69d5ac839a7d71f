"""Pages planned in one pass and rendered in a later one, waiting on disk meanwhile.

A build too big to keep every funnel in memory (validate.MAX_KEPT_FUNNELS, or one whose
funnels are planned by worker processes) plans each funnel, pickles its pages into a spool
file, and lets them go; the render pass reads them back, a funnel at a time. Reading back
costs a sixth of loading, validating and planning the file again (measured at 2,000 pages).

The spool files are unnamed temporary files (`tempfile.TemporaryFile`): nothing with a name
is written, and they vanish when the build ends, however it ends. Each is written by one
batch of funnels, in one process; forked workers inherit them open. A file that cannot be
made or written (a full disk) only leaves pages out: their funnel is loaded again to render.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import weakref
from dataclasses import dataclass
from typing import IO, Any


@dataclass(frozen=True)
class Spooled:
    """Where one funnel's pages wait: which spool file, and the bytes in it."""

    shelf: int
    offset: int
    length: int


class PageSpool:
    """Spool files, one for each batch of funnels (a ``shelf``)."""

    def __init__(self, shelves: int) -> None:
        self._files: list[IO[bytes]] = []
        try:
            for _ in range(shelves):
                self._files.append(tempfile.TemporaryFile(buffering=0))  # noqa: SIM115 (open until the build ends)
        except OSError:  # no room for a temporary file: every funnel is loaded again to render
            _close(self._files)
            self._files = []
        self._ends = [0] * len(self._files)
        weakref.finalize(self, _close, self._files)

    def put(self, shelf: int, pages: Any) -> Spooled | None:
        """Spool ``pages`` on ``shelf``; None when they could not be written."""
        if shelf >= len(self._files):
            return None
        data = memoryview(pickle.dumps(pages, protocol=pickle.HIGHEST_PROTOCOL))
        fd, offset = self._files[shelf].fileno(), self._ends[shelf]
        try:
            written = 0
            while written < len(data):
                written += os.pwrite(fd, data[written:], offset + written)
        except OSError:
            return None
        self._ends[shelf] += len(data)
        return Spooled(shelf, offset, len(data))

    def take(self, spooled: Spooled) -> Any:
        """The pages spooled at ``spooled``, as they were put."""
        fd = self._files[spooled.shelf].fileno()
        chunks: list[bytes] = []
        done = 0
        while done < spooled.length:
            chunk = os.pread(fd, spooled.length - done, spooled.offset + done)
            if not chunk:
                raise OSError(f"spool file {spooled.shelf} ends before byte {spooled.offset + done}")
            chunks.append(chunk)
            done += len(chunk)
        return pickle.loads(b"".join(chunks))


def _close(files: list[IO[bytes]]) -> None:
    for file in files:
        file.close()
