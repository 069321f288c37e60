"""The JSON API beside search: one article, and the OpenAPI document describing
the whole API (``portal/openapi.py``). Errors come from ``portal.errors`` in the
one JSON shape, because every URL here starts with /api/."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, abort, current_app, redirect, url_for
from werkzeug.wrappers import Response

from portal import openapi
from portal.caching import ARTICLE_MAX_AGE, conditional
from portal.catalog import ArticlePage, Catalog
from portal.published import current
from portal.views.meta import site_root

bp = Blueprint("api", __name__)


def article_json(page: ArticlePage, catalog: Catalog) -> dict[str, Any]:
    """The ``Article`` schema of the OpenAPI document."""
    return {
        "slug": page.slug,
        "title": page.title,
        "summary": page.summary,
        "category": page.category,
        "tags": list(page.tags),
        "lang": page.lang,
        "updated": page.updated.isoformat(),
        "url": page.url,
        "html": page.html,
        "headings": [{"level": h["level"], "id": h["id"], "text": h["text"]} for h in page.headings],
        "translations": [
            {"lang": t.lang, "slug": t.slug, "url": t.url} for t in catalog.translations(page) if t.slug != page.slug
        ],
        "related": [{"slug": r.slug, "title": r.title, "url": r.url} for r in catalog.articles(list(page.related))],
    }


@bp.get("/api/articles/<slug>")
def article(slug: str) -> Response:
    """:raise 404: no article or old slug of that name. Old slugs redirect (301)
    to the API URL of the current slug."""
    catalog = current().catalog
    page = catalog.article(slug)
    if page is None:
        new = catalog.alias(slug)
        if new is None:
            abort(404)
        return redirect(url_for("api.article", slug=new), code=301)
    body = current_app.json.response(article_json(page, catalog))
    return conditional(body, last_modified=page.updated, max_age=ARTICLE_MAX_AGE)


@bp.get("/api/openapi.json")
def openapi_document() -> Response:
    # json.dumps rather than jsonify: keep the document's own key order
    # ("openapi", "info", "paths" …), which jsonify would sort.
    text = json.dumps(openapi.document(site_root()), ensure_ascii=False)
    return conditional(current_app.response_class(text, mimetype="application/json"))
