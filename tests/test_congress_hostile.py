"""Hostile tests of a congress (``--data DIR``): broken congress.yaml, odd forum files and ids, references with odd
shapes, same_as links, --forum, themes and search across forums, stale stores, concurrency and pipes.

Each attack that holds is a plain test. Each bug found is a test of what should happen, marked
``xfail(strict=True)`` with the bug in its reason: it fails today, and the file starts failing (XPASS) the day the
bug is fixed, so the mark can go.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from support import ARTICLE, NO_ARTICLE, REPO, SECOND_FORUM, invoke, make_congress

FIRST = "oncology-drugs"
THIRD = "third-forum"
FORMATS = ["table", "json", "jsonl", "csv", "tsv", "markdown"]
SLUG = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")
ARTICLES = ARTICLE.parent if ARTICLE is not None else None  # the directory of the (one) source article


@pytest.fixture(scope="module")
def cache_home(tmp_path_factory):
    """One cache for the module: each test's congress is at a path of its own, so its stores are its own."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def private_cache(cache_home, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache_home))
    for name in ("CBIIC_DATA", "CBIIC_NO_CACHE", "CBIIC_SOURCE", "NO_COLOR", "COLUMNS", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def congress(tmp_path):
    return make_congress(tmp_path / "congress")


def run(directory: Path | str, *args: str, env: dict[str, str] | None = None):
    return invoke("--data", str(directory), *args, env=env)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def one_line_error(result, code: int = 1) -> str:
    """Exit ``code``, nothing on stdout, one `cbiic: ` line on stderr, no traceback."""
    assert result.exit_code == code, (result.exit_code, result.stdout[-500:], result.stderr[-1500:])
    assert result.stdout == "", result.stdout[-500:]
    assert result.stderr.startswith("cbiic: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def add_third_forum(directory: Path) -> Path:
    """A third forum (a copy of the second, its own id, name and date; its renamed person linked to the first's)."""
    second = (directory / "second.yaml").read_text(encoding="utf-8")
    third = second.replace(f"\nid: {SECOND_FORUM}\n", f"\nid: {THIRD}\n", 1).replace(
        "  name: Second Test Forum\n", "  name: Third Test Forum\n", 1
    )
    third = third.replace("  date: 2024-11-30\n", "  date: 2024-12-01\n", 1)
    (directory / "third.yaml").write_text(third, encoding="utf-8")
    congress_yaml = directory / "congress.yaml"
    text = congress_yaml.read_text(encoding="utf-8")
    entry = text[text.index("  - file: second.yaml") :]
    congress_yaml.write_text(text + entry.replace("file: second.yaml", "file: third.yaml"), encoding="utf-8")
    return directory


@pytest.fixture
def congress3(tmp_path):
    return add_third_forum(make_congress(tmp_path / "congress3"))


@pytest.fixture(scope="module")
def shared3(tmp_path_factory):
    """A congress of three forums that no test changes."""
    return add_third_forum(make_congress(tmp_path_factory.mktemp("shared") / "congress3"))


# ----------------------------------------------------------------------------------------------------------------
# congress.yaml that is not what it should be
# ----------------------------------------------------------------------------------------------------------------

BROKEN_CONGRESS_YAML = {
    "a list": b"- a\n- b\n",
    "a scalar": b"hello\n",
    "binary": b"congress:\x00\xff\xfe\n",
    "not UTF-8": b"congress:\n  name: \xff\xfe\n",
    "duplicate keys": b"congress:\n  name: a\ncongress:\n  name: b\n",
    "unknown keys": b"congress: {name: x, year: 2024, city: y, source_forum: forum.yaml, source_paragraphs: [3]}\nfoo: 1\n",
    "wrong types": b"congress: {name: x, year: '2024', city: y, source_forum: forum.yaml, source_paragraphs: [3]}\n",
    "forums not a list": b"congress: {name: x, year: 2024, city: y, source_forum: forum.yaml, source_paragraphs: [3]}\nforums: 3\n",
    "themes not a list": b"congress: {name: x, year: 2024, city: y, source_forum: forum.yaml, source_paragraphs: [3]}\nthemes: {a: 1}\n",
    "deep nesting": b"themes: " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "a tag": b"congress: !!python/object:os.system {}\n",
    "an alias bomb": b"a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
    "file escapes the directory": None,  # made below from the real one
}


@pytest.mark.parametrize("kind", list(BROKEN_CONGRESS_YAML))
def test_a_broken_congress_yaml_is_one_clear_line_for_queries_and_located_by_validate(congress, kind):
    path = congress / "congress.yaml"
    data = BROKEN_CONGRESS_YAML[kind]
    if data is None:
        data = path.read_bytes().replace(b"- file: second.yaml", b"- file: ../second.yaml")
    path.write_bytes(data)
    error = one_line_error(run(congress, "forums"))
    assert "congress.yaml" in error
    assert run(congress, "speakers").stderr == error  # another query: the same refusal, nothing cached
    verdict = invoke("validate", str(congress))
    assert verdict.exit_code == 1 and verdict.stderr == ""
    assert f"{congress}/congress.yaml: invalid (" in verdict.stdout
    assert "its forums are checked together once congress.yaml is valid" in verdict.stdout.splitlines()[-1]


def test_an_empty_congress_yaml_is_refused(congress):
    (congress / "congress.yaml").write_text("", encoding="utf-8")
    one_line_error(run(congress, "speakers"))


def test_an_empty_congress_yaml_says_what_congress_yaml_holds(congress):
    (congress / "congress.yaml").write_text("", encoding="utf-8")
    error = one_line_error(run(congress, "speakers"))
    assert "`people`" not in error and "congress" in error.split("congress.yaml", 1)[1]


def test_the_hint_to_list_congress_yaml_problems_lists_them(congress):
    (congress / "congress.yaml").write_text("congress: {name: x}\nfoo: 1\n", encoding="utf-8")
    error = one_line_error(run(congress, "forums"))
    hinted = re.search(r"run `cbiic (validate [^`]+)`", error)
    assert hinted, error
    listed = invoke(*hinted.group(1).split())
    first_problem = error.split(": ", 2)[2].split(" (and ")[0]
    assert first_problem in listed.stdout, listed.stdout
    assert invoke("validate", str(REPO / "data" / "congress.yaml")).exit_code == 0


def test_a_forum_file_outside_the_directory_is_explained_as_a_file_name(congress):
    edit(congress / "congress.yaml", "- file: second.yaml", "- file: ../second.yaml")
    error = one_line_error(run(congress, "forums"))
    assert "valid id" not in error and "second-yaml" not in error


def test_a_forum_listed_twice_in_congress_yaml_is_a_problem(congress):
    text = (congress / "congress.yaml").read_text(encoding="utf-8")
    entry = text[text.index("  - file: forum.yaml") : text.index("  - file: second.yaml")]
    (congress / "congress.yaml").write_text(text + entry, encoding="utf-8")
    assert invoke("validate", str(congress)).exit_code == 1


def test_congress_yaml_naming_a_directory_is_a_problem_for_validate(congress):
    (congress / "sub.yaml").mkdir()
    edit(congress / "congress.yaml", "- file: second.yaml", "- file: sub.yaml")
    result = invoke("validate", str(congress))
    assert result.exit_code == 1
    # sub.yaml is a forum file by its name, and one that cannot be read: refused by name, never skipped.
    assert re.search(r"sub\.yaml: is a directory", result.stdout)
    assert "1 forum file is invalid" in result.stdout.splitlines()[-1]


def test_a_shared_theme_defined_differently_by_a_forum_is_refused_and_located(congress):
    with (congress / "congress.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "themes:\n  - id: ai\n    label: Artificial intelligence!\n"
            "    description: Artificial intelligence and deep learning applied to radiotherapy, experimental design or data management.\n"
        )
    error = one_line_error(run(congress, "themes"))
    assert re.search(r"forum\.yaml:\d+:\d+: themes\[0\]\.id: theme 'ai' is defined differently in congress\.yaml", error)
    result = invoke("validate", str(congress))
    assert result.exit_code == 1
    assert result.stdout.count("is defined differently in congress.yaml") == 2


def test_validate_verdict_does_not_say_hold_together_when_no_forum_is_valid(congress):
    with (congress / "congress.yaml").open("a", encoding="utf-8") as handle:
        handle.write("themes:\n  - id: ai\n    label: AI\n    description: x.\n")
    result = invoke("validate", str(congress))
    assert result.exit_code == 1
    assert "hold together" not in result.stdout.splitlines()[-1]


def test_an_identical_shared_theme_is_accepted(congress):
    with (congress / "congress.yaml").open("a", encoding="utf-8") as handle:
        handle.write(
            "themes:\n  - id: ai\n    label: Artificial intelligence\n    aliases: []\n"
            "    description: Artificial intelligence and deep learning applied to radiotherapy, experimental design or data management.\n"
        )
    assert run(congress, "themes", "-n", "1").exit_code == 0
    assert invoke("validate", str(congress)).exit_code == 0


# ----------------------------------------------------------------------------------------------------------------
# forum files: names, ids, links, symlinks
# ----------------------------------------------------------------------------------------------------------------


def test_two_identical_forum_files_are_refused(tmp_path):
    directory = tmp_path / "twins"
    directory.mkdir()
    for name in ("a.yaml", "b.yaml"):
        shutil.copy(REPO / "data" / "forum.yaml", directory / name)
    error = one_line_error(run(directory, "speakers"))
    assert "b.yaml" in error and "a.yaml" in error and "oncology-drugs" in error
    assert re.search(r"b\.yaml:\d+:\d+: id: forum id 'oncology-drugs' is a\.yaml's too", invoke("validate", str(directory)).stdout)


def test_a_symlink_to_another_forum_file_is_refused(congress):
    (congress / "link.yaml").symlink_to("forum.yaml")
    error = one_line_error(run(congress, "forums"))
    assert "link.yaml" in error and "forum.yaml" in error


def test_an_id_equal_to_another_files_default_id_is_refused(congress):
    edit(congress / "forum.yaml", f"\nid: {FIRST}\n", "\n")  # now 'forum', from its file name
    edit(congress / "second.yaml", f"\nid: {SECOND_FORUM}\n", "\nid: forum\n")
    error = one_line_error(run(congress, "forums"))
    assert "'forum'" in error and "second.yaml" in error


def test_an_id_another_file_is_named_after_is_fine_when_that_file_has_its_own_id(congress):
    edit(congress / "second.yaml", f"\nid: {SECOND_FORUM}\n", "\nid: forum\n")
    rows = csv_rows(run(congress, "forums", "-f", "csv", "--fields", "id,file").stdout)
    assert {(row["id"], row["file"]) for row in rows} == {("forum", "second.yaml"), (FIRST, "forum.yaml")}


@pytest.mark.parametrize("bad", ["a/b", "Second-Forum", "second forum", "-x", ""])
def test_a_forum_id_that_is_no_slug_is_refused(congress, bad):
    edit(congress / "second.yaml", f"\nid: {SECOND_FORUM}\n", f"\nid: {json.dumps(bad)}\n")
    error = one_line_error(run(congress, "forums"))
    assert re.search(r"second\.yaml:\d+:\d+: id", error)


def test_a_forum_file_name_that_is_no_slug_gets_no_unusable_id(congress):
    edit(congress / "second.yaml", f"\nid: {SECOND_FORUM}\n", "\n")
    (congress / "second.yaml").rename(congress / "My Forum.yaml")
    edit(congress / "congress.yaml", "file: second.yaml", "file: My Forum.yaml")
    result = run(congress, "forums", "-f", "csv", "--fields", "id")
    if result.exit_code == 0:
        assert all(SLUG.fullmatch(row["id"]) for row in csv_rows(result.stdout)), result.stdout
    else:
        one_line_error(result)
    assert invoke("validate", str(congress)).exit_code == 1


def test_an_uppercase_file_name_gives_a_lowercase_id_that_resolves(congress):
    edit(congress / "second.yaml", f"\nid: {SECOND_FORUM}\n", "\n")
    (congress / "second.yaml").rename(congress / "Second.yaml")
    edit(congress / "congress.yaml", "file: second.yaml", "file: Second.yaml")
    assert [row["id"] for row in csv_rows(run(congress, "forums", "-f", "csv").stdout)] == [FIRST, "second"]
    for ref in ("second/xue-junli", "Second/xue-junli", "SECOND/Xue Junli"):
        person = json.loads(run(congress, "speaker", ref, "-f", "json").stdout)
        assert person["slug"] == "second/xue-junli"


def test_a_non_utf8_forum_file_name_is_no_internal_error_for_the_table(tmp_path):
    directory = make_congress(tmp_path / "c")
    os.rename(directory / "second.yaml", os.path.join(os.fsencode(directory), b"\xffbad.yaml"))
    (directory / "congress.yaml").unlink()
    result = run(directory, "forums", "-f", "csv", "--fields", "id")  # the file gives its own id
    assert result.exit_code == 0 and SECOND_FORUM in result.stdout


def test_a_non_utf8_forum_file_name_without_id_is_no_internal_error(tmp_path, cbiic_exe, isolated_env):
    directory = make_congress(tmp_path / "c")
    edit(directory / "second.yaml", f"\nid: {SECOND_FORUM}\n", "\n")
    os.rename(directory / "second.yaml", os.path.join(os.fsencode(directory), b"\xffbad.yaml"))
    (directory / "congress.yaml").unlink()
    for fmt in ("json", "jsonl"):
        done = subprocess.run(
            [str(cbiic_exe), "--data", str(directory), "forums", "-f", fmt], capture_output=True, env=isolated_env, timeout=60
        )
        assert done.returncode in (0, 1) and b"internal error" not in done.stderr, done.stderr


@pytest.mark.parametrize("kind", ["dangling", "loop", "directory"])
def test_unreadable_kinds_of_yaml_entries_never_crash_a_query(congress, kind):
    if kind == "dangling":
        (congress / "gone.yaml").symlink_to("nowhere.yaml")
    elif kind == "loop":
        (congress / "loop1.yaml").symlink_to("loop2.yaml")
        (congress / "loop2.yaml").symlink_to("loop1.yaml")
    else:
        (congress / "dir.yaml").mkdir()
    result = run(congress, "forums", "-f", "csv", "--fields", "id")
    assert result.exit_code in (0, 1) and "Traceback" not in result.stderr


@pytest.mark.parametrize("kind", ["dangling forum", "congress.yaml directory"])
def test_validate_does_not_skip_a_yaml_entry_it_cannot_read(congress, kind):
    if kind == "dangling forum":
        (congress / "gone.yaml").symlink_to("nowhere.yaml")
    else:
        (congress / "congress.yaml").unlink()
        (congress / "congress.yaml").mkdir()
    assert invoke("validate", str(congress)).exit_code == 1


# ----------------------------------------------------------------------------------------------------------------
# references: qualified, bare, prefixes
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ref",
    [f" {FIRST} / zheng-limin ", f"{FIRST.upper()}/zheng-limin", f"{FIRST}/ZHENG-LIMIN", f"{FIRST}//zheng-limin", f"{FIRST}/Zheng Limin"],
)
def test_a_qualified_reference_tolerates_case_and_spaces(congress, ref):
    person = json.loads(run(congress, "speaker", ref, "-f", "json").stdout)
    assert person["slug"] == f"{FIRST}/zheng-limin"


@pytest.mark.parametrize(
    "ref", [f"{FIRST}/", "/zheng-limin", "/", f"{FIRST}/zheng-limin/x", f"{FIRST}/{FIRST}/zheng-limin", "nope/zheng-limin"]
)
def test_a_malformed_qualified_reference_is_one_clear_line(congress, ref):
    one_line_error(run(congress, "speaker", ref))
    one_line_error(run(congress, "talk", ref))


def test_a_bare_id_three_forums_share_lists_all_three(shared3):
    error = one_line_error(run(shared3, "speaker", "xue-junli"))
    for forum in (FIRST, SECOND_FORUM, THIRD):
        assert f"{forum}/xue-junli" in error


def test_a_prefix_ambiguous_in_one_forum_is_not_resolved_in_another(congress):
    edit(congress / "second.yaml", "ma-jun-harbin", "xue-jun-harbin", count=-1)
    assert invoke("validate", str(congress)).exit_code == 0
    error = one_line_error(run(congress, "speaker", "xue"))
    assert f"{SECOND_FORUM}/xue-jun-harbin" in error


@pytest.mark.parametrize("ref", ["ma-jun", "Ma Jun", f"{SECOND_FORUM}/ma-jun"])
def test_an_ambiguous_name_lists_qualified_candidates(congress, ref):
    error = one_line_error(run(congress, "speaker", ref))
    assert f"{SECOND_FORUM}/ma-jun-harbin" in error
    assert not re.search(r"(?<![/\w-])ma-jun-(harbin|sysucc)\b", error), error


def test_a_printed_organisation_id_resolves(congress):
    rows = csv_rows(run(congress, "orgs", "roche-pharmaceuticals-china", "-f", "csv", "--fields", "forum,id").stdout)
    assert {row["id"] for row in rows} == {f"{FIRST}/roche-pharmaceuticals-china", f"{SECOND_FORUM}/roche-pharmaceuticals-china"}
    qualified = run(congress, "orgs", f"{FIRST}/roche-pharmaceuticals-china", "-f", "csv", "--fields", "forum,id")
    assert [row["id"] for row in csv_rows(qualified.stdout)] == [f"{FIRST}/roche-pharmaceuticals-china"]


def test_every_printed_person_and_contribution_id_resolves(shared3):
    people: set[str] = set()
    said: set[str] = set()
    for argv in (["speakers", "-n", "0"], ["theme", "insurance", "-n", "0"], ["search", "immune", "-n", "0"], ["agenda", "-n", "0"]):
        for line in run(shared3, *argv, "-f", "jsonl").stdout.splitlines():
            row = json.loads(line)
            if isinstance(row.get("slug"), str) and "/" in row["slug"]:
                people.add(row["slug"])
            if isinstance(row.get("id"), str) and "/" in row["id"] and row.get("kind") not in ("session", "person", None):
                said.add(row["id"])
    assert len(people) == 30 and len(said) > 20, (people, said)
    for ref in sorted(people):
        assert run(shared3, "speaker", ref, "-f", "jsonl").exit_code == 0, ref
    for ref in sorted(said):
        assert run(shared3, "talk", ref, "-f", "jsonl").exit_code == 0, ref


# ----------------------------------------------------------------------------------------------------------------
# same_as
# ----------------------------------------------------------------------------------------------------------------


def test_same_as_both_ways_and_to_missing_ends_never_prints_a_dangling_link(congress):
    edit(
        congress / "forum.yaml",
        "  - slug: zheng-limin\n",
        f"  - slug: zheng-limin\n    same_as: [{SECOND_FORUM}/zheng-l, ghost/zheng-limin, {SECOND_FORUM}/nobody]\n",
    )
    person = json.loads(run(congress, "speaker", f"{FIRST}/zheng-limin", "-f", "json").stdout)
    assert person["same_as"] == [f"{SECOND_FORUM}/zheng-l"]
    assert person["forums"] == [FIRST, SECOND_FORUM]
    result = invoke("validate", str(congress))
    assert result.exit_code == 1
    assert re.search(r"forum\.yaml:\d+:\d+: people\[3\]\.same_as\[1\]: no forum 'ghost'", result.stdout)
    assert re.search(r"forum\.yaml:\d+:\d+: people\[3\]\.same_as\[2\]: second\.yaml has no person 'nobody'", result.stdout)


def test_a_same_as_to_its_own_forum_is_a_problem(congress):
    edit(congress / "forum.yaml", "  - slug: zheng-limin\n", f"  - slug: zheng-limin\n    same_as: [{FIRST}/zheng-limin]\n")
    result = invoke("validate", str(congress))
    assert result.exit_code == 1 and "is in this forum; same_as links a person to the same person in another forum" in result.stdout
    assert run(congress, "speaker", f"{FIRST}/zheng-limin", "-f", "json").exit_code == 0


def test_a_same_as_cycle_over_three_forums_shows_each_once(congress3):
    edit(congress3 / "forum.yaml", "  - slug: zheng-limin\n", f"  - slug: zheng-limin\n    same_as: [{THIRD}/zheng-l]\n")
    rows = csv_rows(run(congress3, "speaker", "zheng-l", "-f", "csv", "--fields", "forum,id").stdout)
    assert [row["forum"] for row in rows] == [FIRST, SECOND_FORUM, THIRD]


def test_forum_option_keeps_linked_forums_out(congress):
    rows = csv_rows(run(congress, "speaker", f"{FIRST}/zheng-limin", "--forum", FIRST, "-f", "csv", "--fields", "forum,id").stdout)
    assert {row["forum"] for row in rows} == {FIRST}


def test_links_that_merge_two_people_of_one_forum_are_a_problem(congress):
    edit(
        congress / "second.yaml",
        "  - slug: ma-jun-harbin\n",
        f"  - slug: ma-jun-harbin\n    same_as: [{FIRST}/ma-jun-harbin, {FIRST}/ma-jun-sysucc]\n",
    )
    assert invoke("validate", str(congress)).exit_code == 1


def test_a_link_to_an_invalid_forum_is_not_called_missing(congress):
    edit(congress / "forum.yaml", "  date: 2024-11-30\n", "  date: not-a-date\n")
    result = invoke("validate", str(congress))
    assert result.exit_code == 1
    assert f"no forum '{FIRST}'" not in result.stdout


# ----------------------------------------------------------------------------------------------------------------
# --forum
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["", "A/B", "nope", f"{SECOND_FORUM}/", "forum.yaml"])
def test_an_unknown_forum_is_one_line_listing_the_forums(congress, value):
    error = one_line_error(run(congress, "speakers", "--forum", value))
    assert FIRST in error and SECOND_FORUM in error


@pytest.mark.parametrize("value", [SECOND_FORUM.upper(), f" {SECOND_FORUM} "])
def test_forum_option_ignores_case_and_spaces(congress, value):
    rows = csv_rows(run(congress, "speakers", "-n", "0", "--forum", value, "-f", "csv", "--fields", "forum").stdout)
    assert {row["forum"] for row in rows} == {SECOND_FORUM} and len(rows) == 10


def test_forum_option_repeated_gives_each_row_once(congress):
    rows = csv_rows(run(congress, "speakers", "-n", "0", "--forum", FIRST, "--forum", FIRST, "-f", "csv", "--fields", "forum,slug").stdout)
    assert len(rows) == 10 and len({row["slug"] for row in rows}) == 10


def test_forum_option_on_a_forum_file_is_a_usage_error(congress):
    result = run(congress / "forum.yaml", "speakers", "--forum", FIRST)
    assert result.exit_code == 2 and "--forum" in result.stderr and result.stdout == ""


def test_a_qualified_reference_outside_the_forums_asked_for_is_refused(congress):
    error = one_line_error(run(congress, "speaker", f"{SECOND_FORUM}/zheng-l", "--forum", FIRST))
    assert "--forum" in error


# ----------------------------------------------------------------------------------------------------------------
# themes across forums
# ----------------------------------------------------------------------------------------------------------------


def add_theme(path: Path, theme_id: str, label: str, aliases: str = "") -> None:
    """A theme of this forum only, used by one key point (the first that has exactly `themes: [immunotherapy]`)."""
    block = (
        f"  - id: {theme_id}\n    label: {label}\n" + (f"    aliases: [{aliases}]\n" if aliases else "") + "    description: Only here.\n"
    )
    edit(path, "themes:\n  - id: ai\n", "themes:\n" + block + "  - id: ai\n")
    edit(path, "        themes: [immunotherapy]\n", f"        themes: [immunotherapy, {theme_id}]\n")


def test_a_forum_only_theme_is_answered_by_theme(congress):
    add_theme(congress / "second.yaml", "solo-theme", "Solo theme")
    assert invoke("validate", str(congress)).exit_code == 0
    rows = csv_rows(run(congress, "theme", "solo-theme", "-f", "csv", "--fields", "forum,id").stdout)
    assert rows and {row["forum"] for row in rows} == {SECOND_FORUM}


@pytest.mark.parametrize("argv", [["speakers", "--theme", "solo-theme"], ["search", "immune", "--theme", "solo-theme"]])
def test_a_forum_only_theme_filters_every_query(congress, argv):
    add_theme(congress / "second.yaml", "solo-theme", "Solo theme")
    result = run(congress, *argv, "-f", "csv", "--fields", "forum")
    assert result.exit_code == 0, result.stderr
    assert {row["forum"] for row in csv_rows(result.stdout)} == {SECOND_FORUM}


def test_a_theme_name_two_forums_mean_differently_is_refused(congress):
    add_theme(congress / "forum.yaml", "zz-a", "Zed A", aliases="solo")
    add_theme(congress / "second.yaml", "solo", "Solo B")
    one_line_error(run(congress, "theme", "solo"))
    one_line_error(run(congress, "search", "immune", "--theme", "solo"))


def test_one_theme_id_defined_two_ways_is_refused_by_the_theme_views(congress):
    edit(congress / "second.yaml", "    label: Artificial intelligence\n", "    label: AI stuff\n")
    for argv in (["theme", "ai"], ["themes"], ["summary"]):
        error = one_line_error(run(congress, *argv))
        assert "theme 'ai' is defined differently" in error


@pytest.mark.parametrize("argv", [["speakers", "--theme", "ai"], ["search", "data", "--theme", "ai"], ["speakers", "--theme", "AI stuff"]])
def test_one_theme_id_defined_two_ways_is_refused_by_every_theme_filter(congress, argv):
    edit(congress / "second.yaml", "    label: Artificial intelligence\n", "    label: AI stuff\n")
    error = one_line_error(run(congress, *argv))
    assert "defined differently" in error


# ----------------------------------------------------------------------------------------------------------------
# search across forums
# ----------------------------------------------------------------------------------------------------------------


@pytest.fixture
def misspelt(congress):
    """The first forum says 'quuxenol', the second 'quuxanol': one letter apart, each only in its own forum."""
    edit(congress / "forum.yaml", "dual role of myeloid cells, which have", "dual role of quuxenol cells, which have")
    edit(congress / "second.yaml", "dual role of myeloid cells, which have", "dual role of quuxanol cells, which have")
    return congress


def test_a_corrected_query_counts_only_when_no_forum_matched_as_asked(misspelt):
    result = run(misspelt, "search", "quuxanol", "-f", "csv", "--fields", "forum,id")
    assert [row["forum"] for row in csv_rows(result.stdout)] == [SECOND_FORUM]
    assert "showing results for" not in result.stderr


def test_a_query_no_forum_matches_says_each_correction(misspelt):
    result = run(misspelt, "search", "quuxinol", "-f", "csv", "--fields", "forum")
    assert result.exit_code == 0
    assert "showing results for 'quuxenol'" in result.stderr and "showing results for 'quuxanol'" in result.stderr


# ----------------------------------------------------------------------------------------------------------------
# notices on stderr
# ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "Professor Ma Jun"],
        ["speakers", "--role", "closing"],
        ["talk", f"{SECOND_FORUM}/panel", "-f", "csv"],
        ["summary", "-f", "csv"],
    ],
)
def test_notices_name_only_references_that_resolve(congress, argv):
    result = run(congress, *argv)
    assert result.exit_code == 0
    assert not re.search(r"(?<![/\w-])ma-jun-(harbin|sysucc)\b", result.stderr), result.stderr
    assert "`cbiic talk panel`" not in result.stderr


def test_a_linked_speaker_says_each_notice_once(congress):
    edit(congress / "second.yaml", "  - slug: ma-jun-sysucc\n", f"  - slug: ma-jun-sysucc\n    same_as: [{FIRST}/ma-jun-sysucc]\n")
    result = run(congress, "speaker", f"{SECOND_FORUM}/ma-jun-sysucc", "-f", "csv", "--fields", "forum,id")
    assert result.exit_code == 0
    lines = [re.sub(rf"^cbiic: ({FIRST}|{SECOND_FORUM}): ", "cbiic: ", line) for line in result.stderr.splitlines()]
    assert len(lines) == len(set(lines)), result.stderr


# ----------------------------------------------------------------------------------------------------------------
# --source
# ----------------------------------------------------------------------------------------------------------------


def test_source_for_several_forums_must_be_a_directory(congress, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("x\n", encoding="utf-8")
    for source in (str(article), str(tmp_path / "missing")):
        result = run(congress, "speaker", f"{FIRST}/xue-junli", "--source", source)
        assert result.exit_code == 2 and "directory" in result.stderr and result.stdout == ""
    refused = invoke("validate", str(congress), "--source", str(article))
    assert refused.exit_code == 2 and refused.stdout == ""


def test_source_directory_without_the_article_is_one_line(congress, tmp_path):
    empty = tmp_path / "articles"
    empty.mkdir()
    error = one_line_error(run(congress, "speaker", f"{FIRST}/xue-junli", "--source", str(empty)))
    assert "000_129630b01c31d745.txt" in error


@pytest.mark.skipif(ARTICLES is None, reason=NO_ARTICLE)
def test_source_directory_works_for_a_one_forum_congress():
    result = invoke("--data", str(REPO / "data"), "speaker", "xue-junli", "--source", str(ARTICLES))
    assert result.exit_code == 0, result.stderr


def test_cbiic_source_is_named_when_it_is_the_problem(congress, tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("x\n", encoding="utf-8")
    result = run(congress, "speaker", f"{FIRST}/xue-junli", env={"CBIIC_SOURCE": str(article)})
    assert result.exit_code == 2 and "CBIIC_SOURCE" in result.stderr


def test_validate_source_directory_missing_an_article_gives_directory_advice(congress, tmp_path):
    empty = tmp_path / "articles"
    empty.mkdir()
    result = invoke("validate", str(congress), "--source", str(empty))
    assert result.exit_code == 1
    assert "--source ARTICLE" not in result.stdout + result.stderr


# ----------------------------------------------------------------------------------------------------------------
# a congress of one forum, every command and format
# ----------------------------------------------------------------------------------------------------------------

ONE_FORUM_COMMANDS = [
    ["speakers"],
    ["speaker", "ma-jun-sysucc"],
    ["speaker", "ma-jun"],
    ["talk", "panel"],
    ["theme", "insurance", "-n", "1"],
    ["themes", "-n", "0"],
    ["agenda"],
    ["summary"],
    ["search", "imune"],
    ["orgs", "roche"],
    ["forums"],
    ["speakers", "--role", "moderator", "--possible"],
]


@pytest.mark.parametrize("argv", ONE_FORUM_COMMANDS, ids=lambda argv: "-".join(argv))
def test_a_one_forum_congress_answers_byte_for_byte_as_its_file(tmp_path, argv):
    directory = tmp_path / "one"
    directory.mkdir()
    shutil.copy(REPO / "data" / "forum.yaml", directory / "forum.yaml")
    formats = FORMATS if argv[0] in ("speaker", "talk", "forums") else ["table", "json", "csv"]
    for fmt in formats:
        congress = run(directory, *argv, "-f", fmt)
        file = run(directory / "forum.yaml", *argv, "-f", fmt)
        assert (congress.exit_code, congress.stdout, congress.stderr) == (file.exit_code, file.stdout, file.stderr), fmt


# ----------------------------------------------------------------------------------------------------------------
# every command in every format on three forums
# ----------------------------------------------------------------------------------------------------------------

THREE_FORUM_COMMANDS = {
    "speakers": ["speakers"],
    "speaker": ["speaker", "zheng-l"],
    "talk": ["talk", f"{FIRST}/zheng-limin"],
    "panel": ["talk", f"{THIRD}/panel"],
    "theme": ["theme", "insurance"],
    "agenda": ["agenda"],
    "summary": ["summary"],
    "search": ["search", "insurance"],
    "orgs": ["orgs"],
}


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", list(THREE_FORUM_COMMANDS))
def test_every_command_and_format_on_three_forums_with_the_forum_field(shared3, name, fmt):
    argv = THREE_FORUM_COMMANDS[name]
    if name in ("speaker", "talk", "panel"):
        limits: list[list[str]] = [[]]
    else:
        limits = [["-n", "0"], ["-n", "1"]] if fmt in ("json", "csv") else [["-n", "1"]]
    for limit in limits:
        result = run(shared3, *argv, *limit, "-f", fmt, "--fields", "forum,id" if name not in ("speakers",) else "forum,slug")
        assert result.exit_code == 0, result.stderr
        assert "Traceback" not in result.stderr and result.stdout
        if fmt == "csv":
            rows = csv_rows(result.stdout)
            assert rows and all(row["forum"] in (FIRST, SECOND_FORUM, THIRD) for row in rows)
            key = "slug" if name == "speakers" else "id"
            assert all(row[key].startswith(row["forum"] + "/") for row in rows), rows[:3]
            if limit == ["-n", "1"] and name != "summary":  # a summary's rows are its sections' contributions
                assert len(rows) == 1


@pytest.mark.parametrize("fmt", FORMATS)
def test_themes_and_forums_on_three_forums(shared3, fmt):
    for argv in (
        ["themes", "-n", "1", "--fields", "id,forums"],
        ["themes", "-n", "0"],
        ["forums", "-n", "1"],
        ["forums", "--fields", "id,file"],
    ):
        result = run(shared3, *argv, "-f", fmt)
        assert result.exit_code == 0 and result.stdout, result.stderr


def test_the_forum_field_where_there_is_no_forum_is_a_usage_error(shared3):
    for argv in (["themes"], ["forums"]):
        result = run(shared3, *argv, "--fields", "forum")
        assert result.exit_code == 2 and "unknown field 'forum'" in result.stderr


def test_narrow_uncoloured_tables_hold(shared3):
    env = {"NO_COLOR": "1", "COLUMNS": "20"}
    for argv in (["forums"], ["themes", "-n", "2"], ["speakers", "-n", "2"], ["speaker", "zheng-l"], ["summary"], ["agenda", "-n", "3"]):
        result = run(shared3, *argv, env=env)
        assert result.exit_code == 0 and "\x1b" not in result.stdout, argv
        for line in result.stdout.splitlines():
            # Past 20 columns only a word that cannot be broken: no space after the indent and tree guides.
            if len(line) > 20:
                assert " " not in line.lstrip(" │├└─"), (argv, line)


# ----------------------------------------------------------------------------------------------------------------
# stores: edits, deletions, congress.yaml changes, concurrency; data never written
# ----------------------------------------------------------------------------------------------------------------


def test_stores_see_edits_deletions_and_congress_theme_changes(congress):
    def names():
        return {row["id"]: row["name"] for row in csv_rows(run(congress, "forums", "-f", "csv", "--fields", "id,name").stdout)}

    assert names()[SECOND_FORUM] == "Second Test Forum"
    assert names()[SECOND_FORUM] == "Second Test Forum"  # from the stores now, where they could be built
    edit(congress / "second.yaml", "  name: Second Test Forum\n", "  name: Second Edited Forum\n")
    assert names()[SECOND_FORUM] == "Second Edited Forum"
    # The congress's theme replaces each forum's own 'ai'; then congress.yaml alone changes.
    for file in ("forum.yaml", "second.yaml"):
        edit(
            congress / file,
            "  - id: ai\n    label: Artificial intelligence\n    description: Artificial intelligence and deep learning applied "
            "to radiotherapy, experimental design or data management.\n",
            "",
        )
    with (congress / "congress.yaml").open("a", encoding="utf-8") as handle:
        handle.write("themes:\n  - id: ai\n    label: Version one\n    description: x.\n")
    assert run(congress, "theme", "Version one", "-n", "1").exit_code == 0
    edit(congress / "congress.yaml", "Version one", "Version two")
    assert run(congress, "theme", "Version two", "-n", "1").exit_code == 0
    assert run(congress, "theme", "Version one", "-n", "1").exit_code == 1
    (congress / "second.yaml").unlink()
    # congress.yaml still lists it: a query says so rather than answer for a congress that is not what it says.
    assert "no forum file 'second.yaml'" in one_line_error(run(congress, "forums"))
    listing = (congress / "congress.yaml").read_text(encoding="utf-8")
    start = listing.index("  - file: second.yaml")
    (congress / "congress.yaml").write_text(listing[:start] + listing[listing.index("themes:", start) :], encoding="utf-8")
    assert set(names()) == {FIRST}


@pytest.mark.slow
def test_eight_first_queries_at_once_agree_and_leave_a_sane_cache(congress3, cbiic_exe, isolated_env):
    reference = invoke("--data", str(congress3), "--no-cache", "speakers", "-n", "0", "-f", "json").stdout
    argv = [str(cbiic_exe), "--data", str(congress3), "speakers", "-n", "0", "-f", "json"]
    for _ in range(2):  # fresh, then with the stores the first round built
        running = [subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=isolated_env) for _ in range(8)]
        for process in running:
            out, err = process.communicate(timeout=120)
            assert process.returncode == 0 and err == b"" and out.decode() == reference
    cache = Path(isolated_env["XDG_CACHE_HOME"]) / "cbiic"
    if cache.exists():
        entries = sorted(p.name for p in cache.iterdir())
        assert len([e for e in entries if e.endswith(".sqlite")]) <= 3, entries


def test_a_pipe_closed_early_is_no_error(shared3, cbiic_exe, isolated_env):
    for argv in (["speakers", "-n", "0"], ["summary", "-f", "json"]):
        done = subprocess.run(
            f"'{cbiic_exe}' --data '{shared3}' {' '.join(argv)} | head -1; exit ${{PIPESTATUS[0]}}",
            shell=True,
            executable="/bin/bash",
            capture_output=True,
            env=isolated_env,
            timeout=60,
        )
        assert done.returncode == 0 and b"Traceback" not in done.stderr and b"internal error" not in done.stderr, done.stderr


def test_queries_and_validate_never_write_to_the_congress(congress3):
    def snapshot():
        return sorted((p.name, p.stat().st_size, p.stat().st_mtime_ns) for p in congress3.iterdir())

    before = snapshot()
    for argv in (["forums"], ["speakers"], ["summary", "-f", "json"], ["search", "immune"], ["themes"], ["speaker", "zheng-l"]):
        assert run(congress3, *argv).exit_code == 0
    assert invoke("validate", str(congress3)).exit_code == 0
    assert snapshot() == before
