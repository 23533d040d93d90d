"""The exports of a congress of several forums: one JSON document.

The congress is the shipped forum and a second forum made from it, as a curator would add one: another id and name,
and one person under another slug, linked to the first forum's by ``same_as``. Every other id recurs in both forums,
which is what the keys must survive. A congress of one forum (the shipped ``data/``) is exported exactly as its
file is: test_export_json holds that, and the first tests here.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import msgspec
import pytest
from support import REPO, SHIPPED, invoke, replace_once, shipped_text

from cbiic_cli.export import json as json_export

FIRST, SECOND = "oncology-drugs", "immuno-oncology"
SECOND_NAME = "Immuno-Oncology Forum"
# Both forums are dated 30 November 2024, so the congress's order is by id.
ORDER = [SECOND, FIRST]
LINKED = [f"{SECOND}/limin-zheng", f"{FIRST}/zheng-limin"]
SCHEMA_FILE = REPO / "data" / "export.schema.json"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"


def second_forum_text() -> str:
    text = replace_once(shipped_text(), f"\nid: {FIRST}\n", f"\nid: {SECOND}\n")
    text = replace_once(text, "  name: Oncology Drugs Clinical Research Forum\n", f"  name: {SECOND_NAME}\n")
    text = replace_once(
        text,
        "  - slug: zheng-limin\n    name: Zheng Limin\n",
        f"  - slug: limin-zheng\n    name: Zheng Limin\n    same_as: [{FIRST}/zheng-limin]\n",
    )
    return replace_once(text, "speaker: zheng-limin\n", "speaker: limin-zheng\n")


def make_congress(directory: Path, second: str | None = None) -> Path:
    """The shipped congress with a second forum (``second.yaml``) listed beside the first."""
    shutil.copy(SHIPPED, directory / "forum.yaml")
    (directory / "second.yaml").write_text(second or second_forum_text(), encoding="utf-8")
    congress = (SHIPPED.parent / "congress.yaml").read_text(encoding="utf-8")
    listed = congress[congress.index("  - file: forum.yaml\n") :]
    (directory / "congress.yaml").write_text(congress + listed.replace("file: forum.yaml", "file: second.yaml"), encoding="utf-8")
    return directory


def export(data: Path, fmt: str, target: Path, *options: str) -> Path:
    result = invoke("--data", str(data), "export", fmt, str(target), *options)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == ""
    return target


@pytest.fixture(scope="module")
def congress(tmp_path_factory) -> Path:
    return make_congress(tmp_path_factory.mktemp("congress"))


@pytest.fixture(scope="module")
def exported(congress, tmp_path_factory) -> dict[str, Path]:
    """Each export of the congress, and each forum's own, written once for the module."""
    out = tmp_path_factory.mktemp("congress-exports")
    paths = {"json": export(congress, "json", out / "congress.json")}
    for forum_id, file in ((FIRST, "forum.yaml"), (SECOND, "second.yaml")):
        paths[f"{forum_id}.json"] = export(congress / file, "json", out / f"{forum_id}.json")
    return paths


# -- a congress of one forum is that forum ------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "name"), [("json", "forum.json")])
def test_a_congress_of_one_forum_is_exported_as_its_forum_file_is(fmt, name, tmp_path):
    """The shipped data/ is a congress of one forum: its exports are the forum file's, byte for byte."""
    (tmp_path / "directory").mkdir()
    (tmp_path / "file").mkdir()
    from_directory = export(SHIPPED.parent, fmt, tmp_path / "directory" / name)
    from_file = export(SHIPPED, fmt, tmp_path / "file" / name)
    assert from_directory.read_bytes() == from_file.read_bytes()


# -- JSON: one document ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def document(exported) -> dict:
    return json.loads(exported["json"].read_text(encoding="utf-8"))


def test_json_is_one_document_with_the_congresss_facts_and_its_forums(document):
    assert (document["format"], document["schema_version"]) == ("cbiic-congress-export", 1)
    assert document["congress"] == {
        "name": "2024 China BioMed Innovation and Investment Conference (CBIIC)",
        "year": 2024,
        "city": "Guangzhou",
        "source_forum": "forum.yaml",
        "source_paragraphs": [3],
    }
    assert [(forum["id"], forum["file"]) for forum in document["forums"]] == [(SECOND, "second.yaml"), (FIRST, "forum.yaml")]
    assert [forum["forum"]["name"] for forum in document["forums"]] == [SECOND_NAME, "Oncology Drugs Clinical Research Forum"]
    assert any("Ids are unique within a forum" in note for note in document["notes"])


def test_each_forum_is_its_own_document_with_its_id(document, exported):
    """A forum of the congress holds exactly what that forum's export holds, but the envelope the congress says once."""
    for forum in document["forums"]:
        alone = json.loads(exported[f"{forum['id']}.json"].read_text(encoding="utf-8"))
        assert {"format", "schema_version", "generator"} <= set(alone)
        assert {k: v for k, v in forum.items() if k not in ("id", "file")} == {
            k: v for k, v in alone.items() if k not in ("format", "schema_version", "generator")
        }


def test_json_names_the_person_linked_across_forums_and_no_namesake(document):
    """Zheng Limin is linked (written at one end only); the other eight people of both forums share a slug and a name,
    and the two Ma Juns a name, yet none of them is linked: only the curator links people."""
    assert document["same_people"] == [LINKED]
    second = next(forum for forum in document["forums"] if forum["id"] == SECOND)
    assert next(p for p in second["people"] if p["slug"] == "limin-zheng")["same_as"] == [LINKED[1]]


def test_json_validates_against_the_published_schema_and_a_broken_one_does_not(exported, document, tmp_path):
    def check(path: Path) -> int:
        return subprocess.run(
            [str(CHECK_JSONSCHEMA), "--schemafile", str(SCHEMA_FILE), str(path)], check=False, capture_output=True
        ).returncode

    assert check(exported["json"]) == 0
    for label, breaking in (
        ("a forum without its id", lambda d: d["forums"][0].pop("id")),
        ("a forum shape's key at the top", lambda d: d.update(contributions=[])),
        ("a forum's format on a congress", lambda d: d.update(format="cbiic-export")),
        ("a talk without its speaker", lambda d: d["forums"][1]["contributions"][1].pop("speaker")),
    ):
        broken = json.loads(json.dumps(document))
        breaking(broken)
        (tmp_path / "broken.json").write_text(json.dumps(broken), encoding="utf-8")
        assert check(tmp_path / "broken.json") == 1, label


def test_json_decodes_into_the_congress_types(exported):
    decoded = msgspec.json.decode(exported["json"].read_bytes(), type=json_export.CongressExportDocument, strict=True)
    assert [forum.id for forum in decoded.forums] == ORDER


def test_the_schema_describes_a_forums_document_exactly_as_its_types_do():
    """The congress's shape is added beside the forum's (oneOf), which keeps every definition it had."""
    from cbiic_cli.schema import json_schema_of

    schema = json_export.export_schema()
    assert schema["oneOf"] == [{"$ref": "#/$defs/ExportDocument"}, {"$ref": "#/$defs/CongressExportDocument"}]
    for name, definition in json_schema_of(json_export.ExportDocument)["$defs"].items():
        assert schema["$defs"][name] == definition, name


def test_an_earlier_congress_export_is_replaced_without_force(congress, exported, tmp_path):
    target = tmp_path / "again.json"
    shutil.copy(exported["json"], target)
    assert invoke("--data", str(congress), "export", "json", str(target)).exit_code == 0
    shutil.copy(exported[f"{FIRST}.json"], target)
    assert invoke("--data", str(congress), "export", "json", str(target)).exit_code == 0
