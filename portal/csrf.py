"""CSRF protection on every form the site accepts (Flask-WTF's CSRFProtect).

Every POST, PUT, PATCH and DELETE needs the ``csrf_token()`` a page rendered into
its form; a missing or wrong token is a 400 in the site's layout
(:mod:`portal.errors` handles ``CSRFError`` like any other 400, and a blueprint
may register its own handler to keep what was typed). Views that must accept
posts without a token (a view-counting beacon, an API with its own key) say so
with ``csrf.exempt``.

A token is tied to the visitor's session, so a page that carries one is theirs
alone: such responses are made ``private``, or a shared cache could hand one
visitor's session cookie and token to the next.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, g, session
from flask_wtf.csrf import CSRFError, CSRFProtect, generate_csrf, validate_csrf
from wtforms import ValidationError

csrf = CSRFProtect()
SIGNED_KEY = "_csrf_signed"

__all__ = ["CSRFError", "csrf", "init_app", "make_private", "mark_personal", "page_token"]


def page_token() -> str:
    """``csrf_token()`` in templates: one signed token for the whole session.

    Flask-WTF signs the session's token afresh with the current second, so every
    page with a form would differ from the last and never get a 304; this keeps
    the first signature (valid as long as the session: no time limit) instead.
    """
    mark_personal()
    if "portal_page_token" in g:  # a page with many forms (the FAQ) checks once
        return g.portal_page_token
    token = session.get(SIGNED_KEY)
    if not (isinstance(token, str) and _still_valid(token)):
        token = generate_csrf()
        session[SIGNED_KEY] = token
    # Flask-WTF's per-request cache: forms rendered by FlaskForm in this request
    # get the same token, and portal.caching leaves it out of the ETag.
    setattr(g, current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), token)
    g.portal_page_token = token
    return token


def mark_personal() -> None:
    """This response carries something of the visitor's own (a token bound to
    their session): only their browser may store it."""
    g.portal_personal = True


def _still_valid(token: str) -> bool:
    """False when the session's own token changed (cleared, or a new secret key)."""
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True


def make_private(response: Response) -> Response:
    """Let only the visitor's own browser store the response."""
    if response.cache_control.public:
        response.cache_control.public = False
        response.cache_control.private = True
    return response


def init_app(app: Flask) -> None:
    # Tokens valid for the whole session rather than an hour: an article read
    # over lunch can still be voted on, and an unchanged page keeps one ETag so
    # browsers get their 304s. The token is still bound to the session cookie.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)
    # Flask-WTF registers a ``csrf_token`` context processor, which would win over
    # a template global; a processor registered after it wins instead.
    app.context_processor(lambda: {"csrf_token": page_token})

    @app.after_request
    def personal_pages_are_private(response: Response) -> Response:
        # Not ``session.accessed``: Flask 3.1.3 sets it whenever the session proxy
        # is touched, this check included, so every page would become private.
        if g.get("portal_personal") or "Set-Cookie" in response.headers:
            make_private(response)
        return response
