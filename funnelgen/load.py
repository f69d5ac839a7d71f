"""Stage 1, load: read YAML files safely into plain data that remembers its line numbers."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import stat
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import yaml

from funnelgen.errors import Abort, Problem, key_path
from funnelgen.incremental import left_behind, real_path

try:  # the C loader is several times faster; it is just as safe
    from yaml import CSafeLoader as SafeLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader  # type: ignore[assignment]

Loc = tuple[str | int, ...]

MAX_FILE_BYTES = 2_000_000
MAX_NODES = 200_000  # aliases expanded; stops "billion laughs" documents early
MAX_TEXT = 5_000_000  # characters, aliases expanded: one long text repeated by aliases is as bad
MAX_DEPTH = 64

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_INT, _FLOAT, _NULL = _TAG + "int", _TAG + "float", _TAG + "null"
_PLAIN_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")}
_COMMENT_VALUE = re.compile(r"^\s*:\s+#([^\s,}\]]+)")
_REAL_COMMENT = re.compile(r"[ \t]#(?:[ \t]|$)")
_TEXT_WITH_COLON = re.compile(r"^\s*(?:-\s+)?([\w-]+):\s+([^\"'#\s][^#]*)$")  # no backtracking: linear


@dataclass
class Source:
    """One YAML file as loaded: its data and the line of every key and list item."""

    path: Path
    name: str  # as shown in messages, e.g. ``funnels/webinar.yml``
    data: Any
    lines: dict[Loc, int] = field(default_factory=dict)
    texts: dict[Loc, str] = field(default_factory=dict)
    """Values YAML read as something other than text (numbers, yes/no, dates), as typed."""
    splits: dict[Loc, str] = field(default_factory=dict)
    """Numbers YAML split at a comma inside '{…}' (`{amount: 19,99}` is `amount: 19` and a key
    `99`): the key of the number → what to write instead. The keys after the comma are left out
    of ``data``, so they are said once, here (see `split_number_message`)."""
    released: bool = False
    digest: str = ""
    """SHA-256 of the file's bytes as read: what an incremental build keys the file on."""

    def release(self) -> None:
        """Let go of the parsed data and the line of every key once the file is validated: they
        are most of its memory (40 KB for a five-step funnel), and only a message needs a line
        after that, which reads the file again. The texts of its numbers and dates stay (a few
        per file): planning reads how a price was typed."""
        self.data, self.lines, self.splits, self.released = None, {}, {}, True

    def line(self, loc: Loc) -> int:
        """The line of ``loc``, or of the nearest enclosing key that has one."""
        if self.released:  # read the file again, once
            self.released = False
            with contextlib.suppress(Abort):  # changed since, and broken: the next build says so
                self.lines = load_yaml(self.path, self.name).lines
        for end in range(len(loc), -1, -1):
            found = self.lines.get(loc[:end])
            if found:
                return found
        return 1

    def problem(self, loc: Loc, message: str, *, warning: bool = False) -> Problem:
        return Problem(self.name, self.line(loc), key_path(loc), message, warning)


def read_text(path: Path, name: str) -> str:
    """Read a UTF-8 text file, naming the line of the first byte that is not UTF-8."""
    return _decoded(_read_bytes(path, name), name)


def _read_bytes(path: Path, name: str) -> bytes:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise Abort([Problem(name, 0, "", "file not found")]) from None
    except OSError as exc:
        raise Abort([Problem(name, 0, "", f"cannot read file: {exc.strerror}")]) from None
    if len(raw) > MAX_FILE_BYTES:
        raise Abort([Problem(name, 0, "", f"file is larger than {MAX_FILE_BYTES:,} bytes")])
    return raw


def _decoded(raw: bytes, name: str) -> str:
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
    raw = _read_bytes(path, name)
    text = _decoded(raw, name)
    bad = _NOT_YAML.search(text)
    if bad:  # YAML allows no control characters; say where, in words (the reader would not)
        line = text.count("\n", 0, bad.start()) + 1
        message = (f"character U+{ord(bad[0]):04X} (an invisible control character) is not allowed "
                   "in YAML; remove it, or write it as an escape inside double quotes")
        raise Abort([Problem(name, line, "", message)])
    loader = SafeLoader(text)
    try:
        if len(text) > 2 * MAX_NODES:  # only a file this long can hold that many values
            _count_values(text, name)
        node = loader.get_single_node()
        source = Source(path=path, name=name, data=None, digest=hashlib.sha256(raw).hexdigest())
        if node is not None:
            builder = _Builder(loader, source, text.splitlines())
            source.data = builder.build_document(node, may_alias=_ANCHOR.search(text) is not None)
        return source
    except yaml.MarkedYAMLError as exc:
        line, message = _syntax_error(exc, text.splitlines())
        raise Abort([Problem(name, line, "", message)]) from None
    except yaml.YAMLError as exc:
        raise Abort([Problem(name, 0, "", "YAML error: " + " ".join(str(exc).split()))]) from None
    except RecursionError:
        message = f"nested more than {MAX_DEPTH} levels deep"
        raise Abort([Problem(name, 0, "", message)]) from None
    finally:
        loader.dispose()


@dataclass
class _Open:
    """A list or mapping the event counter is inside."""

    loc: Loc
    line: int
    start: int  # the count when it began (itself included)
    mapping: bool
    key: str = ""
    index: int = 0
    expect_key: bool = True


def _count_values(text: str, name: str) -> None:
    """Refuse a file of more than MAX_NODES values before it is composed: counting the parser's
    events is several times cheaper than building a node for each (up to a million in 2 MB).
    Names the innermost list or mapping that holds most of them, as _Builder.too_big would. Aliases
    count once here; what they expand to is counted by _Builder.size."""
    counter = SafeLoader(text)
    inside: list[_Open] = []
    count = 0

    def done() -> None:  # one value (or key) of the innermost list or mapping is complete
        if inside:
            top = inside[-1]
            if top.mapping:
                top.expect_key = not top.expect_key
            else:
                top.index += 1

    try:
        while counter.check_event():
            event = counter.get_event()
            if isinstance(event, yaml.SequenceEndEvent | yaml.MappingEndEvent):
                inside.pop()
                done()
                continue
            if not isinstance(event, yaml.ScalarEvent | yaml.AliasEvent | yaml.CollectionStartEvent):
                continue
            top = inside[-1] if inside else None
            if top is not None and top.mapping and top.expect_key and not isinstance(
                    event, yaml.CollectionStartEvent):
                top.key = str(getattr(event, "value", "*"))  # keys are not values: not counted
                done()
                continue
            count += 1
            line = event.start_mark.line + 1 if event.start_mark else 0
            if isinstance(event, yaml.CollectionStartEvent):
                loc: Loc = () if top is None else (*top.loc, top.key if top.mapping else top.index)
                inside.append(_Open(loc, line, count, isinstance(event, yaml.MappingStartEvent)))
            else:
                done()
            if count > MAX_NODES:
                # Read no further: name the innermost list or mapping that holds most of them.
                big = next((o for o in reversed(inside) if count - o.start + 1 > MAX_NODES // 2), None)
                where, line = (big.loc, big.line) if big else ((), line)
                raise Abort([Problem(name, line, key_path(where),
                                     f"more than {MAX_NODES:,} values: too many for one file")])
    finally:
        counter.dispose()


def _syntax_error(exc: yaml.MarkedYAMLError, lines: list[str]) -> tuple[int, str]:
    """The line of a YAML syntax error and what to write instead, for the usual mistakes."""
    mark = exc.problem_mark or exc.context_mark
    line = mark.line + 1 if mark else 0
    if lookalike := _lookalike_space(exc, lines, line):
        return lookalike
    problem = exc.problem or ""
    context = exc.context or ""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    column = mark.column if mark else 0
    if "mapping values are not allowed" in problem:
        above = _colon_missing(lines[line - 2]) if line >= 2 else None  # `name Sunny Yoga`, then a key
        if above and ": " not in text[:column]:
            return line - 1, above
        if ": " not in text[:column]:
            return line, "this line is indented differently from the lines above; line it up"
        quoted = _TEXT_WITH_COLON.match(text)
        value = _at_most_60(quoted[2].rstrip()) if quoted else ""
        example = f': {quoted[1]}: "{value}"' if quoted and ": " in value else ""
        return line, f"a value contains ': '; put the whole value in quotes{example}"
    char = text[column : column + 1]
    if "tab" in problem or char == "\t":
        if re.match(r"[ ]*-\t", text):
            return line, "the space after this line's '-' is a tab; type a normal space"
        return line, "this line is indented with a tab; indent with spaces only"
    if "could not find expected ':'" in problem and exc.context_mark:  # `type optin`, `headline:Buy`
        at = exc.context_mark.line + 1
        missing = _colon_missing(lines[at - 1] if 0 < at <= len(lines) else "")
        if missing:
            return at, missing
    if "quoted scalar" in context and ("escape" in problem or "hexdecimal" in problem):
        return line, ("a backslash (\\) inside double quotes starts an escape such as \\n; write \\\\ for "
                      "a backslash, or put the value in single quotes")
    if "quoted scalar" in context and exc.context_mark:
        return exc.context_mark.line + 1, "a quote opened on this line is never closed"
    if context in ("while parsing a flow sequence", "while parsing a flow mapping") and exc.context_mark:
        opened = exc.context_mark.line
        inside = _text_inside_brackets(lines[opened] if opened < len(lines) else "", exc.context_mark.column)
        if inside:
            return opened + 1, inside
        return _unclosed_bracket(exc.context_mark, line, char, context.endswith("mapping"))
    if "another document" in problem:
        return line, "a second document starts here ('---'); keep one document per file"
    if "undefined alias" in problem:
        return line, "an alias (*name) here has no anchor (&name) above it; write the value out"
    if "nesting depth" in problem:
        return line, f"nested more than {MAX_DEPTH} levels deep"
    if "cannot start any token" in problem:
        shown = f"'{char}'" if char.strip() else repr(char)
        return line, _starts_with_indicator(text) or f"a value cannot start with {shown}; put it in quotes"
    if indicator := _starts_with_indicator(text):  # `headline: *Special* offer`, `- first`, `> quote`
        return line, indicator
    unexpected = problem.startswith(("expected <block end>", "did not find expected"))
    early = _closed_early(text, column) if unexpected and "flow" not in context else None
    if early:
        return line, early
    if problem.startswith(("expected <block end>", "did not find expected key")) and char in _OPENS:
        return line, f"this '{char}' closes nothing: remove it, or add the '{_OPENS[char]}' it closes"
    if problem.startswith(("expected <block end>", "did not find expected")):
        return line, _starts_with_indicator(text, quotes=True) or _indented_differently(lines, line)
    return line, f"YAML syntax error: {problem or context or 'not valid YAML'}"


_SPACES = {"\xa0": "a no-break space", "\u2007": "a figure space", "\u202f": "a narrow no-break space",
           "\u3000": "a full-width space", "\u200b": "a zero-width space"}
_LOOKALIKE = "[\xa0\u2007\u202f\u3000\u200b\ufeff]"
_LOOKALIKE_INDENT = re.compile(f"^[ ]*-?({_LOOKALIKE})")  # before a key, or after a list's '-'
_LOOKALIKE_AFTER_KEY = re.compile(f"^[ \t]*(?:-[ \t]+)?([\\w-]+)(?::({_LOOKALIKE})|[ \t]*(\uff1a))")


def _lookalike_space(exc: yaml.MarkedYAMLError, lines: list[str], line: int) -> tuple[int, str] | None:
    """A space or colon that looks right and is not one to YAML, as Word, a web page or a
    Japanese keyboard types it (`headline:\xa0Buy`, `headline：Buy`, a line indented with a
    full-width space), on the line of the error or the one it was reading: YAML names the next
    line, with no word of the character."""
    context = exc.context_mark.line + 1 if exc.context_mark else line
    for at in sorted({context, line - 1, line}):
        text = lines[at - 1] if 0 < at <= len(lines) else ""
        if indent := _LOOKALIKE_INDENT.match(text):
            if indent[1] == "\ufeff":  # a file's first character, brought along when files are joined
                return at, ("this line starts with an invisible byte-order mark (U+FEFF), brought along "
                            "by a file pasted or joined into this one: delete the invisible character "
                            "before the text")
            space = f"{_SPACES[indent[1]]} (U+{ord(indent[1]):04X}), which YAML does not read as a space"
            if text.lstrip(" ").startswith("-"):
                return at, f"the space after this line's '-' is {space}: type a normal space"
            return at, f"this line is indented with {space}: indent with normal spaces"
        if after := _LOOKALIKE_AFTER_KEY.match(text):
            key, space = after[1], after[2]
            if after[3]:
                return at, f"the colon after '{key}' is a full-width '：': write {key}: with a normal ':'"
            return at, (f"the space after '{key}:' is {_SPACES[space]} (U+{ord(space):04X}), which YAML does "
                        "not read as a space: type a normal space")
    return None


_KEY_SPACE_VALUE = re.compile(r"^[ \t]*(?:-[ \t]+)?([A-Za-z_][\w-]*)[ \t]+([^:#\s][^#]*?)[ \t]*$")
_KEY_COLON_VALUE = re.compile(r"^[ \t]*(?:-[ \t]+)?([A-Za-z_][\w-]*):([^\s/][^#]*?)[ \t]*$")


def _colon_missing(text: str) -> str | None:
    """What to write for a key whose ':' or the space after it is missing (`type optin`,
    `headline:Get the plan`); None when the line is not such a key."""
    if ": " in text or text.rstrip().endswith(":"):
        return None
    if found := _KEY_COLON_VALUE.match(text):
        return f"put a space after the ':' of '{found[1]}': write {found[1]}: {_at_most_60(found[2])}"
    if found := _KEY_SPACE_VALUE.match(text):
        return f"a ':' is missing after '{found[1]}': write {found[1]}: {_at_most_60(found[2])}"
    return None


_VALUE = re.compile(r"^[ \t]*(?:-[ \t]+)?([\w-]+):[ \t]+(\S.*?)[ \t]*$")
_BLOCK_WITH_TEXT = re.compile(r"[>|][-+0-9]*[ \t]+[^#\s]")
_INDICATORS = {
    "*": "an alias", "&": "an anchor", "!": "a tag", "%": "a directive", "@": "a reserved character",
    "`": "a reserved character", "-": "a list item", "?": "a key", ">": "the start of a block of text",
    "|": "the start of a block of text", "[": "a list", "{": "a set of keys", "'": "quoted text",
    '"': "quoted text",
}


def _starts_with_indicator(text: str, *, quotes: bool = False) -> str | None:
    """What to write for text that starts with a character YAML reads as something else
    (`headline: *Special* offer`, `[NEW] course`, `> quote`, `'It''s free' today`); None when
    the line's value is not text of that kind."""
    found = _VALUE.match(text)
    if not found or found[2][0] not in _INDICATORS:
        return None
    key, value = found[1], found[2]
    first = value[0]
    if first in "'\"" and not quotes:  # _closed_early says more about quotes closed too soon
        return None
    if first in "[{'\"":  # a real list, set of keys or quoted text unless more text follows its end
        end = _quote_end(value, 0) if first in "'\"" else value.find("]" if first == "[" else "}")
        after = value[end + 1 :].strip() if end is not None and end >= 0 else ""
        if not after or after[0] in "#]},":  # the end of the line, a comment, or a bracket too many
            return None
    elif first in "-?" and not value[1:2].isspace():  # -5, ?x: plain text
        return None
    if first in ">|" and not _BLOCK_WITH_TEXT.match(value):  # | or >-: a block of text on the next lines
        return None
    if first in "'\"":
        other = "'" if first == '"' else '"'
        whole = value.replace("'", "''") if other == "'" else value.replace("\\", "\\\\").replace('"', '\\"')
        return (f"the quoted text ends before the value does: to show the quotes, put the whole value in "
                f"{_QUOTE_NAMES[other]}: {key}: {other}{_at_most_60(whole)}{other}")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return (f"text cannot start with '{first}' unless it is in quotes (YAML reads it as "
            f"{_INDICATORS[first]}): write {key}: \"{_at_most_60(escaped)}\"")


def _indented_differently(lines: list[str], line: int) -> str:
    """Say how a line that YAML cannot place is indented against the line above it."""
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    above = next((lines[i] for i in range(line - 2, -1, -1) if lines[i].strip()
                  and not lines[i].lstrip().startswith("#")), "")
    if not text.strip():
        return "the file ends before the value above it does: close each '[', '{' and quote it opens"
    mine, theirs = len(text) - len(text.lstrip(" ")), len(above) - len(above.lstrip(" "))
    if above and mine != theirs:
        spaces = "1 space" if mine == 1 else f"{mine} spaces"
        return f"this line is indented {spaces} and the line above {theirs}: line it up with its neighbours"
    return ("this line does not fit with the lines above: check its indentation, and put text with ':' "
            "or '#' in quotes")


_OPENS = {"]": "[", "}": "{"}
_QUOTED_START = re.compile(r"^[ \t]*(-[ \t]+)?(?:([\w-]+):[ \t]+)?(['\"])")
_COMMENT_AFTER = re.compile(r"[ \t]+#|[ \t]*$")
_QUOTE_NAMES = {"'": "single quotes", '"': "double quotes"}


def _closed_early(text: str, column: int) -> str | None:
    """What to write when a quoted value ends before its end, at a quote inside it: in
    ``headline: 'Don't miss'`` YAML reads 'Don' and then stumbles on ``t miss'`` at ``column``.
    None when the line is not such a value."""
    start = _QUOTED_START.match(text)
    if not start or not (start[1] or start[2]):
        return None
    quote, opened = start[3], start.end() - 1
    close = _quote_end(text, opened)
    if close is None or column <= close or _COMMENT_AFTER.match(text, close + 1):
        return None  # the quote is not closed on this line, or closed where the value ends
    end = next((i for i in range(len(text) - 1, close, -1)
                if text[i] == quote and _COMMENT_AFTER.match(text, i + 1)), None)
    if end is None:  # ``'Free' training``, or a value over several lines: not what this is about
        return None
    key = f"{start[2]}: " if start[2] else ""
    if text[close + 1].isspace() and re.search(rf"\s{quote}", text[close:end]):
        # 'Yes' or 'No': quoted words, the quotes meant to show
        other = '"' if quote == "'" else "'"
        whole = text[opened : end + 1]
        whole = _at_most_60(whole.replace("'", "''") if other == "'" else
                            whole.replace("\\", "\\\\").replace('"', '\\"'))
        return (f"{key}the {quote} after {text[opened + 1 : close]} ends the quoted text: to show the "
                f"quotes, put the whole value in {_QUOTE_NAMES[other]}: {other}{whole}{other}")
    left = close
    while left > opened + 1 and not text[left - 1].isspace():
        left -= 1
    right = close + 1
    while right < end and not text[right].isspace():
        right += 1
    word, inner, head = text[left:right], text[opened + 1 : end], text[opened + 1 : right]
    more = " …" if text[right:end].strip() else ""
    said = f"{key}the {quote} in {word} ends the quoted text: write "
    if quote == "'":
        content, shown = inner.replace("''", "'"), head.replace("''", "'").replace("'", "''")
        escaped = content.replace("\\", "\\\\").replace('"', '\\"')
        return (f'{said}"{_at_most_60(escaped)}" (double quotes), or double the \' inside single '
                f"quotes ('{shown}{more}')")
    escaped = f'"{_escape_quotes(head)}{more}"'
    if "\\" in inner:  # escapes mean something in double quotes only
        return f'{said}\\" for each " inside the double quotes ({escaped})'
    single = _at_most_60(inner.replace("'", "''"))
    return f"{said}'{single}' (single quotes), or \\\" for each \" inside double quotes ({escaped})"


def _quote_end(text: str, opened: int) -> int | None:
    """Where the quoted text opened at ``opened`` ends: its closing quote ('' inside single quotes
    and \\" inside double quotes are not one)."""
    quote, i = text[opened], opened + 1
    while i < len(text):
        if quote == '"' and text[i] == "\\":
            i += 2
            continue
        if text[i] == quote:
            if quote == "'" and text[i + 1 : i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return None


def _escape_quotes(raw: str) -> str:
    """Text written inside double quotes with each bare " escaped."""
    out, i = [], 0
    while i < len(raw):
        if raw[i] == "\\":
            out.append(raw[i : i + 2])
            i += 2
            continue
        out.append('\\"' if raw[i] == '"' else raw[i])
        i += 1
    return "".join(out)


_FLOW_ITEM = re.compile(r"[ \t]*([\w-]+):[ \t]+([^,{}\[\]]*)")


def _text_inside_brackets(text: str, column: int) -> str | None:
    """What to write for text inside '{…}' or '[…]' that YAML cuts short: at a ': ' inside it
    (`{text: Step 1: go}`), or at ' #', where a comment starts (`{text: Buy now #1 deal}`)."""
    at = column + 1
    while (item := _FLOW_ITEM.match(text, at)) is not None:
        key, value = item[1], item[2].rstrip()
        comment = re.search(r"[ \t]#", value)
        if ": " in value or comment:
            closer = "}" if text[column] == "{" else "]"
            rest = text[item.start(2) :].split(closer)[0].split(", ")[0].rstrip()
            escaped = rest.replace("\\", "\\\\").replace('"', '\\"')
            quoted = f'{key}: "{_at_most_60(escaped)}"'
            colon = value.find(": ")
            if colon >= 0 and (not comment or colon < comment.start()):
                before = value[:colon].split()
                if len(before) > 1 and re.fullmatch(r"[A-Za-z_][\w-]*", before[-1]):  # {x: 1 y: 2}
                    return (f"a ',' is missing before '{before[-1]}', or the ': ' after it is part of the "
                            f"text: then put the text in quotes: {quoted}")
                return f"the ': ' inside this text ends it there: put the text in quotes: {quoted}"
            return (f"the ' #' inside this text starts a comment, which hides the rest of the line: put the "
                    f"text in quotes: {quoted}")
        at = item.end() + 1  # past the ','
    return None


def _unclosed_bracket(opened: yaml.Mark, line: int, char: str, mapping: bool) -> tuple[int, str]:
    """A '[' or '{' (opened at ``opened``) that YAML found unfinished on ``line``: the line it
    was opened on is where to look (YAML notices on a later line, when the next key starts)."""
    bracket, closer = ("{", "}") if mapping else ("[", "]")
    what = "set of keys" if mapping else "list"
    if line != opened.line + 1:
        message = f"the '{bracket}' on this line is never closed: end the {what} with '{closer}'"
        return opened.line + 1, message
    if char in _OPENS:
        return line, f"the '{bracket}' on this line is closed with '{char}': write '{closer}' instead"
    return line, f"a ',' or '{closer}' is missing in the {what} on this line: put a ',' between its items"


_NOT_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""What YAML 1.1 does not allow in a file (its printable set): NUL and other control characters."""

_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")

_ESCAPED_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
"""Control characters but tab and line breaks: only an escape in double quotes can write one."""

_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s]", re.M)
"""Where an anchor (&name) may be defined; prose like 'Q&A' does not match."""


def _is_text_part(key_node: yaml.ScalarNode, value_node: yaml.Node) -> bool:
    """Whether a key inside '{…}' is the rest of the value before it, cut off at a comma: no ':'
    after it (`{text: Yes, send it}` reads as the keys text and 'send it')."""
    return (not key_node.style and isinstance(value_node, yaml.ScalarNode) and value_node.tag == _NULL
            and value_node.value == "" and value_node.start_mark.index == key_node.end_mark.index)


class _Builder:
    """Turns a YAML node tree into dicts, lists and scalars, recording lines as it goes."""

    def __init__(self, loader: Any, source: Source, lines: list[str]) -> None:
        self.loader = loader
        self.source = source
        self.text_lines = lines
        self.sizes: dict[int, int] = {}
        self.lengths: dict[int, int] = {}  # characters of text, as `sizes` counts values
        self.open: set[int] = set()
        self.aliased = False
        self.root: yaml.Node | None = None
        self.built = 0

    def fail(self, node: yaml.Node, loc: Loc, message: str) -> Abort:
        line = node.start_mark.line + 1
        return Abort([Problem(self.source.name, line, key_path(loc), message)])

    def build_document(self, node: yaml.Node, *, may_alias: bool) -> Any:
        """Count the values first, so aliases cannot blow the document up; then build it.

        Without an anchor (&name) there can be no alias, and the file size bounds the values.
        """
        if may_alias and self.size(node, ()) > MAX_NODES:
            raise self.too_big(node, ())
        if may_alias and self.lengths[id(node)] > MAX_TEXT:
            raise self.too_long(node, ())
        self.root, self.built = node, 0
        return self.build(node, ())

    def size(self, node: yaml.Node, loc: Loc) -> int:
        """How many values ``node`` becomes once every alias is expanded (counted, not built)."""
        key = id(node)
        if key in self.sizes:
            self.aliased = True  # a node reached twice: an alias points at it
            return self.sizes[key]
        if len(loc) > MAX_DEPTH:
            raise self.fail(node, loc[:1], f"nested more than {MAX_DEPTH} levels deep")
        if key in self.open:
            raise self.fail(node, loc[:1], "an alias (*name) is used inside the value it "
                            "refers to; write the values out instead")
        self.open.add(key)
        own = len(node.value) if isinstance(node, yaml.ScalarNode) else 0  # characters of its text
        if isinstance(node, yaml.MappingNode):  # a list or mapping as a key: refused before it is counted
            for key_node, _ in node.value:
                if not isinstance(key_node, yaml.ScalarNode):
                    raise self.fail(key_node, loc, "a key must be plain text")
                own += len(key_node.value)
        children = _children(node, loc)
        self.sizes[key] = 1 + sum(self.size(child, where) for where, child in children)
        self.lengths[key] = own + sum(self.lengths[id(child)] for _, child in children)
        self.open.discard(key)
        return self.sizes[key]

    def too_big(self, node: yaml.Node, loc: Loc) -> Abort:
        """Name the first value that is over the limit by itself (sizes are all counted)."""
        for where, child in _children(node, loc):
            if self.sizes[id(child)] > MAX_NODES:
                return self.too_big(child, where)
        if self.aliased:
            return self.fail(node, loc, f"aliases (*name) make this more than {MAX_NODES:,} "
                             "values; write the values out instead")
        return self.fail(node, loc, f"more than {MAX_NODES:,} values: too many for one file")

    def too_long(self, node: yaml.Node, loc: Loc) -> Abort:
        """Name the first value that is over the text limit by itself (aliases alone get there:
        the file is shorter than the limit)."""
        for where, child in _children(node, loc):
            if self.lengths[id(child)] > MAX_TEXT:
                return self.too_long(child, where)
        return self.fail(node, loc, f"aliases (*name) make this more than {MAX_TEXT:,} characters of "
                         "text; write the values out instead")

    def build(self, node: yaml.Node, loc: Loc) -> Any:
        self.built += 1
        if self.built > MAX_NODES and self.root is not None:  # no anchors, but a huge file
            self.size(self.root, ())  # count it all, to name the value that is too big
            raise self.too_big(self.root, ())
        if len(loc) > MAX_DEPTH:
            raise self.fail(node, loc[:1], f"nested more than {MAX_DEPTH} levels deep")
        if node.tag not in _PLAIN_TAGS:
            tag = node.tag.replace(_TAG, "!!")
            row = node.start_mark.line
            text = _starts_with_indicator(self.text_lines[row]) if row < len(self.text_lines) else None
            raise self.fail(node, loc, text if text and not tag.startswith("!!") else
                            f"the YAML tag '{tag}' is not allowed; remove it")
        self.source.lines.setdefault(loc, node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            return self.build_mapping(node, loc)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i)) for i, item in enumerate(node.value)]
        if node.tag == _STR:  # most values: the constructor would return the text as it is
            if isinstance(node, yaml.ScalarNode) and not node.style:  # plain: '' (C loader) or None
                self.check_cut_by_comment(node, loc)
            control = _ESCAPED_CONTROL.search(node.value) if isinstance(node, yaml.ScalarNode) \
                and node.style == '"' else None  # "\a", "\x07": only quotes with escapes make one
            if control:
                raise self.fail(node, loc, f"the escape for {control[0]!r} in these quotes is an invisible "
                                "control character, which no page can show; remove it")
            return node.value
        value = self.loader.construct_object(node, deep=True)
        if not isinstance(value, str) and node.value:
            self.source.texts[loc] = str(node.value)
        return value

    def build_mapping(self, node: yaml.MappingNode, loc: Loc) -> dict[str, Any]:
        out: dict[str, Any] = {}
        number: str | None = None  # the key just read, when it holds a number inside '{…}'
        parts: dict[str, list[str]] = {}  # such a key → the digits YAML made keys of after its commas
        for key_node, value_node in node.value:
            if number is not None and _is_number_part(key_node, value_node):
                parts.setdefault(number, []).append(str(key_node.value))
                continue
            if key_node.tag == "tag:yaml.org,2002:merge":
                raise self.fail(key_node, loc, "merge keys ('<<') are not supported; write the keys out")
            if not isinstance(key_node, yaml.ScalarNode):
                raise self.fail(key_node, loc, "a key must be plain text")
            key = str(key_node.value)  # as typed: 'on' stays 'on', never True
            if node.flow_style and out and _is_text_part(key_node, value_node) and \
                    out[last := next(reversed(out))] is not None:
                before = self.source.texts.get((*loc, last), out[last])  # {text: Yes, send it}
                raise self.fail(key_node, (*loc, last), f"the ',' after '{before}' ends the value of "
                                f"'{last}' there; to keep '{key}' in it, put the whole value in quotes: "
                                f"{last}: \"{before}, {key}\"")
            if _INVISIBLE.search(key):  # it would break every message that names the key
                raise self.fail(key_node, loc, f"the key {key!r} has a line break or an invisible "
                                "character in it; write it out plainly")
            if key in out:
                first = self.source.lines[(*loc, key)]
                starts_item = loc and isinstance(loc[-1], int) and key == next(iter(out))
                item = ", or write '- ' before it to start another item of the list" if starts_item else ""
                raise self.fail(key_node, (*loc, key),
                                f"duplicate key '{key}' (first on line {first}); keep only one{item}")
            self.source.lines[(*loc, key)] = key_node.start_mark.line + 1
            self.check_comment(key_node, value_node, (*loc, key))
            out[key] = self.build(value_node, (*loc, key))
            number = key if node.flow_style and value_node.tag in (_INT, _FLOAT) else None
        for key, after in parts.items():
            written = self.source.texts.get((*loc, key), str(out[key]))
            self.source.splits[(*loc, key)] = split_number_message(key, written, after)
        return out

    def check_comment(self, key_node: yaml.Node, value_node: yaml.Node, loc: Loc) -> None:
        """Refuse ``color: #1d4ed8``: YAML reads an unquoted '#…' as a comment, the value as empty."""
        if not (isinstance(value_node, yaml.ScalarNode) and value_node.tag == _TAG + "null"
                and value_node.value == "" and key_node.end_mark.line < len(self.text_lines)):
            return
        end = key_node.end_mark
        comment = _COMMENT_VALUE.match(self.text_lines[end.line][end.column :])
        if comment:
            value = f"#{comment[1]}"
            raise self.fail(key_node, loc, f"YAML reads {value} as a comment, so this is empty; "
                            f'put it in quotes: {loc[-1]}: "{value}"')

    def check_cut_by_comment(self, node: yaml.Node, loc: Loc) -> None:
        """Refuse ``headline: The #1 day``: YAML reads ' #1 day' as a comment, the text as 'The'.
        A comment meant as one has a space after its '#' (``fine # a note``)."""
        end = node.end_mark
        if end.line >= len(self.text_lines):
            return
        rest = self.text_lines[end.line][end.column :]
        comment = rest.lstrip(" \t")
        if comment == rest or not comment.startswith("#") or comment[1:2] in ("", " ", "\t", "\r"):
            return
        real = _REAL_COMMENT.search(comment)  # a real comment after it: ' # …'
        comment = (comment[: real.start()] if real else comment).rstrip(" \t\r")
        comment, whole = _at_most_60(comment), _at_most_60(f"{node.value} {comment}")
        escaped = whole.replace("\\", "\\\\").replace('"', '\\"')
        quoted = f"'{whole}'" if "'" not in whole else f'"{escaped}"'
        written = f"{loc[-1]}: {quoted}" if loc and isinstance(loc[-1], str) else f"- {quoted}"
        raise self.fail(node, loc, f"YAML reads '{comment}' as a comment, so the text stops before it; "
                        f"put the whole value in quotes: {written}")


_NUMBER_PART = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _is_number_part(key_node: yaml.Node, value_node: yaml.Node) -> bool:
    """A plain key of digits with nothing after it: in `{amount: 19,99}`, the `99`."""
    plain_digits = isinstance(key_node, yaml.ScalarNode) and not key_node.style and bool(
        _NUMBER_PART.fullmatch(key_node.value))
    return plain_digits and isinstance(value_node, yaml.ScalarNode) and value_node.tag == _NULL \
        and value_node.value == ""


def split_number_message(key: str, written: str, parts: list[str]) -> str:
    """What to write when YAML split a number at its commas inside '{…}': ``written`` is the
    number as typed before the first comma, ``parts`` the keys YAML made of the rest
    (`{compare_at: 1,370}`: '1' and ['370'])."""
    meant = None
    thousands = all(re.fullmatch(r"[0-9]{3}", p) for p in parts[:-1])
    if thousands and re.fullmatch(r"[0-9]{3}(?:\.[0-9]+)?", parts[-1]):
        if re.fullmatch(r"-?[0-9]+", written):
            meant = written + "".join(parts)  # 1,370 → 1370; 1,370,000.50 → 1370000.50
    elif len(parts) == 1 and re.fullmatch(r"[0-9]+", parts[0]):
        if re.fullmatch(r"-?[0-9]+", written):
            meant = f"{written}.{parts[0]}"  # 19,99 → 19.99
        elif re.fullmatch(r"-?[0-9]{1,3}(?:\.[0-9]{3})+", written):
            meant = f"{written.replace('.', '')}.{parts[0]}"  # 1.299,00 → 1299.00
    quoted = [f"'{p}'" for p in parts]
    read = f"a key {quoted[0]}" if len(parts) == 1 else f"the keys {', '.join(quoted[:-1])} and {quoted[-1]}"
    comma = "a comma" if len(parts) == 1 else "commas"
    what = f"as {key}: {meant}" if meant else f"with a point before the cents, e.g. {key}: 1299.50"
    return (f"'{written},{','.join(parts)}' is read as {key}: {written} and {read}: write the number "
            f"without {comma}, {what}")


def _at_most_60(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."


def _children(node: yaml.Node, loc: Loc) -> list[tuple[Loc, yaml.Node]]:
    """The values inside a list or mapping node, each with its location."""
    if isinstance(node, yaml.SequenceNode):
        return [((*loc, i), item) for i, item in enumerate(node.value)]
    if isinstance(node, yaml.MappingNode):
        return [((*loc, str(k.value)), v) for k, v in node.value]
    return []


def site_file(root: Path) -> Path:
    """The site's `site.yml`; refuses a folder that has none."""
    if not os.path.lexists(root / "site.yml"):  # one that is there but not a file: see `unreadable`
        if not root.exists():
            hint = " (run 'funnelgen new DIR' to start one)"
        elif (root / ".funnelgen").is_file():  # write.MARKER: an output folder, given as the site
            hint = ": it is a folder funnelgen built; give the site's folder, the one that holds site.yml"
        elif near := _named_like_site_yml(root):  # Site.yml, site.yml.txt (Notepad), site.yaml
            hint = f": rename {near} to site.yml"
        else:
            hint = ": give the folder that holds site.yml, or start a site here with funnelgen new ."
        raise Abort([Problem(str(root), 0, "", f"no site.yml in this folder{hint}")])
    return root / "site.yml"


def _named_like_site_yml(root: Path) -> str | None:
    """A file of ``root`` meant as site.yml: another case (which Windows and macOS do not tell
    apart, and Linux does), .yaml, or an ending Notepad added (site.yml.txt)."""
    try:
        names = sorted(os.listdir(root))
    except OSError:
        return None
    return next((name for name in names if name.lower() in ("site.yml", "site.yaml", "site.yml.txt",
                                                             "site.yaml.txt")), None)


LOOP = "is a link that leads back to itself (a loop of links); replace it with the file, or remove it"


def broken_link(path: Path) -> str:
    """What to say of a link to a file that is not there."""
    return (f"is a link to '{os.readlink(path)}', which is not there (moved or removed?): point the link "
            "to where it is now, or put it here instead")


def unreadable(path: Path, name: str, real_root: Path) -> Problem | None:
    """Why a site file must not be read: a link that leads outside the site folder (its text
    would end up in pages and messages), or not a plain file (reading a pipe waits for ever)."""
    try:
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            real = real_path(path)
            if real is None:
                return Problem(name, 0, "", LOOP)
            if not real.is_relative_to(real_root):
                return Problem(name, 0, "", "links to a file outside the site folder; "
                               "copy the file in instead")
            try:
                info = path.stat()
            except FileNotFoundError:
                return Problem(name, 0, "", broken_link(path))
    except OSError as exc:
        return Problem(name, 0, "", f"cannot read file: {exc.strerror}")
    folder = name.rpartition("/")[0]
    if stat.S_ISDIR(info.st_mode):
        return Problem(name, 0, "", "is a folder, not a YAML file; rename it")
    if not stat.S_ISREG(info.st_mode):
        return Problem(name, 0, "", "is not a plain file (a pipe or a device); remove it"
                       + (f" from {folder}/" if folder else ""))
    return None


def try_load(path: Path, name: str, problems: list[Problem]) -> Source | None:
    """`load_yaml`, its problems added to ``problems`` instead of raised."""
    try:
        return load_yaml(path, name)
    except Abort as exc:
        problems.extend(exc.problems)
        return None


class ContainedLoader(jinja2.FileSystemLoader):
    """Jinja's FileSystemLoader over a theme chain, refusing a template that is a link to a file
    outside the folder it is found in (``templates/blocks/footer.html -> /proc/self/environ``
    would publish the build's secrets). Jinja itself already refuses ``..`` in names."""

    def get_source(self, environment: jinja2.Environment,
                   template: str) -> tuple[str, str, Callable[[], bool]]:
        if any(map(left_behind, template.split("/"))):  # never counted in the site key: never read
            raise jinja2.TemplateNotFound(template)
        try:
            source, filename, uptodate = super().get_source(environment, template)
        except UnicodeDecodeError:
            for folder in self.searchpath:  # the file Jinja found: name the line that is not UTF-8
                path = Path(folder, *jinja2.loaders.split_template_path(template))
                if path.is_file():
                    read_text(path, str(path))
            raise
        real = os.path.realpath(filename)
        for folder in self.searchpath:
            if os.path.normpath(filename).startswith(os.path.join(os.path.normpath(folder), "")):
                inside = os.path.join(os.path.realpath(folder), "")
                if not real.startswith(inside):
                    message = "links to a file outside its folder; copy the file in instead"
                    raise Abort([Problem(filename, 0, "", message)])
                break
        return source, filename, uptodate

    def list_templates(self) -> list[str]:
        return [name for name in super().list_templates() if not any(map(left_behind, name.split("/")))]
