"""Categories and articles."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, url_for
from werkzeug.wrappers import Response

from portal import activity
from portal.caching import ARTICLE_MAX_AGE, conditional
from portal.published import current
from portal.tickets import context
from portal.views.helpers import categories_by_slug, category_or_404, direction

bp = Blueprint("articles", __name__)
TOC_MIN_HEADINGS = 3


@bp.get("/categories/<slug>")
def category(slug: str) -> Response:
    snapshot = current()
    cat = category_or_404(snapshot, slug)
    return conditional(
        render_template(
            "articles/category.html",
            category=cat,
            articles=snapshot.catalog.articles_in(slug),
        )
    )


@bp.get("/articles/<slug>")
def article(slug: str) -> Response:
    """:raise 404: no article or old slug of that name. Old slugs redirect (301)."""
    catalog = current().catalog
    page = catalog.article(slug)
    if page is None:
        new = catalog.alias(slug)
        if new is None:
            abort(404)
        return redirect(url_for("articles.article", slug=new), code=301)
    activity.count_view("article", page.slug)
    headings = [h for h in page.headings if h["level"] in (2, 3)]
    html = render_template(
        "articles/article.html",
        article=page,
        dir=direction(page.lang),
        category=categories_by_slug(current()).get(page.category),
        toc=headings if len([h for h in headings if h["level"] == 2]) >= TOC_MIN_HEADINGS else [],
        related=catalog.articles(list(page.related)),
        translations=[t for t in catalog.translations(page) if t.slug != page.slug],
    )
    # After rendering: the vote form has put the visitor in a session (the page
    # is private anyway), so even a first visit's reading is passed on.
    context.record_article(page.slug)
    return conditional(html, last_modified=page.updated, max_age=ARTICLE_MAX_AGE)
