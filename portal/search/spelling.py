""" "Did you mean": corrections drawn from the index's own vocabulary.

The build writes every word of the indexed titles, tags, summaries and bodies
(:func:`words_in`) with its document frequency next to the index
(:data:`WORDS_FILE`), and beside it a symmetric-delete table
(:data:`DELETES_FILE`): for every word, each string made by deleting up to two
of its letters, as a 32-bit hash packed with the word's number into one sorted
64-bit integer. A query word is looked up by deleting up to two of *its*
letters and finding those strings in the table; every word within two edits
shares at least one of them, so the lookup is exact, and the candidates are
checked with the true edit distance.

Measured against Whoosh's own corrector (``reader.terms_within``, a Levenshtein
automaton walked over the term list) on an 18,000-word vocabulary: 0.2 ms per
word (p99 2 ms) against 87 ms (p99 175 ms), or 10 ms with a one-letter prefix
that misses first-letter typos; the table takes about 4 MB (see
``bench/spelling.py`` and the README). Nothing here knows about Whoosh.

Bounds: words of 4-24 letters only, one edit for words under six letters and two
for longer ones, at most :data:`MAX_LOOKUPS` words looked up per query and
:data:`MAX_CANDIDATES` candidates checked per word.
"""

from __future__ import annotations

import array
import bisect
import json
import re
import sys
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from portal.search.languages import ZWNJ, normalise
from portal.search.query import UserQuery, replace_words

WORDS_FILE = "words.json"
DELETES_FILE = "words.deletes"
MIN_WORD, MAX_WORD = 4, 24  # shorter words have too many neighbours to guess from
MAX_LOOKUPS = 4  # unknown words corrected per query; the rest stay as typed
MAX_CANDIDATES = 1000  # table entries checked per word, whatever the vocabulary
_MASK = 0xFFFFFFFF
# Measured faster than a letters-only class; others are dropped below. A Persian
# word keeps its ZWNJ, so a suggestion is spelt as the articles spell it.
_WORD = re.compile(r"\w+(?:\u200c\w+)*")


def max_distance(word: str) -> int:
    """Edits allowed: one for short words, where two would reach too many."""
    return 1 if len(word) < 6 else 2


def is_correctable(word: str) -> bool:
    """Only plain words of letters are corrected (not numbers, codes, ``a:b``)."""
    return MIN_WORD <= len(word) <= MAX_WORD and _is_alpha(word)


def _is_alpha(word: str) -> bool:
    return word.replace(ZWNJ, "").isalpha()


def words_in(text: str) -> set[str]:
    """The distinct vocabulary words of ``text``, normalised as the search
    normalises them (lower case, Persian and Hebrew spelling variants folded),
    letters only (``wifi6`` is left out, not cut), of a length a correction
    can reach."""
    found = set(_WORD.findall(normalise(text)))
    return {w for w in found if MIN_WORD - 1 <= len(w) <= MAX_WORD + 2 and _is_alpha(w)}


def read_frequencies(directory: Path) -> dict[str, int] | None:
    """The word counts a build wrote into ``directory``, if any."""
    read = _read_words(directory / WORDS_FILE)
    return None if read is None else dict(zip(read[0], read[1], strict=True))


def write_vocabulary(directory: Path, frequencies: Mapping[str, int]) -> None:
    """Write the word list and its delete table into ``directory``. The table
    is only rebuilt when the set of words changed (an edit to one article rarely
    adds a word), because it is the expensive part of an incremental build."""
    words = sorted(w for w, df in frequencies.items() if df > 0)
    path = directory / WORDS_FILE
    previous = _read_words(path)
    path.write_text(
        json.dumps({"words": words, "df": [frequencies[w] for w in words]}, ensure_ascii=False),
        encoding="utf-8",
    )
    if previous is not None and previous[0] == words and (directory / DELETES_FILE).is_file():
        return
    table = array.array("Q", sorted((_hash(d) << 32) | i for i, w in enumerate(words) for d in deletions(w, 2)))
    if sys.byteorder != "little":
        table.byteswap()
    (directory / DELETES_FILE).write_bytes(table.tobytes())


def _read_words(path: Path) -> tuple[list[str], list[int]] | None:
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data["words"], data["df"]


def deletions(word: str, depth: int) -> set[str]:
    """``word`` and every string made by deleting up to ``depth`` letters."""
    found = {word}
    frontier = {word}
    for _ in range(depth):
        frontier = {w[:i] + w[i + 1 :] for w in frontier for i in range(len(w))}
        found |= frontier
    return found


def _hash(text: str) -> int:
    # CRC-32 rather than hash(): the table is written by one process and read
    # by others, and str hashes differ between processes.
    return zlib.crc32(text.encode("utf-8", "surrogatepass"))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of two neighbours is one edit),
    or ``limit + 1`` as soon as it is certain to exceed ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            row[j] = cost
        if min(row) > limit:
            return limit + 1
        before, previous = previous, row
    return previous[-1]


class Speller:
    """The vocabulary of one build, loaded once per process."""

    def __init__(self, words: Sequence[str], frequencies: Sequence[int], table: array.array) -> None:
        self._words = words
        self._frequencies = frequencies
        self._known = frozenset(words)
        self._table = table

    @classmethod
    def load(cls, directory: Path) -> Speller:
        """The speller written by the build; an empty one (no suggestions) when
        the build wrote none."""
        read = _read_words(directory / WORDS_FILE)
        table = array.array("Q")
        if read is None or not (directory / DELETES_FILE).is_file():
            return cls([], [], table)
        table.frombytes((directory / DELETES_FILE).read_bytes())
        if sys.byteorder != "little":
            table.byteswap()
        return cls(read[0], read[1], table)

    def __contains__(self, word: str) -> bool:
        return word in self._known

    def best(self, word: str) -> str | None:
        """The likeliest vocabulary word within :func:`max_distance` edits of
        ``word`` (lower case): fewest edits, then most documents, then
        alphabetical, so the answer never depends on table order."""
        limit = max_distance(word)
        best: tuple[int, int, str] | None = None
        for index in self._candidates(word, limit):
            candidate = self._words[index]
            distance = edit_distance(word, candidate, limit)
            if distance <= limit:
                key = (distance, -self._frequencies[index], candidate)
                best = key if best is None or key < best else best
        return best[2] if best else None

    def _candidates(self, word: str, limit: int) -> set[int]:
        table = self._table
        found: set[int] = set()
        checked = 0
        for piece in deletions(word, limit):
            key = _hash(piece)
            at = bisect.bisect_left(table, key << 32)
            while at < len(table) and table[at] >> 32 == key and checked < MAX_CANDIDATES:
                found.add(table[at] & _MASK)
                at += 1
                checked += 1
        return found


def correct(query: UserQuery, speller: Speller, is_known: Callable[[str], bool]) -> str | None:
    """``query.text`` with its unknown bare words corrected, or ``None`` when
    there is nothing to correct. Words that already match (``is_known``, which
    the engine answers, for instance through stemming), quoted phrases and
    exclusions stay as typed."""
    lookups = 0

    def fix(word: str) -> str | None:
        nonlocal lookups
        folded = normalise(word)
        if lookups >= MAX_LOOKUPS or not is_correctable(folded) or folded in speller or is_known(word):
            return None
        lookups += 1
        found = speller.best(folded)
        return _same_case(word, found) if found else None

    return replace_words(query, fix)


def _same_case(typed: str, word: str) -> str:
    if typed.isupper():
        return word.upper()
    if typed[:1].isupper():
        return word[:1].upper() + word[1:]
    return word
