"""For crawlers and browsers: sitemap.xml, robots.txt, OpenSearch, and the
canonical and alternate links in every page's <head>."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import quote

import pytest

from portal import config, create_app
from portal.discovery import short_name
from portal.views.meta import absolute_url

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "xhtml": "http://www.w3.org/1999/xhtml",
    "os": "http://a9.com/-/spec/opensearch/1.1/",
    "moz": "http://www.mozilla.org/2006/browser/search/",
}
# The fixture help center's articles (tests/conftest.py), at their own language's address.
ARTICLE_PATHS = [
    "/articles/reset-your-password",
    "/he/articles/reset-your-password-he",
    "/articles/restart-your-harbor-hub",
    "/articles/harbor-hub-lights",
]


def parse(response) -> ET.Element:
    return ET.fromstring(response.get_data())  # noqa: S314 -- our own output, parsed to prove it is well formed


def sitemap(client) -> dict[str, ET.Element]:
    response = client.get("/sitemap.xml")
    assert response.status_code == 200 and response.mimetype == "application/xml"
    root = parse(response)
    assert root.tag == f"{{{NS['s']}}}urlset"
    return {url.findtext("s:loc", namespaces=NS): url for url in root.findall("s:url", NS)}


def test_sitemap_lists_every_page_with_absolute_urls(client):
    urls = sitemap(client)
    # The site's own pages in every interface language; content in its own.
    pages = ["/", "/faq", "/glossary", "/troubleshoot", "/categories/account", "/categories/hub"]
    expected = {
        *(f"http://localhost{prefix}{page}" for prefix in ("", "/he", "/fa") for page in pages),
        "http://localhost/troubleshoot/hub-light",
        *(f"http://localhost{path}" for path in ARTICLE_PATHS),
    }
    assert set(urls) == expected
    assert client.get("/he/sitemap.xml").get_data() == client.get("/sitemap.xml").get_data()


def test_sitemap_gives_each_article_its_updated_date(client):
    urls = sitemap(client)
    assert urls["http://localhost/articles/restart-your-harbor-hub"].findtext("s:lastmod", namespaces=NS) == (
        "2026-08-19"
    )
    for loc, url in urls.items():
        assert (url.find("s:lastmod", NS) is not None) == ("/articles/" in loc)


def test_sitemap_links_translations_both_ways(client):
    urls = sitemap(client)
    pair = {
        "en": "http://localhost/articles/reset-your-password",
        "he": "http://localhost/he/articles/reset-your-password-he",
    }
    for loc in pair.values():
        links = urls[loc].findall("xhtml:link", NS)
        assert {(link.get("rel"), link.get("hreflang"), link.get("href")) for link in links} == {
            ("alternate", lang, href) for lang, href in [*pair.items(), ("x-default", pair["en"])]
        }
    # An article without translations has no alternates.
    assert urls["http://localhost/articles/harbor-hub-lights"].findall("xhtml:link", NS) == []
    # The interface's own pages exist in every language.
    faq = {
        (link.get("hreflang"), link.get("href")) for link in urls["http://localhost/he/faq"].findall("xhtml:link", NS)
    }
    assert faq == {
        ("en", "http://localhost/faq"),
        ("he", "http://localhost/he/faq"),
        ("fa", "http://localhost/fa/faq"),
        ("x-default", "http://localhost/faq"),
    }


def test_site_url_setting_replaces_the_request_address(content_dir, built, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "INDEX_DIR": built,
            "INSTANCE_DIR": tmp_path / "instance",
            "SECRET_KEY": "test",
            "SITE_URL": "https://help.example.com",
        }
    )
    try:
        client = app.test_client()
        assert "https://help.example.com/articles/reset-your-password" in sitemap(client)
        assert "Sitemap: https://help.example.com/sitemap.xml" in client.get("/robots.txt").get_data(as_text=True)
        assert '<link rel="canonical" href="https://help.example.com/faq">' in client.get("/faq").get_data(as_text=True)
    finally:
        app.extensions["portal.published"].close()


@pytest.mark.parametrize("value", ["help.example.com", "ftp://help.example.com", "https://", "https://x.org/?a=1"])
def test_site_url_must_be_an_http_address(value):
    with pytest.raises(ValueError, match="PORTAL_SITE_URL must look like"):
        config.from_environment({"PORTAL_SITE_URL": value})


def test_site_url_loses_its_trailing_slash():
    assert config.from_environment({"PORTAL_SITE_URL": "https://help.example.com/"})["SITE_URL"] == (
        "https://help.example.com"
    )


def test_absolute_urls_percent_encode_other_scripts(app):
    with app.test_request_context("/"):
        assert absolute_url("/articles/איפוס") == "http://localhost/articles/" + quote("איפוס")


def test_robots_points_at_the_sitemap_and_keeps_crawlers_out_of_search_and_api(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200 and response.mimetype == "text/plain"
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0] == "User-agent: *"
    assert "Disallow: /search" in lines and "Disallow: /api/" in lines
    assert "Sitemap: http://localhost/sitemap.xml" in lines


def test_opensearch_description_points_at_search_and_suggestions(client):
    response = client.get("/opensearch.xml")
    assert response.status_code == 200 and response.mimetype == "application/opensearchdescription+xml"
    root = parse(response)
    assert root.tag == f"{{{NS['os']}}}OpenSearchDescription"
    assert root.findtext("os:ShortName", namespaces=NS) == "Harbor Fibre"
    urls = {url.get("type"): url.get("template") for url in root.findall("os:Url", NS)}
    assert urls["text/html"] == "http://localhost/search?q={searchTerms}"
    assert urls["application/opensearchdescription+xml"] == "http://localhost/opensearch.xml"
    suggest = urls["application/x-suggestions+json"]
    assert suggest.startswith("http://localhost/") and "{searchTerms}" in suggest
    # The search template really searches.
    page = client.get(urls["text/html"].replace("http://localhost", "").replace("{searchTerms}", "restart"))
    assert page.status_code == 200 and "Restart your Harbor Hub" in page.get_data(as_text=True)


def test_opensearch_suggestions_use_the_suggestions_format(client):
    response = client.get("/opensearch/suggest?q=Rest")
    assert response.status_code == 200 and response.mimetype == "application/x-suggestions+json"
    query, titles, descriptions, urls = response.get_json()
    assert query == "Rest"
    assert "Restart your Harbor Hub" in titles
    assert descriptions == []
    assert urls[titles.index("Restart your Harbor Hub")] == "http://localhost/articles/restart-your-harbor-hub"


@pytest.mark.parametrize("query", ["", "*", "a" * 10_000, "%00", "%ff", "%ED%A0%80", "איפ", "<script>"])
def test_opensearch_suggestions_never_fail(client, query):
    response = client.get(f"/opensearch/suggest?q={query}")
    assert response.status_code == 200
    body = response.get_json()
    assert len(body) == 4 and len(body[1]) == len(body[3]) <= 8


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("Harbor Fibre Help Centre", "Harbor Fibre"),
        ("Help", "Help"),
        ("Supercalifragilisticexpialidocious", "Supercalifragili"),
    ],
)
def test_opensearch_short_name_fits_sixteen_characters(name, short):
    assert short_name(name) == short


# --- <head> ---------------------------------------------------------------------


def canonical(client, url: str) -> list[str]:
    return re.findall(r'<link rel="canonical" href="([^"]*)">', client.get(url).get_data(as_text=True))


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/", "http://localhost/"),
        ("/?utm_source=mail", "http://localhost/"),
        ("/articles/harbor-hub-lights?ref=x", "http://localhost/articles/harbor-hub-lights"),
        ("/categories/hub", "http://localhost/categories/hub"),
        ("/faq", "http://localhost/faq"),
        ("/glossary?lang=en", "http://localhost/glossary"),
        ("/troubleshoot/hub-light?a=orange", "http://localhost/troubleshoot/hub-light"),
        ("/search?q=restart+hub&page=2&type=faq", "http://localhost/search?q=restart+hub"),
        ("/search?q=%3Cscript%3E", "http://localhost/search?q=%3Cscript%3E"),
        ("/search", "http://localhost/search"),
    ],
)
def test_every_page_has_one_canonical_link(client, url, expected):
    assert canonical(client, url) == [expected]


def test_error_pages_have_no_canonical_link(client):
    assert canonical(client, "/articles/no-such-article") == []


def test_every_page_links_the_opensearch_description(client):
    for url in ("/", "/articles/harbor-hub-lights", "/search?q=hub", "/faq", "/no-such-page"):
        body = client.get(url).get_data(as_text=True)
        assert '<link rel="search" type="application/opensearchdescription+xml"' in body
        assert 'href="/opensearch.xml"' in body


def test_article_head_names_each_translation(client):
    head = client.get("/articles/reset-your-password-he").get_data(as_text=True).split("</head>")[0]
    alternates = re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', head)
    # Each version at its own language's address, the original first.
    assert alternates == [
        ("en", "http://localhost/articles/reset-your-password"),
        ("he", "http://localhost/he/articles/reset-your-password-he"),
        ("x-default", "http://localhost/articles/reset-your-password"),
    ]
    single = client.get("/articles/harbor-hub-lights").get_data(as_text=True).split("</head>")[0]
    assert 'rel="alternate"' not in single
