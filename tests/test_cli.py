"""Every command on the shipped forum, checked against facts from the source article."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from support import invoke, replace_once, shipped_text, write_forum

ARTICLE_ORDER = [
    "ma-jun-harbin",
    "xue-junli",
    "ma-jun-sysucc",
    "zheng-limin",
    "feng-chen",
    "li-ziming",
    "wang-rundong",
    "luo-dan",
    "xu-junfang",
    "zhang-yong",
]
ZHENG_TITLE = "Myeloid Cells and the Shaping of the Tumor Immune Microenvironment"
PANEL_TITLE = "Coordinated Efforts of Medical Care, Medical Insurance, and Medicine to Enhance China’s Anti-tumor Drug Development"


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)
    monkeypatch.delenv("CBIIC_SOURCE", raising=False)


def run_json(*args: str):
    result = invoke(*args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def table(*args: str, width: int = 200) -> str:
    result = invoke(*args, env={"COLUMNS": str(width)})
    assert result.exit_code == 0, result.stderr
    return result.stdout


# -- speakers ------------------------------------------------------------------


def test_speakers_lists_all_ten_in_the_order_the_article_names_them():
    people = run_json("speakers")
    assert [p["slug"] for p in people] == ARTICLE_ORDER
    assert "in the order the article first names them" in table("speakers")


def test_speakers_roles_follow_the_article():
    roles = {p["slug"]: (p["roles"], p["possible_roles"]) for p in run_json("speakers")}
    assert roles["ma-jun-harbin"] == (["opening", "session moderator"], ["panel moderator", "panel closing"])
    assert roles["xue-junli"] == (["session moderator", "panelist"], [])
    assert roles["ma-jun-sysucc"] == (["speaker"], ["panel moderator", "panel closing"])
    assert roles["luo-dan"] == (["panelist"], [])


def test_affiliations_keep_position_and_organisation_apart():
    people = {p["slug"]: p for p in run_json("speakers")}
    luo = people["luo-dan"]
    assert luo["positions"] == ["Vice President of National Market Access"]
    assert luo["organisations"] == ["Roche Pharmaceuticals China"]
    assert luo["organisation_ids"] == ["roche-pharmaceuticals-china"]


@pytest.mark.parametrize("text", ["sun yat-sen", "sun yat sen", "SUN-YAT-SEN", "Sun Yat Sen University"])
def test_speakers_org_filter_ignores_case_and_punctuation(text):
    assert [p["slug"] for p in run_json("speakers", "--org", text)] == ["ma-jun-sysucc", "zheng-limin"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("opening", ["ma-jun-harbin"]),
        ("moderator", ["ma-jun-harbin", "xue-junli"]),
        ("speaker", ["ma-jun-sysucc", "zheng-limin", "feng-chen", "li-ziming", "wang-rundong"]),
        ("panelist", ["xue-junli", "luo-dan", "xu-junfang", "zhang-yong"]),
        ("closing", []),
    ],
)
def test_speakers_role_filter_keeps_the_roles_the_article_states(role, expected):
    assert [p["slug"] for p in run_json("speakers", "--role", role)] == expected


@pytest.mark.parametrize(
    ("role", "possible"),
    [("moderator", ["ma-jun-sysucc"]), ("closing", ["ma-jun-harbin", "ma-jun-sysucc"])],
)
def test_possible_holders_are_named_on_stderr_and_listed_only_on_request(role, possible):
    without = invoke("speakers", "--role", role, "-f", "csv", "--fields", "name,slug")
    assert not any(slug in without.stdout for slug in possible)
    assert "add --possible to list them" in without.stderr and all(slug in without.stderr for slug in possible)
    result = invoke("speakers", "--role", role, "--possible", "-f", "csv", "--fields", "name,slug")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["slug"] for row in rows if row["attribution"] == "possible"] == possible  # added though --fields left it out
    assert all(row["attribution"] == "stated" for row in rows if row["slug"] not in possible)
    assert "--fields: added attribution" in result.stderr and all(slug in result.stderr for slug in possible)


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "tsv"])
def test_every_format_marks_a_possible_holder(fmt):
    out = invoke("speakers", "--role", "closing", "--possible", "-f", fmt).stdout
    assert out.count("possible") >= 2


def test_a_role_title_counts_stated_and_possible_holders_apart():
    assert "3 people: 2 stated, 1 possible" in table("speakers", "--role", "moderator", "--possible")
    assert "3 people: 2 stated, 1 possible" in invoke("speakers", "--role", "moderator", "--possible", "-f", "md").stdout


def test_possible_needs_a_role():
    result = invoke("speakers", "--possible")
    assert result.exit_code == 2 and "give --role too" in result.stderr


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "json"])
def test_a_contribution_only_possibly_a_persons_keeps_its_attribution_whatever_fields_asks(fmt):
    result = invoke("talk", "ma-jun-sysucc", "-f", fmt, "--fields", "id,name")
    assert "uncertain" in result.stdout and "panel-closing" in result.stdout
    assert "panel-closing: the article does not say this is Ma Jun (ma-jun-sysucc)'s" in result.stderr


def test_speakers_unknown_role_is_a_usage_error_listing_the_roles():
    result = invoke("speakers", "--role", "keynote")
    assert result.exit_code == 2
    assert "opening, moderator, speaker, panelist, closing" in result.stderr


def test_speakers_theme_filter():
    assert [p["slug"] for p in run_json("speakers", "--theme", "nsclc")] == ["li-ziming"]
    insured = [p["slug"] for p in run_json("speakers", "--theme", "insurance")]
    assert insured == ["wang-rundong", "luo-dan", "zhang-yong"]


def test_speakers_filter_without_match_is_calm():
    result = invoke("speakers", "--org", "Pfizer", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == []
    assert "no one affiliated" in result.stderr


def test_one_person_is_not_one_people():
    assert "1 person," in table("speakers", "--org", "lyzz")


# -- speaker -------------------------------------------------------------------


def test_speaker_profile_of_the_academician():
    doc = run_json("speaker", "ma-jun-sysucc")
    assert doc["organisations"] == ["Chinese Academy of Sciences", "Sun Yat-sen University Cancer Center"]
    assert doc["honorific"] is None  # the article gives him no honorific
    assert [c["id"] for c in doc["contributions"]] == ["ma-jun-youth-talent", "panel-closing"]
    assert [c["attribution"] for c in doc["contributions"]] == ["stated", "uncertain"]
    assert doc["moderated"] == []
    assert doc["possibly_moderated"] == [
        {
            "kind": "panel",
            "id": "panel",
            "name": PANEL_TITLE,
            "attribution": "uncertain",
            "attribution_note": doc["possibly_moderated"][0]["attribution_note"],
            "attribution_note_lines": [4, 6, 15],
        }
    ]


def test_speaker_table_says_possibly_moderated():
    out = table("speaker", "ma-jun-sysucc")
    assert "possibly moderated: the panel" in out
    assert "moderated: session" not in out


def test_speaker_harbin_ma_jun_keeps_the_opening_and_session():
    doc = run_json("speaker", "ma-jun-harbin")
    assert [(m["id"], m["attribution"]) for m in doc["moderated"]] == [("session-1", "stated")]
    assert [(m["id"], m["attribution"]) for m in doc["possibly_moderated"]] == [("panel", "uncertain")]
    assert [c["kind"] for c in doc["contributions"]] == ["opening", "panel-closing"]
    assert doc["note_lines"] == [4, 6, 15]


def test_speaker_accepts_a_full_name():
    assert run_json("speaker", "Li Ziming")["slug"] == "li-ziming"


def test_speaker_full_name_shared_by_two_people_is_ambiguous():
    result = invoke("speaker", "Ma Jun")
    assert result.exit_code == 1
    assert "ma-jun-harbin" in result.stderr and "ma-jun-sysucc" in result.stderr
    assert "Harbin Institute of Hematology and Oncology" in result.stderr


def test_unknown_speaker_suggests_the_closest():
    result = invoke("speaker", "zheng-limn")
    assert result.exit_code == 1
    assert "did you mean zheng-limin" in result.stderr


# -- talk ----------------------------------------------------------------------


def test_talk_quotes_the_articles_title():
    (row,) = run_json("talk", "zheng-limin-myeloid-cells")
    assert row["title"] == ZHENG_TITLE
    assert row["topic"] is None
    assert f"“{ZHENG_TITLE}”" in table("talk", "zheng-limin-myeloid-cells")


def test_untitled_talk_shows_its_topic_as_a_topic_never_as_a_title():
    (row,) = run_json("talk", "feng-chen")
    assert row["title"] is None
    assert row["topic"].startswith("The research hospital model")
    assert "heading" not in row  # one field mixing the two would hide which is which
    out = table("talk", "feng-chen")
    assert "Talk by Feng Chen (no title given; “talk” is our word)" in out
    assert "Topic: The research hospital model" in out and "our words" in out


def test_talk_cites_article_lines_not_paragraph_marks():
    out = table("talk", "li-ziming")
    assert "article line 13" in out
    assert "¶" not in out


def test_talk_for_a_panelist_shows_the_remark():
    (row,) = run_json("talk", "luo-dan")
    assert row["kind"] == "panel-remark"
    assert row["part_of"] == "panel"
    assert row["mentions"] == ["Roche"]


def test_talk_panel_json_carries_the_panel_itself():
    doc = run_json("talk", "panel")
    assert doc["title"] == PANEL_TITLE
    assert doc["moderator"]["slug"] is None
    assert [c["slug"] for c in doc["moderator"]["speaker_candidates"]] == ["ma-jun-harbin", "ma-jun-sysucc"]
    assert [p["slug"] for p in doc["panelists"]] == ["xue-junli", "luo-dan", "xu-junfang", "zhang-yong"]
    assert [r["speaker_candidates"] for r in doc["remarks"]] == [[], [], [], []]
    assert doc["closing"]["kind"] == "panel-closing"


def test_talk_panel_table_shows_both_candidates_with_affiliations_and_the_note():
    out = table("talk", "panel")
    assert "possibly Ma Jun (ma-jun-harbin): Vice-Chairman" in out
    assert "possibly Ma Jun (ma-jun-sysucc): Academician, Chinese Academy of Sciences" in out
    assert "That does not settle which of them moderated the panel, and the article does not say." in " ".join(out.split())


def test_closing_words_are_labelled_as_the_panels():
    out = table("talk", "panel-closing")
    assert "The panel's closing words" in out
    assert "panel's closing words ·" in out


def test_talk_for_a_moderator_without_a_talk_points_to_speaker():
    result = invoke("talk", "xue-junli-remark")
    assert result.exit_code == 0
    result = invoke("talk", "Xue Junli")
    assert result.exit_code == 0  # her panel remark


def test_ambiguous_prefix_lists_candidates_with_affiliations():
    result = invoke("talk", "ma-jun")
    assert result.exit_code == 1
    assert "ma-jun-harbin (Ma Jun, Vice-Chairman" in result.stderr


# -- theme ---------------------------------------------------------------------


@pytest.mark.parametrize("name", ["insurance", "INSURANCE", "Medical Insurance", "medical-insurance", "health-insurance", "insur"])
def test_theme_by_id_label_alias_or_prefix(name):
    assert [row["id"] for row in run_json("theme", name)] == ["wang-rundong-commercial-insurance", "luo-dan-remark", "zhang-yong-remark"]


def test_theme_by_british_spelling_of_an_alias():
    assert run_json("theme", "personalised medicine") == run_json("theme", "precision-medicine")


def test_theme_gist_is_the_key_point_that_carries_it():
    rows = {row["id"]: row for row in run_json("theme", "ai")}
    assert rows["feng-chen-research-hospitals"]["gist"].startswith("Gobroad Healthcare Group uses artificial intelligence")
    translational = {row["id"]: row["gist"] for row in run_json("theme", "translational-medicine")}
    assert (
        translational["xu-junfang-remark"]
        == "Xu Junfang stressed that translational medicine is key to linking R&D with clinical practice."
    )


def test_themes_are_judged_by_content_not_by_a_word():
    """Feng Chen's group is backed by an investor (a background fact, not a view on investment); the article does not
    tie Zhang Yong's special payment methods to insurance."""
    assert "feng-chen-research-hospitals" not in {row["id"] for row in run_json("theme", "investment")}
    insurance = {row["id"]: row["gist"] for row in run_json("theme", "insurance")}
    assert "special payment" not in insurance.get("zhang-yong-remark", "")


def test_every_theme_gist_is_one_of_the_items_key_points():
    for theme in run_json("themes"):
        for row in run_json("theme", theme["id"]):
            assert row["gist"] in row["key_points"]


def test_china_in_a_sentence_is_not_the_china_focus_theme():
    assert "luo-dan-remark" not in [row["id"] for row in run_json("theme", "china-focus")]


def test_theme_table_prints_the_description_above_the_table():
    out = table("theme", "npc")
    description = "Treatment, radiotherapy and staging of nasopharyngeal carcinoma."
    assert out.index(description) < out.index("Gist")


def test_unknown_theme_lists_the_known_ones():
    result = invoke("theme", "oncology-economics")
    assert result.exit_code == 1
    assert "known themes: ai, immunotherapy" in result.stderr


# -- themes --------------------------------------------------------------------


def test_themes_counts_agree_with_theme():
    for row in run_json("themes"):
        listed = run_json("theme", row["id"])
        assert row["count"] == len(listed)
        assert row["contributions"] == [r["id"] for r in listed]
        assert row["count"] == row["talks"] + row["panel_remarks"] + row["panel_closing"]


def test_themes_never_packs_uncertain_speakers_into_a_string():
    rows = {row["id"]: row for row in run_json("themes")}
    assert rows["china-focus"]["uncertain_speakers"] == [
        {"as_written": "Professor Ma Jun", "candidates": ["ma-jun-harbin", "ma-jun-sysucc"]}
    ]
    assert all("|" not in slug for row in rows.values() for slug in row["speakers"])


def test_themes_matrix_has_a_column_for_the_unidentified_speaker():
    out = table("themes")
    assert "Professor Ma Jun (not identified: ma-jun-harbin or ma-jun-sysucc)" in out


# -- agenda --------------------------------------------------------------------


def test_agenda_says_it_is_the_articles_order_and_numbers_nothing():
    doc = run_json("agenda")
    assert "order the article reports them" in doc["order"]
    assert all("position" not in item for item in doc["items"])
    out = table("agenda")
    assert "in the order the article reports them" in out
    assert not any(line.lstrip("│├└─ ").split(".")[0].isdigit() for line in out.splitlines())


def test_agenda_shows_sessions_with_moderators_and_says_membership_is_unknown():
    doc = run_json("agenda")
    sessions = [i for i in doc["items"] if i["kind"] == "session"]
    assert [(s["name"], s["person"]["slug"]) for s in sessions] == [("First session", "ma-jun-harbin"), ("Second session", "xue-junli")]
    assert all(i["part_of"] is None for i in doc["items"] if i["kind"] == "talk")
    assert "does not say which talks, nor whether the opening speech or the panel, belonged to which session" in doc["session_note"]
    assert "does not say which talks, nor whether the opening speech or the panel, belonged to which session" in " ".join(
        table("agenda").split()
    )


def test_agenda_marks_topics_and_quotes_titles():
    out = table("agenda")
    assert f"“{ZHENG_TITLE}”" in out
    assert "Topic: The research hospital model" in out


# -- summary -------------------------------------------------------------------


def test_summary_has_the_forum_facts_and_counts():
    doc = run_json("summary")
    assert (doc["date"], doc["city"]) == ("2024-11-30", "Guangzhou")
    assert doc["counts"] == {
        "people": 10,
        "organisations": 16,
        "talks": 5,
        "panel_remarks": 4,
        "panel_closing": 1,
        "opening": 1,
        "themes": 14,
    }
    assert doc["panel"]["title"] == PANEL_TITLE
    assert [t["id"] for t in doc["talks"]][:2] == ["ma-jun-youth-talent", "zheng-limin-myeloid-cells"]


def test_summary_counts_agree_with_validate():
    result = invoke("validate")
    assert "4 panel remarks" in result.stdout


def test_summary_table_shows_affiliations_sessions_and_the_panel_title():
    out = table("summary")
    assert "Senior President, MgX Health Technology" in out
    assert "Second session, moderated by Xue Junli" in out
    assert f"Panel: “{PANEL_TITLE}”" in out


# -- orgs ----------------------------------------------------------------------


def test_orgs_separates_affiliation_from_mention():
    rows = {row["id"]: row for row in run_json("orgs")}
    hillhouse = rows["hillhouse-investment"]
    assert hillhouse["people"] == []
    assert hillhouse["contributions"] == []
    assert hillhouse["mentioned_in"] == ["feng-chen-research-hospitals"]
    gobroad = rows["gobroad-healthcare-group"]
    assert (gobroad["people"], gobroad["people_names"], gobroad["people_positions"]) == (["feng-chen"], ["Feng Chen"], ["Vice President"])
    assert gobroad["contributions"] == ["feng-chen-research-hospitals"]


def test_orgs_kind_filter():
    assert [row["id"] for row in run_json("orgs", "--kind", "investor")] == ["hillhouse-investment", "lyzz-capital"]
    result = invoke("orgs", "--kind", "bank")
    assert result.exit_code == 2
    assert "company" in result.stderr


def test_orgs_text_filter_ignores_punctuation():
    assert [row["id"] for row in run_json("orgs", "sun yat sen")] == ["sysu-cancer-center", "sysu-school-of-life-science"]


@pytest.mark.parametrize("org", ["hillhouse", "roche"])
def test_orgs_never_claim_no_one_from_it_spoke(org):
    """Luo Dan of Roche Pharmaceuticals China spoke of Roche: say what the article does (it writes no affiliation
    with the name, and names it in a remark), never that no one from it spoke."""
    for out in (table("orgs", org), invoke("orgs", org, "-f", "md").stdout):
        assert "no one from it is named" not in out and "No one affiliated with it spoke" not in out
        assert "not written as anyone's affiliation" in out


# -- global options, anywhere ------------------------------------------------


def test_global_options_work_after_the_command(tmp_path):
    edited = replace_once(shipped_text(), "name: Zheng Limin", "name: Zheng Limin-Edited")
    path = write_forum(tmp_path, edited)
    result = invoke("talk", "zheng-limin", "-f", "json", "--data", str(path))
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)[0]["name"] == "Zheng Limin-Edited"
    assert "Zheng Limin-Edited" in invoke("speakers", "--data", str(path), "--no-cache").stdout


def test_version_names_the_data_in_use(tmp_path):
    from cbiic_cli.load import default_data_location

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("cbiic ")
    assert f"data: {default_data_location()} (the congress shipped" in result.stdout
    path = write_forum(tmp_path, shipped_text())
    assert str(path) in invoke("--data", str(path), "--version").stdout


def test_info_names_data_cache_and_article(tmp_path):
    path = write_forum(tmp_path, shipped_text())
    out = invoke("info", "--data", str(path)).stdout
    assert f"data: {path}" in out
    assert "cache: " in out and "article: not given" in out


def test_no_command_prints_help_with_examples():
    result = invoke()
    assert result.exit_code == 0
    assert "cbiic talk zheng-limin" in result.stdout


@pytest.mark.parametrize("args", [["summary"], ["talk", "panel"], ["talk", "panel-closing"]], ids=" ".join)
def test_uncertain_moderator_and_closing_show_candidates_and_note_in_tables(args):
    out = " ".join(table(*args).split())
    assert "possibly Ma Jun (ma-jun-harbin): Vice-Chairman" in out
    assert "possibly Ma Jun (ma-jun-sysucc): Academician" in out
    assert "does not settle which of them" in out


@pytest.mark.parametrize("command", ["speaker", "talk"])
def test_the_articles_unidentified_name_gets_both_candidates_never_one(command):
    result = invoke(command, "Professor Ma Jun")
    assert result.exit_code == 1
    assert "without saying which person it means" in result.stderr
    assert "ma-jun-harbin (Ma Jun, Vice-Chairman" in result.stderr and "ma-jun-sysucc (Ma Jun, Academician" in result.stderr


def test_speakers_on_a_theme_never_lists_an_unidentified_speaker_as_a_candidate():
    result = invoke("speakers", "--theme", "china-focus", "--format", "json")
    assert [p["slug"] for p in json.loads(result.stdout)] == ["xue-junli", "ma-jun-sysucc", "xu-junfang"]
    assert "Professor Ma Jun, whom the article does not identify (possibly ma-jun-harbin or ma-jun-sysucc)" in result.stderr
    assert "ma-jun-harbin" not in [p["slug"] for p in run_json("speakers", "--theme", "china-focus")]


@pytest.mark.parametrize(("name", "message"), [("tumour", "no theme"), ("basic", "no theme")])
def test_a_theme_is_never_found_by_a_word_inside_an_alias(name, message):
    result = invoke("theme", name)
    assert result.exit_code == 1 and message in result.stderr


def test_a_theme_prefix_says_which_theme_it_was_taken_as():
    result = invoke("theme", "insur", "-f", "json")
    assert result.exit_code == 0
    assert "taking 'insur' as the theme insurance" in result.stderr


def test_search_finds_the_forums_own_facts():
    found = json.loads(invoke("search", "guangzhou", "-f", "json").stdout)
    assert [(h["kind"], h["id"]) for h in found] == [("forum", "forum")]


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["speaker", "ma-jun-sysucc"], "does not say whether Ma Jun (ma-jun-sysucc) moderated the panel"),
        (["speaker", "ma-jun-harbin"], "does not say whether Ma Jun (ma-jun-harbin) moderated the panel"),
        (["talk", "panel"], "possibly ma-jun-harbin or ma-jun-sysucc"),
    ],
    ids=lambda value: value if isinstance(value, str) and " " not in value else " ".join(value) if isinstance(value, list) else "",
)
def test_rows_alone_say_on_stderr_what_uncertainty_they_leave_out(args, expected, fmt):
    result = invoke(*args, "-f", fmt)
    assert result.exit_code == 0
    assert expected in result.stderr
    assert "moderated the panel" not in result.stdout


@pytest.mark.parametrize(
    "args", [["speaker", "ma-jun-sysucc", "-f", "json"], ["talk", "panel"], ["speaker", "zheng-limin", "-f", "csv"]], ids=" ".join
)
def test_a_document_or_a_certain_speaker_needs_no_such_notice(args):
    result = invoke(*args)
    assert result.exit_code == 0 and result.stderr == ""


@pytest.mark.parametrize(
    ("args", "env", "given"),
    [
        (["validate", "--source", ""], None, "--source"),
        (["speaker", "zheng-limin", "--source", ""], None, "--source"),
        (["info", "--source", ""], None, "--source"),
        (["validate"], {"CBIIC_SOURCE": ""}, "CBIIC_SOURCE"),
        (["talk", "zheng-limin"], {"CBIIC_SOURCE": ""}, "CBIIC_SOURCE"),
    ],
)
def test_an_empty_article_path_is_an_error_not_a_skipped_check(args, env, given):
    result = invoke(*args, env=env)
    assert result.exit_code == 1
    assert result.stderr == f"cbiic: the article path given by {given} is empty; give the path of the article as plain text\n"


def test_validate_of_an_empty_path_says_the_path_is_empty():
    result = invoke("validate", "")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[0] == "(empty path): the path is empty; give a file path, or '-' for standard input"


def test_info_as_json_says_what_the_text_says(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text("line\n", encoding="utf-8")
    record = json.loads(invoke("info", "-f", "json", "--source", str(article)).stdout)
    assert record["data_source"] == "shipped" and record["data_exists"] is True and record["data"].endswith("data")
    assert record["article"] == str(article) and record["article_exists"] is True
    assert json.loads(invoke("--no-cache", "info", "-f", "json").stdout)["cache"] is None


def test_info_says_when_the_cache_is_off():
    assert "cache: off (--no-cache or CBIIC_NO_CACHE)" in invoke("info", "--no-cache").stdout


def test_validate_against_a_long_foreign_article_lists_20_and_counts_the_rest(tmp_path):
    article = tmp_path / "article.txt"
    article.write_text(
        "".join(f"Sentence number {n} speaks of nothing in the forum at all. Neither does this one, {n}.\n" for n in range(100)),
        encoding="utf-8",
    )
    result = invoke("validate", "--source", str(article))
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    uncovered = [line for line in lines if "sentence not covered" in line]
    assert len(uncovered) == 20
    assert any(
        re.search(r": [\d,]+ more uncovered sentences from here on are not listed; fix the ones above and validate again$", line)
        for line in lines
    )
    assert sum("more problems against the article from here on are not listed" in line for line in lines) == 1
    verdict = next(line for line in lines if "forum.yaml against" in line)
    assert re.search(r"against .*article\.txt: [\d,]+ problems$", verdict)
    assert int(re.search(r": ([\d,]+) problems$", verdict).group(1).replace(",", "")) >= 200


@pytest.mark.parametrize("suffix", ["/", "/."])
def test_a_file_path_with_a_trailing_slash_is_refused_as_the_system_would(suffix):
    from cbiic_cli.load import default_data_path

    result = invoke("--data", f"{default_data_path()}{suffix}", "speakers")
    assert result.exit_code == 1 and "Not a directory" in result.stderr


def test_info_says_a_directory_without_forums_is_no_congress(tmp_path):
    said = invoke("--data", str(tmp_path), "info").stdout
    assert f"data: {tmp_path} (from --data or CBIIC_DATA); not a congress: the directory holds no forum file (*.yaml)" in said
    (tmp_path / "a.yaml").write_text(shipped_text(), encoding="utf-8")
    assert f"data: {tmp_path} (from --data or CBIIC_DATA)\n" in invoke("--data", str(tmp_path), "info").stdout


@pytest.mark.parametrize(
    ("as_printed", "slug"),
    [
        ("Professor Zheng Limin", "zheng-limin"),
        ("Dr. Xu Junfang", "xu-junfang"),
        ("Prof. Zheng", "zheng-limin"),
        ("Limin Zheng", "zheng-limin"),
        ("Junfang Xu", "xu-junfang"),
        ("professor li ziming", "li-ziming"),
    ],
)
def test_a_name_as_printed_finds_its_person(as_printed, slug):
    """Honorifics are dropped and either name order matches; "Limin Zheng" once suggested li-ziming, another person."""
    result = invoke("speaker", as_printed, "--format", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["slug"] == slug


def test_professor_ma_jun_is_never_said_to_name_only_the_unidentified_moderator():
    """Line 4 calls the Harbin Ma Jun "Professor Ma Jun"; line 15's moderator is "Professor Ma Jun" too, unidentified."""
    result = invoke("speaker", "Professor Ma Jun")
    assert result.exit_code == 1
    assert "also uses these words for ma-jun-harbin (line 4)" in result.stderr
    assert "does not settle who the unidentified one is" in result.stderr
    assert "possibly ma-jun-harbin" in result.stderr and "ma-jun-sysucc (Ma Jun, Academician" in result.stderr


@pytest.mark.parametrize(
    "args", [["speaker", "luo-dan"], ["talk", "li-ziming"], ["talk", "panel"], ["theme", "ai"], ["summary"], ["search", "immune"]]
)
@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_every_human_view_of_summaries_says_once_they_are_paraphrase(args, fmt):
    out = " ".join(invoke(*args, "-f", fmt).stdout.split())
    assert out.count("Summaries, key points, themes and the word “talk” are the curator's, not the article's") == 1
    # The way to the article's words works for the command at hand: summary has no --source of its own.
    hint = "cbiic talk ID --source ARTICLE shows" if args[0] == "summary" else "add --source ARTICLE to see the article lines"
    assert hint in out


def test_row_formats_and_lists_without_summaries_carry_no_paraphrase_note():
    for args in (["speakers"], ["orgs"], ["agenda"], ["talk", "panel", "-f", "json"], ["talk", "panel", "-f", "csv"]):
        assert "paraphrase" not in invoke(*args).stdout


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_the_theme_matrix_says_a_mark_means_a_contribution_touches_the_theme(fmt):
    out = invoke("themes", "-f", fmt).stdout
    assert "Who touched which theme" in out and "a contribution of theirs touches the theme" in out
    assert "Who spoke on what" not in out


def test_a_talk_the_article_gives_no_title_or_kind_is_marked_as_our_word():
    for slug in ("li-ziming", "wang-rundong"):
        assert "no title given; “talk” is our word" in table("talk", slug)


def test_named_in_cites_the_lines_that_list_a_speakers_name_alone():
    """Lines 7-10 of the article list four speakers' names on lines of their own."""
    for slug, line in (("zheng-limin", 7), ("feng-chen", 8), ("li-ziming", 9), ("wang-rundong", 10)):
        assert line in run_json("speaker", slug)["source_paragraphs"]
        assert f"named in: article lines {line}, " in table("speaker", slug)


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_the_summary_count_of_talks_marks_the_word_as_ours(fmt):
    assert "5 talks (“talk” is our word)" in invoke("summary", "-f", fmt).stdout


def test_a_session_whose_talks_the_article_does_not_give_has_no_talks_key():
    """An empty list would tell a script the session held no talks; the article does not say which it held."""
    sessions = run_json("summary")["sessions"]
    assert sessions and all("talks" not in session for session in sessions)


@pytest.mark.parametrize("slug", ["ma-jun-harbin", "ma-jun-sysucc"])
def test_a_panel_only_possibly_moderated_is_kept_apart_from_what_was_moderated(slug):
    person = run_json("speaker", slug)
    assert "panel" not in [m["id"] for m in person["moderated"]]
    assert [m["id"] for m in person["possibly_moderated"]] == ["panel"]
    assert all(m["attribution"] == "stated" for m in person["moderated"])


def test_organisations_of_both_ma_juns_show_the_closing_words_as_only_possibly_theirs():
    rows = {row["id"]: row for row in run_json("orgs", "--limit", "0")}
    for organisation in ("harbin-institute-of-hematology-and-oncology", "sysu-cancer-center"):
        assert rows[organisation]["possible_contributions"] == ["panel-closing"]
        assert "panel-closing" not in rows[organisation]["contributions"]
    assert "possibly by its people: panel-closing" in " ".join(table("orgs", "harbin").split())


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_organisation_kinds_are_said_to_be_the_curators(fmt):
    assert "Organisation kinds are the curator's classification" in " ".join(invoke("orgs", "-f", fmt).stdout.split())


def test_the_gist_of_a_theme_is_the_point_that_names_it():
    rows = {row["id"]: row["gist"] for row in run_json("theme", "precision-medicine")}
    assert rows["li-ziming-nsclc-testing"].startswith("Li Ziming pointed out that genetic testing is now crucial to precision treatment")
    nsclc = {row["id"]: row["gist"] for row in run_json("theme", "nsclc")}
    assert "NSCLC" in nsclc["li-ziming-nsclc-testing"]


def test_a_panelist_item_cites_the_panels_line_not_everything_the_person_did():
    items = run_json("agenda")["items"]
    (xue,) = [item for item in items if item["kind"] == "panelist" and item["id"] == "xue-junli"]
    assert xue["source_paragraphs"] == [15]  # line 5 is her session, not the panel


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_the_date_and_city_are_the_conferences(fmt):
    out = " ".join(invoke("summary", "-f", fmt).stdout.split())
    assert "At the 2024 China BioMed Innovation and Investment Conference (CBIIC), held in Guangzhou on 2024-11-30" in out


def test_the_panel_says_its_remarks_are_in_the_articles_order_not_a_running_order():
    assert run_json("talk", "panel")["order"] == "in the order the article reports them; the article gives no full running order"
    assert "Remarks and closing words, in the order the article reports them" in " ".join(table("talk", "panel").split())
    assert "Contributions, in the order the article reports them" in " ".join(table("speaker", "ma-jun-harbin").split())


def test_a_search_for_the_unidentified_name_says_who_else_it_may_be():
    """Line 4 calls the Harbin Ma Jun "Professor Ma Jun", so his record matches; line 15's is unidentified."""
    result = invoke("search", "professor", "ma", "jun", "-f", "csv", "--fields", "id")
    assert "'Professor Ma Jun' is also how the article names the panel's moderator" in result.stderr
    assert "possibly ma-jun-harbin or ma-jun-sysucc" in result.stderr
    assert "is also how" not in invoke("search", "ma", "jun", "-f", "csv").stderr


@pytest.mark.parametrize("args", [["summary"], ["speaker", "ma-jun-harbin"], ["agenda"]])
@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl"])
def test_rows_without_their_document_say_the_order_is_the_articles_on_stderr(args, fmt):
    result = invoke(*args, "-f", fmt)
    assert result.stderr.count("\n") == 1  # one line, however much it says
    assert "in the order the article reports them; the article gives no full running order" in result.stderr


@pytest.mark.parametrize(
    ("theme", "counts", "slugs"),
    [
        ("talent", "1 person: 0 stated, 1 possible", ["ma-jun-sysucc"]),
        ("china-focus", "3 people: 1 stated, 2 possible", ["ma-jun-harbin", "xue-junli", "ma-jun-sysucc"]),
    ],
)
def test_a_role_title_counts_only_the_people_every_filter_kept(theme, counts, slugs):
    assert counts in table("speakers", "--role", "moderator", "--possible", "--theme", theme)
    assert [p["slug"] for p in run_json("speakers", "--role", "moderator", "--possible", "--theme", theme)] == slugs


def test_a_theme_filter_keeps_the_notice_of_possible_role_holders():
    result = invoke("speakers", "--role", "moderator", "--theme", "talent", "-f", "json")
    assert "also possibly in the role moderator" in result.stderr and "ma-jun-sysucc" in result.stderr


@pytest.mark.parametrize(
    ("role", "rows"),
    [
        ("closing", [("ma-jun-harbin", "possible"), ("ma-jun-sysucc", "possible")]),
        ("moderator", [("ma-jun-harbin", "possible"), ("xue-junli", "stated"), ("ma-jun-sysucc", "possible")]),
    ],
)
def test_a_theme_touched_only_by_an_unidentified_speaker_makes_each_candidate_possible_never_one(role, rows):
    """The closing words touch china-focus, and the article does not say which Ma Jun spoke them: both are possible."""
    found = run_json("speakers", "--theme", "china-focus", "--role", role, "--possible")
    assert [(p["slug"], p["attribution"]) for p in found] == rows


def test_a_limited_role_title_gives_the_split_of_the_whole_answer():
    assert "2 of 3 people (in all: 2 stated, 1 possible)" in table("speakers", "--role", "moderator", "--possible", "-n", "2")


def test_search_finds_the_curators_note_on_the_organisers_that_the_summary_prints():
    assert ("forum", "note") in [(hit["kind"], hit["field"]) for hit in run_json("search", "organized")]
