"""A congress of two forums, end to end: the shipped forum and a second made from it (support.make_congress).

The second has its own id, name and date; every other id is the same, so a bare id is in both forums and must be
refused with both qualified candidates; one person is renamed there and linked to the first forum's by same_as.
"""

from __future__ import annotations

import csv
import io
import json
import shutil

import pytest
from support import ARTICLE, NO_ARTICLE, ONE_OF_EACH_COMMAND, RENAMED, SECOND_FORUM, invoke, make_congress, replace_once, tsv_records

FIRST = "oncology-drugs"
FORUMS = [FIRST, SECOND_FORUM]
ROW_FORMATS = ["json", "jsonl", "csv", "tsv"]
# A bare id is in both forums; these resolve only once qualified.
QUALIFIED = {
    "speaker": ["speaker", f"{SECOND_FORUM}/ma-jun-sysucc"],
    "talk": ["talk", f"{FIRST}/zheng-limin"],
    "panel": ["talk", f"{SECOND_FORUM}/panel"],
}


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("CBIIC_DATA", "CBIIC_NO_CACHE", "CBIIC_SOURCE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def congress(tmp_path):
    return make_congress(tmp_path / "congress")


def rows_of(output: str, fmt: str) -> list[dict]:
    if fmt == "json":
        parsed = json.loads(output)
        return parsed if isinstance(parsed, list) else parsed.get("contributions") or parsed.get("items") or parsed.get("remarks") or []
    if fmt == "jsonl":
        return [json.loads(line) for line in output.splitlines()]
    if fmt == "csv":
        return list(csv.DictReader(io.StringIO(output)))
    header, *records = tsv_records(output)
    return [dict(zip(header, record)) for record in records]


def command_line(name: str) -> list[str]:
    return QUALIFIED.get(name, ONE_OF_EACH_COMMAND[name])


@pytest.mark.parametrize("fmt", ["table", "markdown", *ROW_FORMATS])
@pytest.mark.parametrize("name", [*ONE_OF_EACH_COMMAND, "forums"])
def test_every_command_answers_in_every_format(congress, name, fmt):
    argv = ["forums"] if name == "forums" else command_line(name)
    every = [] if name in QUALIFIED else ["--limit", "0"]
    result = invoke("--data", str(congress), *argv, "--format", fmt, *every)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip()
    if fmt in ROW_FORMATS and name == "themes":  # the congress's themes: each row says which forums touch it
        assert all(FIRST in str(row["forums"]) and SECOND_FORUM in str(row["forums"]) for row in rows_of(result.stdout, fmt))
    elif fmt == "json" and name == "panel":  # one document, the panel's, with its forum; its remarks' ids name it
        document = json.loads(result.stdout)
        assert document["forum"] == SECOND_FORUM and document["id"] == f"{SECOND_FORUM}/panel"
        assert all(remark["id"].startswith(f"{SECOND_FORUM}/") for remark in document["remarks"])
    elif fmt == "json" and name == "summary":  # one document: the congress, its forums, its first contributions
        document = json.loads(result.stdout)
        assert [forum["id"] for forum in document["forums"]] == FORUMS
        assert {row["forum"] for row in document["contributions"]} == set(FORUMS)
    elif fmt in ROW_FORMATS and name != "forums":
        rows = rows_of(result.stdout, fmt)
        assert rows, result.stdout[:500]
        for row in rows:
            # Each row says its forum, and every id in it names that forum: a reference that resolves as printed.
            assert row["forum"] in FORUMS
            key = "slug" if "slug" in row and name == "speakers" else "id"
            assert str(row[key]).startswith(row["forum"] + "/"), row


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_lists_hold_both_forums_in_the_congress_order(congress, fmt):
    for name in ("speakers", "agenda", "orgs", "theme"):
        rows = rows_of(invoke("--data", str(congress), *ONE_OF_EACH_COMMAND[name], "--limit", "0", "-f", fmt).stdout, fmt)
        forums = [row["forum"] for row in rows]
        assert set(forums) == set(FORUMS), name
        assert forums == sorted(forums, key=FORUMS.index), name  # forum by forum (same date: by id)
        assert len(rows) % 2 == 0 and rows[: len(rows) // 2] == [{**row, "forum": FIRST} for row in rows[: len(rows) // 2]]


def test_forums_lists_each_forum_with_its_date_counts_and_article(congress):
    rows = json.loads(invoke("--data", str(congress), "forums", "-f", "json").stdout)
    assert [row["id"] for row in rows] == FORUMS
    assert {row["name"] for row in rows} == {"Oncology Drugs Clinical Research Forum", "Second Test Forum"}
    for row in rows:
        assert (row["date"], row["people"], row["contributions"]) == ("2024-11-30", 10, 11)
        assert row["article_file"] == "000_129630b01c31d745.txt"
    table = " ".join(invoke("--data", str(congress), "forums").stdout.split())
    assert table.startswith("2 forums of 2024 China BioMed Innovation and Investment Conference (CBIIC), Guangzhou, 2024")


@pytest.mark.parametrize(
    ("argv", "candidates"),
    [
        (["speaker", "xue-junli"], [f"{FIRST}/xue-junli", f"{SECOND_FORUM}/xue-junli"]),
        (["talk", "panel"], [f"{FIRST}/panel", f"{SECOND_FORUM}/panel"]),
        (["talk", "luo-dan-remark"], [f"{FIRST}/luo-dan-remark", f"{SECOND_FORUM}/luo-dan-remark"]),
    ],
)
def test_a_bare_id_two_forums_share_is_refused_with_both_qualified(congress, argv, candidates):
    result = invoke("--data", str(congress), *argv)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr.count("\n") == 1
    for candidate in candidates:
        assert candidate in result.stderr
    assert "FORUM/ID" in result.stderr


def test_a_qualified_reference_always_resolves_in_its_forum(congress):
    for forum in FORUMS:
        person = json.loads(invoke("--data", str(congress), "speaker", f"{forum}/xue-junli", "-f", "json").stdout)
        assert person["forum"] == forum and person["slug"] == f"{forum}/xue-junli"
        assert all(row["forum"] == forum for row in person["contributions"])
    unknown = invoke("--data", str(congress), "speaker", "no-such-forum/xue-junli")
    assert unknown.exit_code == 1 and "no forum 'no-such-forum'" in unknown.stderr and FIRST in unknown.stderr


def test_a_bare_id_only_one_forum_has_resolves_there(congress):
    new = RENAMED[1]
    talk = json.loads(invoke("--data", str(congress), "talk", f"{new}-myeloid-cells", "-f", "json").stdout)
    assert [row["id"] for row in talk] == [f"{SECOND_FORUM}/{new}-myeloid-cells"]


def test_a_linked_person_shows_every_forum(congress):
    old, new = RENAMED
    for ref in (new, f"{FIRST}/{old}"):
        person = json.loads(invoke("--data", str(congress), "speaker", ref, "-f", "json").stdout)
        said = {(row["forum"], row["id"]) for row in person["contributions"]}
        assert said == {(FIRST, f"{FIRST}/{old}-myeloid-cells"), (SECOND_FORUM, f"{SECOND_FORUM}/{new}-myeloid-cells")}
        assert set(person["forums"]) == set(FORUMS)
    shown = invoke("--data", str(congress), "speaker", new).stdout
    assert f"{FIRST}/{old}-myeloid-cells" in shown and f"{SECOND_FORUM}/{new}-myeloid-cells" in shown


def test_two_links_to_someone_not_in_the_congress_link_no_one(congress):
    """Luo Dan of each forum names a person of a forum the congress does not have (a typo, which validate reports):
    followed through that missing record, the two would be made one person; they are not, in the speaker view, the
    export, or validate's check of people merged within a forum."""
    for name in ("forum.yaml", "second.yaml"):
        path = congress / name
        text = path.read_text(encoding="utf-8")
        path.write_text(
            replace_once(text, "  - slug: luo-dan\n", "  - slug: luo-dan\n    same_as: [third-forum/nobody]\n"), encoding="utf-8"
        )
    for forum in FORUMS:
        person = json.loads(invoke("--data", str(congress), "speaker", f"{forum}/luo-dan", "-f", "json").stdout)
        assert {row["forum"] for row in person["contributions"]} == {forum}
    linked = json.loads(invoke("--data", str(congress), "export", "json", "-").stdout)["same_people"]
    assert not any("luo-dan" in str(group) for group in linked) and len(linked) == 1
    problems = invoke("--data", str(congress), "validate").stdout
    assert problems.count("third-forum") == 2 and "one person" not in problems


@pytest.mark.parametrize(
    "argv", [["theme", "second-only"], ["search", "tumor", "--theme", "second-only"], ["speakers", "--theme", "Second only"]]
)
def test_a_theme_no_forum_asked_for_has_is_refused_naming_the_forums_that_do(congress, argv):
    """A theme of the second forum alone, asked of the first with --forum: one line naming the forum that has it,
    exit 1 (it was an IndexError, exit 3)."""
    second = congress / "second.yaml"
    theme = "  - id: second-only\n    label: Second only\n    description: A theme only the second forum has.\n"
    second.write_text(replace_once(second.read_text(encoding="utf-8"), "\nthemes:\n", "\nthemes:\n" + theme), encoding="utf-8")
    result = invoke("--data", str(congress), *argv, "--forum", FIRST)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == (
        f"cbiic: no forum asked for has the theme 'second-only': {SECOND_FORUM} does; add --forum {SECOND_FORUM}, or leave --forum out\n"
    )
    assert invoke("--data", str(congress), *argv).exit_code in (0, 1)  # asked of every forum: its answer, whatever it is


def test_a_shared_name_never_links_anyone(congress):
    """Xue Junli is in both forums under one slug and one name, and nobody said they are one person."""
    person = json.loads(invoke("--data", str(congress), "speaker", f"{FIRST}/xue-junli", "-f", "json").stdout)
    assert {row["forum"] for row in person["contributions"]} == {FIRST}
    assert "same_as" not in person


def test_forum_narrows_every_query(congress):
    only = rows_of(invoke("--data", str(congress), "speakers", "--forum", SECOND_FORUM, "-f", "json").stdout, "json")
    assert {row["forum"] for row in only} == {SECOND_FORUM} and len(only) == 10
    both = rows_of(
        invoke("--data", str(congress), "speakers", "--forum", SECOND_FORUM, "--forum", FIRST, "-n", "0", "-f", "json").stdout, "json"
    )
    assert len(both) == 20
    # Narrowed to one forum, a bare id resolves in it.
    person = json.loads(invoke("--data", str(congress), "speaker", "xue-junli", "--forum", SECOND_FORUM, "-f", "json").stdout)
    assert person["slug"] == f"{SECOND_FORUM}/xue-junli"
    unknown = invoke("--data", str(congress), "speakers", "--forum", "nope")
    assert unknown.exit_code == 1 and "no forum 'nope'" in unknown.stderr and unknown.stdout == ""
    on_a_file = invoke("--data", str(congress / "forum.yaml"), "speakers", "--forum", FIRST)
    assert on_a_file.exit_code == 2 and "--forum" in on_a_file.stderr


def test_themes_are_the_congress_with_a_forum_by_theme_matrix(congress):
    rows = json.loads(invoke("--data", str(congress), "themes", "-n", "0", "-f", "json").stdout)
    single = {
        row["id"]: row for row in json.loads(invoke("--data", str(congress / "forum.yaml"), "themes", "-n", "0", "-f", "json").stdout)
    }
    assert [row["id"] for row in rows] == list(single)
    for row in rows:
        assert row["count"] == 2 * single[row["id"]]["count"]
        assert row["forums"] == FORUMS
        assert all(item.split("/")[0] in FORUMS for item in row["contributions"] + row["speakers"])
    table = invoke("--data", str(congress), "themes", "-n", "0").stdout
    assert "Which forum touched which theme" in table and f" 2  {SECOND_FORUM}" in table
    markdown = invoke("--data", str(congress), "themes", "-f", "markdown").stdout
    assert f"| Theme | `{FIRST}` | `{SECOND_FORUM}` |" in markdown


@pytest.mark.parametrize("limit", [1, 2, 3, 5])
def test_a_congress_themes_lists_are_the_first_of_every_forums_in_turn(congress, limit):
    """Each list of a theme's row is the first ``limit`` of the forums' own lists, forum after forum, ids qualified;
    counts are every forum's added up, whatever the limit."""

    def whole(path):
        return {row["id"]: row for row in json.loads(invoke("--data", str(path), "themes", "-n", "0", "-f", "json").stdout)}

    forums = {FIRST: whole(congress / "forum.yaml"), SECOND_FORUM: whole(congress / "second.yaml")}

    def qualified(forum, value):
        return f"{forum}/{value}" if isinstance(value, str) else {**value, "candidates": [f"{forum}/{c}" for c in value["candidates"]]}

    rows = json.loads(invoke("--data", str(congress), "themes", "-n", str(limit), "-f", "json").stdout)
    assert len(rows) == limit
    for row in rows:
        for key in ("contributions", "speakers", "uncertain_speakers"):
            every = [qualified(forum, value) for forum, themes in forums.items() for value in themes[row["id"]][key]]
            assert row[key] == every[:limit], (row["id"], key)
        assert row["count"] == sum(themes[row["id"]]["count"] for themes in forums.values())


def test_search_ranks_every_forums_hits_together(congress):
    hits = json.loads(invoke("--data", str(congress), "search", "immune", "-n", "0", "-f", "json").stdout)
    alone = json.loads(invoke("--data", str(congress / "forum.yaml"), "search", "immune", "-n", "0", "-f", "json").stdout)
    assert len(hits) == 2 * len(alone)
    assert [hit["rank"] for hit in hits] == list(range(1, len(hits) + 1))
    assert [hit["score"] for hit in hits] == sorted((hit["score"] for hit in hits), reverse=True)
    assert {hit["forum"] for hit in hits[:2]} == set(FORUMS)  # the same document in each forum ranks the same


def test_summary_is_the_congress_its_forums_and_its_first_contributions(congress):
    document = json.loads(invoke("--data", str(congress), "summary", "-n", "0", "-f", "json").stdout)
    assert document["congress"]["name"] == "2024 China BioMed Innovation and Investment Conference (CBIIC)"
    assert document["counts"] == {"forums": 2, "people": 20, "contributions": 22}
    assert [forum["id"] for forum in document["forums"]] == FORUMS
    assert document["forums"][1]["name"] == "Second Test Forum"
    said = [(row["forum"], row["id"]) for row in document["contributions"]]
    assert len(said) == 22 and [forum for forum, _ in said] == [FIRST] * 11 + [SECOND_FORUM] * 11
    assert all(key.startswith(f"{forum}/") for forum, key in said)
    shown = invoke("--data", str(congress), "summary", "-n", "3", "-f", "json")
    assert len(json.loads(shown.stdout)["contributions"]) == 3 and "3 of 22 contributions" in shown.stderr
    # One forum asked for: its own whole summary, its rows qualified.
    alone = json.loads(invoke("--data", str(congress), "summary", "--forum", SECOND_FORUM, "-f", "json").stdout)
    assert alone["forum"] == SECOND_FORUM and alone["name"] == "Second Test Forum"
    assert all(row["id"].startswith(f"{SECOND_FORUM}/") for row in alone["talks"])
    table = invoke("--data", str(congress), "summary").stdout
    assert "2 forums · 20 people" in table and f"{SECOND_FORUM}/opening-speech" in table


def test_a_one_forum_congress_answers_exactly_as_its_file(tmp_path):
    directory = make_congress(tmp_path / "one")
    (directory / "second.yaml").unlink()
    congress_text = (directory / "congress.yaml").read_text(encoding="utf-8")
    (directory / "congress.yaml").write_text(congress_text[: congress_text.rindex("  - file: second.yaml")], encoding="utf-8")
    for argv in ONE_OF_EACH_COMMAND.values():
        for fmt in ("table", "json", "csv"):
            from_directory = invoke("--data", str(directory), *argv, "-f", fmt)
            from_file = invoke("--data", str(directory / "forum.yaml"), *argv, "-f", fmt)
            assert (from_directory.exit_code, from_directory.stdout, from_directory.stderr) == (
                from_file.exit_code,
                from_file.stdout,
                from_file.stderr,
            ), argv
            assert '"forum"' not in from_directory.stdout


def test_validate_checks_every_file_and_the_links_between_them(congress):
    result = invoke("--data", str(congress), "validate")
    assert result.exit_code == 0, result.stdout
    assert result.stdout.splitlines()[-1] == f"{congress}: congress of 2 forums; its forums hold together"
    second = congress / "second.yaml"
    old = RENAMED[0]
    second.write_text(
        second.read_text(encoding="utf-8").replace(f"[oncology-drugs/{old}]", "[oncology-drugs/nobody, elsewhere/x]"), encoding="utf-8"
    )
    listed = congress / "congress.yaml"
    listed.write_text(
        listed.read_text(encoding="utf-8").replace('published: "2025-03-10 10:19"', 'published: "2025-03-11"', 1), encoding="utf-8"
    )
    result = invoke("--data", str(congress), "validate", "-f", "json")
    assert result.exit_code == 1
    problems = json.loads(result.stdout)
    text = second.read_text(encoding="utf-8").splitlines()
    by_message = {problem["message"].split(";")[0]: problem for problem in problems}
    nobody = by_message["forum.yaml has no person 'nobody'"]
    assert nobody["file"] == str(second) and nobody["path"].endswith(".same_as[0]")
    assert "oncology-drugs/nobody" in text[nobody["line"] - 1][nobody["column"] - 1 :]
    assert any(problem["path"].endswith(".same_as[1]") and "no forum 'elsewhere'" in problem["message"] for problem in problems)
    published = next(problem for problem in problems if problem["path"] == "forums[0].article.published")
    assert published["file"] == str(listed) and published["line"] is not None


def test_validate_refuses_one_theme_id_defined_two_ways(congress):
    second = congress / "second.yaml"
    second.write_text(
        second.read_text(encoding="utf-8").replace("label: Medical insurance\n", "label: Insurance of all kinds\n", 1), encoding="utf-8"
    )
    result = invoke("--data", str(congress), "validate")
    assert result.exit_code == 1
    assert "themes[" in result.stdout and "theme 'insurance' is defined differently in forum.yaml" in result.stdout
    query = invoke("--data", str(congress), "themes")
    assert query.exit_code == 1 and query.stderr.count("\n") == 1 and "theme 'insurance' is defined differently" in query.stderr


def test_congress_themes_are_every_forums(congress, tmp_path):
    """A theme defined once in congress.yaml, used by both forums, which no longer define it."""
    import yaml

    theme_block = None
    for path in (congress / "forum.yaml", congress / "second.yaml"):
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
        theme_block = next(theme for theme in document["themes"] if theme["id"] == "insurance")
        document["themes"] = [theme for theme in document["themes"] if theme["id"] != "insurance"]
        path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    broken = invoke("--data", str(congress / "forum.yaml"), "validate")
    assert broken.exit_code == 1 and "insurance" in broken.stdout  # alone, the file no longer resolves its key points
    listed = congress / "congress.yaml"
    listed.write_text(
        listed.read_text(encoding="utf-8") + "\nthemes:\n" + yaml.safe_dump([theme_block], allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )
    assert invoke("--data", str(congress), "validate").exit_code == 0
    rows = json.loads(invoke("--data", str(congress), "theme", "insurance", "-n", "0", "-f", "json").stdout)
    alone = json.loads(invoke("--data", str(make_congress(tmp_path / "again") / "forum.yaml"), "theme", "insurance", "-f", "json").stdout)
    assert {row["forum"] for row in rows} == set(FORUMS) and len(rows) == 2 * len(alone)


@pytest.mark.skipif(ARTICLE is None, reason=NO_ARTICLE)
def test_validate_source_holds_each_forum_to_its_own_article(congress, tmp_path):
    articles = tmp_path / "articles"
    articles.mkdir()
    shutil.copy(ARTICLE, articles / ARTICLE.name)
    result = invoke("--data", str(congress), "validate", "--source", str(articles))
    # The second forum's name is made up: held to the first's article, that is its one problem, placed.
    assert result.exit_code == 1, result.stdout
    assert result.stdout.count("holds to it (all four checks pass)") == 1
    (problem,) = [line for line in result.stdout.splitlines() if "does not appear verbatim" in line]
    line = (congress / "second.yaml").read_text(encoding="utf-8").splitlines().index("  name: Second Test Forum") + 1
    assert problem.startswith(f"{congress / 'second.yaml'}:{line}:9: forum.name: the forum name 'Second Test Forum'")
    # Given an article of its own (ours: the first's, naming it), it holds to that one.
    lines = ARTICLE.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = lines[2].replace("Oncology Drugs Clinical Research Forum", "Second Test Forum")
    (articles / "second-article.txt").write_text("".join(lines), encoding="utf-8")
    for name in ("second.yaml", "congress.yaml"):
        path = congress / name
        text = path.read_text(encoding="utf-8")
        if name == "second.yaml":
            text = text.replace(f"file: {ARTICLE.name}", "file: second-article.txt")
        else:
            text = text[: text.index("file: second.yaml")] + text[text.index("file: second.yaml") :].replace(
                ARTICLE.name, "second-article.txt"
            )
        path.write_text(text, encoding="utf-8")
    result = invoke("--data", str(congress), "validate", "--source", str(articles))
    assert result.exit_code == 0, result.stdout
    assert result.stdout.count("holds to it (all four checks pass)") == 2
    assert "congress.yaml against" in result.stdout
    one_file = invoke("--data", str(congress), "validate", "--source", str(ARTICLE))
    assert one_file.exit_code == 2 and "directory" in one_file.stderr


def test_the_congress_answers_from_its_stores_and_sees_every_change(congress, tmp_path):
    """Answered twice (the second time from the stores built after the first), then after adding, editing and removing files."""
    first = invoke("--data", str(congress), "forums", "-f", "json").stdout
    assert invoke("--data", str(congress), "forums", "-f", "json").stdout == first
    third = congress / "third.yaml"
    third.write_text(
        (congress / "second.yaml").read_text(encoding="utf-8").replace(f"\nid: {SECOND_FORUM}\n", "\nid: third\n"), encoding="utf-8"
    )
    assert [row["id"] for row in json.loads(invoke("--data", str(congress), "forums", "-f", "json").stdout)] == [*FORUMS, "third"]
    third.write_text(third.read_text(encoding="utf-8").replace("name: Second Test Forum", "name: Third Test Forum"), encoding="utf-8")
    names = [row["name"] for row in json.loads(invoke("--data", str(congress), "forums", "-f", "json").stdout)]
    assert names[-1] == "Third Test Forum"
    third.unlink()
    assert invoke("--data", str(congress), "forums", "-f", "json").stdout == first


def test_markdown_of_the_congress_has_a_section_per_forum(congress):
    """Read by a CommonMark parser: each forum's agenda and summary is a section of its own, a level down."""
    from markdown_it import MarkdownIt

    def headings(text: str) -> list[tuple[str, str]]:
        tokens = MarkdownIt("commonmark").parse(text)
        return [(token.tag, tokens[number + 1].content) for number, token in enumerate(tokens) if token.type == "heading_open"]

    agenda = headings(invoke("--data", str(congress), "agenda", "-n", "0", "-f", "markdown").stdout)
    assert agenda[0] == ("h1", "Each forum: opening, sessions, talks and panel")
    assert [content for tag, content in agenda if tag == "h2"] == [f"Forum `{FIRST}`", f"Forum `{SECOND_FORUM}`"]
    assert {content for tag, content in agenda if tag == "h3"} == {"Opening", "Sessions", "Talks (“talk” is our word)", "Panel"}
    summary = headings(invoke("--data", str(congress), "summary", "-f", "markdown").stdout)
    assert summary[0] == ("h1", "2024 China BioMed Innovation and Investment Conference (CBIIC), Guangzhou, 2024")
    assert [content for tag, content in summary if tag == "h2"] == ["Forums", "Contributions"]
    assert all(tag in ("h1", "h2", "h3") for tag, _ in summary)
