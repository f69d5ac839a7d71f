"""Fixtures that write tiny real sites and run the real build on them."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from funnelgen.cli import cli

SITE_YML = """\
name: Tiny Co
base_url: https://tiny.example/
"""

FUNNEL_YML = """\
title: Tiny funnel
steps:
  - id: join
    type: optin
    headline: Join the list
    form:
      provider: custom
      action: https://mail.example/subscribe
  - id: thanks
    type: thankyou
    headline: Thanks for joining
"""

MakeSite = Callable[..., Path]


@pytest.fixture
def make_site(tmp_path: Path) -> MakeSite:
    """Write a site from ``{path: text}`` over a minimal working site; None removes a file."""

    def make(files: dict[str, str | bytes | None] | None = None, *, name: str = "site") -> Path:
        root = tmp_path / name
        merged: dict[str, str | bytes | None] = {
            "site.yml": SITE_YML, "funnels/tiny.yml": FUNNEL_YML, **(files or {})
        }
        for rel, content in merged.items():
            if content is None:
                continue
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content), encoding="utf-8")
        return root

    return make


@pytest.fixture
def run_cli() -> Callable[..., Result]:
    """Run the funnelgen CLI in-process through click's runner."""

    def run(*args: str | Path) -> Result:
        return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return run


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes: to prove nothing changed."""
    if not folder.exists():
        return {}
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
