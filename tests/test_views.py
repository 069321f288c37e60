"""Every page of the reader portal, through the Flask test client."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from portal.build import build


def assert_friendly_error(response, status: int) -> None:
    """An error answers in the site's layout (HTML) or as the one JSON error shape."""
    assert response.status_code == status
    if response.mimetype == "application/json":
        assert response.get_json() == {"ok": False, "status": status, "error": response.get_json()["error"]}
    else:
        body = response.get_data(as_text=True)
        assert 'role="search"' in body  # the layout, with its search box
        assert "Traceback" not in body


def test_home_shows_search_categories_faq_and_trees(client):
    body = client.get("/").get_data(as_text=True)
    assert "How can we help?" in body
    assert 'name="q"' in body
    assert "Account &amp; sign-in" in body and "Harbor Hub &amp; Mesh" in body
    assert "How do I reset my password?" in body  # pinned FAQ entry
    assert "Fix your Hub light" in body
    assert "Contact support" in body


def test_category_lists_its_articles_in_authored_order(client):
    body = client.get("/categories/hub").get_data(as_text=True)
    lights = body.index("What the lights on your Harbor Hub mean")
    restart = body.index("Restart your Harbor Hub")
    assert lights < restart  # file order within the folder
    assert "White is fine, orange means no signal" in body


def test_article_page_renders_markdown_and_context(client):
    body = client.get("/articles/harbor-hub-lights").get_data(as_text=True)
    assert "<h1>What the lights on your Harbor Hub mean</h1>" in body
    assert '<h2 id="light-colours">' in body
    assert "<table>" in body and '<figcaption>Ping the Hub</figcaption>' in body
    # Links written against an alias resolve to the current slug at build time.
    assert 'href="/articles/restart-your-harbor-hub"' in body
    # Glossary terms link to their definition, once.
    assert body.count('href="/glossary#harbor-hub"') == 1
    assert 'href="/categories/hub"' in body  # breadcrumb


def test_article_lists_translations_with_hreflang(client):
    body = client.get("/articles/reset-your-password").get_data(as_text=True)
    assert 'hreflang="he"' in body and "/articles/reset-your-password-he" in body
    hebrew = client.get("/articles/reset-your-password-he").get_data(as_text=True)
    assert 'lang="he" dir="rtl"' in hebrew


def test_old_slug_redirects_permanently(client):
    response = client.get("/articles/forgot-password")
    assert response.status_code == 301
    assert response.headers["Location"].endswith("/articles/reset-your-password")


def test_missing_article_is_a_friendly_404_that_searches(client):
    response = client.get("/articles/restart-my-router")
    assert_friendly_error(response, 404)
    assert 'value="restart my router"' in response.get_data(as_text=True)


def test_search_finds_highlights_and_labels_types(client):
    body = client.get("/search?q=restart+hub").get_data(as_text=True)
    assert "Restart your Harbor Hub" in body
    assert "<mark>" in body
    assert "result" in body


def test_search_without_results_offers_other_ways(client):
    body = client.get("/search?q=xylophone").get_data(as_text=True)
    assert "Nothing found" in body
    assert "/troubleshoot/hub-light" in body
    assert "Contact support" in body


def test_search_filters_by_type(client):
    data = client.get("/api/search?q=password&type=faq").get_json()
    assert data["total"] >= 1
    assert {r["type"] for r in data["results"]} == {"faq"}


HOSTILE = [
    '"unbalanced', "*", "pass*", "word~5", "title:secret", "[a TO z]", "(" * 1000 + "x",
    "a" * 10_000, "reset\x00password\x07", "\ud800", "\u202ereset\u202c", "איפוס password", "NOT",
    "OR OR OR", "-", "-password", "' OR 1=1 --", "<script>alert(1)</script>",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_search_input_never_errors(client, query):
    # Percent-encode as a hostile client would send it: a lone surrogate becomes
    # bytes that are not valid UTF-8.
    q = quote(query, safe="", errors="surrogatepass")
    html = client.get(f"/search?q={q}")
    assert html.status_code == 200
    assert "<script>alert" not in html.get_data(as_text=True)
    api = client.get(f"/api/search?q={q}")
    assert api.status_code == 200 and api.is_json


@pytest.mark.parametrize("page", ["-1", "0", str(10**18), "1e3", "abc", "", "%00"])
def test_any_page_number_clamps_to_a_real_page(client, page):
    data = client.get(f"/api/search?q=hub&page={page}").get_json()
    assert data["page"] == 1 and data["total"] >= 1
    assert client.get(f"/search?q=hub&page={page}").status_code == 200


def test_search_api_shape(client):
    data = client.get("/api/search?q=hub+light").get_json()
    assert set(data) >= {"total", "page", "results", "did_you_mean"}
    result = data["results"][0]
    assert set(result) == {"type", "title", "url", "snippet", "score", "lang", "category"}


def test_suggestions_answer_title_prefixes(client):
    titles = [s["title"] for s in client.get("/api/suggest?q=rest").get_json()["suggestions"]]
    assert "Restart your Harbor Hub" in titles
    assert client.get("/api/suggest?q=%00").get_json() == {"suggestions": []}


def test_faq_glossary_and_troubleshooters(client):
    faq = client.get("/faq").get_data(as_text=True)
    assert 'id="how-do-i-reset-my-password"' in faq
    glossary = client.get("/glossary").get_data(as_text=True)
    assert 'id="harbor-hub"' in glossary and "Also called: Hub, router" in glossary
    trees = client.get("/troubleshoot").get_data(as_text=True)
    assert "/troubleshoot/hub-light" in trees


def test_tree_walk_state_lives_in_the_url(client):
    start = client.get("/troubleshoot/hub-light").get_data(as_text=True)
    assert "What colour is the light" in start
    solution = client.get("/troubleshoot/hub-light?a=orange").get_data(as_text=True)
    assert "Restart the Hub and wait three minutes." in solution
    assert "Did this solve it?" in solution
    escalated = client.get("/troubleshoot/hub-light?a=orange.not-solved").get_data(as_text=True)
    assert "take it from here" in escalated


def test_stale_tree_url_lands_on_last_valid_step(client):
    body = client.get("/troubleshoot/hub-light?a=green.blue").get_data(as_text=True)
    assert "has changed since that link was made" in body
    assert "What colour is the light" in body


@pytest.mark.parametrize("url", ["/categories/nope", "/troubleshoot/nope", "/articles/%00", "/articles/" + "x" * 5000])
def test_unknown_things_are_404(client, url):
    assert_friendly_error(client.get(url), 404)


def test_api_errors_are_json(client):
    assert_friendly_error(client.get("/api/nothing"), 404)


def test_unbuilt_site_answers_503_in_layout(tmp_path):
    from portal import create_app

    app = create_app({"TESTING": True, "INDEX_DIR": tmp_path / "empty", "INSTANCE_DIR": tmp_path / "i"})
    response = app.test_client().get("/")
    assert response.status_code == 503
    assert "being set up" in response.get_data(as_text=True)


def test_site_picks_up_a_new_build_without_restart(client, content_dir, built):
    assert client.get("/articles/new-article").status_code == 404
    (content_dir / "articles/hub/new-article.md").write_text(
        "---\ntitle: Brand new article\ncategory: hub\nsummary: New.\ntags: [new]\nupdated: 2026-11-01\n---\n\n"
        "Fresh words.\n",
        encoding="utf-8",
    )
    assert not build(content_dir, built).failed
    assert client.get("/articles/new-article").status_code == 200
    assert "Brand new article" in json.dumps(client.get("/api/search?q=fresh").get_json())


def test_static_assets_are_fingerprinted_and_cached(client):
    body = client.get("/").get_data(as_text=True)
    href = body.split('rel="stylesheet" href="')[1].split('"')[0]
    assert "?v=" in href
    response = client.get(href)
    response.close()
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
