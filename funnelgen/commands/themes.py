"""`funnelgen themes [SITE]`: the built-in and installed themes, what each looks like, its options.

With SITE, the theme the site uses is marked (a folder theme of the site is listed too) and the
values the site sets in `theme_options` are shown beside the defaults.
"""

from __future__ import annotations

import shutil
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from funnelgen.errors import Abort
from funnelgen.load import Source, load_yaml
from funnelgen.schema import Site
from funnelgen.theme import (
    ENTRY_POINT_GROUP,
    Theme,
    ThemeOption,
    builtin_themes,
    builtin_themes_dir,
    declared_options,
    installed_themes,
    resolve_theme,
    theme_chain,
)
from funnelgen.validate import validate

WIDTH = max(60, min(100, shutil.get_terminal_size((100, 24)).columns))


@dataclass
class Listed:
    """One theme as the listing shows it."""

    name: str
    """What a site writes as `theme:`."""
    origin: str
    themes: list[Theme] = field(default_factory=list)
    """The theme and every theme it extends, most specific first; empty when it is broken."""
    problem: str = ""
    note: str = ""

    @property
    def description(self) -> str:
        return self.themes[0].manifest.description if self.themes else ""


@dataclass
class SiteTheme:
    """Which theme a site uses, and the options it sets."""

    root: Path
    theme: str
    options: dict[str, Any]
    """theme_options, and the brand colours (which win over the colour options)."""


def themes_text(site_root: Path | None = None) -> str:
    """The listing `funnelgen themes` prints."""
    site = _site_theme(site_root) if site_root is not None else None
    builtin = [_listed(name, "built-in", builtin_themes_dir()) for name in builtin_themes()]
    if site is not None and site.theme not in builtin_themes() and _is_builtin_folder(site.theme):
        origin = "built-in: the skeleton every theme extends"
        builtin.append(_listed(site.theme, origin, builtin_themes_dir()))
    installed = []
    for name, theme in installed_themes().items():
        try:  # by its folder: by name, a built-in theme of the same name would be found instead
            listed = _listed(name, f"installed: {theme.package}", Path.cwd(), str(theme.folder()))
        except LookupError as exc:
            listed = Listed(name, f"installed: {theme.package}", problem=str(exc))
        if name in builtin_themes():
            listed.note = f"hidden by the built-in theme '{name}', which wins"
        installed.append(listed)
    folder = None
    if site is not None and ("/" in site.theme or site.theme.startswith(".")):
        folder = _listed(site.theme, f"folder {(site.root / site.theme).resolve()}", site.root)

    out: list[str] = []
    if site is not None:
        every = [*builtin, *installed, *([folder] if folder else [])]
        if any(_is_used(item, site) and not item.problem for item in every):
            out.append(f"{site.root} uses the theme '{site.theme}' (marked *).")
        else:  # the reason is the last line, where the build would say it too
            out.append(f"{site.root} names the theme '{site.theme}', which cannot be used (see the end).")
        out.append("")
    out.append("Built-in themes:")
    out += _summary(builtin, site)
    out.append("")
    out.append(f"Installed themes (Python packages with a '{ENTRY_POINT_GROUP}' entry point):")
    out += _summary(installed, site) if installed else ["  none"]
    if folder is not None:
        out.append("")
        out.append("The site's own theme:")
        out += _summary([folder], site)
    out.append("")
    out.append("Set a theme with `theme: NAME` in site.yml and its options under `theme_options:`.")
    out.append("`brand.colors` wins over the colour options. Writing a theme: docs/themes.md.")
    for listed in [*builtin, *installed, *([folder] if folder else [])]:
        out.append("")
        out += _details(listed, site)
    return "\n".join(out) + "\n"


def check_site_theme(root: Path) -> None:
    """Raise the problems `build` would find with the site's theme and theme_options (a theme
    that does not exist or cannot be used, an option it does not have or a value it refuses)."""
    site, source = _load_site(root)
    resolve_theme(site.theme, root, site.theme_options, source)


def _load_site(root: Path) -> tuple[Site, Source]:
    source = load_yaml(root / "site.yml", "site.yml") if (root / "site.yml").is_file() else None
    if source is None:
        raise Abort(f"{root}: no site.yml in this folder")
    site, problems = validate(source, Site)
    if site is None:
        raise Abort(problems)
    return site, source


def _site_theme(root: Path) -> SiteTheme:
    site, _ = _load_site(root)
    colors = {name: f"{value} (brand.colors.{name})"
              for name, value in site.brand.colors.model_dump().items() if value is not None}
    return SiteTheme(root, site.theme, {**site.theme_options, **colors})


def _listed(name: str, origin: str, relative_to: Path, where: str | None = None) -> Listed:
    """A theme as listed; ``where``: its folder, when the name alone would find another theme."""
    listed = Listed(name, origin)
    try:
        listed.themes = theme_chain(where or name, relative_to)
    except Abort as exc:
        listed.problem = "; ".join(str(p) for p in exc.problems)
    return listed


def _is_builtin_folder(name: str) -> bool:
    """A theme of funnelgen's own that is not listed by default (``base``), which a site may use."""
    if "/" in name or name.startswith(".") or not name:
        return False
    return (builtin_themes_dir() / name / "theme.yml").is_file()


def _is_used(listed: Listed, site: SiteTheme | None) -> bool:
    return site is not None and listed.name == site.theme and not listed.note


def _summary(items: list[Listed], site: SiteTheme | None) -> list[str]:
    width = max(len(i.name) for i in items)
    lines = []
    for item in items:
        mark = "*" if _is_used(item, site) else " "
        text = f"cannot be used: {item.problem}" if item.problem else item.description
        if item.note:
            text = f"({item.note}) {text}"
        lead = f" {mark} {item.name:<{width}}  "
        lines += textwrap.wrap(text or "(no description)", WIDTH, initial_indent=lead,
                               subsequent_indent=" " * len(lead)) or [lead.rstrip()]
    return lines


def _details(listed: Listed, site: SiteTheme | None) -> list[str]:
    mark = " *" if _is_used(listed, site) else ""
    chain = " → ".join(t.manifest.name for t in listed.themes[1:])
    head = f"{listed.name}{mark} ({listed.origin}{f'; extends {chain}' if chain else ''})"
    if listed.problem:
        return [head, f"  cannot be used: {listed.problem}"]
    chosen = site.options if site is not None and _is_used(listed, site) else {}
    options = declared_options(listed.themes)
    lines = [head, "  options:" if options else "  no options"]
    name_width = max((len(n) for n in options), default=0)
    default_width = min(12, max((len(_shown(o.default)) for o in options.values()), default=0))
    for name, option in options.items():
        lead = f"    {name:<{name_width}}  {_shown(option.default):<{default_width}}  "
        lines += textwrap.wrap(_describe(option, chosen.get(name)), WIDTH, initial_indent=lead,
                               subsequent_indent=" " * len(lead))
    return lines


def _describe(option: ThemeOption, chosen: Any) -> str:
    text = option.description
    if option.choices:
        text += f" One of: {', '.join(_shown(c) for c in option.choices)}."
    if chosen is not None:
        text += f" This site: {_shown(chosen)}."
    return text


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
