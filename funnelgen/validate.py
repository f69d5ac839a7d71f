"""Stage 2, validate: raw data → typed models, with errors that say where and what to write.

`validate_site` runs stage 1 (load.py) too, file by file, so that each file's raw data is let
go as soon as it is validated, and hands each valid funnel on to be planned on its own (stage 3)
where it was validated."""

from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar, Union, get_args, get_origin
from urllib.parse import urlsplit

from pydantic import BaseModel, ValidationError

from funnelgen.errors import Abort, Problem
from funnelgen.incremental import FunnelRecord, funnel_files
from funnelgen.load import Loc, Source, site_file, try_load, unreadable
from funnelgen.schema import STEP_TYPES, Funnel, Site, Step
from funnelgen.schema.blocks import amount_meant
from funnelgen.schema.types import Color, NotAStep, field_doc, kind_of, slugify
from funnelgen.spool import PageSpool
from funnelgen.workers import in_workers, share_out

if TYPE_CHECKING:
    from funnelgen.plan import FunnelPlan, Surveyed

M = TypeVar("M", bound=BaseModel)


def validate(source: Source, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Validate one loaded file against ``model``; every problem is reported, not just the first."""
    if not isinstance(source.data, dict):
        what = "empty" if source.data is None else _kind(source.data)
        keys = [f"'{f.alias or name}: …'" for name, f in model.model_fields.items() if f.is_required()]
        message = (f"expected keys such as {_and_list(keys) or 'key: value'} at the top of the file, "
                   f"but it is {what}")
        return None, [Problem(source.name, 1, "", message)]
    splits = [source.problem(loc, message) for loc, message in source.splits.items()]
    try:
        valid = model.model_validate(source.data)
    except ValidationError as exc:
        return None, _problems(exc, source, model) + splits
    return (None, splits) if splits else (valid, [])


MAX_PROBLEMS = 100
"""Problems reported per file: past this many, fixing the first ones is the way on (and a
file of 100,000 unknown keys must not take minutes to explain)."""


def _problems(exc: ValidationError, source: Source, model: type[BaseModel]) -> list[Problem]:
    seen: set[Loc] = set()
    problems: dict[Loc, Problem] = {}
    errors = exc.errors(include_url=False)
    for n, error in enumerate(errors):
        if len(problems) >= MAX_PROBLEMS:
            rest = len(errors) - n
            line = source.line(_data_loc(source.data, error["loc"]))
            problems[("…",)] = Problem(source.name, line, "", f"and {rest:,} more problems from this "
                                       "line on; fix the ones above first")
            break
        loc = _data_loc(source.data, error["loc"])
        if _follows_split_number(error["type"], loc, source):
            continue
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "type")
        if loc in seen:  # a value that fits no member of a union: say it once
            continue
        seen.add(loc)
        if error["type"] == "extra_forbidden":
            guess = likely_meant(str(loc[-1]), _allowed_keys(model, source.data, loc[:-1]))
            if guess:  # a misspelt key: say so once, not also that the right key is missing
                problems.pop((*loc[:-1], guess), None)
                seen.add((*loc[:-1], guess))
        problems[loc] = source.problem(loc, _message(error, source, loc, model))
    return list(problems.values())


def _follows_split_number(kind: str, loc: Loc, source: Source) -> bool:
    """Whether an error is about a number YAML split at a comma (`{amount: 19,99}` is read as
    19), or compares compare_at with such a number: the split says what to write (see
    `load.split_number_message`), and the number as read is not what was meant."""
    if loc in source.splits:
        return kind != "extra_forbidden"  # a misspelt key is said as well
    price = loc[:-1]
    split = any((*price, key) in source.splits for key in ("amount", "compare_at"))
    return kind == "compare_at_not_higher" and split


def _data_loc(data: Any, loc: tuple[str | int, ...]) -> Loc:
    """Drop the parts of a pydantic location that are not keys in the data (union members)."""
    out: list[str | int] = []
    tagged = False  # the part just read was a list index: pydantic may add a step type next
    for part in loc:
        if tagged and isinstance(data, dict) and part in _step_types() and data.get("type") == part:
            tagged = False  # steps[2].webinar.id is steps[2].id of a webinar step, not a key
            continue
        tagged = isinstance(part, int)
        inside = part in data if isinstance(data, dict) else (
            isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data)
        )
        if inside:
            data = data[part]
        elif isinstance(part, str) and _is_member_name(part):
            continue
        else:
            data = None
        out.append(part)
    return tuple(out)


def _is_member_name(part: str) -> bool:
    return part in _step_types() or "[" in part or part in ("str", "int", "bool", "float")


def _message(error: Any, source: Source, loc: Loc, model: type[BaseModel]) -> str:
    kind: str = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    data = source.data
    typed = None if isinstance(value, str) else source.texts.get(loc)  # a key's text is its own
    if kind == "extra_forbidden":
        allowed = _allowed_keys(model, data, loc[:-1])
        return _misplaced_key(str(loc[-1]), _model_at(model, data, loc[:-1]), allowed) or \
            _unknown_key(str(loc[-1]), allowed)
    if kind == "missing":
        parent = _model_at(model, data, loc[:-1])
        field = _field(parent, loc[-1]) if parent is not None else None
        example = _example_of(field.annotation, field.metadata) if field is not None else "…"
        return f"missing required key '{loc[-1]}': add {loc[-1]}: {example}"
    if kind == "union_tag_not_found":
        return f"missing key 'type': write one of {_or_list(_step_types())}"
    if kind == "union_tag_invalid":
        tag = str(ctx.get("tag", ""))
        guess = likely_meant(tag, _step_types())
        hint = f"did you mean '{guess}'? Or write" if guess else "write"
        return f"unknown step type '{tag}': {hint} one of {_or_list(_step_types())}"
    if kind == "literal_error":
        expected = str(ctx.get("expected", ""))
        guess = likely_meant(str(value), re.findall(r"'([^']*)'", expected))
        hint = f"did you mean '{guess}'? Or write" if guess else "write"
        return f"{as_written(value, typed)} is not allowed here: {hint} {expected}"
    if kind == "value_error":
        cause = ctx.get("error")
        if isinstance(cause, NotAStep):  # a URL as `next`: name the funnel's steps
            return cause.message(_step_ids(data))
        return str(ctx.get("error", error["msg"]))
    if kind in ("string_type", "str_type"):
        if value is None and isinstance(loc[-1], int):  # a '- ' with nothing after it
            return "this item is empty: write the text after '- ', or delete the line"
        if value is None:
            return f"is empty: write the text after '{loc[-1]}:'"
        if isinstance(value, bool | int | float | date):
            text = typed or _yaml_text(value)
            if _HEX_DIGITS.fullmatch(text) and _is_colour(model, data, loc):  # primary: 123456
                return f"expected a colour, got {text}: write a '#' before it, in quotes: \"#{text}\""
            return f"expected text, got {text}; put it in quotes: \"{text}\""
        return f"expected text, got {_kind(value)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        found = f"expected keys (key: value) here, got {_kind(value, typed)}"
        keys = _keys_meant(_model_at(model, data, loc), value, typed)
        if keys is None:
            return found
        return f"{found}; write {loc[-1]}: {keys}" if isinstance(loc[-1], str) else f"{found}; write - {keys}"
    if kind == "list_type":
        return f"expected a list (one '- item' per line), got {_kind(value, typed)}"
    if kind in ("int_type", "int_from_float") and isinstance(value, float) and math.isfinite(value):
        low, high = math.floor(value), math.ceil(value)
        write = f"{low}" if low == high else f"{low} or {high}"
        return f"expected a whole number, got {as_written(value, typed)}: write {write}"
    if kind in ("int_parsing", "int_type", "int_from_float", "decimal_parsing", "decimal_type",
                "float_parsing", "float_type", "finite_number"):
        return f"expected a number, got {as_written(value, typed)}"
    if kind in ("bool_parsing", "bool_type"):
        return f"expected true or false, got {as_written(value, typed)}"
    if kind.startswith(("datetime", "date")):
        got = as_written(value, typed)
        dotted = _DAY_FIRST.fullmatch(str(typed or value).strip())  # 10.12.2030 19:00, as Europe writes it
        if dotted:
            day, month, year, hour, minute = dotted.groups()
            iso = f"{year}-{int(month):02}-{int(day):02}"
            written = f"{iso} {int(hour):02}:{minute}" if hour else f"{iso} and its time, e.g. {iso} 19:00"
            return f"expected a date and time such as 2030-12-10 19:00, got {got}: write {written}"
        return f"expected a date and time such as 2030-12-10 19:00, got {got}"
    if kind == "string_pattern_mismatch":
        pattern = str(ctx.get("pattern", ""))
        form = (_PATTERN_HINTS.get(pattern) or _field_doc_at(model, data, loc) or pattern).rstrip(".")
        meant = _pattern_meant(str(value), pattern)
        fix = f"; write '{meant}'" if meant else ""
        return f"{as_written(value)} is not in the expected form: {form}{fix}"
    if kind == "too_short":
        return "must not be empty"
    if kind == "too_long":
        return f"has too many items (at most {ctx.get('max_length')})"
    if kind in _LIMITS:
        word, key = _LIMITS[kind]
        return f"{as_written(value, typed)} is too {word}: write {_LIMIT_TEXT[key].format(ctx.get(key))}"
    msg = str(error["msg"])
    return msg[0].lower() + msg[1:]


_LIMITS = {"greater_than": ("small", "gt"), "greater_than_equal": ("small", "ge"),
           "less_than": ("large", "lt"), "less_than_equal": ("large", "le")}
_LIMIT_TEXT = {"gt": "more than {}", "ge": "{} or more", "lt": "less than {}", "le": "{} or less"}

# Formats whose pattern a marketer cannot be expected to read, said in words.
_PATTERN_HINTS = {
    r"^[0-9]{6,20}$": "digits only, e.g. 123456789012345",
    r"^G-[A-Z0-9]{4,16}$": "'G-' then 4 to 16 capital letters and digits, e.g. G-ABC123XYZ",
    r"^[a-z0-9.-]+$": "a lowercase domain, e.g. example.com",
    r"^[a-z0-9.-]+\.[a-z]{2,}$": "a lowercase domain, e.g. www.example.com",
    r"^/[A-Za-z0-9/_.-]*$": "a site path starting with /, of Latin letters, digits, '-', '_' and '.', "
                           "e.g. /go/webinar",
    r"^[a-z -]+$": "lowercase words, e.g. given-name or email",
}


def _pattern_meant(value: str, pattern: str) -> str | None:
    """What ``value`` was most likely meant as, when that fits ``pattern``: in other case
    (g-abc123 → G-ABC123), the host of an address (https://example.com/ → example.com), a
    site path with its '/' (go → /go)."""
    try:
        host = urlsplit(value if "//" in value else "//" + value).hostname or ""
    except ValueError:  # '[1]' is no IPv6 address: no host to suggest
        host = ""
    meanings = [value.upper(), value.lower(), host, "/" + value.lstrip("/")]
    if pattern.startswith("^/"):  # a site path: /anmeldung-für-webinar → /anmeldung-fur-webinar, first
        parts = [part for part in (slugify(part) for part in value.split("/")) if part]
        meanings.insert(0, "/" + "/".join(parts) + "/" * value.endswith("/") if parts else "")
    for meant in meanings:
        if meant and meant != value and "//" not in meant and re.fullmatch(pattern.strip("^$"), meant):
            return meant
    return None


def _example_of(annotation: Any, metadata: list[Any]) -> str:
    """A value to show after `key: ` in a message: what its checks ask for (`https://…`), the keys
    its model needs (`{amount: …}`), or `…`."""
    kind = kind_of([*metadata, *get_args(annotation)[1:]])
    if kind is not None:
        return kind.example
    inner = _resolve(annotation, None)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        keys = [f.alias or n for n, f in inner.model_fields.items() if f.is_required()]
        return "{" + ", ".join(f"{key}: …" for key in keys) + "}" if keys else "{…}"
    if get_origin(inner) is list:
        return "[…]"
    return "…"


def _misplaced_key(key: str, parent: type[BaseModel] | None, allowed: list[str]) -> str | None:
    """Where a key that is no typo belongs: on steps of another type (`price` on a thank-you
    step), or one level down (`favicon` at the top of site.yml belongs under `seo:`)."""
    if parent is None or likely_meant(key, allowed):
        return None
    tag = _type_tag(parent)
    if tag in STEP_TYPES:
        owners = [m for m in get_args(get_args(Step)[0]) if key in m.model_fields]
        if owners:
            names = [str(_type_tag(m)) for m in owners]
            listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
            return f"'{key}' is a key of {listed} steps; this step is type: {tag}"
    for name, field in parent.model_fields.items():
        inner = _resolve(field.annotation, None)
        if isinstance(inner, type) and issubclass(inner, BaseModel) and key in inner.model_fields:
            return f"'{key}' goes under '{field.alias or name}:' ({field.alias or name}: {{{key}: …}})"
    return None


def _unknown_key(key: str, allowed: list[str]) -> str:
    guess = likely_meant(key, allowed)
    if guess:
        return f"unknown key '{key}': did you mean '{guess}'?"
    return f"unknown key '{key}' (allowed: {', '.join(allowed)})"


def likely_meant(word: str, choices: list[str]) -> str | None:
    """The choice ``word`` is most likely a typo or a shortening of (`desc`: description), if any."""
    lowered = {c.lower(): c for c in choices}
    guess = difflib.get_close_matches(word.lower(), list(lowered), n=1, cutoff=0.6)
    if not guess and len(word) >= 3:
        guess = [c for c in lowered if c.startswith(word.lower())]
    return lowered[guess[0]] if len(guess) == 1 else None


def _field_doc_at(model: type[BaseModel], data: Any, loc: Loc) -> str | None:
    """The docstring of the field at ``loc``, if the schema has one there."""
    if not loc or not isinstance(loc[-1], str):
        return None
    parent = _model_at(model, data, loc[:-1])
    if parent is None:
        return None
    name = _field_name(parent, loc[-1])
    return field_doc(parent, name) if name is not None else None


def _keys_meant(target: type[BaseModel] | None, value: Any, typed: str | None) -> str | None:
    """The keys a lone value was meant as, in YAML: `{text: Buy now}` for `cta: Buy now`, with
    every other key that must be given (`{quote: It works, name: …}`); a price's amount is the
    number in it (`$27` is `{amount: 27}`). None where the schema names no such key."""
    key = getattr(target, "lone_key", None)
    if target is None or key is None or isinstance(value, dict | list) or value is None:
        return None
    keys = {key: _flow_text(typed if typed is not None else _yaml_text(value))}
    if target.model_fields[key].annotation is Decimal and isinstance(value, str):  # an amount of money
        amount, _, currency = amount_meant(value)
        keys[key] = amount or "…"
        if currency and "currency" in target.model_fields:
            keys["currency"] = currency
    keys.update({f.alias or name: "…" for name, f in target.model_fields.items()
                 if f.is_required() and name not in keys})
    return "{" + ", ".join(f"{name}: {text}" for name, text in keys.items()) + "}"


def _flow_text(text: str) -> str:
    """Text as it can be written inside YAML's {…}: quoted when a character there would end it."""
    if re.search(r"[,:{}\[\]#&*!|>'\"%@`]", text) or text != text.strip():
        return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return text


def _allowed_keys(model: type[BaseModel], data: Any, loc: Loc) -> list[str]:
    """The keys the schema allows at ``loc``, found by walking the model beside the data."""
    annotation = _model_at(model, data, loc)
    if annotation is None:
        return []
    return [f.alias or name for name, f in annotation.model_fields.items()]


def _model_at(model: type[BaseModel], data: Any, loc: Loc) -> type[BaseModel] | None:
    """The model that describes the keys at ``loc``, walking the schema beside the data."""
    annotation: Any = model
    for part in loc:
        annotation = _resolve(annotation, data)
        if isinstance(part, int):
            annotation = get_args(annotation)[0] if get_args(annotation) else Any
            data = data[part] if isinstance(data, list) and part < len(data) else None
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            field = _field(annotation, part)
            annotation = field.annotation if field else Any
            data = data.get(part) if isinstance(data, dict) else None
        else:
            args = get_args(annotation)
            annotation = args[-1] if args else Any
            data = data.get(part) if isinstance(data, dict) else None
    annotation = _resolve(annotation, data)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    return None


_HEX_DIGITS = re.compile(r"[0-9a-fA-F]{3}|[0-9a-fA-F]{6}")


def _is_colour(model: type[BaseModel], data: Any, loc: Loc) -> bool:
    """Whether the field at ``loc`` holds a colour (`types.Color`)."""
    parent = _model_at(model, data, loc[:-1])
    field = _field(parent, loc[-1]) if parent is not None else None
    members = (field.annotation, *get_args(field.annotation)) if field is not None else ()
    return any(member == Color for member in members)


def _field(model: type[BaseModel], key: str | int) -> Any:
    name = _field_name(model, key)
    return model.model_fields[name] if name is not None else None


def _field_name(model: type[BaseModel], key: str | int) -> str | None:
    """The name of the field written as ``key`` (its name or its alias)."""
    return next((name for name, field in model.model_fields.items() if key in (name, field.alias)), None)


def _resolve(annotation: Any, data: Any) -> Any:
    """Unwrap Annotated and Optional; pick the union member that fits the data's `type`."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            members = [a for a in get_args(annotation) if a is not type(None)]
            tag = data.get("type") if isinstance(data, dict) else None
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            chosen = [m for m in models if _type_tag(m) == tag] or models or members
            annotation = chosen[0]
        else:
            return annotation


def _type_tag(model: type[BaseModel]) -> Any:
    field = model.model_fields.get("type")
    if field is not None and get_origin(field.annotation) is Literal:
        return get_args(field.annotation)[0]
    return None


def _step_ids(data: Any) -> list[str]:
    """The ids of a funnel file's steps, as written."""
    steps = data.get("steps") if isinstance(data, dict) else None
    return [step["id"] for step in steps if isinstance(step, dict) and isinstance(step.get("id"), str)] \
        if isinstance(steps, list) else []


def _step_types() -> list[str]:
    return list(STEP_TYPES)


def _or_list(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " or " + items[-1]


def _and_list(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else "".join(items)


def _kind(value: Any, typed: str | None = None) -> str:
    if isinstance(value, dict):
        return "a set of keys"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return as_written(value, typed)


_DAY_FIRST = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4}),?(?:\s+(\d{1,2})[:.](\d{2})(?:\s*Uhr)?)?")


def as_written(value: Any, typed: str | None = None) -> str:
    """A value as the marketer wrote it (``typed``, when YAML turned it into something else)."""
    if typed is not None:
        return typed
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value) if len(value) < 60 else repr(value[:57] + "...")
    if isinstance(value, dict | list):
        return _kind(value)
    return str(value)


def _yaml_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


@dataclass
class ValidSite:
    """A site whose every file fits the schema on its own, each funnel planned on its own."""

    root: Path
    site: Site
    site_source: Source
    funnels: list[FunnelPlan]
    """In file order. When they are not kept, only what the plan found (`FunnelPlan.surveyed`):
    the funnel itself stays behind, its pages in the ``spool``."""
    reused: dict[str, FunnelRecord] = dataclasses.field(default_factory=dict)
    """Funnel files unchanged since the previous build, by name: not parsed, not rendered."""
    spool: PageSpool | None = None
    """Where the pages of the funnels not kept wait to be rendered (see `Surveyed.spooled`)."""

    @property
    def surveyed(self) -> list[Surveyed]:
        return [funnel.surveyed for funnel in self.funnels]


Planner = Callable[[Funnel, Source], "FunnelPlan"]
"""Plans one valid funnel on its own (stage 3, plan.plan_funnel)."""
MIN_FILES_PER_WORKER = 64  # below this, starting a worker costs more than it saves
MAX_KEPT_FUNNELS = 500
"""A process that loads the funnels itself keeps up to this many for rendering (about 15 MB at
five steps each); a bigger site's pages wait on disk to render (spool.py), so memory stays flat."""


def validate_site(root: Path, planner: Callable[[Site], Planner], *, skip: Collection[str] = (),
                  reused: dict[str, FunnelRecord] | None = None, jobs: int = 1,
                  keep_all: bool = False) -> ValidSite:
    """Load and validate `site.yml` and every `funnels/*.yml` but those named in ``skip`` (an
    incremental build takes them from the previous output: ``reused``), and plan each valid
    funnel with ``planner(site)`` as soon as it is validated.

    When any file does not parse, one Abort names every such file; otherwise one names every
    problem of every file. Funnel files are loaded, validated and planned by up to ``jobs``
    forked processes (see workers.py), in batches of neighbouring files; each file's parsed YAML
    is let go as soon as it is validated, and a worker sends back only what planning found of
    each funnel, not the funnel itself, whose pages wait in the returned spool (spool.py): the
    whole site is never in memory at once. This process keeps the funnels it loads itself, up
    to MAX_KEPT_FUNNELS of them (``keep_all``: every one).
    """
    global _PLANNER, _SPOOL
    unparsed: list[Problem] = []
    real_root = root.resolve()
    site_path = site_file(root)
    refused = unreadable(site_path, "site.yml", real_root)
    site_source = None if refused else try_load(site_path, "site.yml", unparsed)
    unparsed += [refused] if refused else []
    site, site_problems = validate(site_source, Site) if site_source is not None else (None, [])
    paths = funnel_files(root)
    if not paths:
        unparsed.append(Problem("funnels/", 0, "", "no funnel files: add funnels/<name>.yml"))
    elif not (root / "funnels").resolve().is_relative_to(real_root):
        raise Abort([Problem("funnels/", 0, "", "links to a folder outside the site folder; "
                             "copy the funnel files in instead")])
    todo = []
    for path in paths:
        name = f"funnels/{path.name}"
        if name in skip:
            continue
        problem = unreadable(path, name, real_root)
        if problem:
            unparsed.append(problem)
        else:
            todo.append(path)
    workers, batches = share_out(todo, jobs, at_least=MIN_FILES_PER_WORKER, batches_each=4)
    keep = workers < 2 and (keep_all or len(todo) <= MAX_KEPT_FUNNELS)
    funnels: list[FunnelPlan] = []
    problems: list[Problem] = []
    _PLANNER = planner(site) if site is not None and not unparsed else None
    spool = _SPOOL = None if keep or _PLANNER is None else PageSpool(len(batches))
    try:
        work = _load_and_plan_here if keep else _load_and_plan
        for batch in in_workers(work, list(enumerate(batches)), workers):
            funnels += batch.funnels
            unparsed += batch.unparsed
            problems += batch.problems
    finally:
        _PLANNER = _SPOOL = None
    if unparsed:
        raise Abort(unparsed)
    if site_problems or problems or site is None:
        raise Abort([*site_problems, *problems])
    assert site_source is not None
    return ValidSite(root, site, site_source, funnels, dict(reused or {}), spool)


_PLANNER: Planner | None = None
"""How `validate_site` plans each valid funnel; forked workers inherit it. None when the site
cannot be planned (a file did not parse, site.yml does not fit): funnels are only validated."""
_SPOOL: PageSpool | None = None
"""Where the funnels' pages wait to be rendered when `validate_site` does not keep them."""


@dataclass
class _Batch:
    """What became of a batch of funnel files."""

    funnels: list[FunnelPlan] = dataclasses.field(default_factory=list)
    unparsed: list[Problem] = dataclasses.field(default_factory=list)
    problems: list[Problem] = dataclasses.field(default_factory=list)


def _load_and_plan_here(job: tuple[int, list[Path]]) -> _Batch:
    """Load, validate and plan each file of a batch, keeping each funnel with its plan."""
    return _load_and_plan_each(job[1])


def _load_and_plan(job: tuple[int, list[Path]]) -> _Batch:
    """Load, validate and plan each file of batch ``shelf``, keeping only what planning found of
    each funnel; its pages wait in the spool (on that shelf) to be rendered."""
    shelf, paths = job
    return _load_and_plan_each(paths, shelf=shelf)


def _load_and_plan_each(paths: list[Path], *, shelf: int | None = None) -> _Batch:
    batch = _Batch()
    for path in paths:
        source = try_load(path, f"funnels/{path.name}", batch.unparsed)
        if source is None:
            continue
        funnel, problems = validate(source, Funnel)
        batch.problems += problems
        if funnel is not None:
            source.release()
            if _PLANNER is not None:
                plan = _PLANNER(funnel, source)
                source.release()  # a warning read the file's lines again: 40 KB, kept by the plan
                if shelf is None:
                    batch.funnels.append(plan)
                    continue
                if plan.pages and _SPOOL is not None:
                    plan.surveyed.spooled = _SPOOL.put(shelf, plan.pages)
                batch.funnels.append(dataclasses.replace(plan, planned=None, pages=[]))
    return batch
