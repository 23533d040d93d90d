"""JSON (the view's document, or its items as an array) and JSON Lines (one item per line)."""

from __future__ import annotations

import re

import msgspec

from ..formats import OutputFormat
from ..escape import json_safe
from ..query import View
from . import RenderOptions, selected_rows

# msgspec escapes C0 controls itself but writes the rest raw. C1 controls can drive
# some terminals, bidi controls reorder what a reader sees, and U+2028/U+2029 end
# lines in JavaScript: all are written as \u escapes, which JSON readers decode back.
_escape = json_safe


def render(view: View, options: RenderOptions) -> str:
    keys, rows = selected_rows(view, options.fields)
    if options.fmt is OutputFormat.jsonl:
        encode = msgspec.json.encode
        return "".join(_escape(encode(row).decode("utf-8")) + "\n" for row in rows)
    payload = view.document if view.document is not None and options.fields is None else rows
    # msgspec's encoder and formatter are C: json.dumps(indent=2) takes 0.3 s on 5,000 search hits.
    return _escape(msgspec.json.format(msgspec.json.encode(payload), indent=2).decode("utf-8")) + "\n"
