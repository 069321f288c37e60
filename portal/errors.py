"""One error page for every status, in the site's layout.

A specific template (``errors/404.html``) when there is one, else
``errors/error.html``; JSON for API URLs. The 404 page searches for the words of
the missing URL, so a dead link still leads somewhere. Under the staff desk
(``/staff``, ``/he/staff``) the page leaves out the customers' "This page is
available in …" offer, as the desk's own pages do.
"""

from __future__ import annotations

import re

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import force_locale
from jinja2 import TemplateNotFound
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.i18n import lazy_gettext
from portal.published import NotBuilt

MESSAGES = {
    400: lazy_gettext("We couldn't understand that request."),
    403: lazy_gettext("You don't have access to this page."),
    404: lazy_gettext("We couldn't find that page."),
    405: lazy_gettext("That action isn't allowed here."),
    413: lazy_gettext("That was too much to send at once."),
    429: lazy_gettext("Too many requests. Please wait a moment and try again."),
    500: lazy_gettext("Something went wrong on our side. We've been told about it."),
    503: lazy_gettext("The help center is being set up. Please try again in a minute."),
}
FALLBACK = lazy_gettext("Something went wrong.")
DESK = "/staff"  # portal.views.staff.PREFIX (which imports this module)


def on_desk(path: str) -> bool:
    """Whether ``path`` (the language prefix already removed) is under the staff desk."""
    return path == DESK or path.startswith(DESK + "/")


def _words_from_path(path: str) -> str:
    words = re.split(r"[^\w]+", path.replace("articles", " ").replace("categories", " "))
    return " ".join(w for w in words if len(w) > 1 and not w.isdigit())[:100]


def render_error(status: int, description: str | None = None) -> tuple[Response | str, int]:
    if request.path.startswith("/api/"):
        # The API answers in English: programs read (and log) these messages.
        with force_locale("en"):
            message = str(MESSAGES.get(status, description or FALLBACK))
        return jsonify(ok=False, status=status, error=message), status
    message = str(MESSAGES.get(status, description or FALLBACK))
    context = {"status": status, "message": message, "desk": on_desk(request.path)}
    if status == 404:
        context["suggested_query"] = _words_from_path(request.path)
    try:
        return render_template([f"errors/{status}.html", "errors/error.html"], **context), status
    except (TemplateNotFound, NotBuilt):
        raise
    except Exception:  # the layout itself failed: still answer calmly
        return f"<!doctype html><title>{status}</title><p>{message}</p>", status


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return render_error(exc.code or 500, exc.description)

    @app.errorhandler(NotBuilt)
    def not_built(exc: NotBuilt):
        app.logger.error("%s", exc)
        return render_error(503)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        app.logger.exception("unhandled error on %s", request.path)
        return render_error(InternalServerError.code)
