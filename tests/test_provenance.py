"""Provenance a reader can check: quotes of the cited lines, and the four checks of the model against the article."""

from __future__ import annotations

import json

import pytest
from support import ARTICLE, NO_ARTICLE, invoke

from cbiic_cli import model
from cbiic_cli.provenance import Article, check, read_article

pytestmark = pytest.mark.skipif(ARTICLE is None, reason=NO_ARTICLE)


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)
    monkeypatch.delenv("CBIIC_SOURCE", raising=False)


@pytest.fixture(scope="module")
def article() -> Article:
    return read_article(str(ARTICLE))


def forum_from(doc) -> model.Forum:
    import msgspec

    return msgspec.convert(doc, model.Forum, strict=False)


# -- the shipped model holds up --------------------------------------------------------


def test_shipped_model_passes_every_check(article, forum_doc):
    problems, uncovered = check(forum_from(forum_doc), article)
    assert [p.message for p in problems] == []
    assert [p.message for p in uncovered] == []


# -- each check catches a variant built to break it ------------------------------------


def test_a_citation_of_a_line_the_article_lacks_is_caught(article, forum_doc):
    forum_doc["talks"][1]["source_paragraphs"] = [11, 99]
    problems, _ = check(forum_from(forum_doc), article)
    assert [(p.path, "article line 99" in p.message) for p in problems] == [("talks[1].source_paragraphs", True)]


def test_a_citation_of_a_blank_line_is_caught(article, forum_doc):
    blank = Article("a.txt", article.lines + [""])
    forum_doc["talks"][1]["source_paragraphs"] = [len(blank.lines)]
    problems, _ = check(forum_from(forum_doc), blank)
    assert any("blank" in p.message and p.path == "talks[1].source_paragraphs" for p in problems)


@pytest.mark.parametrize(
    ("where", "change", "path"),
    [
        (("people", 3, "name"), "Zheng Li-min", "people[3].name"),
        (("people", 3, "affiliations", 0, "position"), "Head", "people[3].affiliations[0].position"),
        (("talks", 1, "title"), "Myeloid Cells and the Tumour Immune Microenvironment", "talks[1].title"),
        (("organisations", 6, "name"), "Key Lab of Gene Engineering", "organisations[6].name"),
        (("panel", "title"), "Coordinated Efforts of Medical Care and Insurance", "panel.title"),
        (("forum", "name"), "Oncology Drug Clinical Research Forum", "forum.name"),
        (("forum", "conference"), "2024 China Biomed Innovation and Investment Conference", "forum.conference"),
        (("forum", "city"), "Canton", "forum.city"),
    ],
)
def test_a_name_title_or_position_not_verbatim_on_a_cited_line_is_caught(article, forum_doc, where, change, path):
    target = forum_doc
    for key in where[:-1]:
        target = target[key]
    target[where[-1]] = change
    problems, _ = check(forum_from(forum_doc), article)
    assert [(p.path, "verbatim" in p.message) for p in problems] == [(path, True)]


def test_a_name_cited_from_the_wrong_line_is_caught(article, forum_doc):
    forum_doc["people"][3]["source_paragraphs"] = [7]  # the bare caption, not the paragraph that names his posts
    problems, _ = check(forum_from(forum_doc), article)
    assert any(p.path == "people[3].affiliations[0].position" for p in problems)


def test_an_uncovered_sentence_is_printed(article, forum_doc):
    talk = forum_doc["talks"][3]  # Li Ziming: drop everything about NGS
    talk["summary"] = "Li Ziming spoke about genetic testing in driver gene-positive NSCLC."
    talk["key_points"] = [point for point in talk["key_points"] if "NGS" not in point["text"]]
    _, uncovered = check(forum_from(forum_doc), article)
    assert [(p.line, "NGS technology would become mainstream" in p.message) for p in uncovered] == [(13, True)]


def test_an_item_citing_nothing_leaves_its_sentences_uncovered(article, forum_doc):
    forum_doc["talks"][2]["source_paragraphs"] = [11]  # Feng Chen's talk no longer cites line 12
    forum_doc["people"][4]["source_paragraphs"] = [11]
    forum_doc["organisations"][7]["source_paragraphs"] = [11]
    forum_doc["organisations"][8]["source_paragraphs"] = [11]
    forum_doc["organisations"][9]["source_paragraphs"] = [11]
    forum_doc["organisations"][9]["note"]["source_paragraphs"] = [11]
    _, uncovered = check(forum_from(forum_doc), article)
    assert {p.line for p in uncovered} == {12}


COPIES = {
    "within-a-sentence": (
        1,
        4,
        "Zheng Limin said",
        "the key to future immunotherapy lies in regulating the immune microenvironment, discovering new targets",
        11,
    ),
    # Line 14: "...to break through DRG bundled payment restrictions. He suggested that commercial insurance should deeply..."
    "across-a-full-stop": (
        4,
        2,
        "Wang Rundong said self-pay treatment could",
        "break through DRG bundled payment restrictions. He suggested that commercial insurance should deeply integrate",
        14,
    ),
}


@pytest.mark.parametrize("case", sorted(COPIES))
def test_a_copied_run_of_more_than_twelve_words_is_caught(case, article, forum_doc):
    talk, point, lead, copied, line = COPIES[case]
    forum_doc["talks"][talk]["key_points"][point]["text"] = f"{lead} {copied}."
    problems, _ = check(forum_from(forum_doc), article)
    (problem,) = problems
    assert problem.path == f"talks[{talk}].key_points[{point}].text"
    assert f"copies 14 consecutive words from article line {line}" in problem.message


def test_a_marked_quotation_is_not_a_copy(article, forum_doc):
    quoted = "“the key to future immunotherapy lies in regulating the immune microenvironment, discovering new targets”"
    forum_doc["talks"][1]["key_points"][4]["text"] = f"Zheng Limin said {quoted}."
    problems, _ = check(forum_from(forum_doc), article)
    assert problems == []


def test_twelve_words_are_allowed(article, forum_doc):
    twelve = "the key to future immunotherapy lies in regulating the immune microenvironment, finding"
    forum_doc["talks"][1]["key_points"][4]["text"] = f"Zheng Limin said {twelve} targets."
    problems, _ = check(forum_from(forum_doc), article)
    assert problems == []


# -- quotes under each contribution with --source ---------------------------------------


def test_talk_with_source_quotes_the_cited_lines():
    (row,) = json.loads(invoke("talk", "zheng-limin", "--source", str(ARTICLE), "-f", "json").stdout)
    assert row["quotes"] == [{"line": 11, "text": ARTICLE.read_text(encoding="utf-8").splitlines()[10]}]
    out = invoke("talk", "zheng-limin", "--source", str(ARTICLE), env={"COLUMNS": "120"}).stdout
    assert "article line 11, as the article has it:" in out
    assert "Professor Zheng Limin, Dean at School of Life Science" in out


@pytest.mark.parametrize("args", [["speaker", "li-ziming"], ["theme", "nsclc"], ["search", "EGFR"]])
def test_quotes_in_speaker_theme_and_search_and_from_the_variable(args):
    result = invoke(*args, "-f", "json", env={"CBIIC_SOURCE": str(ARTICLE)})
    assert result.exit_code == 0, result.stderr
    payload = json.loads(result.stdout)
    rows = payload["contributions"] if isinstance(payload, dict) else payload
    assert any(q["line"] == 13 and q["text"].startswith("Professor Li Ziming") for row in rows for q in row["quotes"])


def test_markdown_quotes_are_blockquotes():
    from markdown_it import MarkdownIt

    text = invoke("talk", "li-ziming", "--source", str(ARTICLE), "-f", "md").stdout
    tokens = MarkdownIt("commonmark").parse(text)
    assert "blockquote_open" in [t.type for t in tokens]
    assert "article line 13:" in text


def test_a_missing_article_is_one_clear_line(tmp_path):
    result = invoke("talk", "zheng-limin", "--source", str(tmp_path / "nope.txt"))
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "no such file" in result.stderr


def test_without_source_there_are_no_quotes():
    (row,) = json.loads(invoke("talk", "zheng-limin", "-f", "json").stdout)
    assert "quotes" not in row


@pytest.mark.parametrize(
    ("slug", "written", "rewritten"),
    [
        ("xue-junli", "Vice Director of Phase I clinical trial center", "Director of Phase I clinical trial center"),
        ("ma-jun-sysucc", "Executive Vice-President", "Vice-President"),
        ("ma-jun-harbin", "Vice-Chairman", "Chairman"),
        ("feng-chen", "Vice President", "President"),
        ("wang-rundong", "Senior President", "President"),
    ],
)
def test_a_demoted_position_is_caught_though_the_article_holds_it_as_a_substring(slug, written, rewritten, article, forum_doc):
    (person,) = [p for p in forum_doc["people"] if p["slug"] == slug]
    (affiliation,) = [a for a in person["affiliations"] if a["position"] == written]
    affiliation["position"] = rewritten
    problems, _ = check(forum_from(forum_doc), article)
    assert [p.path for p in problems if "does not appear verbatim" in p.message] == [
        f"people[{forum_doc['people'].index(person)}].affiliations[{person['affiliations'].index(affiliation)}].position"
    ]


def test_checking_a_position_reads_its_line_once_however_often_the_line_repeats_it():
    """An article line holding a position thousands of times must not cost a copy of the line per occurrence."""
    from cbiic_cli.provenance import _whole_position_on

    copied = []

    class Line(str):
        def __getitem__(self, key):
            piece = str.__getitem__(self, key)
            copied.append(len(piece))
            return piece

    line = Line("Director" * 5000 + "\U0001f600")
    assert not _whole_position_on("Director", line)  # never after a comma or "and"
    assert sum(copied) <= 10 * len(line)
