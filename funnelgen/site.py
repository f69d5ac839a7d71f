"""The pipeline up to rendering, shared by `build` and `check`: load → validate → plan → theme."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from funnelgen.errors import Abort, Problem
from funnelgen.incremental import FunnelRecord, Manifest, has_files, pages_of, reusable, site_key
from funnelgen.plan import Plan, plan_site, static_assets
from funnelgen.render import Renderer
from funnelgen.theme import ThemeChain, resolve_theme
from funnelgen.validate import validate_site


@dataclass
class Prepared:
    """A site checked through and ready to render."""

    plan: Plan
    theme: ThemeChain
    renderer: Renderer
    site_key: str

    @property
    def warnings(self) -> list[Problem]:
        return self.plan.warnings


def prepare(root: Path, *, strict: bool = False, previous: Manifest | None = None,
            reused: dict[str, FunnelRecord] | None = None, jobs: int = 1) -> Prepared:
    """Load, validate and plan a site; with ``strict``, warnings fail it too.

    With the ``previous`` build's manifest, funnel files whose inputs are unchanged are not
    parsed: the plan lists them as reused (``reused``, when the caller has found them already).
    Funnel files are loaded and validated by up to ``jobs`` forked processes: pass more than one
    only from a process that runs no other thread.
    """
    previous = previous or Manifest()
    reused = reusable(root, previous) if reused is None else reused
    with _cycle_collector_paused():
        valid = validate_site(root, skip=set(reused), reused=reused, jobs=jobs)
        plan = plan_site(valid)
    if strict and plan.warnings:
        raise Abort([Problem(w.file, w.line, w.key, w.message + " (--strict)") for w in plan.warnings])
    theme = resolve_theme(plan.site.theme, root, plan.site.theme_options, plan.site_source)
    plan.assets.update(static_assets(theme.static_files()))
    key = previous.site_key if reused else site_key(root, theme.folders())
    return Prepared(plan, theme, Renderer(plan, theme), key)


def prepare_against(root: Path, out: Path, previous: Manifest, *, strict: bool = False,
                    reused: dict[str, FunnelRecord] | None = None, jobs: int = 1) -> Prepared:
    """The site prepared to build into ``out``, reusing what the ``previous`` build there made of
    unchanged funnels, except when every page must change (the CSP, which every page carries,
    is another) or when pages of those funnels are missing from ``out``."""
    prepared = prepare(root, strict=strict, previous=previous, reused=reused, jobs=jobs)
    kept = prepared.plan.reused
    if kept and (prepared.renderer.policy.text() != previous.policy
                 or not has_files(out, pages_of(kept.values()))):
        prepared = prepare(root, strict=strict, jobs=jobs)
    return prepared


@contextlib.contextmanager
def _cycle_collector_paused() -> Iterator[None]:
    """Loading, validating and planning make hundreds of thousands of objects that all stay, and
    no reference cycles: Python's cycle collector would scan them again and again as they pile
    up (at 2,000 funnels, 40% of these stages' time). It is paused for them."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
