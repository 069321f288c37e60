"""The glossary, A to Z."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from portal import i18n
from portal.caching import conditional
from portal.i18n import DEFAULT
from portal.published import current

bp = Blueprint("glossary", __name__)


def _letter(term: str) -> str:
    first = term[:1].upper()
    return first if first.isalpha() else "#"


@bp.get("/glossary")
def index() -> Response:
    """The terms of one language: ``?lang=``, else the reader's language, else
    English when the reader's language has no glossary yet (the page says so)."""
    terms = current().catalog.collection("glossary")
    reader = i18n.current_lang()
    langs = sorted({t["lang"] for t in terms}, key=lambda lang: (lang != reader, lang != DEFAULT, lang))
    lang = request.args.get("lang") or reader
    if lang not in langs:
        lang = reader if reader in langs else DEFAULT
    chosen = sorted((t for t in terms if t["lang"] == lang), key=lambda t: t["term"].casefold())
    letters = [(letter, list(items)) for letter, items in groupby(chosen, key=lambda t: _letter(t["term"]))]
    return conditional(render_template("glossary/index.html", letters=letters, langs=langs, lang=lang))
