"""The pipeline up to rendering, shared by `build` and `check`: load → validate → plan → theme."""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from funnelgen.errors import Abort, Problem
from funnelgen.incremental import (
    FunnelRecord,
    Manifest,
    has_files,
    ignored_funnel_files,
    pages_of,
    reusable,
    site_files_key,
    site_key,
)
from funnelgen.load import load_yaml
from funnelgen.plan import Page, Plan, SiteContext, plan_assets, plan_funnel, plan_site, static_assets
from funnelgen.render import Renderer, markdown_for
from funnelgen.schema import Funnel, Site
from funnelgen.theme import (
    ThemeChain,
    contrast_warnings,
    resolve_theme,
    untranslated_words,
    unused_site_templates,
)
from funnelgen.tracking import consent_warnings, snippet_warnings
from funnelgen.validate import Planner, validate, validate_site


@dataclass
class Prepared:
    """A site checked through and ready to render."""

    plan: Plan
    theme: ThemeChain
    renderer: Renderer
    site_key: str
    context: SiteContext

    @property
    def warnings(self) -> list[Problem]:
        return self.plan.warnings

    def pages_of(self, name: str) -> list[Page]:
        """The pages of funnel file ``name``: as planned, or, when the plan did not keep them
        (`Plan.held`), from the spool, or else from the file loaded, validated and planned again."""
        if self.plan.held:
            return self.plan.pages_of(self.plan.funnels[self._index[name]])
        surveyed = self.plan.surveyed[name]
        if surveyed.spooled is not None and self.plan.spool is not None:
            try:
                pages: list[Page] = self.plan.spool.take(surveyed.spooled)
                return pages
            except OSError:
                pass  # the spool file cannot be read back: load the funnel again
        source = load_yaml(surveyed.source.path, name)
        if source.digest != surveyed.source.digest:
            raise Abort([Problem(name, 0, "", "changed while the site was being built; build again")])
        funnel, problems = validate(source, Funnel)
        if funnel is None:
            raise Abort(problems)
        source.release()
        again = plan_funnel(funnel, source, self.context)
        if again.surveyed.errors:  # the same bytes planned cleanly: a body file changed since
            raise Abort(again.surveyed.errors)
        return again.pages

    @cached_property
    def _index(self) -> dict[str, int]:
        return {planned.source.name: i for i, planned in enumerate(self.plan.funnels)}


def prepare(root: Path, *, strict: bool = False, previous: Manifest | None = None,
            reused: dict[str, FunnelRecord] | None = None, jobs: int = 1,
            keep_all: bool = False) -> Prepared:
    """Load, validate and plan a site; with ``strict``, warnings fail it too.

    With the ``previous`` build's manifest, funnel files whose inputs are unchanged are not
    parsed: the plan lists them as reused (``reused``, when the caller has found them already).
    Funnel files are loaded, validated and planned by up to ``jobs`` forked processes: pass more
    than one only from a process that runs no other thread. Then, as for a site of more than
    validate.MAX_KEPT_FUNNELS funnels (unless ``keep_all``), the plan keeps only what planning
    found of each funnel (`Plan.held` is false), its pages waiting on disk (spool.py) to render.
    """
    previous = previous or Manifest()
    reused = reusable(root, previous) if reused is None else reused
    # Taken before the site is read: a file saved while it loads then differs from the key
    # when the build checks it again, and the build stops instead of keeping stale pages.
    files_key = None if reused else site_files_key(root)
    assets, asset_problems = plan_assets(root)
    context: SiteContext | None = None

    def planner(site: Site) -> Planner:  # validate_site calls it once site.yml is valid
        nonlocal context
        context = SiteContext(root, site, assets, markdown_for(site, assets))
        return functools.partial(plan_funnel, context=context)

    with _cycle_collector_paused():
        valid = validate_site(root, planner, skip=set(reused), reused=reused, jobs=jobs, keep_all=keep_all)
        assert context is not None  # the site validated
        plan = plan_site(valid, context, asset_problems)
    theme = resolve_theme(plan.site.theme, root, plan.site.theme_options, plan.site_source)
    plan.warnings.extend(unused_site_templates(root, theme))
    plan.warnings.extend(untranslated_words(root, theme, plan.site, plan.site_source))
    plan.warnings.extend(ignored_funnel_files(root))
    plan.warnings.extend(consent_warnings(plan.site, plan.site_source))
    plan.warnings.extend(snippet_warnings(plan.site, plan.site_source))
    plan.warnings.extend(contrast_warnings(theme, plan.site.brand.colors, plan.site_source))
    if strict and plan.warnings:
        raise Abort([Problem(w.file, w.line, w.key, w.message + " (--strict)") for w in plan.warnings])
    plan.assets.update(static_assets(theme.static_files()))
    key = previous.site_key if reused else site_key(root, theme.folders(), files_key)
    return Prepared(plan, theme, Renderer(plan, theme, context.markdown), key, context)


def prepare_against(root: Path, out: Path, previous: Manifest, *, strict: bool = False,
                    reused: dict[str, FunnelRecord] | None = None, jobs: int = 1,
                    keep_all: bool = False) -> Prepared:
    """The site prepared to build into ``out``, reusing what the ``previous`` build there made of
    unchanged funnels, except when every page must change (the CSP, which every page carries,
    is another) or when pages of those funnels are missing from ``out``."""
    prepared = prepare(root, strict=strict, previous=previous, reused=reused, jobs=jobs, keep_all=keep_all)
    kept = prepared.plan.reused
    if kept and (prepared.renderer.policy.text() != previous.policy
                 or not has_files(out, pages_of(kept.values()))):
        prepared = prepare(root, strict=strict, jobs=jobs, keep_all=keep_all)
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
