"""`cbiic export json`: one document, valid against the committed schema, faithful to the article."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
from export_support import export_once, imported_by
from support import REPO, SHIPPED, invoke, replace_once, shipped_text

from cbiic_cli.export import common
from cbiic_cli.export import json as json_export
from cbiic_cli.query import item_themes

SCHEMA_FILE = REPO / "data" / "export.schema.json"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> Path:
    return export_once(tmp_path_factory, "json", "forum.json")


@pytest.fixture(scope="module")
def document(exported) -> dict:
    return json.loads(exported.read_text(encoding="utf-8"))


def contribution(document: dict, cid: str) -> dict:
    return next(item for item in document["contributions"] if item["id"] == cid)


def check_against_schema(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(CHECK_JSONSCHEMA), "--schemafile", str(SCHEMA_FILE), str(path)], check=False, capture_output=True, text=True)


def test_output_validates_against_the_published_schema(exported):
    result = check_against_schema(exported)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_rejects_a_talk_that_lost_its_speaker(document, tmp_path):
    broken = json.loads(json.dumps(document))
    del broken["contributions"][1]["speaker"]
    (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
    assert check_against_schema(tmp_path / "broken.json").returncode == 1


def test_committed_schema_is_the_generated_one():
    """data/export.schema.json is generated from the export types; regenerate it with the snippet in README's Exports section."""
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8")) == json_export.export_schema()


def test_document_decodes_into_the_export_types(exported):
    decoded = msgspec.json.decode(exported.read_bytes(), type=json_export.ExportDocument, strict=True)
    assert decoded.format == "cbiic-export"
    assert decoded.schema_version == json_export.SCHEMA_VERSION


def test_kinds_are_the_exports_four(document):
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert tuple(schema["$defs"]["ContributionKind"]["enum"]) == tuple(sorted(common.KINDS))
    kinds = [item["kind"] for item in document["contributions"]]
    assert kinds == ["opening"] + ["talk"] * 5 + ["panel-remark"] * 4 + ["panel-closing"]


def test_the_article_facts(document):
    assert document["forum"]["date"] == "2024-11-30"
    assert document["forum"]["city"] == "Guangzhou"
    assert document["source"]["published"] == "2025-03-10 10:19"
    people = {person["slug"]: person for person in document["people"]}
    assert len(people) == 10
    assert sorted(slug for slug, person in people.items() if person["name"] == "Ma Jun") == ["ma-jun-harbin", "ma-jun-sysucc"]
    zheng = contribution(document, "zheng-limin-myeloid-cells")
    assert zheng["title"] == "Myeloid Cells and the Shaping of the Tumor Immune Microenvironment"
    assert zheng["topic"] is None and zheng["source_paragraphs"] == [11]
    li = contribution(document, "li-ziming-nsclc-testing")
    assert li["title"] is None and li["topic"] == "Genetic testing in precision therapy for driver gene-positive NSCLC"


def test_uncertain_speaker_and_moderator_keep_both_candidates(document):
    closing = contribution(document, "panel-closing")
    assert closing["panel"] == "panel"
    for ref in (closing["speaker"], document["panel"]["moderator"]):
        assert ref["as_written"] == "Professor Ma Jun"
        assert ref["candidates"] == ["ma-jun-harbin", "ma-jun-sysucc"]
        assert ref["note"]["text"] and ref["note"]["source_paragraphs"]
    assert document["panel"]["contributions"][-1] == "panel-closing"


def test_opening_has_no_reported_content(document):
    opening = document["contributions"][0]
    assert opening["kind"] == "opening" and opening["speaker"] == "ma-jun-harbin"
    assert opening["key_points"] == [] and opening["themes"] == []


def test_themes_are_derived_from_key_points(document):
    from cbiic_cli.load import ForumSource, load_forum

    forum = load_forum(ForumSource(str(SHIPPED)))
    derived = {item.id: item_themes(item) for _, item, _ in common.contributions(forum)}
    assert {item["id"]: item["themes"] for item in document["contributions"]} == derived


def test_mentioned_organisations_are_not_affiliations(document):
    assert contribution(document, "feng-chen-research-hospitals")["organisations_mentioned"] == [
        "gobroad-healthcare-group",
        "hillhouse-investment",
    ]
    affiliated = {a["organisation"] for person in document["people"] for a in person["affiliations"]}
    assert "hillhouse-investment" not in affiliated


def test_sessions_list_no_talks(document):
    assert [(s["id"], s["moderator"], s.get("talks", [])) for s in document["sessions"]] == [
        ("session-1", "ma-jun-harbin", []),
        ("session-2", "xue-junli", []),
    ]


def test_dash_writes_the_same_document_to_stdout(exported):
    result = invoke("export", "json", "-")
    assert result.exit_code == 0
    assert result.stderr == ""
    assert json.loads(result.stdout) == json.loads(exported.read_text(encoding="utf-8"))


def test_a_reader_that_stops_early_is_not_an_error(tmp_path):
    """`cbiic export json - | head` exits 0 without a traceback, as every cbiic command does."""
    from export_support import CBIIC

    sys.path.insert(0, str(REPO / "benchmarks"))
    import make_forum

    data = tmp_path / "forum.yaml"
    data.write_text(make_forum.make_forum(300, 1), encoding="utf-8")  # far more than a pipe's buffer
    script = f'"{CBIIC}" --data "{data}" export json - | head -c 20 > /dev/null; echo "exit ${{PIPESTATUS[0]}}" >&2'
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env={"XDG_CACHE_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}, check=True
    )
    assert result.stderr.strip() == "exit 0"


def test_c1_control_characters_are_escaped(tmp_path):
    data = tmp_path / "hostile.yaml"
    data.write_text(replace_once(shipped_text(), "name: Luo Dan", 'name: "Luo\\x9bDan"'), encoding="utf-8")
    result = invoke("--data", str(data), "export", "json", "-")
    assert result.exit_code == 0, result.stderr
    assert "\x9b" not in result.stdout and "Luo\\u009bDan" in result.stdout
    assert any(person["name"] == "Luo\x9bDan" for person in json.loads(result.stdout)["people"])


def test_the_global_data_option_is_honoured(tmp_path):
    data = tmp_path / "renamed.yaml"
    data.write_text(replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dan (renamed)"), encoding="utf-8")
    result = invoke("--data", str(data), "export", "json", "-")
    assert result.exit_code == 0, result.stderr
    assert "Luo Dan (renamed)" in [person["name"] for person in json.loads(result.stdout)["people"]]


def test_export_json_imports_neither_jinja2_nor_rich(tmp_path):
    # sqlite3 it does import: the forum is read from its query store.
    modules = imported_by(["export", "json", "forum.json"], tmp_path, tmp_path)
    assert not modules & {"jinja2", "rich"}
