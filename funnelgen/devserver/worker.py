"""The full build of a rebuild, in a process of its own: ``python -m funnelgen.devserver.worker SITE OUT``.

It runs the real `funnelgen build` pipeline and prints one JSON object on stdout:
``{"ok": true, "pages": …, "files": …, "seconds": …, "warnings": [problem, …]}`` or
``{"ok": false, "problems": [problem, …]}``, each problem as its fields. A process of its own
(at a lower priority) keeps the server and the quick part of a rebuild responsive while it
runs (no shared GIL),
and lets a newer save cancel it: the server simply kills it (the writer's staging folder
keeps the previous build intact, and the next build clears what is left).
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import funnelgen
from funnelgen.errors import Abort, Problem


@dataclass
class Outcome:
    """What a full build did."""

    ok: bool
    pages: int = 0
    files: int = 0
    seconds: float = 0.0
    problems: list[Problem] = dataclasses.field(default_factory=list)
    warnings: list[Problem] = dataclasses.field(default_factory=list)
    cancelled: bool = False


def main(argv: list[str]) -> int:
    from funnelgen.commands.build import build

    site, out = Path(argv[0]), Path(argv[1])
    if hasattr(os, "nice"):
        os.nice(10)  # in the background: the server and the browser come first
    try:
        report = build(site, out)
    except Abort as exc:
        result: dict[str, Any] = {"ok": False, "problems": [dataclasses.asdict(p) for p in exc.problems]}
    else:
        result = {"ok": True, "pages": report.pages, "files": report.files, "seconds": report.seconds,
                  "warnings": [dataclasses.asdict(p) for p in report.warnings]}
    sys.stdout.write(json.dumps(result))
    return 0


class BuildProcess:
    """One full build running in a child process."""

    def __init__(self, site: Path, out: Path) -> None:
        env = dict(os.environ)
        package_parent = str(Path(funnelgen.__file__).resolve().parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_parent, env.get("PYTHONPATH")) if p)
        self._process = subprocess.Popen(
            [sys.executable, "-m", "funnelgen.devserver.worker", str(site), str(out)],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
            start_new_session=True,  # Ctrl-C in the terminal stops the server, which stops this
        )
        self._cancelled = False

    def wait(self) -> Outcome:
        stdout, stderr = self._process.communicate()
        if self._cancelled:
            return Outcome(ok=False, cancelled=True)
        try:
            result = json.loads(stdout)
        except ValueError:
            detail = stderr.decode("utf-8", "replace").strip().splitlines()
            last = detail[-1] if detail else f"exit status {self._process.returncode}"
            return Outcome(ok=False, problems=[Problem("", 0, "", f"internal error in the build: {last}")])
        problems = [Problem(**p) for p in result.get("problems", [])]
        warnings = [Problem(**p) for p in result.get("warnings", [])]
        return Outcome(ok=bool(result["ok"]), pages=result.get("pages", 0), files=result.get("files", 0),
                       seconds=result.get("seconds", 0.0), problems=problems, warnings=warnings)

    def cancel(self) -> None:
        """Stop the build; the folder it was writing to keeps the previous build."""
        self._cancelled = True
        if self._process.poll() is None:
            self._process.kill()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
