"""Search, as a page and as JSON, and title suggestions as you type."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request
from werkzeug.wrappers import Response

from portal import i18n
from portal.insights import events
from portal.published import current
from portal.search import Filters, Results, parse_query
from portal.search.engine import TYPES
from portal.search.query import clean_text
from portal.tickets import context
from portal.views.helpers import categories_by_slug, int_arg

bp = Blueprint("search", __name__)
PER_PAGE = 10
MAX_PAGE = 100


def _run() -> tuple[str, Filters, Results]:
    """Read and bound the request's search arguments, then search."""
    raw = request.args.get("q", "")
    query = parse_query(raw)
    types = tuple(t for t in request.args.getlist("type") if t in TYPES)
    snapshot = current()
    category = request.args.get("category", "")
    if category not in categories_by_slug(snapshot):
        category = ""
    lang = clean_text(request.args.get("lang", ""), 8)
    filters = Filters(types=types, category=category, lang=lang)
    page = int_arg("page", 1, 1, MAX_PAGE)
    # Results in the query's script come first; a Latin query, in the reader's language.
    results = snapshot.index.search(query, filters, page, PER_PAGE, reader_lang=i18n.current_lang())
    return query.text, filters, results


@bp.get("/search")
def search() -> str:
    text, filters, results = _run()
    context.record_search(text, results.total)  # passed on if a ticket follows (private only for a session)
    if text and int_arg("page", 1, 1, MAX_PAGE) == 1:  # a later page is the same search
        key, typed = events.query_key(text), events.normalise_query(text)
        events.record("search", key, typed, results.total, i18n.current_lang(), filters.category)
    snapshot = current()
    return render_template(
        "search/results.html",
        q=text,
        filters=filters,
        results=results,
        categories=snapshot.catalog.collection("categories"),
        trees=[t for t in snapshot.catalog.collection("trees") if t["lang"] == i18n.current_lang()]
        or [t for t in snapshot.catalog.collection("trees") if t["lang"] == "en"],
        types=TYPES,
    )


@bp.get("/api/search")
def api_search() -> Response:
    text, _filters, results = _run()
    return jsonify(
        query=text,
        total=results.total,
        page=results.page,
        pages=results.pages,
        partial=results.partial,
        results=[
            {
                "type": h.type,
                "title": h.title,
                "url": i18n.lang_url(h.url),  # /he/api/search links the Hebrew interface
                "snippet": h.snippet,
                "score": h.score,
                "lang": h.lang,
                "category": h.category,
            }
            for h in results.hits
        ],
        did_you_mean=results.did_you_mean,
    )


@bp.get("/api/suggest")
def api_suggest() -> Response:
    prefix = request.args.get("q", "")
    suggestions = current().index.suggest(prefix, limit=8)
    return jsonify(
        suggestions=[
            {"title": s.title, "url": i18n.lang_url(s.url), "type": s.type, "lang": s.lang} for s in suggestions
        ]
    )
