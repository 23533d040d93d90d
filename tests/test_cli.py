"""Every command on the shipped forum, checked against facts from the source article."""

from __future__ import annotations

import json

import pytest

from support import SHIPPED, invoke, replace_once, shipped_text, write_forum


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)


def run_json(*args: str):
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


# -- speakers ------------------------------------------------------------------

def test_speakers_lists_all_ten_in_agenda_order():
    people = run_json("speakers")
    assert [p["slug"] for p in people] == [
        "ma-jun-harbin", "xue-junli", "ma-jun-sysucc", "zheng-limin", "feng-chen",
        "li-ziming", "wang-rundong", "luo-dan", "xu-junfang", "zhang-yong",
    ]
    for person in people:
        assert {"slug", "name", "affiliations", "roles"} <= set(person)


def test_speakers_roles_follow_the_article():
    roles = {p["slug"]: (p["roles"], p["possible_roles"]) for p in run_json("speakers")}
    assert roles["ma-jun-harbin"] == (["opening", "session moderator"], ["panel moderator", "closing"])
    assert roles["xue-junli"] == (["session moderator", "panelist"], [])
    assert roles["ma-jun-sysucc"] == (["speaker"], ["panel moderator", "closing"])
    assert roles["luo-dan"] == (["panelist"], [])


def test_speakers_table_shows_names_and_affiliations():
    result = invoke("speakers", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "Zheng Limin" in result.stdout
    assert "Shanghai Chest Hospital" in result.stdout
    assert "\x1b[" not in result.stdout


def test_speakers_org_filter():
    people = run_json("speakers", "--org", "sun yat-sen")
    assert [p["slug"] for p in people] == ["ma-jun-sysucc", "zheng-limin"]


def test_speakers_org_filter_without_match_is_calm():
    result = invoke("speakers", "--org", "Pfizer", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert "no one is affiliated with an organisation matching 'Pfizer'" in result.stderr


def test_speakers_org_filter_looks_at_organisations_not_job_titles():
    assert run_json("speakers", "--org", "director") == []


# -- speaker -------------------------------------------------------------------

def test_speaker_profile_of_the_academician():
    profile = run_json("speaker", "ma-jun-sysucc")
    assert profile["affiliations"] == ["Academician, Chinese Academy of Sciences", "Executive Vice-President, Sun Yat-sen University Cancer Center"]
    titles = [c["title"] for c in profile["contributions"] if c["attribution"] == "stated"]
    assert titles == ["Cultivating Youth Talent in Scientific Innovation Programs"]
    assert [m["attribution"] for m in profile["moderated"]] == ["uncertain"]


def test_speaker_profile_of_the_harbin_ma_jun_keeps_the_opening_and_session():
    profile = run_json("speaker", "ma-jun-harbin")
    assert [c["kind"] for c in profile["contributions"]] == ["opening", "closing"]
    assert [c["attribution"] for c in profile["contributions"]] == ["stated", "uncertain"]
    assert [m["name"] for m in profile["moderated"] if m["attribution"] == "stated"] == ["First session"]


def test_speaker_accepts_a_full_name():
    assert run_json("speaker", "Xu Junfang")["affiliations"] == ["Chief Medical Officer, Huadong Medicine"]


def test_speaker_unknown_suggests():
    result = invoke("speaker", "luo-dna")
    assert result.exit_code == 1
    assert result.stderr == "cbiic: no person 'luo-dna'; did you mean luo-dan?\n"


# -- talk ----------------------------------------------------------------------

def test_talk_by_person_slug_shows_the_exact_title_and_summary():
    (talk,) = run_json("talk", "zheng-limin")
    assert talk["title"] == "Myeloid Cells and the Shaping of the Tumor Immune Microenvironment"
    assert talk["slug"] == "zheng-limin"
    assert "PD-1/PD-L1" in talk["summary"]
    assert 3 <= len(talk["key_points"]) <= 5
    assert talk["source_paragraphs"] == [11]
    assert "immunotherapy" in talk["themes"]


def test_talk_table_shows_title_speaker_affiliation_and_points():
    result = invoke("talk", "li-ziming", env={"COLUMNS": "200"})
    assert result.exit_code == 0
    out = result.stdout
    assert "Genetic testing for precision therapy" in out
    assert "Director of Oncology Department, Shanghai Chest Hospital" in out
    for target in ("EGFR", "ALK", "ROS1", "NGS"):
        assert target in out
    assert "source ¶ 13" in out


def test_talk_unique_prefix_resolves():
    (talk,) = run_json("talk", "wang-rundong-comm")
    assert talk["id"] == "wang-rundong-commercial-insurance"
    assert "DRG" in talk["summary"]


def test_talk_untitled_talk_has_a_topic_and_no_title():
    (talk,) = run_json("talk", "feng-chen")
    assert talk["title"] is None
    assert talk["topic"]
    assert "Hillhouse Investment" in talk["organisations"]


def test_talk_for_a_panelist_shows_the_remark():
    (remark,) = run_json("talk", "luo-dan")
    assert remark["kind"] == "remark"
    assert "Roche" in remark["summary"]
    assert remark["affiliations"] == ["Vice President of National Market Access, Roche Pharmaceuticals China"]


def test_talk_ambiguous_ma_jun_lists_both_with_affiliations():
    result = invoke("talk", "ma-jun")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert "ma-jun-harbin (Ma Jun, Vice-Chairman" in result.stderr
    assert "Harbin Institute of Hematology and Oncology" in result.stderr
    assert "ma-jun-sysucc (Ma Jun, Academician, Chinese Academy of Sciences" in result.stderr
    assert result.stderr.count("\n") == 1


def test_talk_typo_gets_did_you_mean():
    result = invoke("talk", "zheng-limni")
    assert result.exit_code == 1
    assert "did you mean zheng-limin" in result.stderr


def test_talk_panel_shows_every_remark_and_the_closing():
    rows = run_json("talk", "panel")
    assert [r["kind"] for r in rows] == ["remark"] * 4 + ["closing"]
    assert rows[-1]["slug"] is None
    assert rows[-1]["speaker_candidates"] == ["ma-jun-harbin", "ma-jun-sysucc"]


# -- theme / themes ------------------------------------------------------------

@pytest.mark.parametrize("name", ["insurance", "INSURANCE", "medical insurance", "Medical Insurance", "health-insurance", "insur"])
def test_theme_by_id_label_or_alias(name):
    rows = run_json("theme", name)
    assert [r["id"] for r in rows] == ["wang-rundong-commercial-insurance", "luo-dan-remark", "zhang-yong-remark", "panel-closing"]
    assert all("gist" in r for r in rows)


@pytest.mark.parametrize(("alias", "theme_id"), [("artificial intelligence", "ai"), ("lung cancer", "nsclc"), ("Non-Small Cell Lung Cancer", "nsclc")])
def test_theme_aliases(alias, theme_id):
    rows = run_json("theme", alias)
    assert rows and all(theme_id in r["themes"] for r in rows)


def test_theme_applies_by_content_not_keyword():
    ai = {r["id"] for r in run_json("theme", "ai")}
    assert ai == {"ma-jun-youth-talent", "feng-chen-research-hospitals"}
    immunotherapy = {r["id"] for r in run_json("theme", "immunotherapy")}
    assert immunotherapy == {"ma-jun-youth-talent", "zheng-limin-myeloid-cells"}


@pytest.mark.parametrize(("theme_name", "speaker", "words"), [("ai", "feng-chen", "AI improves"), ("insurance", "luo-dan", "insurance"), ("immunotherapy", "zheng-limin", "immune checkpoints")])
def test_theme_gist_is_the_sentence_about_the_theme(theme_name, speaker, words):
    (row,) = [r for r in run_json("theme", theme_name) if r["slug"] == speaker]
    assert words in row["gist"]


def test_theme_aliases_are_names_not_keywords():
    """A keyword only one speaker used (DRG) must not pull in a whole theme."""
    result = invoke("theme", "DRG")
    assert result.exit_code == 1


def test_theme_unknown_lists_known_themes():
    result = invoke("theme", "astrology")
    assert result.exit_code == 1
    assert "no theme 'astrology'" in result.stderr
    assert "known themes: ai, immunotherapy, insurance, nsclc" in result.stderr


def test_themes_counts_and_matrix():
    rows = {r["id"]: r for r in run_json("themes")}
    assert rows["insurance"]["count"] == 4
    assert rows["nsclc"]["speakers"] == ["li-ziming"]
    assert "ma-jun-harbin|ma-jun-sysucc" in rows["insurance"]["speakers"]
    table = invoke("themes", env={"COLUMNS": "200"}).stdout
    assert "Who spoke on what" in table
    assert "Professor Ma Jun (ma-jun-harbin or ma-jun-sysucc)" in table


# -- agenda / summary ------------------------------------------------------------

def test_agenda_order_and_structure():
    rows = run_json("agenda")
    assert [r["kind"] for r in rows][:8] == ["opening", "session", "session", "talk", "talk", "talk", "talk", "talk"]
    sessions = [(r["label"], r["slug"]) for r in rows if r["kind"] == "session"]
    assert sessions == [("First session", "ma-jun-harbin"), ("Second session", "xue-junli")]
    panel = next(r for r in rows if r["kind"] == "panel")
    assert panel["label"].startswith("Coordinated Efforts of Medical Care, Medical Insurance, and Medicine")
    assert all(r["parent"] == "panel" for r in rows if r["kind"] in ("remark", "closing", "panelist"))


def test_agenda_does_not_place_talks_in_sessions():
    assert all(r["parent"] is None for r in run_json("agenda") if r["kind"] == "talk")


def test_summary_has_the_forum_facts():
    document = run_json("summary")
    assert document["name"] == "Oncology Drugs Clinical Research Forum"
    assert document["conference"] == "2024 China BioMed Innovation and Investment Conference (CBIIC)"
    assert (document["date"], document["city"]) == ("2024-11-30", "Guangzhou")
    assert document["source"]["published"] == "2025-03-10 10:19"
    assert len(document["contributions"]) == 11
    assert invoke("summary").stdout.startswith("Oncology Drugs Clinical Research Forum")


# -- orgs ----------------------------------------------------------------------

def test_orgs_lists_companies_and_investors_with_what_they_said():
    rows = {r["id"]: r for r in run_json("orgs")}
    assert rows["lyzz-capital"]["kind"] == "investor"
    assert rows["lyzz-capital"]["slugs"] == ["zhang-yong"]
    assert [c["id"] for c in rows["hillhouse-investment"]["contributions"]] == ["feng-chen-research-hospitals"]
    assert rows["roche-pharmaceuticals-china"]["people"][0]["position"] == "Vice President of National Market Access"


def test_orgs_narrowed_by_text():
    assert [r["name"] for r in run_json("orgs", "shanghai")] == ["Shanghai Gobroad Cancer Hospital", "Shanghai Chest Hospital"]


# -- global options --------------------------------------------------------------

def test_data_option_and_environment_variable(tmp_path):
    other = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", "name: Luo Dan-Test"))
    assert "Luo Dan-Test" in invoke("--data", str(other), "speakers").stdout
    assert "Luo Dan-Test" in invoke("speakers", env={"CBIIC_DATA": str(other)}).stdout


def test_invalid_data_is_one_line_and_exit_1(tmp_path):
    bad = write_forum(tmp_path, replace_once(shipped_text(), "name: Luo Dan", "name: [Luo"))
    result = invoke("--data", str(bad), "speakers")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(f"cbiic: {bad}:")


def test_version():
    from cbiic_cli import __version__

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"cbiic {__version__}\n"


def test_no_arguments_shows_help():
    result = invoke()
    assert "Usage" in result.stdout
    for name in ("speakers", "talk", "theme", "themes", "agenda", "summary", "search", "orgs", "validate", "schema"):
        assert name in result.stdout


def test_unknown_format_is_a_usage_error_listing_valid_ones():
    result = invoke("speakers", "--format", "yaml")
    assert result.exit_code == 2
    for name in ("table", "json", "csv", "markdown"):
        assert name in result.stderr


# -- validate / schema ---------------------------------------------------------------

def test_validate_shipped_file():
    result = invoke("validate")
    assert result.exit_code == 0
    assert result.stdout.endswith("valid (10 people, 5 talks, 4 panel remarks, 14 themes)\n")


def test_validate_lists_every_problem_then_a_verdict(tmp_path):
    text = replace_once(shipped_text(), "name: Luo Dan", "name: 42")
    text = replace_once(text, "  city: Guangzhou\n", "  city: Guangzhou\n  mayor: nobody\n")
    bad = write_forum(tmp_path, text)
    result = invoke("validate", str(bad))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 3
    assert "forum.mayor: unknown field" in lines[0] or "forum.mayor: unknown field" in lines[1]
    assert lines[-1] == f"{bad}: invalid (2 problems)"


def test_schema_command_matches_the_published_copy():
    result = invoke("schema")
    assert result.exit_code == 0
    published = (SHIPPED.parent / "forum.schema.json").read_text(encoding="utf-8")
    assert result.stdout == published
    assert json.loads(result.stdout)["$schema"].startswith("https://json-schema.org/")


def test_data_file_points_editors_at_the_schema():
    assert shipped_text().splitlines()[0] == "# yaml-language-server: $schema=forum.schema.json"


def test_narrow_speakers_keep_every_slug_whole():
    out = invoke("speakers", env={"COLUMNS": "40"}).stdout
    assert all(len(line) <= 40 for line in out.splitlines())
    for slug in ("ma-jun-harbin", "ma-jun-sysucc", "wang-rundong", "zhang-yong"):
        assert f"({slug})" in out
