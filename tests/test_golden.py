"""The shipped forum's answers, byte for byte, as recorded before the indexed store and the fast path (issue 12).

``tests/golden/outputs.json`` holds stdout, stderr and the exit code of every
query command over every person, contribution and theme, in every format
(``tests/golden/make_golden.py`` wrote it). A change to how answers are found
must not change one byte of them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from golden.make_golden import ENVIRONMENT, cases, run

GOLDEN = json.loads((Path(__file__).parent / "golden" / "outputs.json").read_text(encoding="utf-8"))


def test_the_golden_file_covers_every_case_the_maker_lists() -> None:
    # A case added to the maker without regenerating the file would be silently untested.
    assert [record["argv"] for record in GOLDEN] == cases()


@pytest.fixture(scope="module")
def store_home(tmp_path_factory) -> str:
    """A cache holding the shipped forum's query store, built once for the module."""
    home = str(tmp_path_factory.mktemp("golden-cache"))
    assert run(["themes"], {"XDG_CACHE_HOME": home, "CBIIC_NO_CACHE": ""})["exit_code"] == 0
    return home


@pytest.mark.parametrize("record", GOLDEN, ids=lambda record: " ".join(record["argv"]))
def test_answers_from_the_file_are_byte_identical_to_the_golden_file(record: dict) -> None:
    assert run(record["argv"], {"CBIIC_NO_CACHE": "1"}) == record


@pytest.mark.parametrize("record", GOLDEN, ids=lambda record: " ".join(record["argv"]))
def test_answers_from_the_store_are_byte_identical_to_the_golden_file(record: dict, store_home: str, monkeypatch) -> None:
    monkeypatch.setattr("cbiic_cli.load.parse_forum", lambda *a, **k: pytest.fail("answered from the file, not the store"))
    assert run(record["argv"], {"XDG_CACHE_HOME": store_home, "CBIIC_NO_CACHE": ""}) == record


def test_the_environment_fixes_the_layout() -> None:
    # Without a fixed width and locale the table cases would depend on the machine that runs them.
    assert ENVIRONMENT["COLUMNS"] and ENVIRONMENT["LC_ALL"] == "C.UTF-8"
