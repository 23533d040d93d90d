"""How a draft measures against a curated forum file, its answer key: the figures of issue 22.

    .venv/bin/python tests/draft_figures.py [ARTICLE [FORUM]]

drafts ARTICLE (default: the shipped article, found as the provenance tests find it) and
compares the draft with FORUM (default: data/forum.yaml). ``tests/test_draft.py`` holds
the same figures to their thresholds.
"""

from __future__ import annotations

import datetime
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from cbiic_cli.placeholders import is_placeholder

# Keys whose strings are ids or references (the draft's own slugs), or say what the file is, not what the article says.
# A speaker or moderator who is uncertain is a mapping: its `as_written` is checked.
NOT_FROM_THE_ARTICLE = {"slug", "id", "organisation", "speaker", "moderator", "candidates", "panelists", "talks", "themes", "kind", "file"}
NOT_FROM_THE_ARTICLE |= {"paragraph_numbering"}


def stated(document: dict[str, Any]) -> Iterator[tuple[str, str, list[int] | None]]:
    """(path, text, lines cited) for every string the document states as the article's; None: anywhere in the article."""

    def walk(value: Any, path: str, key: str, cited: list[int] | None) -> Iterator[tuple[str, str, list[int] | None]]:
        if isinstance(value, dict):
            here = value.get("source_paragraphs", cited)
            for inner_key, inner in value.items():
                yield from walk(inner, f"{path}.{inner_key}" if path else inner_key, inner_key, here)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield from walk(item, f"{path}[{index}]", key, cited)
        elif isinstance(value, datetime.date):
            yield path, f"{value:%B} {value.day}", cited  # "November 30" of "November 30th, 2024"
            yield path, str(value.year), cited
        elif isinstance(value, str) and key not in NOT_FROM_THE_ARTICLE and not is_placeholder(value):
            yield path, value, cited

    for key, value in document.items():
        yield from walk(value, key, key, None if key == "source" else [])


def invented(document: dict[str, Any], lines: list[str]) -> list[tuple[str, str]]:
    """Strings of the draft that are not, verbatim, on a line their item cites."""
    whole = "\n".join(lines)
    return [
        (path, text)
        for path, text, cited in stated(document)
        if not (text in whole if cited is None else any(1 <= n <= len(lines) and text in lines[n - 1] for n in cited))
    ]


def affiliations(person: dict[str, Any], organisations: dict[str, str]) -> list[tuple[str, str]]:
    return [(a["position"], organisations.get(a["organisation"], "")) for a in person.get("affiliations", [])]


def match_people(draft: dict[str, Any], curated: dict[str, Any]) -> dict[str, str]:
    """Curated slug to draft slug, one to one: the same name and the most positions in common; else the most positions."""
    draft_orgs = {o["id"]: o["name"] for o in draft["organisations"]}
    curated_orgs = {o["id"]: o["name"] for o in curated["organisations"]}
    left = list(draft["people"])
    matched: dict[str, str] = {}
    for person in curated["people"]:
        mine = set(affiliations(person, curated_orgs))

        def score(other: dict[str, Any], mine: set[tuple[str, str]] = mine, person: dict[str, Any] = person) -> tuple[bool, int]:
            return other["name"] == person["name"], len(mine & set(affiliations(other, draft_orgs)))

        best = max(left, key=score, default=None)
        if best is not None and score(best) != (False, 0):
            matched[person["slug"]] = best["slug"]
            left.remove(best)
    return matched


def figures(draft: dict[str, Any], curated: dict[str, Any], lines: list[str]) -> dict[str, Any]:
    """The draft against the answer key: people, names, namesakes, positions, titles, the panel, inventions, wrong speakers."""
    matched = match_people(draft, curated)
    back = {mine: theirs for theirs, mine in matched.items()}
    by_slug = {p["slug"]: p for p in draft["people"]}
    draft_orgs = {o["id"]: o["name"] for o in draft["organisations"]}
    curated_orgs = {o["id"]: o["name"] for o in curated["organisations"]}
    people = curated["people"]
    exact_names = sum(by_slug[matched[p["slug"]]]["name"] == p["name"] for p in people if p["slug"] in matched)
    exact_positions = sum(
        affiliations(by_slug[matched[p["slug"]]], draft_orgs) == affiliations(p, curated_orgs) for p in people if p["slug"] in matched
    )
    namesakes = [[p["slug"] for p in people if p["name"] == name] for name in {p["name"] for p in people}]
    namesakes = [group for group in namesakes if len(group) > 1]
    apart = all(len({matched.get(slug) for slug in group}) == len(group) and all(slug in matched for slug in group) for group in namesakes)

    titles = [t["title"] for t in curated.get("talks", []) if "title" in t] + [curated["panel"]["title"]]
    drafted_titles = [t.get("title") for t in draft.get("talks", [])] + [draft.get("panel", {}).get("title")]
    exact_titles = sum(title in drafted_titles for title in titles)

    def meant(ref: Any) -> Any:
        """A reference in the curated model's slugs: a slug, or the set of candidates."""
        if isinstance(ref, dict):
            return frozenset(back.get(c, f"unmatched {c}") for c in ref["candidates"])
        return back.get(ref, f"unmatched {ref}")

    def curated_ref(ref: Any) -> Any:
        return frozenset(ref["candidates"]) if isinstance(ref, dict) else ref

    panel, key = draft.get("panel", {}), curated["panel"]
    uncertain = {
        "moderator": isinstance(panel.get("moderator"), dict) and meant(panel["moderator"]) == curated_ref(key["moderator"]),
        "closing": isinstance(panel.get("closing", {}).get("speaker"), dict)
        and meant(panel["closing"]["speaker"]) == curated_ref(key["closing"]["speaker"]),
    }

    # Every person the draft puts on a contribution, against the curated contribution citing the same line.
    pairs: list[tuple[str, Any, Any]] = []
    if "opening" in draft:
        pairs.append(("opening", meant(draft["opening"]["speaker"]), curated_ref(curated["opening"]["speaker"])))
    for session in draft.get("sessions", []):
        theirs = next(s for s in curated["sessions"] if s["source_paragraphs"] == session["source_paragraphs"])
        pairs.append((f"session {session['name']}", meant(session["moderator"]), curated_ref(theirs["moderator"])))
    for talk in draft.get("talks", []):
        theirs = next(t for t in curated["talks"] if t["source_paragraphs"] == talk["source_paragraphs"])
        pairs.append((f"talk {talk['id']}", meant(talk["speaker"]), curated_ref(theirs["speaker"])))
    curated_remarks = {r["speaker"] for r in key.get("remarks", [])}
    for remark in panel.get("remarks", []):
        mine = meant(remark["speaker"])
        pairs.append((f"remark {remark['id']}", mine, mine if mine in curated_remarks else "no such remark"))
    pairs.append(("panelists", frozenset(map(meant, panel.get("panelists", []))), frozenset(key["panelists"])))
    pairs.append(("panel moderator", meant(panel.get("moderator")), curated_ref(key["moderator"])))
    if "closing" in panel:
        pairs.append(("panel closing", meant(panel["closing"]["speaker"]), curated_ref(key["closing"]["speaker"])))
    wrong = [what for what, mine, theirs in pairs if mine != theirs]

    return {
        "people found": (len(matched), len(people)),
        "names exact": (exact_names, len(people)),
        "namesakes kept apart": apart,
        "positions and organisations exact": (exact_positions, len(people)),
        "titles exact": (exact_titles, len(titles)),
        "panel moderator uncertain between the same candidates": uncertain["moderator"],
        "panel closing uncertain between the same candidates": uncertain["closing"],
        "strings not on their cited line": invented(draft, lines),
        "contributions compared": len(pairs),
        "wrong person on a contribution": wrong,
    }


def main(arguments: list[str]) -> None:
    import yaml
    from support import ARTICLE, NO_ARTICLE, SHIPPED

    from cbiic_cli.draft import draft_document
    from cbiic_cli.provenance import read_article

    article_path = arguments[0] if arguments else ARTICLE
    if article_path is None:
        sys.exit(NO_ARTICLE)
    forum_path = Path(arguments[1]) if len(arguments) > 1 else SHIPPED
    article = read_article(str(article_path))
    result = figures(draft_document(article), yaml.safe_load(forum_path.read_text(encoding="utf-8")), article.lines)
    for name, value in result.items():
        if isinstance(value, tuple):
            value = f"{value[0]}/{value[1]} ({value[0] / value[1]:.0%})"
        elif isinstance(value, list):
            value = f"{len(value)}" + (f": {value}" if value else "")
        print(f"{name}: {value}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    main(sys.argv[1:])
