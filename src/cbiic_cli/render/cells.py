"""One value as the text of one flat cell (CSV, TSV, Markdown tables and generic terminal tables).

A list becomes one item per line, so a spreadsheet shows one item per line and a
script gets exactly the items back by splitting on newlines; a line break inside
an item is written as a visible ``\\n`` so it cannot be mistaken for a separator.
"""

from __future__ import annotations

from typing import Any

from . import clean


def cell_text(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "\n".join(item_text(item).replace("\n", "\\n") for item in value)
    return item_text(value)


def item_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return clean(record_text(value))
    return clean(str(value))


def record_text(record: dict[str, Any]) -> str:
    """A nested record in one line: 'Name (id)', 'Name (slug): position', 'article line 11: text'."""
    if "line" in record and "text" in record:
        return f"article line {record['line']}: {record['text']}"
    if "candidates" in record and "as_written" in record:
        return f"{record['as_written']} ({' or '.join(record['candidates'])})"
    if record.get("slug") is None and record.get("speaker_candidates"):
        return f"{record.get('name')} ({' or '.join(c['slug'] for c in record['speaker_candidates'])})"
    label = record.get("name") or record.get("title") or record.get("topic")
    key = record.get("id") or record.get("slug")
    text = f"{label} ({key})" if label and key else str(label or key or "")
    if record.get("position"):
        text += f": {record['position']}"
    return text
