"""The organisation's glossary, from ``glossary.yaml``."""

from __future__ import annotations

from dataclasses import dataclass

from portal.content.articles import Link, text_links
from portal.content.fields import DEFAULT_LANG, Fields
from portal.content.links import PageLink
from portal.content.listfile import entries
from portal.content.problems import Problems
from portal.content.slugs import slugify

GLOSSARY_KEYS = ("term", "definition", "aliases", "see_also", "article", "lang", "draft")


@dataclass(frozen=True)
class GlossaryTerm:
    """A term customers meet, its Markdown definition, and the other names
    (``aliases``) customers use for it; aliases act as search synonyms and are
    linked in articles like the term itself. ``id`` is the anchor on the glossary
    page, unique per language. A ``draft`` term is shown by the preview only: a
    normal build neither lists it nor links it in articles nor searches its
    aliases (see :mod:`portal.content.drafts`). ``links`` are the definition's
    internal links (see :func:`portal.content.articles.text_links`)."""

    id: str
    term: str
    definition: str
    aliases: tuple[str, ...]
    see_also: tuple[str, ...]
    article: str
    lang: str
    line: int
    see_also_line: int
    article_line: int
    draft: bool = False
    links: tuple[Link | PageLink, ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return (self.term, *self.aliases)

    @property
    def url(self) -> str:
        return f"/glossary#{self.id}"


def load_glossary(text: str, problems: Problems) -> list[GlossaryTerm]:
    found: list[GlossaryTerm] = []
    owner: dict[tuple[str, str], tuple[str, int]] = {}  # (lang, name) -> (term, line)
    for line, item in entries(text, problems, "glossary"):
        fields = Fields(item, problems, GLOSSARY_KEYS, "glossary entry")
        term = fields.text("term")
        definition = fields.text("definition")
        if not (term and definition):
            continue
        lang = fields.text("lang", required=False, default=DEFAULT_LANG).lower()
        aliases = fields.text_list("aliases")
        clash = False
        for name in (term, *aliases):
            key = (lang, name.casefold())
            if key in owner:
                other, other_line = owner[key]
                what = "term" if name == term else "alias"
                problems.error(
                    line if name == term else fields.line("aliases"),
                    f"glossary {what} '{name}' is already used by '{other}' (line {other_line})",
                )
                clash = clash or name == term
        if clash:
            continue
        for name in (term, *aliases):
            owner.setdefault((lang, name.casefold()), (term, line))
        found.append(
            GlossaryTerm(
                id=slugify(term) or f"term-{line}",
                term=term,
                definition=definition,
                aliases=aliases,
                see_also=fields.text_list("see_also"),
                article=fields.text("article", required=False),
                lang=lang,
                line=line,
                see_also_line=fields.line("see_also"),
                article_line=fields.line("article"),
                draft=fields.flag("draft"),
                links=text_links(problems.path, item, "definition"),
            )
        )
    return found
