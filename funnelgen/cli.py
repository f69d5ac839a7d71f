"""The command line: parses options, calls one module per command, prints what happened.

Exit codes: 0 success, 1 the site has problems, 2 bad usage.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from funnelgen import __version__
from funnelgen.errors import Abort, Problem

F = TypeVar("F", bound=Callable[..., Any])

SITE_ARG = click.argument(
    "site", default=".", type=click.Path(exists=True, file_okay=False, path_type=Path)
)


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


def _warn(problems: list[Problem], quiet: bool) -> None:
    for problem in problems:
        click.echo(f"warning: {problem}", err=True)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="funnelgen")
def cli() -> None:
    """Build fast, static sales-funnel sites from YAML."""


@cli.command()
@SITE_ARG
@click.option("-o", "--output", type=click.Path(path_type=Path), default=None,
              help="Output folder (default: SITE/public).")
@_strict
@_verbosity
@_reports_problems
def build(site: Path, output: Path | None, strict: bool | None, quiet: bool, verbose: bool) -> None:
    """Build the site in SITE (default: the current folder)."""
    from funnelgen.commands.build import build as run_build

    out = output if output is not None else site / "public"
    report = run_build(site, out, strict=bool(strict))
    _warn(report.warnings, quiet)
    if quiet:
        return
    if verbose:
        for name in report.outputs:
            click.echo(f"  wrote {name}")
    width = max((len(f.slug) for f in report.funnels), default=0)
    for funnel in report.funnels:
        click.echo(f"  {funnel.slug:<{width}}  {funnel.steps:>2} steps  /{funnel.slug}/  {funnel.title}")
    click.echo(
        f"Built {report.pages} pages ({report.files} files) from {len(report.funnels)} funnels "
        f"in {report.seconds:.2f} s → {_shown(out)}"
    )


@cli.command()
@SITE_ARG
@_strict
@_verbosity
@_reports_problems
def check(site: Path, strict: bool | None, quiet: bool, verbose: bool) -> None:
    """Run every check of a build, rendering included, without writing anything."""
    from funnelgen.commands.check import check as run_check

    report = run_check(site, strict=bool(strict))
    _warn(report.warnings, quiet)
    if not quiet:
        click.echo(f"OK: {len(report.funnels)} funnels, {report.pages} pages, "
                   f"{len(report.warnings)} warnings ({report.seconds:.2f} s)")


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@_reports_problems
def new(directory: Path) -> None:
    """Create a starter site in DIRECTORY (never overwrites a file)."""
    from funnelgen.commands.new import new_site

    written = new_site(directory)
    click.echo(f"Created {len(written)} files in {_shown(directory)}. Next:")
    click.echo(f"  funnelgen build {_shown(directory)}")


@cli.command()
@click.argument("kind", type=click.Choice(["site", "funnel", "docs"]))
def schema(kind: str) -> None:
    """Print the JSON Schema of site.yml (site) or of a funnel file (funnel), or the
    Markdown format reference (docs)."""
    if kind == "docs":
        from funnelgen.commands.reference import full_reference

        click.echo(full_reference(), nl=False)
        return
    from funnelgen.commands.schema import schema_text

    click.echo(schema_text(kind), nl=False)  # type: ignore[arg-type]


def _shown(path: Path) -> str:
    """A path as short as it can be said: relative when under the current folder."""
    absolute = path.absolute()
    return str(absolute.relative_to(Path.cwd())) if absolute.is_relative_to(Path.cwd()) else str(absolute)


def main() -> None:
    cli(prog_name="funnelgen")
