"""Faults: a build killed at any moment, a full disk, a read-only folder, two builds at once.

Whatever happens to a build, the output folder holds the previous complete build or the new
complete build, never a mix of the two; every failure is one clear line and exit code 1; and
the next build cleans up what a killed one left. The tests run the real command in a
subprocess (``python -m funnelgen build``), as a marketer or a CI job would.

Some faults need root to stage (a tmpfs that fills up, a read-only mount, an immutable
folder): this machine and CI run as root. Where a fault cannot be staged the test fails and
says why; it never skips.

``FUNNELGEN_KILL_RUNS`` (default 50) sets how many builds are killed at random moments, and
``FUNNELGEN_KILL_SEED`` the seed that picks the moments.
"""

from __future__ import annotations

import contextlib
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import textwrap
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result
from conftest import FUNNEL_YML, MakeSite, snapshot

from funnelgen.commands.build import STOPPED_AFTER_SWAP
from funnelgen.write import (
    MARKER,
    OutputWriter,
    lock_path,
    no_build_writing,
    remove_leftovers,
    spare_path,
    staging_folders,
    template_cache_path,
)

KILL_RUNS = int(os.environ.get("FUNNELGEN_KILL_RUNS", "50"))
KILL_SEED = int(os.environ.get("FUNNELGEN_KILL_SEED", "20261210"))
PAIRS = 4
FUNNELS = 25  # a build of about a second: long enough to be killed while it writes
RunCli = Callable[..., Result]


def write_big_site(root: Path, version: str) -> Path:
    """A site of FUNNELS funnels with four steps each; ``version`` changes every other funnel
    (the others are the same in every version: a build may take them from the previous one)."""
    (root / "funnels").mkdir(parents=True)
    (root / "site.yml").write_text("name: Big Co\nbase_url: https://big.example/\n", encoding="utf-8")
    for i in range(FUNNELS):
        edition = version if i % 2 == 0 else "same"
        (root / f"funnels/f{i:02d}.yml").write_text(textwrap.dedent(f"""\
            title: Funnel {i} ({edition})
            steps:
              - id: story
                type: bridge
                headline: The story of funnel {i}, version {edition}
                body: "Some **Markdown** for funnel {i}.\\n\\n- one\\n- two\\n"
              - id: join
                type: optin
                headline: Join list {i}
                form: {{provider: custom, action: "https://mail.example/subscribe"}}
              - id: offer
                type: offer
                headline: Offer {i}
                price: {{amount: 47}}
                checkout: https://buy.example/course
                testimonials: [{{quote: It works, name: Ann}}]
              - id: thanks
                type: thankyou
                headline: Thanks {i}
            """), encoding="utf-8")
    return root


def change(site: Path) -> Path:
    """Edit the site, so that its next build has something to do (an unchanged site is not
    rebuilt: the previous output is up to date)."""
    site_yml = site / "site.yml"
    site_yml.write_text(site_yml.read_text(encoding="utf-8").replace("name: ", "name: New ", 1),
                        encoding="utf-8")
    return site


def command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "funnelgen", *map(str, args)]


@contextlib.contextmanager
def started(*args: str | Path) -> Iterator[subprocess.Popen[str]]:
    """A build running in the background; killed if the test ends before it does."""
    process = subprocess.Popen(command(*args), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()


def run(*args: str | Path, preexec_fn: Callable[[], None] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), capture_output=True, text=True, timeout=120, check=False,
                          preexec_fn=preexec_fn)


def content(out: Path) -> dict[str, bytes]:
    """A build's files, less the marker (which may record how the build was made)."""
    files = snapshot(out)
    assert MARKER in files, f"{out} has no {MARKER}: it is not a complete build"
    return {name: data for name, data in files.items() if name != MARKER}


def staging(out: Path) -> set[str]:
    return {p.name for p in staging_folders(out)}


def is_build_of(out: Path, site: Path, refs: dict[str, dict[str, bytes]], version: str, scratch: Path) -> bool:
    """Whether ``out`` holds the complete build of ``site``, as ``refs[version]`` does.

    When it does not, the reference is built again once: in a working tree that others edit
    at the same time, a theme may have changed since it was built.
    """
    if content(out) == refs[version]:
        return True
    fresh = scratch / f"ref-{version}-again"
    shutil.rmtree(fresh, ignore_errors=True)
    assert run("build", site, "-o", fresh, "-q", "--no-cache").returncode == 0
    refs[version] = content(fresh)
    return content(out) == refs[version]


def leftovers(out: Path) -> list[str]:
    """What funnelgen left beside the output folder: staging folders and its lock file."""
    return sorted(staging(out) | ({lock_path(out).name} if os.path.lexists(lock_path(out)) else set()))


def strangers(out: Path) -> list[str]:
    """Anything beside the output folder that is neither the output nor funnelgen's own."""
    return sorted(p.name for p in out.parent.iterdir()
                  if p not in (out, lock_path(out), spare_path(out), template_cache_path(out))
                  and p.name not in staging(out))


def assert_one_clear_line(result: subprocess.CompletedProcess[str], expected: str) -> None:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [expected], result.stderr


def wait_for_staging(out: Path, process: subprocess.Popen[str], timeout: float = 30.0) -> float:
    """Seconds until a build has its staging folder (it holds the lock by then)."""
    started = time.monotonic()
    while not staging_folders(out):
        if process.poll() is not None:
            raise AssertionError(f"the build ended before it wrote anything: {process.returncode}")
        if time.monotonic() - started > timeout:
            raise AssertionError("the build never started writing")
        time.sleep(0.002)
    return time.monotonic() - started


def timings(site: Path, out: Path) -> tuple[float, float]:
    """When a build of ``site`` into ``out`` starts writing and when it ends, in seconds."""
    begin = time.monotonic()
    with started("build", site, "-o", out, "-q") as process:
        writing = wait_for_staging(out, process)
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr
    return writing, time.monotonic() - begin


# --- killed at any moment --------------------------------------------------------------------

def test_a_build_killed_at_any_moment_leaves_the_previous_or_the_new_output_whole(tmp_path: Path) -> None:
    sites = {v: write_big_site(tmp_path / f"site-{v}", v) for v in "AB"}
    refs = {}
    for version, site in sites.items():
        assert run("build", site, "-o", tmp_path / f"ref-{version}", "-q").returncode == 0
        refs[version] = content(tmp_path / f"ref-{version}")
    assert refs["A"].keys() == refs["B"].keys() and refs["A"] != refs["B"]

    out = tmp_path / "work" / "out"
    timings(sites["A"], out)  # the first build renames its staging folder into place
    writing, end = timings(sites["B"], out)  # later ones swap it with the previous build
    state = "B"
    rng = random.Random(KILL_SEED)
    outcomes: Counter[str] = Counter()
    for n in range(KILL_RUNS):
        target = "A" if state == "B" else "B"
        before, stale = snapshot(out), staging(out)
        # One kill in four anywhere in the run (start-up included); the others while it writes.
        delay = rng.uniform(0, end * 1.05) if n % 4 == 0 else rng.uniform(writing * 0.9, end * 1.05)
        process = subprocess.Popen(command("build", sites[target], "-o", out, "-q"),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        was_writing = bool(staging(out) - stale)
        process.kill()
        process.wait()
        if process.returncode == 0:
            outcome = "finished before the kill"
        elif snapshot(out) == before:
            outcome = f"killed {'while writing' if was_writing else 'before writing'}: previous kept"
        else:
            outcome = "killed while writing: new build complete"
        outcomes[outcome] += 1
        if snapshot(out) != before:
            assert is_build_of(out, sites[target], refs, target, tmp_path), f"run {n}: the output is neither build"
            state = target
        assert strangers(out) == []

    target = "A" if state == "B" else "B"
    final = run("build", sites[target], "-o", out, "-q")
    assert final.returncode == 0, final.stderr
    assert is_build_of(out, sites[target], refs, target, tmp_path)
    assert leftovers(out) == [], "the next build must clean up what killed builds left"
    print(f"\n{KILL_RUNS} builds killed (seed {KILL_SEED}, build {end:.2f} s, writing from "
          f"{writing:.2f} s):", dict(sorted(outcomes.items())))


def children(pid: int) -> set[int]:
    """The processes ``pid`` forked (its render workers), from /proc."""
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.update(int(child) for child in (task / "children").read_text().split())
    return found


def running(pid: int) -> bool:
    """Whether process ``pid`` still runs (a zombie has ended: it only waits to be reaped)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"


def test_a_build_killed_outright_leaves_no_worker_behind(tmp_path: Path) -> None:
    """A build killed with SIGKILL (a CI job's time limit, the out-of-memory killer) cannot stop
    its render workers itself: they end with it, instead of waiting for work forever."""
    site, out = write_big_site(tmp_path / "site", "A"), tmp_path / "out"
    # No pipes: a worker left behind would hold them open, and reading them would wait for it.
    process = subprocess.Popen(command("build", site, "-o", out, "-q", "-j2"),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while not (workers := children(process.pid)):
            assert process.poll() is None, "the build ended before its workers started"
            time.sleep(0.002)
    finally:
        process.kill()
        process.wait()
    deadline = time.monotonic() + 10
    while (alive := sorted(pid for pid in workers if running(pid))) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert alive == [], f"workers of the killed build still running: {alive}"


def test_an_up_to_date_build_still_cleans_up_after_a_killed_build(make_site: MakeSite, tmp_path: Path) -> None:
    site, out = make_site(), tmp_path / "out"
    assert run("build", site, "-o", out, "-q").returncode == 0
    (tmp_path / ".out.1a2b3c4d.funnelgen-tmp").mkdir()  # as a build killed at once leaves them
    (tmp_path / ".out.5e6f7a8b.funnelgen-tmp" / "tiny").mkdir(parents=True)
    (tmp_path / ".out.5e6f7a8b.funnelgen-tmp" / MARKER).write_text("")
    lock_path(out).write_text("999999\n")
    before = snapshot(out)
    assert run("build", site, "-o", out, "-q").returncode == 0
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_leftovers_are_removed_only_when_no_build_is_writing(make_site: MakeSite, tmp_path: Path) -> None:
    """`remove_leftovers` is what a build that finds its output up to date calls."""
    out, site = tmp_path / "out", make_site()
    stale = tmp_path / ".out.1a2b3c4d.funnelgen-tmp"
    (stale / "tiny").mkdir(parents=True)
    (stale / MARKER).write_text("")
    with OutputWriter(out, site):  # a build is writing: its staging and lock stay
        remove_leftovers(out)
        assert len(leftovers(out)) == 2
    stale.mkdir()
    (stale / MARKER).write_text("")
    lock_path(out).write_text("999999\n")
    remove_leftovers(out)
    assert leftovers(out) == []


def test_staging_killed_before_its_marker_or_while_it_was_removed_is_cleaned(
    make_site: MakeSite, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    empty = tmp_path / ".out.1a2b3c4d.funnelgen-tmp"  # killed between mkdir and the marker
    empty.mkdir()
    half = tmp_path / ".out.5e6f7a8b.funnelgen-tmp"  # killed while removing an old build
    (half / "tiny").mkdir(parents=True)
    (half / MARKER).write_text("")
    old = tmp_path / ".out.9c0d1e2f.funnelgen-tmp.old"
    (old / "tiny").mkdir(parents=True)
    (old / MARKER).write_text("")
    theirs = tmp_path / ".out.mine.funnelgen-tmp"
    (theirs / "notes").mkdir(parents=True)  # not ours: no marker and not empty
    assert run("build", make_site(), "-o", out, "-q").returncode == 0
    # the old build was put back as the output, then became the spare when the new one replaced it
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".out.funnelgen-spare", ".out.funnelgen-templates", ".out.mine.funnelgen-tmp", "out", "site"]


# --- full disk, read-only folders ------------------------------------------------------------

@contextlib.contextmanager
def tmpfs(folder: Path, size: str) -> Iterator[Path]:
    folder.mkdir(parents=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True, text=True, check=False)
    if mounted.returncode != 0:
        pytest.fail(f"cannot mount a {size} tmpfs to fill up ({mounted.stderr.strip()}): this test "
                    "needs root, as on CI; the RLIMIT_FSIZE test below needs nothing", pytrace=False)
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_a_full_disk_stops_the_build_with_one_line_and_keeps_the_previous_output(
    make_site: MakeSite, tmp_path: Path
) -> None:
    with tmpfs(tmp_path / "disk", "1m") as disk:
        out = disk / "out"
        assert run("build", make_site(), "-o", out, "-q").returncode == 0
        before = snapshot(out)
        result = run("build", write_big_site(tmp_path / "big", "A"), "-o", out, "-q")
        assert_one_clear_line(result, result.stderr.splitlines()[0])
        assert result.stderr.startswith(f"cannot write {out}: no space left on device")
        assert result.stderr.rstrip().endswith("; the output folder was left as it was")
        assert snapshot(out) == before
        assert leftovers(out) == []


def test_a_disk_without_a_byte_free_stops_the_build_before_it_writes_and_leaves_no_lock(
    make_site: MakeSite, tmp_path: Path
) -> None:
    with tmpfs(tmp_path / "disk", "1m") as disk:
        out = disk / "out"
        site = make_site()
        assert run("build", site, "-o", out, "-q").returncode == 0
        before = snapshot(out)
        with contextlib.suppress(OSError), open(disk / "filler", "wb") as filler:
            while True:
                filler.write(b"\0" * 4096)
                filler.flush()
        result = run("build", change(site), "-o", out, "-q")
        assert result.stderr.startswith(f"cannot write {out}: no space left on device")
        assert snapshot(out) == before
        assert leftovers(out) == []  # the lock file too, which it could create but not write its pid in


def limit_file_size(size: int) -> Callable[[], None]:
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    return limit


def test_a_file_size_limit_stops_the_build_with_one_line_and_keeps_the_previous_output(
    make_site: MakeSite, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    site = make_site()
    assert run("build", site, "-o", out, "-q").returncode == 0
    before = snapshot(out)
    result = run("build", change(site), "-o", out, "-q", preexec_fn=limit_file_size(4096))
    assert_one_clear_line(result, f"cannot write {out}: file too large (writing tiny/join/index.html); "
                                  "the output folder was left as it was")
    assert snapshot(out) == before
    assert leftovers(out) == []


@contextlib.contextmanager
def read_only(folder: Path, *, how: str) -> Iterator[None]:
    """``folder`` read-only even for root: a read-only bind mount, or the immutable attribute."""
    if how == "mount":
        steps = [["mount", "--bind", str(folder), str(folder)],
                 ["mount", "-o", "remount,bind,ro", str(folder)]]
        undo = ["umount", str(folder)]
    else:
        steps, undo = [["chattr", "+i", str(folder)]], ["chattr", "-i", str(folder)]
    done = []
    try:
        for step in steps:
            result = subprocess.run(step, capture_output=True, text=True, check=False)
            if result.returncode != 0:
                pytest.fail(f"cannot make {folder} read-only with `{' '.join(step[:2])}` "
                            f"({result.stderr.strip()}): this test needs root, as on CI", pytrace=False)
            done.append(step)
        yield
    finally:
        if done:
            subprocess.run(undo, check=False)


@pytest.mark.parametrize("how", ["mount", "chattr"])
def test_compiled_templates_that_cannot_be_saved_are_compiled_again_and_the_build_goes_on(
    how: str, make_site: MakeSite, tmp_path: Path
) -> None:
    site, out = make_site(), tmp_path / "out"
    template_cache_path(out).mkdir()  # empty, and nothing can be saved into it
    with read_only(template_cache_path(out), how=how):
        for headline in ("Join now", "Join today"):
            (site / "funnels/tiny.yml").write_text(FUNNEL_YML.replace("Join the list", headline))
            result = run("build", site, "-o", out, "-q")
            assert (result.returncode, result.stderr) == (0, "")
            assert f"{headline}</h1>" in (out / "tiny/index.html").read_text()
    assert list(template_cache_path(out).iterdir()) == []


@pytest.mark.parametrize(("what", "how", "reason"), [
    ("parent", "mount", "read-only file system"),
    ("parent", "chattr", "operation not permitted"),
    ("output", "chattr", "operation not permitted"),
], ids=["read-only-mount", "immutable-parent", "immutable-output"])
def test_a_read_only_folder_stops_the_build_with_one_line_and_keeps_the_previous_output(
    what: str, how: str, reason: str, make_site: MakeSite, tmp_path: Path
) -> None:
    site = make_site()
    out = tmp_path / "parent" / "out"
    assert run("build", site, "-o", out, "-q").returncode == 0
    before = snapshot(out)
    with read_only(out.parent if what == "parent" else out, how=how):
        result = run("build", change(site), "-o", out, "-q")
    assert_one_clear_line(result, f"cannot write {out}: {reason}; the output folder was left as it was: "
                                  "make it and the folder that holds it writable, or choose another -o folder")
    assert snapshot(out) == before
    assert leftovers(out) == []


def test_the_output_can_be_read_by_a_web_server_running_as_another_user(
    make_site: MakeSite, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    old = os.umask(0o022)
    try:
        assert run("build", make_site(), "-o", out, "-q").returncode == 0
    finally:
        os.umask(old)
    modes = {p.relative_to(out).as_posix(): p.stat().st_mode & 0o777 for p in [out, *out.rglob("*")]}
    assert {m for name, m in modes.items() if (out / name).is_dir()} == {0o755}, modes
    assert {m for name, m in modes.items() if (out / name).is_file()} == {0o644}, modes


# --- two builds at once ----------------------------------------------------------------------

def test_a_second_build_into_the_same_folder_stops_at_once_and_names_the_first(
    make_site: MakeSite, run_cli: RunCli, tmp_path: Path
) -> None:
    big = write_big_site(tmp_path / "big", "A")
    small = make_site()
    out = tmp_path / "out"
    assert run("build", small, "-o", out, "-q").returncode == 0
    with started("build", big, "-o", out, "-q", "-j", "1") as first:
        wait_for_staging(out, first)
        first.send_signal(signal.SIGSTOP)  # paused while it writes, so it surely holds the lock
        try:
            begin = time.monotonic()
            second = run_cli("build", change(small), "-o", out)
            assert time.monotonic() - begin < 5
        finally:
            first.send_signal(signal.SIGCONT)
        assert second.exit_code == 1
        assert second.stderr == (f"another funnelgen build is writing {out} (pid {first.pid}); "
                                 "try again when it has finished\n")
        _, stderr = first.communicate(timeout=120)
        assert first.returncode == 0, stderr
    assert is_build_of(out, big, {"A": {}}, "A", tmp_path)
    assert leftovers(out) == []
    assert run_cli("build", small, "-o", out).exit_code == 0


def test_builds_started_together_never_mix_their_outputs(make_site: MakeSite, tmp_path: Path) -> None:
    sites = {"big": write_big_site(tmp_path / "big", "A"), "small": make_site()}
    refs = {}
    for name, site in sites.items():
        assert run("build", site, "-o", tmp_path / f"ref-{name}", "-q").returncode == 0
        refs[name] = content(tmp_path / f"ref-{name}")
    out = tmp_path / "out"
    rng = random.Random(KILL_SEED)
    refused = 0
    for _ in range(PAIRS):
        with started("build", sites["big"], "-o", out, "-q", "--no-cache") as big:
            time.sleep(rng.uniform(0.0, 1.0))
            small = run("build", sites["small"], "-o", out, "-q", "--no-cache")
            _, big_err = big.communicate(timeout=120)
        results = {"big": (big.returncode, big_err), "small": (small.returncode, small.stderr)}
        for code, stderr in results.values():
            assert code == 0 or stderr.startswith(f"another funnelgen build is writing {out} (pid "), stderr
            refused += code != 0
        now = content(out)
        assert any(now == refs[name] for name, (code, _) in results.items() if code == 0), {
            name: sorted(k for k in now.keys() | ref.keys() if now.get(k) != ref.get(k))[:5]
            for name, ref in refs.items()}
        assert leftovers(out) == []
    print(f"\n{PAIRS} pairs of builds at once: {refused} refused by the lock, none mixed")


def test_a_worker_process_never_holds_the_lock(make_site: MakeSite, tmp_path: Path) -> None:
    """Parallel builds fork workers. A worker that outlived its build (killed with SIGKILL) and
    still held the lock file open would keep the output locked; so a forked process closes it."""
    out, site = tmp_path / "out", make_site()
    with OutputWriter(out, site):
        held = {int(fd.name) for fd in Path("/proc/self/fd").iterdir()
                if os.path.realpath(fd) == str(lock_path(out))}
        assert len(held) == 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # forking with threads, on 3.12+
            worker = os.fork()
        if worker == 0:  # the worker: is the lock file still open here?
            still_open = [fd for fd in held if os.path.exists(f"/proc/self/fd/{fd}")
                          and os.path.realpath(f"/proc/self/fd/{fd}") == str(lock_path(out))]
            os._exit(1 if still_open else 0)
        _, status = os.waitpid(worker, 0)
        assert os.waitstatus_to_exitcode(status) == 0, "a forked worker kept the lock file open"
    assert leftovers(out) == []


def test_a_lock_file_left_by_a_killed_build_does_not_block_the_next(
    make_site: MakeSite, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    lock_path(out).write_text("999999\n")  # no lock is held on it: its build is gone
    assert run("build", make_site(), "-o", out, "-q").returncode == 0
    assert leftovers(out) == []


def test_a_build_while_a_deploy_reads_the_output_says_it_is_the_deploy(
    make_site: MakeSite, run_cli: RunCli, tmp_path: Path
) -> None:
    site, out = make_site(), tmp_path / "out"
    assert run_cli("build", site, "-o", out).exit_code == 0
    with no_build_writing(out):  # what funnelgen deploy holds while it publishes the output
        result = run_cli("build", change(site), "-o", out)
    assert (result.exit_code, result.stderr) == (
        1, f"funnelgen deploy is publishing {out} (pid {os.getpid()}); try again when it has finished\n")


def test_a_symbolic_link_in_place_of_the_lock_file_is_never_followed(
    make_site: MakeSite, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me")
    lock_path(out).symlink_to(precious)
    result = run("build", make_site(), "-o", out, "-q")
    assert_one_clear_line(result, f"refusing to write to {out}: {lock_path(out)} is a symbolic link")
    assert precious.read_text() == "keep me"
    assert not out.exists()


def _killed_worker(funnels: list[str]) -> list[str]:
    """Stands in for a worker's share of the funnels: the worker is killed (as by the OOM killer)."""
    os.kill(os.getpid(), signal.SIGKILL)
    return []


def test_a_build_whose_worker_is_killed_says_so_and_keeps_the_previous_output(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from funnelgen.commands import build as build_command
    from funnelgen.errors import Abort

    site, out = write_big_site(tmp_path / "site", "one"), tmp_path / "out"
    build_command.build(site, out, jobs=1)
    before = snapshot(out)
    monkeypatch.setattr(build_command, "_render_funnels", _killed_worker)  # forked workers inherit it
    with pytest.raises(Abort) as caught:
        build_command.build(site, out, jobs=2, cache=False)
    assert str(caught.value).startswith("a worker process ended without finishing its work (killed, or out of memory?)")
    assert snapshot(out) == before
    assert not staging_folders(out)


CTRL_C_IN_A_WORKER = """
import os, signal, sys, time
from funnelgen.workers import in_workers

def work(job):
    if job == "press":
        time.sleep(0.5)  # the other worker is done with its job by now, waiting for the next
        os.killpg(0, signal.SIGINT)  # Ctrl-C at a terminal: every process of the group gets it
        time.sleep(5)
    return job

try:
    print(list(in_workers(work, ["press", "quick"], 2)))
except KeyboardInterrupt:
    print("stopped", file=sys.stderr)
    sys.exit(130)
"""


def test_ctrl_c_reaching_the_workers_prints_no_traceback_of_theirs() -> None:
    ended = subprocess.run([sys.executable, "-c", CTRL_C_IN_A_WORKER], capture_output=True, text=True,
                           timeout=60, start_new_session=True)  # its own group: Ctrl-C reaches it alone
    assert (ended.returncode, ended.stderr) == (130, "stopped\n")



A_WORKER_TERMINATED = """
import os, signal, sys, time
from funnelgen.errors import Abort
from funnelgen.workers import in_workers

def work(job):
    if job == "terminated":
        os.kill(os.getpid(), signal.SIGTERM)  # as the pool ends its other workers when one has died
        time.sleep(20)
    return job

signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(143))  # the build's own, as the CLI sets it
try:
    list(in_workers(work, ["terminated", "other"], 2))
except Abort as stopped:
    print(stopped, file=sys.stderr)
    sys.exit(1)
"""


def test_a_worker_terminated_in_the_middle_of_a_job_ends_and_the_build_says_so() -> None:
    """SIGTERM ends a worker, whatever it is doing. It is no error of the job: had the worker
    caught it, the pool would take it for the job's result and wait for the worker forever."""
    started = time.monotonic()
    ended = subprocess.run([sys.executable, "-c", A_WORKER_TERMINATED], capture_output=True, text=True,
                           timeout=60, start_new_session=True)
    assert (ended.returncode, ended.stderr.split(";")[0]) == (
        1, "a worker process ended without finishing its work (killed, or out of memory?)")
    assert time.monotonic() - started < 15, "it waited for the terminated worker's job"


STOPPED_AS_THE_WORKERS_START = """
import os, signal, sys
from funnelgen.workers import in_workers

def on_term(signum, frame):
    raise KeyboardInterrupt  # as the CLI stops on SIGTERM

signal.signal(signal.SIGTERM, on_term)
sent = []

def press():
    if not sent:
        sent.append(True)
        os.kill(os.getpid(), signal.SIGTERM)  # a CI job cancelled just as the first worker is forked

def work(job):
    return job

os.register_at_fork(before=press)
try:
    print(list(in_workers(work, list(range(8)), 2)))
except KeyboardInterrupt:
    print("stopped", file=sys.stderr)
    sys.exit(143)
"""


def test_a_stop_as_the_workers_start_stops_the_build() -> None:
    """It waits until they have started: in the middle, it was lost in fork's own handlers (the
    build went on and ended as if never stopped), or left a worker that kept it waiting forever."""
    ended = subprocess.run([sys.executable, "-c", STOPPED_AS_THE_WORKERS_START], capture_output=True, text=True,
                           timeout=60, start_new_session=True)
    assert (ended.returncode, ended.stderr, ended.stdout) == (143, "stopped\n", "")


def test_ctrl_c_to_a_build_on_two_cores_says_one_line_whenever_it_comes(tmp_path: Path) -> None:
    """Python's process pool printed a traceback of its own (InvalidStateError) one time in five:
    the build cancelled its pending pages while the pool, its workers stopped, ended them too."""
    site, rng = write_big_site(tmp_path / "site", "A"), random.Random(KILL_SEED)
    stopped = 0
    for attempt in range(8):
        out = tmp_path / f"out{attempt}"
        build = subprocess.Popen(command("build", site, "-o", out, "-q", "-j", "2", "--no-cache"),
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True)
        try:
            wait_for_staging(out, build)
            time.sleep(rng.uniform(0, 0.25))  # while its workers render
            os.killpg(build.pid, signal.SIGINT)  # Ctrl-C at a terminal: the build and its workers
            _, stderr = build.communicate(timeout=60)
        finally:
            if build.poll() is None:
                os.killpg(build.pid, signal.SIGKILL)
                build.communicate()
        assert leftovers(out) == []
        too_late = ((0, ""), (-signal.SIGINT, ""), (130, STOPPED_AFTER_SWAP + "\n"))  # done, swapping or exiting
        if (build.returncode, stderr) in too_late:
            assert content(out)
            continue
        stopped += 1
        assert (build.returncode, stderr) == (130, "Stopped (Ctrl-C); the output folder was left as it was.\n")
        assert not out.exists()
    assert stopped >= 4, "the builds ended before Ctrl-C: the site is too small to stop one"
