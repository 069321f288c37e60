"""Security headers on every kind of response, pages the CSP does not break,
and conditional GETs (ETag, Last-Modified, 304)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from itsdangerous.timed import TimestampSigner

from portal.build import build
from portal.security import CONTENT_SECURITY_POLICY

EXPECTED = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
PAGES = [
    "/",
    "/categories/hub",
    "/articles/reset-your-password",
    "/articles/reset-your-password-he",
    "/articles/restart-your-harbor-hub",
    "/articles/harbor-hub-lights",
    "/search?q=hub",
    "/search?q=nothing-matches-this",
    "/faq",
    "/glossary",
    "/troubleshoot",
    "/troubleshoot/hub-light",
    "/troubleshoot/hub-light?a=orange",
    "/no-such-page",
]


def assert_security_headers(response) -> None:
    for name, value in EXPECTED.items():
        assert response.headers.get(name) == value, name
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "camera=()" in response.headers["Permissions-Policy"]


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("GET", "/", 200),
        ("GET", "/articles/harbor-hub-lights", 200),
        ("GET", "/articles/forgot-password", 301),
        ("GET", "/no-such-page", 404),
        ("GET", "/search?q=%00%ff", 200),
        ("GET", "/api/search?q=hub", 200),
        ("GET", "/api/articles/no-such-article", 404),
        ("POST", "/api/search", 405),
        ("GET", "/api/openapi.json", 200),
        ("GET", "/sitemap.xml", 200),
        ("GET", "/robots.txt", 200),
        ("GET", "/opensearch.xml", 200),
        ("GET", "/static/site.css", 200),
    ],
)
def test_headers_on_pages_errors_api_and_files(client, method, url, status):
    with client.open(url, method=method) as response:  # closes the static file
        assert response.status_code == status
        assert_security_headers(response)


def test_headers_on_an_unexpected_error(app):
    def boom() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/boom", view_func=boom)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer as in production, not re-raise
    response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert_security_headers(response)


def test_csp_allows_nothing_inline():
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert directives["base-uri"] == "'self'" and directives["form-action"] == "'self'"
    assert directives["img-src"] == "'self' https: data:"
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY and "unsafe-eval" not in CONTENT_SECURITY_POLICY
    assert "*" not in CONTENT_SECURITY_POLICY


def test_hsts_only_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"] == "max-age=31536000"


class InlineFinder(HTMLParser):
    """Collects what a CSP without 'unsafe-inline' would block."""

    def __init__(self) -> None:
        super().__init__()
        self.blocked: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        if tag == "script" and not names.get("src"):
            self.blocked.append("<script> without src")
        if tag == "style":
            self.blocked.append("<style>")
        for name, value in attrs:
            if name == "style" or name.startswith("on"):
                self.blocked.append(f"<{tag} {name}=...>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.blocked.append(f"<{tag} {name}=javascript:...>")


def blocked_by_csp(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.blocked


def test_the_inline_finder_finds_what_csp_blocks():
    html = '<p style="x" onclick="y"><script>z()</script><style>p{}</style><a href="javascript:x">a</a>'
    assert len(blocked_by_csp(html)) == 5
    assert blocked_by_csp('<script src="/static/site.js" defer></script><link rel="stylesheet" href="/s.css">') == []


@pytest.mark.parametrize("url", PAGES)
def test_pages_need_nothing_inline(client, url):
    assert blocked_by_csp(client.get(url).get_data(as_text=True)) == []


def test_inline_html_in_an_article_never_reaches_the_page(client, content_dir, built, write):
    write(
        content_dir,
        "articles/hub/inline.md",
        """\
        ---
        title: Inline tricks
        category: hub
        summary: Raw HTML that a CSP would have to block.
        tags: [test]
        updated: 2026-01-01
        ---

        <p style="color: red" onclick="steal()">Styled</p>
        <script>alert(1)</script>
        <style>body { display: none }</style>
        <img src="x" onerror="alert(1)">
        <a href="javascript:alert(1)">click</a>
        """,
    )
    assert not build(content_dir, built).failed
    response = client.get("/articles/inline")
    assert response.status_code == 200 and "Styled" in response.get_data(as_text=True)
    assert blocked_by_csp(response.get_data(as_text=True)) == []


# --- caching ----------------------------------------------------------------------

ARTICLE = "/articles/restart-your-harbor-hub"


def test_article_pages_are_cacheable(client):
    response = client.get(ARTICLE)
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"] == "Wed, 19 Aug 2026 00:00:00 GMT"
    assert response.cache_control.max_age == 300
    # Public, unless the page carries the visitor's CSRF token (the vote form),
    # which portal.csrf makes private.
    assert response.cache_control.public or response.cache_control.private


def test_a_page_keeps_its_csrf_token_and_etag_from_one_render_to_the_next(client, monkeypatch):
    """Flask-WTF signs a fresh token with the time on every render; the portal
    keeps the session's first one, so the page stays the same page (one ETag,
    a 304 for the browser's copy) and the token in that copy still works."""
    ticks = iter(range(1_900_000_000, 1_900_001_000, 60))
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: next(ticks))
    first = client.get(ARTICLE)
    second = client.get(ARTICLE)
    tokens = [re.findall(r'name="csrf_token" value="([^"]+)"', r.get_data(as_text=True)) for r in (first, second)]
    assert tokens[0] and tokens[0] == tokens[1]
    assert first.headers["ETag"] == second.headers["ETag"]
    assert client.get(ARTICLE, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


@pytest.mark.parametrize("url", ["/", "/categories/account", "/glossary", "/troubleshoot", "/api/openapi.json"])
def test_pages_without_anything_personal_stay_shareable(client, url):
    """Only a page carrying the visitor's own token or cookie is private: the
    rest may be kept by shared caches, and do not vary by cookie."""
    response = client.get(url, headers={"User-Agent": "Mozilla/5.0"})
    assert response.status_code == 200
    assert not response.cache_control.private
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers


def test_a_page_with_the_visitors_token_is_private(client):
    response = client.get(ARTICLE, headers={"User-Agent": "Mozilla/5.0"})
    assert 'name="csrf_token"' in response.get_data(as_text=True)
    assert response.cache_control.private and not response.cache_control.public


def test_conditional_get_gives_304_with_the_same_etag(client):
    etag = client.get(ARTICLE).headers["ETag"]
    again = client.get(ARTICLE, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == etag
    assert_security_headers(again)


def test_if_modified_since_gives_304(client):
    last_modified = client.get(ARTICLE).headers["Last-Modified"]
    assert client.get(ARTICLE, headers={"If-Modified-Since": last_modified}).status_code == 304
    assert client.get(ARTICLE, headers={"If-Modified-Since": "Tue, 18 Aug 2026 00:00:00 GMT"}).status_code == 200


def test_post_dated_articles_are_not_last_modified_in_the_future(client, content_dir, built, write):
    write(
        content_dir,
        "articles/hub/future.md",
        """\
        ---
        title: From the future
        category: hub
        summary: Post-dated.
        tags: [test]
        updated: 2999-01-01
        ---

        Not yet.
        """,
    )
    assert not build(content_dir, built).failed
    response = client.get("/articles/future")
    assert response.last_modified is not None and response.last_modified.year < 2999


def test_a_rebuild_that_changes_the_article_changes_its_etag(client, content_dir, built):
    first = client.get(ARTICLE)
    other = client.get("/articles/harbor-hub-lights")
    path = content_dir / "articles/hub/restart-your-harbor-hub.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nA new paragraph.\n", encoding="utf-8")
    assert not build(content_dir, built).failed

    changed = client.get(ARTICLE, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and "A new paragraph." in changed.get_data(as_text=True)
    assert changed.headers["ETag"] != first.headers["ETag"]
    # A page the rebuild left alone keeps its ETag, so browsers keep their copy.
    unchanged = client.get("/articles/harbor-hub-lights", headers={"If-None-Match": other.headers["ETag"]})
    assert unchanged.status_code == 304


@pytest.mark.parametrize("url", ["/categories/hub", "/faq", "/glossary", "/glossary?lang=en"])
def test_category_faq_and_glossary_answer_conditional_gets(client, url):
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"]
    assert first.cache_control.no_cache  # stored, but revalidated on every use
    assert client.get(url, headers={"If-None-Match": first.headers["ETag"]}).status_code == 304


def test_redirects_and_errors_are_not_given_etags(client):
    assert "ETag" not in client.get("/articles/forgot-password").headers
    assert "ETag" not in client.get("/articles/no-such-article").headers
