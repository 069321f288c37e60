"""Anonymous visitors: one vote per visitor and one view per visitor per day,
without knowing who anyone is.

A visitor id is random, kept in a long-lived signed cookie (HttpOnly,
SameSite=Lax), and issued only when a page needs it (an article view, a vote).
Nothing stores the id itself: rows hold keyed hashes of it (HMAC-SHA256 under
the app's secret key, a different one per purpose), so a copy of the database
cannot be matched to anyone's cookie.

A request without the cookie (a first visit, or a client that refuses cookies)
is recognised for the day by an HMAC of its IP address, User-Agent and the date;
the address is used only as hash input and never stored. A visitor keeps that
day-long identity for view counting until the day after their cookie was
issued, so a first visit and the views after it count as one visitor.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets

from flask import Flask, Response, current_app, g, request
from itsdangerous import BadSignature, URLSafeSerializer

from portal.csrf import make_private

COOKIE = "portal_visitor"
MAX_AGE = 365 * 24 * 3600
# Crawlers would otherwise decide what is "popular"; a visitor whose browser
# says it is a bot is not counted.
_BOT = re.compile(r"bot|crawl|spider|slurp|preview|monitor|curl|wget|python-requests|httpx|headless", re.I)


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _key(purpose: str) -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, f"portal.visitors.{purpose}".encode(), hashlib.sha256).digest()


def _mac(purpose: str, *parts: str) -> bytes:
    return hmac.new(_key(purpose), "\0".join(parts).encode("utf-8", "replace"), hashlib.sha256).digest()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(str(current_app.config["SECRET_KEY"]), salt="portal.visitor")


def _from_cookie() -> tuple[str, int] | None:
    """(id, ordinal of the day it was issued) from a valid cookie, else None."""
    raw = request.cookies.get(COOKIE, "")
    if not raw or len(raw) > 200:
        return None
    try:
        value = _serializer().loads(raw)
    except BadSignature:
        return None
    if isinstance(value, list) and len(value) == 2 and isinstance(value[0], str) and isinstance(value[1], int):
        return value[0], value[1]
    return None


def _day_identity(day: dt.date | None = None) -> str:
    address = request.remote_addr or ""
    agent = request.headers.get("User-Agent", "")[:500]
    return _mac("day", address, agent, (day or today()).isoformat()).hex()


def visitor_id() -> str:
    """This visitor's id, issuing a new one (set on the response) when the request
    brought none."""
    if "portal_visitor" not in g:
        found = _from_cookie()
        if found is None:
            g.portal_new_visitor = [secrets.token_urlsafe(16), today().toordinal()]
            g.portal_visitor = g.portal_new_visitor[0]
        else:
            g.portal_visitor = found[0]
    return g.portal_visitor


def hashed(purpose: str) -> str:
    """What a stored row may hold about this visitor: 128 bits of a keyed hash of
    the visitor id, different for each ``purpose``."""
    return _mac(purpose, visitor_id()).hex()[:32]


def view_digest(kind: str, key: str, day: dt.date) -> int:
    """A signed 64-bit keyed hash of (day, item, visitor) for counting a view once
    per visitor per day. Uses the day-long identity until the cookie is a day old
    (see the module docstring)."""
    found = _from_cookie()
    if found is not None and found[1] < day.toordinal():
        identity = found[0]
    else:
        identity = _day_identity()
        visitor_id()  # issue the cookie now, for tomorrow's views and for votes
    digest = _mac("view", day.isoformat(), kind, key, identity)[:8]
    return int.from_bytes(digest, "big", signed=True)


def visit_hash(day: dt.date) -> str:
    """This visitor's visit on ``day``: 32 hex characters of a keyed hash of
    (visitor, day), for the insights events. Like :func:`view_digest`, it uses
    the day-long identity until the cookie is a day old, so a first visit and
    the pages after it are one visit; unlike it, it never issues a cookie (a
    first visit's search page stays cacheable)."""
    found = _from_cookie()
    identity = found[0] if found is not None and found[1] < day.toordinal() else _day_identity(day)
    return _mac("visit", day.isoformat(), identity).hex()[:32]


def is_bot() -> bool:
    return bool(_BOT.search(request.headers.get("User-Agent", "")))


def _set_cookie(response: Response) -> Response:
    new = g.pop("portal_new_visitor", None)
    if new is not None:
        make_private(response)  # a shared cache must not give the cookie to others
        response.set_cookie(
            COOKIE,
            _serializer().dumps(new),
            max_age=MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure,
        )
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_cookie)
