"""Deterministic synthetic help centres for the benchmark.

``generate(root, articles, seed)`` writes a content directory in the portal's
format (see the content spec): ``categories.yaml``, ``articles/<category>/*.md``,
a small ``faq.yaml`` and ``glossary.yaml``. Everything comes from one
``random.Random(seed)``, so the same arguments give byte-identical files and
comparable numbers from run to run.

The shape imitates a real help centre, because that is what the index and the
renderer pay for: task-shaped titles of 4-9 words, one-sentence summaries, 2-5
tags, bodies of 300-1,500 words in ``##`` sections with numbered and bulleted
lists, alert blocks, a few tables and code fences, and links between articles.
Word frequencies follow a Zipf-like curve (function words common, a long tail of
rare words) so posting lists and the term dictionary have realistic sizes.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

CATEGORIES = (
    ("account", "Account & sign-in", "🔑"),
    ("billing", "Billing & payments", "💳"),
    ("internet", "Internet & Wi-Fi", "📶"),
    ("hub", "Router & Mesh", "📡"),
    ("mobile", "Mobile & SIM", "📱"),
    ("tv", "TV & recordings", "📺"),
    ("moving", "Orders, moving & installation", "🚚"),
    ("security", "Privacy & security", "🛡️"),
)

_FUNCTION_TEXT = (
    "the to and a of your you in is for on it with that this can if or be are from at we our "
    "when will not by as have an then any after before so do all more"
)
_VERB_TEXT = (
    "reset change check open select restart connect update cancel pay turn set add remove move "
    "install activate switch record watch track return request report verify enter choose confirm "
    "download sign contact find keep use manage pair test replace unlock renew transfer"
)
_NOUN_TEXT = (
    "password account email address bill payment card refund invoice plan router hub wifi signal "
    "connection speed outage network device phone mobile data roaming sim esim television box "
    "recording channel subscription order delivery engineer appointment security scam privacy code "
    "message settings firmware light cable fibre mesh extender ticket reference callback priority "
    "agent chat survey team app website profile pin voicemail contract discount bundle upgrade "
    "allowance balance limit charge direct debit date credit statement line socket port camera "
    "console laptop tablet printer guest parental controls number abroad tariff engineer visit"
)
_ADJECTIVE_TEXT = (
    "slow new old wrong missing locked lost stolen higher faster weak strong blue orange red white "
    "monthly first second final temporary secure private shared wireless wired mobile home"
)
_SYLLABLE_TEXT = "ka ri to ne mo la su ven dor pel mar tin gro bel fas quo lim ser an ex ul rop"
FUNCTION_WORDS = _FUNCTION_TEXT.split()
VERBS = _VERB_TEXT.split()
NOUNS = list(dict.fromkeys(_NOUN_TEXT.split()))
ADJECTIVES = _ADJECTIVE_TEXT.split()
SYLLABLES = _SYLLABLE_TEXT.split()
LONG_TAIL = 6000  # made-up words: the rare terms every real corpus has many of
FIRST_DATE = dt.date(2026, 6, 1)
DATE_SPAN = 172  # days, up to 2026-11-20


@dataclass(frozen=True)
class Planned:
    """An article decided before any file is written, so links can point at it."""

    slug: str
    category: str
    title: str

    @property
    def path(self) -> str:
        return f"articles/{self.category}/{self.slug}.md"


class Writer:
    """Text from one seeded generator and a Zipf-weighted vocabulary."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        tail: set[str] = set()
        while len(tail) < LONG_TAIL:
            tail.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
        self.words = FUNCTION_WORDS + VERBS + NOUNS + ADJECTIVES + sorted(tail)
        self.cumulative = list(accumulate(1.0 / (rank + 1) ** 0.95 for rank in range(len(self.words))))

    def words_of(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def sentence(self, low: int = 8, high: int = 20) -> str:
        words = self.words_of(self.rng.randint(low, high))
        return " ".join(words).capitalize() + "."

    def paragraph(self) -> str:
        return " ".join(self.sentence() for _ in range(self.rng.randint(2, 5)))

    def title(self) -> str:
        """Task-shaped, 4-9 words: "Reset the password on your router"."""
        rng = self.rng
        words = [rng.choice(VERBS), rng.choice(("your", "the", "a")), rng.choice(ADJECTIVES), rng.choice(NOUNS)]
        extra = rng.randint(0, 5)
        if extra:
            words += [rng.choice(("on", "with", "for", "in"))] + [
                rng.choice(NOUNS) if rng.random() < 0.6 else self.words_of(1)[0] for _ in range(extra - 1)
            ]
        return " ".join(words).capitalize()

    def heading(self) -> str:
        return " ".join([self.rng.choice(VERBS), *self.rng.sample(NOUNS, self.rng.randint(1, 4))]).capitalize()


def plan(rng: random.Random, writer: Writer, count: int) -> list[Planned]:
    """Titles, slugs and categories of every article; slugs are unique."""
    planned: list[Planned] = []
    seen: set[str] = set()
    for _ in range(count):
        title = writer.title()
        base = "-".join(title.lower().split())[:70].rstrip("-")
        slug, n = base, 2
        while slug in seen:
            slug, n = f"{base}-{n}", n + 1
        seen.add(slug)
        planned.append(Planned(slug, rng.choice(CATEGORIES)[0], title))
    return planned


def link(source: Planned, target: Planned, text: str) -> str:
    href = f"{target.slug}.md" if target.category == source.category else f"../{target.category}/{target.slug}.md"
    return f"[{text}]({href})"


def block(writer: Writer, article: Planned, others: list[Planned], kind: str) -> str:
    rng = writer.rng
    if kind == "steps":
        return "\n".join(f"{n}. {writer.sentence(5, 14)}" for n in range(1, rng.randint(3, 7) + 1))
    if kind == "bullets":
        return "\n".join(f"- {writer.sentence(3, 10)}" for _ in range(rng.randint(2, 6)))
    if kind == "alert":
        return f"> [!{rng.choice(('NOTE', 'TIP', 'WARNING'))}]\n> {writer.sentence()}"
    if kind == "table":
        rows = [f"| {rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} | {writer.sentence(4, 9)} |" for _ in range(4)]
        return "\n".join(["| What you see | What it means |", "| --- | --- |", *rows])
    if kind == "code":
        port = rng.randint(1024, 65000)
        return f"```text\nforward tcp {port} to 192.168.1.{rng.randint(2, 254)}\nprotocol both\n```"
    # A paragraph, often with a link to another article, as help articles do.
    text = writer.paragraph()
    if others and rng.random() < 0.35:
        target = rng.choice(others)
        text += " See " + link(article, target, target.title.lower()) + "."
    return text


def body(writer: Writer, article: Planned, others: list[Planned]) -> str:
    """300-1,500 words: an introduction, then ``##`` sections of mixed blocks."""
    rng = writer.rng
    target = rng.randint(300, 1500)
    has_table = rng.random() < 0.08
    has_code = rng.random() < 0.05
    parts = [" ".join(writer.sentence() for _ in range(rng.randint(1, 2)))]
    words = len(parts[0].split())
    section = 0
    while words < target:
        section += 1
        blocks = [f"## {writer.heading()}"]
        extra = rng.choices(("paragraph", "steps", "bullets", "alert"), (5, 3, 2, 1), k=rng.randint(1, 3))
        kinds = ["paragraph", *extra]
        if section == 2 and has_table:
            kinds.append("table")
        if section == 3 and has_code:
            kinds.append("code")
        for kind in kinds:
            blocks.append(block(writer, article, others, kind))
        text = "\n\n".join(blocks)
        words += len(text.split())
        parts.append(text)
    return "\n\n".join(parts) + "\n"


def front_matter(writer: Writer, article: Planned, others: list[Planned]) -> str:
    rng = writer.rng
    fields: dict[str, object] = {
        "title": article.title,
        "category": article.category,
        "summary": writer.sentence(8, 18)[:150],
        "tags": sorted(set(rng.sample(NOUNS, rng.randint(2, 5)))),
        "updated": (FIRST_DATE + dt.timedelta(days=rng.randrange(DATE_SPAN))).isoformat(),
    }
    if others and rng.random() < 0.5:
        fields["related"] = sorted({o.slug for o in rng.sample(others, min(len(others), rng.randint(1, 3)))})
    # JSON values are valid YAML and need no quoting rules of our own.
    lines = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in fields.items()]
    return "---\n" + "\n".join(lines) + "\n---\n\n"


def article_text(writer: Writer, article: Planned, planned: list[Planned]) -> str:
    others = [p for p in writer.rng.sample(planned, min(len(planned), 6)) if p.slug != article.slug]
    return front_matter(writer, article, others) + body(writer, article, others)


def categories_yaml() -> str:
    items = [
        f"- slug: {slug}\n  title: {json.dumps(title)}\n  description: Help with {slug}.\n  icon: {icon}"
        for slug, title, icon in CATEGORIES
    ]
    return "\n".join(items) + "\n"


def faq_yaml(writer: Writer, planned: list[Planned], count: int = 30) -> str:
    rng = writer.rng
    items = []
    for n, article in enumerate(rng.sample(planned, min(count, len(planned)))):
        question = f"How do I {article.title[0].lower()}{article.title[1:]}?"
        answer = f"{writer.paragraph()} Read [{article.title}](/articles/{article.slug})."
        items.append(
            f"- id: question-{n + 1}\n  question: {json.dumps(question)}\n  answer: {json.dumps(answer)}\n"
            f"  category: {article.category}\n  article: {article.slug}" + ("\n  pinned: true" if n < 3 else "")
        )
    return "\n".join(items) + "\n"


def glossary_yaml(writer: Writer, planned: list[Planned], count: int = 40) -> str:
    """Terms are nouns the articles use, so glossary linking has work to do;
    each name (term or alias) is used once, as the loader requires."""
    rng = writer.rng
    names = rng.sample(NOUNS, min(len(NOUNS), count + count // 2))
    terms, aliases = names[:count], names[count:]
    items = []
    for n, term in enumerate(terms):
        entry = f"- term: {term}\n  definition: {json.dumps(writer.sentence())}\n  article: {rng.choice(planned).slug}"
        if n < len(aliases):
            entry += f"\n  aliases: [{aliases[n]}]"
        if n:
            entry += f"\n  see_also: [{terms[n - 1]}]"
        items.append(entry)
    return "\n".join(items) + "\n"


def generate(root: Path, count: int, seed: int) -> list[Planned]:
    """Write a help centre of ``count`` articles into ``root``; returns the plan."""
    rng = random.Random(seed)
    writer = Writer(rng)
    planned = plan(rng, writer, count)
    for slug, _title, _icon in CATEGORIES:
        (root / "articles" / slug).mkdir(parents=True, exist_ok=True)
    for article in planned:
        (root / article.path).write_text(article_text(writer, article, planned), encoding="utf-8")
    (root / "categories.yaml").write_text(categories_yaml(), encoding="utf-8")
    (root / "faq.yaml").write_text(faq_yaml(writer, planned), encoding="utf-8")
    (root / "glossary.yaml").write_text(glossary_yaml(writer, planned), encoding="utf-8")
    return planned
