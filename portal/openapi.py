"""The OpenAPI 3.1 description of the JSON API, kept as data in one place.

``/api/openapi.json`` serves :data:`DOCUMENT` (with the site's address added as
its server). The tests validate every real API response against the schemas
here and check that every ``/api/`` route is described, so the document cannot
drift from the code: change a response and the tests say which schema to change.

Response objects are closed (``additionalProperties: false``) on purpose: a new
field must be documented before it ships.
"""

from __future__ import annotations

from typing import Any

from portal.i18n import DEFAULT as DEFAULT_LANG
from portal.i18n import LANGUAGES
from portal.models import BODY_LENGTH, EMAIL_LENGTH, NAME_LENGTH, SUBJECT_LENGTH, TICKET_STATUSES
from portal.search.engine import TYPES
from portal.tickets.forms import ACCOUNT_LENGTH, MAX_REQUEST_BYTES, PRODUCTS
from portal.tickets.reference import ALPHABET

VERSION = "1.0.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return _json(_ref("Error"), description)


def _closed(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    """An object with exactly these properties, all required."""
    schema: dict[str, Any] = {
        "type": "object",
        "required": list(properties),
        "properties": properties,
        "additionalProperties": False,
    }
    if description:
        schema["description"] = description
    return schema


_STRING = {"type": "string"}
_PATH = {"type": "string", "format": "uri-reference", "description": "A path on this site, such as /articles/<slug>."}
_LANG = {"type": "string", "description": "Language code of the content, such as en, he or fa."}

SCHEMAS: dict[str, Any] = {
    "Error": _closed(
        {
            "ok": {"const": False},
            "status": {"type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status, repeated."},
            "error": {"type": "string", "description": "A message that can be shown to a person."},
        },
        "Every error from /api/ has this shape, whatever the status.",
    ),
    "SearchResult": _closed(
        {
            "type": {"enum": list(TYPES)},
            "title": _STRING,
            "url": _PATH,
            "snippet": {
                "type": "string",
                "description": "HTML-escaped text around the matched words, which are wrapped in <mark>.",
            },
            "score": {
                "type": "number",
                "description": "Relevance; higher is better. Only comparable within one query.",
            },
            "lang": _LANG,
            "category": {"type": "string", "description": "Category slug; empty for glossary terms."},
        }
    ),
    "SearchResponse": _closed(
        {
            "total": {"type": "integer", "minimum": 0, "description": "Results for the query, on all pages."},
            "page": {"type": "integer", "minimum": 1},
            "pages": {"type": "integer", "minimum": 1},
            "partial": {
                "type": "boolean",
                "description": "True when nothing matched every word and these results match some of them.",
            },
            "query": {"type": "string", "description": "The query as it was understood (cleaned and bounded)."},
            "results": {"type": "array", "items": _ref("SearchResult")},
            "did_you_mean": {
                "type": ["string", "null"],
                "description": "A corrected query to offer when words look misspelt, else null.",
            },
        }
    ),
    "Suggestion": _closed({"title": _STRING, "url": _PATH, "type": {"enum": list(TYPES)}, "lang": _LANG}),
    "SuggestResponse": _closed({"suggestions": {"type": "array", "maxItems": 8, "items": _ref("Suggestion")}}),
    "ArticleLink": _closed({"slug": _STRING, "title": _STRING, "url": _PATH}),
    "Translation": _closed({"lang": _LANG, "slug": _STRING, "url": _PATH}),
    "Heading": _closed(
        {
            "level": {"type": "integer", "minimum": 1, "maximum": 6},
            "id": {"type": "string", "description": "The heading's anchor: url#id links to it."},
            "text": _STRING,
        }
    ),
    "Article": _closed(
        {
            "slug": _STRING,
            "title": _STRING,
            "summary": _STRING,
            "category": {"type": "string", "description": "Category slug."},
            "tags": {"type": "array", "items": _STRING},
            "lang": _LANG,
            "updated": {"type": "string", "format": "date", "description": "When the content last changed."},
            "url": _PATH,
            "html": {"type": "string", "description": "The rendered, sanitised body (without the title)."},
            "headings": {"type": "array", "items": _ref("Heading")},
            "translations": {
                "type": "array",
                "items": _ref("Translation"),
                "description": "The article in other languages (not including this one).",
            },
            "related": {"type": "array", "items": _ref("ArticleLink")},
        }
    ),
}

_ERROR_PROPERTIES = SCHEMAS["Error"]["properties"]
_ONE_LINE = "One line: line breaks and control characters are refused."
SCHEMAS["TicketRequest"] = {
    "type": "object",
    "description": "What the customer tells us; validated exactly as the web form at /tickets/new.",
    "required": ["name", "email", "category", "subject", "description"],
    "additionalProperties": False,
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": NAME_LENGTH, "description": _ONE_LINE},
        "email": {"type": "string", "format": "email", "maxLength": EMAIL_LENGTH, "description": "Where replies go."},
        "category": {"type": "string", "description": "A category slug of the help center, such as billing."},
        "subject": {"type": "string", "minLength": 1, "maxLength": SUBJECT_LENGTH, "description": _ONE_LINE},
        "description": {
            "type": "string",
            "minLength": 1,
            "maxLength": BODY_LENGTH,
            "description": "What is happening, in the customer's words; line breaks are kept.",
        },
        "product": {"enum": ["", *PRODUCTS], "default": ""},
        "account_number": {"type": "string", "maxLength": ACCOUNT_LENGTH, "default": ""},
        "lang": {
            "enum": list(LANGUAGES),
            "default": DEFAULT_LANG,
            "description": (
                "The customer's language: the acknowledgement and every later email about the ticket are "
                "written in it, and status_url opens the customer's page in it."
            ),
        },
    },
}
SCHEMAS["TicketCreated"] = _closed(
    {
        "reference": {
            "type": "string",
            "pattern": f"^[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}$",
            "description": "What the customer quotes by phone, mail or web; the last character is a check character.",
        },
        "status": {"enum": list(TICKET_STATUSES)},
        "first_response_due": {
            "type": "string",
            "format": "date-time",
            "description": "When a person will have answered, from the SLA of the ticket's priority (UTC).",
        },
        "status_url": {
            "type": "string",
            "format": "uri",
            "description": "Where the customer follows the ticket: a signed link, in the ticket's language.",
        },
    }
)
SCHEMAS["ValidationError"] = _closed(
    {
        **_ERROR_PROPERTIES,
        "fields": {
            "type": "object",
            "description": "For each field that needs attention, messages that can be shown to a person.",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
    "The Error shape, with the fields that need attention.",
)

_NOT_BUILT = _error("The help center has not been built yet.")
_OTHER = _error("Any other error, in the same shape.")

PATHS: dict[str, Any] = {
    "/api/search": {
        "get": {
            "operationId": "search",
            "summary": "Search articles, FAQ entries, glossary terms and troubleshooters",
            "description": (
                "Words must all match (when none has them all, results with some are returned and "
                '`partial` is true); "exact phrases", -word to exclude and OR between two terms work. '
                "Anything else is plain text: any input gives results or an empty list, never an error."
            ),
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "description": "The query; at most 200 characters and 12 terms are used.",
                    "schema": {"type": "string"},
                },
                {
                    "name": "type",
                    "in": "query",
                    "description": "Only these kinds of result; repeat for several. Unknown values are ignored.",
                    "schema": {"type": "array", "items": {"enum": list(TYPES)}},
                    "style": "form",
                    "explode": True,
                },
                {
                    "name": "category",
                    "in": "query",
                    "description": "Only results in this category (slug). Unknown categories are ignored.",
                    "schema": {"type": "string"},
                },
                {
                    "name": "lang",
                    "in": "query",
                    "description": "Only results in this language.",
                    "schema": {"type": "string"},
                },
                {
                    "name": "page",
                    "in": "query",
                    "description": "Page of 10 results. Out-of-range numbers are clamped; anything else means 1.",
                    "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 1},
                },
            ],
            "responses": {
                "200": _json(_ref("SearchResponse"), "One page of results."),
                "503": _NOT_BUILT,
                "default": _OTHER,
            },
        }
    },
    "/api/suggest": {
        "get": {
            "operationId": "suggest",
            "summary": "Titles that start with (or have a word starting with) what was typed",
            "parameters": [
                {
                    "name": "q",
                    "in": "query",
                    "description": "What has been typed so far.",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": _json(_ref("SuggestResponse"), "At most 8 suggestions."),
                "503": _NOT_BUILT,
                "default": _OTHER,
            },
        }
    },
    "/api/articles/{slug}": {
        "get": {
            "operationId": "getArticle",
            "summary": "One article, rendered",
            "parameters": [
                {
                    "name": "slug",
                    "in": "path",
                    "required": True,
                    "description": "The article's slug, or one of its old slugs.",
                    "schema": {"type": "string"},
                }
            ],
            "responses": {
                "200": {
                    **_json(_ref("Article"), "The article."),
                    "headers": {
                        "ETag": {"schema": {"type": "string"}},
                        "Last-Modified": {"schema": {"type": "string"}},
                    },
                },
                "301": {
                    "description": "An old slug: the article now lives at the Location given.",
                    "headers": {"Location": {"schema": {"type": "string"}, "required": True}},
                },
                "304": {"description": "Not modified since the ETag or date sent."},
                "404": _error("No article has this slug."),
                "503": _NOT_BUILT,
                "default": _OTHER,
            },
        }
    },
    "/api/tickets": {
        "post": {
            "operationId": "createTicket",
            "summary": "Open a ticket for a customer",
            "description": (
                "For the company's app and chat widgets. The customer is emailed an acknowledgement with the "
                "reference, as from the web form. Limited per client like the form (PORTAL_TICKET_RATE_LIMIT)."
            ),
            "security": [{"apiKey": []}],
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "description": (
                        "Any unique string (1 to 255 visible ASCII characters), such as a UUID, to make retries safe: "
                        "the same key with the same API key gives the ticket it opened first, with 200."
                    ),
                    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
                }
            ],
            "requestBody": {"required": True, "content": {"application/json": {"schema": _ref("TicketRequest")}}},
            "responses": {
                "201": _json(_ref("TicketCreated"), "The ticket was opened."),
                "200": _json(_ref("TicketCreated"), "A repeated Idempotency-Key: the ticket it opened."),
                "400": _error("The body is not a JSON object, or the Idempotency-Key is malformed."),
                "401": {
                    **_error("No API key, or a key this site does not know."),
                    "headers": {"WWW-Authenticate": {"schema": {"type": "string"}, "required": True}},
                },
                "404": _error("Opening tickets by API is not enabled on this site (no API keys configured)."),
                "413": _error(f"The body is larger than {MAX_REQUEST_BYTES // 1024} KiB."),
                "422": _json(
                    _ref("ValidationError"),
                    "Fields need attention (messages per field), or the Idempotency-Key was used for another ticket.",
                ),
                "429": _error("Too many tickets from this client in a short time."),
                "503": _error("Not built yet, or the ticket could not be stored just now: retry with the same key."),
                "default": _OTHER,
            },
        }
    },
    "/api/openapi.json": {
        "get": {
            "operationId": "openapi",
            "summary": "This document",
            "responses": {"200": _json({"type": "object"}, "The OpenAPI 3.1 description of this API.")},
        }
    },
}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Help center API",
        "version": VERSION,
        "description": (
            "JSON for the help center: search, title suggestions and articles (read-only), and opening "
            "tickets (with an API key). Errors from any /api/ URL share one shape (Error)."
        ),
        "license": {"name": "MIT", "identifier": "MIT"},
    },
    "paths": PATHS,
    "components": {
        "schemas": SCHEMAS,
        "securitySchemes": {
            "apiKey": {
                "type": "http",
                "scheme": "bearer",
                "description": "One of the keys the operator set in PORTAL_API_KEYS: Authorization: Bearer <key>.",
            }
        },
    },
}


def document(server_url: str) -> dict[str, Any]:
    """The document with ``server_url`` (the site's address) as its server."""
    return {**DOCUMENT, "servers": [{"url": server_url}]}
