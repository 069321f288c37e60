"""Categories and articles."""

from __future__ import annotations

import posixpath

from flask import Blueprint, abort, redirect, render_template, request, send_from_directory, url_for
from flask_babel import gettext
from werkzeug.wrappers import Response

from portal import activity, i18n
from portal.assets import YEAR
from portal.caching import ARTICLE_MAX_AGE, conditional
from portal.content.images import IMAGES_DIR, TYPES
from portal.insights import events
from portal.published import current
from portal.tickets import context
from portal.views.helpers import categories_by_slug, category_or_404, direction, in_reader_language
from portal.views.meta import absolute_in

bp = Blueprint("articles", __name__)
TOC_MIN_HEADINGS = 3
# An SVG opened on its own is a document that could run script: sandboxed, with
# nothing allowed but its own inline styles. Inside <img> it never runs script.
SVG_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"


@bp.get("/categories/<slug>")
def category(slug: str) -> Response:
    """Each of the category's articles once, in the reader's language where it
    is translated, else in its original language (labelled)."""
    snapshot = current()
    cat = category_or_404(snapshot, slug)
    catalog = snapshot.catalog
    return conditional(
        render_template(
            "articles/category.html",
            category=cat,
            articles=in_reader_language(catalog, catalog.originals_in(slug), i18n.current_lang()),
        )
    )


@bp.get("/articles/<slug>")
def article(slug: str) -> Response:
    """:raise 404: no article or old slug of that name. Old slugs redirect (301).

    An original's address in another interface language (``/he/articles/x``)
    redirects (302) to its translation in that language when there is one, and
    otherwise shows the original with a notice. A translation's own slug always
    shows that translation.
    """
    catalog = current().catalog
    page = catalog.article(slug)
    if page is None:
        new = catalog.alias(slug)
        if new is None:
            abort(404)
        return redirect(url_for("articles.article", slug=new), code=301)
    lang = i18n.current_lang()
    versions = catalog.translations(page)  # the original first
    by_lang = {v.lang: v for v in reversed(versions)}
    if page.lang != lang and not page.translation_of and lang in by_lang:
        return redirect(url_for("articles.article", slug=by_lang[lang].slug, hl=request.args.get("hl") or None))
    original = versions[0] if versions else page
    view = events.for_request("view", events.item(events.ARTICLE, page.slug), lang=page.lang, category=page.category)
    activity.count_view("article", page.slug, view)
    headings = [h for h in page.headings if h["level"] in (2, 3)]
    html = render_template(
        "articles/article.html",
        article=page,
        dir=direction(page.lang),
        category=categories_by_slug(current()).get(page.category),
        toc=headings if len([h for h in headings if h["level"] == 2]) >= TOC_MIN_HEADINGS else [],
        related=in_reader_language(catalog, catalog.articles(list(page.related)), lang),
        translations=[t for t in versions if t.slug != page.slug],
        untranslated=page.lang != lang and lang not in by_lang,
        ticket_subject=gettext("About: %(title)s", title=page.title),
        own_url=i18n.path_in(page.lang, page.url),
        canonical=absolute_in(page.lang, page.url),
        alternates=[(v.lang, absolute_in(v.lang, v.url)) for v in versions]
        + [("x-default", absolute_in(original.lang, original.url))]
        if len(versions) > 1
        else [],
        # The switcher: each language's version, else the original in that interface.
        language_urls={code: i18n.path_in(code, by_lang.get(code, original).url) for code in i18n.LANGUAGES},
    )
    # After rendering: the vote form has put the visitor in a session (the page
    # is private anyway), so even a first visit's reading is passed on.
    context.record_article(page.slug)
    return conditional(html, last_modified=page.updated, max_age=ARTICLE_MAX_AGE)


@bp.get("/articles/images/<name>")
def image(name: str) -> Response:
    """An image beside an article, by its fingerprinted name (a new file gets
    a new name, so it may be cached for a year).

    :raise 404: no such image in the build being served.
    """
    mimetype = TYPES.get(posixpath.splitext(name)[1].lower())
    if mimetype is None:
        abort(404)
    folder = current().catalog.path.parent / IMAGES_DIR
    response = send_from_directory(folder, name, mimetype=mimetype, max_age=YEAR)
    response.cache_control.public = True
    response.cache_control.immutable = True
    if mimetype == TYPES[".svg"]:
        response.headers["Content-Security-Policy"] = SVG_POLICY
    return response
