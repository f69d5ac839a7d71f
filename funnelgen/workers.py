"""Work shared out among forked processes, one per core: funnel files to load, pages to render,
pictures to encode. Each stage that does so gives its jobs to `in_workers`."""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import signal
from collections.abc import Callable, Generator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TypeVar

from funnelgen import stops
from funnelgen.errors import Abort

Job = TypeVar("Job")
Result = TypeVar("Result")
Item = TypeVar("Item")


def default_jobs() -> int:
    """How many processes a build uses when not told: one per core it may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def share_out(items: list[Item], jobs: int, *, at_least: int,
              batches_each: int) -> tuple[int, list[list[Item]]]:
    """How many workers ``items`` are worth (at most ``jobs``, each with ``at_least`` items; fewer
    than 2 means this process does it all), and the items cut into batches of neighbours, about
    ``batches_each`` per worker, so that a worker that finishes early takes another."""
    workers = min(jobs, len(items) // at_least)
    if workers < 2 or not can_fork():
        return 1, [items] if items else []
    size = max(1, len(items) // (workers * batches_each))
    return workers, [items[i : i + size] for i in range(0, len(items), size)]


def in_workers(work: Callable[[Job], Result], jobs: list[Job],
               workers: int) -> Generator[Result, None, None]:
    """``work`` done on each job, results in job order: in up to ``workers`` forked processes
    (they inherit what they need instead of having it sent), or in this one.

    Fork only from a process that runs no other thread. An executor, not multiprocessing.Pool:
    Pool.terminate() can hang when the caller stops (writing failed) while tasks are still being
    handed out; here pending jobs are cancelled and the few running ones finish. Close the
    generator to stop early.

    Ctrl-C and SIGTERM wait while the workers start: arriving in the middle, they left a worker
    that no one would stop (the build then waited for it forever), or were lost in fork's own
    handlers (the build went on and ended as if never stopped).
    """
    if workers < 2 or not can_fork():
        yield from map(work, jobs)
        return
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork"),
                             initializer=_start_worker, initargs=(os.getpid(),)) as pool:
        futures = []
        try:
            with stops.blocked():
                futures = [pool.submit(work, job) for job in jobs]  # the first forks the workers
            for future in futures:
                yield future.result()
        except BrokenProcessPool:
            raise Abort("a worker process ended without finishing its work (killed, or out of "
                        "memory?); nothing was written. Run again; 'funnelgen build -j 1' does "
                        "everything in one process") from None
        finally:  # by the pool's own thread: cancelling here raced it ending a broken pool
            pool.shutdown(cancel_futures=True)


_PR_SET_PDEATHSIG = 1


def _start_worker(parent: int) -> None:
    """Set up a forked worker.

    Everything it inherited is moved out of reach of Python's cycle collector: the collector
    would otherwise go through those objects again and again, and copy every memory page it
    touches (2,000 pages on two workers: 0.94x the time).

    The worker is killed when the process that forked it ends, even killed outright
    (SIGKILL, which it cannot pass on): left alone, a worker would wait for work forever.
    Linux only (prctl); elsewhere a worker outlives a build killed that way.

    Ctrl-C and SIGTERM end a worker at once and without a word: a terminal sends Ctrl-C to every
    process of the build, and the one that forked the workers says what happened, once. They
    must not be exceptions here: the pool hands an exception raised in a job back as its result
    and keeps the worker waiting for the next, and when one worker dies the pool ends the others
    with SIGTERM and waits for them (a worker that caught it kept the build waiting forever).
    They must not be the handlers inherited from the build's own process either."""
    gc.freeze()
    for stop in stops.STOPS:
        if signal.getsignal(stop) is not signal.SIG_IGN:  # a build run with Ctrl-C ignored keeps ignoring it
            signal.signal(stop, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, stops.STOPS)  # blocked while forked: one sent then ends it
    prctl = getattr(ctypes.CDLL(None), "prctl", None)  # this process's own C library
    if prctl is not None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent ended before the line above
        os._exit(1)
