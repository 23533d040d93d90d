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
    """A nested record in one line: 'Name (slug): position, organisation', 'article line 11: text', an unidentified speaker's candidates."""
    if "line" in record and "text" in record:
        text = record["text"] if record["text"] is not None else "(this line is not in the article given)"
        return f"article line {record['line']}: {text}"
    if "candidates" in record and "as_written" in record:
        return f"{record['as_written']} ({' or '.join(record['candidates'])})"
    if record.get("slug") is None and record.get("speaker_candidates"):
        candidates = " or ".join(record_text(candidate) for candidate in record["speaker_candidates"])
        note = f" Note: {record['attribution_note']}" if record.get("attribution_note") else ""
        return f"{record.get('name')}, not identified: possibly {candidates}.{note}"
    if "positions" in record and "organisations" in record and record.get("slug"):
        where = "; ".join(f"{p}, {o}" for p, o in zip(record["positions"], record["organisations"]))
        return f"{record['name']} ({record['slug']})" + (f": {where}" if where else "")
    label = record.get("name") or record.get("title") or record.get("topic")
    key = record.get("id") or record.get("slug")
    text = f"{label} ({key})" if label and key else str(label or key or "")
    if record.get("position"):
        text += f": {record['position']}"
    return text
