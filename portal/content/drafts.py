"""Draft articles: ``draft: true`` in front matter.

A draft is loaded and checked like any article (a broken draft fails the check,
so CI catches it before the author asks for review), shown by ``flask preview``
with a "Draft" banner, and left out of every normal build: no page, no search
result, no sitemap entry, no API answer, no place in a category, FAQ or ranking.

Published content must not point at a draft: the link would be a 404 for every
customer. Each such reference is an error (in the preview too, so the author
hears of it while writing, not from CI). Drafts may point at each other.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

from portal.content.problems import Problem
from portal.content.site import FAQ_FILE, GLOSSARY_FILE, Site

HINT = "publish it first (remove 'draft: true') or remove the reference"
DRAFTS = "drafts"  # the catalog collection listing the drafts a preview build holds


def draft_slugs(site: Site) -> frozenset[str]:
    return frozenset(a.slug for a in site.articles if a.draft)


def draft_problems(site: Site) -> list[Problem]:
    """Every reference from published content to a draft, as an error."""
    drafts = draft_slugs(site)
    if not drafts:
        return []
    return sorted(_references(site, drafts))


def _is_draft(site: Site, target: str, drafts: frozenset[str]) -> bool:
    article = site.resolve(target)
    return article is not None and article.slug in drafts


def _references(site: Site, drafts: frozenset[str]) -> Iterator[Problem]:
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
        if entry.article and _is_draft(site, f"/articles/{entry.article}", drafts):
            yield Problem(FAQ_FILE, entry.article_line, f"article '{entry.article}' is a draft; {HINT}")
    for term in site.glossary:
        if term.article and _is_draft(site, f"/articles/{term.article}", drafts):
            yield Problem(GLOSSARY_FILE, term.article_line, f"article '{term.article}' is a draft; {HINT}")
    for tree in site.trees:
        for node in tree.nodes.values():
            slugs = [(s, node.line) for s in node.articles]
            slugs += [(s, option.line) for option in node.options for s in option.articles]
            for slug, line in slugs:
                if _is_draft(site, f"/articles/{slug}", drafts):
                    yield Problem(tree.path, line, f"article '{slug}' is a draft; {HINT}")


def without_drafts(site: Site) -> Site:
    """The site a normal build publishes: the same content, less the drafts."""
    if not any(a.draft for a in site.articles):
        return site
    return dataclasses.replace(site, articles=tuple(a for a in site.articles if not a.draft))
