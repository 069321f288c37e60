"""Beacons the pages send about what a visitor did, for the insights.

``POST /events/open``: a search result was opened. ``site.js`` sends it with
``navigator.sendBeacon`` when a result link is followed, so the click never
waits for it. It carries no CSRF token (the search page is cacheable and has
none); instead only same-origin posts are taken (``Sec-Fetch-Site`` or
``Origin``), every field is bounded, and the client is rate limited. At worst a
forged beacon marks a search as opened.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, request

from portal import i18n
from portal.csrf import csrf
from portal.insights import events
from portal.published import current
from portal.ratelimit import limiter
from portal.search.query import clean_text
from portal.views.helpers import categories_by_slug

bp = Blueprint("events", __name__)
OPEN_LIMIT = "60 per minute"
MAX_RANK = 1000  # 100 pages of 10 results
PATH_LENGTH = 200


def same_origin() -> bool:
    """Whether the browser says this request came from one of our own pages."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site == "same-origin"
    origin = request.headers.get("Origin")
    return origin is not None and origin.rstrip("/") == request.host_url.rstrip("/")


def opened_path(raw: str) -> str | None:
    """The path of an opened result (``/articles/x``), or None for anything that
    is not a path on this site."""
    if not raw.startswith("/") or raw.startswith("//") or len(raw) > PATH_LENGTH * 4:
        return None
    path = urlsplit(raw).path
    return path[:PATH_LENGTH] if path else None


def rank_of(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and 1 <= int(raw) <= MAX_RANK else None


@bp.post("/events/open")
@csrf.exempt  # see the module docstring
@limiter.limit(OPEN_LIMIT)
def opened() -> tuple[str, int]:
    """Record that result ``rank`` (from 1) of the search ``q`` was opened.

    :raise 403: not from one of our pages. :raise 400: a field missing or out of bounds.
    """
    if not same_origin():
        abort(403)
    form = request.form
    query = clean_text(form.get("q", ""))
    rank, path = rank_of(form.get("rank", "")), opened_path(form.get("url", ""))
    if not query or rank is None or path is None:
        abort(400)
    category = form.get("category", "")
    if category not in categories_by_slug(current()):
        category = ""
    events.record("open", events.query_key(query), path, rank, i18n.current_lang(), category)
    return "", 204
