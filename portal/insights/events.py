"""The event model: what the insights reports are counted from.

An event is one small row (:class:`~portal.models.Event`): when, which visit,
what kind, and up to five short fields whose meaning :data:`KINDS` documents
per kind. Items are named the same way everywhere, ``article:<slug>``,
``faq:<id>`` and ``tree:<id>``, so "tickets after reading X" works alike for
all of them.

Privacy: a *visit* is a keyed hash of (visitor, UTC day), so it changes at
midnight and no row follows a person from one day to the next. No event holds
an IP address, a cookie value or an email; text that customers typed (search
queries) passes through :func:`redact` before it is stored.

Recording from a request (:func:`record`) skips crawlers and ``HEAD``
requests and never raises: a failure is logged and the page goes on. Code
that already holds a transaction (opening a ticket) uses :func:`add`, so the
event is stored with the ticket or not at all.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
import unicodedata
from dataclasses import dataclass

from flask import current_app, has_request_context, request

from portal import db, visitors
from portal.models import DETAIL_LENGTH, EVENT_KINDS, KEY_LENGTH, Event
from portal.search.query import clean_text


@dataclass(frozen=True)
class Kind:
    """What an event's fields mean for one kind (the README's event table)."""

    subject: str
    detail: str
    value: str
    category: str
    recorded: str


KINDS: dict[str, Kind] = {
    "view": Kind(
        "`article:<slug>` or `faq:<id>`",
        "",
        "",
        "the item's category",
        "an article page is served; an FAQ answer is opened (beacon) or its permalink followed",
    ),
    "vote": Kind(
        "`article:<slug>` or `faq:<id>`",
        "the reason codes ticked, comma-separated",
        "1 helpful, 0 not",
        "the item's category",
        '"Was this helpful?" is answered',
    ),
    "search": Kind(
        "the query key",
        "the query as typed, tidied and redacted",
        "number of results",
        'the topic filter, `""` without one',
        "the first page of `/search` is served for a query",
    ),
    "open": Kind(
        "the query key of the search",
        "the path of the result opened",
        "its rank, from 1",
        "the topic filter of the search",
        "a search result is clicked (beacon from `site.js`)",
    ),
    "suggest": Kind(
        "the query key of the subject typed",
        "the subject as typed, tidied and redacted",
        "number of articles suggested",
        '`""`',
        "the ticket form suggests articles for the subject being typed",
    ),
    "suggest_open": Kind(
        "`article:<slug>`",
        "",
        "",
        "the article's category",
        "a suggested article is opened from the ticket form",
    ),
    "tree_start": Kind(
        "`tree:<id>`",
        "",
        "",
        "the tree's category",
        "a visitor's walk of a tree is first recorded that day",
    ),
    "tree_outcome": Kind(
        "`tree:<id>`",
        "`solved` or `escalated`",
        "",
        "the tree's category",
        "a walk gets an outcome, or a different one",
    ),
    "ticket": Kind(
        "the ticket's category",
        "the channel: `web`, `api` or `phone`",
        "",
        "the ticket's category",
        'a ticket is opened (in the same transaction); visit `""` for staff and API tickets',
    ),
}
assert tuple(KINDS) == EVENT_KINDS, "KINDS must document every kind the table allows, in its order"

# The kinds that are self-service: a visit with one of them tried to help itself.
SELF_SERVICE = frozenset({"view", "search", "tree_start", "suggest_open"})
ARTICLE, FAQ, TREE = "article:", "faq:", "tree:"


def utcnow() -> dt.datetime:
    """Now in UTC without a zone, as the tables store times (tests replace it)."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# Redaction ---------------------------------------------------------------------------

# Digits of every script count as digits (Persian ۰-۹, Arabic-Indic ٠-٩, ...): they
# are matched on a copy where each is its ASCII digit, one character for one.
_EMAIL = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+")
_IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.]|\.\d)", re.ASCII)
_IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%\w+)?(?![\w:])", re.ASCII)
# Six or more digits, with single spaces or dashes between them: phone, account
# and card numbers however they are grouped.
_NUMBER = re.compile(r"\d(?:[ \u00a0\u2009\u202f\-\u2010\u2011\u2012\u2013]?\d){5,}", re.ASCII)
_DIGITS = {ord(c): str(unicodedata.digit(c)) for c in map(chr, range(0x80, 0x10000)) if c.isdecimal()}


def _valid_ip(text: str) -> bool:
    candidate = text.split("%", 1)[0].strip(".")
    if not any(c.isalnum() for c in candidate):
        return False  # "::" alone is an address, but no one types it as one
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def _replace(text: str, digits: str, pattern: re.Pattern[str], label: str, ips: bool = False) -> tuple[str, str]:
    """Replace ``pattern``'s matches in ``digits`` (``text`` with ASCII digits)
    by ``label`` in both, so the next pattern sees what is left."""
    for match in reversed(list(pattern.finditer(digits))):
        if ips and not _valid_ip(match.group()):
            continue
        start, end = match.span()
        text, digits = text[:start] + label + text[end:], digits[:start] + label + digits[end:]
    return text, digits


def redact(text: str) -> str:
    """``text`` with what could identify someone replaced: email addresses by
    ``[email]``, IPv4 and IPv6 addresses by ``[ip]``, and runs of six or more
    digits (in any script, with spaces or dashes inside) by ``[number]``."""
    text = _EMAIL.sub("[email]", text)
    digits = text.translate(_DIGITS)  # one character for one: positions carry over
    text, digits = _replace(text, digits, _IPV6, "[ip]", ips=True)
    text, digits = _replace(text, digits, _IPV4, "[ip]", ips=True)
    text, _ = _replace(text, digits, _NUMBER, "[number]")
    return text


# Queries --------------------------------------------------------------------------

# Words that do not change what a query is about; dropped from its key only.
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "can",
        "do",
        "does",
        "for",
        "from",
        "how",
        "i",
        "in",
        "is",
        "it",
        "my",
        "of",
        "on",
        "or",
        "our",
        "the",
        "to",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "with",
        "you",
        "your",
    ]
)
_NOT_WORD = re.compile(r"[^\w]+")
_LABEL = re.compile(r"(\[(?:email|ip|number)\])")  # what redact() leaves: kept whole in keys
# Arabic letters that Persian keyboards type in their Persian forms.
_ARABIC_FORMS = str.maketrans({"ي": "ی", "ك": "ک", "ى": "ی", "ة": "ه"})


def normalise_query(text: str) -> str:
    """A query as typed, tidied for storing: NFKC, invisible and control
    characters dropped, whitespace collapsed, redacted, at most
    :data:`~portal.models.DETAIL_LENGTH` characters. Case and word order stay."""
    return redact(clean_text(text, DETAIL_LENGTH * 2))[:DETAIL_LENGTH].strip()


def query_key(text: str) -> str:
    """What groups variants of a query: its words case-folded, without
    punctuation, accents, Hebrew points or Arabic vowel marks, digits in ASCII,
    Persian letter forms unified, stop words dropped (unless nothing else is
    left), each word once, in alphabetical order; the redaction labels stay as
    they are. ``"How do I reset my Router?"`` and ``"router reset"`` share the
    key ``"reset router"``."""
    tidy = normalise_query(text).casefold().translate(_DIGITS).translate(_ARABIC_FORMS)
    tidy = "".join(c for c in unicodedata.normalize("NFKD", tidy) if not unicodedata.combining(c))
    words: list[str] = []
    for n, part in enumerate(_LABEL.split(unicodedata.normalize("NFC", tidy))):
        words += [part] if n % 2 else _NOT_WORD.sub(" ", part).replace("_", " ").split()
    meaningful = [w for w in words if w not in STOP_WORDS] or words
    return " ".join(sorted(set(meaningful)))[:KEY_LENGTH].strip()


# Recording --------------------------------------------------------------------------


def visit() -> str:
    """This request's visit: a keyed hash of (visitor, UTC day), 32 hex
    characters (:func:`portal.visitors.visit_hash`)."""
    return visitors.visit_hash(utcnow().date())


def item(prefix: str, key: str) -> str:
    """An item's subject: ``item(ARTICLE, "reset-your-password")``."""
    return f"{prefix}{key}"


def make(
    kind: str,
    *,
    visit: str,
    at: dt.datetime,
    subject: str = "",
    detail: str = "",
    value: int | None = None,
    lang: str = "",
    category: str = "",
) -> Event:
    """An :class:`~portal.models.Event`, each field cut to its column's size, for
    the caller to add to its session (``session.add(make(...))``) and commit
    with the change the event records.

    :raise ValueError: ``kind`` is not one of :data:`KINDS`.
    """
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    return Event(
        at=at,
        visit=visit[:32],
        kind=kind,
        subject=subject[:KEY_LENGTH],
        detail=detail[:DETAIL_LENGTH],
        value=value,
        lang=lang[:16],
        category=category[:KEY_LENGTH],
    )


def should_record() -> bool:
    """False for crawlers, ``HEAD`` requests and code outside a request."""
    return has_request_context() and request.method != "HEAD" and not visitors.is_bot()


def for_request(
    kind: str,
    subject: str = "",
    detail: str = "",
    value: int | None = None,
    lang: str = "",
    category: str = "",
) -> Event | None:
    """The event for this request's visit, for the caller to write with its own
    change (an article view goes with its view counter, in one transaction);
    ``None`` for crawlers and ``HEAD`` requests."""
    if not should_record():
        return None
    return make(
        kind, visit=visit(), at=utcnow(), subject=subject, detail=detail, value=value, lang=lang, category=category
    )


def record(
    kind: str,
    subject: str = "",
    detail: str = "",
    value: int | None = None,
    lang: str = "",
    category: str = "",
) -> None:
    """Record an event for this request's visit in a transaction of its own.
    Skipped for crawlers and ``HEAD`` requests; never raises (a failure is
    logged and the page goes on)."""
    try:
        event = for_request(kind, subject, detail, value, lang, category)
        if event is None:
            return
        with db.database().session() as session:
            session.add(event)
            session.commit()
    except Exception as exc:  # counting must never break the page being served
        current_app.logger.warning("could not record a %s event: %s", kind, exc)
