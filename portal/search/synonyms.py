"""Glossary names as search synonyms, independent of the engine.

The build hands the backend, per language, each glossary name (term or alias)
with the other names of the same term. At query time a word, a run of bare
words or a quoted phrase that equals a whole name (ignoring case) becomes a
choice between the words as typed and every other name of the term, so a
customer who types "router" finds the articles that say "Harbor Hub".

Bounds: the limits of :mod:`portal.search.query` hold after expansion: the
names added and the terms typed (exclusions included) together are at most
``MAX_TERMS``, so the engine never sees a bigger query than a customer could
type (the first names typed get their synonyms first); names have at most
:data:`MAX_NAME_WORDS` words and a match adds at most
:data:`MAX_NAMES_PER_TERM` names. Exclusions are not expanded: ``-router``
removes what says "router", not every Hub article.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from portal.search.languages import fold, hebrew_forms, is_hebrew
from portal.search.query import MAX_TERMS, Term, UserQuery, words_of

Synonyms = Mapping[str, Mapping[str, Sequence[str]]]
"""Per language: each glossary name -> the other names of the same term."""

MAX_NAME_WORDS = 6
MAX_NAMES_PER_TERM = 8
# The words as typed weigh a little more than a synonym, so an article using the
# customer's own word ranks above one that only uses another name for it.
SYNONYM_WEIGHT = 0.8


@dataclass(frozen=True)
class Alternative:
    """One way for a group to match: every term in ``terms`` (a run of bare
    words typed separately stays a run of terms), weighted by ``weight``."""

    terms: tuple[Term, ...]
    weight: float = 1.0


Group = tuple[Alternative, ...]


class SynonymTable:
    """Lookups for one language (or several merged)."""

    def __init__(self, names: Mapping[str, tuple[Term, ...]]) -> None:
        self._names = names
        self.longest = max((len(k.split(" ")) for k in names), default=0)

    @classmethod
    def from_synonyms(cls, synonyms: Synonyms, langs: Sequence[str] | None = None) -> SynonymTable:
        """The table for ``langs`` (every language when ``None``). A name used
        in two languages gets the other names from both."""
        names: dict[str, dict[Term, None]] = {}
        for lang, by_name in synonyms.items():
            if langs is not None and lang not in langs:
                continue
            for name, others in by_name.items():
                key = _key(name)
                if not key:
                    continue
                terms = names.setdefault(key, {})
                for other in others:
                    words = words_of(other)
                    if words and len(words) <= MAX_NAME_WORDS and _key(other) != key:
                        terms[Term(words)] = None
        return cls({k: tuple(v)[:MAX_NAMES_PER_TERM] for k, v in names.items() if v})

    def others(self, text: str) -> tuple[Term, ...]:
        """The other names of the term ``text`` names, compared as the search
        compares words; a Hebrew word with prefix letters that names no term
        is looked up without them ("לנתב" finds what "נתב" finds)."""
        key = fold(text)
        found = self._names.get(key, ())
        if not found and is_hebrew(key):
            for form in hebrew_forms(key)[1:]:
                found = self._names.get(form, ())
                if found:
                    break
        return found


def _key(name: str) -> str:
    words = words_of(name)
    return fold(" ".join(words)) if 0 < len(words) <= MAX_NAME_WORDS else ""


def expand(query: UserQuery, table: SynonymTable) -> tuple[Group, ...]:
    """``query.groups`` with glossary names widened to all names of their term.
    Runs of single-word groups are matched longest first, as glossary links in
    articles are ("Harbor Hub" before "Hub")."""
    budget = max(0, MAX_TERMS - sum(len(group) for group in query.groups) - len(query.excluded))
    groups: list[Group] = []
    i = 0
    source = query.groups
    while i < len(source):
        run, others = _longest_run(source, i, table)
        if run > 1:
            terms = tuple(group[0] for group in source[i : i + run])
            added = others[:budget]
            budget -= len(added)
            groups.append((Alternative(terms), *(Alternative((t,), SYNONYM_WEIGHT) for t in added)))
            i += run
            continue
        typed = source[i]
        alternatives = [Alternative((term,)) for term in typed]
        seen = {term.text.casefold() for term in typed}
        for term in typed:
            # "hub OR router" names the same term twice: add its names once.
            added = [t for t in table.others(term.text) if t.text.casefold() not in seen][:budget]
            seen.update(t.text.casefold() for t in added)
            budget -= len(added)
            alternatives.extend(Alternative((t,), SYNONYM_WEIGHT) for t in added)
        groups.append(tuple(alternatives))
        i += 1
    return tuple(groups)


def _longest_run(groups: tuple[tuple[Term, ...], ...], start: int, table: SynonymTable) -> tuple[int, tuple[Term, ...]]:
    """How many single-word groups from ``start`` spell a multi-word name, and
    its other names; ``(0, ())`` when none does."""
    words: list[str] = []
    for group in groups[start : start + table.longest]:
        if len(group) != 1 or len(group[0].words) != 1:
            break
        words.append(group[0].words[0])
    for length in range(len(words), 1, -1):
        others = table.others(" ".join(words[:length]))
        if others:
            return length, others
    return 0, ()


def words(groups: Sequence[Group]) -> list[str]:
    """Every word the expanded query looks for, for highlighting snippets."""
    return [w for group in groups for alternative in group for term in alternative.terms for w in term.words]
