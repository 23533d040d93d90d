"""`cbiic export html`: a self-contained report that shows the article's facts, escapes the data, and renders in Chromium."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from export_support import distinct_colours, dump_dom, export_once, imported_by, run_cbiic, screenshot
from markupsafe import escape
from support import SHIPPED, replace_once, shipped_text

from cbiic_cli.export import common
from cbiic_cli.query import item_themes

TOPIC_MARK = "Topic (our words; the article gives no title):"


class Page(HTMLParser):
    """The parts of a page the tests look at: elements with attributes, visible text, table cells."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text_parts: list[str] = []
        self.scripts: list[str] = []
        self.styles: list[str] = []
        self.tables: list[list[list[tuple[str, dict, str]]]] = []  # table -> rows -> (tag, attrs, text)
        self._stack: list[str] = []
        self._cell: list[str] | None = None
        self.feed(text)
        self.close()
        self.text = " ".join("".join(self.text_parts).split())

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag in ("br", "meta", "input", "link", "img", "hr"):
            return
        self._stack.append(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            self._cell = []
            self.tables[-1][-1].append((tag, attributes, ""))

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self.tables:
            cell_tag, attributes, _ = self.tables[-1][-1][-1]
            self.tables[-1][-1][-1] = (cell_tag, attributes, " ".join("".join(self._cell).split()))
            self._cell = None
        if self._stack and self._stack[-1] == tag:
            self._stack.pop()

    def handle_data(self, data):
        current = self._stack[-1] if self._stack else ""
        if current == "script":
            self.scripts.append(data)
        elif current == "style":
            self.styles.append(data)
        else:
            self.text_parts.append(data)
            if self._cell is not None:
                self._cell.append(data)

    def with_class(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for _, attrs in self.elements if name in (attrs.get("class") or "").split()]


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Path:
    return export_once(tmp_path_factory, "html", "report.html")


@pytest.fixture(scope="module")
def html(report) -> str:
    return report.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(html) -> Page:
    return Page(html)


@pytest.fixture(scope="module")
def forum():
    from cbiic_cli.load import ForumSource, load_forum

    return load_forum(ForumSource(str(SHIPPED)))


# -- self-contained: nothing to fetch ---------------------------------------------------------


def test_nothing_is_fetched_from_anywhere(page):
    tags = {tag for tag, _ in page.elements}
    assert not tags & {"link", "img", "iframe", "object", "embed", "audio", "video", "source", "base", "form"}
    for tag, attributes in page.elements:
        assert "src" not in attributes, tag
        href = attributes.get("href")
        assert href is None or href.startswith("#"), href
    for css in page.styles:
        assert "url(" not in css and "@import" not in css
    policy = next(
        attrs["content"] for tag, attrs in page.elements if tag == "meta" and attrs.get("http-equiv") == "Content-Security-Policy"
    )
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy


def test_css_and_script_are_inline_and_print_friendly(page):
    assert len(page.styles) == 1 and "@media print" in page.styles[0]
    assert len(page.scripts) == 1 and "filter" in page.scripts[0]


def test_readable_without_javascript(html, page):
    """The search box is hidden until the script shows it; no contribution starts hidden."""
    assert re.search(r'<div id="filter-wrap"[^>]*\bhidden\b', html)
    assert all("hidden" not in attrs for attrs in page.with_class("contribution"))
    assert len(page.with_class("contribution")) == 11


# -- the article's facts ----------------------------------------------------------


def test_forum_at_a_glance(page):
    for fact in (
        "Oncology Drugs Clinical Research Forum",
        "2024 China BioMed Innovation and Investment Conference (CBIIC)",
        "Guangzhou",
        "30 November 2024",
        "Pharmaceutical Innovation and Industrial Integration: Focus on Clinical Research and Development of Anti-tumor Drugs",
        "2025-03-10 10:19",
    ):
        assert fact in page.text, fact


def test_every_contribution_with_speaker_summary_points_themes_and_lines(page, forum):
    for _, item, _ in common.contributions(forum):
        assert " ".join(item.summary.split()) in page.text
        for point in item.key_points:
            assert " ".join(point.text.split()) in page.text
        assert any(attrs.get("id") == f"c-{item.id}" for attrs in page.with_class("contribution"))
    assert "article line 11" in page.text and "article lines 4, 6 and 15" in page.text
    assert "¶" not in page.text
    assert "Vice President of National Market Access, Roche Pharmaceuticals China" in page.text


def test_titles_are_the_articles_and_topics_are_marked_as_ours(html, page, forum):
    assert page.text.count(TOPIC_MARK) == sum(1 for talk in forum.talks if talk.topic)
    for talk in forum.talks:
        if talk.title:
            assert f'<h4 class="title">{escape(talk.title)}</h4>' in html
        else:
            assert f'<h4 class="topic"><span class="topic-label">{TOPIC_MARK}</span> {escape(talk.topic)}</h4>' in html, talk.id
    assert "Genetic testing in precision therapy for driver gene-positive NSCLC" not in re.findall(r'<h4 class="title">(.*?)</h4>', html)


def test_uncertain_ma_jun_shows_both_candidates_and_the_note(page):
    assert page.text.count("Professor Ma Jun not identified") >= 2  # the panel's moderator and its closing words
    for candidate in (
        "Ma Jun (ma-jun-harbin): Vice-Chairman, Clinical Research on Oncology Drugs Specialty Committee of PhIRDA; Director, Harbin Institute of Hematology and Oncology",
        "Ma Jun (ma-jun-sysucc): Academician, Chinese Academy of Sciences; Executive Vice-President, Sun Yat-sen University Cancer Center",
    ):
        assert candidate in page.text
    assert "That does not settle which of them spoke, and the article does not say." in page.text
    assert "That does not settle which of them moderated the panel, and the article does not say." in page.text


def test_no_running_order_no_session_membership_and_the_closing_in_the_panel(html, page):
    assert "in the order the article reports them" in page.text
    assert "does not say which talks, nor whether the opening speech or the panel, belonged to which session." in page.text
    contributions_section = html[html.index('id="contributions"') : html.index('id="people"')]
    assert "<ol" not in contributions_section
    panel_group = contributions_section[contributions_section.index('id="panel-heading"') :]
    assert 'id="c-panel-closing"' in panel_group
    assert "Opening speech" in page.text and "no key points, no themes" in page.text


def test_affiliated_people_and_mentions_stay_apart(page):
    hillhouse = page.text[page.text.index("Hillhouse Investment (investor)") : page.text.index("Shanghai Chest Hospital (hospital)")]
    assert "Mentioned in: Topic (our words): The research hospital model" in hillhouse
    assert "Affiliated people" not in hillhouse and "Not written as anyone's affiliation." in hillhouse
    roche = page.text[page.text.index("Roche (company)") :][:400]
    assert "No one" not in roche and "Not written as anyone's affiliation." in roche
    lyzz = page.text[page.text.index("LYZZ Capital (investor)") :][:200]
    assert "Affiliated people: Zhang Yong (zhang-yong), Co-Founder, Managing Partner" in lyzz


# -- the theme map ---------------------------------------------------------------


def test_theme_map_is_a_real_table_before_any_contribution(html, page, forum):
    assert html.index('class="heatmap"') < html.index('id="contributions"') < html.index('class="contribution ')
    table = page.tables[0]
    header = table[0]
    assert header[0][2] == "Theme" and all(cell[1].get("scope") == "col" for cell in header)
    assert [row[0][2] for row in table[1:]] == [theme.label for theme in forum.themes]
    assert all(row[0][0] == "th" and row[0][1].get("scope") == "row" for row in table[1:])
    assert header[-1][2].startswith("Professor Ma Jun (not identified: ma-jun-harbin or ma-jun-sysucc)")
    assert "<caption>" in html


def test_theme_map_counts_each_persons_contributions_per_theme(page, forum):
    table = page.tables[0]
    columns = [cell[2] for cell in table[0][1:]]
    counts = {}
    for row in table[1:]:
        for column, (_, _, text) in zip(columns, row[1:]):
            counts[(row[0][2], column)] = int(text.split()[0])
    labels = {theme.id: theme.label for theme in forum.themes}
    expected: dict[tuple[str, str], int] = {}
    for _, item, _ in common.contributions(forum):
        speaker = item.speaker
        column = next(
            c
            for c in columns
            if c.startswith(speaker.as_written if not isinstance(speaker, str) else f"{_name(forum, speaker)} ({speaker})")
        )
        for theme in item_themes(item):
            expected[(labels[theme], column)] = expected.get((labels[theme], column), 0) + 1
    assert {key: value for key, value in counts.items() if value} == expected
    # Hovering or focusing a cell names the contributions it counts.
    insurance_luo_dan = next(row for row in table[1:] if row[0][2] == "Medical insurance")[columns.index("Luo Dan (luo-dan)") + 1]
    assert insurance_luo_dan[2] == "1 Panel remark by Luo Dan"


def _name(forum, slug: str) -> str:
    return next(person.name for person in forum.people if person.slug == slug)


# -- in a real browser ----------------------------------------------------------------


def test_chromium_renders_every_person_and_every_theme(report, forum):
    dom = Page(dump_dom(report))
    for person in forum.people:
        assert f"{person.name} ({person.slug})" in dom.text
    for theme in forum.themes:
        assert theme.label in dom.text
    # The inline script ran (the CSP allows it by hash): the filter box is shown.
    assert not any(attrs.get("id") == "filter-wrap" and "hidden" in attrs for _, attrs in dom.elements)


def test_chromium_filters_as_the_script_is_told(report):
    dom = Page(_dump_filtered(report, "myeloid"))
    shown = [attrs["id"] for attrs in dom.with_class("contribution") if "hidden" not in attrs]
    assert shown == ["c-zheng-limin-myeloid-cells"]
    assert "1 of 11 contributions match" in dom.text


def _dump_filtered(report: Path, words: str) -> str:
    from export_support import chromium

    return chromium(["--dump-dom"], report.resolve().as_uri() + "#filter=" + words).stdout


def test_chromium_screenshot_is_not_blank(report, tmp_path):
    image = screenshot(report, tmp_path / "report.png", width=1024, height=900)
    assert distinct_colours(image) > 20


# -- hostile data -------------------------------------------------------------------------

HOSTILE_NAME = "<script>document.title='pwned'</script>"
HOSTILE_ATTRIBUTE = '"onmouseover="document.body.dataset.pwned=1" x="'
HOSTILE_SUMMARY = '<img src=x onerror="document.body.dataset.pwned=2"> and </style><b>bold</b>'


@pytest.fixture(scope="module")
def hostile_report(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("hostile-html")
    text = shipped_text()
    text = replace_once(text, "name: Luo Dan", f'name: "{HOSTILE_NAME}"')
    text = replace_once(text, "label: Medical insurance", "label: '" + HOSTILE_ATTRIBUTE.replace("'", "''") + "'")
    text = replace_once(text, "name: LYZZ Capital", "name: '</title><script>document.title=1</script>'")
    text = text.replace(
        "Zhang Yong, speaking from an investment perspective",
        HOSTILE_SUMMARY.replace('"', "'") + " Zhang Yong, speaking from an investment perspective",
        1,
    )
    data = where / "hostile.yaml"
    data.write_text(text, encoding="utf-8")
    target = where / "hostile.html"
    result = run_cbiic("--data", str(data), "export", "html", str(target), cache=where / "cache")
    assert result.returncode == 0, result.stderr
    return target


def test_injected_markup_is_escaped_in_the_file(hostile_report):
    html = hostile_report.read_text(encoding="utf-8")
    assert "<script>document.title" not in html
    assert "<img" not in html and "<b>bold" not in html
    assert "&lt;script&gt;document.title=&#39;pwned&#39;&lt;/script&gt;" in html
    assert 'onmouseover="' not in html
    page = Page(html)
    assert len(page.scripts) == 1
    assert HOSTILE_NAME in page.text and HOSTILE_ATTRIBUTE.strip() in page.text


def test_injected_markup_shows_literally_and_runs_nothing_in_chromium(hostile_report):
    dom_text = dump_dom(hostile_report)
    dom = Page(dom_text)
    assert "pwned" not in "".join(attrs.get("data-pwned") or "" for _, attrs in dom.elements)
    assert not any("data-pwned" in attrs for _, attrs in dom.elements)
    title = re.search(r"<title>(.*?)</title>", dom_text, re.DOTALL).group(1)
    assert "pwned" not in title and title.endswith("who said what")
    assert HOSTILE_NAME in dom.text
    assert "</title><script>document.title=1</script>" in dom.text
    assert len([tag for tag, _ in dom.elements if tag == "script"]) == 1
    assert not [tag for tag, _ in dom.elements if tag in ("img", "b")]


def test_control_and_bidi_characters_in_the_data_are_visible_escapes_not_raw(tmp_path):
    text = replace_once(shipped_text(), "name: Luo Dan", 'name: "Luo \\e[31m\\u202eDan\\u2066\\x85\\u2028x"')
    data = tmp_path / "controls.yaml"
    data.write_text(text, encoding="utf-8")
    target = tmp_path / "controls.html"
    result = run_cbiic("--data", str(data), "export", "html", str(target), cache=tmp_path / "cache")
    assert result.returncode == 0, result.stderr
    html = target.read_text(encoding="utf-8")
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u2028\u2029]", html)
    assert "Luo \\x1b[31m\\u202eDan\\u2066\\x85\\u2028x" in html


# -- files and start-up -----------------------------------------------------------------


def test_without_chromium_the_browser_tests_skip_and_say_how(monkeypatch):
    import export_support

    monkeypatch.setattr(export_support.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match=r"apt-get install -y chromium"):
        export_support.chromium_or_skip()


def test_export_html_imports_jinja2_not_rich(tmp_path):
    # sqlite3 it does import: the forum is read from its query store.
    modules = imported_by(["export", "html", "report.html"], tmp_path, tmp_path)
    assert "jinja2" in modules
    assert "rich" not in modules


def test_expansions_the_article_never_gives_are_search_aids_not_facts(page):
    glossary = page.text[page.text.index("Abbreviations") : page.text.index("About the forum")]
    spelled_out, aids = glossary.split("Search aids")
    assert "NSCLC" in spelled_out and "CGT" not in spelled_out and "DRG" not in spelled_out
    assert "CGT" in aids and "diagnosis-related groups" in aids and "not facts from the article" in aids


def test_the_report_says_summaries_are_the_curators_paraphrase(page):
    assert (
        "Summaries, key points, topics, notes, themes, role names, organisation kinds" in page.text
        and "“talk” are the curator's" in page.text
    )
