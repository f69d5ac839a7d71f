"""`funnelgen deploy`: publish the built folder as a commit on a branch of a git remote.

Like `mkdocs gh-deploy`, without going near the user's own repository: the commit is made with
git's plumbing (`git fast-import`) in a temporary bare repository, on top of the remote
branch's current head (so the branch keeps its history), and pushed from there. The user's
working tree, index, HEAD and branches are never written; from their repository funnelgen
only reads the remote's URL, the committer name and the current commit (for the message).

A deploy that would change nothing makes no commit. `--dry-run` lists what would change and
pushes nothing. The `.funnelgen` marker file is not deployed.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from funnelgen import __version__
from funnelgen.commands.build import build
from funnelgen.errors import Abort, Problem
from funnelgen.incremental import read_manifest
from funnelgen.stops import Stopped
from funnelgen.uptodate import BuildReport
from funnelgen.write import MARKER, no_build_writing

WORK_REF = "refs/heads/funnelgen-deploy"
# Variables that would point git at another repository, index or work tree than ours.
_REPOSITORY_VARIABLES = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
                         "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_NAMESPACE",
                         "GIT_PREFIX")
_STATUS = {"A": "added", "M": "changed", "T": "changed", "D": "removed"}


@dataclass
class DeployReport:
    """What a deploy did (or, with ``dry_run``, would do)."""

    remote: str
    branch: str
    dry_run: bool
    changes: list[tuple[str, str]] = field(default_factory=list)
    """(added | changed | removed, path), sorted by path."""
    files: int = 0
    """Files in the deployed tree."""
    left_out: list[str] = field(default_factory=list)
    """Each `.git` in the output folder (a repository or worktree made there): never published."""
    commit: str | None = None
    """The commit pushed; None when nothing changed or on a dry run."""
    build: BuildReport | None = None

    def count(self, status: str) -> int:
        return sum(1 for s, _ in self.changes if s == status)


def deploy(site: Path, out: Path, remote: str, *, branch: str = "gh-pages", message: str | None = None,
           dry_run: bool = False, build_first: bool = True, strict: bool = False) -> DeployReport:
    """Build ``site`` into ``out`` (unless ``build_first`` is false), then publish ``out``."""
    git = _Git()
    git.check_branch(branch)
    url = git.remote_url(remote, site)
    if strict and not build_first:  # the output as built: its build's warnings fail it too
        manifest = read_manifest(out)
        warned = manifest.problems() + [w for funnel in manifest.funnels.values() for w in funnel.problems()]
        if warned:
            raise Abort([Problem(w.file, w.line, w.key, w.message + " (--strict)") for w in sorted(warned)])
    try:
        built = build(site, out, strict=strict) if build_first else None
    except KeyboardInterrupt as exc:  # not Stopped: the output folder is as it was (see build)
        left = "Stopped (Ctrl-C); the output folder was left as it was."
        said = str(exc) if isinstance(exc, Stopped) else left
        raise Stopped(f"{said} Nothing was pushed.") from None
    report = publish(out, url, branch=branch, message=message or _message(git, site, out),
                     dry_run=dry_run, ident=git.ident(site), shown_remote=remote)
    report.build = built
    return report


def publish(out: Path, url: str, *, branch: str, message: str, dry_run: bool = False,
            ident: str | None = None, shown_remote: str | None = None) -> DeployReport:
    """Commit the files of ``out`` on ``branch`` of the repository at ``url`` and push it.

    ``ident``: the committer as `git var GIT_COMMITTER_IDENT` gives it (default: the user's
    global identity, or funnelgen's).

    Ctrl-C is a KeyboardInterrupt: a bare one before the push (nothing was pushed), one with a
    message saying what happened during the push or after it.
    """
    git = _Git()
    shown = shown_remote or url
    if not (out / MARKER).is_file():
        raise Abort(f"nothing to deploy: {out} is not a folder built by funnelgen (no {MARKER} file "
                    "in it); run funnelgen build first")
    report = DeployReport(remote=shown, branch=branch, dry_run=dry_run)
    pushing = pushed = False
    try:
        with tempfile.TemporaryDirectory(prefix="funnelgen-deploy-") as tmp:
            repo = _Repo(Path(tmp) / "repo.git")
            parent = repo.fetch(url, branch, shown)
            with no_build_writing(out):  # another build swapping the output in now would mix two builds
                commit, report.files = repo.commit(out, parent, message, ident or git.ident(Path.cwd()),
                                                   report.left_out)
            report.changes = repo.changes(parent, commit)
            if report.changes and not dry_run:
                pushing = True
                repo.push(url, commit, branch, shown)
                pushed = True
                report.commit = commit
    except KeyboardInterrupt:
        if pushed:
            raise Stopped("Stopped (Ctrl-C) after the deploy had finished.") from None
        if pushing:
            raise Stopped(f"Stopped (Ctrl-C) during the push: {branch} of {shown} may or may not "
                                    "have the new commit; run funnelgen deploy again to be sure.") from None
        raise
    return report


def _message(git: _Git, site: Path, out: Path) -> str:
    """The commit's title: the site's commit, and whether the site has changes not committed."""
    head = git.read(["rev-parse", "--short", "HEAD"], cwd=site)
    if not head:
        return f"Deploy with funnelgen {__version__}"
    dirty = " + uncommitted changes" if git.uncommitted(site, out) else ""
    return f"Deploy {head}{dirty} with funnelgen {__version__}"


_READING = ["-c", "core.fsmonitor=false"]
"""For git commands in the user's repository: a repository's own settings may name a program for
git status to run (core.fsmonitor); a deploy, a dry run above all, runs none."""


class _Git:
    """Runs git; commands on the user's own repository only ever read."""

    def __init__(self) -> None:
        if self.read(["--version"], cwd=Path.cwd()) is None:
            raise Abort("git is not installed (or not on PATH): install git to deploy")

    def read(self, args: list[str], *, cwd: Path) -> str | None:
        """Output of a read-only git command in ``cwd`` (the user's environment), or None."""
        try:
            run = subprocess.run(["git", *_READING, *args], cwd=cwd, capture_output=True, text=True,
                                 check=False)
        except OSError:
            return None
        return run.stdout.strip() if run.returncode == 0 else None

    def uncommitted(self, site: Path, out: Path) -> bool:
        """Whether the site's folder holds changes not committed (staged, unstaged or untracked
        files), not counting the output folder and what builds keep beside it. Reads only:
        --no-optional-locks keeps git status from refreshing the user's index."""
        try:
            run = subprocess.run(["git", *_READING, "--no-optional-locks", "status", "--porcelain", "-z",
                                  "--", "."], cwd=site, capture_output=True, check=False)
        except OSError:
            return False
        top = self.read(["rev-parse", "--show-toplevel"], cwd=site)
        if run.returncode != 0 or top is None:
            return False
        output = Path(os.path.realpath(out))
        renamed_from = False  # a renamed or copied file's entry is followed by the name it had
        for entry in run.stdout.decode("utf-8", "surrogateescape").split("\0"):
            if renamed_from or not entry:
                renamed_from = False
                continue
            renamed_from = "R" in entry[:2] or "C" in entry[:2]
            path = Path(top, entry[3:].rstrip("/"))  # "XY path", a folder with a "/"
            built = path == output or path.is_relative_to(output)
            beside = (path.parent == output.parent and path.name.startswith(f".{output.name}.")
                      and ".funnelgen-" in path.name)  # its spare, lock, compiled templates, staging
            if not (built or beside):
                return True
        return False

    def check_branch(self, branch: str) -> None:
        if self.read(["check-ref-format", "--branch", branch], cwd=Path.cwd()) is None:
            raise Abort(f"'{branch}' is not a valid branch name; give one like --branch gh-pages")

    def remote_url(self, remote: str, site: Path) -> str:
        """A URL or folder as given (folders made absolute), or the URL of a remote of the
        repository that holds ``site`` (e.g. origin)."""
        if remote.startswith("-"):  # git would read it as an option (--upload-pack=… runs a command)
            raise Abort(f"'{remote}' is not a git URL, a folder or a remote name: it starts with '-'")
        if Path(remote).exists():
            return str(Path(remote).resolve())
        if "://" in remote or ":" in remote:
            return remote
        url = self.read(["remote", "get-url", remote], cwd=site)
        if url is not None and url.startswith("-"):
            raise Abort(f"the URL of remote '{remote}' starts with '-', which git would read as an option")
        if url is None and (remote.startswith(("/", ".", "~")) or os.sep in remote):  # a folder not there
            raise Abort(f"no folder {remote}: make the repository to deploy to first "
                        f"(git init --bare {shlex.quote(remote)}), or give a git URL or a remote name")
        where = site.absolute() if str(site) == "." else site
        if url is None and self.read(["rev-parse", "--show-toplevel"], cwd=site) is None:
            raise Abort(f"'{remote}' is not a git URL or a folder, and {where} is in no git repository to "
                        "name a remote of: give the remote's URL, e.g. git@github.com:you/site.git")
        if url is None:
            raise Abort(f"'{remote}' is not a git URL, a folder, or a remote of the repository that "
                        f"holds {where}: give the remote's URL, e.g. git@github.com:you/site.git")
        if "://" in url or ":" in url or Path(url).is_absolute():
            return url
        top = self.read(["rev-parse", "--show-toplevel"], cwd=site)  # git reads a relative path from there
        return str((Path(top) / url).resolve()) if top else url

    def ident(self, where: Path) -> str:
        """Who commits: the user's git identity (as the repository holding ``where`` sets it),
        or funnelgen's when none is configured."""
        ident = self.read(["var", "GIT_COMMITTER_IDENT"], cwd=where)
        return ident or f"funnelgen <funnelgen@localhost> {int(time.time())} +0000"


class _Repo:
    """A temporary bare repository, apart from everything of the user's."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.env = {k: v for k, v in os.environ.items() if k not in _REPOSITORY_VARIABLES}
        self.env["GIT_DIR"] = str(path)
        self.run(["-c", "init.defaultBranch=funnelgen-deploy", "init", "--quiet", "--bare", str(path)])

    def run(self, args: list[str], *, stdin: bytes | None = None, check: bool = True
            ) -> subprocess.CompletedProcess[bytes]:
        run = subprocess.run(["git", *args], env=self.env, cwd=Path.cwd(), input=stdin,
                             capture_output=True, check=False)
        if check and run.returncode != 0:
            raise Abort(f"git {args[0]} failed: {_git_reason(run.stderr)}")
        return run

    def fetch(self, url: str, branch: str, shown: str) -> str | None:
        """The remote branch's head, fetched; None when the branch does not exist yet."""
        ref = f"refs/heads/{branch}"
        listed = self.run(["ls-remote", "--heads", url, ref], check=False)
        if listed.returncode != 0:
            raise Abort(f"cannot reach {shown}: {_git_reason(listed.stderr)}")
        if not listed.stdout.strip():
            return None
        fetched = self.run(["fetch", "--quiet", "--no-tags", "--depth=1", url, ref], check=False)
        if fetched.returncode != 0:
            raise Abort(f"cannot fetch {branch} from {shown}: {_git_reason(fetched.stderr)}")
        return self.run(["rev-parse", "FETCH_HEAD^{commit}"]).stdout.decode().strip()

    def commit(self, out: Path, parent: str | None, message: str, ident: str,
               left_out: list[str]) -> tuple[str, int]:
        """A commit of every file of ``out`` (but the marker and any `.git`, named in
        ``left_out``) on top of ``parent``."""
        count = 0
        with tempfile.TemporaryFile() as errors, subprocess.Popen(
            ["git", "fast-import", "--quiet", "--done"], env=self.env, cwd=Path.cwd(),
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors,
        ) as process:
            assert process.stdin is not None
            stream = process.stdin
            try:
                text = message.encode("utf-8")
                header = f"commit {WORK_REF}\ncommitter {ident}\ndata {len(text)}\n"
                stream.write(header.encode() + text + b"\n")
                if parent:
                    stream.write(f"from {parent}\n".encode())
                stream.write(b"deleteall\n")
                for rel, path in _files(out, left_out):
                    _write_file(stream, rel, path)
                    count += 1
                stream.write(b"\ndone\n")
                stream.close()
            except BrokenPipeError:  # fast-import stopped: its message says why
                pass
            failed = process.wait() != 0
            errors.seek(0)
            if failed:
                raise Abort(f"git fast-import failed: {_git_reason(errors.read())}")
        commit = self.run(["rev-parse", WORK_REF]).stdout.decode().strip()
        return commit, count

    def changes(self, parent: str | None, commit: str) -> list[tuple[str, str]]:
        args = ["diff-tree", "-r", "-z", "--no-renames", "--name-status"]
        args += [parent, commit] if parent else ["--root", commit]
        fields = self.run(args).stdout.split(b"\0")
        if not parent:
            fields = fields[1:]  # --root first names the commit itself
        pairs = zip(fields[0::2], fields[1::2], strict=False)
        found = [(_STATUS.get(status.decode()[:1], "changed"), path.decode("utf-8", "replace"))
                 for status, path in pairs if status]
        return sorted(found, key=lambda change: change[1])

    def push(self, url: str, commit: str, branch: str, shown: str) -> None:
        pushed = self.run(["push", "--quiet", "--no-verify", url, f"{commit}:refs/heads/{branch}"],
                          check=False)
        if pushed.returncode != 0:
            raise Abort(f"the push to {branch} of {shown} was rejected: {_rejection(pushed.stderr)}")


def _files(out: Path, left_out: list[str]) -> Iterator[tuple[str, Path]]:
    """Every regular file under ``out`` by its path there, in a stable order, but the marker and
    any `.git` (a repository or worktree made in the output folder: its config may hold a token,
    and a branch with a `.git` cannot be checked out), whose paths are added to ``left_out``."""
    for folder, dirs, names in os.walk(out):
        for name in [d for d in dirs if d == ".git"] + [n for n in names if n == ".git"]:
            left_out.append((Path(folder) / name).relative_to(out).as_posix())
        dirs[:] = sorted(d for d in dirs if d != ".git")
        for name in sorted(names):
            path = Path(folder) / name
            rel = path.relative_to(out).as_posix()
            if name != ".git" and rel != MARKER and path.is_file() and not path.is_symlink():
                yield rel, path


def _write_file(stream: IO[bytes], rel: str, path: Path) -> None:
    data = path.read_bytes()
    mode = "100755" if os.access(path, os.X_OK) else "100644"
    stream.write(f"M {mode} inline {_quoted(rel)}\ndata {len(data)}\n".encode() + data + b"\n")


def _quoted(path: str) -> str:
    """A path as fast-import reads it: C-style quoted when it has to be."""
    if not any(c in path for c in '"\\\n') and not path.startswith('"'):
        return path
    escaped = path.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _git_reason(stderr: bytes | str) -> str:
    """Why git failed, in one line: its first error (the later ones are advice such as "make
    sure you have the correct access rights"), else its last line."""
    text = stderr.decode("utf-8", "replace") if isinstance(stderr, bytes) else stderr
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith(("fatal: ", "error: "))]
    found = errors[0] if errors else lines[-1] if lines else "no reason given"
    return found.removeprefix("fatal: ").removeprefix("error: ")


def _rejection(stderr: bytes) -> str:
    """The reason git gives for a rejected push, in one line."""
    text = stderr.decode("utf-8", "replace")
    for line in text.splitlines():
        if "[rejected]" in line or "[remote rejected]" in line:
            reason = line[line.rfind("(") + 1 : line.rfind(")")] if "(" in line else line.strip()
            if "fetch first" in reason or "non-fast-forward" in reason:
                return f"{reason}: the branch changed while deploying; run funnelgen deploy again"
            if "checked out" in reason:  # a repository with a working tree on that branch
                return f"{reason} there; deploy to another --branch (gh-pages), or to a bare repository"
            return reason
    return _git_reason(stderr)
