"""The JSON API beside search: one article, opening a ticket, and the OpenAPI
document describing the whole API (``portal/openapi.py``). Errors come from
``portal.errors`` in the one JSON shape, because every URL here starts with /api/."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from flask import Blueprint, abort, current_app, jsonify, redirect, request, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from portal import db, openapi
from portal.caching import ARTICLE_MAX_AGE, conditional
from portal.catalog import ArticlePage, Catalog
from portal.csrf import csrf
from portal.models import Ticket
from portal.published import current
from portal.ratelimit import limiter
from portal.tickets import forms, links, service, sla
from portal.views.meta import site_root
from portal.views.tickets import categories, scoped_submission, ticket_rate_limit, utcnow

bp = Blueprint("api", __name__)


def article_json(page: ArticlePage, catalog: Catalog) -> dict[str, Any]:
    """The ``Article`` schema of the OpenAPI document."""
    return {
        "slug": page.slug,
        "title": page.title,
        "summary": page.summary,
        "category": page.category,
        "tags": list(page.tags),
        "lang": page.lang,
        "updated": page.updated.isoformat(),
        "url": page.url,
        "html": page.html,
        "headings": [{"level": h["level"], "id": h["id"], "text": h["text"]} for h in page.headings],
        "translations": [
            {"lang": t.lang, "slug": t.slug, "url": t.url} for t in catalog.translations(page) if t.slug != page.slug
        ],
        "related": [{"slug": r.slug, "title": r.title, "url": r.url} for r in catalog.articles(list(page.related))],
    }


@bp.get("/api/articles/<slug>")
def article(slug: str) -> Response:
    """:raise 404: no article or old slug of that name. Old slugs redirect (301)
    to the API URL of the current slug."""
    catalog = current().catalog
    page = catalog.article(slug)
    if page is None:
        new = catalog.alias(slug)
        if new is None:
            abort(404)
        return redirect(url_for("api.article", slug=new), code=301)
    body = current_app.json.response(article_json(page, catalog))
    return conditional(body, last_modified=page.updated, max_age=ARTICLE_MAX_AGE)


@bp.get("/api/openapi.json")
def openapi_document() -> Response:
    # json.dumps rather than jsonify: keep the document's own key order
    # ("openapi", "info", "paths" …), which jsonify would sort.
    text = json.dumps(openapi.document(site_root()), ensure_ascii=False)
    return conditional(current_app.response_class(text, mimetype="application/json"))


# Opening a ticket -------------------------------------------------------------------

# RFC 9110 token-ish: what a client can put in a header without quoting.
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,255}")


def _api_key() -> str | None:
    """The configured key that the ``Authorization: Bearer`` token is, or
    ``None``. Every key is compared, each in constant time on its SHA-256, so
    the time taken says nothing about how much of a key was right."""
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        return None
    digest = hashlib.sha256(given.strip().encode("utf-8", "replace")).digest()
    found = None
    for key in current_app.config.get("API_KEYS") or ():
        if hmac.compare_digest(digest, hashlib.sha256(key.encode()).digest()):
            found = key
    return found


def _error(status: int, message: str, fields: dict[str, list[str]] | None = None, **headers: str) -> Response:
    """The one error shape; ``fields`` (messages per field) on a 422.

    Messages here, and the field messages of :func:`portal.tickets.forms.check_payload`,
    stay English on purpose: programs read them, log them and match on them, so
    they are not marked for translation and do not follow any request language.
    """
    body: dict[str, Any] = {"ok": False, "status": status, "error": message}
    if fields is not None:
        body["fields"] = fields
    response = jsonify(body)
    response.status_code = status
    response.headers.update({name.replace("_", "-"): value for name, value in headers.items()})
    return response


def ticket_json(ticket: Ticket) -> dict[str, Any]:
    """The ``TicketCreated`` schema of the OpenAPI document. ``status_url`` is
    the signed link of the acknowledgement email, in the ticket's language."""
    return {
        "reference": ticket.reference,
        "status": ticket.status,
        "first_response_due": ticket.first_response_due.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status_url": links.ticket_link(ticket),
    }


def _same_request(ticket: Ticket, draft: service.Draft) -> bool:
    return (ticket.name, ticket.email, ticket.category, ticket.subject) == (
        draft.name,
        draft.email,
        draft.category,
        draft.subject,
    )


@bp.post("/api/tickets")
@csrf.exempt  # no cookies here: the API key is the credential
@limiter.limit(ticket_rate_limit)
def create_ticket() -> Response:
    """Open a ticket for the company's app or chat widget, validated exactly as
    the web form is. ``Idempotency-Key`` makes a retry safe: the same key gives
    the same ticket (200) instead of a second one.

    :raise 404: no ``API_KEYS`` configured (ticket creation by API is off).
    """
    if not current_app.config.get("API_KEYS"):
        abort(404)
    key = _api_key()
    if key is None:
        return _error(
            401, "Send a valid API key as Authorization: Bearer <key>.", WWW_Authenticate='Bearer realm="tickets"'
        )
    idempotency = request.headers.get("Idempotency-Key")
    if idempotency is not None and not _IDEMPOTENCY_KEY.fullmatch(idempotency):
        return _error(400, "Idempotency-Key must be 1 to 255 visible ASCII characters.")
    request.max_content_length = forms.MAX_REQUEST_BYTES  # a larger body is refused unread (413)
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return _error(400, "Send the ticket as a JSON object, with Content-Type: application/json.")
    checked = forms.check_payload(payload, categories())
    if checked.errors:
        return _error(422, "Some fields need attention.", dict(checked.errors))
    client = hashlib.sha256(key.encode()).hexdigest()[:16]  # keys never share each other's idempotency keys
    draft = service.Draft(**checked.values, channel="api", submission=scoped_submission(f"api:{client}", idempotency))
    session = db.session()
    try:
        opened = service.open_ticket(session, draft, sla.current(), utcnow())
        if not opened.created and not _same_request(opened.ticket, draft):
            session.rollback()
            return _error(422, "This Idempotency-Key was already used for a different ticket.", {})
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        current_app.logger.exception("api: could not store a ticket")
        return _error(
            503,
            "The ticket could not be stored just now. Send it again with the same Idempotency-Key.",
            Retry_After="5",
        )
    response = jsonify(ticket_json(opened.ticket))
    response.status_code = 201 if opened.created else 200
    response.headers["Cache-Control"] = "no-store"
    return response
