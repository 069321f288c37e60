"""What a customer tried in this visit before asking for a person: the searches
they made (query and how many results) and the articles they read.

Kept in the Flask session (the signed cookie), so nothing is stored about a
visitor who never opens a ticket. Bounded twice: the last :data:`LIMIT` of each,
and at most :data:`BUDGET` bytes of JSON each, because a session cookie over
4 KB is silently dropped by browsers, and with it the visitor's CSRF token.
Articles are kept by slug alone; titles are looked up when they are shown.

Caching. Writing the session adds a ``Set-Cookie`` and ``Vary: Cookie`` to the
page, and a shared cache must never hand one visitor's cookie to another, so
every response that records something is made ``private`` here. To leave
caching alone for everyone else, nothing is recorded for a visitor who has no
session yet: a first visit from a search engine still gets the public page
(and its 304s, which do not depend on the cookie: the ETag hashes the body).
Article pages carry the vote form's CSRF token and so are already private and
already in the session, which is why an article read is recorded on the first
visit too.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import Response, after_this_request, current_app, g, request, session

from portal import visitors
from portal.csrf import make_private
from portal.search.query import clean_text

SEARCHES = "ticket_ctx_searches"  # [[query, total], ...], oldest first
ARTICLES = "ticket_ctx_articles"  # [slug, ...], oldest first
LIMIT = 10
QUERY_CHARS = 100
BUDGET = 1200  # bytes of ASCII-escaped JSON per list, as Flask serialises the session


@dataclass(frozen=True)
class Search:
    """A search made during the visit, and how many results it found (``None``
    when a ticket's context, read back for staff, did not say)."""

    query: str
    results: int | None


@dataclass(frozen=True)
class ArticleRead:
    """An article read during the visit: its slug and, when known, its title."""

    slug: str
    title: str


@dataclass(frozen=True)
class VisitContext:
    """What the ticket form shows under "We'll pass this on", newest last."""

    searches: tuple[Search, ...] = ()
    articles: tuple[ArticleRead, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.searches or self.articles)

    def as_dict(self) -> dict[str, Any]:
        """For ``Ticket.context``."""
        return {
            "searches": [{"query": s.query, "results": s.results} for s in self.searches],
            "articles": [{"slug": a.slug, "title": a.title} for a in self.articles],
        }


def remember(items: Sequence[Any], item: Any, key: Any = None, limit: int = LIMIT, budget: int = BUDGET) -> list[Any]:
    """``items`` with ``item`` added last: an earlier entry with the same key
    (``key(entry)``, default the entry itself) is moved rather than repeated;
    then the oldest are dropped until at most ``limit`` remain and their JSON
    fits ``budget`` bytes."""
    key = key or (lambda entry: entry)
    kept = [entry for entry in items if key(entry) != key(item)]
    kept.append(item)
    kept = kept[-limit:]
    while kept and len(json.dumps(kept)) > budget:
        kept.pop(0)
    return kept


def _session_exists() -> bool:
    """Whether this visitor has a session: they brought its cookie, or this page
    has just put a CSRF token in it (Flask-WTF keeps the token of the request
    in ``g``). Checked without touching ``session``, which would mark the
    response as varying by cookie."""
    config = current_app.config
    return (
        config.get("SESSION_COOKIE_NAME", "session") in request.cookies
        or config.get("WTF_CSRF_FIELD_NAME", "csrf_token") in g
    )


def _recordable() -> bool:
    return request.method == "GET" and not visitors.is_bot() and _session_exists()


def _private(response: Response) -> Response:
    make_private(response)
    response.cache_control.private = True  # also on pages that never said public
    return response


def _store(name: str, value: list[Any]) -> None:
    if session.get(name) != value:
        session[name] = value
    after_this_request(_private)


def record_search(query: str, results: int) -> None:
    """Remember a search made on the search page (not the API, not suggestions)."""
    query = clean_text(query, QUERY_CHARS)
    if not query or not _recordable():
        return
    found = _valid(session.get(SEARCHES), _is_search)
    _store(SEARCHES, remember(found, [query, max(0, int(results))], key=lambda entry: entry[0].casefold()))


def record_article(slug: str) -> None:
    """Remember an article read."""
    if not slug or len(slug) > 200 or not _recordable():
        return
    _store(ARTICLES, remember(_valid(session.get(ARTICLES), _is_slug), slug))


def clear() -> None:
    """Forget it all, once a ticket has passed it on."""
    for name in (SEARCHES, ARTICLES):
        session.pop(name, None)


def _is_search(entry: Any) -> bool:
    return (
        isinstance(entry, list)
        and len(entry) == 2
        and isinstance(entry[0], str)
        and isinstance(entry[1], int)
        and not isinstance(entry[1], bool)
    )


def _is_slug(entry: Any) -> bool:
    return isinstance(entry, str) and 0 < len(entry) <= 200


def _valid(raw: Any, check: Any) -> list[Any]:
    """The well-formed entries of a session value (the cookie is signed, but an
    older version of the portal may have written something else)."""
    return [entry for entry in raw if check(entry)][-LIMIT:] if isinstance(raw, list) else []


def visit_context(titles: Any) -> VisitContext:
    """This visit's context. ``titles(slugs)`` returns the current article
    summaries for those slugs (``catalog.articles``); an article no longer
    published is left out."""
    if not _session_exists():
        return VisitContext()
    searches = tuple(Search(q, n) for q, n in _valid(session.get(SEARCHES), _is_search))
    slugs = _valid(session.get(ARTICLES), _is_slug)
    by_slug = {a.slug: a.title for a in titles(slugs)} if slugs else {}
    articles = tuple(ArticleRead(s, by_slug[s]) for s in slugs if s in by_slug)
    return VisitContext(searches, articles)
