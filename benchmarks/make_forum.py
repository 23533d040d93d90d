#!/usr/bin/env python3
"""Write a synthetic but valid forum file with N talks, or a congress of F forums, for benchmarks and scale tests.

    python benchmarks/make_forum.py --talks 10000 --out /tmp/forum-10k.yaml
    python benchmarks/make_forum.py --forums 200 --out /tmp/congress-200

The output passes ``cbiic validate``: ids are unique across people, talks and
remarks, every reference resolves, talks have 3-5 key points and exactly one of
title/topic. It holds N talks, N/2 people, about N/10 organisations, the
shipped themes plus a few more, sessions of 20 talks, an opening speech and a
panel with remarks and closing words. Text lengths follow the curated forum
(summaries of 3-5 sentences, key points of one sentence each) and is written in
the same YAML styles (folded ``>-`` summaries, flow lists, quoted titles).

With ``--forums F`` it writes a congress directory instead: ``congress.yaml``
(the congress's facts, each forum's file and article, and the shipped themes,
which every forum uses and none repeats) and ``forum-001.yaml`` ... (numbers as
wide as F), each made by the same generator with a plan of its own: its name,
date and article, a run of the organisation catalogue that overlaps its
neighbours', and now and then a theme or two of its own. ``--talks`` is then the
congress's total of contributions (openings, talks, panel remarks, closings;
default 10,000), split unevenly over the forums. Ids are unique within a forum
only: organisation ids, the agenda's fixed ids and some slugs and talk ids recur
across forums. Every fifth forum shares a person with a forum soon after, linked
both ways with ``same_as``, and also a namesake: another person of the same name
and slug, deliberately not linked; drawn names collide across forums too, and
are never linked either.

Output is a pure function of ``--talks``, ``--forums`` and ``--seed``: the same
arguments give the same bytes on any machine and Python version (no set
iteration, no hash-dependent order, integer-seeded ``random.Random``). Only the
standard library is used.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import random
import sys
import textwrap
from pathlib import Path
from typing import NamedTuple

ORG_KINDS = [
    "committee",
    "academy",
    "university",
    "university-school",
    "hospital",
    "medical-centre",
    "research-institute",
    "laboratory",
    "company",
    "investor",
]
ORG_SUFFIX = {
    "committee": "Oncology Specialty Committee",
    "academy": "Academy of Medical Sciences",
    "university": "University",
    "university-school": "School of Medicine",
    "hospital": "Cancer Hospital",
    "medical-centre": "Cancer Center",
    "research-institute": "Institute of Oncology",
    "laboratory": "Key Laboratory of Tumour Biology",
    "company": "Pharmaceuticals",
    "investor": "Capital",
}
PLACES = [
    "Beijing",
    "Shanghai",
    "Guangzhou",
    "Shenzhen",
    "Hangzhou",
    "Nanjing",
    "Wuhan",
    "Chengdu",
    "Chongqing",
    "Tianjin",
    "Xi'an",
    "Harbin",
    "Changsha",
    "Suzhou",
    "Xiamen",
    "Qingdao",
    "Jinan",
    "Zhengzhou",
    "Kunming",
    "Shenyang",
    "Dalian",
    "Fuzhou",
    "Hefei",
    "Nanning",
    "Lanzhou",
    "Taiyuan",
    "Guiyang",
    "Urumqi",
    "Haikou",
]
SURNAMES = [
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Yang",
    "Huang",
    "Zhao",
    "Wu",
    "Zhou",
    "Xu",
    "Sun",
    "Ma",
    "Zhu",
    "Hu",
    "Guo",
    "He",
    "Gao",
    "Lin",
    "Luo",
    "Zheng",
    "Liang",
    "Xie",
    "Song",
    "Tang",
    "Han",
    "Feng",
    "Deng",
    "Cao",
    "Peng",
    "Zeng",
    "Xiao",
    "Tian",
    "Dong",
    "Yuan",
    "Pan",
    "Cai",
    "Jiang",
    "Yu",
    "Du",
    "Ye",
    "Cheng",
    "Wei",
    "Su",
    "Lu",
    "Ding",
    "Ren",
    "Shen",
    "Yao",
    "Qian",
    "Jin",
    "Fu",
    "Xue",
    "Bai",
    "Qin",
    "Kong",
    "Lei",
    "Fang",
]
SYLLABLES = [
    "jun",
    "li",
    "min",
    "wei",
    "hua",
    "ming",
    "jie",
    "ling",
    "yan",
    "xin",
    "hong",
    "qing",
    "bo",
    "tao",
    "lei",
    "fang",
    "yu",
    "dan",
    "rong",
    "ping",
    "jian",
    "feng",
    "chen",
    "zi",
    "run",
    "dong",
    "yong",
    "xiao",
    "hui",
    "ying",
    "kai",
    "ning",
    "rui",
    "hao",
    "yi",
    "nan",
    "lan",
    "shan",
    "zhi",
    "xuan",
    "an",
    "cheng",
    "guo",
    "wen",
    "song",
    "mei",
]
HONORIFICS = ["Professor", "Dr.", "Academician"]
POSITIONS = [
    "Director",
    "Deputy Director",
    "Dean",
    "Vice President",
    "Executive President",
    "Chief Medical Officer",
    "Chief Scientific Officer",
    "Principal Investigator",
    "Chief Physician",
    "Managing Partner",
    "Secretary-General",
    "Vice-Chairman",
    "Head of Clinical Development",
    "Director of Oncology Department",
    "Senior President",
]
THEMES = [
    ("ai", "Artificial intelligence", ["artificial intelligence", "deep learning", "machine learning"]),
    ("immunotherapy", "Immunotherapy", ["immuno-oncology", "tumour immune microenvironment", "immune checkpoint"]),
    ("insurance", "Medical insurance", ["medical insurance", "commercial insurance", "payment", "reimbursement", "DRG"]),
    ("nsclc", "Non-small cell lung cancer", ["non-small cell lung cancer", "lung cancer"]),
    ("npc", "Nasopharyngeal carcinoma", ["nasopharyngeal carcinoma", "nasopharyngeal cancer"]),
    ("precision-medicine", "Precision medicine", ["precision oncology", "genetic testing", "targeted therapy", "biomarkers"]),
    ("clinical-trials", "Clinical trials", ["clinical trial", "trials", "clinical research"]),
    ("cell-gene-therapy", "Cell and gene therapy", ["cell therapy", "gene therapy", "CGT", "CAR-T"]),
    ("translational-medicine", "Translational medicine", ["translational research", "clinical translation"]),
    ("drug-development", "Innovative drug development", ["innovative drugs", "drug R&D", "new drugs"]),
    ("china-focus", "China's own patients and disease spectrum", ["local data", "disease spectrum", "chinese patients"]),
    ("market-access", "Market access", ["access", "drug accessibility", "pricing"]),
    ("investment", "Investment", ["investors", "capital", "venture capital", "financing"]),
    ("talent", "Talent", ["young talent", "youth talent", "training"]),
    ("adc", "Antibody-drug conjugates", ["ADC", "antibody drug conjugate", "payload"]),
    ("radiotherapy", "Radiotherapy", ["radiation therapy", "proton therapy"]),
    ("real-world-evidence", "Real-world evidence", ["RWE", "real-world data", "registries"]),
    ("regulation", "Regulation and approval", ["NMPA", "regulatory science", "approval"]),
    ("digital-health", "Digital health", ["telemedicine", "wearables", "decentralised trials"]),
    ("rare-cancers", "Rare cancers", ["rare tumours", "orphan indications"]),
]
TARGETS = [
    "PD-1",
    "PD-L1",
    "CTLA-4",
    "EGFR",
    "ALK",
    "ROS1",
    "KRAS G12C",
    "HER2",
    "TROP2",
    "CLDN18.2",
    "LAG-3",
    "TIGIT",
    "BCMA",
    "CD19",
    "CD47",
    "FGFR2",
    "MET",
    "RET",
    "BRAF V600E",
    "NTRK",
    "HER3",
    "B7-H3",
    "Nectin-4",
    "DLL3",
]
CANCERS = [
    "non-small cell lung cancer",
    "nasopharyngeal carcinoma",
    "liver cancer",
    "gastric cancer",
    "colorectal cancer",
    "breast cancer",
    "oesophageal cancer",
    "pancreatic cancer",
    "lymphoma",
    "multiple myeloma",
    "leukaemia",
    "ovarian cancer",
    "cervical cancer",
    "glioma",
    "prostate cancer",
    "bladder cancer",
    "melanoma",
    "sarcoma",
]
NOUNS = [
    "immune checkpoints",
    "the tumour immune microenvironment",
    "myeloid cells",
    "T-cell exhaustion",
    "CAR-T therapy",
    "bispecific antibodies",
    "antibody-drug conjugates",
    "genetic testing",
    "NGS panels",
    "liquid biopsy",
    "biomarkers",
    "targeted therapy",
    "radiotherapy delineation",
    "deep learning models",
    "clinical staging standards",
    "phase I trials",
    "adaptive trial designs",
    "real-world data",
    "DRG payment reform",
    "commercial insurance",
    "basic medical insurance",
    "self-pay treatment",
    "drug pricing",
    "market access",
    "investigator-initiated trials",
    "first-in-human studies",
    "dose escalation",
    "combination regimens",
    "resistance mechanisms",
    "minimal residual disease",
    "neoadjuvant therapy",
    "adjuvant chemotherapy",
    "overall survival",
    "progression-free survival",
    "quality of life",
    "patient recruitment",
    "data management",
    "regulatory approval",
    "research hospitals",
    "translational platforms",
    "young researchers",
    "venture capital",
    "licensing deals",
    "global multicentre trials",
    "local Chinese data",
]
VERBS = [
    "improves",
    "reshapes",
    "accelerates",
    "predicts",
    "complicates",
    "strengthens",
    "depends on",
    "reduces",
    "extends",
    "guides",
    "limits",
    "supports",
    "drives",
    "undermines",
    "clarifies",
    "tracks",
    "links",
    "broadens",
]
ADJECTIVES = [
    "early-stage",
    "late-stage",
    "refractory",
    "relapsed",
    "treatment-naive",
    "driver gene-positive",
    "elderly",
    "high-risk",
    "metastatic",
    "locally advanced",
    "resectable",
    "PD-L1-high",
    "rural",
    "paediatric",
]
OPENERS = [
    "He argued that",
    "She showed that",
    "The team found that",
    "Data from the centre suggest that",
    "In his view",
    "In her experience",
    "The speaker noted that",
    "Early results indicate that",
    "Across several cohorts",
    "Compared with Western cohorts",
    "Over the past five years",
]
CLOSERS = [
    "in Chinese patients",
    "for {adj} {cancer}",
    "across multicentre trials",
    "in routine clinical practice",
    "under the current reimbursement rules",
    "when combined with {target} blockade",
    "at a fraction of the cost",
    "without raising toxicity",
    "in both early and late-stage disease",
    "once validated prospectively",
]
TITLE_PATTERNS = [
    "{Noun} in {Cancer}: Lessons from {Place}",
    "Targeting {target} in {Adj} {Cancer}",
    "From Bench to Bedside: {Noun} and {Noun2}",
    "Rethinking {Noun} for {Cancer}",
    "{Target} Inhibitors and {Noun}",
    "How {Noun} Changes Care in {Cancer}",
    "A {Place} Perspective on {Noun}",
]
TOPIC_PATTERNS = [
    "{noun} in {adj} {cancer}",
    "what {noun} means for {cancer} care in China",
    "{target} as a target in {cancer}",
    "the case for {noun} and {noun2}",
]
CONGRESS_NAME = "Synthetic BioMed Congress"
CONGRESS_CITY = "Guangzhou"
DRUG_STEMS = ["ti", "zu", "ra", "lo", "ve", "sin", "to", "ca", "me", "no", "pa", "ser", "fe", "li", "do", "bre"]
DRUG_ENDINGS = ["mab", "tinib", "ciclib", "parib", "lisib", "degib", "rafenib", "stat"]


def capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def title_case(text: str) -> str:
    small = {"and", "of", "in", "for", "the", "a", "as", "to", "on", "with", "from"}
    words = text.split(" ")
    return " ".join(w if (i and w in small) or not w[:1].islower() else capitalise(w) for i, w in enumerate(words))


class Writer:
    """Deterministic text and ids from one integer-seeded generator."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.used_ids: dict[str, None] = {}
        self.drugs = [self._drug() for _ in range(400)]

    def _drug(self) -> str:
        rng = self.rng
        return "".join(rng.choice(DRUG_STEMS) for _ in range(rng.randint(2, 3))) + rng.choice(DRUG_ENDINGS)

    def unique(self, base: str) -> str:
        candidate, number = base, 2
        while candidate in self.used_ids:
            candidate = f"{base}-{number}"
            number += 1
        self.used_ids[candidate] = None
        return candidate

    def fill(self, pattern: str) -> str:
        rng = self.rng
        noun, noun2 = rng.sample(NOUNS, 2)
        values = {
            "noun": noun,
            "noun2": noun2,
            "cancer": rng.choice(CANCERS),
            "adj": rng.choice(ADJECTIVES),
            "target": rng.choice(TARGETS),
            "place": rng.choice(PLACES),
            "drug": rng.choice(self.drugs),
        }
        values.update({key.capitalize(): title_case(value) for key, value in list(values.items())})
        return pattern.format(**values)

    def sentence(self) -> str:
        rng = self.rng
        parts = [
            rng.choice(OPENERS),
            rng.choice(NOUNS),
            rng.choice(VERBS),
            rng.choice(NOUNS),
            self.fill(rng.choice(CLOSERS)),
        ]
        if rng.random() < 0.5:
            parts.append(self.fill(rng.choice(["with {drug}", "as {target} testing spreads", "in {place}", "and {noun}"])))
        return capitalise(" ".join(parts)) + "."

    def key_point(self) -> str:
        rng = self.rng
        text = f"{capitalise(rng.choice(NOUNS))} {rng.choice(VERBS)} {rng.choice(NOUNS)} {self.fill(rng.choice(CLOSERS))}"
        if rng.random() < 0.6:
            text += self.fill(rng.choice(["; {drug} is one example", ", especially for {target}", ", as seen in {place}"]))
        return text + "."

    def summary(self, sentences: int) -> str:
        return " ".join(self.sentence() for _ in range(sentences))


def talk_id_base(slug: str, noun: str) -> str:
    """A talk's id before it is made unique: its speaker's slug and the last word of a noun."""
    base = slug + "-" + "-".join(noun.replace("'", "").split()[-1:]).lower()
    return "".join(ch if ch.isalnum() else "-" for ch in base).strip("-").replace("--", "-")


def theme_description(label: str) -> str:
    return f"Talks and remarks about {label.lower()}."


def q(text: str) -> str:
    """A YAML double-quoted scalar (JSON's string syntax is a subset of it)."""
    return json.dumps(text, ensure_ascii=False)


def flow(items: list) -> str:
    return "[" + ", ".join(str(item) for item in items) + "]"


def folded(text: str, indent: str) -> list[str]:
    lines = textwrap.wrap(text, width=92)
    return [">-"] + [indent + line for line in lines]


class Guest(NamedTuple):
    """A person a congress puts into a forum by name, rather than leaving to the forum's own draw.

    The same guest in several forums is the same person (``same_as`` lists the others, and their first talk
    keeps one id everywhere); a namesake is a different person who happens to share the name and slug, so
    ``same_as`` is empty.
    """

    slug: str
    name: str
    honorific: str | None
    same_as: tuple[str, ...] = ()
    talk_id: str | None = None


class ForumPlan(NamedTuple):
    """What one forum of a congress writes differently from a lone forum; ``None`` means a lone forum."""

    forum_id: str  # the file's name without .yaml: what `same_as` and the loader qualify ids with
    number: int  # 1-based
    of: int  # forums in the congress
    name: str
    date: str
    source_title: str
    published: str
    org_offset: int  # the forum's organisations are the run of the catalogue starting here, so neighbours share some
    own_themes: tuple[tuple[str, str, str], ...]  # (id, label, description), on top of the congress's themes
    guests: tuple[Guest, ...]


def make_forum(talks: int, seed: int = 2024, plan: ForumPlan | None = None) -> str:
    """The whole file as text; same arguments, same text.

    With a ``plan`` the file is one forum of a congress: its own name, date and article, the congress's themes
    used but not written (only the forum's own are), and the plan's guests among its people.
    """
    if talks < 1:
        raise ValueError("--talks must be at least 1")
    w = Writer(seed)
    rng = w.rng
    guests = plan.guests if plan else ()
    n_people = max(6, talks // 2, len(guests))
    n_orgs = max(5, talks // 10)
    out: list[str] = []
    add = out.append

    def add_folded(prefix: str, text: str, indent: str) -> None:
        lines = folded(text, indent)
        add(prefix + lines[0])
        out.extend(lines[1:])

    add("# Synthetic forum written by benchmarks/make_forum.py; every name and fact is made up.")
    if plan is None:
        add(f"# talks={talks} seed={seed}")
        add("")
        add("source:")
        add('  title: "A Synthetic Congress on Oncology Drug Development"')
        add('  published: "2025-03-10 10:19"')
        add("  file: synthetic.txt")
    else:
        add(f"# Forum {plan.number} of {plan.of} of the {CONGRESS_NAME} (see congress.yaml for its themes); talks={talks}")
        add("")
        add("source:")
        add(f"  title: {q(plan.source_title)}")
        add(f"  published: {q(plan.published)}")
        add(f"  file: {plan.forum_id}.txt")
    add("  paragraph_numbering: Paragraph numbers are the line numbers of a source text that does not exist.")
    add("")
    add("forum:")
    if plan is None:
        add("  name: Synthetic Oncology Congress")
        add("  conference: Benchmark Congress on Oncology Drug Development")
        add("  date: 2024-11-30")
    else:
        add(f"  name: {q(plan.name)}")
        add(f"  conference: {CONGRESS_NAME}")
        add(f"  date: {plan.date}")
    add("  participants: Generated speakers, moderators and panelists.")
    add(f"  city: {CONGRESS_CITY}")
    add("  organisers:")
    add("    as_written: the organizers")
    add("    source_paragraphs: [3]")
    add("  aims:")
    add("    - Exercise the cbiic loader, cache and search at congress scale.")
    add("    - Keep text lengths close to the curated forum.")
    add("  source_paragraphs: [3]")
    add("")

    add("organisations:")
    org_ids: list[str] = []
    for index in range(plan.org_offset if plan else 0, (plan.org_offset if plan else 0) + n_orgs):
        kind = ORG_KINDS[index % len(ORG_KINDS)]
        place = PLACES[(index // len(ORG_KINDS)) % len(PLACES)]
        serial = index // (len(ORG_KINDS) * len(PLACES))
        name = f"{place} {ORG_SUFFIX[kind]}" + (f" No. {serial + 1}" if serial else "")
        org_id = w.unique("-".join(part for part in name.lower().replace("'", "").replace(".", "").split()))
        org_ids.append(org_id)
        add(f"  - id: {org_id}")
        add(f"    name: {q(name)}")
        add(f"    kind: {kind}")
        if rng.random() < 0.05:
            add(f"    note: {{text: {q(w.sentence())}, source_paragraphs: [{rng.randint(4, 400)}]}}")
        add(f"    source_paragraphs: [{rng.randint(4, 400)}]")
    add("")

    add("people:")
    slugs: list[str] = []
    for guest in guests:  # a guest keeps their slug; a drawn person who happens to share it gets a suffix
        w.unique(guest.slug)
    for _ in range(n_people - len(guests)):
        surname = rng.choice(SURNAMES)
        given = rng.choice(SYLLABLES) + (rng.choice(SYLLABLES) if rng.random() < 0.7 else "")
        slug = w.unique(f"{surname.lower()}-{given}")
        slugs.append(slug)
        add(f"  - slug: {slug}")
        add(f"    name: {surname} {capitalise(given)}")
        if rng.random() < 0.4:
            add(f"    honorific: {rng.choice(HONORIFICS)}")
        add("    affiliations:")
        for org_id in rng.sample(org_ids, rng.randint(1, 2)):
            add(f"      - position: {q(rng.choice(POSITIONS))}")
            add(f"        organisation: {org_id}")
        if rng.random() < 0.03:
            add("    note:")
            add_folded("      text: ", w.sentence(), "        ")
            add(f"      source_paragraphs: [{rng.randint(4, 400)}]")
        add(f"    source_paragraphs: [{rng.randint(4, 400)}]")
    for guest in guests:
        slugs.append(guest.slug)
        add(f"  - slug: {guest.slug}")
        add(f"    name: {guest.name}")
        if guest.honorific:
            add(f"    honorific: {guest.honorific}")
        add("    affiliations:")
        for org_id in rng.sample(org_ids, rng.randint(1, 2)):
            add(f"      - position: {q(rng.choice(POSITIONS))}")
            add(f"        organisation: {org_id}")
        if guest.same_as:
            add(f"    same_as: {flow(list(guest.same_as))}")
        add(f"    source_paragraphs: [{rng.randint(4, 400)}]")
    add("")

    # A lone forum writes every theme it uses; a congress's forum uses the congress's and writes only its own.
    theme_ids = [theme_id for theme_id, _, _ in THEMES]
    if plan is None:
        written = [(theme_id, label, aliases, theme_description(label)) for theme_id, label, aliases in THEMES]
    else:
        theme_ids += [theme_id for theme_id, _, _ in plan.own_themes]
        written = [(theme_id, label, [], description) for theme_id, label, description in plan.own_themes]
    if written:
        add("themes:")
        for theme_id, label, aliases, description in written:
            add(f"  - id: {theme_id}")
            add(f"    label: {q(label)}")
            add(f"    aliases: {flow([q(a) for a in aliases])}")
            add(f"    description: {q(description)}")
        add("")

    def person_ref(indent: str, key: str) -> None:
        """A speaker or moderator: usually a slug, now and then a name the article leaves uncertain."""
        if rng.random() < 0.01:
            first, second = rng.sample(slugs, 2)
            add(f"{indent}{key}:")
            add(f"{indent}  as_written: {q('Professor ' + first.split('-')[0].capitalize())}")
            add(f"{indent}  candidates: [{first}, {second}]")
            add(f"{indent}  note: {{text: {q('The article does not say which of the two it means.')}, source_paragraphs: [4]}}")
        else:
            add(f"{indent}{key}: {rng.choice(slugs)}")

    add("opening:")
    add(f"  id: {w.unique('opening-speech')}")
    add(f"  speaker: {slugs[0]}")
    add_folded("  summary: ", w.summary(2), "    ")
    add("  source_paragraphs: [4]")
    add("")

    talk_ids: list[str] = []
    talk_lines: list[str] = []
    planned_talks = {guest.slug: guest.talk_id for guest in guests if guest.talk_id}  # a guest's first talk
    for index in range(talks):
        speaker_index = index % n_people if index < n_people else rng.randrange(n_people)
        base = talk_id_base(slugs[speaker_index], rng.choice(NOUNS))
        planned = planned_talks.get(slugs[speaker_index]) if index < n_people else None
        talk_id = w.unique(planned or base)
        talk_ids.append(talk_id)
        block = [f"  - id: {talk_id}"]
        out_block = block.append
        if rng.random() < 0.01:
            first, second = rng.sample(slugs, 2)
            out_block("    speaker:")
            out_block(f"      as_written: {q('Professor ' + first.split('-')[0].capitalize())}")
            out_block(f"      candidates: [{first}, {second}]")
            out_block(f"      note: {{text: {q('The article names only the surname, which two speakers share.')}, source_paragraphs: [4]}}")
        else:
            out_block(f"    speaker: {slugs[speaker_index]}")
        if rng.random() < 0.6:
            out_block(f"    title: {q(w.fill(rng.choice(TITLE_PATTERNS)))}")
        else:
            out_block(f"    topic: {q(w.fill(rng.choice(TOPIC_PATTERNS)))}")
        summary_lines = folded(w.summary(rng.randint(3, 5)), "      ")
        out_block("    summary: " + summary_lines[0])
        block.extend(summary_lines[1:])
        out_block("    key_points:")
        for _ in range(rng.randint(3, 5)):
            out_block(f"      - text: {q(w.key_point())}")
            out_block(f"        themes: {flow(rng.sample(theme_ids, rng.randint(0, 2)))}")
        if rng.random() < 0.3:
            out_block(f"    organisations: {flow(rng.sample(org_ids, rng.randint(1, 2)))}")
        out_block(f"    source_paragraphs: {flow(sorted(rng.sample(range(5, 5000), rng.randint(1, 2))))}")
        talk_lines.extend(block)
        talk_lines.append("")

    add("sessions:")
    per_session = 20
    for number, start in enumerate(range(0, talks, per_session), 1):
        add(f"  - id: {w.unique(f'session-{number}')}")
        add(f"    name: Session {number}")
        person_ref("    ", "moderator")
        add(f"    talks: {flow(talk_ids[start : start + per_session])}")
        add(f"    source_paragraphs: [{4 + number}]")
    add("")
    add("talks:")
    out.extend(talk_lines)

    panelists = rng.sample(slugs, min(len(slugs), 5))
    add("panel:")
    add(f"  id: {w.unique('panel')}")
    add(f"  title: {q('Coordinating Care, Insurance and Medicine for ' + title_case(rng.choice(CANCERS)))}")
    first, second = rng.sample(slugs, 2)
    add("  moderator:")
    add(f"    as_written: {q('Professor ' + first.split('-')[0].capitalize())}")
    add(f"    candidates: [{first}, {second}]")
    add(f"    note: {{text: {q('The article gives only a surname and title for the moderator.')}, source_paragraphs: [5000]}}")
    add(f"  panelists: {flow(panelists)}")
    add("  remarks:")
    for slug in panelists:
        add(f"    - id: {w.unique(slug + '-remark')}")
        add(f"      speaker: {slug}")
        add_folded("      summary: ", w.summary(2), "        ")
        add("      key_points:")
        add(f"        - text: {q(w.key_point())}")
        add(f"          themes: {flow(rng.sample(theme_ids, 2))}")
        add(f"      source_paragraphs: [{rng.randint(5, 5000)}]")
    add("  closing:")
    add(f"    id: {w.unique('panel-closing')}")
    add(f"    speaker: {first}")
    add_folded("    summary: ", w.summary(2), "      ")
    add("    key_points:")
    add(f"      - text: {q(w.key_point())}")
    add("        themes: [insurance, china-focus]")
    add("    source_paragraphs: [5000]")
    add("  source_paragraphs: [5000]")
    return "\n".join(out) + "\n"


# Every forum has an opening, five panel remarks (six or more people, five panelists) and closing words besides its talks.
FIXED_PER_FORUM = 7
CONGRESS_CONTRIBUTIONS = 10_000
CONGRESS_YEAR = 2024
CONGRESS_START = datetime.date(2024, 11, 28)
CONGRESS_DAYS = 4
LINK_EVERY = 5  # forum 1, 6, 11, ... each share a linked person and an unlinked namesake with a forum soon after
OWN_THEMES_EVERY = 5  # forum 2, 7, 12, ... each add one or two themes of their own
OWN_THEME_TOPICS = [
    ("liquid-biopsy", "Liquid biopsy"),
    ("mrd", "Minimal residual disease"),
    ("bispecifics", "Bispecific antibodies"),
    ("neoadjuvant", "Neoadjuvant therapy"),
    ("older-patients", "Older patients"),
    ("county-hospitals", "County hospitals"),
    ("digital-pathology", "Digital pathology"),
    ("survivorship", "Survivorship"),
    ("screening", "Cancer screening"),
    ("oncology-nursing", "Oncology nursing"),
]


def forum_seed(seed: int, number: int) -> int:
    """Each forum's own integer seed, from the congress's seed and the forum's number (no hash() involved)."""
    return int.from_bytes(hashlib.sha256(f"make_forum congress {seed} forum {number}".encode()).digest()[:8], "big")


def split_talks(forums: int, contributions: int, rng: random.Random) -> list[int]:
    """Talks per forum, uneven like a real congress's (weights 1:3 at most), adding up to ``contributions`` exactly."""
    spare = contributions - forums * (FIXED_PER_FORUM + 1)
    weights = [rng.randint(5, 15) for _ in range(forums)]
    total = sum(weights)
    talks = [1 + spare * weight // total for weight in weights]
    # The remainder goes one talk each to the forums whose share was cut the most (integer arithmetic: no float rounding).
    order = sorted(range(forums), key=lambda index: (-(spare * weights[index] % total), index))
    for index in order[: contributions - forums * FIXED_PER_FORUM - sum(talks)]:
        talks[index] += 1
    return talks


def plan_congress(forums: int, contributions: int, seed: int) -> list[tuple[int, int, ForumPlan]]:
    """(talks, seed, plan) for each forum of the congress, in order."""
    if forums < 1:
        raise ValueError("--forums must be at least 1")
    if contributions < forums * (FIXED_PER_FORUM + 1):
        raise ValueError(
            f"--talks must be at least {forums * (FIXED_PER_FORUM + 1)} for {forums} forums: each forum has an opening, "
            f"at least one talk, {FIXED_PER_FORUM - 2} panel remarks and closing words"
        )
    rng = random.Random(seed)
    width = len(str(forums))
    ids = [f"forum-{number:0{width}d}" for number in range(1, forums + 1)]
    talks = split_talks(forums, contributions, rng)

    taken: dict[str, None] = {}

    def new_name() -> tuple[str, str]:
        """A name no other planned person has (a drawn person may still share it: that is a namesake too)."""
        while True:
            surname, given = rng.choice(SURNAMES), rng.choice(SYLLABLES) + rng.choice(SYLLABLES)
            slug = f"{surname.lower()}-{given}"
            if slug not in taken:
                taken[slug] = None
                return slug, f"{surname} {capitalise(given)}"

    guests: list[list[Guest]] = [[] for _ in range(forums)]
    for first in range(0, forums - 1, LINK_EVERY):
        later = rng.randint(first + 1, min(forums - 1, first + LINK_EVERY + 1))
        # The first linked person speaks at three forums (the first, the second and the last) when there are three.
        members = [0, 1, forums - 1] if first == 0 and forums >= 3 else [first, later]
        slug, name = new_name()
        honorific = rng.choice(HONORIFICS)
        talk_id = talk_id_base(slug, rng.choice(NOUNS))  # the same talk given at each forum keeps its id
        for member in members:
            same_as = tuple(f"{ids[other]}/{slug}" for other in members if other != member)
            guests[member].append(Guest(slug, name, honorific, same_as, talk_id))
        # Two different people of one name, at two forums: the same slug, and no link, because a name proves nothing.
        slug, name = new_name()
        for member in (first, rng.randint(first + 1, min(forums - 1, first + LINK_EVERY + 1))):
            guests[member].append(Guest(slug, name, rng.choice([None, *HONORIFICS])))

    plans = []
    for index, forum_id in enumerate(ids):
        number = index + 1
        topic = f"{title_case(rng.choice(NOUNS))} in {title_case(rng.choice(CANCERS))}"
        date = CONGRESS_START + datetime.timedelta(days=index * CONGRESS_DAYS // forums)
        published = date + datetime.timedelta(days=rng.randint(1, 3))
        own_themes: tuple[tuple[str, str, str], ...] = ()
        if index % OWN_THEMES_EVERY == 1:
            own_themes = tuple(
                # The forum's id in the theme's id and label: no other forum, and no congress theme, has either.
                (f"{topic_id}-{forum_id}", f"{label} (forum {number})", f"Talks and remarks about {label.lower()} at forum {number}.")
                for topic_id, label in rng.sample(OWN_THEME_TOPICS, 1 + index // OWN_THEMES_EVERY % 2)
            )
        plan = ForumPlan(
            forum_id=forum_id,
            number=number,
            of=forums,
            name=f"Forum {number}: {topic}",
            date=date.isoformat(),
            source_title=f"Report from the {CONGRESS_NAME}: {topic}",
            published=f"{published.isoformat()} {rng.randint(8, 21):02d}:{rng.randrange(60):02d}",
            org_offset=3 * index,
            own_themes=own_themes,
            guests=tuple(guests[index]),
        )
        plans.append((talks[index], forum_seed(seed, number), plan))
    return plans


def congress_text(plans: list[ForumPlan], contributions: int, seed: int) -> str:
    """congress.yaml: the congress's facts, each forum's file and article, and the themes every forum shares."""
    out = [
        "# Synthetic congress written by benchmarks/make_forum.py; every name and fact is made up.",
        f"# forums={len(plans)} contributions={contributions} seed={seed}",
        "",
        "congress:",
        f"  name: {CONGRESS_NAME}",
        f"  year: {CONGRESS_YEAR}",
        f"  city: {CONGRESS_CITY}",
        f"  source_forum: {plans[0].forum_id}.yaml",
        "  source_paragraphs: [1]",
        "",
        "forums:",
    ]
    for plan in plans:
        out.append(f"  - file: {plan.forum_id}.yaml")
        out.append(f"    article: {{title: {q(plan.source_title)}, published: {q(plan.published)}, file: {q(plan.forum_id + '.txt')}}}")
    out += ["", "themes:"]
    for theme_id, label, aliases in THEMES:
        aliases_text = flow([q(a) for a in aliases])
        out.append(f"  - {{id: {theme_id}, label: {q(label)}, aliases: {aliases_text}, description: {q(theme_description(label))}}}")
    return "\n".join(out) + "\n"


def make_congress(forums: int, contributions: int | None = None, seed: int = 2024) -> dict[str, str]:
    """Every file of a congress directory by name, congress.yaml first; same arguments, same text.

    ``contributions`` (default 10,000) is the congress's total of openings, talks, panel remarks and closings.
    """
    total = CONGRESS_CONTRIBUTIONS if contributions is None else contributions
    plans = plan_congress(forums, total, seed)
    files = {"congress.yaml": congress_text([plan for _, _, plan in plans], total, seed)}
    for talks, forum_seed_, plan in plans:
        files[f"{plan.forum_id}.yaml"] = make_forum(talks, forum_seed_, plan)
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--talks",
        type=int,
        help="number of talks (people: half that); with --forums, the congress's total of contributions "
        f"(openings, talks, panel remarks, closings; default {CONGRESS_CONTRIBUTIONS:,})",
    )
    parser.add_argument("--forums", type=int, help="write a congress of this many forums into the directory --out")
    parser.add_argument("--out", required=True, help="file to write, or - for standard output; with --forums, a directory")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    args = parser.parse_args(argv)
    if args.forums is not None:
        return write_congress(parser, args)
    if args.talks is None:
        parser.error("--talks is required (or give --forums to write a congress)")
    if args.talks < 1:
        parser.error("--talks must be at least 1")
    text = make_forum(args.talks, args.seed)
    if args.out == "-":
        sys.stdout.write(text)
    else:
        Path(args.out).write_text(text, encoding="utf-8")
    return 0


def write_congress(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if args.out == "-":
        parser.error("--forums writes a directory: give its path with --out")
    try:
        files = make_congress(args.forums, args.talks, args.seed)
    except ValueError as exc:
        parser.error(str(exc))
    directory = Path(args.out)
    if directory.exists() and not directory.is_dir():
        parser.error(f"{directory} is not a directory")
    if directory.is_dir():
        # A file left from another run (a forum-150.yaml beside a 3-forum congress) would pass for part of this one.
        strays = sorted(entry.name for entry in directory.iterdir() if entry.name not in files)
        if strays:
            parser.error(
                f"{directory} holds files this congress does not write ({', '.join(strays[:3])}{', ...' if len(strays) > 3 else ''}); give a new or empty directory"
            )
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_bytes(text.encode("utf-8"))  # bytes: no newline translation on any system
    return 0


if __name__ == "__main__":
    sys.exit(main())
