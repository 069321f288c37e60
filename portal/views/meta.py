"""For crawlers and browsers: sitemap.xml, robots.txt, the OpenSearch
description and its suggestions; and the absolute and canonical URLs that the
layout and these files use.

Absolute URLs start from ``SITE_URL`` when it is set, else from the address the
request came to. Every page has one address per interface language (``/he/faq``);
an article's canonical address is the one in its own language.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, jsonify, request, url_for
from flask_babel import gettext
from werkzeug.urls import iri_to_uri
from werkzeug.wrappers import Response

from portal import discovery, i18n
from portal.caching import conditional
from portal.published import current
from portal.search.query import clean_text

bp = Blueprint("meta", __name__)

# Query arguments that make a different page rather than a view of the same one,
# with the value that means the same as leaving them out. Everything else
# (filters, pagination, a troubleshooter's answers) is dropped from the
# canonical URL.
# ``None``: the value that means the same as leaving it out is the interface language.
CANONICAL_ARGS: dict[str, dict[str, str | None]] = {"search.search": {"q": ""}, "glossary.index": {"lang": None}}
ROBOTS_DISALLOW = ("/search", "/api/", "/opensearch/")
SUGGESTIONS = 8


def site_root() -> str:
    """The site's address without a trailing slash or a language prefix."""
    return (current_app.config.get("SITE_URL") or request.host_url.rstrip("/") + i18n.site_root()).rstrip("/")


def absolute_url(path: str) -> str:
    """``/articles/x`` → ``https://help.example.com/articles/x``, percent-encoded
    (slugs may be Hebrew or Persian). ``path`` carries its language prefix, if any."""
    return iri_to_uri(site_root() + path)


def external_url(endpoint: str, **values: object) -> str:
    """``url_for`` as an absolute URL, in this page's language."""
    # url_for includes the mount point, which site_root already ends with.
    return absolute_url(url_for(endpoint, **values).removeprefix(i18n.site_root()))


def absolute_in(lang: str, path: str) -> str:
    """A site path (``/articles/x``) as an absolute URL in ``lang``."""
    return absolute_url(i18n.prefix(lang) + path)


def canonical_url() -> str:
    """This page's URL without the query string, except the arguments that
    name the content (``q`` on search, ``lang`` on the glossary)."""
    lang = i18n.current_lang()
    defaults = {
        name: lang if value is None else value for name, value in CANONICAL_ARGS.get(request.endpoint or "", {}).items()
    }
    kept = [(name, clean_text(request.args.get(name, ""))) for name in defaults]
    query = urlencode([(name, value) for name, value in kept if value and value != defaults[name]])
    return absolute_in(lang, request.path) + (f"?{query}" if query else "")


def page_alternates() -> list[tuple[str, str]]:
    """``(hreflang, absolute URL)`` of this page in every interface language, and
    ``x-default`` (English, unprefixed), for pages that are the same in each."""
    links = [(lang, absolute_in(lang, request.path)) for lang in i18n.LANGUAGES]
    return [*links, ("x-default", absolute_in(i18n.DEFAULT, request.path))]


bp.add_app_template_global(absolute_url)
bp.add_app_template_global(absolute_in)
bp.add_app_template_global(canonical_url)
bp.add_app_template_global(page_alternates)


@bp.get("/sitemap.xml")
def sitemap() -> Response:
    """Every page in every language, each with its language versions, from any
    language's address (``/he/sitemap.xml`` is the same file)."""
    pages = [
        url_for(endpoint).removeprefix(request.script_root)
        for endpoint in ("home.index", "faq.index", "glossary.index", "troubleshoot.index")
    ]
    entries = discovery.sitemap_entries(current().catalog, absolute_url, pages, i18n.LANGUAGES)
    return conditional(current_app.response_class(discovery.sitemap_xml(entries), mimetype="application/xml"))


@bp.get("/robots.txt")
def robots() -> Response:
    disallow = [i18n.prefix(lang) + path for lang in i18n.LANGUAGES for path in ROBOTS_DISALLOW]
    text = discovery.robots_txt(absolute_url(url_for("meta.sitemap").removeprefix(request.script_root)), disallow)
    return current_app.response_class(text, mimetype="text/plain")


@bp.get("/opensearch.xml")
def opensearch() -> Response:
    # {searchTerms} must survive as written, so it is added after url_for's quoting.
    name = current_app.config["SITE_NAME"]
    xml = discovery.opensearch_xml(
        name=name,
        description=gettext("Search %(site)s", site=name),
        search_template=external_url("search.search") + "?q={searchTerms}",
        suggest_template=external_url("meta.suggest") + "?q={searchTerms}",
        self_url=external_url("meta.opensearch"),
        form_url=external_url("search.search"),
    )
    return current_app.response_class(xml, mimetype="application/opensearchdescription+xml")


@bp.get("/opensearch/suggest")
def suggest() -> Response:
    """Suggestions in the OpenSearch format browsers read from the address bar:
    ``[query, [titles], [descriptions], [urls]]``. Any input gives a list."""
    # Echoed as typed: browsers drop an answer whose first item differs from
    # what they asked. The index bounds and cleans it before looking it up.
    query = request.args.get("q", "")[:200]
    found = current().index.suggest(query, limit=SUGGESTIONS)
    response = jsonify([query, [s.title for s in found], [], [absolute_in(i18n.current_lang(), s.url) for s in found]])
    response.mimetype = discovery.SUGGESTIONS_TYPE
    return response
