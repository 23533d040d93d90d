"""A hit names the field where the query matched best, and its snippet and highlights come from that field."""

from __future__ import annotations

import json

import pytest
from support import invoke

from cbiic_cli.search import Doc, _shown_field, match_units, parse_query


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("CBIIC_DATA", raising=False)


def hits(*args: str, store: bool) -> list[dict]:
    if store:
        invoke("search", *args)  # the first run builds the query store; the run below reads it
    result = invoke("search", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def highlighted(hit: dict) -> list[str]:
    return [hit["snippet"][start:end] for start, end in hit["highlights"]]


both = pytest.mark.parametrize("store", [False, True], ids=["file", "store"])


@both
@pytest.mark.parametrize(
    ("query", "field", "snippet", "words"),
    [
        (["Guangzhou"], "conference_city", "Guangzhou", ["Guangzhou"]),
        (["scholars"], "participants", None, ["scholars"]),
        (["healthcare", "sector"], "aims", "To contribute to the development of China's healthcare sector.", ["healthcare", "sector"]),
    ],
)
def test_a_forum_hit_names_the_fact_it_matched_in(store, query, field, snippet, words):
    """The forum has no summary: its conference's city, participants and aims are fields of their own, and a hit names
    the one (the city is the conference's, as the article gives it)."""
    [hit] = [hit for hit in hits(*query, store=store) if hit["kind"] == "forum"]
    assert hit["field"] == field
    if snippet is not None:
        assert hit["snippet"] == snippet
    assert highlighted(hit) == words


@both
def test_the_forum_table_row_says_city_not_summary(store):
    if store:
        invoke("search", "Guangzhou")
    out = invoke("search", "Guangzhou").stdout
    assert "conference_city: Guangzhou" in out and "summary" not in out.split("Match")[1].split("\n\n")[0]


@both
def test_the_field_shown_is_the_one_holding_the_most_query_words(store):
    """'clinical' is in the forum's name (weighed 3) but 'clinical trials' is in its aims: the aims show both words."""
    found = hits("clinical", "trial", store=store)
    [(rank, hit)] = [(rank, hit) for rank, hit in enumerate(found, 1) if hit["kind"] == "forum"]
    assert rank > 1  # the forum's aims hold both words, but its name weighs more elsewhere: it is not the best hit
    assert hit["field"] == "aims"
    assert hit["snippet"] == "To enhance the quality and efficiency of clinical trials."
    assert highlighted(hit) == ["clinical", "trials"]


@both
def test_an_honorific_and_name_that_both_match_are_shown_together(store):
    """'professor ma jun': the Harbin Ma Jun's honorific and name together hold all three words."""
    found = {hit["id"]: hit for hit in hits("professor", "ma", "jun", store=store) if hit["kind"] == "person"}
    hit = found["ma-jun-harbin"]
    assert (hit["field"], hit["snippet"]) == ("honorific name", "Professor Ma Jun")
    assert highlighted(hit) == ["Professor", "Ma", "Jun"]


@both
def test_a_name_alone_or_an_honorific_alone_is_shown_alone(store):
    """Shown together only when together they hold more of the query than either field does."""
    name = {hit["id"]: hit for hit in hits("ma", "jun", store=store) if hit["kind"] == "person"}
    assert (name["ma-jun-harbin"]["field"], name["ma-jun-harbin"]["snippet"]) == ("name", "Ma Jun")
    honorific = {hit["id"]: hit for hit in hits("professor", store=store) if hit["kind"] == "person"}
    assert (honorific["ma-jun-harbin"]["field"], honorific["ma-jun-harbin"]["snippet"]) == ("honorific", "Professor")


def shown(fields: list[tuple[str, str]], query: str) -> tuple[str, str, list[tuple[int, int]]]:
    found = match_units(Doc("talk", "t", fields, []), parse_query(query.split(), []))
    assert found is not None
    return _shown_field(found)


def test_most_query_words_first_then_weight_then_order():
    # More distinct words beat a heavier field with fewer.
    assert shown([("name", "Clinical Research"), ("summary", "clinical trials run")], "clinical trial")[0] == "summary"
    # Equal words: the weighted matches decide (4 times 1 against 3 times 1); a repeated word is still one word.
    assert shown([("title", "trial"), ("summary", "trial trial trial trial")], "trial")[0] == "summary"
    assert shown([("title", "trial tumor"), ("summary", "trial trial trial trial")], "trial tumor")[0] == "title"
    # Equal words and weight: the first field.
    assert shown([("summary", "trial"), ("note", "trial")], "trial")[0] == "summary"


def test_a_field_together_keeps_each_match_where_it_is():
    name, text, spans = shown([("name", "Ma Jun"), ("honorific", "Professor")], "professor jun")
    assert (name, text) == ("honorific name", "Professor Ma Jun")
    assert [text[start:end] for start, end in spans] == ["Professor", "Jun"]


@both
def test_the_conference_is_never_shown_as_the_forums_title(store):
    """Line 3 names the conference the forum was part of; the forum has no title of that name."""
    [hit] = [hit for hit in hits("2024", store=store) if hit["kind"] == "forum"]
    assert hit["field"] == "conference" and hit["title"] is None


@both
def test_a_session_name_is_the_curators_never_a_title(store):
    """The article says "the first session"; "First session" is the curator's name for it."""
    [hit] = [hit for hit in hits("first", "session", store=store) if hit["kind"] == "session"]
    assert hit["title"] is None and hit["topic"] == "First session"
