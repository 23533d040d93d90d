"""What a draft leaves for its curator: one marker, found wherever it is written, and never passed off as data.

``cbiic draft`` fills each field the article cannot give (a summary, a key point, an
organisation's kind, a note) with a text that starts with ``MARKER``. The loader finds
every such value. A query refuses the file, naming the first; ``cbiic validate`` lists
them all, located, and counts them; the checks against the article pass over them.

Where the field is not text (an organisation's kind, the forum's date), the marker breaks
the schema as well; the loader then puts a stand-in the schema accepts in its place, so the
rest of the file is still checked, and only the placeholder is reported.
"""

from __future__ import annotations

from typing import Any

from .errors import Problem, format_path, quote

MARKER = "TO WRITE"
KIND = "placeholders still to write"
# Characters of a placeholder a message quotes: its hint says what to write (the kinds to choose from, say).
HINT_AT_MOST = 200


def placeholder(what: str) -> str:
    """The text a draft writes where a curator must write ``what``."""
    return f"{MARKER}: {what}"


def is_placeholder(value: object) -> bool:
    return isinstance(value, str) and MARKER in value


def take(document: Any) -> list[Problem]:
    """Every placeholder in ``document`` (a forum as plain values) as a problem, in document order.

    A placeholder in a field that is not text is replaced in ``document`` by a stand-in of the
    field's type; the problem stays, so the stand-in is never taken for data.
    """
    import msgspec.inspect

    from . import model

    found: list[Problem] = []
    _walk(document, msgspec.inspect.type_info(model.Forum), (), found)
    return found


def verdict(name: str, count: int) -> str:
    """The line that sums up a file with placeholders left."""
    return (
        f"{name}: a draft, {count:,} placeholder{'s' if count != 1 else ''} still to write (marked {MARKER}); "
        "write each one, then validate again"
    )


def _walk(value: Any, info: Any, trail: tuple[Any, ...], found: list[Problem]) -> Any:
    """``value`` with a stand-in for each placeholder the schema would refuse; placeholders reported as found."""
    info = _matching(info, value)
    if isinstance(value, str):
        if MARKER not in value:
            return value
        found.append(Problem(f"still to write: {quote(value, HINT_AT_MOST)}", format_path(trail), kind=KIND, trail=trail))
        return _stand_in(info, value)
    if isinstance(value, dict):
        fields = {field.encode_name: field.type for field in getattr(info, "fields", ())}
        for key, item in value.items():
            value[key] = _walk(item, fields.get(key), (*trail, key), found)
    elif isinstance(value, list):
        item_type = getattr(info, "item_type", None)
        for index, item in enumerate(value):
            value[index] = _walk(item, item_type, (*trail, index), found)
    return value


def _matching(info: Any, value: Any) -> Any:
    """The type ``value`` is checked against: constraints' wrapper opened, the member of a union that fits its kind."""
    import msgspec.inspect as types

    while isinstance(info, types.Metadata):
        info = info.type
    if isinstance(info, types.UnionType):
        wanted: tuple[type, ...] = (
            (types.StructType,)
            if isinstance(value, dict)
            else (types.ListType,)
            if isinstance(value, list)
            else (types.StrType, types.EnumType, types.DateType)
        )
        members = [_matching(member, value) for member in info.types]
        return next((member for member in members if isinstance(member, wanted)), None)
    return info


def _stand_in(info: Any, value: str) -> Any:
    import datetime

    import msgspec.inspect as types

    if isinstance(info, types.EnumType):
        return next(iter(info.cls)).value
    if isinstance(info, types.DateType):
        return datetime.date(2000, 1, 1)
    return value
