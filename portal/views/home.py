"""The home page: search first, then the ways in."""

from __future__ import annotations

from flask import Blueprint, render_template

from portal import activity, ranking
from portal.catalog import ArticleSummary, Catalog
from portal.published import current

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


@bp.get("/")
def index() -> str:
    snapshot = current()
    catalog = snapshot.catalog
    counts = catalog.counts_by_category("en")
    faq = [f for f in catalog.collection("faq") if f["lang"] == "en"]
    faq = ranking.rank(faq, lambda f: f["id"], activity.popularity("faq"), lambda f: f["pinned"])
    return render_template(
        "home/index.html",
        categories=[c for c in catalog.collection("categories") if counts.get(c["slug"])],
        counts=counts,
        faq=faq[:TOP_FAQ],
        trees=[t for t in catalog.collection("trees") if t["lang"] == "en"],
        recent=catalog.recently_updated("en", 6),
        popular=popular_articles(catalog, "en"),
    )
