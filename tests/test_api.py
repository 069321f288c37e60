"""The JSON API: articles, and the OpenAPI document that every real response is
checked against, so the document cannot drift from the code."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate as validate_openapi
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from portal.openapi import DOCUMENT

URN = "urn:harbor-help:openapi"
REGISTRY = Registry().with_resource(URN, Resource.from_contents(DOCUMENT, default_specification=DRAFT202012))

HOSTILE = [
    '"unbalanced',
    "*",
    "pass*",
    "word~5",
    "title:secret",
    "[a TO z]",
    "(" * 1000 + "x",
    "a" * 10_000,
    "reset\x00password\x07",
    "\ud800",
    "\u202ereset\u202c",
    "איפוס password",
    "NOT",
    "OR OR OR",
    "-",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "",
    " ",
    "%",
    "\\",
    "{{7*7}}",
]


def _escape(part: str) -> str:
    return part.replace("~", "~0").replace("/", "~1")


def schema_errors(path: str, status: int | str, mimetype: str, body: object, method: str = "get") -> list[str]:
    """Where ``body`` breaks the document's schema for that response."""
    pointer = "/".join(_escape(p) for p in ("paths", path, method, "responses", str(status), "content", mimetype))
    validator = Draft202012Validator(
        {"$ref": f"{URN}#/{pointer}/schema"},
        registry=REGISTRY,
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    return [f"/{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(body)]


def assert_documented(response, path: str, method: str = "get") -> None:
    """The response's status is described for ``path`` (or falls under
    ``default``), with its headers, and its body matches the schema."""
    responses = DOCUMENT["paths"][path][method]["responses"]
    status = str(response.status_code)
    key = status if status in responses else "default"
    assert key in responses, f"{path} answered {status}, which the document does not describe"
    described = responses[key]
    for header, spec in described.get("headers", {}).items():
        if spec.get("required"):
            assert header in response.headers, f"{path} {status} lacks the {header} header"
    content = described.get("content")
    if content is None:
        assert not response.is_json, f"{path} {status} has a JSON body the document does not describe"
        return
    assert response.mimetype in content
    assert schema_errors(path, key, response.mimetype, response.get_json(), method) == []


def _q(text: str) -> str:
    # As a hostile client would send it: a lone surrogate becomes invalid UTF-8.
    return quote(text, safe="", errors="surrogatepass")


# --- the document ---------------------------------------------------------------


def test_openapi_document_is_valid_openapi_3_1(client):
    response = client.get("/api/openapi.json")
    assert response.status_code == 200 and response.is_json
    document = response.get_json()
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "http://localhost"}]
    validate_openapi(document)  # raises on any structural error
    assert_documented(response, "/api/openapi.json")


def test_every_api_route_is_described_and_nothing_else(app):
    routes = {
        rule.rule.replace("<", "{").replace(">", "}")
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/")
    }
    assert routes == set(DOCUMENT["paths"])


def test_search_parameters_are_described():
    params = {p["name"]: p for p in DOCUMENT["paths"]["/api/search"]["get"]["parameters"]}
    assert set(params) == {"q", "type", "category", "lang", "page"}
    assert params["type"]["schema"]["items"]["enum"] == ["article", "faq", "glossary", "tree"]
    assert params["type"]["explode"] is True  # repeatable: ?type=faq&type=article


def test_the_schemas_are_strict_enough_to_catch_drift(client):
    """A field added to a response without documenting it fails the check."""
    body = client.get("/api/search?q=hub").get_json()
    assert schema_errors("/api/search", 200, "application/json", body) == []
    body["results"][0]["new_field"] = 1
    del body["did_you_mean"]
    errors = schema_errors("/api/search", 200, "application/json", body)
    assert any("new_field" in e for e in errors) and any("did_you_mean" in e for e in errors)


# --- articles -------------------------------------------------------------------


def test_article_as_json(client):
    response = client.get("/api/articles/reset-your-password")
    assert_documented(response, "/api/articles/{slug}")
    article = response.get_json()
    assert article["title"] == "Reset your password"
    assert article["category"] == "account" and article["lang"] == "en"
    assert article["tags"] == ["password", "sign in", "login"]
    assert article["updated"] == "2026-10-02"
    assert article["url"] == "/articles/reset-your-password"
    assert [h["id"] for h in article["headings"]] == ["ask-for-a-reset-link", "still-stuck"]
    assert '<h2 id="ask-for-a-reset-link">' in article["html"]
    assert article["translations"] == [
        {"lang": "he", "slug": "reset-your-password-he", "url": "/articles/reset-your-password-he"}
    ]
    assert article["related"] == [
        {
            "slug": "restart-your-harbor-hub",
            "title": "Restart your Harbor Hub",
            "url": "/articles/restart-your-harbor-hub",
        }
    ]


def test_translation_lists_the_original(client):
    response = client.get("/api/articles/reset-your-password-he")
    assert_documented(response, "/api/articles/{slug}")
    assert [t["slug"] for t in response.get_json()["translations"]] == ["reset-your-password"]


def test_old_slug_redirects_to_the_api_url_of_the_current_one(client):
    response = client.get("/api/articles/forgot-password")
    assert response.status_code == 301
    assert response.headers["Location"] == "/api/articles/reset-your-password"
    assert_documented(response, "/api/articles/{slug}")
    assert client.get("/api/articles/forgot-password", follow_redirects=True).get_json()["slug"] == (
        "reset-your-password"
    )


@pytest.mark.parametrize("slug", ["no-such-article", "RESET-YOUR-PASSWORD", "%00", "..", "a" * 5000, "%D7%90", "%ff"])
def test_unknown_article_answers_the_json_404(client, slug):
    response = client.get(f"/api/articles/{slug}")
    assert response.status_code == 404
    assert response.get_json() == {"ok": False, "status": 404, "error": "We couldn't find that page."}
    assert_documented(response, "/api/articles/{slug}")


def test_article_json_is_cacheable(client):
    first = client.get("/api/articles/harbor-hub-lights")
    assert first.headers["ETag"] and first.headers["Last-Modified"] == "Tue, 01 Sep 2026 00:00:00 GMT"
    again = client.get("/api/articles/harbor-hub-lights", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304
    assert_documented(again, "/api/articles/{slug}")


# --- search and suggest, real responses against the document ---------------------


@pytest.mark.parametrize("query", HOSTILE)
def test_search_answers_hostile_input_as_documented(client, query):
    response = client.get(f"/api/search?q={_q(query)}")
    assert response.status_code == 200
    assert_documented(response, "/api/search")


@pytest.mark.parametrize(
    "args",
    [
        "q=hub",
        "q=hub&type=faq&type=article",
        "q=hub&type=tree",
        "q=hub&type=nonsense",
        "q=password&category=account",
        "q=password&category=no-such-category",
        "q=סיסמה&lang=he",
        "q=hub&lang=" + "x" * 500,
        "q=hub&page=-1",
        "q=hub&page=" + str(10**18),
        "q=hub&page=abc",
        "q=restart+hub",
        "q=%22restart+your%22",
        "q=hub+-restart",
        "q=router+OR+password",
        "q=zzzzqqq",
        "",
    ],
)
def test_search_responses_match_the_document(client, args):
    response = client.get(f"/api/search?{args}")
    assert response.status_code == 200
    assert_documented(response, "/api/search")


def test_search_filters_by_repeated_type(client):
    results = client.get("/api/search?q=hub&type=faq&type=tree").get_json()["results"]
    assert results and {r["type"] for r in results} <= {"faq", "tree"}


@pytest.mark.parametrize("query", ["re", "Rest", "hub", "איפ", "", "*", "a" * 10_000, "\ud800", "x\x00"])
def test_suggest_responses_match_the_document(client, query):
    response = client.get(f"/api/suggest?q={_q(query)}")
    assert response.status_code == 200
    assert_documented(response, "/api/suggest")


def test_unknown_api_url_is_a_described_error(client):
    response = client.get("/api/no-such-endpoint")
    assert response.get_json() == {"ok": False, "status": 404, "error": "We couldn't find that page."}
    assert schema_errors("/api/search", "default", "application/json", response.get_json()) == []
