"""Save-to-screen latency of `funnelgen serve`: how long after a save the open tab shows the edit.

    python bench/serve_latency.py [--funnels 50] [--edits 15] [--pause 2.0]

Writes a seeded corpus (bench/corpus.py: five steps per funnel), starts `funnelgen serve` on it
as its own process, opens one step in headless Chromium (Debian's /usr/bin/chromium) and then,
again and again, saves a new headline into that funnel's file and waits until the tab shows it.

The time of a save is the wall clock right after the file is written; the time it is shown is
the wall clock of the first animation frame of the reloaded page (a script Playwright adds to
every page records it), which is when the browser paints the new text. Both are the same
system clock. The first edit warms up and is not counted. Target: under 300 ms for 50 funnels.
"""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from bench.corpus import make_corpus  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
SHOWN_AT = """document.addEventListener("DOMContentLoaded", function () {
  requestAnimationFrame(function () { window.__shownAt = performance.timeOrigin + performance.now(); });
});"""
HEADLINE = re.compile(r"^(  headline: ).*$", re.M)  # the entry step's, first in the file


class Serve:
    """`funnelgen serve SITE` as its own process, with every line it prints."""

    def __init__(self, site: Path) -> None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "funnelgen", "serve", str(site), "--port", str(self.port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=BENCH.parent,
        )
        threading.Thread(target=self._read, daemon=True).start()
        self.wait_for("Serving ", timeout=300)
        self.url = f"http://127.0.0.1:{self.port}/"

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, text: str, after: int = 0, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines[after:]:
                if text in line:
                    return line
            if self.process.poll() is not None:
                raise SystemExit("funnelgen serve stopped:\n" + "\n".join(self.lines))
            time.sleep(0.01)
        raise SystemExit(f"funnelgen serve never printed {text!r}:\n" + "\n".join(self.lines))

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)  # Ctrl-C
        self.process.wait(timeout=30)


def edit_once(page: Page, funnel: Path, number: int) -> float:
    """Save a new headline; the milliseconds until the tab paints it."""
    text = f"Edited headline number {number}"
    source = funnel.read_text(encoding="utf-8")
    funnel.write_text(HEADLINE.sub(lambda m: m.group(1) + text, source, count=1), encoding="utf-8")
    saved = time.time() * 1000
    page.wait_for_function("text => document.querySelector('h1') && "
                           "document.querySelector('h1').innerText.includes(text) && window.__shownAt",
                           arg=text, timeout=30_000, polling=10)
    shown: float = page.evaluate("window.__shownAt")
    return shown - saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--funnels", type=int, default=50)
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--pause", type=float, default=2.0, help="seconds between saves")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="funnelgen-bench-") as tmp:
        site = Path(tmp) / "site"
        make_corpus(site, args.funnels)
        slug = f"f{(args.funnels + 1) // 2:02d}"
        funnel = site / "funnels" / f"{slug}.yml"
        server = Serve(site)
        print(server.lines[0] if server.lines else "")
        latencies: list[float] = []
        rebuilds: list[float] = []
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                     args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.add_init_script(SHOWN_AT)
                page.goto(f"{server.url}{slug}/story/")
                page.wait_for_selector("#funnelgen-preview .dot.live", state="attached")
                for number in range(args.edits + 1):
                    printed = len(server.lines)
                    milliseconds = edit_once(page, funnel, number)
                    line = server.wait_for("rebuilt in", after=printed)
                    if number:  # the first edit warms up
                        latencies.append(milliseconds)
                        rebuilds.append(float(re.search(r"rebuilt in (\d+) ms", line).group(1)))  # type: ignore[union-attr]
                    print(f"  edit {number}: shown after {milliseconds:.0f} ms ({line.split(': ', 1)[1]})",
                          flush=True)
                    time.sleep(args.pause)
                browser.close()
        finally:
            server.stop()

    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"funnelgen serve, {args.funnels} funnels × 5 steps, {len(latencies)} saves of funnels/{slug}.yml "
          f"{args.pause:g} s apart ({os.cpu_count()} CPUs, load average {load}):")
    print(f"  save → new text painted in the open tab: median {statistics.median(latencies):.0f} ms, "
          f"min {min(latencies):.0f} ms, max {max(latencies):.0f} ms   (target: < 300 ms)")
    print(f"  of which the rebuild (prepare + render the open page), as serve reports it: "
          f"median {statistics.median(rebuilds):.0f} ms, min {min(rebuilds):.0f}, max {max(rebuilds):.0f}")


if __name__ == "__main__":
    main()
