"""The JSON Schema of the forum file, derived from ``model.Forum`` so the two cannot drift."""

from __future__ import annotations

import json
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def forum_schema() -> dict[str, Any]:
    import msgspec

    from .model import Forum

    schema = msgspec.json.schema(Forum)
    _require_title_or_topic(schema["$defs"]["Talk"])
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "cbiic forum file",
        "description": "A forum curated for cbiic: people, organisations, themes, agenda, talks and panel. See README.md, 'Schema' (under 'The data: data/forum.yaml').",
        **schema,
    }


def schema_text() -> str:
    return json.dumps(forum_schema(), indent=2, ensure_ascii=False) + "\n"


def _require_title_or_topic(talk: dict[str, Any]) -> None:
    # The loader's Talk.__post_init__ rule, which msgspec cannot express: exactly one of the two is text.
    talk["oneOf"] = [
        {"required": [field], "properties": {field: {"type": "string"}}} for field in ("title", "topic")
    ]
