"""Search the article's own words (issue 19, part 2): with --source each contribution also holds the lines it cites.

A hit found in an article line says so in every format: its field is ``article line N`` and its snippet is the
article's words, highlighted. Without --source nothing changes (the golden outputs hold that).
"""

from __future__ import annotations

import csv
import io
import json

import pytest
from support import ARTICLE, NO_ARTICLE, invoke, unescape

pytestmark = pytest.mark.skipif(ARTICLE is None, reason=NO_ARTICLE)

PHRASE = '"therapeutic efficacy remains limited"'
FORMATS = ["json", "jsonl", "csv", "tsv", "markdown", "table"]


def rows_of(fmt: str, out: str) -> list[dict] | None:
    """The rows a row format prints, parsed as a script would; None for the table and Markdown."""
    if fmt == "json":
        return json.loads(out)
    if fmt == "jsonl":
        return [json.loads(line) for line in out.splitlines()]
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(out)))
    if fmt == "tsv":
        header, *records = [[unescape(field) for field in line.split("\t")] for line in out.splitlines()]
        return [dict(zip(header, record, strict=True)) for record in records]
    return None


def _hits(*args: str, source: bool = True) -> list[dict]:
    result = invoke("search", *args, *(["--source", str(ARTICLE)] if source else []), "--limit", "0", "-f", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_phrase_of_the_article_finds_the_contribution_that_cites_its_line():
    hits = _hits(PHRASE)
    assert [hit["id"] for hit in hits] == ["zheng-limin-myeloid-cells"]
    hit = hits[0]
    assert hit["field"] == "article line 11"
    [(start, end)] = hit["highlights"]
    assert hit["snippet"][start:end] == "therapeutic efficacy remains limited"
    assert [quote["line"] for quote in hit["quotes"]] == [11]
    assert hit["snippet"].strip("…") in hit["quotes"][0]["text"]  # the article's words, not ours


def test_without_the_article_the_phrase_is_not_in_our_summaries():
    result = invoke("search", PHRASE, "-f", "json")
    assert result.exit_code == 0 and json.loads(result.stdout) == []
    assert "no matches" in result.stderr


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_says_the_hit_is_in_the_article_line(fmt):
    result = invoke("search", PHRASE, "--source", str(ARTICLE), "-f", fmt, env={"COLUMNS": "100"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    rows = rows_of(fmt, out)
    if rows is None:  # the Markdown table's Field cell and the table's "field: snippet" line
        assert "article line 11" in out and "therapeutic efficacy remains" in out
        return
    assert [(row["id"], row["field"]) for row in rows] == [("zheng-limin-myeloid-cells", "article line 11")]
    assert "therapeutic efficacy remains limited" in rows[0]["snippet"]


def test_a_quoted_phrase_matches_only_as_a_phrase():
    assert [hit["id"] for hit in _hits('"efficacy remains"')] == ["zheng-limin-myeloid-cells"]
    assert _hits('"remains efficacy"') == []  # the same words, in another order
    assert "zheng-limin-myeloid-cells" in [hit["id"] for hit in _hits("remains", "efficacy")]  # unquoted, any order


def test_a_word_only_in_the_article_is_found_with_the_article_only():
    assert _hits("restricted", source=False) == []  # our key point says "still limited"
    hits = _hits("restricted")
    assert [(hit["id"], hit["field"]) for hit in hits] == [("zheng-limin-myeloid-cells", "article line 11")]
    [(start, end)] = hits[0]["highlights"]
    assert hits[0]["snippet"][start:end] == "restricted"


def test_article_lines_are_only_the_contributions_own():
    """Every hit on an article line is a contribution citing that line, or the line itself when several cite it."""
    found = _hits("professor")
    assert any(hit["kind"] == "article line" for hit in found) and any(hit["kind"] == "talk" for hit in found)
    for hit in found:
        if hit["field"].startswith("article line "):
            number = int(hit["field"].removeprefix("article line "))
            assert number in hit["source_paragraphs"]
            if hit["kind"] == "article line":
                assert hit["source_paragraphs"] == [number] and len(hit["cited_by"]) > 1
            else:
                assert hit["kind"] in {"talk", "opening", "panel-remark", "panel-closing"} and hit["cited_by"] == []


def test_hits_in_our_words_and_in_the_article_rank_together():
    hits = _hits("myeloid")
    assert hits[0]["id"] == "zheng-limin-myeloid-cells"
    assert [hit["rank"] for hit in hits] == list(range(1, len(hits) + 1))
    assert hits == sorted(hits, key=lambda hit: -hit["score"])


def test_the_store_answers_as_the_file_does(tmp_path):
    """With a query store built, --source still matches the article (the store does not hold it)."""
    env = {"XDG_CACHE_HOME": str(tmp_path)}
    args = ["search", "restricted", "--source", str(ARTICLE), "-f", "json"]
    first, second = invoke(*args, env=env), invoke(*args, env=env)  # the first builds the store, the second reads it
    assert first.stdout == second.stdout and json.loads(second.stdout)[0]["field"] == "article line 11"
    assert invoke("--no-cache", *args).stdout == first.stdout


def test_the_documented_example_is_what_search_prints():
    """docs/commands.md shows a run with the article, which cog cannot regenerate without it: rerun it here."""
    import re
    import shlex

    from support import REPO

    text = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    [block] = re.findall(r"```\n\$ cbiic (search [^\n]*--source article\.txt[^\n]*)\n(.*?)```", text, re.S)
    command, shown = block
    args = [str(ARTICLE) if arg == "article.txt" else arg for arg in shlex.split(command)]
    result = invoke(*args, env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0 and result.stdout == shown


# -- a line several contributions cite is the article's, not any one person's -------------------------------------

PANEL_LINE = 15  # the panel: its title, its five members, each one's remark and the closing words, in one line
CITED_BY = ["xue-junli-remark", "luo-dan-remark", "xu-junfang-remark", "zhang-yong-remark", "panel-closing"]
SHARED = ("article line", "article-line-15", "article line 15")


def _where(hits: list[dict]) -> list[tuple[str, str, str]]:
    return [(hit["kind"], hit["id"], hit["field"]) for hit in hits]


def test_a_phrase_in_a_shared_line_is_one_hit_of_the_article_naming_who_cites_it():
    """'Dr. Xu' is in line 15, which each panel remark cites: it is not Xue's, Luo's or Zhang's words."""
    hits = _hits('"dr. xu"')
    assert _where(hits) == [SHARED]
    [hit] = hits
    assert hit["cited_by"] == CITED_BY
    assert hit["name"] == "the article, cited by " + ", ".join(CITED_BY[:-1]) + " and " + CITED_BY[-1]
    assert (hit["slug"], hit["honorific"], hit["positions"], hit["speaker_candidates"], hit["themes"]) == (None, None, [], [], [])
    assert hit["source_paragraphs"] == [PANEL_LINE] and [quote["line"] for quote in hit["quotes"]] == [PANEL_LINE]
    [(start, end)] = hit["highlights"]
    assert hit["snippet"][start:end] == "Dr. Xu"


def test_words_of_one_panelist_are_found_in_their_own_remark_and_in_the_line_once():
    """Line 15 gives 'the middle class' to Zhang Yong: only his remark (our key point) and the line itself are hits."""
    hits = _hits("middle", "class")
    assert {(hit["kind"], hit["id"]) for hit in hits} == {("panel-remark", "zhang-yong-remark"), SHARED[:2]}
    zhang = next(hit for hit in hits if hit["id"] == "zhang-yong-remark")
    assert zhang["field"] == "key_points" and zhang["cited_by"] == []
    assert not any(hit["field"] == SHARED[2] and hit["kind"] != "article line" for hit in _hits("professor"))


def test_a_shared_line_is_never_a_field_of_a_contribution():
    for words in (["insurance"], ["professor"], ["Xue", "Junli"], ['"Roche’s integration"'], ["tumor"]):
        for hit in _hits(*words):
            if hit["kind"] != "article line":
                assert hit["field"] != SHARED[2], (words, hit["id"])
                assert hit["cited_by"] == []


def test_a_line_cited_once_stays_the_contributions_own():
    hits = _hits("restricted")
    assert _where(hits) == [("talk", "zheng-limin-myeloid-cells", "article line 11")]
    assert hits[0]["cited_by"] == []


def test_theme_keeps_talks_and_remarks_only():
    hits = _hits("middle", "class", "--theme", "medical-insurance")
    assert [hit["id"] for hit in hits] == ["zhang-yong-remark"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_shows_the_shared_line_once_as_the_articles(fmt):
    result = invoke("search", '"dr. xu"', "--source", str(ARTICLE), "-f", fmt, env={"COLUMNS": "100", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    out = result.stdout
    rows = rows_of(fmt, out)
    if rows is None:  # the Markdown table's and the terminal's kind, who and field
        flat = " ".join(out.split())
        named = "the article, cited by xue-junli-remark, luo-dan-remark, xu-junfang-remark, zhang-yong-remark and panel-closing"
        assert "article line" in flat and "article-line-15" in flat and "article line 15" in flat and named in flat
        assert not any(remark in flat.replace(named, "") for remark in CITED_BY)  # named as citing the line, never as a hit
        return
    assert _where(rows) == [SHARED]
    cited = rows[0]["cited_by"]
    assert (cited if isinstance(cited, list) else cited.split("\n")) == CITED_BY
    assert "Dr. Xu Junfang" in rows[0]["snippet"]
