"""Stage 2, validate: raw data → typed models, with errors that say where and what to write."""

from __future__ import annotations

import difflib
import types
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

from funnelgen.errors import Abort, Problem
from funnelgen.load import Loc, SiteFiles, Source
from funnelgen.schema import STEP_TYPES, Funnel, Site

M = TypeVar("M", bound=BaseModel)


def validate(source: Source, model: type[M]) -> tuple[M | None, list[Problem]]:
    """Validate one loaded file against ``model``; every problem is reported, not just the first."""
    if not isinstance(source.data, dict):
        what = "empty" if source.data is None else f"a {_kind(source.data)}"
        message = f"expected keys such as 'name: …' at the top of the file, but it is {what}"
        return None, [Problem(source.name, 1, "", message)]
    try:
        return model.model_validate(source.data), []
    except ValidationError as exc:
        return None, _problems(exc, source, model)


def _problems(exc: ValidationError, source: Source, model: type[BaseModel]) -> list[Problem]:
    seen: set[Loc] = set()
    problems = []
    for error in exc.errors(include_url=False):
        loc = _data_loc(source.data, error["loc"])
        if error["type"] in ("union_tag_invalid", "union_tag_not_found"):
            loc = (*loc, "type")
        if loc in seen:  # a value that fits no member of a union: say it once
            continue
        seen.add(loc)
        problems.append(source.problem(loc, _message(error, source.data, loc, model)))
    return problems


def _data_loc(data: Any, loc: tuple[str | int, ...]) -> Loc:
    """Drop the parts of a pydantic location that are not keys in the data (union members)."""
    out: list[str | int] = []
    for part in loc:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        elif isinstance(part, str) and _is_member_name(part):
            continue
        else:
            data = None
        out.append(part)
    return tuple(out)


def _is_member_name(part: str) -> bool:
    return part in _step_types() or "[" in part or part in ("str", "int", "bool", "float")


def _message(error: Any, data: Any, loc: Loc, model: type[BaseModel]) -> str:
    kind: str = error["type"]
    value = error.get("input")
    ctx = error.get("ctx") or {}
    if kind == "extra_forbidden":
        return _unknown_key(str(loc[-1]), _allowed_keys(model, data, loc[:-1]))
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind == "union_tag_not_found":
        return f"missing key 'type': write one of {_or_list(_step_types())}"
    if kind == "union_tag_invalid":
        return f"unknown step type {value!r}: write one of {_or_list(_step_types())}"
    if kind == "literal_error":
        return f"{_show(value)} is not allowed here: write {ctx.get('expected', '')}"
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))
    if kind in ("string_type", "str_type"):
        if isinstance(value, bool | int | float | date):
            return f"expected text, got {_show(value)}; put it in quotes: \"{_yaml_text(value)}\""
        return f"expected text, got {_kind(value)}"
    if kind in ("model_type", "dict_type", "model_attributes_type"):
        return f"expected keys (key: value) here, got {_kind(value)}"
    if kind == "list_type":
        return f"expected a list (one '- item' per line), got {_kind(value)}"
    if kind in ("int_parsing", "int_type", "int_from_float", "decimal_parsing", "decimal_type",
                "float_parsing", "float_type"):
        return f"expected a number, got {_show(value)}"
    if kind in ("bool_parsing", "bool_type"):
        return f"expected true or false, got {_show(value)}"
    if kind.startswith(("datetime", "date")):
        return f"expected a date and time such as 2026-12-10 19:00, got {_show(value)}"
    if kind == "string_pattern_mismatch":
        return f"{_show(value)} is not in the expected form ({ctx.get('pattern')})"
    if kind == "too_short":
        return "must not be empty"
    if kind == "too_long":
        return f"has too many items (at most {ctx.get('max_length')})"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return f"{_show(value)}: {error['msg'][0].lower()}{error['msg'][1:]}"
    msg = str(error["msg"])
    return msg[0].lower() + msg[1:]


def _unknown_key(key: str, allowed: list[str]) -> str:
    guess = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
    hint = f"; did you mean '{guess[0]}'?" if guess else ""
    return f"unknown key '{key}'{hint} (allowed: {', '.join(allowed)})"


def _allowed_keys(model: type[BaseModel], data: Any, loc: Loc) -> list[str]:
    """The keys the schema allows at ``loc``, found by walking the model beside the data."""
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
        return [f.alias or name for name, f in annotation.model_fields.items()]
    return []


def _field(model: type[BaseModel], key: str | int) -> Any:
    for name, field in model.model_fields.items():
        if key in (name, field.alias):
            return field
    return None


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


def _step_types() -> list[str]:
    return list(STEP_TYPES)


def _or_list(items: list[str]) -> str:
    return ", ".join(items[:-1]) + " or " + items[-1]


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a set of keys"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing"
    return _show(value)


def _show(value: Any) -> str:
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
    """A site whose every file fits the schema on its own."""

    root: Path
    site: Site
    site_source: Source
    funnels: list[tuple[Funnel, Source]]


def validate_site(files: SiteFiles) -> ValidSite:
    """Validate site.yml and every funnel file, raising one Abort with all problems."""
    site, problems = validate(files.site, Site)
    funnels = []
    for source in files.funnels:
        funnel, funnel_problems = validate(source, Funnel)
        problems += funnel_problems
        if funnel is not None:
            funnels.append((funnel, source))
    if problems or site is None:
        raise Abort(problems)
    return ValidSite(files.root, site, files.site, funnels)
