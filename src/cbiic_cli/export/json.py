"""``cbiic export json``: the whole forum as one JSON document, described by ``data/export.schema.json``.

The document reuses the data file's own shapes (people, organisations, themes,
glossary, sessions are written as the file has them) and adds what a reader
would otherwise have to derive: one flat ``contributions`` list in the order the
article reports them, each with its ``kind`` and its ``themes``. The schema is
generated from the types below, so the two cannot drift; a test keeps the
committed copy in step.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Final, Literal

import msgspec

from .. import model, output
from ..errors import InputOutputError
from ..escape import json_safe
from .common import (
    CONGRESS_FORMAT,
    FORMAT,
    Congress,
    congress_notes,
    contributions,
    forum_notes,
    generator_version,
    same_people,
    starts_like,
    write_atomically,
)

SCHEMA_VERSION: Final = 1


class _Out(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of the export's own types: every field is always written, nulls included."""


class _Contribution(_Out, frozen=True):
    id: model.Slug
    kind: Annotated[
        model.ContributionKind,
        msgspec.Meta(description=f"{', '.join(model.CONTRIBUTION_LABELS.values())} (the panel's closing words belong to the panel)"),
    ]
    panel: Annotated[model.Slug | None, msgspec.Meta(description="the panel a remark or the closing words belong to")]
    title: Annotated[str | None, msgspec.Meta(description="a talk's title, exactly as the article gives it; null when it gives none")]
    topic: Annotated[str | None, msgspec.Meta(description="our words for a talk's subject where the article gives no title; never a title")]
    speaker: Annotated[model.PersonRef, msgspec.Meta(description="a person's slug, or an uncertain reference with its candidates")]
    summary: str
    key_points: list[model.KeyPoint]
    themes: Annotated[list[model.Slug], msgspec.Meta(description="the key points' themes, in order of first appearance")]
    organisations_mentioned: Annotated[
        list[model.Slug], msgspec.Meta(description="organisations the contribution names; not the speaker's affiliations")
    ]
    source_paragraphs: model.Paragraphs


# With a field for each of the model's details (model.detail), after the rest.
ExportContribution: Any = msgspec.defstruct(
    "ExportContribution",
    [
        (detail.field, Annotated[str | None, msgspec.Meta(description=f"{detail.label.lower()}; null when none is given")])
        for detail in model.details()
    ],
    bases=(_Contribution,),
    frozen=True,
    module=__name__,
)


class ExportPanel(_Out, frozen=True):
    id: model.Slug
    title: str
    moderator: model.PersonRef
    panelists: list[model.Slug]
    contributions: Annotated[list[model.Slug], msgspec.Meta(description="ids of the panel's remarks and closing words, in `contributions`")]
    source_paragraphs: model.Paragraphs


class ExportDocument(_Out, frozen=True):
    format: Literal["cbiic-export"]
    schema_version: Literal[1]
    generator: str
    notes: Annotated[
        list[str],
        msgspec.Meta(description="what a reader must know first: which words are the curator's, and what the article leaves out"),
    ]
    source: Annotated[model.Source, msgspec.Meta(description="the one article every fact comes from; its text is not included")]
    forum: model.ForumInfo
    organisations: list[model.Organisation]
    people: list[model.Person]
    themes: list[model.Theme]
    glossary: list[model.GlossaryEntry]
    sessions: Annotated[list[model.Session], msgspec.Meta(description="`talks` lists a session's talks only where the article says so")]
    panel: ExportPanel | None
    contributions: Annotated[
        list[ExportContribution],
        msgspec.Meta(description="every contribution the article reports, in the order it reports them (it gives no full running order)"),
    ]


# A congress's forum: the forum's document without what the congress's says once (format, version, generator), and
# with its id and file. Derived from ExportDocument's own fields, so the two shapes cannot drift apart.
_ENVELOPE = ("format", "schema_version", "generator")
ExportForum: Any = msgspec.defstruct(
    "ExportForum",
    [
        # Not a Slug: a forum's id is its file's name unless the file names one, and a file's name may be any.
        ("id", Annotated[str, msgspec.Meta(min_length=1, description="the forum's id in the congress: FORUM/ID names its ID")]),
        ("file", Annotated[str, msgspec.Meta(description="the forum's file in the congress directory")]),
        *[(field.name, field.type) for field in msgspec.structs.fields(ExportDocument) if field.name not in _ENVELOPE],
    ],
    bases=(_Out,),
    frozen=True,
    kw_only=True,
    module=__name__,
)
ExportForum.__doc__ = "One forum of the congress: what a document of that forum alone holds, with the forum's id and file."


class CongressExportDocument(_Out, frozen=True):
    """A congress of several forums, each curated from its own article."""

    format: Literal["cbiic-congress-export"]
    schema_version: Literal[1]
    generator: str
    notes: Annotated[
        list[str],
        msgspec.Meta(
            description="what a reader must know first: the congress's notes, then its forums' (one every forum gives, once; any "
            "other after its forum's id and a colon), which each forum's own notes repeat"
        ),
    ]
    congress: Annotated[
        model.CongressInfo | None, msgspec.Meta(description="the congress's name, year and city, from congress.yaml; null without one")
    ]
    themes: Annotated[list[model.Theme], msgspec.Meta(description="the congress's own themes (congress.yaml), which every forum has too")]
    same_people: Annotated[
        list[list[str]],
        msgspec.Meta(
            description="each person the curator links across forums (same_as, at either end), as FORUM/SLUG in every forum "
            "they are in; never inferred from a shared name"
        ),
    ]
    forums: Annotated[list[ExportForum], msgspec.Meta(description="every forum, in the congress's order: by date, then by id")]


def _forum_fields(forum: model.Forum) -> dict[str, Any]:
    """A forum's document, but for the envelope: what a forum's export and a congress's forum both hold."""
    from ..query import item_themes

    panel = forum.panel
    return dict(
        notes=forum_notes(forum),
        source=forum.source,
        forum=forum.forum,
        organisations=forum.organisations,
        people=forum.people,
        themes=forum.themes,
        glossary=forum.glossary,
        sessions=forum.sessions,
        panel=None
        if panel is None
        else ExportPanel(
            id=panel.id,
            title=panel.title,
            moderator=panel.moderator,
            panelists=panel.panelists,
            contributions=[remark.id for remark in panel.remarks] + ([panel.closing.id] if panel.closing else []),
            source_paragraphs=panel.source_paragraphs,
        ),
        contributions=[
            ExportContribution(
                id=item.id,
                kind=model.ContributionKind(kind),
                panel=panel_id,
                title=getattr(item, "title", None),
                topic=getattr(item, "topic", None),
                speaker=item.speaker,
                summary=item.summary,
                key_points=item.key_points,
                themes=item_themes(item),
                organisations_mentioned=item.organisations,
                source_paragraphs=item.source_paragraphs,
                **{detail.field: getattr(item, detail.field, None) for detail in model.details()},
            )
            for kind, item, panel_id in contributions(forum)
        ],
    )


def document(forum: model.Forum) -> ExportDocument:
    return ExportDocument(format=FORMAT, schema_version=SCHEMA_VERSION, generator=generator_version(), **_forum_fields(forum))


def congress_document(congress: Congress) -> CongressExportDocument:
    info = congress.info
    return CongressExportDocument(
        format=CONGRESS_FORMAT,
        schema_version=SCHEMA_VERSION,
        generator=generator_version(),
        notes=congress_notes(congress),
        congress=None if info is None else info.congress,
        themes=[] if info is None else info.themes,
        same_people=[[f"{forum_id}/{slug}" for forum_id, slug in group] for group in same_people(congress)],
        forums=[ExportForum(id=exported.id, file=exported.file, **_forum_fields(exported.forum)) for exported in congress.forums],
    )


# msgspec escapes C0 controls but writes C1 controls (0x80-0x9f) raw, and some terminals obey them.


def encode(data: model.Forum | Congress) -> bytes:
    """One forum's document, or a congress's."""
    built = congress_document(data) if isinstance(data, Congress) else document(data)
    text = msgspec.json.format(msgspec.json.encode(built), indent=2).decode("utf-8")
    return (json_safe(text) + "\n").encode("utf-8")


def write_json(forum: model.Forum | Congress, path: str, *, force: bool = False) -> None:
    """Write the document (a forum's, or a congress's) to ``path``, or to standard output for ``-``."""
    data = encode(forum)
    if path == "-":
        try:
            output.write_bytes(data)
        except BrokenPipeError:
            raise
        except (OSError, AttributeError) as error:  # closed (no buffer) or full standard output
            raise InputOutputError(f"cannot write the output: {getattr(error, 'strerror', None) or 'standard output is closed'}") from None
        return
    write_atomically(path, lambda temporary: temporary.write_bytes(data), is_ours=_is_export, force=force, what="a JSON export")


def _is_export(path: Any) -> bool:
    formats = b"|".join(re.escape(name.encode()) for name in (FORMAT, CONGRESS_FORMAT))
    return starts_like(path, re.compile(rb'\{\s*"format": "(?:' + formats + rb')"'), within=64)


def export_schema() -> dict[str, Any]:
    """The JSON Schema of the export document (the committed copy is data/export.schema.json): a forum's document, or a
    congress's, told apart by ``format``. A forum's is described exactly as before congresses were exported."""
    from ..schema import SCHEMA_DIALECT, json_schema_of

    shapes = [json_schema_of(ExportDocument), json_schema_of(CongressExportDocument)]
    definitions = {name: body for shape in shapes for name, body in shape["$defs"].items()}  # one type, one definition
    return {
        "$schema": SCHEMA_DIALECT,
        "title": "cbiic export",
        "description": (
            "The whole forum as written by `cbiic export json`, or a congress of several forums, each as a forum's document "
            "with its id. Citations (`source_paragraphs`) are line numbers of the forum's source article, whose text is not "
            "included. See docs/exports.md."
        ),
        "oneOf": [{"$ref": shape["$ref"]} for shape in shapes],
        "$defs": definitions,
    }


def schema_text() -> str:
    import json

    return json.dumps(export_schema(), indent=2, ensure_ascii=False) + "\n"
