"""Every output is safe for its consumer, whatever the data or the query holds.

Markdown cannot be made to grow headings, HTML, links or images; JSON escapes
bidi controls and line separators; messages stay on one line and bounded; huge
widths are clamped; names typed in another Unicode normal form are found.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from markdown_it import MarkdownIt
from support import invoke

INJECTIONS = [
    "`x`\n\n# Heading\n\n<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](https://evil.example) ![img](https://evil.example/i.png)",
    "# not a heading",
    "- not a list\n1. nor this",
    "=====",
    "| not | a | table |",
    "&lt;script&gt; &#60;b&#62;",
    "<https://evil.example>",
    "```\ncode fence",
    "    indented",
    "> not a quote",
    "*emphasis* __strong__ ~~strike~~",
]
FORBIDDEN = {"html_block", "html_inline", "link_open", "image", "fence", "code_block", "hr", "s_open", "ordered_list_open"}
SHAPE = (
    "heading_open",
    "bullet_list_open",
    "list_item_open",
    "em_open",
    "strong_open",
    "blockquote_open",
    "table_open",
    "tr_open",
    "paragraph_open",
)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)


def poisoned(forum_doc, value: str):
    """Put the value into every kind of field a Markdown view shows."""
    forum_doc["source"]["file"] = value
    forum_doc["source"]["title"] = value
    forum_doc["forum"]["name"] = value
    forum_doc["forum"]["aims"][0] = value
    forum_doc["people"][3]["name"] = value
    forum_doc["people"][3]["affiliations"][0]["position"] = value
    forum_doc["organisations"][5]["name"] = value
    forum_doc["talks"][1]["title"] = value
    forum_doc["talks"][2]["topic"] = value
    forum_doc["talks"][1]["summary"] = value
    forum_doc["talks"][1]["key_points"][0]["text"] = value
    forum_doc["themes"][1]["label"] = value
    forum_doc["panel"]["title"] = value
    forum_doc["panel"]["moderator"]["note"]["text"] = value
    return forum_doc


def shape(nodes: list[tuple[str, str]]) -> dict[str, int]:
    return {kind: sum(1 for t, _ in nodes if t == kind) for kind in SHAPE}


def structure(text: str) -> list[tuple[str, str]]:
    """(token type, tag) for every block and inline node a CommonMark parser makes of the text."""
    found = []
    for token in MarkdownIt("commonmark").enable("table").parse(text):
        found.append((token.type, token.tag))
        for child in token.children or []:
            found.append((child.type, child.tag))
    return found


@pytest.mark.parametrize("value", INJECTIONS)
@pytest.mark.parametrize(
    "args",
    # The summary holds every kind of value the others show; the quick suite tries each injection there, the slow set everywhere.
    [
        ["summary"],
        *(
            pytest.param(args, marks=pytest.mark.slow, id=" ".join(args))
            for args in (
                ["talk", "zheng-limin"],
                ["talk", "panel"],
                ["speakers"],
                ["theme", "immunotherapy"],
                ["agenda"],
                ["orgs"],
                ["speaker", "zheng-limin"],
            )
        ),
    ],
    ids=lambda args: " ".join(args) if isinstance(args, list) else None,
)
def test_no_value_can_inject_markdown(value, args, forum_doc, write_forum):
    clean = invoke(*args, "-f", "md").stdout
    path = write_forum(poisoned(forum_doc, value))
    result = invoke("--data", str(path), *args, "-f", "md")
    assert result.exit_code == 0, result.stderr
    nodes = structure(result.stdout)
    assert not {t for t, _ in nodes} & FORBIDDEN
    # The value adds no heading, list item, emphasis, quote or table row of its own: the document keeps its shape.
    assert shape(nodes) == shape(structure(clean))


def test_markdown_shows_an_injected_value_literally(forum_doc, write_forum):
    path = write_forum(poisoned(forum_doc, "<script>alert(1)</script>"))
    html = MarkdownIt("commonmark").render(invoke("--data", str(path), "summary", "-f", "md").stdout)
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize(
    "control", ["\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u202a", "\u200f", "\u2028", "\u2029", "\x9b"]
)  # (YAML itself reads \x85 as a line break)
@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_escapes_bidi_controls_and_separators(control, fmt, forum_doc, write_forum):
    forum_doc["people"][0]["name"] = f"Ma{control}Jun"
    path = write_forum(forum_doc)
    out = invoke("--data", str(path), "speakers", "-f", fmt).stdout
    assert control not in out
    assert f"\\u{ord(control):04x}" in out
    first = json.loads(out)[0] if fmt == "json" else json.loads(out.splitlines()[0])
    assert first["name"] == f"Ma{control}Jun"  # escaped for the reader's eyes, decoded back exactly


@pytest.mark.parametrize("separator", ["\u2028", "\u2029", "\n", "\r"])
def test_messages_never_span_two_lines(separator):
    result = invoke("speaker", f"nobody{separator}here")
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and separator not in result.stderr.rstrip("\n")


def test_a_huge_query_is_not_echoed_whole():
    result = invoke("speaker", "x" * 70_000)
    assert result.exit_code == 1
    assert len(result.stderr) < 1000
    assert "70,000 characters" in result.stderr


def test_ambiguous_candidates_are_listed_with_a_count(forum_doc, write_forum):
    for number in range(300):
        forum_doc["people"].append({"slug": f"ma-{number}", "name": f"Ma {number}", "source_paragraphs": [4]})
    path = write_forum(forum_doc)
    result = invoke("--data", str(path), "speaker", "ma")
    assert result.exit_code == 1
    assert len(result.stderr) < 1500
    assert "and 297 more" in result.stderr


@pytest.mark.parametrize("columns", ["1000000000", "99999999999999999999"])
def test_a_huge_width_is_clamped(columns):
    result = invoke("speakers", env={"COLUMNS": columns})
    assert result.exit_code == 0
    assert max(len(line) for line in result.stdout.splitlines()) <= 1000


def test_a_name_typed_in_nfd_is_found(forum_doc, write_forum):
    forum_doc["people"][3]["name"] = "Zhèng Lìmín"
    path = write_forum(forum_doc)
    typed = unicodedata.normalize("NFD", "Zhèng Lìmín")
    result = invoke("--data", str(path), "speaker", typed, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["slug"] == "zheng-limin"
    assert invoke("--data", str(path), "search", typed).exit_code == 0


def test_a_list_joined_with_or_reads_as_a_sentence_with_its_count():
    from cbiic_cli.query import listed

    assert listed([f"t{n}" for n in range(100)], " or ") == "t0 or t1 or t2 or t3 or t4, or 95 more"
    assert listed(list("abcdefg"), "; ") == "a; b; c; d; e; and 2 more"


def test_unidentified_speakers_on_a_theme_are_listed_with_a_count(forum_doc, write_forum):
    import copy

    talk = forum_doc["talks"][0]
    for number in range(30):
        forum_doc["people"] += [
            {"slug": f"ma-{number}-a", "name": f"Ma {number}", "source_paragraphs": [4]},
            {"slug": f"ma-{number}-b", "name": f"Ma {number}", "source_paragraphs": [4]},
        ]
        forum_doc["talks"].append(
            {
                **copy.deepcopy(talk),
                "id": f"talk-{number}",
                "speaker": {
                    "as_written": f"Professor Ma {number}",
                    "candidates": [f"ma-{number}-a", f"ma-{number}-b"],
                    "note": {"text": "Not identified.", "source_paragraphs": [4]},
                },
            }
        )
    path = write_forum(forum_doc)
    result = invoke("--data", str(path), "speakers", "--theme", "talent")
    assert result.exit_code == 0, result.stderr
    notes = result.stderr.splitlines()
    assert len(notes) <= 6 and "more people the article does not identify" in notes[-1], notes
