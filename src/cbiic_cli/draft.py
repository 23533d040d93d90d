"""``cbiic draft ARTICLE``: the mechanical part of curating a forum file, done from the article alone.

A curator's judgement (summaries, key points, themes, organisations' kinds, what is
uncertain and why) is left as placeholders (``placeholders.MARKER``). Everything else
the draft says is a string found on the article line it cites: people with their
honorifics, positions and organisations as written, the talks' titles in quotes, the
panel, the forum's name, conference, city and date.

Careful patterns, not a language model. The articles are short, written to one
house style ("Professor Zheng Limin, Dean at School of Life Science, …, delivered a
report titled “…”"), and what a curator needs is exactness: a name, a position or a
title copied character for character, or nothing. A pattern either finds the text as
written or finds nothing, and a wrong guess would be worse than a gap. spaCy's
rule-based matcher would give the same patterns over its own tokens, at the price of
a large dependency; its statistical models, which would add guessing, cannot be
downloaded here.

What is never drafted, because the article does not say it: which session a talk
belongs to, any running order, a title the article does not quote, and who an
ambiguous name ("Professor Ma Jun", where two people are called Ma Jun) is.
"""

from __future__ import annotations

import bisect
import os
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .placeholders import MARKER, placeholder
from .provenance import Article, ArticleError, is_prose, sentences

# -- people's names ----------------------------------------------------------------
#
# A name is a Chinese surname and a given name of one or two pinyin syllables, as the
# house style writes them ("Zheng Limin", "Luo Dan"). Checking both parts keeps
# organisations ("Sun Yat-sen University", "Huadong Medicine") from passing as people.

SURNAMES = frozenset(
    """
    Ai An Bai Ban Bao Bei Bi Bian Bo Cai Cao Cen Chang Chao Che Chen Cheng Chi Chu Cui Dai Dan Deng Di Diao Ding Dong
    Dou Du Duan Fan Fang Fei Feng Fu Gan Gao Ge Geng Gong Gou Gu Guan Guo Han Hao He Hong Hou Hu Hua Huang Ji Jia Jian
    Jiang Jiao Jin Jing Kang Ke Kong Kou Kuang Lai Lan Lang Lei Li Lian Liang Liao Lin Ling Liu Long Lou Lu Luo Lv Lyu
    Ma Mai Man Mao Mei Meng Mi Miao Min Ming Mo Mu Ni Nie Ning Niu Ou Pan Pang Pei Peng Pi Ping Pu Qi Qian Qiao Qin Qiu
    Qu Quan Ran Rao Ren Rong Ruan Rui Sang Shan Shang Shao Shen Sheng Shi Shu Si Song Su Sun Tai Tan Tang Tao Teng Tian
    Tong Tu Wan Wang Wei Wen Weng Wu Xi Xia Xian Xiang Xiao Xie Xin Xing Xiong Xu Xue Yan Yang Yao Ye Yi Yin Ying You Yu
    Yuan Yue Yun Zang Zeng Zha Zhai Zhan Zhang Zhao Zhen Zheng Zhong Zhou Zhu Zhuang Zong Zou Zuo
    """.split()
)
_SYLLABLE = (
    r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])?"
    r"(?:iang|iong|uang|ang|eng|ing|ong|ian|iao|uai|uan|ai|ei|ao|ou|an|en|in|un|ia|ie|iu|ua|uo|ui|ue|er|a|o|e|i|u|v)"
)
_GIVEN_NAME = re.compile(f"(?:{_SYLLABLE}){{1,2}}")
_HONORIFIC = r"Professor|Prof\.|Dr\.|Mr\.|Ms\.|Mrs\.|Madam|Academician"
_NAME = re.compile(rf"(?:\b(?P<honorific>{_HONORIFIC})\s+)?\b(?P<surname>[A-Z][a-z]{{0,5}}) (?P<given>[A-Z][a-z]{{1,11}})(?![\w-])")
_QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"")
_WORD_BEFORE = re.compile(r"([A-Z][\w’'-]*) $")
_LONGEST_WORD = 40

# -- positions and organisations ------------------------------------------------------

TITLE_NOUNS = frozenset(
    """
    Academician Adviser Advisor Analyst Chair Chairman Chairperson Chairwoman Chief Commissioner Consultant Coordinator
    Counsel Dean Director Editor Engineer Expert Fellow Founder Governor Head Investigator Leader Manager
    Member Minister Officer Partner Physician Principal President Professor Representative Researcher Scientist
    Secretary Specialist Superintendent Supervisor Surgeon CEO CFO CMO COO CSO CTO
    """.split()
)
TITLE_MODIFIERS = frozenset(
    "Acting Assistant Associate Co Deputy Executive Financial Founding Honorary Managing Medical Operating Permanent "
    "Scientific Senior Standing Technical Vice".split()
)
# Small words an organisation's name may hold between its capitalised words.
_CONNECTORS = frozenset({"of", "and", "the", "to", "on", "for", "&", "de", "du"})
_TOKEN = re.compile(r"\S+")
_ACRONYM = re.compile(r"\([A-Z][\w&-]*\)")
# After an organisation, lower-case words and then "of Something": the organisation was a department's
# start ("Phase I" of "Phase I clinical trial center of East Hospital …"), not the organisation.
_ENDED_TOO_EARLY = re.compile(r"\s+(?:[a-z][\w’'-]*\s+){1,4}of (?:the )?[A-Z]")
_VERB_LIKE = re.compile(r"[a-z]+ed$")

# -- what paragraphs report ------------------------------------------------------------

_SPEECH = re.compile(
    r"\b(?:delivered|emphasi[sz]ed|highlighted|concluded|stressed|pointed out|noted|suggested|said|stated|argued|discussed|"
    r"introduced|elaborated|presented|shared|explained|described|proposed|advocated|predicted|remarked|observed|called for|"
    r"provided|gave|outlined|reviewed|summari[sz]ed|spoke|talked|reported|believed|added|warned|urged|recommended)\b"
)
_MODERATED = re.compile(r"\b(?:moderated|chaired|hosted)\b")
_MODERATED_BY = re.compile(r"\b(?:moderated|chaired|hosted) by\s+")
_CLOSING = re.compile(r"\b(?:concluded|closed|summed up|wrapped up|closing)\b")
_OPENING = re.compile(r"\bopening (?:speech|remarks|address)\b")
_SESSION_MODERATED = re.compile(r"\b(?:moderated|chaired|hosted) (?:the )?(?P<name>\w+ session)\b")
_SESSION_WAS_MODERATED = re.compile(r"\b[Tt]he (?P<name>\w+ session) was (?:moderated|chaired|hosted) by\s+")
_PANEL = re.compile(r"\bpanel\b", re.I)
_PANEL_TITLE = re.compile(r"\bpanel(?: discussion)?,? (?:on|titled|entitled|themed|about)\s+(“[^”]+”|\"[^\"]+\")", re.I)
_TALK_TITLE = re.compile(r"\b(?:titled|entitled|report|speech|talk|lecture|presentation|keynote|address)(?: on)?,?\s+(“[^”]+”|\"[^\"]+\")")

# -- the forum ------------------------------------------------------------------------

_MONTHS = "January February March April May June July August September October November December".split()
_MONTH = "|".join(_MONTHS)
_DATE = re.compile(
    rf"\b(?:(?P<month>{_MONTH}) (?P<day>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<year>\d{{4}})"
    rf"|(?P<day2>\d{{1,2}})(?:st|nd|rd|th)? (?P<month2>{_MONTH}),? (?P<year2>\d{{4}}))\b"
)
_CITY = re.compile(r"\b(?:held|took place|convened|opened|continued) in (?P<city>[A-Z][\w’'-]+)")
_ORGANISERS = re.compile(r"\bthe organi[sz]ers\b")
_DATELINE = re.compile(r"^\d{4}-\d{2}-\d{2}\b")

PARAGRAPH_NUMBERING = (
    "Paragraph numbers are the line numbers of the article as plain text, one paragraph per line "
    "(line 1 is the headline, line 2 the publication time)."
)


class DraftError(ArticleError):
    """The article cannot be drafted from: one line for the user, exit code 1."""


# == reading the article ==================================================================


@dataclass
class Mention:
    """A person's full name where the article writes it, with what it writes beside it."""

    line: int
    start: int  # of the honorific, if any, else of the name
    end: int
    name: str
    honorific: str | None
    as_written: str
    # (position, organisation) as written; a position the article gives without an organisation is left out
    affiliations: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Person:
    name: str
    mentions: list[Mention]
    slug: str = ""

    @property
    def affiliations(self) -> list[tuple[str, str]]:
        return next((m.affiliations for m in self.mentions if m.affiliations), [])

    @property
    def honorific(self) -> str | None:
        return next((m.honorific for m in self.mentions if m.honorific), None)

    @property
    def lines(self) -> list[int]:
        return sorted({m.line for m in self.mentions})


def mentions_on(line: str, number: int) -> list[Mention]:
    """Every full name on one line of the article, with the positions and organisations it writes after it."""
    masked = _QUOTED.sub(lambda quoted: " " * len(quoted.group()), line)  # a title in quotes names no one
    found: list[Mention] = []
    position = 0
    while (match := _NAME.search(masked, position)) is not None:
        position = match.start() + 1
        surname, given = match.group("surname"), match.group("given")
        if surname not in SURNAMES or not _GIVEN_NAME.fullmatch(given.lower()) or _inside_a_proper_noun(masked, match):
            continue
        end = match.end()
        found.append(Mention(number, match.start(), end, f"{surname} {given}", match.group("honorific"), line[match.start() : end]))
        position = end
    starts = {mention.start for mention in found} | {mention.end - len(mention.name) for mention in found}
    for mention in found:
        mention.affiliations = affiliations_after(line, mention.end, starts)
    return found


def _inside_a_proper_noun(masked: str, match: re.Match[str]) -> bool:
    """Whether a capitalised word next to it (mid-sentence, before it) makes the name part of a longer one: "Gobroad
    Wang Lin", "Sun Yat University". Only a few characters around it are read, so a long line costs no more per name."""
    if masked[match.end() : match.end() + 2].startswith(" ") and masked[match.end() + 1 : match.end() + 2].isupper():
        return True
    if match.group("honorific"):
        return False
    window = max(0, match.start() - _LONGEST_WORD)
    before = _WORD_BEFORE.search(masked, window, match.start())
    if before is None:
        return False
    ending = masked[max(0, before.start() - 4) : before.start()].rstrip()  # "Capital. Xue Junli": a sentence ended
    return before.start() > 0 and bool(ending) and not ending.rstrip("”\"’'").endswith((".", "!", "?", ":", ";"))


def affiliations_after(line: str, end: int, name_starts: set[int]) -> list[tuple[str, str]]:
    """The (position, organisation) pairs written after a name: ", Dean at School of Life Science, Sun Yat-sen
    University, Director of Key Laboratory …", "…, Secretary-General of X and Vice Director of … of Y", "…, Co-Founder,
    Managing Partner of Z". Each string is a slice of the line, so it is on the line exactly as written."""
    found: list[list[int]] = []  # [position start, position end, organisation start, organisation end]
    pending: int | None = None  # where a position without its organisation began ("Co-Founder, Managing Partner of …")
    at = end
    while True:
        if line.startswith(", ", at):
            start = at + 2
        elif line.startswith(" and ", at) and found and _title_starts(line, at + 5):
            start = at + 5
        else:
            break
        if start in name_starts or not line[start : start + 1].isupper():
            break  # the next person, or the sentence goes on
        piece_end = line.find(", ", start)
        piece_end = len(line) if piece_end == -1 else piece_end
        split = _position_and_organisation(line, start, piece_end)
        if split is not None:
            position_end, organisation_start, organisation_end = split
            found.append([start if pending is None else pending, position_end, organisation_start, organisation_end])
            pending = None
            at = organisation_end
            continue
        whole = _organisation_end(line, start, piece_end)
        words = line[start:piece_end].split()
        if whole < piece_end and not line[whole:piece_end].startswith((" ", ".")):
            whole = start  # a possessive, "University's team": not a name on its own
        if _is_title(words) and len(words) <= 5 and all(word[:1].isupper() for word in words):
            pending = start if pending is None else pending
            at = piece_end
        elif found and pending is None and whole > start and not any(_is_title_word(word) for word in line[start:whole].split()):
            found[-1][3] = whole  # "School of Life Science" + ", Sun Yat-sen University": one organisation
            if whole < piece_end:
                break  # "…, Sun Yat-sen University delivered a report": the sentence goes on
            at = piece_end
        else:
            break
    return [(line[a:b], line[c:d]) for a, b, c, d in found]


def _position_and_organisation(line: str, start: int, stop: int) -> tuple[int, int, int] | None:
    """Where a piece "Vice President of National Market Access at Roche Pharmaceuticals China" splits into a position
    and an organisation: (position end, organisation start, organisation end), or None."""
    piece = line[start:stop]
    splits = [m.start() for m in re.finditer(r" at (?=\S)", piece)] + [m.start() for m in re.finditer(r" of (?=\S)", piece)]
    for split in splits:
        words = piece[:split].split()
        lower = [word for word in words if not word[:1].isupper() and word not in _CONNECTORS]
        if not _is_title(words) or len(lower) > 4 or any(_VERB_LIKE.fullmatch(word) for word in lower):
            continue
        organisation_start = start + split + 4
        if line.startswith("the ", organisation_start):
            organisation_start += 4
        if not line[organisation_start : organisation_start + 1].isupper():
            continue
        organisation_end = _organisation_end(line, organisation_start, stop)
        if organisation_end == organisation_start or _ENDED_TOO_EARLY.match(line, organisation_end, stop):
            continue
        return start + split, organisation_start, organisation_end
    return None


def _organisation_end(line: str, start: int, stop: int) -> int:
    """The end of the capitalised name that starts at ``start``: small words may join its words; a lower-case word,
    punctuation, or "and" before a new position ends it."""
    end = start
    for token in _TOKEN.finditer(line, start, stop):
        raw = token.group()
        word = raw.rstrip(".;:")
        if word in _CONNECTORS:
            if word != raw or (word == "and" and _title_starts(line, token.end() + 1)):
                break
            continue
        if not (word[:1].isupper() or word[:1].isdigit() or _ACRONYM.fullmatch(word)):
            break
        end = token.start() + len(word)
        if word != raw:
            break
    return end


def _is_title_word(word: str) -> bool:
    return any(part in TITLE_NOUNS for part in re.split(r"[-‐]", word.strip(".,;:")))


def _is_title(words: list[str]) -> bool:
    """A position: it starts with a title's word ("Vice", "Chief", "Director") and holds a title's noun."""
    if not words:
        return False
    first = re.split(r"[-‐]", words[0])[0]
    return (first in TITLE_MODIFIERS or _is_title_word(words[0])) and any(_is_title_word(word) for word in words)


def _title_starts(line: str, at: int) -> bool:
    """A position begins at ``at``: "Vice Director of …", "Chief Medical Officer of …"."""
    words = line[at : at + 3 * _LONGEST_WORD].split(maxsplit=3)[:3]
    for index, word in enumerate(words):
        if _is_title_word(word):
            return True
        if re.split(r"[-‐]", word)[0] not in TITLE_MODIFIERS or index == 2:
            return False
    return False


def people_of(mentions: list[Mention]) -> tuple[list[Person], dict[int, Person | list[Person]]]:
    """The people the mentions name, in the order the article first names them, and whom each mention means.

    One name written with different positions is as many people: a draft never merges them. A mention of
    such a name without positions ("Professor Ma Jun concluded") means one of them, and which is not said:
    it resolves to the list of them all, never to one.
    """
    by_name: dict[str, list[Mention]] = {}
    for mention in mentions:
        by_name.setdefault(mention.name, []).append(mention)
    meaning: dict[int, Person | list[Person]] = {}
    people: list[Person] = []
    for name, named in by_name.items():
        introductions: dict[tuple[tuple[str, str], ...], Person] = {}
        for mention in named:
            if mention.affiliations:
                key = tuple(mention.affiliations)
                introductions.setdefault(key, Person(name, [])).mentions.append(mention)
        if len(introductions) <= 1:
            person = next(iter(introductions.values()), Person(name, []))
            person.mentions = list(named)
            people.append(person)
            meaning.update({id(mention): person for mention in named})
            continue
        namesakes = list(introductions.values())
        people += namesakes
        for person in namesakes:
            meaning.update({id(mention): person for mention in person.mentions})
        meaning.update({id(mention): namesakes for mention in named if id(mention) not in meaning})
    people.sort(key=lambda person: (person.mentions[0].line, person.mentions[0].start))
    return people, meaning


# == the draft ===============================================================================


class _Drafter:
    """Reads one article and builds the forum document, as plain values, in the schema's order."""

    def __init__(self, article: Article) -> None:
        self.article = article
        self.lines = article.lines
        self.on_line = {number: mentions_on(line, number) for number, line in enumerate(self.lines, 1)}
        self.starts = {number: [mention.start for mention in found] for number, found in self.on_line.items()}
        self.mentions = [mention for number in self.on_line for mention in self.on_line[number]]
        self.people, self.meaning = people_of(self.mentions)
        if not self.people:
            raise DraftError(
                f"{article.name}: names no one in the way the drafter reads names (a surname and a given name, such as "
                "Zheng Limin); is it an article of this style, as plain text with one paragraph per line?"
            )
        self.ids: set[str] = set()  # people and agenda items share one namespace
        self.named: dict[str, list[Person]] = {}
        for person in self.people:
            self.named.setdefault(person.name, []).append(person)
        for person in self.people:  # namesakes are numbered alike, so that neither passes for "the" Ma Jun
            namesakes = self.named[person.name]
            person.slug = self.unique_id(person.name if len(namesakes) == 1 else f"{person.name} {namesakes.index(person) + 1}")
        self.organisations = self.organisations_named()

    # -- ids --

    def unique_id(self, text: str, used: set[str] | None = None) -> str:
        used = self.ids if used is None else used
        base = _slug(text)
        slug, number = base, 1
        while slug in used:
            number += 1
            slug = f"{base}-{number}"
        used.add(slug)
        return slug

    # -- people and organisations --

    def organisations_named(self) -> dict[str, str]:
        """Each organisation a position names, once, in the order the article names them: name to id."""
        names: dict[str, str] = {}
        used: set[str] = set()
        self.in_positions: dict[str, set[int]] = {}
        for mention in self.mentions:
            for _, organisation in mention.affiliations:
                if organisation not in names:
                    names[organisation] = self.unique_id(organisation, used)
                self.in_positions.setdefault(organisation, set()).add(mention.line)
        return names

    def lines_naming(self, name: str) -> list[int]:
        """Every line that names an organisation as a whole (not as the start of a longer name)."""
        pattern = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])(?! [A-Z])")
        found = {number for number, line in enumerate(self.lines, 1) if name in line and pattern.search(line)}
        return sorted(found | self.in_positions[name])

    def person_entry(self, person: Person) -> dict[str, Any]:
        entry: dict[str, Any] = {"slug": person.slug, "name": person.name}
        if person.honorific:
            entry["honorific"] = person.honorific
        if person.affiliations:
            entry["affiliations"] = [
                {"position": position, "organisation": self.organisations[organisation]} for position, organisation in person.affiliations
            ]
        namesakes = [other for other in self.named[person.name] if other is not person]
        if namesakes:
            entry["note"] = {
                "text": placeholder(
                    f"how the article tells this {person.name} from the other one ({', '.join(o.slug for o in namesakes)})"
                ),
                "source_paragraphs": sorted({line for one in [person, *namesakes] for line in one.lines}),
            }
        entry["source_paragraphs"] = person.lines
        return entry

    def reference(self, mention: Mention) -> str | dict[str, Any]:
        """Whom a mention means: a slug, or every candidate when the article does not say which one."""
        meant = self.meaning[id(mention)]
        if isinstance(meant, Person):
            return meant.slug
        lines = {line for person in meant for line in person.lines} | {mention.line}
        return {
            "as_written": mention.as_written,
            "candidates": [person.slug for person in meant],
            "note": {
                "text": placeholder(f"why the article does not settle which {mention.name} this is"),
                "source_paragraphs": sorted(lines),
            },
        }

    # -- paragraphs --

    def within(self, number: int, start: int, end: int) -> list[Mention]:
        """The mentions on a line between two columns, found by bisection: a long line costs no scan per sentence."""
        on_line, starts = self.on_line[number], self.starts[number]
        return on_line[bisect.bisect_left(starts, start) : bisect.bisect_left(starts, end)]

    def subject(self, number: int, start: int, end: int) -> Mention | None:
        """The person a sentence is about: its first name, when no verb of speaking or moderating comes before it."""
        first = next(iter(self.within(number, start, end)), None)
        if first is None:
            return None
        before = self.lines[number - 1][start : first.start]
        return None if _SPEECH.search(before) or _MODERATED.search(before) else first

    def mention_at(self, number: int, at: int) -> Mention | None:
        return next(iter(self.within(number, at, at + 1)), None)

    def build(self) -> dict[str, Any]:
        opening: dict[str, Any] | None = None
        sessions: list[dict[str, Any]] = []
        talks: list[dict[str, Any]] = []
        panel: dict[str, Any] | None = None
        for number, line in enumerate(self.lines, 1):
            if not is_prose(line):
                continue
            spans = _sentence_spans(line)
            if panel is None and (found := self.panel_in(number, line, spans)) is not None:
                panel = found
                continue
            reported = False
            for start, end in spans:
                sentence = line[start:end]
                subject = self.subject(number, start, end)
                if opening is None and subject and _OPENING.search(sentence):
                    opening = self.speech("opening-speech", self.reference(subject), "the opening speech", number)
                    reported = True
                for match in _SESSION_MODERATED.finditer(sentence):
                    if subject:
                        sessions.append(self.session(match.group("name"), self.reference(subject), number))
                        reported = True
                for match in _SESSION_WAS_MODERATED.finditer(sentence):
                    moderator = self.mention_at(number, start + match.end())
                    if moderator:
                        sessions.append(self.session(match.group("name"), self.reference(moderator), number))
                        reported = True
            if not reported and (talk := self.talk_in(number, line, spans)) is not None:
                talks.append(talk)
        return self.document(opening, sessions, talks, panel)

    def speech(self, identifier: str, speaker: str | dict[str, Any], what: str, number: int, key_points: int = 0) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "id": self.unique_id(identifier),
            "speaker": speaker,
            "summary": placeholder(f"a summary of {what}, in your own words"),
        }
        if key_points:
            entry["key_points"] = [{"text": placeholder(f"a key point of {what} that names its subject; add its themes")}]
        entry["source_paragraphs"] = [number]
        return entry

    def session(self, name: str, moderator: str | dict[str, Any], number: int) -> dict[str, Any]:
        return {"id": self.unique_id(name), "name": name, "moderator": moderator, "source_paragraphs": [number]}

    def talk_in(self, number: int, line: str, spans: list[tuple[int, int]]) -> dict[str, Any] | None:
        """A paragraph about one person that reports them speaking: a talk, with its title if the article quotes one."""
        start, end = spans[0]
        subject = self.subject(number, start, end)
        if subject is None or not _SPEECH.search(line, subject.end):
            return None
        speaker = self.reference(subject)
        who = subject.name
        entry: dict[str, Any] = {"id": self.unique_id(f"{speaker}-talk" if isinstance(speaker, str) else f"talk-line-{number}")}
        entry["speaker"] = speaker
        title = _TALK_TITLE.search(line)
        if title:
            entry["title"] = _unquoted(title.group(1))
        else:
            entry["topic"] = placeholder(f"the topic of {who}'s talk, in your own words (the article quotes no title)")
        entry["summary"] = placeholder(f"what {who} said, in your own words, as strong as the article and no stronger")
        entry["key_points"] = [{"text": placeholder(f"key point {n} of {who}'s talk; name its subject, add its themes")} for n in (1, 2, 3)]
        entry["source_paragraphs"] = [number]
        return entry

    def panel_in(self, number: int, line: str, spans: list[tuple[int, int]]) -> dict[str, Any] | None:
        """A panel paragraph: the panel (title, moderator, panelists) in one sentence, then what each said."""
        for index, (start, end) in enumerate(spans):
            sentence = line[start:end]
            moderated = _MODERATED_BY.search(sentence)
            if not _PANEL.search(sentence) or moderated is None:
                continue
            moderator = self.mention_at(number, start + moderated.end())
            if moderator is None:
                continue
            panelists: list[Person] = []
            for mention in self.within(number, start, end):
                meant = self.meaning[id(mention)]
                if mention is not moderator and isinstance(meant, Person):
                    if meant not in panelists:
                        panelists.append(meant)  # a panelist the article does not identify cannot be listed
            if not panelists:
                continue
            title = _PANEL_TITLE.search(sentence)
            entry: dict[str, Any] = {
                "id": self.unique_id("panel"),
                "title": _unquoted(title.group(1)) if title else placeholder("the panel's title (the article quotes none)"),
                "moderator": self.reference(moderator),
                "panelists": [person.slug for person in panelists],
            }
            remarks: dict[str, dict[str, Any]] = {}
            closing = None
            for later_start, later_end in spans[index + 1 :]:
                speaker = self.subject(number, later_start, later_end)
                if speaker is None:
                    continue
                meant = self.meaning[id(speaker)]
                if isinstance(meant, Person) and meant in panelists:
                    if meant.slug not in remarks:
                        remarks[meant.slug] = self.remark(meant, number)
                elif closing is None and _CLOSING.search(line, later_start, later_end):
                    closing = self.speech("panel-closing", self.reference(speaker), "the panel's closing words", number, key_points=1)
            if remarks:
                entry["remarks"] = list(remarks.values())
            if closing:
                entry["closing"] = closing
            entry["source_paragraphs"] = [number]
            return entry
        return None

    def remark(self, person: Person, number: int) -> dict[str, Any]:
        return {
            "id": self.unique_id(f"{person.slug}-remark"),
            "speaker": person.slug,
            "summary": placeholder(f"what {person.name} said on the panel, in your own words"),
            "key_points": [{"text": placeholder(f"a key point of {person.name}'s remark that names its subject; add its themes")}],
            "source_paragraphs": [number],
        }

    # -- the forum and the whole document --

    def forum(self) -> dict[str, Any]:
        """Name, conference, city and date where the article states them (never its own publication date), each cited."""
        cited: set[int] = set()

        def first(find: Any) -> Any:
            for number, line in enumerate(self.lines, 1):
                if number > 2 and is_prose(line) and (found := find(line)):
                    cited.add(number)
                    return found
            return None

        name = first(lambda line: _named_phrase(line, "Forum"))
        conference = first(lambda line: _named_phrase(line, "Conference", acronym=True))
        city = first(lambda line: (m := _CITY.search(line)) and m.group("city"))
        date = first(lambda line: ("Conference" in line or "Forum" in line) and _date_in(line))
        organisers = next(((n, m.group()) for n, line in enumerate(self.lines, 1) if (m := _ORGANISERS.search(line))), None)
        info: dict[str, Any] = {
            "name": name or placeholder("the forum's name (the article does not state it)"),
            "conference": conference or placeholder("the conference's name (the article does not state it)"),
            "date": date or placeholder("the forum's date, as 2024-11-30 (the article does not state it)"),
            "city": city or placeholder("the city (the article does not state it)"),
            "organisers": {
                "as_written": organisers[1] if organisers else placeholder("the organisers, as the article names them"),
                "source_paragraphs": [organisers[0]] if organisers else sorted(cited) or [1],
            },
            "aims": [placeholder("the forum's aims as the article states them, one an entry, in your own words")],
            "source_paragraphs": sorted(cited) or [1],
        }
        return info

    def document(
        self, opening: dict[str, Any] | None, sessions: list[dict[str, Any]], talks: list[dict[str, Any]], panel: dict[str, Any] | None
    ) -> dict[str, Any]:
        from .model import OrganisationKind

        kinds = ", ".join(kind.value for kind in OrganisationKind)
        title, published = (self.lines + ["", ""])[:2]
        document: dict[str, Any] = {
            "source": {
                "title": title.strip() or placeholder("the article's headline"),
                "published": published.strip() if _DATELINE.match(published.strip()) else placeholder("when the article was published"),
                "file": os.path.basename(self.article.name),
                "paragraph_numbering": PARAGRAPH_NUMBERING,
            },
            "forum": self.forum(),
            "organisations": [
                {"id": identifier, "name": name, "kind": placeholder(f"one of {kinds}"), "source_paragraphs": self.lines_naming(name)}
                for name, identifier in self.organisations.items()
            ],
            "people": [self.person_entry(person) for person in self.people],
            "themes": [
                {
                    "id": "theme-to-write",
                    "label": placeholder("a theme's label; add one entry per theme, and list its id under the key points that carry it"),
                    "description": placeholder("what the theme covers"),
                }
            ],
        }
        if opening:
            document["opening"] = opening
        if sessions:
            document["sessions"] = sessions
        if talks:
            document["talks"] = talks
        if panel:
            document["panel"] = panel
        return document


def _sentence_spans(line: str) -> list[tuple[int, int]]:
    starts = [column for column, _ in sentences(line)]
    return [(start, end) for start, end in zip(starts, [*starts[1:], len(line)])]


def _unquoted(quoted: str) -> str:
    """A title as the article quotes it, without the quotation marks and the punctuation the sentence put inside them."""
    return quoted[1:-1].strip().rstrip(",.;:").strip()


def _named_phrase(line: str, head: str, acronym: bool = False) -> str | None:
    """The capitalised name that ends in ``head`` ("the Oncology Drugs Clinical Research Forum" gives "Oncology Drugs
    Clinical Research Forum"), with an acronym in brackets after it if asked for."""
    for match in re.finditer(rf"(?<= ){head}\b", line):
        words = line[: match.start()].split(" ")[:-1]
        kept = 0
        for word in reversed(words):
            if not (word[:1].isupper() or word[:1].isdigit() or word in _CONNECTORS) or word.endswith((",", ".", ";", ":")):
                break
            kept += 1
        while kept and words[len(words) - kept] in _CONNECTORS | {"The"}:
            kept -= 1
        if not kept:
            continue
        start = match.start() - len(" ".join(words[len(words) - kept :])) - 1
        end = match.end()
        if acronym and (bracket := re.match(r" \([A-Z][\w&-]*\)", line[end:])):
            end += bracket.end()
        return line[start:end]
    return None


def _date_in(line: str) -> Any:
    import datetime

    match = _DATE.search(line)
    if match is None:
        return None
    month = match.group("month") or match.group("month2")
    day = match.group("day") or match.group("day2")
    year = match.group("year") or match.group("year2")
    try:
        return datetime.date(int(year), _MONTHS.index(month) + 1, int(day))
    except ValueError:
        return None


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "item"


# == the command's work =======================================================================


def draft_document(article: Article) -> dict[str, Any]:
    """The forum a curator starts from, as plain values: everything found, cited; every judgement a placeholder."""
    if not any(line.strip() for line in article.lines):
        raise DraftError(f"{article.name}: is empty; give the article as plain text, one paragraph per line")
    return _Drafter(article).build()


def as_yaml(document: dict[str, Any], article: str) -> str:
    """The draft as a YAML forum file, with a header that says what it is."""
    import yaml

    try:  # libyaml's emitter, as the loader uses its parser: many times faster on a large draft
        from yaml import CSafeDumper as SafeDumper
    except ImportError:  # pragma: no cover - PyYAML built without libyaml
        from yaml import SafeDumper  # type: ignore[assignment]

    class Dumper(SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True  # the loader refuses aliases

    def flow_if_plain(dumper: SafeDumper, value: list[Any]) -> yaml.Node:
        short = all(isinstance(item, (str, int)) and not isinstance(item, bool) and len(str(item)) < 40 for item in value)
        return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=short)

    Dumper.add_representer(list, flow_if_plain)
    body = yaml.dump(document, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=120, default_flow_style=False)
    name = os.path.basename(article)
    header = (
        f"# A draft of a forum file, made by `cbiic draft` from {name}.\n"
        "# Every name, position, organisation and title below is quoted from the article line it cites\n"
        "# (source_paragraphs), and nothing else is claimed: no session's talks, no running order, and no\n"
        "# person where the article does not say which of two namesakes it means (both are candidates).\n"
        "# Each placeholder is for you to write. List them, located, with\n"
        f"#   cbiic validate THIS-FILE --source {name}\n"
    )
    return header + "\n" + body


def done(document: dict[str, Any], path: str | None, article: str) -> str:
    """What a draft holds and what is left to do, in one line for standard error."""
    left = sum(1 for text in _strings(document) if MARKER in text)
    panel = document.get("panel")
    remarks = len(panel.get("remarks", [])) if panel else 0
    found = f"{len(document['people'])} people, {len(document['organisations'])} organisations, {len(document.get('talks', []))} talks"
    found += f", a panel with {remarks} remarks" if panel else ", no panel"
    where = path if path not in (None, "-") else "FILE"
    return f"drafted {found}; {left:,} places marked {MARKER} are yours to write: cbiic validate {where} --source {article} lists them"


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def write_new(path: str, text: str, *, force: bool, article: str) -> None:
    """Write ``text`` to ``path`` through a file beside it renamed into place; an existing file only with ``force``."""
    import stat
    import tempfile

    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise DraftError(f"cannot write {path}: {error.strerror or error}") from None
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise DraftError(f"cannot write {path}: it is a directory; give a file name with -o")
        if os.path.exists(article) and os.path.samefile(path, article):
            raise DraftError(f"{path} is the article itself; give the draft another name with -o")
        if not force:
            raise DraftError(f"{path} exists; pass --force to overwrite it, or give another name with -o")
        if not stat.S_ISREG(mode):
            raise DraftError(f"cannot write {path}: it is not a regular file (a pipe or a device); give a file name with -o")
    directory = os.path.dirname(path) or "."
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=".cbiic-draft-", suffix=".tmp", dir=directory)
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
        os.replace(temporary, path)
        temporary = None
    except OSError as error:
        raise DraftError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        if temporary is not None:
            os.unlink(temporary)
