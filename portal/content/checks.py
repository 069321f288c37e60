"""Checks that need the whole site: every reference must point at something real.

Each loader checks its own file; these checks run after everything is loaded, so
a link to an article in another folder, a category declared elsewhere or a
glossary term is judged against the complete content.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING

from portal.content.links import check_links
from portal.content.problems import WARNING, Problem

if TYPE_CHECKING:
    from portal.content.articles import Article
    from portal.content.site import Site

CATEGORIES_HINT = "declare it in categories.yaml"
# How many articles a category page lists (portal.catalog.Catalog.articles_in),
# in authored order; articles after them have no category page link.
CATEGORY_PAGE_LIMIT = 1000


def check_site(site: Site, today: dt.date | None = None) -> list[Problem]:
    """Every cross-reference problem, and the whole-site warnings (outdated
    translations, articles no category page lists, review dates passed before
    ``today``)."""
    return [
        *_check_articles(site),
        *_check_faq(site),
        *_check_glossary(site),
        *_check_trees(site),
        *check_links(site),
        *_warn_outdated_translations(site),
        *_warn_unlisted(site),
        *_warn_review_due(site, today or dt.date.today()),
    ]


def listed_on_category_pages(site: Site) -> frozenset[str]:
    """Slugs of the articles some category page lists: the category is declared
    and the article is among its first :data:`CATEGORY_PAGE_LIMIT` in authored
    order. Drafts are never listed."""
    counts: dict[str, int] = {}
    listed: set[str] = set()
    for article in site.articles:
        if article.draft or article.category not in site.categories_by_slug:
            continue
        counts[article.category] = counts.get(article.category, 0) + 1
        if counts[article.category] <= CATEGORY_PAGE_LIMIT:
            listed.add(article.slug)
    return frozenset(listed)


def outdated_translations(site: Site) -> list[tuple[Article, Article]]:
    """``(translation, original)`` for each translation updated before its
    original. A broken translation (no such original, the same language, a
    second one into a language) has its own error and is left out."""
    seen: set[tuple[str, str]] = set()
    found: list[tuple[Article, Article]] = []
    for article in site.articles:
        original = site.articles_by_slug.get(article.translation_of) if article.translation_of else None
        if original is None or original.translation_of or original.lang == article.lang:
            continue
        if (original.slug, article.lang) in seen:
            continue
        seen.add((original.slug, article.lang))
        if original.updated > article.updated:
            found.append((article, original))
    return found


def _warn_outdated_translations(site: Site) -> Iterator[Problem]:
    for article, original in outdated_translations(site):
        yield Problem(
            article.path,
            article.line_of("updated"),
            f"translation updated {article.updated}, before its original {original.path} "
            f"({original.updated}); bring it up to date and change 'updated'",
            WARNING,
        )


def _warn_unlisted(site: Site) -> Iterator[Problem]:
    # An undeclared category is already an error (see _check_articles).
    listed = listed_on_category_pages(site)
    for article in site.articles:
        if article.draft or article.slug in listed or article.category not in site.categories_by_slug:
            continue
        yield Problem(
            article.path,
            article.line_of("category"),
            f"no category page links to this article: category '{article.category}' lists its first "
            f"{CATEGORY_PAGE_LIMIT} articles only; move it to another category or split '{article.category}'",
            WARNING,
        )


def _warn_review_due(site: Site, today: dt.date) -> Iterator[Problem]:
    for article in site.articles:
        if article.review_by is not None and article.review_by < today:
            yield Problem(
                article.path,
                article.line_of("review_by"),
                f"review_by {article.review_by} has passed: check the article, then change 'updated' "
                "and set a new 'review_by'",
                WARNING,
            )


def _check_articles(site: Site) -> Iterator[Problem]:
    owners: dict[str, str] = {}  # slug or alias -> path that claimed it
    for article in site.articles:
        if article.slug in owners:
            yield Problem(
                article.path,
                article.line_of("slug") if "slug" in article.lines else 1,
                f"slug '{article.slug}' is already used by {owners[article.slug]}; set a different 'slug'",
            )
        else:
            owners[article.slug] = article.path
    for article in site.articles:
        for alias in article.aliases:
            if alias in owners:
                yield Problem(
                    article.path, article.line_of("aliases"), f"alias '{alias}' is already used by {owners[alias]}"
                )
            else:
                owners[alias] = article.path

    originals: dict[tuple[str, str], str] = {}  # (original slug, lang) -> path
    for article in site.articles:
        if article.category not in site.categories_by_slug:
            yield Problem(
                article.path, article.line_of("category"), f"unknown category '{article.category}'; {CATEGORIES_HINT}"
            )
        for slug in article.related:
            if site.resolve(f"/articles/{slug}") is None:
                yield Problem(article.path, article.line_of("related"), f"related article '{slug}' does not exist")
        for link in article.links:
            if site.resolve(link.target) is None:
                yield Problem(
                    article.path, link.line, f"link '{link.href}' points at {link.target}, which does not exist"
                )
        if article.translation_of:
            yield from _check_translation(site, article, originals)


def _check_translation(site: Site, article: Article, originals: dict[tuple[str, str], str]) -> Iterator[Problem]:
    line = article.line_of("translation_of")
    original = site.articles_by_slug.get(article.translation_of)
    if original is None:
        yield Problem(article.path, line, f"translation_of '{article.translation_of}', but there is no such article")
    elif original.translation_of:
        yield Problem(
            article.path,
            line,
            f"translation_of '{original.slug}', which is itself a translation; name '{original.translation_of}'",
        )
    elif original.lang == article.lang:
        yield Problem(article.path, line, f"a translation must differ in 'lang' from its original ('{original.lang}')")
    elif (original.slug, article.lang) in originals:
        yield Problem(
            article.path,
            line,
            f"'{original.slug}' already has a '{article.lang}' translation: {originals[(original.slug, article.lang)]}",
        )
    else:
        originals[(original.slug, article.lang)] = article.path


def _check_faq(site: Site) -> Iterator[Problem]:
    from portal.content.site import FAQ_FILE

    for entry in site.faq:
        if entry.category not in site.categories_by_slug:
            yield Problem(FAQ_FILE, entry.category_line, f"unknown category '{entry.category}'; {CATEGORIES_HINT}")
        if entry.article and site.resolve(f"/articles/{entry.article}") is None:
            yield Problem(FAQ_FILE, entry.article_line, f"article '{entry.article}' does not exist")


def _check_glossary(site: Site) -> Iterator[Problem]:
    from portal.content.site import GLOSSARY_FILE

    terms = {(t.lang, name.casefold()) for t in site.glossary for name in (t.term,)}
    for term in site.glossary:
        if term.article and site.resolve(f"/articles/{term.article}") is None:
            yield Problem(GLOSSARY_FILE, term.article_line, f"article '{term.article}' does not exist")
        for other in term.see_also:
            if (term.lang, other.casefold()) not in terms:
                yield Problem(
                    GLOSSARY_FILE, term.see_also_line, f"see_also '{other}' is not a glossary term in '{term.lang}'"
                )


def _check_trees(site: Site) -> Iterator[Problem]:
    names = {(t.lang, name.casefold()) for t in site.glossary for name in t.names}
    for tree in site.trees:
        if tree.category not in site.categories_by_slug:
            yield Problem(
                tree.path, tree.lines.get("category", 1), f"unknown category '{tree.category}'; {CATEGORIES_HINT}"
            )
        for node in tree.nodes.values():
            slugs = [(s, node.line) for s in node.articles]
            for option in node.options:
                slugs.extend((s, option.line) for s in option.articles)
                for term in option.glossary:
                    if (tree.lang, term.casefold()) not in names:
                        yield Problem(tree.path, option.line, f"glossary term '{term}' does not exist in '{tree.lang}'")
            for slug, line in slugs:
                if site.resolve(f"/articles/{slug}") is None:
                    yield Problem(tree.path, line, f"article '{slug}' does not exist")
            if node.ticket_category and node.ticket_category not in site.categories_by_slug:
                yield Problem(
                    tree.path, node.line, f"unknown ticket_category '{node.ticket_category}'; {CATEGORIES_HINT}"
                )
