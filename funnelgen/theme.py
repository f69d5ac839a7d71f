"""Themes: a folder with theme.yml, templates/ and static/, possibly extending another theme."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field

from funnelgen.errors import Abort, Problem, display_path
from funnelgen.load import Source, load_yaml
from funnelgen.schema.types import Model
from funnelgen.validate import validate

_SAFE_OPTION = re.compile(r"^[A-Za-z0-9 #%.,()'\"-]*$")


class ThemeOption(Model):
    """One setting a theme offers to sites."""

    default: str | int | float | bool
    description: str
    choices: list[str | int | float] | None = None


class ThemeManifest(Model):
    """`theme.yml`."""

    name: str
    description: str = ""
    extends: str | None = Field(default=None)
    """Theme this one builds on; every theme ends at the built-in 'base'."""
    options: dict[str, ThemeOption] = {}


@dataclass(frozen=True)
class Theme:
    path: Path
    manifest: ThemeManifest


@dataclass(frozen=True)
class ThemeChain:
    """The theme a site uses and every theme under it, most specific first."""

    themes: tuple[Theme, ...]
    options: dict[str, Any]

    @property
    def name(self) -> str:
        return self.themes[0].manifest.name

    def template_dirs(self, site_root: Path) -> list[Path]:
        dirs = [site_root / "templates"] if (site_root / "templates").is_dir() else []
        return dirs + [t.path / "templates" for t in self.themes]

    def files(self) -> list[Path]:
        """Every file the theme chain is made of (its contents decide the output)."""
        return sorted(p for t in self.themes for p in t.path.rglob("*") if p.is_file())


def builtin_themes_dir() -> Path:
    """Built-in themes: inside the package when installed, beside it in a source checkout."""
    package = Path(__file__).parent
    installed = package / "themes"
    return installed if installed.is_dir() else package.parent / "themes"


def builtin_themes() -> list[str]:
    return sorted(p.name for p in builtin_themes_dir().iterdir() if (p / "theme.yml").is_file()
                  and p.name != "base")


def resolve_theme(name: str, site_root: Path, options: dict[str, Any], site: Source) -> ThemeChain:
    """Find the theme and its ancestors and check the site's theme_options against them."""
    themes: list[Theme] = []
    current: str | None = name
    relative_to = site_root
    while current is not None:
        theme = _find(current, relative_to, site, origin=themes[-1] if themes else None)
        if any(t.path == theme.path for t in themes):
            raise Abort(f"theme '{current}' extends itself (through {themes[-1].manifest.name})")
        themes.append(theme)
        relative_to = theme.path
        current = theme.manifest.extends or ("base" if theme.path.name != "base" or
                                             theme.path.parent != builtin_themes_dir() else None)
    return ThemeChain(tuple(themes), _options(themes, options, site))


def _find(name: str, relative_to: Path, site: Source, origin: Theme | None) -> Theme:
    def fail(message: str) -> Abort:
        if origin is None:
            return Abort([site.problem(("theme",), message)])
        return Abort([Problem(str(origin.path / "theme.yml"), 0, "extends", message)])

    if "/" in name or name.startswith("."):
        path = (relative_to / name).resolve()
    else:
        path = builtin_themes_dir() / name
        if not (path / "theme.yml").is_file():
            known = ", ".join(builtin_themes())
            message = f"no theme '{name}' (built-in themes: {known}; or a folder such as ./mytheme)"
            raise fail(message)
    manifest_file = path / "theme.yml"
    if not manifest_file.is_file():
        raise fail(f"no theme.yml in {path}")
    source = load_yaml(manifest_file, display_path(manifest_file, site.path.parent))
    manifest, problems = validate(source, ThemeManifest)
    if manifest is None:
        raise Abort(problems)
    return Theme(path, manifest)


def _options(themes: list[Theme], chosen: dict[str, Any], site: Source) -> dict[str, Any]:
    declared: dict[str, ThemeOption] = {}
    for theme in reversed(themes):
        declared.update(theme.manifest.options)
    problems = []
    values = {name: option.default for name, option in declared.items()}
    for name, value in chosen.items():
        option = declared.get(name)
        loc = ("theme_options", name)
        if option is None:
            allowed = ", ".join(sorted(declared)) or "none"
            near = difflib.get_close_matches(name, sorted(declared), n=1)
            hint = f"did you mean '{near[0]}'? " if near else ""
            problems.append(site.problem(loc, f"theme '{themes[0].manifest.name}' has no "
                                    f"option '{name}': {hint}(options: {allowed})"))
        elif option.choices and value not in option.choices:
            choices = ", ".join(str(c) for c in option.choices)
            problems.append(site.problem(loc, f"{value!r} is not one of: {choices}"))
        elif type(value) is not type(option.default) and not (
            isinstance(value, int | float) and isinstance(option.default, int | float)
            and not isinstance(value, bool)
        ):
            kind = type(option.default).__name__.replace("str", "text").replace("bool", "true/false")
            problems.append(site.problem(loc, f"expected {kind}, got {value!r}"))
        elif isinstance(value, str) and not _SAFE_OPTION.fullmatch(value):
            problems.append(site.problem(loc, f"{value!r} has characters that are not "
                                    "allowed in a theme option (use letters, digits, # % . , ( ) -)"))
        else:
            values[name] = value
    if problems:
        raise Abort(problems)
    return values
