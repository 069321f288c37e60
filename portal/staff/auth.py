"""Staff sign-in sessions, kept on the server so that any of them can be ended.

A signed cookie alone cannot be taken back: whoever holds a copy stays signed
in until it expires. Here the cookie (:data:`COOKIE`) holds a random token and
the database a :class:`~portal.models.StaffSession` row with its SHA-256; the
row is the session. Logging out deletes it; a password change or a disabled
account deletes all of that agent's rows (:func:`portal.staff.accounts.end_sessions`).

Every sign-in issues a new token, so a token planted in a browser before
sign-in (session fixation) never becomes a signed-in one. A session ends after
:data:`IDLE_TIMEOUT` without a request and after :data:`LIFETIME` in any case.
``last_seen`` is written at most once per :data:`TOUCH_EVERY`, so browsing the
desk does not turn every page view into a database write.

The cookie is HttpOnly, SameSite=Strict (another site cannot make the browser
send it), limited to ``/staff`` (the public pages never see it) and Secure when
the desk is served over HTTPS. The desk also answers in Hebrew and Persian
(``/he/staff``, ``/fa/staff``): the same cookie is set for each language's
desk path (:data:`COOKIE_PATHS`), so an agent signs in once for all of them.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import secrets
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode, urlsplit

from flask import abort, g, redirect, request, url_for
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from portal import db, i18n
from portal.models import Staff, StaffSession

COOKIE = "portal_staff"
COOKIE_PATH = "/staff"
# The desk in every interface language: /staff, /he/staff, /fa/staff.
COOKIE_PATHS = tuple(i18n.prefix(lang) + COOKIE_PATH for lang in i18n.LANGUAGES)
IDLE_TIMEOUT = dt.timedelta(hours=8)  # a working day, with lunch
LIFETIME = dt.timedelta(days=7)  # then sign in again, whatever
TOUCH_EVERY = dt.timedelta(minutes=1)
TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)

F = TypeVar("F", bound=Callable[..., Any])


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def expired(row: StaffSession, now: dt.datetime) -> bool:
    """Idle too long, or too old whatever its use."""
    return now - row.last_seen > IDLE_TIMEOUT or now - row.created > LIFETIME


def start(session: Session, staff: Staff, now: dt.datetime) -> str:
    """A new session for ``staff``; returns the token for the cookie (the row
    keeps only its hash). The agent's expired sessions are swept away."""
    session.execute(
        delete(StaffSession).where(
            StaffSession.staff_id == staff.id,
            (StaffSession.last_seen < now - IDLE_TIMEOUT) | (StaffSession.created < now - LIFETIME),
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(StaffSession(token_hash=token_hash(token), staff_id=staff.id, created=now, last_seen=now))
    return token


def end(session: Session, token: str) -> None:
    session.execute(delete(StaffSession).where(StaffSession.token_hash == token_hash(token)))


def lookup(session: Session, token: str) -> tuple[StaffSession, Staff] | None:
    """The session row and its active agent for a cookie's token, or ``None``."""
    if not token or len(token) > 2 * TOKEN_LENGTH:
        return None
    found = session.execute(
        select(StaffSession, Staff)
        .join(Staff, Staff.id == StaffSession.staff_id)
        .where(StaffSession.token_hash == token_hash(token), Staff.active.is_(True))
    ).first()
    return (found[0], found[1]) if found else None


# In a request -------------------------------------------------------------------


def load() -> Staff | None:
    """Who is signed in on this request (``g.staff``), checking the cookie once.

    An expired session's row is deleted; a live one has ``last_seen`` moved on
    when it is more than :data:`TOUCH_EVERY` old.
    """
    if "staff" in g:
        return g.staff
    g.staff = None
    token = request.cookies.get(COOKIE, "")
    found = lookup(db.reader(), token) if token else None
    if found is None:
        return None
    row, staff = found
    now = utcnow()
    if expired(row, now):
        writer = db.session()
        end(writer, token)
        writer.commit()
        return None
    if now - row.last_seen >= TOUCH_EVERY:
        writer = db.session()
        writer.execute(update(StaffSession).where(StaffSession.token_hash == row.token_hash).values(last_seen=now))
        writer.commit()
    g.staff = staff
    g.staff_token = token
    return staff


def set_cookie(response: Response, token: str) -> None:
    for path in COOKIE_PATHS:
        response.set_cookie(
            COOKIE,
            token,
            max_age=int(LIFETIME.total_seconds()),
            path=path,
            secure=request.is_secure,
            httponly=True,
            samesite="Strict",
        )


def clear_cookie(response: Response) -> None:
    for path in COOKIE_PATHS:
        response.delete_cookie(COOKIE, path=path, secure=request.is_secure, httponly=True, samesite="Strict")


def _on_desk(path: str) -> bool:
    return any(path == desk or path.startswith(desk + "/") for desk in COOKIE_PATHS)


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on the desk (in any language), never another site."""
    if not target or len(target) > 2000 or "\\" in target:
        return url_for("staff.queue")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not _on_desk(parts.path) or target.startswith("//"):
        return url_for("staff.queue")
    return target


def login_required(view: F) -> F:
    """Only for a signed-in agent. A page asked for without one redirects to
    the sign-in page (and back afterwards); a form posted without one is
    refused with 403, and nothing is changed."""

    @functools.wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        if load() is None:
            if request.method in ("GET", "HEAD"):
                query = request.query_string.decode("latin-1")
                here = i18n.prefix(i18n.current_lang()) + request.path + (f"?{query}" if query else "")
                return redirect(url_for("staff.login") + "?" + urlencode({"next": here}))
            abort(403)
        return view(*args, **kwargs)

    return wrapped  # type: ignore[return-value]
