"""JSON: the view's document if it has one, otherwise its items as a top-level array."""

from __future__ import annotations

import re

import msgspec

from ..query import View

# msgspec escapes C0 controls itself but writes C1 controls (0x80-0x9f) raw; some terminals obey them.
_C1 = re.compile("[\x7f-\x9f]")


def render(view: View) -> str:
    payload = view.document if view.document is not None else view.items
    # msgspec's encoder and formatter are C: json.dumps(indent=2) takes 0.3 s on 5,000 search hits.
    text = msgspec.json.format(msgspec.json.encode(payload), indent=2).decode("utf-8")
    return _C1.sub(lambda match: f"\\u{ord(match.group()):04x}", text) + "\n"
