"""The interface language: Flask-Babel, with the catalogs in ``portal/translations``.

The language is the first segment of the URL: ``/he/...`` and ``/fa/...``, English
unprefixed. :class:`LanguagePrefix` (WSGI) moves the prefix from ``PATH_INFO`` to
``SCRIPT_NAME``, so no route knows about languages and every ``url_for`` on a
Hebrew page gives a Hebrew link. ``/he`` redirects to ``/he/`` and ``/en/...`` to
the unprefixed address.

Pages stay the same for every visitor (cacheable, shareable): the remembered
choice (the ``portal_lang`` cookie) and the offer made from the browser's
languages are applied by ``static/site.js`` from what :func:`language_offers`
puts in the page, never by varying a response.

Templates call ``_()`` / ``ngettext()``; Python code uses :func:`flask_babel.gettext`,
or this module's :func:`lazy_gettext` for strings built at import time (form
labels, notices, status names). Numbers and dates are written by
:func:`format_number`, :func:`format_count` and :func:`format_day` (the ``number``
and ``day`` template filters), in the language Babel formats in at that moment:
the page's, or an email's under :func:`flask_babel.force_locale`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from babel import Locale
from babel.numbers import format_decimal
from flask import Flask, g, has_app_context, has_request_context, request, url_for
from flask_babel import Babel, force_locale, get_locale, gettext
from flask_babel import format_date as babel_format_date
from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape
from werkzeug.utils import redirect

LANGUAGES = ("en", "he", "fa")
DEFAULT = "en"
RTL = frozenset({"he", "fa"})
# Each language named in itself, as the switcher shows it ("עברית", not "Hebrew").
NAMES = {"en": "English", "he": "עברית", "fa": "فارسی"}
COOKIE = "portal_lang"  # set by site.js when a reader picks a language; read only by site.js
# Dates in English read as the rest of the site spells: "2 October 2026".
_DATE_LOCALE = {"en": "en_GB"}
_PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

_ENVIRON_LANG = "portal.lang"
_ENVIRON_ROOT = "portal.root"  # the mount point, without the language prefix


class LazyText(LazyString):
    """A translation made each time the text is used, escaped like a plain ``str``.

    Flask-Babel's lazy strings declare themselves HTML (their ``__html__`` returns
    the text as it is), so Jinja and WTForms would print a translation unescaped:
    an apostrophe or an ampersand would reach the page raw, and an angle bracket
    in a translation would become markup."""

    def __html__(self) -> str:
        return str(escape(str(self)))


def lazy_gettext(string: str, **variables: Any) -> LazyText:
    """:func:`flask_babel.gettext` of ``string``, each time the text is used: for
    strings declared at import time, before any request has a language. Extracted
    with ``pybabel extract -k lazy_gettext``."""
    return LazyText(gettext, string, **variables)


def split_prefix(path: str) -> tuple[str, str | None]:
    """``/he/articles/x`` → ``("he", "/articles/x")``; ``/he`` → ``("he", "")``;
    an unprefixed path → ``("en", None)``. ``/en/...`` counts as prefixed, so it
    can be redirected to the one English address."""
    for lang in LANGUAGES:
        head = f"/{lang}"
        if path == head or path.startswith(head + "/"):
            return lang, path[len(head) :]
    return DEFAULT, None


def prefix(lang: str) -> str:
    """The URL prefix of ``lang``: ``""`` for English, ``"/he"`` for Hebrew."""
    return "" if lang == DEFAULT or lang not in LANGUAGES else f"/{lang}"


class LanguagePrefix:
    """WSGI middleware: strips a language prefix from ``PATH_INFO``, appends it to
    ``SCRIPT_NAME`` and records the language in the environ."""

    def __init__(self, app: Callable[..., Iterable[bytes]]) -> None:
        self.app = app

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        root = environ.get("SCRIPT_NAME", "")
        lang, rest = split_prefix(environ.get("PATH_INFO", ""))
        environ[_ENVIRON_ROOT] = root
        environ[_ENVIRON_LANG] = lang
        if rest is not None and (rest == "" or lang == DEFAULT):
            # "/he" is not a page of the Hebrew site, "/he/" is; English has one address.
            target = root + (rest if lang == DEFAULT else f"/{lang}/") or "/"
            # PATH_INFO holds the URL's bytes as latin-1; the Location header wants text.
            target = target.encode("latin-1").decode("utf-8", "replace")
            query = environ.get("QUERY_STRING", "")
            return redirect(target + (f"?{query}" if query else ""), code=301)(environ, start_response)
        if rest is not None:
            environ["SCRIPT_NAME"] = f"{root}/{lang}"
            environ["PATH_INFO"] = rest
        return self.app(environ, start_response)


def current_lang() -> str:
    """The language of this request's interface: ``g.lang`` when code sets it,
    else the URL's prefix (``en`` outside a request)."""
    if has_app_context() and "lang" in g:
        return str(g.lang)
    if has_request_context():
        return str(request.environ.get(_ENVIRON_LANG, DEFAULT))
    return DEFAULT


def direction(lang: str) -> str:
    return "rtl" if lang.split("-")[0] in RTL else "ltr"


def site_root() -> str:
    """The path the site is mounted at, without the language prefix (usually ``""``)."""
    return str(request.environ.get(_ENVIRON_ROOT, request.script_root))


def path_in(lang: str, path: str) -> str:
    """A site path (``/articles/x``) as a link in ``lang``, from the mount point."""
    return site_root() + prefix(lang) + path


def lang_url(path: str) -> str:
    """A site path stored without a language (a catalog's ``/articles/x``) as a
    link on this page: in the reader's language, under the mount point."""
    return path_in(current_lang(), path)


def url_in(lang: str, endpoint: str, **values: Any) -> str:
    """``url_for`` as it would be on a page in ``lang``."""
    return path_in(lang, url_for(endpoint, **values).removeprefix(request.script_root))


def this_page_in(lang: str) -> str:
    """This request's address (with its query) in ``lang``."""
    query = request.query_string.decode("latin-1")
    return path_in(lang, request.path) + (f"?{query}" if query else "")


# Root-relative links in rendered content (``href="/articles/x"``). Content is
# written once for every interface language; its links follow the reader, except
# a link the author gave a language (``/fa/troubleshoot/x``), which keeps it.
_CONTENT_LINK = re.compile(rf'(<a\b[^>]*?\shref=")/(?!/|static/|api/|(?:{"|".join(LANGUAGES)})(?:[/?#"]))')


def lang_links(html: str) -> Markup:
    """Sanitised content HTML with its internal links in the reader's language."""
    head = site_root() + prefix(current_lang())
    if not head:
        return Markup(html)  # noqa: S704 -- already sanitised by the build (portal.rendering)
    html = _CONTENT_LINK.sub(lambda m: f"{m.group(1)}{head}/", html)
    if current_lang() != DEFAULT:
        # The build links an English term as a bare /glossary#id (the glossary's
        # default language); on another language's glossary that means English.
        html = html.replace(f'href="{head}/glossary#', f'href="{head}/glossary?lang={DEFAULT}#')
    return Markup(html)  # noqa: S704


@dataclass(frozen=True)
class _InLanguage:
    """Something shown in ``lang``, whatever the page's language: its element
    carries ``lang`` and ``dir``."""

    lang: str

    @property
    def dir(self) -> str:
        return direction(self.lang)


@dataclass(frozen=True)
class LanguageLink(_InLanguage):
    """One entry of the language switcher: ``url`` is this page (or this
    article's translation) in ``lang``."""

    name: str
    url: str
    current: bool


def language_links(urls: Mapping[str, str] | None = None) -> list[LanguageLink]:
    """The switcher for this page: ``urls`` gives a language's address where it is
    not this page's address in that language (an article's translation)."""
    here = current_lang()
    found = urls or {}
    return [LanguageLink(lang, NAMES[lang], found.get(lang) or this_page_in(lang), lang == here) for lang in LANGUAGES]


@dataclass(frozen=True)
class Offer(_InLanguage):
    """The offer "This page is available in עברית", written in the language offered, for
    site.js to show a reader whose browser prefers that language."""

    url: str
    text: str
    accept: str
    dismiss: str


def language_offers(links: Iterable[LanguageLink]) -> list[Offer]:
    offers = []
    for link in links:
        if link.current:
            continue
        with force_locale(link.lang):
            offers.append(
                Offer(
                    link.lang,
                    link.url,
                    gettext("This page is available in %(language)s.", language=link.name),
                    gettext("Read it in %(language)s", language=link.name),
                    gettext("No, thanks"),
                )
            )
    return offers


def language_name(code: str) -> str:
    """``code``'s language named in the reader's language ("אנגלית" for ``en`` on a
    Hebrew page); the code itself for a language Babel does not know."""
    try:
        name = Locale.parse(code.replace("-", "_")).get_language_name(get_locale() or DEFAULT)
    except (ValueError, LookupError):
        return code
    return name or code


def _locale_language() -> str:
    """The language Babel formats in now: the page's, or the one an email is
    rendered in under ``force_locale``."""
    locale = get_locale()
    return locale.language if locale else DEFAULT


def digits(text: str) -> str:
    """``text`` with its Latin digits in the digits of the language Babel formats
    in (Persian: ``۱۲۳``); Babel gives Persian separators but Latin digits."""
    return text.translate(_PERSIAN_DIGITS) if _locale_language() == "fa" else text


def format_number(number: float) -> str:
    """``1234`` as the reader's language writes an amount: "1,234"; in Persian "۱٬۲۳۴"
    (Babel gives the separators of the language's own numbering system; the
    digits are ours to change)."""
    return digits(format_decimal(number, locale=get_locale() or DEFAULT, numbering_system="default"))


def format_count(number: int) -> str:
    """``10001``: a figure read as such (a length in characters), without grouping,
    in the language's digits."""
    return digits(str(number))


def format_day(day: Any, form: str = "long") -> str:
    """A date as the reader's language writes it ("2 October 2026", "2 באוקטובר 2026",
    "۲ اکتبر ۲۰۲۶"); ``form`` is a Babel format ("long", or a pattern: "d MMM").
    Gregorian in every language."""
    lang = _locale_language()
    with force_locale(_DATE_LOCALE.get(lang, lang)):
        return digits(babel_format_date(day, form))


def localized(item: Mapping[str, Any], field: str, lang: str | None = None) -> str:
    """A content field (a category's ``title``) in ``lang`` (the reader's language
    by default) when the content has it (``translations: {he: {title: …}}``), else
    as authored."""
    translation = (item.get("translations") or {}).get(lang or current_lang()) or {}
    return str(translation.get(field) or item.get(field, ""))


def _template_context() -> dict[str, Any]:
    lang = current_lang()
    return {"page_lang": lang, "page_dir": direction(lang)}


def init_app(app: Flask) -> None:
    Babel(app, locale_selector=current_lang, default_translation_directories="translations")
    app.wsgi_app = LanguagePrefix(app.wsgi_app)
    app.context_processor(_template_context)
    for function in (direction, path_in, lang_url, language_links, language_offers, language_name, localized):
        app.add_template_global(function)
    app.add_template_global(NAMES, "language_names")
    app.add_template_filter(lang_url)
    app.add_template_filter(lang_links)
    app.add_template_filter(format_number, "number")
    app.add_template_filter(format_day, "day")
