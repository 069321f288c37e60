"""Frequently asked questions, grouped by category."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template
from werkzeug.wrappers import Response

from portal import activity, i18n, ranking
from portal.caching import conditional
from portal.i18n import DEFAULT
from portal.published import current
from portal.views.helpers import categories_by_slug

bp = Blueprint("faq", __name__)


@bp.get("/faq")
def index() -> Response:
    snapshot = current()
    categories = categories_by_slug(snapshot)
    order = {slug: c["order"] for slug, c in categories.items()}
    # Ranked first, then grouped: the stable sort keeps the ranking within each
    # (language, category) group, and categories keep their authored order. The
    # reader's language comes first, then English, then the others (labelled).
    ranked = ranking.rank(
        snapshot.catalog.collection("faq"), lambda f: f["id"], activity.popularity("faq"), lambda f: f["pinned"]
    )
    lang = i18n.current_lang()
    entries = sorted(
        ranked, key=lambda f: (f["lang"] != lang, f["lang"] != DEFAULT, f["lang"], order.get(f["category"], 999))
    )
    groups = [
        (lang, categories.get(cat, {"title": cat, "slug": cat}), list(items))
        for (lang, cat), items in groupby(entries, key=lambda f: (f["lang"], f["category"]))
    ]
    return conditional(render_template("faq/index.html", groups=groups))
