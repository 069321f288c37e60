"""Slowing down password guessing at the staff sign-in, without a lockout.

Failed sign-ins are counted per client address (:data:`CLIENT_LIMIT`) and per
(account, client address) pair (:data:`PAIR_LIMIT`), never per account alone:
a per-account limit would let anyone who knows an agent's email lock them out
by failing on purpose. Here a guesser is stopped at their own address, and the
agent, signing in from theirs, is not affected.

Only failures count, and a limited client is refused before its password is
checked, so it learns nothing more. The counters live in the rate limiter's
storage (``RATELIMIT_STORAGE_URI``): per worker process with ``memory://``,
shared by all workers with Redis. They hold a hash of the email, not the email.
``RATELIMIT_ENABLED`` off turns this off too. If the storage cannot be
reached, sign-in goes on unthrottled and the error is logged: the passwords
are still scrypt hashes of at least 12 characters, and agents can still work.
"""

from __future__ import annotations

import hashlib
import math
import time

from flask import current_app
from limits import RateLimitItem, parse

from portal.ratelimit import limiter
from portal.staff.accounts import normalise_email

CLIENT_LIMIT = parse("10 per 15 minutes")
PAIR_LIMIT = parse("5 per 15 minutes")
NAMESPACE = "portal-staff-login"


def _enabled() -> bool:
    return bool(current_app.config.get("RATELIMIT_ENABLED", True)) and limiter.enabled


def _keys(email: str, client: str) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
    account = hashlib.sha256(normalise_email(email).encode("utf-8", "replace")).hexdigest()[:32]
    return [(CLIENT_LIMIT, (NAMESPACE, "client", client)), (PAIR_LIMIT, (NAMESPACE, "pair", client, account))]


def wait(email: str, client: str) -> int:
    """Seconds this client must wait before trying ``email`` again; 0: go ahead."""
    if not _enabled():
        return 0
    try:
        strategy = limiter.limiter
        waits = [
            math.ceil(strategy.get_window_stats(item, *ids).reset_time - time.time())
            for item, ids in _keys(email, client)
            if not strategy.test(item, *ids)
        ]
    except Exception:
        current_app.logger.exception("staff sign-in throttle: rate-limit storage failed")
        return 0
    return max([1, *waits]) if waits else 0


def failed(email: str, client: str) -> None:
    """Count a failed sign-in against the client and the (account, client) pair."""
    if not _enabled():
        return
    try:
        for item, ids in _keys(email, client):
            limiter.limiter.hit(item, *ids)
    except Exception:
        current_app.logger.exception("staff sign-in throttle: rate-limit storage failed")


def succeeded(email: str, client: str) -> None:
    """The agent got in: their earlier typos from this address are forgiven
    (the address's own count stands)."""
    if not _enabled():
        return
    item, ids = _keys(email, client)[1]
    try:
        limiter.limiter.clear(item, *ids)
    except Exception:
        current_app.logger.exception("staff sign-in throttle: rate-limit storage failed")
