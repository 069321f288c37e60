"""The interface language: Flask-Babel, with the catalogs in ``portal/translations``.

Templates call ``_()`` / ``ngettext()``; Python code uses :func:`flask_babel.gettext`
(or ``lazy_gettext`` for strings built at import time, such as form labels).
"""

from __future__ import annotations

from flask import Flask, g
from flask_babel import Babel

LANGUAGES = ("en", "he", "fa")
DEFAULT = "en"
RTL = frozenset({"he", "fa"})


def current_lang() -> str:
    """The language of this request's interface."""
    return str(g.get("lang", DEFAULT))


def direction(lang: str) -> str:
    return "rtl" if lang in RTL else "ltr"


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=current_lang, default_translation_directories="translations")
