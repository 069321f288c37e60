"""Signed links that open a ticket without retyping its reference and email.

The token names the ticket and a hash of its email address, signed with the
app's secret key (itsdangerous) and valid for :data:`MAX_AGE`. Changing the
ticket's email, or the secret key, invalidates every link.
"""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, has_request_context, request, url_for
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session

from portal import i18n
from portal.models import Ticket

MAX_AGE = 180 * 24 * 3600  # a link in an old email keeps working for half a year
_SALT = "portal.tickets.link"


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(str(current_app.config["SECRET_KEY"]), salt=_SALT)


def _email_tag(email: str) -> str:
    return hashlib.sha256(email.strip().casefold().encode()).hexdigest()[:16]


def token_for(ticket: Ticket) -> str:
    return _serializer().dumps([ticket.id, _email_tag(ticket.email)])


def ticket_from_token(session: Session, token: str) -> Ticket | None:
    """The ticket a valid, unexpired token names; ``None`` for anything else."""
    if not token or len(token) > 300:
        return None
    try:
        value = _serializer().loads(token, max_age=MAX_AGE)
    except BadSignature:
        return None
    if not (isinstance(value, list) and len(value) == 2 and isinstance(value[0], int)):
        return None
    ticket = session.get(Ticket, value[0])
    if ticket is None or _email_tag(ticket.email) != value[1]:
        return None
    return ticket


LOCAL_ROOT = "http://127.0.0.1:5000"  # where ``make run`` serves
_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})


def site_root() -> str:
    """``SITE_URL``: where emails send customers back to.

    Without it, the address of this request is trusted only when it is a
    loopback one (development). Anyone can send any ``Host`` header, and a
    ticket opened with a forged one would otherwise email its customer a
    genuine message that links to somebody else's site; so any other address
    gives :data:`LOCAL_ROOT` and a warning to set ``SITE_URL``.
    """
    configured = current_app.config.get("SITE_URL") or ""
    if configured:
        return configured.rstrip("/")
    if has_request_context():
        if (urlsplit(request.host_url).hostname or "") in _LOOPBACK:
            # The host alone: the paths added to it carry the mount point and
            # the language (a Hebrew page's own root ends in /he).
            return request.host_url.rstrip("/")
        current_app.logger.warning("PORTAL_SITE_URL is not set: links in emails point at %s", LOCAL_ROOT)
    return LOCAL_ROOT


def localized_path(lang: str, endpoint: str, **values: Any) -> str:
    """The path of ``endpoint`` in the interface language ``lang`` (with its
    prefix, ``/fa/…``, for any but English), whatever the current request's is."""
    lang = (lang or "").split("-")[0]
    if has_request_context():
        return i18n.url_in(lang, endpoint, **values)
    return i18n.prefix(lang) + url_for(endpoint, **values)


def ticket_link(ticket: Ticket) -> str:
    """The absolute URL of the customer's view of ``ticket``, signed, in the
    ticket's language (``/he/tickets/view/…``)."""
    return site_root() + localized_path(ticket.lang, "ticket_status.view", token=token_for(ticket))


def lookup_link(lang: str) -> str:
    """The absolute URL of the status lookup form, in ``lang``."""
    return site_root() + localized_path(lang, "ticket_status.lookup")
