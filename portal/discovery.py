"""How machines find their way around the site: the sitemap, robots.txt and the
OpenSearch description. Pure functions of the catalog and absolute URLs, so
they are tested without a request.

XML is built with ElementTree rather than a template so that it is well formed
whatever a title or slug contains.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from portal.catalog import Catalog
from portal.i18n import DEFAULT, prefix

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
XHTML_NS = "http://www.w3.org/1999/xhtml"
OPENSEARCH_NS = "http://a9.com/-/spec/opensearch/1.1/"
MOZ_NS = "http://www.mozilla.org/2006/browser/search/"
SUGGESTIONS_TYPE = "application/x-suggestions+json"
SHORT_NAME_MAX = 16  # OpenSearch 1.1: ShortName is at most 16 characters


@dataclass(frozen=True)
class SitemapEntry:
    """One page of the sitemap. ``alternates`` are (hreflang, absolute URL) of
    every language version, this page included, or empty when there is one."""

    url: str
    lastmod: dt.date | None = None
    alternates: tuple[tuple[str, str], ...] = ()


def sitemap_entries(
    catalog: Catalog, absolute: Callable[[str], str], pages: Sequence[str], languages: Sequence[str] = (DEFAULT,)
) -> list[SitemapEntry]:
    """The fixed ``pages`` (paths) and every category, in every interface
    language; every article with its language versions, each at its own
    language's address; and every troubleshooter, in its own language.
    ``languages[0]`` is unprefixed and the ``x-default``."""

    def each_language(path: str) -> list[SitemapEntry]:
        urls = [(lang, absolute(prefix(lang) + path)) for lang in languages]
        alternates = (*urls, ("x-default", urls[0][1])) if len(urls) > 1 else ()
        return [SitemapEntry(url, None, alternates) for _, url in urls]

    entries = [entry for path in pages for entry in each_language(path)]
    for c in catalog.collection("categories"):
        entries += each_language(f"/categories/{c['slug']}")
    for group in catalog.translation_groups():
        urls = [(a.lang, absolute(prefix(a.lang) + a.url)) for a in group]
        alternates = (*urls, ("x-default", urls[0][1])) if len(group) > 1 else ()
        entries += [SitemapEntry(url, a.updated, alternates) for a, (_, url) in zip(group, urls, strict=True)]
    entries += [
        SitemapEntry(absolute(prefix(t["lang"]) + f"/troubleshoot/{t['id']}")) for t in catalog.collection("trees")
    ]
    return entries


def sitemap_xml(entries: Iterable[SitemapEntry]) -> bytes:
    urlset = ET.Element("urlset", {"xmlns": SITEMAP_NS, "xmlns:xhtml": XHTML_NS})
    for entry in entries:
        url = ET.SubElement(urlset, "url")
        ET.SubElement(url, "loc").text = entry.url
        if entry.lastmod is not None:
            ET.SubElement(url, "lastmod").text = entry.lastmod.isoformat()
        for lang, href in entry.alternates:
            ET.SubElement(url, "xhtml:link", {"rel": "alternate", "hreflang": lang, "href": href})
    return ET.tostring(urlset, encoding="utf-8", xml_declaration=True)


def robots_txt(sitemap_url: str, disallow: Sequence[str]) -> str:
    lines = ["User-agent: *", *(f"Disallow: {path}" for path in disallow), "", f"Sitemap: {sitemap_url}"]
    return "\n".join(lines) + "\n"


def short_name(name: str) -> str:
    """``name`` cut to whole words within OpenSearch's 16 characters
    ("Harbor Fibre Help Centre" → "Harbor Fibre")."""
    kept = ""
    for word in name.split():
        candidate = f"{kept} {word}".strip()
        if len(candidate) > SHORT_NAME_MAX:
            break
        kept = candidate
    return kept or name[:SHORT_NAME_MAX]


def opensearch_xml(
    *, name: str, search_template: str, suggest_template: str, self_url: str, form_url: str, description: str = ""
) -> bytes:
    """An OpenSearch 1.1 description: browsers offer to add the site's search,
    with suggestions. The templates contain ``{searchTerms}``."""
    root = ET.Element("OpenSearchDescription", {"xmlns": OPENSEARCH_NS, "xmlns:moz": MOZ_NS})
    ET.SubElement(root, "ShortName").text = short_name(name)
    ET.SubElement(root, "Description").text = (description or f"Search {name}")[:1024]
    ET.SubElement(root, "InputEncoding").text = "UTF-8"
    ET.SubElement(root, "Url", {"type": "text/html", "method": "get", "template": search_template})
    ET.SubElement(root, "Url", {"type": SUGGESTIONS_TYPE, "method": "get", "template": suggest_template})
    ET.SubElement(root, "Url", {"type": "application/opensearchdescription+xml", "rel": "self", "template": self_url})
    ET.SubElement(root, "moz:SearchForm").text = form_url
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
