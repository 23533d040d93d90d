"""The exports of a congress of several forums: one SQLite database keyed by forum, one JSON document, one HTML page.

The congress is the shipped forum and a second forum made from it, as a curator would add one: another id and name,
and one person under another slug, linked to the first forum's by ``same_as``. Every other id recurs in both forums,
which is what the keys must survive. A congress of one forum (the shipped ``data/``) is exported exactly as its
file is: test_export_json, test_export_sqlite and test_export_html hold that, and the first tests here.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import msgspec
import pytest
from export_support import dump_dom
from support import REPO, SHIPPED, invoke, replace_once, shipped_text
from test_export_html import Page

from cbiic_cli import model
from cbiic_cli.export import ddl
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
    paths = {
        "json": export(congress, "json", out / "congress.json"),
        "html": export(congress, "html", out / "congress.html"),
        "sqlite": export(congress, "sqlite", out / "congress.db", "--metadata", str(out / "metadata.json")),
        "metadata": out / "metadata.json",
    }
    for forum_id, file in ((FIRST, "forum.yaml"), (SECOND, "second.yaml")):
        paths[f"{forum_id}.json"] = export(congress / file, "json", out / f"{forum_id}.json")
        paths[f"{forum_id}.db"] = export(congress / file, "sqlite", out / f"{forum_id}.db")
    return paths


# -- a congress of one forum is that forum ------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "name"), [("json", "forum.json"), ("sqlite", "forum.db"), ("html", "forum.html")])
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


# -- SQLite: one database, keyed by forum -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def db(exported):
    connection = sqlite3.connect(f"file:{exported['sqlite']}?mode=ro", uri=True)
    yield connection
    connection.close()


def column(connection, sql: str, *params) -> list:
    return [row[0] for row in connection.execute(sql, params)]


def tables_of(connection, kind: str = "table") -> list[str]:
    return column(
        connection,
        "SELECT name FROM sqlite_master WHERE type = ? AND name NOT LIKE 'contributions_fts%' AND name NOT LIKE 'sqlite_%' ORDER BY rowid",
        kind,
    )


def test_sqlite_has_a_row_for_each_forum_and_the_congress(db):
    assert db.execute("SELECT id, seq, file, name, date, city, article_title, article_published FROM forums ORDER BY seq").fetchall() == [
        (
            forum_id,
            seq,
            file,
            name,
            "2024-11-30",
            "Guangzhou",
            "Pharmaceutical Innovation and Industrial Integration: Focus on Clinical Research and Development of Anti-tumor Drugs",
            "2025-03-10 10:19",
        )
        for seq, (forum_id, file, name) in enumerate(
            [(SECOND, "second.yaml", SECOND_NAME), (FIRST, "forum.yaml", "Oncology Drugs Clinical Research Forum")], 1
        )
    ]
    assert db.execute("SELECT name, year, city, source_forum FROM congress").fetchall() == [
        ("2024 China BioMed Innovation and Investment Conference (CBIIC)", 2024, "Guangzhou", FIRST)
    ]
    assert column(db, "SELECT article_line FROM congress_citations") == [3]
    assert dict(db.execute("SELECT key, value FROM cbiic_export"))["format"] == "cbiic-congress-export"
    assert db.execute("PRAGMA application_id").fetchone()[0] == ddl.APPLICATION_ID


def test_every_table_is_keyed_by_forum_and_every_reference_stays_within_its_forum(db):
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    for table in tables_of(db):
        if table in ("cbiic_export", "forums", "congress", "congress_citations"):
            continue
        columns = column(db, f"SELECT name FROM pragma_table_info('{table}')")
        assert columns[0] == "forum", table
        keys = column(db, f"SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk")
        unique = [
            column(db, f"SELECT name FROM pragma_index_info('{index}') ORDER BY seqno")
            for (index,) in db.execute(f"SELECT name FROM pragma_index_list('{table}') WHERE \"unique\"")
        ]
        # The key is (forum, ...), but for contributions' seq, the full-text index's rowid, whose (forum, id) is unique.
        assert keys[0] == "forum" or ["forum", "id"] in unique, table
        references: dict[int, list[tuple[str, str, str]]] = {}
        for key_id, target, source, to in db.execute(f'SELECT id, "table", "from", "to" FROM pragma_foreign_key_list(\'{table}\')'):
            references.setdefault(key_id, []).append((target, source, to))
        for pairs in references.values():
            if pairs[0][0] == "forums":
                assert pairs == [("forums", "forum", "id")], table
            elif table != "person_same_as":
                assert pairs[0][1:] == ("forum", "forum"), (table, pairs)


def test_each_forums_rows_are_its_own_exports_rows(db, exported):
    """Every table of the congress holds, for each forum, exactly the rows that forum's own export holds, with its forum
    in front (contributions are numbered on across the congress, in the same order)."""
    for forum_id in ORDER:
        alone = sqlite3.connect(f"file:{exported[f'{forum_id}.db']}?mode=ro", uri=True)
        for table in tables_of(alone) + tables_of(alone, "view"):
            if table in ("cbiic_export", "source", "forum"):
                continue
            names = column(alone, f"SELECT name FROM pragma_table_info('{table}')")
            if table in ("contributions", "contributions_overview"):
                names.remove("seq")
                order = "seq"
            else:
                order = ", ".join(names)
            listed = ", ".join(names)
            mine = db.execute(f"SELECT {listed} FROM {table} WHERE forum = ? ORDER BY {order}", (forum_id,)).fetchall()
            assert mine == alone.execute(f"SELECT {listed} FROM {table} ORDER BY {order}").fetchall(), (forum_id, table)
        facts = alone.execute("SELECT name, conference, date, city, participants, organisers_as_written FROM forum").fetchone()
        assert (
            db.execute(
                "SELECT name, conference, date, city, participants, organisers_as_written FROM forums WHERE id = ?", (forum_id,)
            ).fetchone()
            == facts
        )
        alone.close()
    assert column(db, "SELECT seq FROM contributions ORDER BY seq") == list(range(1, 23))


def test_queries_across_forums_keep_each_forums_people_apart(db):
    """The same talk id in both forums, each with its own speaker; the full-text index finds both."""
    found = db.execute(
        """SELECT c.forum, c.id, p.slug FROM contributions_fts f JOIN contributions c ON c.seq = f.rowid
           JOIN people p ON p.forum = c.forum AND p.slug = c.speaker_slug WHERE contributions_fts MATCH 'myeloid' ORDER BY c.seq"""
    ).fetchall()
    assert found == [(SECOND, "zheng-limin-myeloid-cells", "limin-zheng"), (FIRST, "zheng-limin-myeloid-cells", "zheng-limin")]
    assert db.execute("SELECT forum, count(*) FROM contributions GROUP BY forum ORDER BY forum").fetchall() == [(SECOND, 11), (FIRST, 11)]


def test_sqlite_links_the_same_person_as_the_curator_does(db):
    assert db.execute("SELECT forum, person_slug, same_forum, same_slug FROM person_same_as").fetchall() == [
        (SECOND, "limin-zheng", FIRST, "zheng-limin")
    ]
    assert db.execute("SELECT * FROM linked_people ORDER BY forum").fetchall() == [
        (SECOND, "limin-zheng", FIRST, "zheng-limin"),
        (FIRST, "zheng-limin", SECOND, "limin-zheng"),
    ]


def test_person_roles_agree_with_cbiic_speakers_of_the_congress(db, congress):
    people = json.loads(invoke("--data", str(congress), "speakers", "--format", "json").stdout)
    stated = {(p["forum"], p["slug"], role) for p in people for role in p["roles"]}
    possible = {(p["forum"], p["slug"], role) for p in people for role in p["possible_roles"]}
    roles = db.execute("SELECT forum, forum || '/' || person_slug, role, attribution FROM person_roles").fetchall()
    assert {(f, s, r) for f, s, r, a in roles if a == "stated"} == stated
    assert {(f, s, r) for f, s, r, a in roles if a == "possible"} == possible


def test_the_congress_schemas_checks_are_the_vocabularys_and_every_reference_is_indexed():
    connection = sqlite3.connect(":memory:")
    ddl.create_schema(connection, congress=True)
    sql = dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    for kind in model.OrganisationKind:
        assert f"'{kind.value}'" in sql["organisations"]
    for kind in model.ContributionKind:
        assert f"'{kind.value}'" in sql["contributions"]
    for table in tables_of(connection):
        indexed = [
            column(connection, f"SELECT name FROM pragma_index_info('{index}') ORDER BY seqno")
            for (index,) in connection.execute(f"SELECT name FROM pragma_index_list('{table}')")
        ]
        indexed.append(column(connection, f"SELECT name FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk"))
        keys: dict[int, list[str]] = {}
        for key_id, source in connection.execute(f"SELECT id, \"from\" FROM pragma_foreign_key_list('{table}') ORDER BY id, seq"):
            keys.setdefault(key_id, []).append(source)
        for columns in keys.values():
            assert any(index[: len(columns)] == columns for index in indexed), f"{table}({', '.join(columns)}) has no index"
    described = set(tables_of(connection) + tables_of(connection, "view")) | {"contributions_fts"}
    assert set(ddl.CONGRESS_DESCRIPTIONS) == described


def test_the_congress_database_refuses_what_a_forums_refuses(exported, tmp_path):
    """The forum's CHECKs hold in the congress's tables, and a key is unique within a forum, not across forums."""
    path = tmp_path / "copy.db"
    shutil.copy(exported["sqlite"], path)
    connection = sqlite3.connect(path)
    for change in (
        "UPDATE contributions SET topic = 'ours' WHERE kind = 'talk' AND title IS NOT NULL",
        "UPDATE contributions SET kind = 'keynote' WHERE kind = 'talk'",
        "UPDATE contributions SET speaker_reference_id = 'panel/moderator' WHERE speaker_slug IS NOT NULL",
        "UPDATE organisations SET kind = 'club'",
        f"UPDATE people SET forum = '{FIRST}' WHERE forum = '{SECOND}' AND slug = 'luo-dan'",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            connection.execute(change)
    assert connection.execute("SELECT count(*) FROM people WHERE slug = 'luo-dan'").fetchone() == (2,)  # one in each forum
    connection.close()


def test_datasette_metadata_describes_every_table_and_facets_by_forum(db, exported):
    metadata = json.loads(exported["metadata"].read_text(encoding="utf-8"))
    assert metadata["title"] == "2024 China BioMed Innovation and Investment Conference (CBIIC): who said what"
    tables = metadata["databases"]["congress"]["tables"]
    for name in tables_of(db) + tables_of(db, "view"):
        assert tables[name]["description"], name
    assert all(entry["facets"][0] == "forum" for name, entry in tables.items() if "facets" in entry and name != "forums")


def test_sqlite_utils_finds_the_full_text_index(exported):
    import sqlite_utils

    table = sqlite_utils.Database(exported["sqlite"])["contributions"]
    assert table.detect_fts() == "contributions_fts"
    assert sorted(row["forum"] for row in table.search("myeloid")) == sorted(ORDER)


@pytest.mark.slow
def test_datasette_searches_and_facets_the_congress_by_forum(exported):
    from test_export_sqlite import _free_port, _get_json

    port = _free_port()
    command = [sys.executable, "-m", "datasette", "serve", str(exported["sqlite"]), "--metadata", str(exported["metadata"])]
    server = subprocess.Popen([*command, "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/congress"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get_json(f"{base}.json")
                break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "datasette did not start"
                time.sleep(0.2)
        found = _get_json(f"{base}/contributions.json?_search=myeloid&_shape=objects")
        assert sorted((row["forum"], row["id"]) for row in found["rows"]) == [
            (forum_id, "zheng-limin-myeloid-cells") for forum_id in sorted(ORDER)
        ]
        facets = _get_json(f"{base}/contributions.json?_facet=forum")["facet_results"]["forum"]["results"]
        assert {facet["value"]: facet["count"] for facet in facets} == {SECOND: 11, FIRST: 11}
    finally:
        server.terminate()
        server.wait(timeout=10)


# -- HTML: one page ---------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def html(exported) -> str:
    return exported["html"].read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(html) -> Page:
    return Page(html)


def test_html_ids_are_unique_and_every_link_lands(page):
    ids = [attrs["id"] for _, attrs in page.elements if "id" in attrs]
    assert len(ids) == len(set(ids))
    links = {attrs["href"][1:] for _, attrs in page.elements if (attrs.get("href") or "").startswith("#")}
    assert links and links <= set(ids)


def test_html_has_the_congress_header_then_a_section_per_forum(page, document):
    assert "2024 China BioMed Innovation and Investment Conference (CBIIC)" in page.text
    sections = [attrs["id"] for attrs in page.with_class("forum")]
    assert sections == [f"{forum_id}/forum" for forum_id in ORDER]
    cards = [attrs["id"] for attrs in page.with_class("contribution")]
    assert cards == [f"{forum['id']}/c-{item['id']}" for forum in document["forums"] for item in forum["contributions"]]
    assert page.text.count("Theme map") == 2  # each forum's own map of themes and people


def test_html_forum_by_theme_map_counts_each_forums_contributions(page, document):
    table = page.tables[1]  # the forums' table comes first
    columns = [cell[2] for cell in table[0][1:]]
    assert columns == [f"{forum['forum']['name']} ({forum['id']})" for forum in document["forums"]]
    counts = {(row[0][2], column): int(cell[2].split()[0]) for row in table[1:] for column, cell in zip(columns, row[1:])}
    expected: dict[tuple[str, str], int] = {}
    for forum, name in zip(document["forums"], columns):
        labels = {theme["id"]: theme["label"] for theme in forum["themes"]}
        for item in forum["contributions"]:
            for theme in item["themes"]:
                expected[(labels[theme], name)] = expected.get((labels[theme], name), 0) + 1
    assert {key: value for key, value in counts.items() if value} == expected
    cell = next(row for row in table[1:] if row[0][2] == "Immunotherapy")[1]
    assert "Myeloid Cells and the Shaping of the Tumor Immune Microenvironment" in cell[2]


def test_html_shows_the_person_linked_across_forums_in_each_forum(page, html):
    for here, there in ((LINKED[0], LINKED[1]), (LINKED[1], LINKED[0])):
        forum_id, slug = here.split("/")
        other_forum, other_slug = there.split("/")
        person = html[html.index(f'<li id="{forum_id}/p-{slug}"') :]
        person = person[: person.index("</li>")]
        assert f'href="#{other_forum}/p-{other_slug}"' in person and f"({there})" in person
    assert "The same person in several forums" in page.text
    assert sum(1 for attrs in page.with_class("also")) == 2


def test_html_limit_cuts_the_forum_map_and_says_so(congress, tmp_path):
    limited = Page(export(congress, "html", tmp_path / "limited.html", "--limit", "1").read_text(encoding="utf-8"))
    table = limited.tables[1]
    assert len(table) == 2 and len(table[0]) == 2
    assert "1 of 14 themes and 1 of 2 forums in the map; --limit 0 for all" in limited.text


def test_html_renders_in_chromium_and_filters_every_forum(exported):
    from export_support import chromium

    dom = Page(chromium(["--dump-dom"], exported["html"].resolve().as_uri() + "#filter=myeloid").stdout)
    shown = [attrs["id"] for attrs in dom.with_class("contribution") if "hidden" not in attrs]
    assert shown == [f"{forum_id}/c-zheng-limin-myeloid-cells" for forum_id in ORDER]
    assert "2 of 22 contributions match" in dom.text
    shown_groups = [attrs["aria-labelledby"] for attrs in dom.with_class("group") if "hidden" not in attrs]
    assert shown_groups == [f"{forum_id}/talks-heading" for forum_id in ORDER]


@pytest.mark.slow
def test_html_of_a_hostile_forum_name_shows_it_and_runs_nothing(tmp_path):
    hostile = "<script>document.title='pwned'</script>"
    second = replace_once(second_forum_text(), f"  name: {SECOND_NAME}\n", f'  name: "{hostile}"\n')
    report = export(make_congress(tmp_path, second), "html", tmp_path / "hostile.html")
    assert "<script>document.title" not in report.read_text(encoding="utf-8")
    dom = dump_dom(report)
    assert hostile in Page(dom).text
    assert re.search(r"<title>(.*?)</title>", dom, re.DOTALL).group(1).endswith("who said what")
