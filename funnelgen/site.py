"""The pipeline up to rendering, shared by `build` and `check`: load → validate → plan → theme."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from funnelgen.errors import Abort, Problem
from funnelgen.incremental import FunnelRecord, Manifest, funnel_key, site_key
from funnelgen.load import funnel_files, load_site, load_yaml
from funnelgen.plan import Plan, plan_site, static_assets
from funnelgen.render import Renderer
from funnelgen.schema import Site
from funnelgen.theme import ThemeChain, resolve_theme
from funnelgen.validate import validate, validate_site


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


def prepare(root: Path, *, strict: bool = False, previous: Manifest | None = None) -> Prepared:
    """Load, validate and plan a site; with ``strict``, warnings fail it too.

    With the ``previous`` build's manifest, funnel files whose inputs are unchanged are not
    parsed: the plan lists them as reused.
    """
    key, reused = reusable(root, previous or Manifest())
    valid = validate_site(load_site(root, skip=set(reused)), reused)
    plan = plan_site(valid)
    if strict and plan.warnings:
        raise Abort([Problem(w.file, w.line, w.key, w.message + " (--strict)") for w in plan.warnings])
    theme = resolve_theme(plan.site.theme, root, plan.site.theme_options, plan.site_source)
    plan.assets.update(static_assets(theme.static_files()))
    return Prepared(plan, theme, Renderer(plan, theme), key or site_key(root, theme.files()))


def reusable(root: Path, previous: Manifest) -> tuple[str, dict[str, FunnelRecord]]:
    """The site key, and the funnel files the previous build made from the very same inputs."""
    if not previous.funnels:
        return "", {}
    try:
        source = load_yaml(root / "site.yml", "site.yml")
        site, _ = validate(source, Site)
        if site is None:
            return "", {}
        theme = resolve_theme(site.theme, root, site.theme_options, source)
    except Abort:
        return "", {}  # the full build reports it
    key = site_key(root, theme.files())
    if key != previous.site_key:
        return key, {}
    reused = {}
    for path in funnel_files(root):
        name = f"funnels/{path.name}"
        record = previous.funnels.get(name)
        if record is not None and record.key == funnel_key(key, path):
            reused[name] = record
    return key, reused
