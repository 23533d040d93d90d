"""A store answers every command as the file does, on a generated forum large enough for ties, phrases and typos.

The golden files prove it byte for byte on the shipped forum; this test proves
it where search has hundreds of hits to rank (scores computed by SQLite must
equal those computed in Python to the last bit, or ties would reorder).
"""

from __future__ import annotations

import pytest

from support import generated_forum, invoke

QUERIES = [
    ["tumor"],
    ["immune"],
    ["pd1"],
    ["PD-1", "inhibitor"],
    ['"tumor microenvironment"'],
    ["anti-tumour"],
    ["clinical-trials"],
    ["artificial", "intelligence"],
    ["AI"],
    ["immunotheraphy"],
    ["hospital", "--theme", "immunotherapy"],
    ["cancer", "--limit", "0"],
    ["trial", "-n", "5"],
    ["professor"],
    ["nobody-writes-this"],
    ["肿瘤"],
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return generated_forum(tmp_path_factory.mktemp("generated"), 300, 11)


def commands(path) -> list[list[str]]:
    import json

    talks = json.loads(invoke("--data", str(path), "--no-cache", "agenda", "-f", "json").stdout)["items"]
    people = json.loads(invoke("--data", str(path), "--no-cache", "speakers", "-f", "json").stdout)
    themes = json.loads(invoke("--data", str(path), "--no-cache", "themes", "-f", "json").stdout)
    found = [["search", *query, "-f", fmt] for query in QUERIES for fmt in ("json", "table")]
    found += [["talk", item["id"], "-f", "json"] for item in talks[::37] if item["kind"] == "talk"]
    found += [["speaker", person["slug"], "-f", "json"] for person in people[::29]]
    found += [["theme", theme["id"], "-f", "jsonl"] for theme in themes]
    found += [["speakers", "-f", "csv"], ["speakers", "--theme", themes[0]["id"]], ["themes"], ["agenda", "-f", "csv"], ["summary", "-f", "json"], ["orgs", "-f", "jsonl"], ["talk", "panel"], ["export", "json", "-"]]
    return found


@pytest.mark.parametrize("math_functions", [True, False], ids=["sqlite-with-ln", "sqlite-without-ln"])
def test_the_store_answers_as_the_file_does(math_functions, generated, tmp_path, monkeypatch):
    from cbiic_cli import search

    if not math_functions:  # SQLite builds without its math functions rank in two passes
        monkeypatch.setattr(search._StoreEngine, "_has_ln", lambda self: False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_NO_CACHE", raising=False)
    assert invoke("--data", str(generated), "themes").exit_code == 0  # builds the store
    assert list((tmp_path / "cache" / "cbiic").glob("*.sqlite"))
    from cbiic_cli import load

    def refuse(*args):
        pytest.fail("answered from the file, not the store")

    for args in commands(generated):
        from_file = invoke("--data", str(generated), "--no-cache", *args)
        with monkeypatch.context() as patch:
            patch.setattr(load, "parse_forum", refuse)
            from_store = invoke("--data", str(generated), *args)
        assert (from_store.exit_code, from_store.stdout, from_store.stderr) == (from_file.exit_code, from_file.stdout, from_file.stderr), args

