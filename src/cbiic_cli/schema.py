"""The JSON Schema of the forum file, derived from ``model.Forum`` so the two cannot drift."""

from __future__ import annotations

import inspect
import json
from typing import Any

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema_of(type_: Any) -> dict[str, Any]:
    """msgspec's JSON Schema for a type, with every description cleaned as ``inspect.cleandoc`` does.

    Descriptions come from docstrings, and msgspec releases differ in how they
    indent them (0.23 strips the indentation 0.22 kept). Cleaning them here makes
    the published schemas the same under every msgspec that pyproject.toml allows.
    """
    import msgspec

    schema = msgspec.json.schema(type_)
    _clean_descriptions(schema)
    return schema


def _clean_descriptions(node: Any) -> None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "description" and isinstance(value, str):
                node[key] = inspect.cleandoc(value)
            else:
                _clean_descriptions(value)
    elif isinstance(node, list):
        for item in node:
            _clean_descriptions(item)


def forum_schema() -> dict[str, Any]:
    from .model import Forum

    schema = json_schema_of(Forum)
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
    talk["oneOf"] = [{"required": [field], "properties": {field: {"type": "string"}}} for field in ("title", "topic")]
