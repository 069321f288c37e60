"""The public search language, parsed without ever handing raw input to Whoosh.

Customers type anything: unbalanced quotes, ``*``, ``field:value``, 10,000
characters, control characters, lone surrogates. Whoosh's own parser is slow or
crashes on such input, so the portal speaks a small allow-listed language and
builds engine queries itself:

- words, all of which must match (``reset password``);
- ``"exact phrases"``;
- ``-word`` or ``-"phrase"`` to exclude;
- ``OR`` (upper case) between two terms to accept either.

Everything else is text. Input is bounded before it is looked at.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from portal.search.languages import attach_particles

MAX_QUERY_CHARS = 200
MAX_TERMS = 12
MAX_TERM_CHARS = 40

# Control, format (bidi marks, zero-width), surrogate and private-use characters
# carry no meaning in a search; they become spaces (ZWNJ is kept: Persian
# spelling uses it inside words).
_DROP = {"Cc", "Cf", "Cs", "Co", "Cn"}
_KEEP = {"\u200c"}
_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_WORD_EDGE = re.compile(r"^[^\w\u200c]+|[^\w\u200c]+$")
_LEADING_EDGE = re.compile(r"[^\w\u200c]*")


@dataclass(frozen=True)
class Term:
    """A word or phrase (``words`` has more than one item for a phrase)."""

    words: tuple[str, ...]

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class UserQuery:
    """``groups`` must all match; within a group any term may match (``OR``).
    ``excluded`` terms must not match."""

    groups: tuple[tuple[Term, ...], ...] = ()
    excluded: tuple[Term, ...] = ()
    text: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.groups

    def words(self) -> list[str]:
        """Every positive word, for highlighting."""
        return [w for group in self.groups for term in group for w in term.words]


def clean_text(raw: str, limit: int = MAX_QUERY_CHARS) -> str:
    """Bound and normalise user text: NFKC, invisible characters to spaces,
    whitespace collapsed, at most ``limit`` characters."""
    raw = raw[: limit * 4]
    # Lone surrogates cannot be encoded; replace before normalising.
    raw = raw.encode("utf-8", "replace").decode("utf-8")
    raw = unicodedata.normalize("NFKC", raw)
    chars = (" " if unicodedata.category(c) in _DROP and c not in _KEEP else c for c in raw)
    return " ".join("".join(chars).split())[:limit]


def _words(text: str) -> tuple[str, ...]:
    words = (_WORD_EDGE.sub("", w)[:MAX_TERM_CHARS] for w in text.split())
    return tuple(w for w in words if w)


def words_of(text: str) -> tuple[str, ...]:
    """The words a phrase of ``text`` would have (glossary names are matched
    against queries in this form)."""
    return _words(clean_text(text))


@dataclass(frozen=True)
class _Token:
    """One term as it stands in the cleaned text. ``span`` is where a bare
    (unquoted, not excluded) word stands, ``None`` for anything else."""

    term: Term
    negated: bool
    joined: bool  # follows ``OR``: belongs to the previous group
    span: tuple[int, int] | None


def _tokens(text: str) -> Iterator[_Token]:
    """The terms of cleaned ``text``, at most :data:`MAX_TERMS`."""
    have_group = join_next = False
    count = 0
    for match in _TOKEN.finditer(text):
        if count >= MAX_TERMS:
            break
        negated, phrase, bare = match.group(1), match.group(2), match.group(3)
        if bare == "OR" and have_group:
            join_next = True
            continue
        if bare is not None and bare.startswith("-") and len(bare) > 1:
            negated, bare = "-", bare[1:]
        words = _words(phrase if phrase is not None else bare or "")
        if not words:
            continue
        count += 1
        span = None
        # A truncated word has no span: replacing its start would keep its tail.
        if bare is not None and not negated and _WORD_EDGE.sub("", bare) == words[0]:
            # Punctuation around the word ("(hub)", "hub?") stays where it is.
            lead = _LEADING_EDGE.match(bare)
            start = match.end() - len(bare) + (lead.end() if lead else 0)
            span = (start, start + len(words[0]))
        yield _Token(Term(words), bool(negated), join_next and not negated, span)
        have_group = have_group or not negated
        join_next = False


def parse_query(raw: str) -> UserQuery:
    """Parse customer input; never raises."""
    text = clean_text(raw)
    groups: list[list[Term]] = []
    excluded: list[Term] = []
    for token in _tokens(text):
        if token.negated:
            excluded.append(token.term)
        elif token.joined:
            groups[-1].append(token.term)
        else:
            groups.append([token.term])
    return UserQuery(tuple(tuple(g) for g in groups), tuple(excluded), text)


def join_particles(query: UserQuery) -> UserQuery:
    """``query`` with Persian particles typed as separate words joined to their
    neighbour, as the index joins them (``می خواهم`` -> ``می‌خواهم``). Only runs
    of bare one-word groups are joined; phrases are joined by the analyser."""
    groups: list[tuple[Term, ...]] = []
    run: list[str] = []

    def flush() -> None:
        groups.extend((Term((word,)),) for word in attach_particles(run))
        run.clear()

    for group in query.groups:
        if len(group) == 1 and len(group[0].words) == 1:
            run.append(group[0].words[0])
            continue
        flush()
        groups.append(group)
    flush()
    joined = tuple(groups)
    return query if joined == query.groups else replace(query, groups=joined)


def replace_words(query: UserQuery, replace: Callable[[str], str | None]) -> str | None:
    """``query.text`` with its bare words (neither quoted nor excluded, so
    phrases and exclusions stay exactly as typed) replaced wherever ``replace``
    returns a new word; ``None`` when nothing changed."""
    out: list[str] = []
    pos = 0
    for token in _tokens(query.text):
        if token.span is None:
            continue
        start, end = token.span
        new = replace(query.text[start:end])
        if new is not None and new != query.text[start:end]:
            out += [query.text[pos:start], new]
            pos = end
    if not out:
        return None
    return "".join(out) + query.text[pos:]
