"""The format reference in Markdown, written from the same models that validate a site."""

from __future__ import annotations

import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from funnelgen.schema import Funnel, Site
from funnelgen.schema.funnel import StepBase
from funnelgen.schema.types import field_doc, kind_of

INTRO = """\
# Format reference

Generated from funnelgen's schema by `funnelgen schema docs`; do not edit by hand.
Every key not listed here is an error.
Types: *text*, *number*, *true/false*, *list of …*, *keys* (a nested mapping).
"""


def reference(root: type[BaseModel]) -> str:
    """Markdown tables for ``root`` and every model it contains, in the order they appear."""
    order: list[type[BaseModel]] = []
    queue: list[type[BaseModel]] = [root]
    while queue:
        model = queue.pop(0)
        if model in order:
            continue
        order.append(model)
        for field in model.model_fields.values():
            queue += [m for m in _models_in(field.annotation) if m not in order]
    return "\n".join(_section(model) for model in order)


def _section(model: type[BaseModel]) -> str:
    title = _title(model)
    lines = [f"## {title}", ""]
    doc = (model.__doc__ or "").strip()
    if doc and not (model is not StepBase and issubclass(model, StepBase) and doc == StepBase.__doc__):
        lines += [" ".join(doc.split()), ""]
    lines += ["| key | type | default | what it is |", "|---|---|---|---|"]
    for name, field in model.model_fields.items():
        if issubclass(model, StepBase) and model is not StepBase and name in StepBase.model_fields:
            continue
        key = field.alias or name
        required = field.is_required()
        default = "**required**" if required else _default(field.default, field.default_factory)
        default = default.replace("|", "\\|")
        description = " ".join((field_doc(model, name) or "").split()).replace("|", "\\|")
        kind = _checked(field.metadata) or _type(field.annotation)
        lines.append(f"| `{key}` | {kind} | {default} | {description} |")
    if issubclass(model, StepBase) and model is not StepBase:
        lines.append("")
        lines.append("Also every key of [a step](#a-step).")
    return "\n".join(lines) + "\n"


def _title(model: type[BaseModel]) -> str:
    if model is Site:
        return "site.yml"
    if model is Funnel:
        return "funnels/NAME.yml"
    if model is StepBase:
        return "a step"
    type_field = model.model_fields.get("type")
    if issubclass(model, StepBase) and type_field is not None:
        return f"step type: {get_args(type_field.annotation)[0]}"
    return model.__name__


def _anchor(model: type[BaseModel]) -> str:
    return "#" + "".join(c for c in _title(model).lower().replace(" ", "-") if c.isalnum() or c == "-")


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if issubclass(annotation, StepBase) and annotation is not StepBase:
            return [StepBase, annotation]
        return [annotation]
    models: list[type[BaseModel]] = []
    for arg in get_args(annotation):
        models += _models_in(arg)
    return models


def _checked(metadata: list[Any]) -> str | None:
    """The kind of value a field's own checks ask for (`types.Slug`: 'slug (a-z, 0-9, -)')."""
    kind = kind_of(metadata)
    return kind.name if kind else None


def _type(annotation: Any) -> str:
    origin = get_origin(annotation)
    args = get_args(annotation)
    if origin is Annotated:
        return _checked(list(args[1:])) or _type(args[0])
    if origin in (Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        if all(isinstance(m, type) and issubclass(m, BaseModel) and "type" in m.model_fields
               for m in members) and len(members) > 2:
            return "a step, by `type`: " + ", ".join(f"[{_title(m)[11:]}]({_anchor(m)})" for m in members)
        return " or ".join(_type(m) for m in members)
    if origin is Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin is list:
        return f"list of {_type(args[0])}"
    if origin is dict:
        return f"keys: {_type(args[0])} → {_type(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[keys]({_anchor(annotation)})"
    names = {str: "text", int: "number", float: "number", bool: "true/false"}
    if annotation in names:
        return names[annotation]
    return {"Decimal": "number", "datetime": "date and time", "Any": "any"}.get(
        getattr(annotation, "__name__", str(annotation)), str(annotation)
    )


def _default(default: Any, factory: Any) -> str:
    if factory is not None:
        default = factory()
    if default is None or default is PydanticUndefined:
        return ""
    if isinstance(default, BaseModel):
        return ""
    if isinstance(default, list | dict) and not default:
        return ""
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, list):
        return ", ".join(f"`{getattr(d, 'name', d)}`" for d in default)
    return f"`{default}`"


def full_reference() -> str:
    return INTRO + "\n" + reference(Site) + "\n" + reference(Funnel)
