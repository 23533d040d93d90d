"""`cbiic draft ARTICLE`: a cited skeleton of a forum file, measured against the curated model and a made-up article.

The shipped article's tests skip when it is absent (see support.find_article). The second article,
tests/fixtures/next_forum_article.txt, is ours: made-up people in the same house style, with a namesake
pair and a later mention that does not say which namesake it means. Its answer key is below, written
from the article, not from the drafter's output.
"""

from __future__ import annotations

import datetime
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from draft_figures import figures, invented
from support import ARTICLE, NO_ARTICLE, REPO, SHIPPED, invoke, json_strings

from cbiic_cli.placeholders import MARKER, is_placeholder
from cbiic_cli.provenance import words

NEXT_FORUM = REPO / "tests" / "fixtures" / "next_forum_article.txt"
needs_article = pytest.mark.skipif(ARTICLE is None, reason=NO_ARTICLE)
BOTH_ARTICLES = [pytest.param(ARTICLE, marks=needs_article, id="shipped"), pytest.param(NEXT_FORUM, id="next-forum")]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)
    monkeypatch.delenv("CBIIC_SOURCE", raising=False)


def drafted(article: Path, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "draft.yaml"
    result = invoke("draft", str(article), "-o", str(path))
    assert result.exit_code == 0, result.stderr
    return path, yaml.safe_load(path.read_text(encoding="utf-8"))


def article_lines(article: Path) -> list[str]:
    return article.read_text(encoding="utf-8").split("\n")


# -- measured against the shipped model ------------------------------------------------------


@needs_article
def test_the_shipped_article_is_drafted_as_the_curated_model_has_it(tmp_path):
    """The figures of issue 22 (print them with `python tests/draft_figures.py`), against data/forum.yaml."""
    _, draft = drafted(ARTICLE, tmp_path)
    curated = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    found = figures(draft, curated, article_lines(ARTICLE))
    people = len(curated["people"])
    assert found["people found"] == (people, people)
    assert found["names exact"] == (people, people)
    assert found["namesakes kept apart"]
    exact, out_of = found["positions and organisations exact"]
    assert exact / out_of >= 0.9
    assert found["titles exact"][0] == found["titles exact"][1] == 3
    assert found["panel moderator uncertain between the same candidates"]
    assert found["panel closing uncertain between the same candidates"]
    assert found["strings not on their cited line"] == []
    assert found["wrong person on a contribution"] == []


@needs_article
def test_the_measure_catches_a_wrong_speaker_a_changed_position_and_an_invented_string(tmp_path):
    """The figures can fail: each planted error shows in its own figure."""
    _, draft = drafted(ARTICLE, tmp_path)
    curated = yaml.safe_load(SHIPPED.read_text(encoding="utf-8"))
    namesakes = [p["slug"] for p in draft["people"] if p["name"] == "Ma Jun"]
    draft["talks"][0]["speaker"] = namesakes[0]  # the talk of the other Ma Jun
    draft["people"][-1]["affiliations"][0]["position"] = "Managing Partner"
    draft["forum"]["city"] = "Shanghai"
    found = figures(draft, curated, article_lines(ARTICLE))
    assert found["wrong person on a contribution"] == [f"talk {draft['talks'][0]['id']}"]
    assert found["positions and organisations exact"][0] == len(curated["people"]) - 1
    assert found["strings not on their cited line"] == [("forum.city", "Shanghai")]


# -- a new article in the same style, with a known answer -------------------------------------

NEXT_FORUM_PEOPLE = [  # name, honorific, (position, organisation) as the article writes them
    (
        "Chen Hao",
        "Professor",
        [("Chairman", "Cell Therapy Alliance of Guangdong Province"), ("Director", "Nanling Institute of Regenerative Medicine")],
    ),
    (
        "Tang Meiling",
        None,
        [
            ("Deputy Secretary-General", "Cell Therapy Alliance of Guangdong Province"),
            ("Head of Cell Manufacturing platform", "Pearl River Medical Center"),
        ],
    ),
    ("Chen Hao", None, [("Academician", "Chinese Academy of Engineering"), ("President", "Lingnan University Children’s Hospital")]),
    (
        "Gu Wenjie",
        "Professor",
        [("Dean", "School of Pharmacy, Nanling University"), ("Director", "Key Laboratory of Viral Vectors of Guangdong Province")],
    ),
    ("Pan Xiaoyu", None, [("Vice President of Clinical Operations", "Baiyun Biologics")]),
    ("Shi Lei", "Dr.", [("Chief Executive Officer", "Qinghe Capital")]),
    ("Fang Yuting", None, [("Head of Market Access", "Kexin Pharmaceuticals")]),
    ("Ruan Zhiqiang", "Dr.", [("Co-Founder, Managing Director", "Songshan Ventures")]),
]


def test_a_new_article_gives_every_named_person_with_their_positions_as_written(tmp_path):
    _, draft = drafted(NEXT_FORUM, tmp_path)
    organisations = {o["id"]: o["name"] for o in draft["organisations"]}
    people = [
        (p["name"], p.get("honorific"), [(a["position"], organisations[a["organisation"]]) for a in p.get("affiliations", [])])
        for p in draft["people"]
    ]
    assert people == NEXT_FORUM_PEOPLE
    assert invented(draft, article_lines(NEXT_FORUM)) == []


def test_a_new_article_gives_its_forum_talks_and_panel_with_the_namesakes_uncertain(tmp_path):
    _, draft = drafted(NEXT_FORUM, tmp_path)
    slug = {(p["name"], p.get("honorific")): p["slug"] for p in draft["people"]}
    chen_harbin, chen_academician = slug[("Chen Hao", "Professor")], slug[("Chen Hao", None)]
    forum = draft["forum"]
    assert (forum["name"], forum["conference"], forum["city"], forum["date"]) == (
        "Cell and Gene Therapy Translation Forum",
        "2024 China BioMed Innovation and Investment Conference (CBIIC)",
        "Guangzhou",
        datetime.date(2024, 12, 1),
    )
    assert draft["opening"]["speaker"] == chen_harbin
    assert [(s["name"], s["moderator"]) for s in draft["sessions"]] == [
        ("first session", chen_harbin),
        ("second session", slug[("Tang Meiling", None)]),
    ]
    assert all("talks" not in session for session in draft["sessions"])  # the article gives no session's talks
    assert [(t["speaker"], t.get("title")) for t in draft["talks"]] == [
        (chen_academician, "Gene Editing for Inherited Blood Disorders"),
        (slug[("Gu Wenjie", "Professor")], "Manufacturing Viral Vectors at Scale"),
        (slug[("Pan Xiaoyu", None)], None),
        (slug[("Shi Lei", "Dr.")], None),
    ]
    assert all(is_placeholder(t["topic"]) for t in draft["talks"] if "title" not in t)
    panel = draft["panel"]
    assert panel["title"] == "Paying for One-time Cures: Access, Insurance and Value"
    for ref in (panel["moderator"], panel["closing"]["speaker"]):
        assert ref["as_written"] == "Professor Chen Hao"
        assert ref["candidates"] == [chen_harbin, chen_academician]
    panelists = [slug[key] for key in [("Tang Meiling", None), ("Fang Yuting", None), ("Ruan Zhiqiang", "Dr."), ("Pan Xiaoyu", None)]]
    assert panel["panelists"] == panelists
    assert [r["speaker"] for r in panel["remarks"]] == panelists


def test_namesakes_cite_only_the_lines_that_introduce_them(tmp_path):
    """A later "Professor Chen Hao" is neither of them: no namesake cites the panel's line."""
    _, draft = drafted(NEXT_FORUM, tmp_path)
    chens = [p for p in draft["people"] if p["name"] == "Chen Hao"]
    assert [p["source_paragraphs"] for p in chens] == [[4], [6]]
    assert len({p["slug"] for p in chens}) == 2
    assert all(is_placeholder(p["note"]["text"]) for p in chens)


def test_a_talk_by_a_name_two_people_share_is_given_to_neither(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(
        "Headline\n2025-01-01 10:00\n"
        "Professor Wang Hai, Director of Nanling Institute of Oncology, delivered the opening speech.\n"
        "Wang Hai, President of Baiyun Biologics, discussed how trials are run.\n"
        "Professor Wang Hai emphasized that trials must be faster.\n",
        encoding="utf-8",
    )
    _, draft = drafted(article, tmp_path)
    first, second = (p["slug"] for p in draft["people"])
    assert draft["opening"]["speaker"] == first
    assert [t["speaker"] for t in draft["talks"]] == [
        second,
        {"as_written": "Professor Wang Hai", "candidates": [first, second], "note": draft["talks"][1]["speaker"]["note"]},
    ]
    assert draft["talks"][1]["speaker"]["note"]["source_paragraphs"] == [3, 4, 5]


def test_a_broken_draft_lists_its_problems_and_its_placeholders(tmp_path):
    path, _ = drafted(NEXT_FORUM, tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("  city: Guangzhou\n", "  city: Guangzhou\n  mayor: nobody\n"), encoding="utf-8")
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    listed = result.stdout.splitlines()
    assert "forum.mayor: unknown field 'mayor'" in listed[0]
    assert sum(": still to write: " in line for line in listed) == text.count(f"'{MARKER}: ") + text.count(f'"{MARKER}: ')
    assert listed[-1] == f"{path}: invalid ({len(listed) - 1} problems)"


def test_the_article_s_publication_date_is_never_the_forum_s(tmp_path):
    lines = article_lines(NEXT_FORUM)
    lines[2] = lines[2].replace("On December 1st, 2024, the", "The")
    undated = tmp_path / "undated.txt"
    undated.write_text("\n".join(lines), encoding="utf-8")
    path, draft = drafted(undated, tmp_path)
    assert is_placeholder(draft["forum"]["date"])
    result = invoke("validate", str(path), "--source", str(undated))
    assert "forum.date: still to write" in result.stdout
    assert "expected a date" not in result.stdout  # a placeholder is one problem, not two


# -- validate lists a draft's placeholders, and nothing else ----------------------------------


@pytest.mark.parametrize("article", BOTH_ARTICLES)
def test_validate_on_a_fresh_draft_lists_exactly_its_placeholders(article, tmp_path):
    path, draft = drafted(article, tmp_path)
    result = invoke("validate", str(path), "--source", str(article))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    marked = [n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if MARKER in line and not line.startswith("#")]
    listed = [line for line in lines if ": still to write: " in line]
    assert [int(line.split(":")[1]) for line in listed] == marked
    assert all(line.startswith(f"{path}:") for line in listed)
    placeholders = sum(is_placeholder(text) for text in json_strings(draft))
    assert len(listed) == placeholders
    assert lines[len(listed) :] == [
        f"{path}: a draft, {placeholders} placeholders still to write (marked {MARKER}); write each one, then validate again",
        f"{path} against {article}: the rest holds to it; whether every sentence is covered is checked once nothing is left to write",
    ]


def test_validate_json_gives_each_placeholder_with_its_place(tmp_path):
    path, draft = drafted(NEXT_FORUM, tmp_path)
    records = json.loads(invoke("validate", str(path), "--format", "json").stdout)
    assert len(records) == sum(is_placeholder(text) for text in json_strings(draft))
    assert all(r["file"] == str(path) and r["line"] and r["column"] and r["message"].startswith("still to write") for r in records)
    assert {"forum.aims[0]", "talks[0].summary", "panel.closing.speaker.note.text", "organisations[0].kind"} <= {r["path"] for r in records}


@pytest.mark.parametrize("article", BOTH_ARTICLES)
def test_once_its_placeholders_are_written_the_draft_passes(article, tmp_path):
    path, draft = drafted(article, tmp_path)
    lines = article_lines(article)
    path.write_text(yaml.safe_dump(written(draft, lines), allow_unicode=True, sort_keys=False), encoding="utf-8")
    result = invoke("validate", str(path), "--source", str(article))
    assert result.stdout.splitlines()[-1] == f"{path} against {article}: holds to it (all four checks pass)"
    assert result.exit_code == 0, result.stdout


def test_a_draft_never_answers_a_query(tmp_path):
    path, _ = drafted(NEXT_FORUM, tmp_path)
    result = invoke("--data", str(path), "speakers")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert re.match(rf"cbiic: {re.escape(str(path))}:\d+:\d+: forum\.aims\[0\]: still to write: ", result.stderr)


def test_a_placeholder_anywhere_in_a_curated_file_is_refused(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8").replace("  city: Guangzhou\n", f"  city: '{MARKER}: the city'\n")
    path = tmp_path / "forum.yaml"
    path.write_text(text, encoding="utf-8")
    line = text.splitlines().index(f"  city: '{MARKER}: the city'") + 1
    result = invoke("validate", str(path))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:{line}:9: forum.city: still to write: '{MARKER}: the city'",
        f"{path}: a draft, 1 placeholder still to write (marked {MARKER}); write each one, then validate again",
    ]


def written(value: Any, lines: list[str], cited: list[int] | None = None, key: str = "") -> Any:
    """The draft as a curator might finish it: each summary and aim in the cited lines' words, re-ordered (so it covers
    every sentence and copies no run of them), each other placeholder in words of ours."""
    if isinstance(value, dict):
        here = value.get("source_paragraphs", cited)
        return {k: written(v, lines, here, k) for k, v in value.items()}
    if isinstance(value, list):
        return [written(item, lines, cited, key) for item in value]
    if not is_placeholder(value):
        return value
    if key == "kind":
        return "company"
    if key in ("summary", "aims"):
        return " ".join(sorted({word for n in cited for word in words(lines[n - 1])})) + "."
    return "Written by the curator."


# -- bad input: one line, what and where and how to fix it ------------------------------------


def refused(*args: str) -> str:
    result = invoke("draft", *args)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("cbiic: ")
    return result.stderr


def test_a_missing_article_is_named(tmp_path):
    assert refused(str(tmp_path / "nope.txt")) == (
        f"cbiic: {tmp_path / 'nope.txt'}: no such file; pass the article as a plain-text file to cbiic draft\n"
    )


def test_a_directory_is_not_an_article(tmp_path):
    assert "is a directory; pass the article's plain-text file to cbiic draft" in refused(str(tmp_path))


def test_an_article_that_is_not_utf8_is_located(tmp_path):
    article = tmp_path / "latin1.txt"
    article.write_bytes("Headline\n2025-01-01\nProfessor Zh\xe9ng\n".encode("latin-1"))
    assert refused(str(article)) == f"cbiic: {article}:3: is not UTF-8 text; save the article as UTF-8 plain text, one paragraph per line\n"


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_an_empty_article_is_refused(text, tmp_path):
    article = tmp_path / "empty.txt"
    article.write_text(text, encoding="utf-8")
    assert refused(str(article)) == f"cbiic: {article}: is empty; give the article as plain text, one paragraph per line\n"


def test_an_article_that_names_no_one_is_refused(tmp_path):
    article = tmp_path / "recipe.txt"
    article.write_text("Bread\n2025-01-01\nMix flour and water. Bake it for an hour.\n", encoding="utf-8")
    assert "names no one in the way the drafter reads names" in refused(str(article))


def test_an_existing_file_is_kept_without_force_and_replaced_with_it(tmp_path):
    target = tmp_path / "mine.yaml"
    target.write_text("my own work\n", encoding="utf-8")
    assert (
        refused(str(NEXT_FORUM), "-o", str(target))
        == f"cbiic: {target} exists; pass --force to overwrite it, or give another name with -o\n"
    )
    assert target.read_text(encoding="utf-8") == "my own work\n"
    assert invoke("draft", str(NEXT_FORUM), "-o", str(target), "--force").exit_code == 0
    assert "people:" in target.read_text(encoding="utf-8")


def test_the_draft_never_replaces_its_article(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(NEXT_FORUM.read_text(encoding="utf-8"), encoding="utf-8")
    assert "is the article itself" in refused(str(article), "-o", str(article), "--force")
    assert article.read_text(encoding="utf-8") == NEXT_FORUM.read_text(encoding="utf-8")


def test_an_output_directory_is_refused(tmp_path):
    assert refused(str(NEXT_FORUM), "-o", str(tmp_path)) == f"cbiic: cannot write {tmp_path}: it is a directory; give a file name with -o\n"


def test_without_o_the_draft_goes_to_stdout_and_the_summary_to_stderr():
    result = invoke("draft", str(NEXT_FORUM))
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout)["people"][0]["name"] == "Chen Hao"
    assert result.stderr.startswith("cbiic: drafted 8 people, 11 organisations, 4 talks, a panel with 4 remarks; ")
    assert f"cbiic validate FILE --source {NEXT_FORUM} lists them" in result.stderr


def test_the_installed_command_exits_1_with_one_line_and_no_traceback(tmp_path):
    cbiic = Path(sys.executable).with_name("cbiic")
    missing = subprocess.run([str(cbiic), "draft", str(tmp_path / "nope.txt")], capture_output=True, text=True)
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
    target = tmp_path / "draft.yaml"
    made = subprocess.run([str(cbiic), "draft", str(NEXT_FORUM), "-o", str(target)], capture_output=True, text=True)
    assert (made.returncode, made.stdout) == (0, "")
    again = subprocess.run([str(cbiic), "draft", str(NEXT_FORUM), "-o", str(target)], capture_output=True, text=True)
    assert again.returncode == 1 and "exists; pass --force" in again.stderr
