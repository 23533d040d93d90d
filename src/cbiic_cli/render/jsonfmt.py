"""JSON: the view's document if it has one, otherwise its items as a top-level array."""

from __future__ import annotations

import json
import re

from ..query import View

# json.dumps escapes C0 controls itself; with ensure_ascii=False it would let C1 through raw.
_C1 = re.compile(r"[\x7f-\x9f]")


def render(view: View) -> str:
    payload = view.document if view.document is not None else view.items
    text = json.dumps(payload, ensure_ascii=False, indent=2)
    return _C1.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"
