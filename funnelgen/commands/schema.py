"""`funnelgen schema`: the JSON Schema of site.yml or of a funnel file, for editors."""

from __future__ import annotations

import json
from typing import Any, Literal

from funnelgen.schema import Funnel, Site

SCHEMA_IDS = {"site": "site.schema.json", "funnel": "funnel.schema.json"}


def json_schema(kind: Literal["site", "funnel"]) -> dict[str, Any]:
    model = Site if kind == "site" else Funnel
    schema = model.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_IDS[kind], **schema}


def schema_text(kind: Literal["site", "funnel"]) -> str:
    return json.dumps(json_schema(kind), indent=2, sort_keys=True) + "\n"
