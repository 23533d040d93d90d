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


@pytest.mark.parametrize("record", GOLDEN, ids=lambda record: " ".join(record["argv"]))
def test_output_is_byte_identical_to_the_golden_file(record: dict) -> None:
    assert run(record["argv"]) == record


def test_the_environment_fixes_the_layout() -> None:
    # Without a fixed width and locale the table cases would depend on the machine that runs them.
    assert ENVIRONMENT["COLUMNS"] and ENVIRONMENT["LC_ALL"] == "C.UTF-8"
