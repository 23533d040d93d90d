"""Every data command in every format: JSON parses, CSV parses (RFC 4180), Markdown has the right shape."""

from __future__ import annotations

import csv
import io
import json

import pytest

from support import invoke

COMMANDS = {
    "speakers": ["speakers"],
    "speaker": ["speaker", "li-ziming"],
    "talk": ["talk", "zheng-limin"],
    "theme": ["theme", "insurance"],
    "themes": ["themes"],
    "agenda": ["agenda"],
    "summary": ["summary"],
    "search": ["search", "insurance"],
    "orgs": ["orgs"],
}
LIST_COMMANDS = ["speakers", "talk", "theme", "themes", "agenda", "search", "orgs"]
PERSON_ITEM_COMMANDS = ["speakers", "talk", "theme", "search"]


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def output(name: str, fmt: str) -> str:
    """Exactly what cbiic wrote (click's Result.stdout would turn CRLF into LF)."""
    result = invoke(*COMMANDS[name], "--format", fmt)
    assert result.exit_code == 0, result.stderr
    return result.stdout_bytes.decode("utf-8")


@pytest.mark.parametrize("name", COMMANDS)
def test_json_parses(name):
    payload = json.loads(output(name, "json"))
    if name in LIST_COMMANDS:
        assert isinstance(payload, list) and payload
        assert all(isinstance(item, dict) for item in payload)
    else:
        assert isinstance(payload, dict)


@pytest.mark.parametrize("name", PERSON_ITEM_COMMANDS)
def test_json_items_about_a_person_carry_slug_name_affiliations_roles(name):
    for item in json.loads(output(name, "json")):
        assert {"slug", "name", "affiliations", "roles"} <= set(item)


@pytest.mark.parametrize("name", COMMANDS)
def test_json_keys_are_snake_case(name):
    def keys(value):
        if isinstance(value, dict):
            for key, inner in value.items():
                yield key
                yield from keys(inner)
        elif isinstance(value, list):
            for inner in value:
                yield from keys(inner)

    assert all(key == key.lower() and "-" not in key and " " not in key for key in keys(json.loads(output(name, "json"))))


@pytest.mark.parametrize("name", COMMANDS)
def test_csv_has_a_header_and_one_row_per_item(name):
    text = output(name, "csv")
    assert text.endswith("\r\n")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    header, body = rows[0], rows[1:]
    assert body
    assert all(len(row) == len(header) for row in body)
    json_payload = json.loads(output(name, "json"))
    items = json_payload if isinstance(json_payload, list) else json_payload["contributions"]
    assert len(body) == len(items)


def test_csv_joins_lists_with_semicolons():
    rows = list(csv.DictReader(io.StringIO(output("speakers", "csv"), newline="")))
    harbin = next(row for row in rows if row["slug"] == "ma-jun-harbin")
    assert harbin["affiliations"] == "Vice-Chairman, Clinical Research on Oncology Drugs Specialty Committee of PhIRDA; Director, Harbin Institute of Hematology and Oncology"
    assert harbin["roles"] == "opening; session moderator"


@pytest.mark.parametrize("name", ["speakers", "theme", "themes", "agenda", "search", "orgs"])
def test_markdown_list_is_a_gfm_table(name):
    lines = output(name, "markdown").strip().splitlines()
    assert lines[0].startswith("| ") and lines[0].endswith(" |")
    assert set(lines[1]) <= {"|", "-"}
    columns = lines[0].count(" | ") + 1
    assert len(lines) - 2 == len(json.loads(output(name, "json")))
    for line in lines[2:]:
        cells = line.replace("\\|", "").count(" | ") + 1
        assert cells == columns, line


@pytest.mark.parametrize("name", ["talk", "speaker", "summary"])
def test_markdown_documents_have_headings(name):
    text = output(name, "markdown")
    assert text.lstrip().startswith("#")
    assert "\n## " in text or text.startswith("## ")


def test_summary_markdown_is_a_complete_report():
    text = output("summary", "markdown")
    for heading in ("# Oncology Drugs Clinical Research Forum", "## Aims", "## Agenda", "## Talks", "## Panel discussion", "## Themes", "## Source"):
        assert heading in text
    assert "Myeloid Cells and the Shaping of the Tumor Immune Microenvironment" in text
    assert "Pharmaceutical Innovation and Industrial Integration" in text
    assert "Co-Founder, Managing Partner, LYZZ Capital" not in text or "Zhang Yong" in text


def test_format_short_option_and_case_insensitive():
    assert json.loads(invoke("themes", "-f", "JSON").stdout)


@pytest.mark.parametrize(("full", "empty"), [
    (["speakers"], ["speakers", "--org", "no-such-organisation"]),
    (["orgs"], ["orgs", "no-such-organisation"]),
    (["search", "insurance"], ["search", "no-such-word"]),
])
def test_csv_header_is_the_same_with_no_results(full, empty):
    """Scripts read columns by name; an empty answer must not change them."""
    header = invoke(*full, "--format", "csv").stdout_bytes.split(b"\r\n")[0]
    result = invoke(*empty, "--format", "csv")
    assert result.exit_code == 0
    assert result.stdout_bytes == header + b"\r\n"


def test_csv_nested_records_stay_splittable():
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(output("orgs", "csv"), newline=""))}
    assert rows["lyzz-capital"]["people"] == "Zhang Yong (zhang-yong): Co-Founder, Managing Partner"
    assert rows["lyzz-capital"]["contributions"] == "Panel remark (zhang-yong-remark)"
