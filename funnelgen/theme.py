"""Themes: a folder with theme.yml, templates/ and static/, possibly extending another theme.

A site names its theme in `theme:` as one of
- a built-in theme (a folder under the package's `themes/`),
- an installed theme: a Python package that declares an entry point in the group
  `funnelgen.themes` whose value is a module or package; the folder holding that module
  holds `theme.yml`. Built-in names win over installed ones of the same name, so installing a
  package never changes how an existing site looks,
- a folder path (with a `/`, or starting with `.`), relative to the site, or for `extends:`
  relative to the extending theme.
Every chain ends at the built-in `base`, which holds all the markup.
"""

from __future__ import annotations

import importlib.util
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path
from typing import Any

from pydantic import Field, field_validator

from funnelgen.contrast import READABLE, luminance, ratio, readable_shade, rgb
from funnelgen.errors import Abort, Problem, display_path
from funnelgen.incremental import ignored, left_behind
from funnelgen.load import Source, load_yaml
from funnelgen.schema.site import Colors, Site
from funnelgen.schema.types import Model, css_color_problem, is_css_color, shown, unclosed_in_css, url_origin
from funnelgen.validate import as_written, likely_meant, validate

ENTRY_POINT_GROUP = "funnelgen.themes"
_SAFE_OPTION = re.compile(r"^[A-Za-z0-9 #%.,()'\"-]*$")


class ThemeOption(Model):
    """One setting a theme offers to sites."""

    default: str | int | float | bool
    description: str
    choices: list[str | int | float] | None = None
    contrast_with: list[str] = []
    """For a colour: the colours of text drawn on it, or it is drawn on, each a hex colour
    (`"#ffffff"`) or another colour option's name (`background`). A site's colour that leaves
    less than 4.5:1 (WCAG AA) against one of them is warned of."""

    @field_validator("choices", mode="before")
    @classmethod
    def _no_true_or_false(cls, value: Any) -> Any:
        """`choices: [on, off]`: YAML reads them as true and false (which would then be 1 and 0)."""
        if isinstance(value, list) and any(isinstance(choice, bool) for choice in value):
            raise ValueError("YAML reads on, off, yes and no as true and false: put each such choice in "
                             "quotes, e.g. choices: [\"on\", \"off\"]")
        return value


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
    by_folder: bool = False
    """Named by its folder (``./mytheme``), not a built-in or installed package: its templates
    are the site's own files, and render sandboxed as the site's `templates/` do."""
    source: Source | None = field(default=None, compare=False, repr=False)
    """Its theme.yml as read, for problems that name a line of it."""


@dataclass(frozen=True)
class InstalledTheme:
    """A theme published as a Python package, found through its entry point."""

    name: str
    """The entry point's name: what a site writes as `theme:`."""
    entry_point: EntryPoint

    @property
    def package(self) -> str:
        """'name version' of the distribution that declares the entry point, when known."""
        dist = self.entry_point.dist
        return f"{dist.name} {dist.version}" if dist is not None else self.entry_point.value

    def folder(self) -> Path:
        """The folder of the entry point's module: it holds theme.yml."""
        module = self.entry_point.module
        try:
            spec = importlib.util.find_spec(module)
        except (ImportError, ValueError) as exc:
            raise LookupError(f"its module '{module}' cannot be imported: {exc}") from None
        if spec is None:
            raise LookupError(f"its module '{module}' is not installed")
        if spec.submodule_search_locations:
            return Path(next(iter(spec.submodule_search_locations)))
        if spec.origin is None:
            raise LookupError(f"its module '{module}' has no folder")
        return Path(spec.origin).parent


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

    def sandboxed(self, site_root: Path) -> bool:
        """Whether the templates must render in Jinja's sandbox: when some come with the site (its
        `templates/`, a folder theme). Those are files like the rest of the site, and Jinja left
        alone lets a template reach Python (``lipsum.__globals__``). Built-in and installed
        themes are code of their own."""
        return (site_root / "templates").is_dir() or any(t.by_folder for t in self.themes)

    def folders(self) -> list[Path]:
        """The folder of each theme in the chain, most specific first (their files decide the output)."""
        return [t.path for t in self.themes]

    def static_files(self) -> dict[str, Path]:
        """Files under the chain's `static/` folders by their path inside `static/`; where two
        themes have the same path, the most specific theme's file wins."""
        found: dict[str, Path] = {}
        for theme in reversed(self.themes):
            static = theme.path / "static"
            if not static.is_dir():
                continue
            inside = static.resolve()
            for path in static.rglob("*"):
                name = path.relative_to(static).as_posix()
                if any(map(ignored, path.relative_to(static).parts)) or path.is_dir():
                    continue
                if not path.resolve().is_relative_to(inside) or not path.is_file():
                    message = ("links to a file outside the theme's static/ folder, or is not a plain "
                               "file; copy the file in instead")
                    raise Abort([Problem(str(path), 0, "", message)])
                found[name] = path
        return dict(sorted(found.items()))


def builtin_themes_dir() -> Path:
    """Built-in themes: inside the package when installed, beside it in a source checkout."""
    package = Path(__file__).parent
    for folder in (package / "themes", package.parent / "themes"):
        if (folder / "base" / "theme.yml").is_file():
            return folder
    raise Abort(f"funnelgen's built-in themes are missing from {package / 'themes'}: "
                "the installation is broken; reinstall it (pip install --force-reinstall funnelgen)")


def builtin_themes() -> list[str]:
    return sorted(p.name for p in builtin_themes_dir().iterdir() if (p / "theme.yml").is_file()
                  and p.name != "base")


def installed_themes() -> dict[str, InstalledTheme]:
    """Themes of installed packages (entry point group `funnelgen.themes`), by name. When two
    packages declare the same name, the first on `sys.path` wins, as for imports."""
    found: dict[str, InstalledTheme] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        found.setdefault(entry_point.name, InstalledTheme(entry_point.name, entry_point))
    return dict(sorted(found.items()))


def resolve_theme(name: str, site_root: Path, options: dict[str, Any], site: Source) -> ThemeChain:
    """Find the theme and its ancestors and check the site's theme_options against them."""
    themes = theme_chain(name, site_root, site)
    chain = ThemeChain(tuple(themes), _options(themes, options, site))
    problems = css_address_problems(chain, site_root)
    if problems:
        raise Abort(problems)
    return chain


_CSS_URL = re.compile(r"""url\(\s*(["']?)([^"')\s]*)\1\s*\)""", re.I)
# An @import where a statement starts (not inside a string: content: "@import"), and its address.
_CSS_IMPORT = re.compile(r"""(?:^|(?<=[;}]))\s*(@import)\s*(?:url\(\s*)?["']?([^"')\s;]*)""", re.I | re.M)
_CSS_COMMENT = re.compile(r"/\*.*?\*/|\{#.*?#\}", re.S)  # a CSS or a Jinja comment
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*:", re.I)


def template_files(folder: Path, pattern: str = "*", *, skip: Callable[[str], bool] = ignored) -> list[Path]:
    """The files under a templates folder whose names match ``pattern``, in name order, but those
    with a name ``skip`` passes over: by default hidden ones and those left behind, which the
    checks that read templates leave alone (a page is rarely made from one)."""
    return [path for path in sorted(folder.rglob(pattern))
            if not any(map(skip, path.relative_to(folder).parts)) and path.is_file()]


def css_address_problems(chain: ThemeChain, site_root: Path) -> list[Problem]:
    """A url() in the CSS (the themes' and the site's templates) that names a file by its path,
    such as `url(static/x.png)` or `url(../static/x.png)`: the CSS is inlined into every page,
    and static/ and assets/ files are published under fingerprinted names, so it finds nothing."""
    problems = []
    for folder in chain.template_dirs(site_root):
        inside = folder.resolve()
        for path in template_files(folder, "*.css"):
            if not _is_file(path) or not path.resolve().is_relative_to(inside):
                continue  # refused where templates are loaded
            text = path.read_text(encoding="utf-8", errors="replace")
            text = _CSS_COMMENT.sub(lambda comment: re.sub(r"[^\n]", " ", comment[0]), text)
            shown_as = display_path(Path(os.path.abspath(path)), Path(os.path.abspath(site_root)))
            imports = list(_CSS_IMPORT.finditer(text))
            for found in imports:
                line = text.count("\n", 0, found.start(1)) + 1
                message = (f"@import '{found[2]}' loads nothing: this CSS is inlined into every page "
                           "after the theme's rules, where browsers ignore an @import; copy the rules it "
                           "would load here instead (for a web font, its @font-face rules: the site's "
                           "policy allows their https:// fonts)")
                problems.append(Problem(shown_as, line, "", message))
            for found in _CSS_URL.finditer(text):
                if any(i.start() <= found.start() < i.end() for i in imports):
                    continue  # said above
                address = found[2]
                line = text.count("\n", 0, found.start()) + 1
                if remote := _remote_css_problem(address):
                    problems.append(Problem(shown_as, line, "", f"{found[0]}: {remote}"))
                    continue
                if not address or address.startswith(("#", "{", "//")) or _SCHEME.match(address):
                    continue  # a data: or https: URL, a fragment, a Jinja expression
                file = re.sub(r"^(?:\.{1,2}/|/)+", "", address)
                ref = file if file.startswith(("static/", "assets/")) else f"static/{file}"
                message = (f"{found[0]} finds no file: this CSS is inlined into every page, and a "
                           "theme's static/ files (as the site's assets/) are published under fingerprinted "
                           "names, so no address here can reach them; show the picture from a template with "
                           f"page.asset(\"{ref}\"), or write it here as a data: URL")
                problems.append(Problem(shown_as, line, "", message))
    return problems


def _remote_css_problem(address: str) -> str | None:
    """Why a url() of another host in the CSS would be blocked by the site's policy, if it would:
    the policy names https:// hosts only."""
    scheme, _, rest = address.partition(":") if not address.startswith("//") else ("", "", address)
    if address.startswith("//") or scheme.lower() == "http":
        return f"the site's policy allows only https:// addresses: write https:{rest}"
    if scheme.lower() == "https":
        try:
            url_origin(address)
        except ValueError as exc:
            return str(exc)
    return None


def theme_chain(name: str, relative_to: Path, site: Source | None = None) -> list[Theme]:
    """The theme called ``name`` and every theme it extends, most specific first. Problems
    are reported against ``site``'s `theme` key (or the extending theme's `extends`)."""
    themes: list[Theme] = []
    current: str | None = name
    while current is not None:
        theme = _find(current, relative_to, site, origin=themes[-1] if themes else None)
        if any(t.path.resolve() == theme.path.resolve() for t in themes):
            loop = " → ".join([t.manifest.name for t in themes] + [theme.manifest.name])
            raise _extends_problem(themes[-1], f"'{current}' leads back to theme '{theme.manifest.name}' "
                                   f"({loop}), so the chain never ends: extend a built-in theme such as "
                                   "clean instead")
        themes.append(theme)
        relative_to = theme.path
        current = theme.manifest.extends or ("base" if theme.path.name != "base" or
                                             theme.path.parent != builtin_themes_dir() else None)
    _check_defaults(themes)
    return themes


def _extends_problem(theme: Theme, message: str) -> Abort:
    """A problem with the `extends:` of ``theme``, at its line of theme.yml."""
    if theme.source is not None:
        return Abort([theme.source.problem(("extends",), message)])
    return Abort([Problem(str(theme.path / "theme.yml"), 0, "extends", message)])


def _check_defaults(themes: list[Theme]) -> None:
    """Each option's default must be one of its choices, its own or those it keeps from the theme
    it extends: else a site that sets nothing gets a value the theme's CSS does not expect."""
    problems = []
    colours = {name for name, option in declared_options(themes).items() if _is_colour(option)}
    for at, theme in enumerate(themes):
        below = declared_options(themes[at + 1:])
        for name, option in theme.manifest.options.items():
            choices = option.choices if "choices" in option.model_fields_set else \
                (below[name].choices if name in below else None)
            under = below.get(name)
            if under is not None and (wrong := _redeclared_problem(option, under)):
                parent = themes[at + 1].manifest.name
                message = (f"{as_written(option.default)} is {wrong}, but theme '{parent}' "
                           f"declares {name} as {_kind(under)} ({as_written(under.default)}): write "
                           f"{_kind(under)} such as {as_written(under.default)}")
                problems.append(_manifest_problem(theme, ("options", name, "default"), message))
            elif unknown := [c for c in option.contrast_with if rgb(c) is None and c not in colours]:
                message = (f"{shown(unknown[0])} is neither a hex colour nor a colour option of the theme: "
                           f"write a colour such as '#ffffff', or one of: {', '.join(sorted(colours))}")
                problems.append(_manifest_problem(theme, ("options", name, "contrast_with"), message))
            elif choices and option.default not in choices:
                where = "its choices" if "choices" in option.model_fields_set else \
                    f"the choices it keeps from theme '{themes[at + 1].manifest.name}'"
                loc = ("options", name, "default")
                typed = None  # on, read as true
                if theme.source is not None and isinstance(option.default, bool):
                    typed = theme.source.texts.get(loc)
                fix = (f"put it in quotes: \"{typed}\"" if typed in choices
                       else "make the default one of them, or write choices: that include it")
                message = (f"{as_written(option.default, typed)} is not one of {where}: "
                           f"{', '.join(str(c) for c in choices)}; {fix}")
                problems.append(_manifest_problem(theme, loc, message))
    if problems:
        raise Abort(problems)


def contrast_warnings(chain: ThemeChain, colors: Colors, site: Source) -> list[Problem]:
    """The colours a site chose (`brand.colors`, `theme_options`) that leave text on them, or
    them on the page, hard to read: each pair a theme names in `contrast_with` under 4.5:1."""
    declared = declared_options(list(chain.themes))

    def chosen(name: str) -> tuple[str, tuple[str, ...] | None]:
        """The colour in force, and the key of site.yml that chose it (None: the theme's default)."""
        brand = getattr(colors, name, None) if name in Colors.model_fields else None
        if brand:
            return brand, ("brand", "colors", name)
        value = str(chain.options.get(name, ""))
        return value, ("theme_options", name) if value != declared[name].default else None

    Rgb = tuple[int, int, int]
    judged: dict[tuple[str, ...], tuple[str, Rgb, dict[str, Rgb]]] = {}  # key → its colour, what it meets
    for name, option in sorted(declared.items()):
        for other in option.contrast_with:
            pair = [chosen(name), (other, None) if rgb(other) else chosen(other)]
            if pair[0][1] is None:
                pair.reverse()  # the site chose the other colour: that one is the one to change
            (value, loc), (against, _) = pair
            colour, background = rgb(value), rgb(against)
            if loc is not None and colour and background:  # not the theme's own pair, and in hex
                judged.setdefault(loc, (value, colour, {}))[2][against] = background
    warnings = []
    for loc, (value, colour, met) in judged.items():
        readable = {other: ratio(colour, background) for other, background in met.items()}
        worst = min(readable, key=readable.__getitem__)  # the colour it stands out from least
        if readable[worst] < READABLE:
            shade = readable_shade(colour, list(met.values()))
            way = "darker" if luminance(rgb(shade) or colour) < luminance(colour) else "lighter"
            shown_ratio = math.floor(readable[worst] * 10) / 10  # 4.48 is 4.4: never rounded up to pass
            message = (f"{shown(value)} against {shown(worst)} has a contrast of {shown_ratio:.1f}:1, "
                       f"and text needs {READABLE}:1 to be read easily: choose a {way} colour, "
                       f"e.g. {shown(shade)}")
            warnings.append(site.problem(loc, message, warning=True))
    return sorted(warnings)


def _manifest_problem(theme: Theme, loc: tuple[str, ...], message: str) -> Problem:
    if theme.source is not None:
        return theme.source.problem(loc, message)
    return Problem(str(theme.path / "theme.yml"), 0, ".".join(loc), message)


def _plain_kind(option: ThemeOption) -> str:
    """The type of an option's values, as its default has it: 'text', 'true/false' or 'a number'."""
    return {bool: "true/false", str: "text"}.get(type(option.default), "a number")


def _kind(option: ThemeOption) -> str:
    """What an option's values are, in a marketer's words."""
    return "a colour" if _is_colour(option) else _plain_kind(option)


def _redeclared_problem(option: ThemeOption, under: ThemeOption) -> str | None:
    """How a redeclared option's default differs in kind from the one it overrides (a number for
    text, text that is no colour for a colour), or None: its CSS would be left without a value."""
    if _plain_kind(option) != _plain_kind(under):
        return _kind(option)
    if _is_colour(under) and not _is_colour(option):
        return "not a colour"
    return None  # a colour for text is text


def untranslated_words(site_root: Path, theme: ThemeChain, site: Site, source: Source) -> list[Problem]:
    """A warning when the pages are not in English and the words the theme writes itself ("Buy
    now", "What people say") are the base theme's English ones: no words.html of the site or of
    another theme replaces them."""
    base = builtin_themes_dir() / "base" / "templates"
    if site.in_english or any((folder / "words.html").is_file() for folder in theme.template_dirs(site_root)
                              if folder != base):
        return []
    message = (f"the pages are in '{site.language}', but the words the theme writes itself ('Buy now', "
               "'What people say', …) are English: copy the base theme's templates/words.html into the "
               "site's templates/ and translate the words in quotes")
    return [source.problem(("language",), message, warning=True)]


def unused_site_templates(site_root: Path, theme: ThemeChain) -> list[Problem]:
    """A warning for each file of the site's `templates/` that no template uses: it replaces
    none of the theme's (``templates/footer.html`` for ``blocks/footer.html``) and no template
    names it (an include, an import, ``extra.css``)."""
    site_templates = site_root / "templates"
    if not site_templates.is_dir():
        return []
    theirs: set[str] = set()
    mentioned: dict[str, set[str]] = {}  # by each file: the names it includes, imports or loads
    for folder in theme.template_dirs(site_root):
        for path in template_files(folder, skip=left_behind):  # hidden ones too: hosting/.nojekyll
            if folder != site_templates:
                theirs.add(path.relative_to(folder).as_posix())
            text = path.read_text(encoding="utf-8", errors="replace")
            mentioned.setdefault(str(path), set()).update(_QUOTED.findall(text))
    problems = []
    for path in template_files(site_templates):
        name = path.relative_to(site_templates).as_posix()
        known = theirs.union(*(names for file, names in mentioned.items() if file != str(path)))
        if name in known:
            continue
        same_name = [t for t in sorted(theirs) if t.endswith("/" + path.name)]
        near = same_name[0] if same_name else likely_meant(name, sorted(known))
        hint = f"; did you mean templates/{near}?" if near else ""
        problems.append(Problem(f"templates/{name}", 0, "", f"replaces no template of theme '{theme.name}' "
                                f"and no template uses it, so it changes nothing{hint}", warning=True))
    return problems


_QUOTED = re.compile(r"[\"']([\w./-]+)[\"']")


def declared_options(themes: list[Theme]) -> dict[str, ThemeOption]:
    """The options a chain offers: each theme's own, overriding those of the themes under it."""
    declared: dict[str, ThemeOption] = {}
    for theme in reversed(themes):
        for name, option in theme.manifest.options.items():
            under = declared.get(name)
            if under is not None and "choices" not in option.model_fields_set:  # keeps the choices
                option = option.model_copy(update={"choices": under.choices})
            declared[name] = option
    return dict(sorted(declared.items()))


def theme_folder(name: str, relative_to: Path) -> Path:
    """Where the theme called ``name`` is: a built-in, an installed theme or a folder path.

    Raises LookupError with a message that names what exists instead.
    """
    if _is_folder_name(name):  # as written, links kept: one repointed is another theme
        return Path(os.path.abspath(relative_to / name))
    builtin = builtin_themes_dir() / name
    if _is_file(builtin / "theme.yml"):
        return builtin
    installed = installed_themes()
    if name in installed:
        try:
            return installed[name].folder()
        except LookupError as exc:
            raise LookupError(f"installed theme '{name}' ({installed[name].package}): {exc}") from None
    guess = likely_meant(name, [*builtin_themes(), "base", *installed])
    if guess:
        raise LookupError(f"no theme {shown(name)}: did you mean '{guess}'?")
    known = f"built-in themes: {', '.join(builtin_themes())}"
    if installed:
        known += f"; installed: {', '.join(installed)}"
    raise LookupError(f"no theme {shown(name)} ({known}; or a folder such as ./mytheme)")


def _is_folder_name(name: str) -> bool:
    return "/" in name or name.startswith(".")


def _is_file(path: Path) -> bool:
    """Path.is_file() that answers False for a name the system refuses (too long, a NUL)."""
    try:
        return path.is_file()
    except (OSError, ValueError):
        return False


def _is_dir(path: Path) -> bool:
    """Path.is_dir() that answers False for a name the system refuses (too long, a NUL)."""
    try:
        return path.is_dir()
    except (OSError, ValueError):
        return False


def _find(name: str, relative_to: Path, site: Source | None, origin: Theme | None) -> Theme:
    def fail(message: str) -> Abort:
        if origin is not None:
            return _extends_problem(origin, message)
        if site is not None:
            return Abort([site.problem(("theme",), message)])
        return Abort([Problem("", 0, "theme", message)])

    try:
        path = theme_folder(name, relative_to)
    except LookupError as exc:
        raise fail(str(exc)) from None
    manifest_file = path / "theme.yml"
    shown_from = site.path.parent if site is not None else Path.cwd()
    if not _is_file(manifest_file):
        missing = "no theme.yml in" if _is_dir(path) else "no folder"
        themes_beside = [found.parent.name for found in path.parent.glob("*/theme.yml")] \
            if _is_dir(path.parent) and not _is_dir(path) else []
        near = likely_meant(path.name, sorted(themes_beside))
        if near:  # ./themes/mythem for ./themes/mytheme
            meant = name[: len(name) - len(path.name)] + near if name.endswith(path.name) else near
            raise fail(f"no folder '{display_path(path, shown_from)}': did you mean '{meant}'?")
        raise fail(f"{missing} '{display_path(path, shown_from)}': a theme folder holds theme.yml (at least "
                   f"'name:', and 'extends:' to build on another theme); or name a built-in theme "
                   f"({', '.join(builtin_themes())})")
    source = load_yaml(manifest_file, display_path(manifest_file, shown_from))
    manifest, problems = validate(source, ThemeManifest)
    if manifest is None:
        raise Abort(problems)
    if _is_folder_name(name) and manifest.name in builtin_themes():  # its messages would name the built-in
        raise Abort([source.problem(("name",), f"'{manifest.name}' is the name of a built-in theme: give "
                                    f"this theme its own (name: {path.name})")])
    return Theme(path, manifest, by_folder=_is_folder_name(name), source=source)


def _is_colour(option: ThemeOption) -> bool:
    """A colour option: its default is a CSS colour (themes say no more), so its value must be one
    too, or the page's stylesheet silently loses the rule."""
    return isinstance(option.default, str) and is_css_color(option.default)


def _options(themes: list[Theme], chosen: dict[str, Any], site: Source) -> dict[str, Any]:
    declared = declared_options(themes)
    problems = []
    values = {name: option.default for name, option in declared.items()}
    for name, value in chosen.items():
        option = declared.get(name)
        loc = ("theme_options", name)
        if option is None:
            allowed = ", ".join(sorted(declared)) or "none"
            near = likely_meant(name, sorted(declared))
            hint = f"did you mean '{near}'? " if near else ""
            problems.append(site.problem(loc, f"theme '{themes[0].manifest.name}' has no "
                                    f"option '{name}': {hint}(options: {allowed})"))
        elif option.choices and value not in option.choices:
            choices = ", ".join(str(c) for c in option.choices)
            typed = site.texts.get(loc) if not isinstance(value, str) else None  # off, read as false
            if value is None:
                problems.append(site.problem(loc, f"is empty: write one of: {choices}"))
                continue
            near = likely_meant(str(value), [str(c) for c in option.choices])
            if typed is not None and typed in option.choices:
                hint = f"; put it in quotes: \"{typed}\""
            else:
                hint = f": did you mean '{near}'?" if near else ""
            problems.append(site.problem(loc, f"{as_written(value, typed and repr(typed))} is not one of: "
                                              f"{choices}{hint}"))
        elif type(value) is not type(option.default) and not (
            isinstance(value, int | float) and isinstance(option.default, int | float)
            and not isinstance(value, bool) and not isinstance(option.default, bool)
        ):
            kind = _plain_kind(option)
            got = "nothing" if value is None else as_written(value)
            quotes = ", in quotes" if kind == "text" else ""
            problems.append(site.problem(loc, f"expected {kind}, got {got}; write it like the default, "
                                         f"{as_written(option.default)}{quotes}"))
        elif _is_colour(option) and (wrong := css_color_problem(str(value))):
            problems.append(site.problem(loc, wrong))
        elif isinstance(value, str) and not _SAFE_OPTION.fullmatch(value) and not _is_colour(option):
            problems.append(site.problem(loc, f"{value!r} has characters that are not allowed in a "
                                    "theme option (use letters, digits, spaces and # % . , ( ) ' \" -)"))
        elif isinstance(value, str) and (unclosed := unclosed_in_css(value)):
            problems.append(site.problem(loc, f"{value!r} has {unclosed}, which would "
                                         "break the page's whole stylesheet; close it or remove it"))
        else:
            values[name] = value
    if problems:
        raise Abort(problems)
    return values
