"""The published JSON Schema: in step with the types, and accepted by a third-party validator."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support import REPO, SHIPPED, replace_once, shipped_text, write_forum

from cbiic_cli.schema import schema_text

PUBLISHED = REPO / "data" / "forum.schema.json"


def check_jsonschema() -> str:
    found = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    if not Path(found).exists():
        pytest.skip("check-jsonschema is not installed (pip install '.[test]')")
    return found


def test_repo_copy_is_what_cbiic_schema_prints():
    assert PUBLISHED.read_text(encoding="utf-8") == schema_text(), "regenerate with: cbiic schema > data/forum.schema.json"


def test_shipped_copy_matches_the_repo_copy():
    assert (SHIPPED.parent / "forum.schema.json").read_text(encoding="utf-8") == PUBLISHED.read_text(encoding="utf-8")


def test_third_party_validator_accepts_shipped_forum():
    result = subprocess.run([check_jsonschema(), "--schemafile", str(PUBLISHED), str(SHIPPED)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_third_party_validator_rejects_what_cbiic_rejects(tmp_path):
    bad = write_forum(tmp_path, replace_once(shipped_text(), "  city: Guangzhou\n", "  city: Guangzhou\n  mayor: nobody\n"))
    result = subprocess.run([check_jsonschema(), "--schemafile", str(PUBLISHED), str(bad)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "mayor" in result.stdout


# Files both validators must refuse: every pattern and constraint the schema publishes is the loader's too.
# The opening's id is referenced nowhere, so only its own pattern can refuse it.
BAD_FOR_BOTH = {
    "id-trailing-newline": ("  id: opening-speech\n", '  id: "opening-speech\\n"\n'),
    "id-trailing-newlines": ("  id: opening-speech\n", '  id: "opening-speech\\n\\n"\n'),
    "id-trailing-space": ("  id: opening-speech\n", '  id: "opening-speech "\n'),
    "slug-trailing-newline": ("  - slug: luo-dan\n", '  - slug: "luo-dan\\n"\n'),
    "slug-two-trailing-newlines": ("  - slug: luo-dan\n", '  - slug: "luo-dan\\n\\n"\n'),
    "slug-leading-newline": ("  - slug: luo-dan\n", '  - slug: "\\nluo-dan"\n'),
    "slug-upper-case": ("  - slug: luo-dan\n", "  - slug: Luo-Dan\n"),
    "slug-double-hyphen": ("  - slug: luo-dan\n", "  - slug: luo--dan\n"),
    "candidate-with-newline": (
        "    candidates: [ma-jun-harbin, ma-jun-sysucc]\n    note:\n      text: >-\n        The article says only",
        '    candidates: [ma-jun-harbin, "ma-jun-sysucc\\n"]\n    note:\n      text: >-\n        The article says only',
    ),
    "one-candidate": (
        "    candidates: [ma-jun-harbin, ma-jun-sysucc]\n    note:\n      text: >-\n        The article says only",
        "    candidates: [ma-jun-harbin]\n    note:\n      text: >-\n        The article says only",
    ),
    "unknown-field": ("  city: Guangzhou\n", "  city: Guangzhou\n  mayor: nobody\n"),
    "bad-enum": ("    kind: laboratory", "    kind: lab"),
    "paragraph-zero": ("    source_paragraphs: [13]\n\n  - id: wang", "    source_paragraphs: [0]\n\n  - id: wang"),
    "empty-text": ("  city: Guangzhou\n", '  city: ""\n'),
    "not-a-date": ("  date: 2024-11-30", "  date: soon"),
    "talk-with-title-and-topic": ("    title: Cultivating Youth Talent", "    topic: Youth talent\n    title: Cultivating Youth Talent"),
    "talk-with-neither": ("    title: Cultivating Youth Talent in Scientific Innovation Programs\n", ""),
    "talk-with-empty-title": ("    title: Cultivating Youth Talent in Scientific Innovation Programs\n", "    title: ''\n"),
    "talk-with-empty-topic": (
        "    topic: The research hospital model and Gobroad Healthcare Group's innovative practices\n",
        "    topic: ''\n",
    ),
    "talk-with-null-title-and-topic": (
        "    topic: The research hospital model and Gobroad Healthcare Group's innovative practices\n",
        "    title: null\n    topic: null\n",
    ),
}


@pytest.fixture(scope="module")
def refused_by_the_schema(tmp_path_factory) -> tuple[dict[str, Path], set[str]]:
    """Every bad file, and the names of those the third-party validator refuses: one run of it for all of them."""
    import json

    directory = tmp_path_factory.mktemp("bad")
    files = {
        case: write_forum(directory, replace_once(shipped_text(), old, new), f"{case}.yaml") for case, (old, new) in BAD_FOR_BOTH.items()
    }
    result = subprocess.run(
        [check_jsonschema(), "--schemafile", str(PUBLISHED), "-o", "json", *map(str, files.values())], capture_output=True, text=True
    )
    report = json.loads(result.stdout)
    return files, {error["filename"] for error in report["errors"] + report["parse_errors"]}


@pytest.mark.parametrize("case", sorted(BAD_FOR_BOTH))
def test_the_schema_and_the_loader_refuse_the_same_files(case, refused_by_the_schema):
    from cbiic_cli.errors import ForumDataError
    from cbiic_cli.load import parse_forum

    files, refused = refused_by_the_schema
    bad = files[case]
    assert str(bad) in refused, f"the published schema accepts {case}"
    with pytest.raises(ForumDataError):
        parse_forum(bad.read_bytes(), str(bad))
