"""The JSON Schema of the forum file, derived from ``model.Forum`` so the two cannot drift."""

from __future__ import annotations

import json
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def forum_schema() -> dict[str, Any]:
    import msgspec

    from .model import Forum

    schema = msgspec.json.schema(Forum)
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "cbiic forum file",
        "description": "A forum curated for cbiic: people, organisations, themes, agenda, talks and panel. See README.md, 'Schema' (under 'The data: data/forum.yaml').",
        **schema,
    }


def schema_text() -> str:
    return json.dumps(forum_schema(), indent=2, ensure_ascii=False) + "\n"
