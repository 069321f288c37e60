"""Drafts: ``draft: true`` on an article, an FAQ entry, a glossary term or a tree.

A draft is loaded and checked like any other content (a broken draft fails the
check, so CI catches it before the author asks for review), shown by
``flask preview`` marked "Draft", and left out of every normal build: no page,
no search result or synonym, no sitemap entry, no API answer, no place in a
category, the FAQ, the glossary, the troubleshooters or a ranking. A draft
glossary term is not linked in articles either.

Published content must not point at a draft: the link would be a 404 (or point
at nothing) for every customer. Each such reference is an error, in the preview
too, so the author hears of it while writing, not from CI. What can point at
what: an article at articles (links, ``related``, ``translation_of``); an FAQ
entry, a glossary term and a tree at articles; a glossary term at terms
(``see_also``); a tree option at terms (``glossary``); and any Markdown (an
article body, an FAQ answer, a glossary definition, a tree node's text) at
articles, trees, FAQ entries and glossary terms through links (see
:mod:`portal.content.links`). Drafts may point at each other and at anything
published.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from portal.content.articles import Link
from portal.content.glossary import GlossaryTerm
from portal.content.links import page_target, sources
from portal.content.problems import Problem
from portal.content.site import FAQ_FILE, GLOSSARY_FILE, Site

HINT = "publish it first (remove 'draft: true') or remove the reference"
DRAFTS = "drafts"  # the catalog collection listing the draft articles a preview build holds


def draft_slugs(site: Site) -> frozenset[str]:
    """Slugs of the draft articles."""
    return frozenset(a.slug for a in site.articles if a.draft)


def has_drafts(site: Site) -> bool:
    return any(item.draft for kind in (site.articles, site.faq, site.glossary, site.trees) for item in kind)


def draft_problems(site: Site) -> list[Problem]:
    """Every reference from published content to a draft, as an error."""
    if not has_drafts(site):
        return []
    return sorted([*_article_references(site, draft_slugs(site)), *_term_references(site), *_link_references(site)])


def _is_draft(site: Site, target: str, drafts: frozenset[str]) -> bool:
    article = site.resolve(target)
    return article is not None and article.slug in drafts


def _article_references(site: Site, drafts: frozenset[str]) -> Iterator[Problem]:
    if not drafts:
        return
    for article in site.articles:
        if article.draft:
            continue
        for link in article.links:
            if _is_draft(site, link.target, drafts):
                yield Problem(article.path, link.line, f"link '{link.href}' points at a draft; {HINT}")
        for slug in article.related:
            if _is_draft(site, f"/articles/{slug}", drafts):
                yield Problem(article.path, article.line_of("related"), f"related article '{slug}' is a draft; {HINT}")
        if article.translation_of in drafts:
            yield Problem(
                article.path,
                article.line_of("translation_of"),
                f"translation_of '{article.translation_of}', which is a draft; publish the original first, "
                "or mark this translation 'draft: true' too",
            )
    for entry in site.faq:
        if not entry.draft and entry.article and _is_draft(site, f"/articles/{entry.article}", drafts):
            yield Problem(FAQ_FILE, entry.article_line, f"article '{entry.article}' is a draft; {HINT}")
    for term in site.glossary:
        if not term.draft and term.article and _is_draft(site, f"/articles/{term.article}", drafts):
            yield Problem(GLOSSARY_FILE, term.article_line, f"article '{term.article}' is a draft; {HINT}")
    for tree in site.trees:
        if tree.draft:
            continue
        for node in tree.nodes.values():
            slugs = [(s, node.line) for s in node.articles]
            slugs += [(s, option.line) for option in node.options for s in option.articles]
            for slug, line in slugs:
                if _is_draft(site, f"/articles/{slug}", drafts):
                    yield Problem(tree.path, line, f"article '{slug}' is a draft; {HINT}")


def _link_references(site: Site) -> Iterator[Problem]:
    """Links in published Markdown to a draft tree, FAQ entry or glossary term,
    a prefixed link to a draft article, and any article link written outside an
    article body (article bodies' own are in :func:`_article_references`)."""
    for path, draft, links in sources(site):
        if draft:
            continue
        for link in links:
            target = site.resolve(link.target) if isinstance(link, Link) else page_target(site, link)
            if getattr(target, "draft", False):
                yield Problem(path, link.line, f"link '{link.href}' points at a draft; {HINT}")


def _draft_term(names: dict[tuple[str, str], GlossaryTerm], lang: str, name: str) -> GlossaryTerm | None:
    term = names.get((lang, name.casefold()))
    return term if term is not None and term.draft else None


def _term_references(site: Site) -> Iterator[Problem]:
    # A name belongs to one term per language (the glossary loader sees to it).
    names = {(t.lang, name.casefold()): t for t in site.glossary for name in t.names}
    if not any(t.draft for t in names.values()):
        return
    for term in site.glossary:
        if term.draft:
            continue
        for other in term.see_also:
            if _draft_term(names, term.lang, other):
                yield Problem(GLOSSARY_FILE, term.see_also_line, f"see_also '{other}' is a draft term; {HINT}")
    for tree in site.trees:
        if tree.draft:
            continue
        for node in tree.nodes.values():
            for option in node.options:
                for name in option.glossary:
                    if _draft_term(names, tree.lang, name):
                        yield Problem(tree.path, option.line, f"glossary term '{name}' is a draft; {HINT}")


def without_drafts(site: Site) -> Site:
    """The site a normal build publishes: the same content, less the drafts."""
    if not has_drafts(site):
        return site
    return dataclasses.replace(
        site,
        articles=tuple(a for a in site.articles if not a.draft),
        faq=tuple(f for f in site.faq if not f.draft),
        glossary=tuple(t for t in site.glossary if not t.draft),
        trees=tuple(t for t in site.trees if not t.draft),
    )
