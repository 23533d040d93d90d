"""The loader: every class of invalid data is an error naming file, line, column and field path."""

from __future__ import annotations

import re

import pytest
from support import SHIPPED, replace_once, shipped_text

from cbiic_cli.errors import ForumDataError
from cbiic_cli.load import ForumSource, load_forum, parse_forum


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))


def problems_of(text: str) -> list[str]:
    with pytest.raises(ForumDataError) as caught:
        parse_forum(text.encode("utf-8"), "f.yaml")
    return [problem.located("f.yaml") for problem in caught.value.problems]


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of needle, to check reported locations."""
    return text[: text.index(needle)].count("\n") + 1


def test_shipped_forum_is_valid_and_complete():
    forum = load_forum(ForumSource(str(SHIPPED)))
    assert len(forum.people) == 10
    assert forum.forum.city == "Guangzhou"
    assert forum.forum.date.isoformat() == "2024-11-30"
    assert [t.title for t in forum.talks if t.title] == [
        "Cultivating Youth Talent in Scientific Innovation Programs",
        "Myeloid Cells and the Shaping of the Tumor Immune Microenvironment",
    ]


def test_two_ma_juns_are_two_records_with_their_own_affiliations():
    forum = load_forum(ForumSource(str(SHIPPED)))
    ma_juns = {p.slug: p for p in forum.people if p.name == "Ma Jun"}
    assert set(ma_juns) == {"ma-jun-harbin", "ma-jun-sysucc"}
    assert [a.organisation for a in ma_juns["ma-jun-harbin"].affiliations] == [
        "phirda-oncology-committee",
        "harbin-institute-of-hematology-and-oncology",
    ]
    assert [a.position for a in ma_juns["ma-jun-sysucc"].affiliations] == ["Academician", "Executive Vice-President"]


def test_panel_moderator_is_recorded_as_uncertain_between_the_ma_juns():
    forum = load_forum(ForumSource(str(SHIPPED)))
    assert forum.panel.moderator.as_written == "Professor Ma Jun"
    assert forum.panel.moderator.candidates == ["ma-jun-harbin", "ma-jun-sysucc"]
    assert forum.panel.closing.speaker.candidates == ["ma-jun-harbin", "ma-jun-sysucc"]


def test_unknown_key_is_located_at_the_key():
    text = replace_once(shipped_text(), "  - slug: luo-dan\n", "  - slug: luo-dan\n    nickname: LD\n")
    (message,) = problems_of(text)
    assert message.startswith(f"f.yaml:{line_of(text, 'nickname')}:5: people[7].nickname: unknown field 'nickname'")


def test_wrong_type_names_field_path_and_expected_type():
    text = replace_once(shipped_text(), "name: Luo Dan", "name: 42")
    (message,) = problems_of(text)
    assert (
        message
        == f"f.yaml:{line_of(text, 'name: 42')}:11: people[7].name: expected non-empty text, got the whole number 42; put it in quotes if it is meant as text"
    )


def test_missing_required_field_points_at_its_mapping():
    text = replace_once(shipped_text(), "  - slug: li-ziming\n    name: Li Ziming\n", "  - slug: li-ziming\n")
    (message,) = problems_of(text)
    assert re.match(rf"f\.yaml:{line_of(text, 'slug: li-ziming')}:\d+: people\[5\]: missing required field 'name'", message)


def test_duplicate_slug_is_an_error_naming_both_places():
    text = replace_once(shipped_text(), "slug: zhang-yong", "slug: luo-dan")
    messages = problems_of(text)
    second = text[: text.rindex("slug: luo-dan")].count("\n") + 1
    assert messages[0] == f"f.yaml:{second}:11: people[9].slug: 'luo-dan' is already used at people[7].slug; ids must be unique"


def test_reference_to_unknown_person_suggests_the_closest():
    text = replace_once(shipped_text(), "speaker: luo-dan", "speaker: luo-da")
    (message,) = problems_of(text)
    assert f":{line_of(text, 'speaker: luo-da')}:" in message
    assert "panel.remarks[1].speaker: unknown person 'luo-da'; did you mean 'luo-dan'?" in message


def test_reference_to_unknown_theme():
    text = replace_once(shipped_text(), "themes: [ai, npc]", "themes: [ai, nasopharynx]")
    (message,) = problems_of(text)
    assert "talks[0].key_points[0].themes[1]: unknown theme 'nasopharynx'" in message
    assert message.startswith(f"f.yaml:{line_of(text, 'themes: [ai, nasopharynx')}:")


def test_duplicate_yaml_key_is_an_error():
    text = replace_once(shipped_text(), "  city: Guangzhou\n", "  city: Guangzhou\n  city: Shanghai\n")
    (message,) = problems_of(text)
    assert (
        message
        == f"f.yaml:{line_of(text, 'city: Shanghai')}:3: forum.city: duplicate key 'city' (first given on line {line_of(text, 'city: Guangzhou')}); keep one of them"
    )


def test_syntax_error_names_line_and_column():
    text = replace_once(shipped_text(), "  city: Guangzhou\n", "  city: [Guangzhou\n")
    (message,) = problems_of(text)
    assert re.match(r"f\.yaml:\d+:\d+: YAML syntax error: ", message)


def test_talk_needs_exactly_one_of_title_and_topic():
    text = replace_once(
        shipped_text(), "    topic: The research hospital model", "    title: Invented\n    topic: The research hospital model"
    )
    (message,) = problems_of(text)
    assert "talks[2]: a talk needs exactly one of `title`" in message


def test_all_problems_are_reported_not_just_the_first():
    text = shipped_text()
    text = replace_once(text, "name: Luo Dan", "name: 42")
    text = replace_once(text, "  city: Guangzhou\n", "  city: Guangzhou\n  mayor: nobody\n")
    text = replace_once(
        text,
        "    key_points:\n      - text: >-\n          Li Ziming stressed",
        "    key_points: [{text: only one}]\n    unused_key_points:\n      - text: >-\n          Li Ziming stressed",
    )
    messages = problems_of(text)
    assert len(messages) == 4, messages
    assert any("people[7].name" in m for m in messages)
    assert any("forum.mayor" in m for m in messages)
    assert any("talks[3].key_points: needs 3 to 5 items, got 1 item" in m for m in messages)


def test_python_tags_are_refused_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    text = shipped_text() + f"\nextra: !!python/object/apply:os.system ['touch {marker}']\n"
    messages = problems_of(text)
    assert any("extra: unsupported YAML tag '!!python/object/apply:os.system'" in m for m in messages), messages
    assert not marker.exists()


def test_loader_never_writes_the_data_file(tmp_path):
    path = tmp_path / "forum.yaml"
    path.write_text(shipped_text(), encoding="utf-8")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    load_forum(ForumSource(str(path)))
    load_forum(ForumSource(str(path)))
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
