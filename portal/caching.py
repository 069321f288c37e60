"""Conditional responses: ETag, Last-Modified and 304 Not Modified.

The ETag is a hash of the body actually sent, not of the build's name: a new
build, a changed template, a re-ranked FAQ or anything else that changes the
page changes the tag, and nothing that leaves the page alone does. Hashing a
page costs microseconds; rendering it has already happened by then.
"""

from __future__ import annotations

import datetime as dt

from flask import Response, current_app, g, make_response, request
from werkzeug.http import generate_etag
from werkzeug.wrappers import Response as BaseResponse

ARTICLE_MAX_AGE = 300  # seconds a browser or proxy may reuse an article page without asking


def conditional(
    body: str | BaseResponse, *, last_modified: dt.date | None = None, max_age: int | None = None
) -> Response:
    """``body`` as a response with an ETag (and Last-Modified when given) that
    answers 304 with no body when the client's copy is still current.

    ``max_age`` lets caches reuse the page for that long without asking; without
    it they must revalidate every time (cheap: a 304). ``public`` suits pages
    that are the same for every visitor; Flask adds ``Vary: Cookie`` to any page
    that reads the session.
    """
    response = make_response(body)
    response.set_etag(generate_etag(_identity(response.get_data())))
    if last_modified is not None:
        response.last_modified = _not_in_future(last_modified)
    response.cache_control.public = True
    if max_age is not None:
        response.cache_control.max_age = max_age
    else:
        response.cache_control.no_cache = True  # may be stored, but asked about every time
    return response.make_conditional(request)


def _identity(data: bytes) -> bytes:
    """What the page is, for its ETag: the body without this request's CSRF token.

    Flask-WTF signs the token afresh, with the time, on every render
    (``g.csrf_token``), though it stays valid for the whole session. Hashing it
    would give a page with a form a new ETag every second and no browser would
    ever get a 304; the copy a browser holds carries a token that still works.
    """
    token = g.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))
    return data.replace(token.encode(), b"") if isinstance(token, str) and token else data


def _not_in_future(day: dt.date) -> dt.datetime:
    """Midnight UTC of ``day``, or now if that is later than now: HTTP forbids a
    Last-Modified in the future, and front matter can be post-dated."""
    moment = dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)
    return min(moment, dt.datetime.now(dt.UTC).replace(microsecond=0))
