"""Ctrl-C and SIGTERM (a CI job cancelled, `docker stop`, `kill`) while a command runs.

The first one stops the command: KeyboardInterrupt in the main thread, wherever it is. Later ones
are noted, not raised, so that the cleanup the first one starts is not cut short, nor the exit
after it. Python drops an exception raised in some callbacks (the HTML sanitiser's, a finalizer,
fork's own handlers): the command then goes on, so a step that must not follow a stop (the swap of
a new build) asks `raise_if_stopped` first. A signal the command was started ignoring (`nohup`,
`cmd &` in a script) stays ignored. Only the main thread receives signals: elsewhere (serve's
rebuilds) nothing here changes anything.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

STOPS = (signal.SIGINT, signal.SIGTERM)

_received: list[int] = []
"""The stops received, first first: while `stoppable` runs, or during `held`."""
_stoppable = False


class Stopped(KeyboardInterrupt):
    """A stop that says what the command left (`Stopped (Ctrl-C) after the build had finished; …`);
    any other KeyboardInterrupt says only that it stopped."""


@contextlib.contextmanager
def stoppable() -> Iterator[list[int]]:
    """Stop at the first Ctrl-C or SIGTERM during the block; the list yielded holds each received."""
    global _stoppable
    _received.clear()
    before = _handle(raises=lambda: len(_received) == 1)
    hook = sys.unraisablehook

    def quiet_about_stops(unraisable: Any) -> None:
        """Python prints each exception it drops, with a traceback: not a stop, which the
        command's one line tells of."""
        if not isinstance(unraisable.exc_value, KeyboardInterrupt):
            hook(unraisable)

    _stoppable, sys.unraisablehook = True, quiet_about_stops
    try:
        yield _received
    finally:
        _stoppable, sys.unraisablehook = False, hook
        for signum, handler in before.items():  # stopped: the process is ending, leave it alone
            signal.signal(signum, signal.SIG_IGN if _received else _python_handler(signum, handler))
        _received.clear()


def raise_if_stopped() -> None:
    """KeyboardInterrupt if a stop came that Python dropped on the way."""
    if _stoppable and _received:
        raise KeyboardInterrupt


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Ctrl-C and SIGTERM noted but not raised during the block (a swap that must finish), and
    raised as the block ends."""
    noted = len(_received)
    before = _handle(raises=lambda: False)
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, _python_handler(signum, handler))
    if len(_received) > noted:
        if not _stoppable:  # no command reads them
            del _received[noted:]
        raise KeyboardInterrupt


@contextlib.contextmanager
def blocked() -> Iterator[None]:
    """Ctrl-C and SIGTERM not delivered to this thread until the block ends (one sent meanwhile
    comes then). Processes forked and threads started in it begin with them blocked too: a render
    worker lets them through once set up; the process pool's threads keep them blocked, so that
    only the main thread stops."""
    blocked_before = signal.pthread_sigmask(signal.SIG_BLOCK, STOPS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked_before)


def _handle(raises: Callable[[], bool]) -> dict[int, Any]:
    """Note each stop from now on, raising KeyboardInterrupt when ``raises()`` (once noted); the
    handlers replaced, to be put back."""
    if threading.current_thread() is not threading.main_thread():
        return {}

    def on_stop(signum: int, frame: FrameType | None) -> None:
        _received.append(signum)
        if raises():
            raise KeyboardInterrupt

    return {signum: signal.signal(signum, on_stop) for signum in STOPS
            if signal.getsignal(signum) is not signal.SIG_IGN}


def _python_handler(signum: int, handler: Any) -> Any:
    """``handler`` as `signal.signal` takes it back: None is one not set from Python."""
    if handler is not None:
        return handler
    return signal.default_int_handler if signum == signal.SIGINT else signal.SIG_DFL
