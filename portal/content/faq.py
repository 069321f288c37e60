"""Frequently asked questions, from ``faq.yaml``."""

from __future__ import annotations

from dataclasses import dataclass

from portal.content.articles import Link, text_links
from portal.content.fields import DEFAULT_LANG, Fields
from portal.content.links import PageLink
from portal.content.listfile import entries
from portal.content.problems import Problems
from portal.content.slugs import is_slug, slugify

FAQ_KEYS = ("id", "question", "answer", "category", "article", "pinned", "lang", "tags", "draft")


@dataclass(frozen=True)
class FaqEntry:
    """One question and its Markdown answer.

    ``id`` is the permalink anchor (from the question when not given); ``article``
    is the slug of the article the answer summarises; ``pinned`` entries are shown
    first whatever their popularity. A ``draft`` entry is shown by the preview
    only (see :mod:`portal.content.drafts`). ``line`` is where the entry starts,
    and ``article_line`` where it names its article. ``links`` are the answer's
    internal links (see :func:`portal.content.articles.text_links`).
    """

    id: str
    question: str
    answer: str
    category: str
    article: str
    pinned: bool
    lang: str
    tags: tuple[str, ...]
    line: int
    article_line: int
    category_line: int
    draft: bool = False
    links: tuple[Link | PageLink, ...] = ()

    @property
    def url(self) -> str:
        return f"/faq#{self.id}"


def load_faq(text: str, problems: Problems) -> list[FaqEntry]:
    found: list[FaqEntry] = []
    seen: dict[str, int] = {}
    for line, item in entries(text, problems, "FAQ"):
        fields = Fields(item, problems, FAQ_KEYS, "FAQ entry")
        question = fields.text("question")
        answer = fields.text("answer")
        category = fields.text("category")
        entry_id = fields.text("id", required=False) or slugify(question)
        if "id" in item and not is_slug(entry_id):
            problems.error(fields.line("id"), f"FAQ id '{entry_id}' is not a slug; use '{slugify(entry_id)}'")
            continue
        if not (question and answer and category and entry_id):
            continue
        if entry_id in seen:
            problems.error(line, f"duplicate FAQ id '{entry_id}' (first on line {seen[entry_id]}); give one an 'id'")
            continue
        seen[entry_id] = line
        found.append(
            FaqEntry(
                id=entry_id,
                question=question,
                answer=answer,
                category=category,
                article=fields.text("article", required=False),
                pinned=fields.flag("pinned"),
                lang=fields.text("lang", required=False, default=DEFAULT_LANG).lower(),
                tags=tuple(t.lower() for t in fields.text_list("tags")),
                line=line,
                article_line=fields.line("article"),
                category_line=fields.line("category"),
                draft=fields.flag("draft"),
                links=text_links(problems.path, item, "answer"),
            )
        )
    return found
