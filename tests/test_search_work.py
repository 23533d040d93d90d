"""Search's work counted, not timed (issue 21, third adversarial run): each test counts what the search does over a
pathological forum and fails if the count grows with the text (or with the hits) faster than the promise allows."""

from __future__ import annotations

import json
import re
from pathlib import Path

from support import invoke, shipped_text, write_forum

import cbiic_cli.search as search_module


def _shared_lines_forum(tmp_path: Path, lines: int) -> tuple[Path, Path]:
    """The shipped forum with its first two talks citing article lines 1..``lines``, and that article."""
    text = shipped_text()
    head, tail = text.split("\ntalks:\n", 1)
    cited = "[" + ", ".join(map(str, range(1, lines + 1))) + "]"
    tail = re.sub(r"\n    source_paragraphs: \[[^\]]*\]", "\n    source_paragraphs: " + cited, tail, count=2)
    forum = write_forum(tmp_path, head + "\ntalks:\n" + tail)
    article = tmp_path / "article.txt"
    article.write_text("".join(f"line {number} zz\n" for number in range(1, lines + 1)), encoding="utf-8")
    return forum, article


def test_who_cites_a_shared_line_is_worked_out_once_per_search(tmp_path, monkeypatch):
    """Every hit on a line two contributions cite names them: the map of who cites what is built once, not per hit."""
    forum, article = _shared_lines_forum(tmp_path, 200)
    calls = []
    real = search_module.citing_contributions
    monkeypatch.setattr(search_module, "citing_contributions", lambda index: calls.append(1) or real(index))
    result = invoke("--data", str(forum), "--no-cache", "search", "zz", "--source", str(article), "--limit", "0", "-f", "json")
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert len(hits) == 200 and all(len(hit["cited_by"]) >= 2 for hit in hits)
    assert len(calls) <= 2, len(calls)  # the article's lines given out, and the hits' cited_by
