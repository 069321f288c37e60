"""Find glossary terms in article text, so the first occurrence of each can
explain itself in place."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from portal.content.glossary import GlossaryTerm


@dataclass(frozen=True)
class TermMatcher:
    """Matches any name (term or alias) of a set of glossary terms, whole words
    only, ignoring case. ``None`` pattern when there are no terms."""

    pattern: re.Pattern[str] | None
    by_name: dict[str, GlossaryTerm]

    def find(self, text: str, start: int, skip: set[str]) -> tuple[int, int, GlossaryTerm] | None:
        """The first match at or after ``start`` whose term is not in ``skip``."""
        if self.pattern is None:
            return None
        for match in self.pattern.finditer(text, start):
            term = self.by_name[match.group(0).casefold()]
            if term.id not in skip:
                return match.start(), match.end(), term
        return None


def term_matcher(terms: Iterable[GlossaryTerm]) -> TermMatcher:
    by_name: dict[str, GlossaryTerm] = {}
    for term in terms:
        for name in term.names:
            by_name.setdefault(name.casefold(), term)
    if not by_name:
        return TermMatcher(None, {})
    # Longest first, so "Harbor Hub" wins over "Hub" at the same position.
    names = sorted(by_name, key=len, reverse=True)
    alternation = "|".join(re.escape(name) for name in names)
    pattern = re.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)
    return TermMatcher(pattern, by_name)
