"""Rate limits per client (Flask-Limiter), for every view that writes.

Decorate a view with ``@limiter.limit("20 per minute")``. Settings:
``RATELIMIT_ENABLED`` and ``RATELIMIT_STORAGE_URI``. The default storage,
``memory://``, counts in each worker process separately (N workers let a client
through N times the limit); ``redis://host:6379`` shares the counts between all
workers and machines. A limited client gets a 429 page in the site's layout
(:mod:`portal.errors`, or the blueprint's own handler).

Clients are told apart by ``request.remote_addr``: behind a reverse proxy, apply
werkzeug's ``ProxyFix`` so that is the client's address and not the proxy's.
The address lives only in the limiter's short-lived counters, never in the
database.

There is one ``limiter`` per process, as Flask-Limiter expects: the decorators
are applied at import time. Each app that calls :func:`init_app` gives it fresh
storage, so only one app per process is rate limited at a time (tests create
them one after another).
"""

from __future__ import annotations

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

limiter = Limiter(key_func=get_remote_address)


def init_app(app: Flask) -> None:
    limiter.init_app(app)
