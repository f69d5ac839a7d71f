"""The command line: parses options, calls one module per command, prints what happened.

Exit codes: 0 success, 1 the site has problems, 2 bad usage, 130 stopped with Ctrl-C.
"""

from __future__ import annotations

import errno
import os
import re
import shlex
import signal
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TypeVar

import click

from funnelgen import __version__
from funnelgen.errors import Abort, Problem, counted, printable
from funnelgen.stops import Stopped, stoppable

if TYPE_CHECKING:
    from funnelgen.commands.deploy import DeployReport
    from funnelgen.uptodate import BuildReport

F = TypeVar("F", bound=Callable[..., Any])


def _existing_folder(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """SITE must be a folder that is there: say so, and what to give, in words a marketer reads."""
    if value is not None and not os.path.exists(value):
        raise click.UsageError(f"no folder {value}; give the folder that holds site.yml "
                               f"(e.g. funnelgen {ctx.info_name} mysite)", ctx=ctx)
    if value is not None and os.path.isfile(value):  # site.yml or a funnel file: its site is what builds
        above = value.parent.parent if value.parent.name == "funnels" else value.parent
        raise click.UsageError(f"{value} is a file; give the folder that holds site.yml "
                               f"(funnelgen {ctx.info_name} {above})", ctx=ctx)
    return value


SITE_ARG = click.argument("site", default=".", callback=_existing_folder,
                          type=click.Path(path_type=Path))  # a file: see _existing_folder


_LISTED = 20
"""A build lists every funnel up to this many; beyond, only those it rendered (but with -v)."""


def _verbosity(func: F) -> F:
    func = click.option("-q", "--quiet", is_flag=True, help="Print only problems.")(func)
    func = click.option("-v", "--verbose", is_flag=True, help="Print every page and detail.")(func)
    return func


def _strict(func: F) -> F:
    return click.option("--strict/--no-strict", default=None,
                        help="Treat warnings as errors.")(func)


def _reports_problems(func: F) -> F:
    """Turn an Abort into one line per problem on stderr and exit code 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Abort as exc:
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            count = len(exc.problems)
            if count > 1:
                click.echo(f"{count} problems; nothing was written.", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def _stops_on_ctrl_c(said: str) -> Callable[[F], F]:
    """Turn Ctrl-C into one line on stderr and exit code 130: ``said``, or the message of the
    KeyboardInterrupt when the code it stopped raised one saying what it left (e.g. a build
    stopped after its swap). SIGTERM (a CI job cancelled, `docker stop`, `kill`) stops it the
    same way, cleaning up as Ctrl-C does, with exit code 143. Only the first stops it (see
    funnelgen/stops.py); one that Python dropped on the way ends the command once its work is
    done, saying so."""

    def decorate(func: F) -> F:
        @wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with stoppable() as stops:
                try:
                    result = func(*args, **kwargs)
                except KeyboardInterrupt as exc:  # only ours say what was left: Python's own say more
                    _stopped(str(exc) if isinstance(exc, Stopped) else said, stops)
                if stops:  # it reached no code that could stop: the work is done
                    _stopped("Stopped (Ctrl-C) as it finished; what it printed above was done.", stops)
                return result

        return wrapper  # type: ignore[return-value]

    return decorate


def _stopped(message: str, stops: list[int]) -> NoReturn:
    """Say the command was stopped, and exit with the code of what stopped it: 130 for Ctrl-C,
    143 for SIGTERM."""
    terminated = stops[:1] == [signal.SIGTERM]
    if sys.stderr.isatty() and not terminated:  # past the ^C the terminal printed
        click.echo("", err=True)
    click.echo(message.replace("(Ctrl-C)", "(terminated)") if terminated else message, err=True)
    sys.exit(128 + signal.SIGTERM if terminated else 130)


_LEFT_AS_IT_WAS = "Stopped (Ctrl-C); the output folder was left as it was."
_BUILT = "Stopped (Ctrl-C) after the build had finished; the output folder is up to date."


def _jobs(ctx: click.Context, param: click.Parameter, value: str | None) -> int | None:
    """-j: a whole number of processes, 1 or more."""
    if value is None:
        return None
    if not (value.isascii() and value.isdigit() and int(value) >= 1):
        raise click.BadParameter(f"'{value}' is not a number of processes; give a whole number, 1 or more "
                                 "(e.g. -j 4)", ctx=ctx, param_hint="-j")
    return int(value)


def _not_beside_another_output(out: Path, command: str) -> None:
    """Refuse an -o (of ``command``, build or deploy) that names, or is inside, a folder funnelgen
    keeps beside another output: its spare (``.public.funnelgen-spare``, see write.py), which each
    build of that output rewrites, a staging folder, which the next build of it removes, its
    compiled templates or its lock file."""
    named = out if out.name not in ("", "..") else Path(os.path.abspath(out))  # `-o .` names a folder too
    for part in (named, *named.parents):
        kept = re.fullmatch(r"\.(.+)\.funnelgen-(spare|templates|lock)", part.name)
        staging = re.fullmatch(r"\.(.+)\.[0-9a-f]{8}\.funnelgen-tmp(?:\.old)?", part.name)
        if kept is not None:
            owner = part.parent / kept[1]
            what = {"spare": f"spare of {owner} (the build before last, which each build of {owner.name} "
                             "rewrites)",
                    "templates": f"folder of the templates compiled for {owner}",
                    "lock": f"lock file of {owner}"}[kept[2]]
            break
        if staging is not None:
            owner = part.parent / staging[1]
            what = f"staging folder of {owner} (which the next build of {owner.name} removes)"
            break
    else:
        return
    doing = "write to" if command == "build" else command
    inside = "" if part == named else f"inside {part.name}, "
    raise Abort(f"refusing to {doing} {out}: it is {inside}funnelgen's {what}; to {command} {owner.name}, "
                f"write -o {shlex.quote(str(owner))}, or choose another -o folder")


def _no_tilde(ctx: click.Context, param: click.Parameter, value: str | None) -> Path | None:
    """Refuse an -o that starts with a quoted '~': the shell did not expand it, and funnelgen would
    make a folder named '~' (which a later `rm -rf ~` meant for it would take the home folder with)."""
    if value is None:
        return None
    if not value.strip():  # -o "$OUT" with OUT unset: not the current folder
        raise click.BadParameter("is empty: write the output folder after -o (or leave -o out for "
                                 "SITE/public)", ctx=ctx, param=param)
    if value.startswith("="):  # -o=out: click reads '=out' (only --output=out takes an '=')
        folder = value[1:] or "FOLDER"
        raise click.BadParameter(f"'{value}' starts with '=': write -o {folder} (a space after -o, not '=')",
                                 ctx=ctx, param=param)
    if value.startswith("~"):
        meant = os.path.expanduser(value)
        hint = f"write it in full ({meant})" if meant != value else "write the folder in full"
        raise click.BadParameter(f"'{value}' starts with '~', which only the shell expands, outside quotes; "
                                 f"{hint}", ctx=ctx, param=param)
    return Path(value)


def _site_above(site: Path, command: str) -> None:
    """Stop at once, saying which folder to give instead, when SITE has no site.yml but sits
    inside a site (run from its funnels/ folder, say): the usual mistake of a new user."""
    if os.path.lexists(site / "site.yml"):
        return
    for folder in site.absolute().parents:
        if os.path.lexists(folder / "site.yml"):
            here = _shown(site)
            instead = shlex.quote(os.path.relpath(folder)) + (" --git …" if command == "deploy" else "")
            raise Abort(f"{Path.cwd() if here == '.' else here}: no site.yml in this folder; it is inside "
                        f"the site {_shown(folder)}: run funnelgen {command} {instead}")


def _warn(problems: list[Problem], quiet: bool) -> None:
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)


class _UsageLine(click.ClickException):
    """A usage error said in one line (see `_usage_line`); exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(self.message, err=True)


def _usage_line(exc: click.UsageError, command: str) -> str:
    """What was wrong and what to type, in one line: click's message without its usage block,
    e.g. `funnelgen build: no such option --ouput (did you mean --output?); see funnelgen build --help`.
    ``command``: the command being run, when the error does not say (`-o` without a value)."""
    command = exc.ctx.command_path if exc.ctx is not None else command
    unknown_command = getattr(exc, "command_name", None)  # click.exceptions.NoSuchCommand (click 8.4+)
    if isinstance(exc, click.exceptions.NoSuchOption):
        what = f"no such option {exc.option_name}{_did_you_mean(exc.possibilities)}"
    elif unknown_command is not None:
        known = _did_you_mean(getattr(exc, "possibilities", None))
        if not known and exc.ctx is not None and isinstance(exc.ctx.command, click.Group):
            known = f" (commands: {', '.join(exc.ctx.command.list_commands(exc.ctx))})"
        what = f"no such command {unknown_command}{known}"
    else:
        text = " ".join(exc.format_message().split()).rstrip(".")  # "Choose from:\n\tsite,\n…" too
        what = text[:1].lower() + text[1:]
    return f"{command}: {what}; see {command} --help"


def _did_you_mean(possibilities: list[str] | None) -> str:
    return f" (did you mean {' or '.join(possibilities)}?)" if possibilities else ""


class _Funnelgen(click.Group):
    """The funnelgen command: every usage error, of any command, is one line (`_usage_line`)."""

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        try:
            return super().make_context(info_name, args, parent, **extra)
        except click.exceptions.NoArgsIsHelpError:
            raise  # `funnelgen` alone: the help, as click prints it
        except click.UsageError as exc:
            raise _UsageLine(_usage_line(exc, info_name or "funnelgen")) from None

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except click.exceptions.NoArgsIsHelpError:
            raise
        except click.UsageError as exc:  # the command's own options and arguments, or no such command
            command = " ".join(filter(None, [ctx.command_path, ctx.invoked_subcommand]))
            raise _UsageLine(_usage_line(exc, command)) from None


@click.group(name="funnelgen", cls=_Funnelgen, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="funnelgen")
def cli() -> None:
    """Build fast, static sales-funnel sites from YAML."""


@cli.command()
@SITE_ARG
@click.option("-o", "--output", type=click.Path(), default=None, callback=_no_tilde,
              help="Output folder (default: SITE/public).")
@click.option("-j", "--jobs", metavar="N", callback=_jobs, default=None,
              help="Processes that render pages (default: every core).")
@click.option("--no-cache", is_flag=True, help="Render every page, even of unchanged funnels.")
@_strict
@_verbosity
@_stops_on_ctrl_c(_LEFT_AS_IT_WAS)
@_reports_problems
def build(site: Path, output: Path | None, jobs: int | None, no_cache: bool, strict: bool | None,
          quiet: bool, verbose: bool) -> None:
    """Build the site in SITE (default: the current folder)."""
    import time

    from funnelgen.incremental import Manifest, read_manifest, reusable
    from funnelgen.uptodate import up_to_date

    _site_above(site, "build")
    started = time.perf_counter()
    out = output if output is not None else site / "public"
    _not_beside_another_output(out, "build")
    previous = Manifest() if no_cache else read_manifest(out)
    reused = reusable(site, previous)
    report: BuildReport | None = None
    try:
        report = up_to_date(site, out, previous, reused, strict=bool(strict), started=started)
        if report is None:  # only now load the pipeline: a no-change build does not need it
            from funnelgen.commands.build import build as run_build

            progress = None if quiet else _Progress()
            try:
                report = run_build(site, out, strict=bool(strict), jobs=jobs, cache=not no_cache,
                                   progress=progress, previous=previous, reused=reused, started=started)
            finally:
                if progress:
                    progress.close()
        _print_build(report, out, quiet, verbose)
    except KeyboardInterrupt as exc:  # the build's own words, or before it finished: left as it was
        if report is None or isinstance(exc, Stopped):
            raise
        raise Stopped(_BUILT) from None


def _print_build(report: BuildReport, out: Path, quiet: bool, verbose: bool) -> None:
    """What a build did: its warnings, a line per funnel and a summary (with -q, only warnings)."""
    _warn(report.warnings, quiet)
    if quiet:
        return
    if verbose:
        for name in report.outputs:
            click.echo(f"  wrote {name}")
    listed = [f for f in report.funnels if verbose or len(report.funnels) <= _LISTED or not f.reused]
    width = max((len(f.slug) for f in listed), default=0)
    for funnel in listed:
        unchanged = "  (unchanged)" if funnel.reused else ""
        click.echo(f"  {funnel.slug:<{width}}  {funnel.steps:>2} steps  /{funnel.slug}/  "
                   f"{printable(funnel.title)}{unchanged}")
    if len(listed) < len(report.funnels):
        others = counted(len(report.funnels) - len(listed), "unchanged funnel")
        click.echo(f"  … and {others} (-v lists them)")
    if report.up_to_date:
        pages, funnels = counted(report.pages, "page"), counted(len(report.funnels), "funnel")
        click.echo(f"Up to date: {pages} from {funnels}, nothing changed since the last build "
                   f"({report.seconds:.2f} s) → {_shown(out)}")
        return
    linked = report.pages - report.rendered
    detail = counted(report.files, "file") + (f", {linked:,} unchanged pages reused" if linked else "")
    click.echo(
        f"Built {counted(report.pages, 'page')} ({detail}) from {counted(len(report.funnels), 'funnel')} "
        f"in {report.seconds:.2f} s → {_shown(out)}"
    )


@cli.command()
@SITE_ARG
@_strict
@_verbosity
@_stops_on_ctrl_c("Stopped (Ctrl-C); nothing was written.")
@_reports_problems
def check(site: Path, strict: bool | None, quiet: bool, verbose: bool) -> None:
    """Run every check of a build, rendering included, without writing anything."""
    from funnelgen.commands.check import check as run_check

    _site_above(site, "check")
    report = run_check(site, strict=bool(strict))
    _warn(report.warnings, quiet)
    if not quiet:
        click.echo(f"OK: {counted(len(report.funnels), 'funnel')}, {counted(report.pages, 'page')}, "
                   f"{counted(len(report.warnings), 'warning')} ({report.seconds:.2f} s)")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False))
@_stops_on_ctrl_c("Stopped (Ctrl-C); nothing was created.")
@_reports_problems
def new(directory: str) -> None:
    """Create a starter site in DIRECTORY (never overwrites a file)."""
    from funnelgen.commands.new import new_site

    if not directory:  # an unset variable ("funnelgen new $NAME") would fill the current folder
        raise click.BadParameter("it is empty; give the folder to create, e.g. funnelgen new mysite",
                                 param_hint="'DIRECTORY'")
    written = new_site(Path(directory))
    try:
        _print_new(Path(directory), written)
    except KeyboardInterrupt:
        raise Stopped("Stopped (Ctrl-C) after the site was created.") from None


def _print_new(directory: Path, written: list[Path]) -> None:
    """What `new` made, and the command to run next."""
    shown = _shown(directory)
    click.echo(f"Created {len(written)} files in {'this folder' if shown == '.' else shown}. Next:")
    pasted = f"./{shown}" if shown.startswith("-") else shown  # not read as an option
    click.echo(f"  funnelgen build {shlex.quote(pasted)}")
    if directory / ".gitignore" not in written:
        click.echo("Your .gitignore was kept: add public/ and .public.funnelgen-* to it, "
                   "to keep the build out of git.")
    if directory / ".gitattributes" not in written:
        click.echo("Your .gitattributes was kept: add '* -text' to it, so that Git for Windows "
                   "does not change the files' line ends (and the site it builds).")


@cli.command()
@click.argument("kind", type=click.Choice(["site", "funnel", "docs"]))
@_stops_on_ctrl_c("Stopped (Ctrl-C).")
@_reports_problems
def schema(kind: str) -> None:
    """Print the JSON Schema of site.yml (site) or of a funnel file (funnel), or the
    Markdown format reference (docs)."""
    if kind == "docs":
        from funnelgen.commands.reference import full_reference

        text = full_reference()
    else:
        from funnelgen.commands.schema import schema_text

        text = schema_text(kind)  # type: ignore[arg-type]
    try:
        click.echo(text, nl=False)
        sys.stdout.flush()
    except OSError as exc:  # `> file` on a full disk, a closed pipe …
        what = "the reference" if kind == "docs" else "the schema"
        reason = (exc.strerror or str(exc)).lower()
        hint = "; free some space or write it elsewhere" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else ""
        raise Abort(f"cannot write {what}: {reason}{hint}") from None


class _Progress:
    """A progress bar on long builds: redrawn in place on a terminal, a few plain lines in logs."""

    MIN_PAGES = 300

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self.shown = -1
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total < self.MIN_PAGES:
            return
        percent = done * 100 // total
        step = 2 if self.tty else 25
        if percent < step:
            return
        if percent // step == self.shown // step and done != total:
            return
        self.shown = percent
        if self.tty:
            bar = "#" * (percent * 30 // 100)
            click.echo(f"\r  [{bar:<30}] {percent:3}%  {done:,}/{total:,} pages", err=True, nl=False)
            self.drawn = True
        else:
            click.echo(f"  {done:,}/{total:,} pages ({percent}%)", err=True)

    def close(self) -> None:
        if self.drawn:
            click.echo("\r" + " " * 64 + "\r", err=True, nl=False)


@cli.command()
@SITE_ARG
@click.option("-p", "--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to serve on (0: any free port).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 shows the preview to your whole network.")
@click.option("--open", "open_browser", is_flag=True, help="Open the site in your web browser.")
@_reports_problems
def serve(site: Path, port: int, host: str, open_browser: bool) -> None:
    """Preview SITE while you edit: rebuilds on every save and reloads the browser.

    Builds into a temporary folder (never into SITE/public), shows problems in the browser
    and here, and adds a bar to preview each traffic temperature. Ctrl-C stops it.
    """
    from funnelgen.commands.serve import serve as run_serve

    run_serve(site, host=host, port=port, open_browser=open_browser)


@cli.command()
@SITE_ARG
@click.option("--git", "remote", required=True, metavar="REMOTE",
              help="Where to publish: a git URL, a folder, or a remote of SITE's repository (origin).")
@click.option("--branch", default="gh-pages", show_default=True, help="Branch to commit to.")
@click.option("-m", "--message", default=None, help="Commit message (default: names the source commit).")
@click.option("--dry-run", is_flag=True, help="List what would change on the branch; push nothing.")
@click.option("-o", "--output", type=click.Path(), default=None, callback=_no_tilde,
              help="Output folder to build into and publish (default: SITE/public).")
@click.option("--no-build", is_flag=True, help="Publish the output folder as it is, without building.")
@_strict
@_verbosity
@_stops_on_ctrl_c("Stopped (Ctrl-C); nothing was pushed.")
@_reports_problems
def deploy(site: Path, remote: str, branch: str, message: str | None, dry_run: bool, output: Path | None,
           no_build: bool, strict: bool | None, quiet: bool, verbose: bool) -> None:
    """Build SITE and publish it as a new commit on a branch of a git remote (GitHub Pages).

    The commit is made in a temporary repository on top of the branch's history; your working
    tree, index and branches are never touched. Nothing changed: no commit.
    """
    from funnelgen.commands.deploy import deploy as run_deploy

    _site_above(site, "deploy")
    out = output if output is not None else site / "public"
    _not_beside_another_output(out, "deploy")
    report = run_deploy(site, out, remote, branch=branch, message=message, dry_run=dry_run,
                        build_first=not no_build, strict=bool(strict))
    try:
        _print_deploy(report, out, dry_run, quiet, verbose)
    except KeyboardInterrupt:
        raise Stopped("Stopped (Ctrl-C) after the deploy had finished.") from None


def _print_deploy(report: DeployReport, out: Path, dry_run: bool, quiet: bool, verbose: bool) -> None:
    """What a deploy did (or would do): the build's warnings, then a line or two."""
    if report.build is not None:
        _warn(report.build.warnings, quiet)
    for name in report.left_out:
        click.echo(f"warning: {_shown(out / name)} was not published: a git repository or worktree in the "
                   "output folder is never deployed, and a build replaces the folder, so keep it elsewhere",
                   err=True)
    if quiet:
        return
    if report.build is not None:
        built = counted(report.build.pages, "page")
        click.echo(f"Built {built} in {report.build.seconds:.2f} s → {_shown(out)}")
    if dry_run or verbose:
        for status, path in report.changes:
            click.echo(f"  {status:<8} {path}")
    where = f"{report.branch} of {report.remote}"
    counts = ", ".join(f"{report.count(s)} {s}" for s in ("added", "changed", "removed"))
    if not report.changes:
        click.echo(f"Nothing to deploy: {where} already has these {report.files} files; no commit made.")
    elif dry_run:
        click.echo(f"Would deploy {report.files} files to {where}: {counts}. Nothing was pushed (--dry-run).")
    else:
        commit = (report.commit or "")[:7]
        click.echo(f"Deployed {report.files} files to {where}: {counts} (commit {commit}).")


@cli.command()
@click.argument("site", required=False, callback=_existing_folder,
                type=click.Path(path_type=Path))
@_stops_on_ctrl_c("Stopped (Ctrl-C).")
@_reports_problems
def themes(site: Path | None) -> None:
    """List the built-in and installed themes with their options; with SITE, mark the one it uses
    (and exit 1 when the site's theme or its options would fail the build)."""
    from funnelgen.commands.themes import check_site_theme, themes_text

    click.echo(themes_text(site), nl=False)
    if site is not None:
        check_site_theme(site)


def _shown(path: Path) -> str:
    """A path as short as it can be said: relative when under the current folder."""
    absolute = path.absolute()
    return str(absolute.relative_to(Path.cwd())) if absolute.is_relative_to(Path.cwd()) else str(absolute)


def main() -> None:
    cli(prog_name="funnelgen")
