"""The published JSON Schema: in step with the types, and accepted by a third-party validator."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from cbiic_cli.schema import schema_text
from support import REPO, SHIPPED, replace_once, shipped_text, write_forum

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
