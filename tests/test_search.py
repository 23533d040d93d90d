"""Search finds the user's words: spelling variants, compounds, acronyms, themes, typos, and everything shown."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support import generated_forum, invoke, replace_once, shipped_text, write_forum

from cbiic_cli.search import Doc, _needles, could_match, match_units, parse_query


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)


def hits(*args: str) -> list[dict]:
    result = invoke("search", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def ids(*args: str) -> list[str]:
    return [hit["id"] for hit in hits(*args)]


@pytest.mark.parametrize(
    ("query", "best"),
    [
        (["PD-1"], "zheng-limin-myeloid-cells"),
        (["DRG"], "wang-rundong-commercial-insurance"),
        (["EGFR"], "li-ziming-nsclc-testing"),
        (["Hillhouse"], "hillhouse-investment"),
        (["nasopharyngeal"], "ma-jun-youth-talent"),
        (["myeloid"], "zheng-limin-myeloid-cells"),
    ],
)
def test_best_hit_first(query, best):
    assert ids(*query)[0] == best


@pytest.mark.parametrize(("query", "expected"), [("pd1", "PD-1"), ("pd-l1", "PD-L1"), ("ngs", "NGS"), ("Car-T", "CAR-T")])
def test_case_and_hyphen_insensitive(query, expected):
    first = hits(query)[0]
    start, end = first["highlights"][0]
    assert first["snippet"][start:end].upper().startswith(expected)


# -- one word, however it is spelled -----------------------------------------------


@pytest.mark.parametrize(
    ("british", "american"),
    [("tumour", "tumor"), ("anti-tumour", "anti-tumor"), ("organisers", "organizers"), ("homogenisation", "homogenization")],
)
def test_us_and_uk_spellings_are_one_word(british, american):
    assert ids(british) == ids(american) != []


@pytest.mark.parametrize("query", [["anti-tumor"], ["antitumor"], ["anti", "tumor"], ['"anti tumor"']])
def test_hyphenated_joined_and_spaced_forms_are_one_word(query):
    assert set(ids(*query)) == set(ids("anti-tumor")) != set()


def test_personalised_finds_what_the_theme_alias_names():
    assert set(ids("personalised")) == set(ids("personalized")) != set()


def test_plurals_match_singulars():
    assert "zheng-limin-myeloid-cells" in ids("checkpoints")
    assert "zheng-limin-myeloid-cells" in ids("checkpoint")


# -- an acronym and its expansion are one term ----------------------------------------


@pytest.mark.parametrize(
    ("expansion", "acronym", "expected"),
    [
        (['"artificial intelligence"'], "AI", {"ma-jun-youth-talent", "feng-chen-research-hospitals"}),
        (["artificial", "intelligence"], "AI", {"ma-jun-youth-talent", "feng-chen-research-hospitals"}),
        (["non-small", "cell", "lung", "cancer"], "NSCLC", {"li-ziming-nsclc-testing"}),
        (["nasopharyngeal", "carcinoma"], "NPC", {"ma-jun-youth-talent"}),
        (["cell", "and", "gene", "therapy"], "CGT", {"feng-chen-research-hospitals"}),
        (["diagnosis-related", "groups"], "DRG", {"wang-rundong-commercial-insurance"}),
        (["next-generation", "sequencing"], "NGS", {"li-ziming-nsclc-testing"}),
    ],
)
def test_acronym_and_expansion_find_the_same(expansion, acronym, expected):
    assert expected <= set(ids(*expansion))
    assert expected <= set(ids(acronym))


def test_the_glossary_is_data_not_code(tmp_path):
    text = shipped_text().replace(
        "  - term: NGS\n    expansions: [next-generation sequencing]", "  - term: NGS\n    expansions: [gene panel reading]"
    )
    path = write_forum(tmp_path, text)
    assert "li-ziming-nsclc-testing" in [
        h["id"] for h in json.loads(invoke("--data", str(path), "search", "gene", "panel", "reading", "-f", "json").stdout)
    ]


# -- themes count as text ------------------------------------------------------------


def theme_ids(name: str) -> set[str]:
    result = invoke("theme", name, "--format", "json")
    return {row["id"] for row in json.loads(result.stdout)}


@pytest.mark.parametrize("theme", ["immunotherapy", "insurance", "translational-medicine", "talent", "market-access"])
def test_search_for_a_theme_finds_at_least_what_theme_finds(theme):
    label = json.loads(invoke("themes", "-f", "json").stdout)
    words = next(row["label"] for row in label if row["id"] == theme).split()
    assert theme_ids(theme) <= set(ids(*words))


def test_search_investment_finds_the_investor():
    found = ids("investment")
    assert "zhang-yong-remark" in found
    assert "lyzz-capital" in ids("investor")


# -- everything visible can be searched ---------------------------------------------


@pytest.mark.parametrize(
    ("query", "kind", "key"),
    [
        ("coordinated", "panel", "panel"),
        ("second session", "session", "session-2"),
        ("Huadong", "organisation", "huadong-medicine"),
        ("Xue", "person", "xue-junli"),
    ],
)
def test_everything_shown_can_be_searched(query, kind, key):
    assert (kind, key) in [(h["kind"], h["id"]) for h in hits(*query.split())]


def test_people_without_a_talk_are_findable():
    assert "ma-jun-harbin" in ids("Harbin")


# -- misses, typos and nonsense ----------------------------------------------------


def test_a_typo_runs_the_corrected_search_and_says_so():
    result = invoke("search", "myeloyd", "--format", "json")
    assert result.exit_code == 0
    assert "no matches for 'myeloyd'; showing results for 'myeloid'" in result.stderr
    assert json.loads(result.stdout)[0]["id"] == "zheng-limin-myeloid-cells"


def test_nothing_at_all_is_calm():
    result = invoke("search", "zzzzqq")
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr == "cbiic: no matches for 'zzzzqq'\n"
    assert json.loads(invoke("search", "zzzzqq", "--format", "json").stdout) == []


@pytest.mark.parametrize("query", [[""], ["   "], ['""']])
def test_empty_search_is_a_usage_error(query):
    result = invoke("search", *query)
    assert result.exit_code == 2
    assert "empty" in result.stderr or "only quotation marks" in result.stderr


def test_stop_words_alone_say_so_instead_of_matching_everything():
    result = invoke("search", "the", "of", "and")
    assert result.exit_code == 2
    assert "only common words" in result.stderr


def test_stop_words_in_a_longer_query_are_ignored():
    assert ids("the", "myeloid", "cells") == ids("myeloid", "cells")


def test_all_words_must_match():
    assert ids("insurance", "middle", "class") == ["zhang-yong-remark"]


def test_quoted_phrase_means_that_phrase():
    assert ids('"clinical staging standards"') == ["ma-jun-youth-talent"]


def test_limit_says_how_many_of_how_many():
    everything = hits("insurance")
    assert len(everything) >= 4
    result = invoke("search", "insurance", "-n", "1", env={"COLUMNS": "120"})
    assert f"1 of {len(everything)} hits" in result.stdout
    assert len(hits("insurance", "-n", "1")) == 1


def test_theme_filter():
    assert set(ids("insurance", "--theme", "market-access")) <= theme_ids("market-access")


def test_hits_never_present_a_topic_as_a_title():
    (hit,) = [h for h in hits("Gobroad") if h["id"] == "feng-chen-research-hospitals"]
    assert hit["title"] is None and hit["topic"]


def test_chinese_text_matches_by_substring(tmp_path):
    text = replace_once(shipped_text(), "name: Zheng Limin", "name: 郑利民")
    path = write_forum(tmp_path, text)
    found = json.loads(invoke("--data", str(path), "search", "利民", "--format", "json").stdout)
    assert found and found[0]["slug"] == "zheng-limin"
    start, end = found[0]["highlights"][0]
    assert found[0]["snippet"][start:end] == "利民"


def test_highlight_lands_on_the_match_after_length_changing_case_folding(tmp_path):
    """ß folds to ss and ﬁ to fi: offsets found in folded text must map back to the original."""
    text = replace_once(shipped_text(), "name: Luo Dan", "name: Straße Luo 丹ﬁ")
    path = write_forum(tmp_path, text)
    found = json.loads(invoke("--data", str(path), "search", "丹fi", "--format", "json").stdout)
    start, end = found[0]["highlights"][0]
    assert found[0]["snippet"][start:end] == "丹ﬁ"


def test_search_table_highlights_on_a_terminal():
    result = invoke("search", "DRG", env={"FORCE_COLOR": "1", "NO_COLOR": ""})
    assert "\x1b[" in result.stdout
    assert "DRG" in result.stdout


# -- the cheap first filter never hides a real match ---------------------------------

_words = st.sampled_from(
    [
        "PD-1",
        "pd1",
        "tumour",
        "tumors",
        "anti-tumor",
        "Antitumour",
        "organisation",
        "organizations",
        "haematology",
        "hematology",
        "checkpoints",
        "DRG",
        "R&D",
        "therapies",
        "利民",
        "CAR-T",
        "ß",
        "ﬁre",
        "modelling",
        "centre",
        "AI",
        "artificial",
        "intelligence",
    ]
)
_texts = st.lists(_words | st.text(alphabet="abcz -/.,'", max_size=6), max_size=30).map(" ".join)
_glossary = [("ai", [("artificial", "intelligence")]), ("rd", [("research", "and", "development")])]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=_texts, query=st.lists(_words, min_size=1, max_size=3), phrase=st.booleans())
def test_first_filter_never_rejects_a_document_that_matches(text, query, phrase):
    words = [f'"{" ".join(query)}"'] if phrase else query
    try:
        units = parse_query(words, _glossary)
    except Exception:
        return  # a query of punctuation alone: nothing to search for
    doc = Doc("talk", "x", [("summary", text)], [])
    if match_units(doc, units) is not None:
        assert could_match(doc, units, _needles(units))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=_texts, word=_words)
def test_the_fast_term_path_finds_what_full_tokenising_finds(text, word):
    from cbiic_cli.search import Field, _matches, _Tokens, joined

    term = joined(word)
    if not term:
        return
    fast = set(Field(text).matches(("term", term)))
    full = set(_matches(("term", term), text, _Tokens(text), None))
    assert fast == full


@pytest.mark.parametrize(
    ("hyphenated", "spaced"),
    [
        ("immuno-oncology", '"immuno oncology"'),
        ("clinical-trials", '"clinical trials"'),
        ("vice-president", '"vice president"'),
        ("t-cell", '"t cell"'),
    ],
)
def test_a_hyphenated_query_word_finds_the_spaced_form_too(hyphenated, spaced):
    assert set(ids(spaced)) <= set(ids(hyphenated)) and ids(hyphenated)


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("closing", {"panel-closing"}),
        ("moderator", {"session-1", "session-2", "panel"}),
        ("panelist", {"xue-junli", "luo-dan", "xu-junfang", "zhang-yong"}),
        ("remark", {"xue-junli-remark", "luo-dan-remark", "xu-junfang-remark", "zhang-yong-remark"}),
        ("opening", {"opening-speech"}),
    ],
)
def test_the_roles_the_views_print_can_be_searched(word, expected):
    result = invoke("search", word, "--format", "json")
    assert "showing results for" not in result.stderr
    assert expected <= {hit["id"] for hit in json.loads(result.stdout)}


def test_a_possible_role_is_found_as_possible():
    found = {hit["id"]: hit for hit in hits("closing")}
    assert found["ma-jun-sysucc"]["field"] == "role" and "possibly panel closing" in found["ma-jun-sysucc"]["snippet"]


@pytest.mark.parametrize(
    ("phrase", "only"),
    [('"CAR-T"', "zheng-limin-myeloid-cells"), ('"deep learning"', "ma-jun-youth-talent"), ('"cell therapy"', "zheng-limin-myeloid-cells")],
)
def test_a_quoted_phrase_is_never_found_in_our_theme_aliases(phrase, only):
    assert ids(phrase) == [only]


def test_an_unquoted_word_still_finds_what_its_theme_alias_names():
    # Feng Chen's talk never says "cell therapy"; its theme, Cell and gene therapy, has it as an alias.
    assert "feng-chen-research-hospitals" in ids("cell", "therapy")


def test_a_negative_limit_is_a_usage_error_in_words():
    result = invoke("search", "immune", "--limit", "-3")
    assert result.exit_code == 2 and "give 1 or more, or 0 for all" in result.stderr


@pytest.fixture(scope="module")
def broad_forum(tmp_path_factory):
    """A generated forum where one word is in far more places than the default limit shows."""
    return generated_forum(tmp_path_factory.mktemp("broad"), 200, 1)


def test_search_shows_twenty_hits_by_default_and_says_how_many_there_are(broad_forum):
    every = json.loads(invoke("--data", str(broad_forum), "search", "tumor", "--limit", "0", "-f", "json").stdout)
    assert len(every) > 20
    result = invoke("--data", str(broad_forum), "search", "tumor", "-f", "jsonl")
    shown = [json.loads(line) for line in result.stdout.splitlines()]
    assert shown == every[:20]
    assert result.stderr == f"cbiic: 20 of {len(every):,} hits; --limit 0 for all\n"


def test_a_limit_that_shows_every_hit_says_nothing_more(broad_forum):
    result = invoke("--data", str(broad_forum), "search", "tumor", "--limit", "100000", "-f", "csv")
    assert result.exit_code == 0 and result.stderr == ""


def test_search_help_shows_no_click_range_syntax():
    assert "x>=" not in invoke("search", "--help").stdout


def test_a_quoted_phrase_of_more_than_32_words_is_a_usage_error():
    result = invoke("search", '"' + " ".join(["word"] * 33) + '"')
    assert result.exit_code == 2 and "has 33 words; quote at most 32" in result.stderr


def test_a_quoted_phrase_of_32_words_is_searched():
    result = invoke("search", '"' + " ".join(["word"] * 32) + '"')
    assert result.exit_code == 0


@pytest.mark.parametrize("query", [["e", "t", "o", "n"], ["A"], ["7"]])
def test_single_letters_alone_are_common_words(query):
    result = invoke("search", *query)
    assert result.exit_code == 2 and "only common words" in result.stderr


@pytest.mark.parametrize("query", [["pd", "1"], ["T", "cell"], ["PD-1"]])
def test_a_single_letter_still_counts_inside_a_word_or_beside_one(query):
    assert "zheng-limin-myeloid-cells" in ids(*query)


# -- the honorifics the views print ------------------------------------------------


@pytest.mark.parametrize("store", [False, True], ids=["file", "store"])
def test_the_honorifics_the_views_print_find_their_people(store):
    """The article calls Zheng Limin (line 11), Li Ziming (13) and the Harbin Ma Jun (4) "Professor", Xu Junfang "Dr." (15)."""
    if store:
        invoke("search", "professor")  # the first run builds the query store; the runs below read it
    found = {hit["id"]: hit for hit in hits("professor", "--limit", "0") if hit["kind"] == "person"}
    assert {"zheng-limin", "li-ziming", "ma-jun-harbin"} <= set(found)
    assert "ma-jun-sysucc" not in found or found["ma-jun-sysucc"]["field"] != "honorific"  # line 6 gives him none
    for slug in ("zheng-limin", "li-ziming", "ma-jun-harbin"):
        hit = found[slug]
        assert (hit["field"], hit["honorific"]) == ("honorific", "Professor")
        [(start, end)] = hit["highlights"]
        assert hit["snippet"][start:end] == "Professor"
    result = invoke("search", "dr", "--format", "json")
    assert result.exit_code == 0 and "showing results for" not in result.stderr, result.stderr
    assert [(hit["kind"], hit["id"], hit["field"], hit["snippet"]) for hit in json.loads(result.stdout)] == [
        ("person", "xu-junfang", "honorific", "Dr.")
    ]


def test_the_source_help_says_search_matches_the_cited_lines_too():
    """--source prints cited lines for every command; for search it also matches them, and its help says so."""
    searched = " ".join(invoke("search", "--help").stdout.split())
    assert "search the lines each contribution cites too (a line several cite is one hit of its own, naming them)" in searched
    for command in ("speaker", "talk", "theme"):
        assert "search the lines" not in " ".join(invoke(command, "--help").stdout.split())
