"""`cbiic export sqlite`: the database answers the article's facts when queried with sqlite3, sqlite-utils and datasette."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from export_support import export_once, imported_by, one_line_error, run_cbiic
from support import REPO, SHIPPED, invoke, replace_once, shipped_text

from cbiic_cli import model
from cbiic_cli.export import common, ddl


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> tuple[Path, Path]:
    """The shipped forum exported by the installed cbiic: (database, datasette metadata)."""
    database = export_once(tmp_path_factory, "sqlite", "forum.db", "--metadata", "{dir}/metadata.json")
    return database, database.parent / "metadata.json"


@pytest.fixture(scope="module")
def db(exported):
    connection = sqlite3.connect(f"file:{exported[0]}?mode=ro", uri=True)
    yield connection
    connection.close()


def column(db, sql: str, *params) -> list:
    return [row[0] for row in db.execute(sql, params)]


# -- the article's facts, straight from SQL ------------------------------------------


def test_ten_people_and_two_distinct_ma_juns(db):
    assert db.execute("SELECT count(*) FROM people").fetchone()[0] == 10
    ma_juns = db.execute(
        """SELECT p.slug, group_concat(o.name, '; ') FROM people p
           JOIN affiliations a ON a.person_slug = p.slug JOIN organisations o ON o.id = a.organisation_id
           WHERE p.name = 'Ma Jun' GROUP BY p.slug ORDER BY p.slug"""
    ).fetchall()
    assert [slug for slug, _ in ma_juns] == ["ma-jun-harbin", "ma-jun-sysucc"]
    assert "Harbin Institute of Hematology and Oncology" in ma_juns[0][1]
    assert "Sun Yat-sen University Cancer Center" in ma_juns[1][1]


def test_full_text_search_for_myeloid_finds_zheng_limins_talk(db):
    found = db.execute(
        """SELECT c.id, c.title, p.name FROM contributions_fts
           JOIN contributions c ON c.seq = contributions_fts.rowid JOIN people p ON p.slug = c.speaker_slug
           WHERE contributions_fts MATCH 'myeloid' ORDER BY rank"""
    ).fetchall()
    assert found == [("zheng-limin-myeloid-cells", "Myeloid Cells and the Shaping of the Tumor Immune Microenvironment", "Zheng Limin")]


def test_full_text_index_covers_topics_and_key_points(db):
    def search(query: str) -> list[str]:
        return column(
            db,
            "SELECT c.id FROM contributions_fts JOIN contributions c ON c.seq = contributions_fts.rowid WHERE contributions_fts MATCH ?",
            query,
        )

    assert search('topic:"research hospital model"') == ["feng-chen-research-hospitals"]
    assert "li-ziming-nsclc-testing" in search("key_points_text:NGS")
    assert search("title:NGS") == []


def test_every_contributions_themes_match_cbiic_theme(db):
    themes = column(db, "SELECT id FROM themes ORDER BY seq")
    assert len(themes) == 14
    for theme in themes:
        result = invoke("theme", theme, "--format", "json")
        assert result.exit_code == 0, result.stderr
        expected = {row["id"] for row in json.loads(result.stdout)}
        exported = set(column(db, "SELECT contribution_id FROM contribution_themes WHERE theme_id = ?", theme))
        assert exported == expected, theme


def test_contribution_themes_are_the_key_points_themes_in_order_of_first_appearance(db):
    forum = _shipped_forum()
    from cbiic_cli.query import item_themes

    for _, item, _ in common.contributions(forum):
        assert column(db, "SELECT theme_id FROM contribution_themes WHERE contribution_id = ? ORDER BY seq", item.id) == item_themes(item)
    derived = db.execute("SELECT DISTINCT contribution_id, theme_id FROM key_point_themes ORDER BY 1, 2").fetchall()
    assert derived == db.execute("SELECT contribution_id, theme_id FROM contribution_themes ORDER BY 1, 2").fetchall()


def test_title_is_the_articles_and_topic_ours_in_separate_columns(db):
    rows = {cid: (title, topic) for cid, title, topic in db.execute("SELECT id, title, topic FROM contributions WHERE kind = 'talk'")}
    assert rows["zheng-limin-myeloid-cells"] == ("Myeloid Cells and the Shaping of the Tumor Immune Microenvironment", None)
    assert rows["li-ziming-nsclc-testing"] == (None, "Genetic testing in precision therapy for driver gene-positive NSCLC")
    assert all((title is None) != (topic is None) for title, topic in rows.values())
    assert (
        db.execute("SELECT count(*) FROM contributions WHERE kind <> 'talk' AND (title IS NOT NULL OR topic IS NOT NULL)").fetchone()[0]
        == 0
    )


def test_kinds_opening_without_content_and_closing_inside_the_panel(db):
    kinds = db.execute("SELECT kind, count(*) FROM contributions GROUP BY kind ORDER BY kind").fetchall()
    assert kinds == [("opening", 1), ("panel-closing", 1), ("panel-remark", 4), ("talk", 5)]
    assert db.execute("SELECT speaker_slug, panel_id FROM contributions WHERE kind = 'opening'").fetchone() == ("ma-jun-harbin", None)
    assert column(db, "SELECT count(*) FROM key_points WHERE contribution_id = 'opening-speech'") == [0]
    assert column(db, "SELECT count(*) FROM contribution_themes WHERE contribution_id = 'opening-speech'") == [0]
    assert column(db, "SELECT panel_id FROM contributions WHERE kind IN ('panel-remark', 'panel-closing')") == ["panel"] * 5
    # In the order the article reports them: opening first, the panel's closing words last.
    assert column(db, "SELECT id FROM contributions ORDER BY seq")[::10] == ["opening-speech", "panel-closing"]


def test_uncertain_attributions_are_candidates_never_a_guess(db):
    for table, key, column_name in (("contributions", "panel-closing", "speaker"), ("panel", "panel", "moderator")):
        slug, reference = db.execute(f"SELECT {column_name}_slug, {column_name}_reference_id FROM {table} WHERE id = ?", (key,)).fetchone()
        assert slug is None
        as_written, note = db.execute(
            "SELECT r.as_written, n.text FROM uncertain_references r JOIN notes n ON n.id = r.note_id WHERE r.id = ?", (reference,)
        ).fetchone()
        assert as_written == "Professor Ma Jun"
        assert "Ma Jun" in note
        assert column(db, "SELECT person_slug FROM uncertain_reference_candidates WHERE reference_id = ? ORDER BY seq", reference) == [
            "ma-jun-harbin",
            "ma-jun-sysucc",
        ]
    roles = db.execute("SELECT person_slug, attribution FROM person_roles WHERE role = 'panel closing' ORDER BY 1").fetchall()
    assert roles == [("ma-jun-harbin", "possible"), ("ma-jun-sysucc", "possible")]


def test_sessions_have_moderators_and_no_talks(db):
    assert db.execute("SELECT id, moderator_slug FROM sessions ORDER BY seq").fetchall() == [
        ("session-1", "ma-jun-harbin"),
        ("session-2", "xue-junli"),
    ]
    assert db.execute("SELECT count(*) FROM session_talks").fetchone()[0] == 0


def test_affiliated_people_and_mentions_stay_apart(db):
    assert column(db, "SELECT count(*) FROM affiliations WHERE organisation_id = 'hillhouse-investment'") == [0]
    assert column(db, "SELECT contribution_id FROM organisation_mentions WHERE organisation_id = 'hillhouse-investment'") == [
        "feng-chen-research-hospitals"
    ]
    assert column(db, "SELECT person_slug FROM affiliations WHERE organisation_id = 'lyzz-capital'") == ["zhang-yong"]


def test_citations_are_article_lines(db):
    assert column(db, "SELECT article_line FROM contribution_citations WHERE contribution_id = 'zheng-limin-myeloid-cells'") == [11]
    assert db.execute(
        "SELECT item_type, item_id, article_line FROM citations WHERE item_type = 'contribution' AND item_id = 'li-ziming-nsclc-testing'"
    ).fetchall() == [("contribution", "li-ziming-nsclc-testing", 13)]
    assert db.execute("SELECT title, published FROM source").fetchone() == (
        "Pharmaceutical Innovation and Industrial Integration: Focus on Clinical Research and Development of Anti-tumor Drugs",
        "2025-03-10 10:19",
    )


def test_foreign_keys_are_declared_hold_and_are_indexed(db):
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    tables = column(
        db, "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'contributions_fts%' AND name NOT LIKE 'sqlite_%'"
    )
    declared = 0
    for table in tables:
        indexed = []
        for (index,) in db.execute(f"SELECT name FROM pragma_index_list('{table}')"):
            indexed.append([name for (name,) in db.execute(f"SELECT name FROM pragma_index_info('{index}') ORDER BY seqno")])
        primary = [name for name, pk in db.execute(f"SELECT name, pk FROM pragma_table_info('{table}') WHERE pk > 0 ORDER BY pk")]
        indexed.append(primary)
        keys: dict[int, list[str]] = {}
        for key_id, source_column in db.execute(f"SELECT id, \"from\" FROM pragma_foreign_key_list('{table}') ORDER BY id, seq"):
            keys.setdefault(key_id, []).append(source_column)
        for columns in keys.values():
            declared += 1
            assert any(index[: len(columns)] == columns for index in indexed), f"{table}({', '.join(columns)}) has no index"
    assert declared >= 30


def test_the_file_says_it_is_a_cbiic_export(db, exported):
    assert db.execute("PRAGMA application_id").fetchone()[0] == ddl.APPLICATION_ID
    assert db.execute("PRAGMA user_version").fetchone()[0] == ddl.SCHEMA_VERSION
    assert dict(db.execute("SELECT key, value FROM cbiic_export"))["format"] == "cbiic-export"
    assert ddl.is_cbiic_database(exported[0].read_bytes()[:100])


def test_schema_enumerations_match_the_model():
    connection = sqlite3.connect(":memory:")
    ddl.create_schema(connection)
    sql = dict(connection.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'"))
    for kind in model.OrganisationKind:
        assert f"'{kind.value}'" in sql["organisations"]
    assert sql["organisations"].count("'") == 2 * len(model.OrganisationKind)
    for kind in common.KINDS:
        assert f"'{kind}'" in sql["contributions"]
    assert set(ddl.DESCRIPTIONS) == set(
        column(connection, "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'contributions_fts_%'")
    )


# -- sqlite-utils and datasette recognise the full-text index ----------------------------


def test_sqlite_utils_detects_the_full_text_index(exported):
    import sqlite_utils

    database = sqlite_utils.Database(exported[0])
    table = database["contributions"]
    assert table.detect_fts() == "contributions_fts"
    assert [row["id"] for row in table.search("myeloid")] == ["zheng-limin-myeloid-cells"]


def test_metadata_for_datasette(exported, db):
    metadata = json.loads(exported[1].read_text(encoding="utf-8"))
    database = metadata["databases"]["forum"]
    assert "Pharmaceutical Innovation and Industrial Integration" in database["source"]
    assert "2025-03-10" in database["source"]
    tables = database["tables"]
    for name in column(
        db,
        "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'contributions_fts_%' AND name NOT LIKE 'sqlite_%'",
    ):
        assert tables[name]["description"], name
    facets = {json.dumps(facet) for entry in tables.values() for facet in entry.get("facets", [])}
    for wanted in ('"theme_id"', '"kind"', '"organisation_id"', '"role"', '{"array": "themes"}'):
        assert wanted in facets


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def datasette(exported):
    """datasette serving the export on a free loopback port; stopped after the tests."""
    database, metadata = exported
    port = _free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "datasette",
            "serve",
            str(database),
            "--metadata",
            str(metadata),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                _get_json(f"{base}/-/versions.json")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError(f"datasette did not start: {server.stderr.read().decode(errors='replace')}") from None
                time.sleep(0.2)
        yield base + "/forum"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_datasette_full_text_search(datasette):
    answer = _get_json(f"{datasette}/contributions.json?_search=myeloid&_shape=objects")
    assert [row["id"] for row in answer["rows"]] == ["zheng-limin-myeloid-cells"]


def test_datasette_facets_by_theme_and_role(datasette):
    answer = _get_json(f"{datasette}/contribution_themes.json?_facet=theme_id")
    counts = {result["value"]: result["count"] for result in answer["facet_results"]["theme_id"]["results"]}
    themes = json.loads(invoke("themes", "--format", "json").stdout)
    assert counts == {theme["id"]: theme["count"] for theme in themes if theme["count"]}
    roles = _get_json(f"{datasette}/person_roles.json?_facet=role&attribution=possible")
    # The same role names as `cbiic speakers` uses.
    assert {result["value"] for result in roles["facet_results"]["role"]["results"]} == {"panel moderator", "panel closing"}


def test_datasette_offers_the_configured_array_facet(datasette):
    answer = _get_json(f"{datasette}/contributions_overview.json?themes__arraycontains=nsclc&_shape=objects")
    assert [row["id"] for row in answer["rows"]] == ["li-ziming-nsclc-testing"]
    assert "themes" in answer["facet_results"]


# -- files: replace atomically, refuse strangers, fail in one line -----------------------------


def test_another_sqlite_database_is_refused_too(tmp_path):
    target = tmp_path / "other.db"
    sqlite3.connect(target).execute("CREATE TABLE mine (x)").connection.commit()
    one_line_error(run_cbiic("export", "sqlite", str(target), cache=tmp_path / "cache"))


def test_a_refused_metadata_file_leaves_no_database_behind(tmp_path):
    (tmp_path / "metadata.json").write_text('{"title": "mine"}\n', encoding="utf-8")
    message = one_line_error(
        run_cbiic("export", "sqlite", str(tmp_path / "forum.db"), "--metadata", str(tmp_path / "metadata.json"), cache=tmp_path / "cache")
    )
    assert "metadata" in message
    assert not (tmp_path / "forum.db").exists()


def test_the_global_data_option_is_honoured(tmp_path):
    data = tmp_path / "renamed.yaml"
    data.write_text(replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dan (renamed)"), encoding="utf-8")
    target = tmp_path / "renamed.db"
    result = run_cbiic("--data", str(data), "export", "sqlite", str(target), cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    assert sqlite3.connect(target).execute("SELECT name FROM people WHERE slug = 'luo-dan'").fetchone() == ("Luo Dan (renamed)",)


def test_invalid_data_is_one_line_and_writes_nothing(tmp_path):
    data = tmp_path / "broken.yaml"
    data.write_text(replace_once(shipped_text(), "name: Luo Dan", "name: 42"), encoding="utf-8")
    message = one_line_error(run_cbiic("--data", str(data), "export", "sqlite", str(tmp_path / "x.db"), cache=tmp_path / "cache"))
    assert "people[7].name" in message
    assert not (tmp_path / "x.db").exists()


# -- start-up and help -------------------------------------------------------------


def test_export_help_imports_nothing_heavy(tmp_path):
    for args in (["export", "--help"], ["export", "sqlite", "--help"], ["export", "json", "--help"], ["export", "html", "--help"]):
        assert not imported_by(args, tmp_path, tmp_path) & {"sqlite3", "jinja2", "msgspec", "yaml", "rich"}, args


def test_export_sqlite_imports_sqlite3_but_not_jinja2_or_rich(tmp_path):
    modules = imported_by(["export", "sqlite", "forum.db"], tmp_path, tmp_path)
    assert "sqlite3" in modules
    assert not modules & {"jinja2", "rich"}


@pytest.mark.parametrize("name", ["sqlite", "json", "html"])
def test_every_export_has_help_with_an_example(name):
    result = invoke("export", name, "--help", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert f"Examples:\n    cbiic export {name}" in result.stdout


def test_export_without_a_format_shows_the_three():
    result = invoke("export", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in ("sqlite", "json", "html"):
        assert name in result.stdout


def _shipped_forum():
    from cbiic_cli.load import ForumSource, load_forum

    return load_forum(ForumSource(str(SHIPPED)))


def test_no_article_text_is_exported(exported):
    """The model cites article lines; the article itself is not shipped, so no export can hold it."""
    assert not any(name.endswith(".txt") for name in os.listdir(SHIPPED.parent))
    assert b"paragraph_numbering" not in exported[0].read_bytes()


# -- the README documents the exports -------------------------------------------------


def _exports_section(text: str) -> str:
    return text[text.index("\n## Exports\n") : text.index("\n## Exit codes\n")]


def test_readme_documents_every_export_and_option():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert readme.index("\n## Output formats\n") < readme.index("\n## Exports\n") < readme.index("\n## Exit codes\n")
    section = _exports_section(readme)
    for text in (
        "cbiic export sqlite",
        "cbiic export json",
        "cbiic export html",
        "--metadata",
        "--force",
        "datasette forum.db --metadata metadata.json",
    ):
        assert text in section, text
    assert "](docs/report.png)" in section and (REPO / "docs" / "report.png").is_file()
    for name in ddl.DESCRIPTIONS:
        assert f"`{name}`" in section, name


def test_person_roles_agree_with_speakers(db):
    """The view's roles are the CLI's: each panelist once, not once more for their remark."""
    people = json.loads(invoke("speakers", "--format", "json").stdout)
    stated = {(p["slug"], role) for p in people for role in p["roles"]}
    possible = {(p["slug"], role) for p in people for role in p["possible_roles"]}
    assert set(db.execute("SELECT person_slug, role FROM person_roles WHERE attribution = 'stated'").fetchall()) == stated
    assert set(db.execute("SELECT person_slug, role FROM person_roles WHERE attribution = 'possible'").fetchall()) == possible
    assert db.execute("SELECT count(*) FROM person_roles WHERE role = 'panelist'").fetchone()[0] == 4


def test_the_database_carries_its_caveats_without_its_metadata(tmp_path):
    """A reader who opens the file without datasette's metadata still finds which words are the curator's."""
    import sqlite3

    from support import invoke

    path = tmp_path / "forum.db"
    assert invoke("export", "sqlite", str(path)).exit_code == 0
    with sqlite3.connect(path) as connection:
        notes = [value for (value,) in connection.execute("SELECT value FROM cbiic_export WHERE key LIKE 'note-%' ORDER BY key")]
    connection.close()
    assert any("are the curator's" in note for note in notes)
    assert any("the article gives no full running order" in note for note in notes)
    assert any("nor whether the opening speech or the panel" in note for note in notes)
