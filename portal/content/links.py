"""Links in Markdown to portal pages other than articles, and their check.

Article links (``/articles/<slug>`` and relative ``.md`` paths) are found by
:func:`portal.content.articles.internal_link`. This module covers the other
pages content can point at, each in its language-prefixed form too
(``/he/...``, ``/fa/...``, ``/en/...``):

- ``/troubleshoot/<tree-id>`` (and its ``/diagram``, ``.svg``, ``.mmd``);
- ``/faq#<id>``: the FAQ page shows every entry, each with its id as anchor;
- ``/glossary#<term-id>``, also ``/glossary?lang=he#<id>``: the page lists one
  language's terms (``?lang=``, else the prefix's language when it has terms,
  else English), each term's id as anchor, and ``#letter-X`` per letter;
- ``/categories/<slug>``;
- ``/he/articles/<slug>``: an article link with a language prefix.

Paths in those sections that no page answers (``/faq/<id>``,
``/glossary/<term>``, ``/troubleshoot/<id>/other``, ``/categories``) are
reported too. Any other site path (``/tickets/new``, ``/search?q=…``) is not
checked. Nothing here is rewritten: the build leaves these links as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote

from portal.content.fields import DEFAULT_LANG
from portal.content.problems import Problem

if TYPE_CHECKING:
    from portal.content.articles import Link
    from portal.content.site import Site

ARTICLE, TREE, FAQ, GLOSSARY, CATEGORY, NO_PAGE = "article", "tree", "faq", "glossary", "category", "no page"
# The interface languages that prefix a URL (portal.i18n.LANGUAGES, which the
# content layer cannot import: it has no Flask); a test keeps the two equal.
PREFIXES = ("en", "he", "fa")
LETTER_ANCHOR = "letter-"  # the glossary page's anchor for each initial letter

_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")
_TREE_PAGES = ("", "/diagram", "/diagram.svg", "/diagram.mmd")


@dataclass(frozen=True)
class PageLink:
    """A link to a portal page other than an unprefixed article link.

    ``kind`` is one of :data:`TREE`, :data:`FAQ`, :data:`GLOSSARY`,
    :data:`CATEGORY`, :data:`ARTICLE` (a prefixed article link) or
    :data:`NO_PAGE` (a path in those sections that no page answers); ``key`` the
    tree id, FAQ id, glossary anchor, category slug or article slug (``""`` for
    a whole page such as ``/faq``); ``lang`` the URL's language prefix (``""``
    without one) and ``query_lang`` the glossary's ``?lang=``; ``path`` the
    path without prefix, query or anchor; ``href`` the link as written.
    """

    kind: str
    key: str
    lang: str
    query_lang: str
    path: str
    line: int
    href: str


def page_link(href: str, line: int = 0) -> PageLink | None:
    """The :class:`PageLink` ``href`` makes, or ``None`` when it points anywhere
    else (another site, an unprefixed article, a page not checked)."""
    if _SCHEME.match(href) or href.startswith(("#", "//")) or not href.startswith("/"):
        return None
    written = unquote(href)  # the Markdown parser percent-encodes link targets
    rest, _, anchor = written.partition("#")
    path, _, query = rest.partition("?")
    lang = ""
    head, _, tail = path[1:].partition("/")
    if head in PREFIXES:
        lang, path = head, "/" + tail
    path = path.rstrip("/") or "/"
    section, _, key = path[1:].partition("/")

    def made(kind: str, key: str = "", query_lang: str = "") -> PageLink:
        return PageLink(kind, key, lang, query_lang, path, line, written)

    if section == "troubleshoot" and key:
        tree_id, _, page = key.partition("/")
        return made(TREE, tree_id) if ("/" + page if page else "") in _TREE_PAGES else made(NO_PAGE, key)
    if section == "faq":
        return made(NO_PAGE, key) if key else made(FAQ, anchor)
    if section == "glossary":
        return made(NO_PAGE, key) if key else made(GLOSSARY, anchor, (parse_qs(query).get("lang") or [""])[0])
    if section == "categories":
        return made(CATEGORY, key) if key and "/" not in key else made(NO_PAGE, key)
    if section == "articles" and lang and key:
        return made(ARTICLE, key) if "/" not in key else made(NO_PAGE, key)
    return None


def glossary_lang(site: Site, link: PageLink) -> str:
    """The language whose terms the glossary page at ``link`` lists, as
    :func:`portal.views.glossary.index` chooses it; ``""`` for a ``?lang=`` in
    which there are no terms."""
    langs = {t.lang for t in site.glossary}
    if link.query_lang:
        return link.query_lang if link.query_lang in langs else ""
    reader = link.lang or DEFAULT_LANG
    return reader if reader in langs else DEFAULT_LANG


def page_target(site: Site, link: PageLink) -> Any | None:
    """What ``link`` points at (a tree, FAQ entry, glossary term, category or
    article), ``site`` itself for a whole page (``/faq``), or ``None`` when
    there is nothing there."""
    if link.kind == NO_PAGE:
        return None
    if not link.key:
        return None if link.kind == GLOSSARY and link.query_lang and not glossary_lang(site, link) else site
    if link.kind == TREE:
        return next((t for t in site.trees if t.id == link.key), None)
    if link.kind == FAQ:
        return next((f for f in site.faq if f.id == link.key), None)
    if link.kind == CATEGORY:
        return site.categories_by_slug.get(link.key)
    if link.kind == ARTICLE:
        return site.resolve(f"/articles/{link.key}")
    lang = glossary_lang(site, link)
    terms = [t for t in site.glossary if t.lang == lang]
    if link.key.startswith(LETTER_ANCHOR):
        letter = link.key.removeprefix(LETTER_ANCHOR)
        # A letter heading is there while any term starts with it: prefer a published one.
        starting = sorted((t for t in terms if _letter(t.term) == letter), key=lambda t: t.draft)
        return starting[0] if starting else None
    return next((t for t in terms if t.id == link.key), None)


def _letter(term: str) -> str:
    # The glossary page's rule (portal.views.glossary._letter).
    first = term[:1].upper()
    return first if first.isalpha() else "#"


def _missing(site: Site, link: PageLink) -> str:
    """Why ``link`` leads nowhere, for the author."""
    href = link.href
    if link.kind == NO_PAGE:
        hint = {
            "faq": f"; link an FAQ entry as /faq#{link.key}",
            "glossary": f"; link a glossary term as /glossary#{link.key}",
        }.get(link.path[1:].partition("/")[0], "")
        return f"link '{href}' points at {link.path}, which is no page of the help centre{hint}"
    if link.kind == TREE:
        return f"link '{href}' points at troubleshooting tree '{link.key}', which does not exist"
    if link.kind == FAQ:
        return f"link '{href}' points at FAQ entry '{link.key}', which does not exist"
    if link.kind == CATEGORY:
        return f"link '{href}' points at category '{link.key}', which does not exist"
    if link.kind == ARTICLE:
        return f"link '{href}' points at /articles/{link.key}, which does not exist"
    lang = glossary_lang(site, link)
    if not lang:
        return f"link '{href}' asks for the glossary in '{link.query_lang}', which has no terms"
    return f"link '{href}' points at glossary term '{link.key}' in '{lang}', which does not exist"


def link_problems(site: Site, path: str, links: Iterable[Link | PageLink]) -> Iterator[Problem]:
    """An error for each link in the file at ``path`` that leads nowhere."""
    from portal.content.articles import Link

    for link in links:
        if isinstance(link, Link):
            if site.resolve(link.target) is None:
                yield Problem(path, link.line, f"link '{link.href}' points at {link.target}, which does not exist")
        elif page_target(site, link) is None:
            yield Problem(path, link.line, _missing(site, link))


def sources(site: Site) -> Iterator[tuple[str, bool, tuple[Link | PageLink, ...]]]:
    """``(path, draft, links)`` for every piece of Markdown content: each article,
    FAQ answer, glossary definition and tree node text."""
    from portal.content.site import FAQ_FILE, GLOSSARY_FILE

    for article in site.articles:
        yield article.path, article.draft, article.pages
    for entry in site.faq:
        yield FAQ_FILE, entry.draft, entry.links
    for term in site.glossary:
        yield GLOSSARY_FILE, term.draft, term.links
    for tree in site.trees:
        for node in tree.nodes.values():
            yield tree.path, tree.draft, node.links


def check_links(site: Site) -> list[Problem]:
    """Every link to a page that does not exist, in any Markdown content.
    (Article links in article bodies are checked with the articles.)"""
    return [problem for path, _draft, links in sources(site) for problem in link_problems(site, path, links)]
