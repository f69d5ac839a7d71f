"""Incremental builds: which funnels can be taken from the previous output unchanged.

The previous output's `.funnelgen` marker holds a manifest: for each funnel file, the key of
everything its pages depend on, and what the build made of it (pages, sitemap URLs, warnings,
the slug and step ids other checks need). A funnel whose key is unchanged is neither parsed nor
rendered: its pages are hard-linked from the previous output.

A funnel's key covers its own file and the site key; the site key covers funnelgen's own code
and the versions of the libraries that shape pages, `site.yml`, every file of the theme chain
and of the site's `templates/`, `assets/` and `content/`. So a change to site.yml, a theme, an
asset or any Markdown file re-renders every funnel; a change to one funnel file re-renders that
funnel. File times are never used.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from funnelgen import __version__
from funnelgen.errors import Problem

MANIFEST_VERSION = 4
NOTE = ("This folder is written by 'funnelgen build'. Each build replaces the whole folder, so do "
        "not keep your own files here. The rest of this file lets the next build reuse pages.")
_PACKAGE = Path(__file__).resolve().parent
# The libraries whose work lands in the pages: Markdown, templates and escaping, sanitising,
# picture versions, validation and YAML, by the names of their distributions.
_PAGE_LIBRARIES = frozenset({"jinja2", "markupsafe", "pyromark", "nh3", "pillow", "pydantic",
                             "pydantic_core", "pyyaml"})


@dataclass
class FunnelRecord:
    """What one funnel file became in a build."""

    key: str
    slug: str
    title: str
    description: str | None
    steps: list[str]
    sitemap: list[str]
    outputs: list[str]
    urls: dict[str, list[str]] = field(default_factory=dict)
    """Absolute URLs its pages use, by CSP directive: the site's CSP covers every funnel."""
    images: dict[str, list[str]] = field(default_factory=dict)
    """Where its pages show each local picture (plan.image_roles): the build writes their versions."""
    warnings: list[list[Any]] = field(default_factory=list)
    forms: list[str] = field(default_factory=list)
    """The names of its Netlify forms: no other funnel's form may take one (plan.netlify_forms)."""
    links: list[list[Any]] = field(default_factory=list)
    """The site paths its pages link to, as [path, key path, `content/` file or ""]: each must be a
    page of the site, whichever funnel changes (plan._check_site_links)."""
    dated: list[list[Any]] = field(default_factory=list)
    """Warnings that hold from a moment on, as [ISO moment, *warning]: a webinar's start, a
    deadline. A date goes by without any file changing, so a reused funnel's are judged again."""

    def problems(self) -> list[Problem]:
        moment = now()
        return [*(Problem(*w) for w in self.warnings),
                *(Problem(*w[1:]) for w in self.dated if datetime.fromisoformat(w[0]) < moment)]


def real_path(path: Path) -> Path | None:
    """Where ``path`` really is, its links followed; None when they go round in a loop."""
    try:
        return path.resolve()
    except (RuntimeError, OSError):  # Python 3.11 says RuntimeError('Symlink loop …'), later ones OSError
        return None


def now() -> datetime:
    """The moment a build judges dates against: a webinar or deadline before it is past."""
    return datetime.now(UTC)


@dataclass
class Manifest:
    site_key: str = ""
    policy: str = ""
    """The Content-Security-Policy every page carries: when it changes, no page can be reused."""
    funnels: dict[str, FunnelRecord] = field(default_factory=dict)
    warnings: list[list[Any]] = field(default_factory=list)
    """Warnings about files other than funnels (site.yml, assets): an up-to-date build repeats them."""
    theme_folders: list[str] = field(default_factory=list)
    """The theme chain's folders, most specific first: the next build can check whether
    anything changed without reading site.yml to find the theme again."""
    others: list[str] = field(default_factory=list)
    """The build's files that are not funnel pages: assets, picture versions, site pages."""

    def problems(self) -> list[Problem]:
        return [Problem(*w) for w in self.warnings]

    def files(self) -> set[str]:
        """Every file of the build but its marker."""
        return {*pages_of(self.funnels.values()), *self.others}

    def text(self) -> str:
        """JSON, one line per funnel: written at every build, so Python's fast encoder, which
        does no indenting, writes each line (10,000 pages: 0.04 s instead of 0.5)."""
        data = {"note": NOTE, "version": MANIFEST_VERSION, "funnelgen": __version__,
                "site_key": self.site_key, "policy": self.policy, "warnings": self.warnings,
                "theme_folders": self.theme_folders, "others": self.others}
        lines = [f" {json.dumps(key)}: {json.dumps(value, sort_keys=True)},"
                 for key, value in sorted(data.items())]
        funnels = [f"  {json.dumps(name)}: {json.dumps(vars(record), sort_keys=True)}"
                   for name, record in sorted(self.funnels.items())]
        return "{\n" + "\n".join(lines) + '\n "funnels": {\n' + ",\n".join(funnels) + "\n }\n}\n"


def read_manifest(out: Path) -> Manifest:
    """The previous build's manifest; empty when there is none or it cannot be trusted."""
    try:
        data = json.loads((out / ".funnelgen").read_text(encoding="utf-8"))
        if data.get("version") != MANIFEST_VERSION or data.get("funnelgen") != __version__:
            return Manifest()
        funnels = {name: FunnelRecord(**record) for name, record in data["funnels"].items()}
        return Manifest(str(data["site_key"]), str(data["policy"]), funnels,
                        [list(w) for w in data["warnings"]], [str(f) for f in data["theme_folders"]],
                        [str(name) for name in data["others"]])
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return Manifest()


def has_files(out: Path, names: Iterable[str]) -> bool:
    """Whether the output folder ``out`` still has every one of these files."""
    folder = os.fspath(out)
    return all(os.path.isfile(os.path.join(folder, name)) for name in names)


def pages_of(records: Iterable[FunnelRecord]) -> Iterator[str]:
    return (name for record in records for name in record.outputs)


def _digest(files: Iterable[Path], root: Path, seed: str = "") -> str:
    """One hash of the names and contents of ``files``: a file under ``root`` is named relative
    to it, so the key is the same however the site's folder is written (``mysite``,
    ``./mysite``, ``/home/me/mysite``), and the files are taken in the order of those names."""
    h = hashlib.sha256(seed.encode())
    named = sorted((path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path), path)
                   for path in files)
    for name, path in named:
        h.update(os.fsencode(name) + b"\0")  # a name that is not UTF-8 too (the build refuses it)
        if path.is_file():
            h.update(hashlib.sha256(path.read_bytes()).digest())
        else:  # a folder link, a dangling link, a pipe…: what it is, is named and points to counts
            kind = b"folder" if path.is_dir() else b"other" if os.path.exists(path) else b"nothing"
            target = os.fsencode(os.readlink(path)) if path.is_symlink() else b""
            h.update(b"not a file\0" + kind + b"\0" + target)
    return h.hexdigest()


def _files_under(folder: Path, within: Path, *, skip: Callable[[str], bool] | None = None,
                 follow: bool = True, unreadable: Callable[[OSError], None] | None = None) -> list[Path]:
    """Every entry under ``folder`` but its folders and those named as ``skip`` says (by default
    those `left_behind`), through linked folders that stay ``within`` (each real folder once): a
    file read through a link is a file of the site too. A link out of it is not followed (the
    build refuses it: the whole disk may be there), nor any link to a folder unless ``follow``
    (`assets/` publishes none): each is counted by its name and where it leads. A folder that
    cannot be read is passed to ``unreadable``, if given, and left out."""
    skip = skip or left_behind
    found: list[Path] = []
    seen: set[str] = set()
    bound = os.path.join(os.path.realpath(within), "")
    for top, folders, files in os.walk(folder, followlinks=follow, onerror=unreadable):
        real = os.path.join(os.path.realpath(top), "")
        if real in seen or not real.startswith(bound):
            folders.clear()
            found.append(Path(top))  # counted by name and target, as a link out of the site
            continue
        seen.add(real)
        folders[:] = [name for name in folders if not skip(name)]
        if not follow:
            found += [Path(top, name) for name in folders if os.path.islink(os.path.join(top, name))]
        found += [Path(top, name) for name in files if not skip(name)]  # dangling links and pipes too
    return found


@functools.cache
def code_key() -> str:
    """funnelgen's own code and version, and the versions of the libraries that shape the pages:
    another one may build other pages from the same site."""
    return _digest((p for p in _PACKAGE.rglob("*") if p.is_file() and p.suffix in (".py", ".js")),
                   _PACKAGE, "\0".join([__version__, *library_versions()]))


def library_versions() -> list[str]:
    """The installed versions of the libraries that shape the pages, as the folders of their
    metadata name them (``jinja2-3.1.6.dist-info``), each the one Python imports: the first on
    `sys.path`. Read from folder names: importing `importlib.metadata` alone would take longer
    than a build with nothing to do spends on everything else."""
    found: dict[str, str] = {}
    for entry in sys.path:
        if not entry:
            continue  # the current folder, when run as `python -m funnelgen`: no library there
        try:
            names = os.listdir(entry)
        except OSError:  # a zip file, or a folder that is gone
            continue
        for name in sorted(names):
            if name.endswith((".dist-info", ".egg-info")):
                library = name.partition("-")[0].lower().replace(".", "_")
                if library in _PAGE_LIBRARIES:
                    found.setdefault(library, name)
    return sorted(found.values())


def site_files_key(root: Path) -> str:
    """funnelgen's own code, `site.yml`, and the site's templates, assets and content (but the
    files no build reads there: see `ignored` and `left_behind`): the part of the site key known
    before the site is loaded."""
    site = [root / "site.yml", *_files_under(root / "templates", root)]  # hidden ones too: .nojekyll
    site += asset_entries(root)
    site += _files_under(root / "content", root, skip=ignored)
    return _digest(site, root, code_key())


def asset_entries(root: Path, unreadable: Callable[[OSError], None] | None = None) -> list[Path]:
    """What a build publishes `assets/` from: its files (links to files among them) and links to
    folders, which it does not follow, but those `ignored`. The site key counts the same."""
    if not (root / "assets").is_dir():
        return []
    return _files_under(root / "assets", root, skip=ignored, follow=False, unreadable=unreadable)


def site_key(root: Path, theme_folders: Iterable[Path], site_files: str | None = None) -> str:
    """Everything every page depends on, except the funnel files themselves: the site's files
    (``site_files``, their key, taken now if not given) and every theme file."""
    theme = [f for folder in theme_folders for f in _files_under(folder, folder)]
    return _digest(theme, root, site_files or site_files_key(root))


def files_key(folders: Iterable[Path]) -> str:
    """Every file under ``folders`` (those that exist), as one hash."""
    files = [file for folder in folders if folder.is_dir() for file in _files_under(folder, folder)]
    return _digest(files, Path("/"))


FUNNEL_SUFFIXES = (".yml", ".yaml")
_BACKUP_SUFFIXES = ("~", ".bak", ".swp", ".swo", ".orig", ".tmp")


def funnel_files(root: Path) -> list[Path]:
    """The funnel files of a site, in the order they are built: `funnels/*.yml` and `*.yaml`, in
    any case (`X.YML`), but hidden ones (`.draft.yml`, an editor's `.#x.yml`)."""
    return sorted((path for path in (root / "funnels").glob("*") if _is_funnel_file(path.name)),
                  key=lambda found: found.name)  # by name: faster than comparing Paths


def _is_funnel_file(name: str) -> bool:
    return not ignored(name) and name.lower().endswith(FUNNEL_SUFFIXES)


_SYSTEM_FILES = (".ds_store", "thumbs.db", "desktop.ini", "icon\r", "4913")  # macOS, Windows, Vim's probe


def left_behind(name: str) -> bool:
    """Whether a file is one that systems and editors leave beside a site's files, never one of
    them: `.DS_Store`, `Thumbs.db`, `desktop.ini`, macOS's `Icon\\r`, editors' backups, locks and
    probes (`x.yml~`, `#x.yml#`, `.#x.yml`, `x.swp`, `.bak`, `.orig`, `.tmp`, Vim's `4913`,
    Office's `~$x.docx`). None is read, published or counted anywhere: changing one rebuilds
    nothing."""
    return (name.startswith(("#", ".#", "~$")) or name.endswith(_BACKUP_SUFFIXES)
            or name.lower() in _SYSTEM_FILES)


def ignored(name: str) -> bool:
    """Whether a file or folder of `funnels/`, `assets/` or `content/` is never read, published or
    counted: those `left_behind`, and hidden ones (`.draft.yml`, `.obsidian/`). A theme's
    templates may be hidden (`hosting/.nojekyll`)."""
    return name.startswith(".") or left_behind(name)


def ignored_funnel_files(root: Path) -> list[Problem]:
    """A warning for each file and folder in `funnels/` that is not built: a sub-folder (funnel
    files are read from `funnels/` alone) or a file that is not YAML. Those `ignored` are passed
    over without one."""
    problems = []
    for path in sorted((root / "funnels").glob("*")):
        name = f"funnels/{path.name}"
        if ignored(path.name) or _is_funnel_file(path.name) or path.is_symlink():
            continue
        if path.is_dir():
            found = [p.relative_to(path) for p in path.rglob("*") if _is_funnel_file(p.name)]
            inside = sorted(p.as_posix() for p in found if not any(map(ignored, p.parts)))
            listed = ", ".join(inside[:3]) + (", …" if len(inside) > 3 else "")
            if inside:
                problems.append(Problem(f"{name}/", 0, "", f"funnel files in a folder inside funnels/ are "
                                        f"not built ({listed}): move them into funnels/ itself to build them",
                                        warning=True))
        else:
            problems.append(Problem(name, 0, "", "is not a funnel file (.yml), so it is not built: rename it "
                                    "to end in .yml to build it, or move it out of funnels/", warning=True))
    return problems


def funnel_key(site: str, path: Path) -> str:
    return funnel_key_of(site, hashlib.sha256(path.read_bytes()).hexdigest())


def funnel_key_of(site: str, digest: str) -> str:
    """The key of a funnel file whose bytes have this SHA-256 ``digest`` (load.Source.digest)."""
    return hashlib.sha256(site.encode() + bytes.fromhex(digest)).hexdigest()


def reusable(root: Path, previous: Manifest) -> dict[str, FunnelRecord]:
    """The funnel files the previous build made from the very same inputs.

    The site key is taken over the theme folders the previous build used: if `site.yml` or a
    theme's `extends` changed the chain, those files changed, and so does the key.
    """
    folders = [Path(folder) for folder in previous.theme_folders]
    if not previous.funnels or not folders or not all(folder.is_dir() for folder in folders):
        return {}
    funnels = real_path(root / "funnels")
    if not (root / "site.yml").is_file() or funnels is None or not funnels.is_relative_to(root.resolve()):
        return {}  # gone, not a file, outside the site or a loop of links: the full build says so
    key = site_key(root, folders)
    if key != previous.site_key:
        return {}
    reused = {}
    for path in funnel_files(root):
        name = f"funnels/{path.name}"
        record = previous.funnels.get(name)
        if record is not None and path.is_file() and record.key == funnel_key(key, path):  # not a pipe
            reused[name] = record
    return reused
