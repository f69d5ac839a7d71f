"""Build speed and memory: funnelgen against the floor, Pelican and MkDocs, on the same pages.

    python bench/build_speed.py [--pages 2000 10000] [--runs 3]

For each size, a seeded corpus (bench/corpus.py, five steps per funnel) is written once and
converted for the peers (bench/peers.py). Every command then runs as its own process, the
commands taking turns run after run, so a machine that slows down slows all of them alike.
Figures are medians of wall time; memory is the peak resident size of the largest process
(from wait4). A ratio to the floor (bench/floor.py) is the median of the ratios round by round:
each run against the floor's run in the same round.

Every run writes into a new folder, and none is removed before the end of its size: on ext4
without a journal (as on the machines this project is tested on), the kernel skips each inode
freed in the last minute when it makes a file, searching again from the start of the group
for each one. One-process funnelgen making 10,000 pages just after the last output was
removed took 14.7 s of system time, against 2.2 s in a fresh place, and how much a command
paid depended on whose files had been removed before it, not on the command.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench.corpus import make_corpus  # noqa: E402
from bench.peers import make_mkdocs, make_pelican  # noqa: E402

PY = sys.executable
# Every tool runs as an installed one does, its bytecode cached: where PYTHONDONTWRITEBYTECODE
# is set, an editable funnelgen would compile its own modules again on every run (0.2 s).
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


@dataclass
class Measure:
    seconds: list[float] = field(default_factory=list)
    peak_kb: list[int] = field(default_factory=list)

    def add(self, seconds: float, peak_kb: int) -> None:
        self.seconds.append(seconds)
        self.peak_kb.append(peak_kb)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float:
        return max(self.peak_kb) / 1024


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Wall seconds and peak RSS (KB) of one run of ``command``; fails loudly if it fails."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if status != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"{' '.join(command)} failed:\n{error}")
    return seconds, usage.ru_maxrss


def edit_one_funnel(site: Path, run: int) -> None:
    """Change the entry headline of one funnel, as a marketer saving a copy edit would."""
    path = sorted((site / "funnels").glob("*.yml"))[run]
    funnel = yaml.safe_load(path.read_text(encoding="utf-8"))
    funnel["steps"][0]["headline"] += f" (edit {run})"
    path.write_text(yaml.safe_dump(funnel, sort_keys=False, allow_unicode=True), encoding="utf-8")


def bench(pages: int, runs: int, work: Path) -> dict[str, Measure]:
    funnels = pages // 5
    site, pelican, mkdocs = work / "site", work / "pelican", work / "mkdocs"
    make_corpus(site, funnels=funnels, seed=1)
    make_pelican(site, pelican)
    make_mkdocs(site, mkdocs)

    def commands(run: int) -> dict[str, tuple[list[str], Path]]:
        """Each command of round ``run``, writing into a folder of its own (see the top of this file)."""
        def out(name: str) -> str:
            return str(work / f"{name}-{run}")
        return {
            "floor": ([PY, str(BENCH / "floor.py"), str(site), out("floor")], work),
            "funnelgen -j1": ([PY, "-m", "funnelgen", "build", str(site), "-o", out("one"), "-q", "-j1",
                               "--no-cache"], work),
            "funnelgen -j all": ([PY, "-m", "funnelgen", "build", str(site), "-o", out("all"), "-q",
                                  "--no-cache"], work),
            "pelican": ([PY, "-m", "pelican", "content", "-o", out("pelican"), "-s", "pelicanconf.py",
                         "-q"], pelican),
            "mkdocs": ([PY, "-m", "mkdocs", "build", "-q", "-d", out("mkdocs")], mkdocs),
        }

    results = {name: Measure() for name in [*commands(0), *REBUILDS]}
    for run in range(runs):
        for name, (command, cwd) in commands(run).items():
            os.sync()  # the disk work of the last command is not billed to this one
            results[name].add(*timed(command, cwd))
            took = results[name].seconds[-1]
            print(f"  {pages} pages, run {run + 1}: {name} {took:.2f} s", file=sys.stderr)
        # From a full build with no spare beside it: nothing changed, then a marketer's saves.
        incremental = [PY, "-m", "funnelgen", "build", str(site), "-o", str(work / f"edited-{run}"), "-q"]
        os.sync()
        timed(incremental, work)
        results["no-change rebuild"].add(*timed(incremental, work))
        edit_one_funnel(site, 2 * run)
        results["one funnel changed, first rebuild"].add(*timed(incremental, work))
        edit_one_funnel(site, 2 * run + 1)
        results["one funnel changed, next rebuilds"].add(*timed(incremental, work))
    return results


REBUILDS = ("no-change rebuild", "one funnel changed, first rebuild", "one funnel changed, next rebuilds")
"""Run after the full builds of each round, and compared with its one-process full build. The
first rebuild after a full build has no spare yet (see write.py) and makes one: it links every
unchanged page into a new folder tree; the next ones update the spare with what changed."""


def paired_ratio(measure: Measure, base: Measure) -> float:
    """The median of the ratios run by run: each run of a command is compared with the run of
    ``base`` in the same round, minutes apart at most, so that a machine whose disk is twice as
    slow in one round as in the next (it happens) slows both sides of each ratio alike."""
    return statistics.median(a / b for a, b in zip(measure.seconds, base.seconds, strict=True))


def report(pages: int, results: dict[str, Measure]) -> str:
    lines = [f"### {pages:,} pages", "",
             "| build | median s | pages/s | vs floor | peak MB |", "|---|---:|---:|---:|---:|"]
    for name, measure in results.items():
        if name in REBUILDS:
            ratio = f"{paired_ratio(measure, results['funnelgen -j1']):.2f}x of full -j1"
        else:
            ratio = f"{paired_ratio(measure, results['floor']):.2f}x"
        lines.append(f"| {name} | {measure.median:.2f} | {pages / measure.median:,.0f} | "
                     f"{ratio} | {measure.peak_mb:.0f} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, nargs="+", default=[2000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    print(f"cores: {len(os.sched_getaffinity(0))}, python {sys.version.split()[0]}\n")
    for pages in args.pages:
        with tempfile.TemporaryDirectory(prefix="funnelgen-bench-") as tmp:
            print(report(pages, bench(pages, args.runs, Path(tmp))) + "\n", flush=True)


if __name__ == "__main__":
    main()
