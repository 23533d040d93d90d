"""What a type cannot express: unique ids, references that resolve, and the agenda's own rules.

The checks run on plain values (dicts, lists, strings), skipping whatever is
malformed, which the shape check reports. That lets one ``cbiic validate`` run
report shape and reference problems together, and lets the cache run the very
same checks on a decoded entry (``msgspec.to_builtins``) before trusting it.

Every check is a single pass with set lookups; only the unknown references
that will be listed get a "did you mean" (difflib over a shortlist drawn from an
index built once), so a file with thousands of dangling references is reported
at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from .errors import Problem, Problems, format_path, quote
from .names import normalise

UNKNOWN_REFERENCES = "unknown references"
DUPLICATE_IDS = "duplicate ids"
AGENDA_PROBLEMS = "agenda problems"

Trail = tuple


def check(document: dict, problems: Problems) -> None:
    """Add every reference problem in ``document`` (a forum as plain values) to ``problems``."""
    _Checker(document, problems).run()


class _Entries:
    """The mappings in ``container[key]`` as (trail, mapping), made afresh on each pass.

    Lazily, so that a list of a million entries costs no million trails held at once;
    anything that is not a mapping is the shape check's to report.
    """

    __slots__ = ("trail", "values")

    def __init__(self, container: Any, key: str, trail: Trail) -> None:
        value = container.get(key) if isinstance(container, dict) else None
        self.values = value if isinstance(value, list) else []
        self.trail = trail + (key,)

    def __iter__(self) -> Iterator[tuple[Trail, dict]]:
        trail = self.trail
        for index, item in enumerate(self.values):
            if isinstance(item, dict):
                yield trail + (index,), item


def _one(container: Any, key: str, trail: Trail) -> list[tuple[Trail, dict]]:
    """A single optional mapping (the opening, the panel's closing) as a section of zero or one entry."""
    value = container.get(key) if isinstance(container, dict) else None
    return [(trail + (key,), value)] if isinstance(value, dict) else []


def _list(container: dict, key: str) -> list:
    value = container.get(key)
    return value if isinstance(value, list) else []


def _strings(container: Any, key: str, trail: Trail) -> Iterator[tuple[Trail, str]]:
    value = container.get(key) if isinstance(container, dict) else None
    if isinstance(value, list):
        for index, item in enumerate(value):
            if isinstance(item, str):
                yield trail + (key, index), item


def _mapping(value: Any) -> dict | None:
    return value if isinstance(value, dict) else None


class _Pool:
    """The ids a reference may name, and near-match suggestions for a reference that names none of them.

    difflib compares a typo with every id, which at tens of thousands of ids is
    a fraction of a second per typo. A pool that large gets an index of each
    id's three-letter pieces, built once, and difflib ranks only the ids that
    share the most pieces with the typo.
    """

    SHORTLIST = 50
    # An id longer than this is nobody's typo target, and comparing it costs time and memory quadratic in its length.
    SUGGESTIBLE = 100

    def __init__(self, what: str, section: str, ids: set[str]) -> None:
        self.what = what
        self.section = section
        self.ids = ids
        self._pieces: dict[str, list[str]] | None = None

    def suggestion(self, value: str) -> str:
        import difflib

        match = difflib.get_close_matches(value, self._shortlist(value), n=1) if len(value) <= self.SUGGESTIBLE else []
        return f"; did you mean {match[0]!r}?" if match else f"; it must be defined under `{self.section}`"

    def _shortlist(self, value: str) -> list[str]:
        if len(self.ids) <= self.SHORTLIST:
            return sorted(known for known in self.ids if len(known) <= self.SUGGESTIBLE)
        if self._pieces is None:
            self._pieces = {}
            for known in sorted(known for known in self.ids if len(known) <= self.SUGGESTIBLE):
                for piece in _pieces(known):
                    self._pieces.setdefault(piece, []).append(known)
        shared: dict[str, int] = {}
        for piece in _pieces(value):
            for known in self._pieces.get(piece, ()):
                shared[known] = shared.get(known, 0) + 1
        return sorted(shared, key=shared.__getitem__, reverse=True)[: self.SHORTLIST]


def _pieces(text: str) -> set[str]:
    padded = f"^{text}$"
    return {padded[i : i + 3] for i in range(len(padded) - 2)}


class _Checker:
    def __init__(self, document: dict, problems: Problems) -> None:
        self.document = document
        self.problems = problems
        panel = _mapping(document.get("panel"))
        self.panel = panel
        self.opening = _one(document, "opening", ())
        self.closing = _one(panel, "closing", ("panel",))
        self.remarks = _Entries(panel, "remarks", ("panel",))
        self.people = _Entries(document, "people", ())
        self.themes = _Entries(document, "themes", ())
        self.organisations = _Entries(document, "organisations", ())
        self.sessions = _Entries(document, "sessions", ())
        self.talks = _Entries(document, "talks", ())

    def add(self, message: str, trail: Trail, kind: str) -> None:
        if self.problems.room_for(kind):
            self.problems.add(Problem(message, format_path(trail), kind=kind, trail=trail))
        else:
            self.problems.tally(kind, trail)

    def run(self) -> None:
        self.unique_ids()
        self.theme_names()
        people = _Pool("person", "people", self.ids(self.people, "slug"))
        themes = _Pool("theme", "themes", self.ids(self.themes, "id"))
        organisations = _Pool("organisation", "organisations", self.ids(self.organisations, "id"))
        talks = _Pool("talk", "talks", self.ids(self.talks, "id"))
        # The loops below run over every reference of a congress-sized file (and of every
        # cache hit), so a trail is only built for a reference that does not resolve.
        for trail, person in self.people:
            for index, affiliation in enumerate(_list(person, "affiliations")):
                if isinstance(affiliation, dict):
                    self.known(affiliation.get("organisation"), organisations, trail, "affiliations", index, "organisation")
        for trail, session in self.sessions:
            self.person_ref(session.get("moderator"), people, trail + ("moderator",))
            self.all_known(session, "talks", talks, trail)
        for trail, item in chain(self.opening, self.talks, self.remarks, self.closing):
            self.person_ref(item.get("speaker"), people, trail + ("speaker",))
            for index, point in enumerate(_list(item, "key_points")):
                if isinstance(point, dict):
                    self.all_known(point, "themes", themes, trail, "key_points", index)
            self.all_known(item, "organisations", organisations, trail)
        if self.panel:
            self.person_ref(self.panel.get("moderator"), people, ("panel", "moderator"))
            self.all_known(self.panel, "panelists", people, ("panel",))
            self.remarks_by_panelists(people)
        self.one_session_per_talk()
        self.listed_once(self.document, ())

    @staticmethod
    def ids(section: Iterable[tuple[Trail, dict]], key: str) -> set[str]:
        return {item[key] for _, item in section if isinstance(item.get(key), str)}

    # -- ids -------------------------------------------------------------------------------

    def unique_ids(self) -> None:
        self.unique(self.organisations, "id")
        self.unique(self.themes, "id")
        # People and every agenda item share one namespace because `cbiic talk REF` accepts either.
        panel = [(("panel",), self.panel)] if self.panel else []
        self.unique(self.people, "slug", chain(self.opening, self.sessions, self.talks, panel, self.remarks, self.closing))

    def unique(self, section: Iterable[tuple[Trail, dict]], key: str, more: Iterable[tuple[Trail, dict]] = ()) -> None:
        """The second use of an id is the problem; ``more`` are agenda items, whose id field is `id`."""
        seen: dict[str, Trail] = {}
        for trail, item, field in chain(((t, i, key) for t, i in section), ((t, i, "id") for t, i in more)):
            value = item.get(field)
            if not isinstance(value, str):
                continue
            here = trail + (field,)
            if value in seen:
                self.add(f"{quote(value)} is already used at {format_path(seen[value])}; ids must be unique", here, DUPLICATE_IDS)
            else:
                seen[value] = here

    def theme_names(self) -> None:
        owner: dict[str, Any] = {}
        for trail, theme in self.themes:
            theme_id = theme.get("id")
            names = [theme_id, theme.get("label"), *(alias for _, alias in _strings(theme, "aliases", trail))]
            for name in (n for n in names if isinstance(n, str)):
                key = normalise(name)
                if key in owner and owner[key] != theme_id:
                    self.add(
                        f"name {quote(name)} also names theme {quote(owner[key])}; a theme name must point at one theme",
                        trail,
                        DUPLICATE_IDS,
                    )
                owner.setdefault(key, theme_id)

    # -- references ----------------------------------------------------------------------------

    def known(self, value: Any, pool: _Pool, trail: Trail, *rest: Any) -> None:
        """Report ``value`` at ``trail + rest`` unless it names an id in ``pool`` (or is not text at all)."""
        if not isinstance(value, str) or value in pool.ids:
            return
        trail += rest
        if self.problems.room_for(UNKNOWN_REFERENCES):  # only a listed problem is worth difflib's time
            self.add(f"unknown {pool.what} {quote(value)}{pool.suggestion(value)}", trail, UNKNOWN_REFERENCES)
        else:
            self.problems.tally(UNKNOWN_REFERENCES, trail)

    def all_known(self, container: dict, key: str, pool: _Pool, trail: Trail, *rest: Any) -> None:
        """Check each string in the list ``container[key]``, found at ``trail + rest + (key, index)``."""
        ids = pool.ids
        for index, value in enumerate(_list(container, key)):
            if isinstance(value, str) and value not in ids:
                self.known(value, pool, trail, *rest, key, index)

    def person_ref(self, ref: Any, people: _Pool, trail: Trail) -> None:
        if not isinstance(ref, dict):
            self.known(ref, people, trail)
            return
        seen: dict[str, int] = {}
        for where, slug in _strings(ref, "candidates", trail):
            self.known(slug, people, where)
            if slug in seen:
                self.add(
                    f"{quote(slug)} is already candidate {seen[slug]}; list each person the article may mean once",
                    where,
                    AGENDA_PROBLEMS,
                )
            else:
                seen[slug] = where[-1]

    # -- the agenda's own rules ------------------------------------------------------------------

    # Lists of plain values in which a repeat is a slip (a line cited twice, a panelist named twice),
    # and which exports store as keys: a repeat must be caught here, not by a database constraint.
    ONCE_EACH = frozenset({"source_paragraphs", "panelists", "themes", "organisations", "talks", "aliases", "expansions", "candidates"})

    def listed_once(self, value: Any, trail: Trail) -> None:
        """Every list of plain values under a ONCE_EACH key names each value once."""
        if isinstance(value, dict):
            for key, inner in value.items():
                if isinstance(inner, list) and key in self.ONCE_EACH and inner and not isinstance(inner[0], (dict, list)):
                    self.no_repeats(inner, trail + (key,))
                elif isinstance(inner, (dict, list)):
                    self.listed_once(inner, trail + (key,))
        elif isinstance(value, list):
            for index, inner in enumerate(value):
                if isinstance(inner, (dict, list)):
                    self.listed_once(inner, trail + (index,))

    def no_repeats(self, values: list, trail: Trail) -> None:
        seen: dict[Any, int] = {}
        for index, value in enumerate(values):
            # Only plain values repeat; a value the YAML reader refused (its stand-in) was reported already.
            if not isinstance(value, (str, int, float)) or isinstance(value, bool):
                continue
            if value in seen and trail[-1] != "candidates":  # candidates have their own message (person_ref)
                self.add(
                    f"{quote(str(value))} is listed twice here (first as item {seen[value]}); list it once",
                    trail + (index,),
                    AGENDA_PROBLEMS,
                )
            else:
                seen.setdefault(value, index)

    def remarks_by_panelists(self, people: _Pool) -> None:
        """A panel remark is made by a panelist: a speaker who is not one is a slip in either list."""
        panel = self.panel
        if panel is None or not isinstance(panel.get("panelists"), list):
            return
        panelists = {slug for _, slug in _strings(panel, "panelists", ("panel",))}
        for trail, remark in self.remarks:
            speaker = remark.get("speaker")
            if isinstance(speaker, str):
                who = [(trail + ("speaker",), speaker)]
            else:
                who = list(_strings(speaker, "candidates", trail + ("speaker",)))
            for where, slug in who:
                if slug not in panelists and slug in people.ids:  # an unknown person is reported as such
                    self.add(
                        f"{quote(slug)} makes a panel remark but is not one of panel.panelists; add them there or fix the speaker",
                        where,
                        AGENDA_PROBLEMS,
                    )

    def one_session_per_talk(self) -> None:
        listed_in: dict[str, Trail] = {}
        for trail, session in self.sessions:
            for where, talk in _strings(session, "talks", trail):
                if talk in listed_in:
                    first = format_path(listed_in[talk])
                    self.add(f"talk {quote(talk)} is already listed at {first}; a talk belongs to one session", where, AGENDA_PROBLEMS)
                else:
                    listed_in[talk] = where
