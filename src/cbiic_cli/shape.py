"""Every shape problem in a forum document, said in plain words.

msgspec validates a document in one fast pass but stops at the first error and
speaks in its own terms (``Expected `str | null`, got `int```). This module is
only used once that pass has failed: it walks the document alongside the type
description msgspec derives from ``model.Forum`` (``msgspec.inspect``), so the
rules stay those of the model, and reports each problem, inside optional and
union-typed parts too, saying what is expected, in words, with an example.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from typing import Any

from .errors import Problem, Problems, format_path, quote
from .yamltree import REJECTED

UNKNOWN_FIELDS = "unknown fields"
MISSING_FIELDS = "missing fields"
INVALID_VALUES = "invalid values"

# Text that a person meant as a number: 0o17, 08, 1,000, 1e3, 1.5.
_NUMBERISH = re.compile(r"[-+]?[0-9][0-9a-fA-FoOxX_.,:e+]*")


def collect(document: Any, problems: Problems, shape: type | None = None) -> None:
    """Add to ``problems`` everything about ``document`` that does not fit ``shape`` (default: ``model.Forum``)."""
    import msgspec.inspect

    from .model import Forum

    _Walker(problems).check(document, msgspec.inspect.type_info(shape or Forum), ())


class _Walker:
    def __init__(self, problems: Problems) -> None:
        import msgspec.inspect as inspect

        self.problems = problems
        self.inspect = inspect
        self.rejected = 0  # values the YAML reader refused, met so far

    def add(self, message: Callable[[], str], trail: tuple, kind: str = INVALID_VALUES, at_key: bool = False) -> None:
        """Record a problem; ``message`` is only worded when the problem will be listed."""
        if self.problems.room_for(kind):
            self.problems.add(Problem(message(), format_path(trail) or "(top level)", at_key=at_key, kind=kind, trail=trail))
        else:
            self.problems.tally(kind, trail, at_key=at_key)

    def check(self, value: Any, info: Any, trail: tuple, note: str | None = None) -> None:
        if value is REJECTED:  # refused by the YAML reader, which already said why
            self.rejected += 1
            return
        inspect = self.inspect
        if isinstance(info, inspect.Metadata):
            note = (info.extra_json_schema or {}).get("description", note)
            info = info.type
        if isinstance(info, inspect.UnionType):
            self.check_union(value, info, trail)
        elif isinstance(info, inspect.StructType):
            self.check_struct(value, info, trail)
        elif isinstance(info, inspect.ListType):
            self.check_list(value, info, trail, note)
        elif not self.fits(value, info):
            self.mismatch(value, info, trail, note)
        else:
            self.check_constraints(value, info, trail, note)

    # -- containers ------------------------------------------------------------------

    def check_union(self, value: Any, info: Any, trail: tuple) -> None:
        for member in info.types:
            if self.fits(value, member):
                self.check(value, member, trail)
                return
        self.mismatch(value, info, trail, None)

    def check_struct(self, value: Any, info: Any, trail: tuple) -> None:
        if not isinstance(value, dict):
            self.mismatch(value, info, trail, None)
            return
        if self.converts(value, info.cls):
            return  # msgspec's C pass says this part is fine: only the parts that fail are walked
        before = (self.problems.total, self.rejected)
        fields = {field.encode_name: field for field in info.fields}
        for key in value:
            if key not in fields:
                where = trail + (key,)
                # add() words the message at once, inside this iteration (B023 cannot see that).
                self.add(lambda: f"unknown field {quote(key)}; expected one of: {', '.join(fields)}", where, UNKNOWN_FIELDS, at_key=True)  # noqa: B023
        for name, field in fields.items():
            if name in value:
                self.check(value[name], field.type, trail + (name,))
            elif field.required:
                self.add(
                    lambda: f"missing required field {name!r}; add `{name}:` with {_expected(field.type, self.inspect)}",  # noqa: B023
                    trail,
                    MISSING_FIELDS,
                )
        # Rules spanning fields are checked once every field is fine (a refused value is not).
        if (self.problems.total, self.rejected) == before and hasattr(info.cls, "__post_init__"):
            self.check_whole(value, info.cls, trail)

    @staticmethod
    def converts(value: dict, cls: type) -> bool:
        import msgspec

        try:
            msgspec.convert(value, cls, strict=True)
        except msgspec.ValidationError:
            return False
        return True

    def check_whole(self, value: dict, cls: type, trail: tuple) -> None:
        """Rules that span fields (``__post_init__``), whose messages are the model's own words."""
        import msgspec

        try:
            msgspec.convert(value, cls, strict=True)
        except msgspec.ValidationError as exc:
            message = str(exc).partition(" - at `$")[0]
            self.add(lambda: message, trail)

    def check_list(self, value: Any, info: Any, trail: tuple, note: str | None) -> None:
        if not isinstance(value, list):
            self.mismatch(value, info, trail, note)
            return
        low, high = info.min_length, info.max_length
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            wanted = _count_range(low, high)
            because = f" ({note})" if note else ""
            self.add(lambda: f"needs {wanted}{because}, got {_items(len(value))}", trail)
        item_type = info.item_type
        for index, item in enumerate(value):
            self.check(item, item_type, trail + (index,))

    # -- scalars -------------------------------------------------------------------------

    def fits(self, value: Any, info: Any) -> bool:
        """Is ``value`` of the kind ``info`` describes (constraints aside)?"""
        inspect = self.inspect
        if isinstance(info, inspect.Metadata):
            info = info.type
        if isinstance(info, (inspect.StrType, inspect.EnumType)):
            return isinstance(value, str)
        if isinstance(info, inspect.IntType):
            return isinstance(value, int) and not isinstance(value, bool)
        if isinstance(info, inspect.NoneType):
            return value is None
        if isinstance(info, inspect.DateType):
            return _is_date(value)
        if isinstance(info, inspect.StructType):
            return isinstance(value, dict)
        if isinstance(info, inspect.ListType):
            return isinstance(value, list)
        if isinstance(info, inspect.UnionType):
            return any(self.fits(value, member) for member in info.types)
        return False

    def check_constraints(self, value: Any, info: Any, trail: tuple, note: str | None) -> None:
        inspect = self.inspect
        if isinstance(info, inspect.StrType):
            if info.min_length and len(value) < info.min_length:
                self.add(lambda: "must not be empty; write the text, or remove the key if it is optional", trail)
            elif info.max_length is not None and len(value) > info.max_length:
                self.add(lambda: f"is {len(value):,} characters long; at most {info.max_length:,} are allowed", trail)
            elif info.pattern and not re.search(info.pattern, value):
                self.add(
                    lambda: f"{quote(value)} is not a valid id; expected {note or 'text matching ' + info.pattern}{_slug_hint(value)}",
                    trail,
                )
        elif isinstance(info, inspect.IntType):
            low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else None)
            high = info.le if info.le is not None else (info.lt - 1 if info.lt is not None else None)
            if (low is not None and value < low) or (high is not None and value > high):
                self.add(lambda: f"expected {_expected(info, inspect)}, got {_shown(value)}", trail)
        elif isinstance(info, inspect.EnumType):
            allowed = [member.value for member in info.cls]
            if value not in allowed:
                self.add(lambda: f"{quote(value)} is not an allowed value; expected one of: {', '.join(allowed)}", trail)

    def mismatch(self, value: Any, info: Any, trail: tuple, note: str | None) -> None:
        inspect = self.inspect
        self.add(lambda: f"expected {_expected(info, inspect)}, got {_shown(value)}{_fix(value, info, inspect)}", trail)


# -- words --------------------------------------------------------------------------------


def _expected(info: Any, inspect: Any) -> str:
    """What a type accepts, in words, with an example where one helps."""
    note = None
    if isinstance(info, inspect.Metadata):
        note = (info.extra_json_schema or {}).get("description")
        info = info.type
    if isinstance(info, inspect.UnionType):
        members = [m for m in info.types if not isinstance(m, inspect.NoneType)]
        words = " or ".join(_expected(member, inspect) for member in members)
        return words + (" or nothing (null)" if len(members) < len(info.types) else "")
    if isinstance(info, inspect.StrType):
        if info.pattern:
            return f"an id ({note})" if note else f"text matching {info.pattern}"
        return "non-empty text" if info.min_length else "text"
    if isinstance(info, inspect.IntType):
        low, high = info.ge, info.le
        if low is not None and high is not None:
            return f"a whole number from {low:,} to {high:,}"
        if low is not None:
            return f"a whole number of at least {low:,}"
        return "a whole number"
    if isinstance(info, inspect.DateType):
        return "a date like 2024-11-30"
    if isinstance(info, inspect.EnumType):
        return "one of: " + ", ".join(member.value for member in info.cls)
    if isinstance(info, inspect.NoneType):
        return "nothing (null)"
    if isinstance(info, inspect.ListType):
        return "a list" + (f" ({note})" if note else "")
    if isinstance(info, inspect.StructType):
        names = [field.encode_name for field in info.fields if field.required]
        return "a mapping with " + ", ".join(f"`{name}`" for name in names)
    return "another kind of value"


def _shown(value: Any) -> str:
    """A value from the file, described for a person (and cut short if long)."""
    if isinstance(value, bool):
        return f"the yes/no value {'true' if value else 'false'}"
    if isinstance(value, int):
        return f"the whole number {quote(value, 30)}"
    if isinstance(value, float):
        return f"the number {quote(value, 30)}"
    if isinstance(value, str):
        return f"the text {quote(value)}"
    if value is None:
        return "nothing (null)"
    if isinstance(value, datetime.datetime):
        return "a date and time"
    if isinstance(value, datetime.date):
        return f"the date {value.isoformat()}"
    if isinstance(value, list):
        return f"a list of {_items(len(value))}"
    if isinstance(value, dict):
        return "a mapping"
    return "a value of another kind"


def _fix(value: Any, info: Any, inspect: Any) -> str:
    """How to fix the commonest mismatches: YAML read as a number, a boolean or a date what was meant as text."""
    wants_text = _accepts(info, inspect, (inspect.StrType, inspect.EnumType))
    if wants_text and isinstance(value, bool):
        return "; YAML reads yes, no, on, off, true and false as yes/no values, so put the text in quotes"
    if wants_text and isinstance(value, (int, float, datetime.date)):
        return "; put it in quotes if it is meant as text"
    if _accepts(info, inspect, (inspect.IntType,)) and isinstance(value, str) and _NUMBERISH.fullmatch(value.strip()):
        return "; write whole numbers in plain decimal digits, e.g. 15"
    if _accepts(info, inspect, (inspect.DateType,)) and isinstance(value, datetime.datetime):
        return "; write the date alone, like 2024-11-30"
    if value is None:
        return "; fill in a value, or remove the key if it is optional"
    return ""


def _accepts(info: Any, inspect: Any, kinds: tuple) -> bool:
    if isinstance(info, inspect.Metadata):
        info = info.type
    if isinstance(info, inspect.UnionType):
        return any(_accepts(member, inspect, kinds) for member in info.types)
    return isinstance(info, kinds)


def _is_date(value: Any) -> bool:
    """A date as msgspec accepts one: a date (not a date and time), or text like 2024-11-30."""
    if isinstance(value, datetime.datetime):
        return False
    if isinstance(value, datetime.date):
        return True
    if isinstance(value, str):
        import msgspec

        try:
            msgspec.convert(value, datetime.date, strict=True)
        except msgspec.ValidationError:
            return False
        return True
    return False


def _slug_hint(value: str) -> str:
    suggestion = re.sub(r"[^a-z0-9]+", "-", value.strip().lower()).strip("-")
    return f"; did you mean {quote(suggestion)}?" if suggestion and suggestion != value else ""


def _count_range(low: int | None, high: int | None) -> str:
    if low is not None and high is not None:
        return f"{low} to {high} items" if low != high else _items(low)
    if low is not None:
        return f"at least {_items(low)}"
    return f"at most {_items(high or 0)}"


def _items(count: int) -> str:
    return f"{count:,} item{'s' if count != 1 else ''}"
