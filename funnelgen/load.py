"""Stage 1, load: read YAML files safely into plain data that remembers its line numbers."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from funnelgen.errors import Abort, Problem, key_path

try:  # the C loader is several times faster; it is just as safe
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

Loc = tuple[str | int, ...]

MAX_FILE_BYTES = 2_000_000
MAX_NODES = 200_000  # aliases expanded; stops "billion laughs" documents early
MAX_DEPTH = 64


@dataclass
class Source:
    """One YAML file as loaded: its data and the line of every key and list item."""

    path: Path
    name: str  # as shown in messages, e.g. ``funnels/webinar.yml``
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)

    def line(self, loc: Loc) -> int:
        """The line of ``loc``, or of the nearest enclosing key that has one."""
        for end in range(len(loc), -1, -1):
            found = self.lines.get(loc[:end])
            if found:
                return found
        return 1

    def problem(self, loc: Loc, message: str, *, warning: bool = False) -> Problem:
        return Problem(self.name, self.line(loc), key_path(loc), message, warning)


def read_text(path: Path, name: str) -> str:
    """Read a UTF-8 text file, naming the line of the first byte that is not UTF-8."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise Abort([Problem(name, 0, "", "file not found")]) from None
    except OSError as exc:
        raise Abort([Problem(name, 0, "", f"cannot read file: {exc.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise Abort([Problem(name, 0, "", f"file is larger than {MAX_FILE_BYTES:,} bytes")])
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        message = (
            f"byte 0x{raw[exc.start]:02x} is not UTF-8; save the file as UTF-8 "
            "(in most editors: File > Save with Encoding > UTF-8)"
        )
        raise Abort([Problem(name, line, "", message)]) from None


def load_yaml(path: Path, name: str) -> Source:
    """Parse one YAML file with the safe loader, refusing duplicate keys and alias bombs."""
    text = read_text(path, name)
    loader = SafeLoader(text)
    try:
        node = loader.get_single_node()
        source = Source(path=path, name=name, data=None)
        if node is not None:
            source.data = _Builder(loader, source).build(node, ())
        return source
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        reason = exc.problem or exc.context or "not valid YAML"
        raise Abort([Problem(name, line, "", f"YAML syntax error: {reason}")]) from None
    except yaml.YAMLError as exc:
        raise Abort([Problem(name, 0, "", f"YAML error: {exc}")]) from None
    except RecursionError:
        message = f"nested more than {MAX_DEPTH} levels deep"
        raise Abort([Problem(name, 0, "", message)]) from None
    finally:
        loader.dispose()


class _Builder:
    """Turns a YAML node tree into dicts, lists and scalars, recording lines as it goes."""

    def __init__(self, loader: Any, source: Source) -> None:
        self.loader = loader
        self.source = source
        self.nodes = 0

    def fail(self, node: yaml.Node, loc: Loc, message: str) -> Abort:
        line = node.start_mark.line + 1
        return Abort([Problem(self.source.name, line, key_path(loc), message)])

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise self.fail(node, loc, f"document expands to more than {MAX_NODES:,} values")
        if len(loc) > MAX_DEPTH:
            raise self.fail(node, loc, f"nested more than {MAX_DEPTH} levels deep")
        self.source.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self.build_mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        return self.loader.construct_object(node, deep=True)

    def build_mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, loc, "merge keys ('<<') are not supported; write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, loc, "a key must be plain text")
            key = str(key_node.value)  # as typed: 'on' stays 'on', never True
            if key in out:
                raise self.fail(key_node, (*loc, key), f"duplicate key '{key}'; keep only one")
            self.source.lines[(*loc, key)] = key_node.start_mark.line + 1
            out[key] = self.build(value_node, (*loc, key))
        return out


@dataclass
class SiteFiles:
    """Every YAML file of a site folder, parsed."""

    root: Path
    site: Source
    funnels: list[Source]


def load_site(root: Path) -> SiteFiles:
    """Parse `site.yml` and every `funnels/*.yml`; report every file that fails, together."""
    if not (root / "site.yml").is_file():
        hint = " (run 'funnelgen new DIR' to start one)" if not root.exists() else ""
        raise Abort([Problem(str(root), 0, "", f"no site.yml in this folder{hint}")])
    problems: list[Problem] = []
    site = _try_load(root / "site.yml", "site.yml", problems)
    funnel_dir = root / "funnels"
    paths = sorted(funnel_dir.glob("*.yml")) + sorted(funnel_dir.glob("*.yaml"))
    if not paths:
        problems.append(Problem("funnels/", 0, "", "no funnel files: add funnels/<name>.yml"))
    funnels = [_try_load(p, f"funnels/{p.name}", problems) for p in paths]
    if problems:
        raise Abort(problems)
    assert site is not None
    return SiteFiles(root=root, site=site, funnels=[f for f in funnels if f is not None])


def _try_load(path: Path, name: str, problems: list[Problem]) -> Source | None:
    try:
        return load_yaml(path, name)
    except Abort as exc:
        problems.extend(exc.problems)
        return None
