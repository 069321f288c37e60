"""The home page: search first, then the ways in."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal import activity, i18n, ranking
from portal.catalog import ArticleSummary, Catalog
from portal.i18n import DEFAULT
from portal.published import current
from portal.views.helpers import by_reader_language, in_reader_language

bp = Blueprint("home", __name__)
TOP_FAQ = 6
POPULAR = 6


def popular_articles(catalog: Catalog, lang: str) -> list[ArticleSummary]:
    """The most viewed and best voted articles in ``lang`` (portal.ranking);
    ties go to the more recently updated, then by title. Empty until articles
    have been viewed: the page then shows only "Recently updated"."""
    scores = activity.popularity("article")
    # Other languages' articles take places among the leaders; fetch enough.
    found = catalog.articles(ranking.leaders(scores, POPULAR * 4))
    candidates = sorted((a for a in found if a.lang == lang), key=lambda a: (-a.updated.toordinal(), a.title))
    return ranking.popular(candidates, lambda a: a.slug, scores, POPULAR)


def padded(
    catalog: Catalog, found: list[ArticleSummary], fallback: list[ArticleSummary], lang: str, limit: int
) -> list[ArticleSummary]:
    """``found`` (in the reader's language), then articles of ``fallback`` (English)
    up to ``limit``: each in the reader's language where translated, and none twice."""
    listed = {a.slug for a in found}
    extra = [a for a in in_reader_language(catalog, fallback, lang) if a.slug not in listed]
    return [*found, *extra][:limit]


@bp.get("/")
def index() -> str:
    """The reader's language's content first; lists short of it are filled from
    English (each such item labelled by the template)."""
    snapshot = current()
    catalog = snapshot.catalog
    lang = i18n.current_lang()
    # English counts English articles; another language counts every article
    # its readers can open (translated or not) and says how many are translated.
    counts = catalog.counts_by_category(DEFAULT) if lang == DEFAULT else catalog.originals_by_category()
    translated = catalog.counts_by_category(lang) if lang != DEFAULT else counts
    entries = catalog.collection("faq")
    faq = [f for f in entries if f["lang"] == lang] or [f for f in entries if f["lang"] == DEFAULT]
    faq = ranking.rank(faq, lambda f: f["id"], activity.popularity("faq"), lambda f: f["pinned"])
    trees = [t for t in catalog.collection("trees") if t["lang"] in (lang, DEFAULT)]
    recent = catalog.recently_updated(lang, 6)
    popular = popular_articles(catalog, lang)
    if lang != DEFAULT:
        recent = padded(catalog, recent, catalog.recently_updated(DEFAULT, 6), lang, 6)
        popular = padded(catalog, popular, popular_articles(catalog, DEFAULT), lang, POPULAR)
    return render_template(
        "home/index.html",
        categories=[c for c in catalog.collection("categories") if counts.get(c["slug"])],
        counts=counts,
        translated=translated,
        faq=faq[:TOP_FAQ],
        trees=by_reader_language(trees, lang, lambda t: t["lang"]),
        recent=recent,
        popular=popular,
    )
