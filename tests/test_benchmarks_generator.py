"""benchmarks/make_forum.py writes forums and congresses cbiic accepts, the same bytes every time.

The benchmark's scale figures are only worth something if the synthetic forum
passes the loader's strict validation and can be regenerated exactly; these
tests check both on small files, and the same for a small congress (``--forums``):
its counts, its forums' validity with the congress's themes, and the cross-forum
cases a congress loader must get right (ids that recur, ``same_as`` links, and
namesakes that are not linked). They time nothing.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
import yaml
from typer.testing import CliRunner

from cbiic_cli import model, yamltree
from cbiic_cli.cli import app
from cbiic_cli.errors import ForumDataError, Problems
from cbiic_cli.load import parse_forum

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "benchmarks" / "make_forum.py"
TALKS = 50


def _generator():
    spec = importlib.util.spec_from_file_location("make_forum", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    for name in ("CBIIC_DATA", "CBIIC_NO_CACHE", "CBIIC_MAX_BYTES"):
        monkeypatch.delenv(name, raising=False)


def write(tmp_path: Path, name: str, *arguments: str) -> Path:
    out = tmp_path / name
    subprocess.run([sys.executable, str(SCRIPT), *arguments, "--out", str(out)], check=True, timeout=120)
    return out


def cbiic(*arguments: str):
    return CliRunner().invoke(app, list(arguments), catch_exceptions=False)


def test_generated_forum_validates(tmp_path):
    path = write(tmp_path, "forum.yaml", "--talks", str(TALKS))
    result = cbiic("--data", str(path), "validate")
    assert result.exit_code == 0, result.stdout
    people = TALKS // 2
    assert re.search(rf": valid \({people} people, {TALKS} talks, \d+ panel remarks, \d+ themes\)$", result.stdout.strip()), result.stdout


def test_generated_forum_answers_queries(tmp_path):
    path = write(tmp_path, "forum.yaml", "--talks", str(TALKS))
    data = ["--data", str(path)]
    for command in (["speakers"], ["agenda"], ["themes"], ["theme", "insurance"], ["summary"], ["search", "immune"]):
        result = cbiic(*data, *command, "--format", "json")
        assert result.exit_code == 0, (command, result.stdout)
        json.loads(result.stdout)
    talks = json.loads(cbiic(*data, "summary", "--limit", "0", "--format", "json").stdout)["talks"]
    assert len(talks) == TALKS
    assert all(3 <= len(row["key_points"]) <= 5 for row in talks)


def test_same_arguments_same_bytes(tmp_path):
    first = write(tmp_path, "first.yaml", "--talks", str(TALKS))
    second = write(tmp_path, "second.yaml", "--talks", str(TALKS))
    assert first.read_bytes() == second.read_bytes()
    # The script and the function the benchmark imports agree, with no hidden state between calls.
    generator = _generator()
    assert generator.make_forum(TALKS) == first.read_text(encoding="utf-8") == generator.make_forum(TALKS)


# The lone forum's bytes as the script wrote them before it learned congresses. Benchmark figures are compared across
# commits on these files, so a change to the shared generator must not move them; change a digest only on purpose.
LONE_FORUM_SHA256 = {
    (50, 2024): "f82651cad8b072cf0df7eec3aadc82bac16c4a8529df1d20b20bc5debddc28b5",
    (7, 2024): "cff38ff3713586dd7466bf30a59f6dd90763d30a11331d521c142a12943f9624",
    (100, 7): "9796312ffbbc8ef65d30d19b49a7d7241494236c562e51cc1ba85a62b3426080",
}


@pytest.mark.parametrize(("talks", "seed"), sorted(LONE_FORUM_SHA256))
def test_a_lone_forum_keeps_its_bytes(talks, seed):
    text = _generator().make_forum(talks, seed)
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == LONE_FORUM_SHA256[talks, seed]


def test_seed_and_size_change_the_forum(tmp_path):
    generator = _generator()
    base = generator.make_forum(TALKS)
    assert generator.make_forum(TALKS, seed=7) != base
    bigger = write(tmp_path, "bigger.yaml", "--talks", str(TALKS * 2), "--seed", "7")
    result = cbiic("--data", str(bigger), "validate")
    assert result.exit_code == 0, result.stdout
    assert f"{TALKS} people, {TALKS * 2} talks" in result.stdout


@pytest.mark.parametrize("talks", [1, 2, 7])
def test_tiny_forums_are_valid_too(tmp_path, talks):
    path = tmp_path / "tiny.yaml"
    path.write_text(_generator().make_forum(talks), encoding="utf-8")
    result = cbiic("--data", str(path), "validate")
    assert result.exit_code == 0, result.stdout


def _runner():
    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_compared_tool_is_reported_with_every_version_line_and_its_real_version(tmp_path):
    """yq prints more than one line for --version, and the line it prints first can be wrong ("yq 0.0.0")."""
    fake = tmp_path / "yq"
    fake.write_text(f"#!{sys.executable}\nprint('yq 0.0.0')\nprint('jq-1.6')\n")
    fake.chmod(0o755)
    described = _runner().tool_version(str(fake), "pytest")
    import pytest as real_pytest

    assert "--version says `yq 0.0.0 / jq-1.6`" in described
    assert f"Python distribution pytest {real_pytest.__version__}" in described


def test_pathological_files_are_the_size_asked_for(tmp_path):
    runner = _runner()
    for shape in ("flow", "block"):
        path = tmp_path / f"{shape}.yaml"
        runner.pathological_file(path, shape, 0.1)
        assert abs(path.stat().st_size - 100_000) < 200
        result = cbiic("--no-cache", "--data", str(path), "validate")
        assert result.exit_code == 1 and "more invalid values from here on are not listed" in result.stdout


def test_the_questions_put_to_yq_are_answered_on_a_generated_forum(tmp_path):
    """A jq filter that no longer fits the schema fails in the benchmark as an error cell, not here; so ask here."""
    if not (shutil.which("yq") and shutil.which("jq")):
        pytest.skip("yq and jq are not installed (pip install yq; apt-get install jq)")
    path = write(tmp_path, "forum.yaml", "--talks", str(TALKS))
    answers = {}
    for name, jq_filter in _runner().YQ_QUERIES:
        result = subprocess.run(["yq", jq_filter, str(path)], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, (name, result.stderr)
        answers[name] = json.loads(result.stdout)
    assert answers["load (count the talks)"] == TALKS
    insurance = json.loads(cbiic("--data", str(path), "theme", "insurance", "--format", "json").stdout)
    assert answers["theme insurance"] == sum(row["kind"] == "talk" for row in insurance) > 0


# -- congresses (--forums) -----------------------------------------------------------------------------------------

FORUMS = 3
CONTRIBUTIONS = 90  # about 23 talks a forum: enough for every person, guests included, to give one


@pytest.fixture(scope="module")
def congress(tmp_path_factory) -> Path:
    """A small congress written once by the script, read by the tests below (none of them writes to it)."""
    out = tmp_path_factory.mktemp("congress") / "congress"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--forums", str(FORUMS), "--talks", str(CONTRIBUTIONS), "--out", str(out)], check=True, timeout=120
    )
    return out


def _yaml(path: Path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _forums(directory: Path) -> dict[str, dict]:
    """Each forum's document by its id (the file's name without .yaml), in the congress's order."""
    listed = _yaml(directory / "congress.yaml")["forums"]
    return {entry["file"].removesuffix(".yaml"): _yaml(directory / entry["file"]) for entry in listed}


def _contributions(forum: dict) -> int:
    panel = forum.get("panel") or {}
    return ("opening" in forum) + len(forum.get("talks", [])) + len(panel.get("remarks", [])) + ("closing" in panel)


def test_a_congress_is_the_same_bytes_every_time(congress, tmp_path):
    again = tmp_path / "again"
    subprocess.run(
        [sys.executable, str(SCRIPT), "--forums", str(FORUMS), "--talks", str(CONTRIBUTIONS), "--out", str(again)], check=True, timeout=120
    )
    names = sorted(path.name for path in congress.iterdir())
    assert names == sorted(path.name for path in again.iterdir())
    assert all((congress / name).read_bytes() == (again / name).read_bytes() for name in names)
    # The function the benchmarks import writes the same files, and the seed matters.
    generator = _generator()
    files = generator.make_congress(FORUMS, CONTRIBUTIONS)
    assert list(files) == ["congress.yaml", "forum-1.yaml", "forum-2.yaml", "forum-3.yaml"]
    assert all(text.encode("utf-8") == (congress / name).read_bytes() for name, text in files.items())
    assert generator.make_congress(FORUMS, CONTRIBUTIONS, seed=7) != files


def test_a_congress_counts_add_up(congress):
    info = _yaml(congress / "congress.yaml")
    forums = _forums(congress)
    assert sorted(path.name for path in congress.iterdir()) == ["congress.yaml", *(f"{forum_id}.yaml" for forum_id in forums)]
    assert len(forums) == FORUMS
    assert sum(_contributions(forum) for forum in forums.values()) == CONTRIBUTIONS
    assert info["congress"]["source_forum"] in [entry["file"] for entry in info["forums"]]
    for entry, forum in zip(info["forums"], forums.values()):
        assert entry["article"] == {key: forum["source"][key] for key in ("title", "published", "file")}
    for field in (("source", "file"), ("source", "title"), ("forum", "name")):
        assert len({forum[field[0]][field[1]] for forum in forums.values()}) == FORUMS, field


def test_the_default_congress_is_200_forums_and_10000_contributions():
    """Planned only (writing the forums takes seconds): every forum gets a talk, and the total is the budget."""
    generator = _generator()
    plans = generator.plan_congress(200, generator.CONGRESS_CONTRIBUTIONS, 2024)
    assert generator.CONGRESS_CONTRIBUTIONS == 10_000
    assert [plan.forum_id for _, _, plan in plans][:2] == ["forum-001", "forum-002"] and len(plans) == 200
    assert sum(talks + generator.FIXED_PER_FORUM for talks, _, _ in plans) == 10_000
    assert min(talks for talks, _, _ in plans) >= 1
    assert len({seed for _, seed, _ in plans}) == 200


def test_every_forum_is_valid_with_the_congress_themes(congress):
    """Until the congress loader lands: each forum, the congress's themes put in front of its own, passes parse_forum."""
    text = (congress / "congress.yaml").read_text(encoding="utf-8")
    problems = Problems()
    info = msgspec.convert(yamltree.parse(text, problems), model.Congress, strict=True)
    assert not problems
    congress_themes = [msgspec.to_builtins(theme) for theme in info.themes]
    congress_ids = {theme["id"] for theme in congress_themes}
    own_ids: list[str] = []
    for forum_id, document in _forums(congress).items():
        own = document.get("themes", [])
        own_ids += [theme["id"] for theme in own]
        document["themes"] = congress_themes + own
        data = yaml.safe_dump(document, sort_keys=False, allow_unicode=True).encode("utf-8")
        try:
            forum = parse_forum(data, f"{forum_id}.yaml")
        except ForumDataError as exc:
            pytest.fail(f"{forum_id}: {exc}")
        assert forum.source.file == f"{forum_id}.txt"
    # A forum's own themes (forum 2 has some) are named by no other forum and not by the congress.
    assert own_ids and len(set(own_ids)) == len(own_ids) and not congress_ids & set(own_ids)


def test_every_same_as_names_a_person_who_is_there_and_links_back(congress):
    forums = _forums(congress)
    people = {forum_id: {person["slug"]: person for person in forum["people"]} for forum_id, forum in forums.items()}
    links = 0
    for forum_id, by_slug in people.items():
        for slug, person in by_slug.items():
            for target in person.get("same_as", []):
                other, other_slug = target.split("/")
                assert other != forum_id and other_slug in people[other], (forum_id, slug, target)
                assert people[other][other_slug]["name"] == person["name"]
                assert f"{forum_id}/{slug}" in people[other][other_slug].get("same_as", [])
                links += 1
    assert links >= 2


def test_ids_recur_across_forums_and_a_shared_slug_is_not_always_a_link(congress):
    forums = _forums(congress)

    def in_two(section: str, key: str) -> set[str]:
        seen: dict[str, set[str]] = {}
        for forum_id, forum in forums.items():
            for entry in forum.get(section, []):
                seen.setdefault(entry[key], set()).add(forum_id)
        return {value for value, where in seen.items() if len(where) > 1}

    assert in_two("talks", "id") and in_two("organisations", "id")
    shared = in_two("people", "slug")
    linked = {
        (forum_id, person["slug"], target)
        for forum_id, forum in forums.items()
        for person in forum["people"]
        for target in person.get("same_as", [])
    }
    namesakes = [
        slug
        for slug in shared
        for first in forums
        for second in forums
        if first < second
        and any(p["slug"] == slug for p in forums[first]["people"])
        and any(p["slug"] == slug for p in forums[second]["people"])
        and (first, slug, f"{second}/{slug}") not in linked
        and (second, slug, f"{first}/{slug}") not in linked
    ]
    assert namesakes, shared


def test_a_congress_is_not_written_over_other_files(tmp_path):
    (tmp_path / "notes.txt").write_text("mine", encoding="utf-8")
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--forums", "2", "--talks", "20", "--out", str(tmp_path)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2 and "notes.txt" in result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["notes.txt"]
