"""Hebrew and Persian for search: spelling variants folded, word shapes joined.

The same functions serve the index, queries, suggestions as you type, "did you
mean" and snippets, so all of them agree on what counts as the same word.
Nothing here knows about Whoosh except the two tokenizers at the end, which
wrap :func:`slots` for the schema.

Every text first goes through :func:`normalise`:

- NFKC (Arabic presentation forms, ligatures and full-width letters become plain
  letters), then lower case;
- Persian: Arabic yeh ``ي``/``ى`` -> Persian yeh ``ی``, Arabic kaf ``ك`` -> Persian
  kaf ``ک``, alef with hamza or madda ``أ إ آ ٱ`` -> ``ا``, teh marbuta ``ة`` and heh
  with yeh ``ۀ``/``ە`` -> ``ه``; diacritics (U+064B-U+065F, U+0670) and tatweel
  (U+0640) dropped; Persian and Arabic-Indic digits -> ASCII digits;
- Hebrew: points and cantillation marks (U+0591-U+05C7, but not the
  punctuation in that block) dropped; geresh and gershayim (also typed as
  ``'`` and ``"``) inside a word dropped, so ``צה״ל`` = ``צה"ל`` = ``צהל``; maqaf
  (U+05BE) separates words like a hyphen; a prefix written with a hyphen before
  a number or a Latin word (``ה-Hub``, ``ב-30``) is dropped;
- zero-width joiner and bidi marks (which no one types on purpose) are removed,
  the zero-width non-joiner (ZWNJ) is kept for :func:`slots`.

Then :func:`slots` splits the text into words, one slot (position) per word,
each slot holding the forms it is found by:

- Persian ZWNJ: ``می‌خواهم`` is indexed as its parts ``می`` and ``خواهم`` at two
  positions, and as ``میخواهم`` at both; a query for it looks up ``میخواهم``
  (and, in a phrase, also the parts in a row). The spelling without ZWNJ
  (``میخواهم``) is indexed as that one word. A detached particle
  (:data:`PERSIAN_PREFIXES`, :data:`PERSIAN_SUFFIXES`) written with a space,
  ``می خواهم``, is indexed as the ZWNJ spelling is, and a query joins it, so
  all three spellings find each other.
- Hebrew one-letter prefixes (ה ו ב ל מ ש כ) are not part of the word's slot in
  the main fields: :func:`hebrew_forms` gives the word without them for a
  separate field, so an exact match outranks a match through a prefix.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence

from whoosh.analysis import Token, Tokenizer

ZWNJ = "\u200c"
HEBREW, PERSIAN = "he", "fa"

_DELETE = [
    *range(0x0591, 0x05BE), 0x05BF, 0x05C1, 0x05C2, 0x05C4, 0x05C5, 0x05C7,  # Hebrew points, cantillation
    *range(0x064B, 0x0660), 0x0670, 0x0640,  # Arabic diacritics, superscript alef, tatweel
    0x200D, 0xFEFF,  # zero-width joiner, byte-order mark
]  # fmt: skip
_SPACE = [0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]  # bidi marks
_FOLD = {
    "ي": "ی",
    "ى": "ی",
    "ك": "ک",
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ة": "ه",
    "ۀ": "ه",
    "ە": "ه",
    **{chr(0x06F0 + d): str(d) for d in range(10)},  # Persian digits
    **{chr(0x0660 + d): str(d) for d in range(10)},  # Arabic-Indic digits
}
_TABLE: dict[str, str] = {
    **dict.fromkeys(map(chr, _DELETE), ""),
    **dict.fromkeys(map(chr, _SPACE), " "),
    **_FOLD,
}
# A regular expression finds the few characters to change: ten times faster
# than str.translate over text that has none, which is most text.
_TO_FOLD = re.compile("[" + "".join(map(re.escape, _TABLE)) + "]")

HEBREW_LETTERS = "\u05d0-\u05ea"
_HEBREW_LETTER = re.compile(f"[{HEBREW_LETTERS}]")
_HEBREW_WORD = re.compile(f"[{HEBREW_LETTERS}]+")
# Geresh and gershayim, and the quotes typed for them, between two Hebrew letters.
_GERESH = re.compile(f"([{HEBREW_LETTERS}])['\"\u05f3\u05f4\u2019\u201d](?=[{HEBREW_LETTERS}])")
# "ה-Hub", "ב-30", "וה-Wi-Fi": prefix letters joined to a word by a hyphen or maqaf.
_HYPHENED_PREFIX = re.compile(r"\b[והבלמשכ]{1,3}[-\u05be](?=[^\W\u05d0-\u05ea])")
WORD = re.compile(r"\w+(?:[.\u200c]\w+)*")
_WORD_START = re.compile(r"(?<!\w)\w")

# Hebrew prefixes combine in this order: ו, then ש or כש, then one of ב כ ל, or
# מ and/or ה ("ובבית", "כשהנתב", "מהאתר"); ה never follows ב כ ל, which swallow it
# ("לבית", not "להבית"), so "להבין" is "ל" + "הבין" and never "בין".
# At most three letters are taken off.
_HEBREW_PREFIX = re.compile("ו?(?:כ?ש)?(?:[בכל]|מ?ה?)")
MAX_PREFIX = 3
# A word keeps at least three letters: "בית" is never "ב" + "ית", "מים" never "מ" + "ים".
MIN_HEBREW_STEM = 3
# Common words that begin with a prefix letter but are words of their own, whose
# remainder is another common word: "מחדש" (again) is not "מ" + "חדש" (new),
# "לאחר" (after) not "ל" + "אחר" (other). Found among the commonest prefix matches
# of the sample help centre and the Hebrew corpus (bench/search_languages.py).
# (Three-letter words need no place here: they are never split.)
HEBREW_WHOLE_WORDS = frozenset(
    {
        *("מחדש", "לאחר", "ולאחר", "שלאחר", "לפני", "ולפני", "שלפני", "ולכן", "בגלל", "כאשר", "לגבי"),
        *("שלנו", "שלכם", "שלכן", "שלהם", "שלהן", "בעבר", "מאוד", "מראה", "מנהל", "מנהלים", "השתמש"),
        *("בכלל", "לעולם", "לעבור"),
    }
)

# Persian particles written with a ZWNJ, and often with a space instead.
PERSIAN_PREFIXES = frozenset({"می", "نمی"})
PERSIAN_SUFFIXES = frozenset({"ها", "های", "هایی", "تر", "ترین"})
_ARABIC_SCRIPT = re.compile("[\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff]")
_SCRIPT = re.compile(
    f"([{HEBREW_LETTERS}\ufb1d-\ufb4f])|([\u0620-\u064a\u066e-\u06d3\u06fa-\u06ff\ufb50-\ufdff\ufe70-\ufefc])"
)


def normalise(text: str) -> str:
    """``text`` as the index sees it (see the module docstring); lengths change."""
    text = _TO_FOLD.sub(_fold_char, unicodedata.normalize("NFKC", text).lower())
    if "\u05be" in text or "-" in text:
        text = _HYPHENED_PREFIX.sub("", text).replace("\u05be", " ")
    return _GERESH.sub(r"\1", text)


def _fold_char(match: re.Match[str]) -> str:
    return _TABLE[match.group()]


def fold(text: str) -> str:
    """A key for comparing names and prefixes: normalised, ZWNJ removed,
    whitespace collapsed."""
    return " ".join(normalise(text).replace(ZWNJ, "").split())


def is_hebrew(word: str) -> bool:
    """True for a word of Hebrew letters only (after :func:`normalise`)."""
    return _HEBREW_WORD.fullmatch(word) is not None


def is_persian(word: str) -> bool:
    """True for a word with an Arabic-script letter (after :func:`normalise`)."""
    return _ARABIC_SCRIPT.search(word) is not None


@functools.lru_cache(maxsize=100_000)  # words repeat: indexing Hebrew text measured a third faster
def hebrew_forms(word: str) -> tuple[str, ...]:
    """``word`` and the words left when one to three prefix letters are taken
    off, in the order Hebrew allows them, shortest last: ``"לנתב"`` -> ``("לנתב",
    "נתב")``, ``"והנתב"`` -> ``("והנתב", "הנתב", "נתב")``, ``"בית"`` -> ``("בית",)``
    (three letters stay). A non-Hebrew word gives ``(word,)``."""
    if not is_hebrew(word) or len(word) <= MIN_HEBREW_STEM or word in HEBREW_WHOLE_WORDS:
        return (word,)
    forms = [word]
    for cut in range(1, min(MAX_PREFIX, len(word) - MIN_HEBREW_STEM) + 1):
        if _HEBREW_PREFIX.fullmatch(word, 0, cut):
            forms.append(word[cut:])
    return tuple(forms)


def query_language(text: str) -> str | None:
    """The language a query is written in, from its first Hebrew or
    Arabic-script letter: ``"he"``, ``"fa"``, or ``None`` (Latin, digits, nothing).
    A Hebrew or Persian query often names a product in Latin letters
    (``"הפעלה מחדש Harbor Hub"``), so one such letter decides."""
    found = _SCRIPT.search(text)
    if found is None:
        return None
    return HEBREW if found.group(1) else PERSIAN


def _joins_next(word: str, following: str) -> bool:
    return word in PERSIAN_PREFIXES and is_persian(following) and following not in PERSIAN_SUFFIXES


def _joins_previous(word: str, previous: str) -> bool:
    return word in PERSIAN_SUFFIXES and is_persian(previous) and previous not in PERSIAN_PREFIXES


def attach_particles(words: Sequence[str]) -> list[str]:
    """Query words with detached Persian particles joined to their neighbour by a
    ZWNJ: ``["می", "خواهم"]`` -> ``["می‌خواهم"]``, ``["کتاب", "ها"]`` -> ``["کتاب‌ها"]``.
    Words are compared normalised; the joined word keeps the words as typed."""
    keys = [normalise(w).replace(ZWNJ, "") for w in words]
    out: list[str] = []
    out_keys: list[str] = []
    i = 0
    while i < len(words):
        word, key = words[i], keys[i]
        if out and _joins_previous(key, out_keys[-1]):
            out[-1] += ZWNJ + word
            out_keys[-1] += key
            i += 1
            continue
        if i + 1 < len(words) and _joins_next(key, keys[i + 1]):
            word, key = word + ZWNJ + words[i + 1], key + keys[i + 1]
            i += 1
        out.append(word)
        out_keys.append(key)
        i += 1
    return out


_PARTICLES = PERSIAN_PREFIXES | PERSIAN_SUFFIXES


def _words(text: str, stop_words: frozenset[str]) -> tuple[list[str], bool]:
    """The normalised words of ``text`` without stop words, and whether each
    is its own one slot (no ZWNJ, no Persian particle): most text."""
    normal = normalise(text)
    words = WORD.findall(normal)
    if ZWNJ in normal:
        return [w for w in words if w.replace(ZWNJ, "") not in stop_words], False
    if stop_words:
        words = [w for w in words if w not in stop_words]
    return words, _PARTICLES.isdisjoint(words)


def slots(text: str, index: bool, stop_words: frozenset[str] = frozenset()) -> list[list[str]]:
    """The words of ``text``, one list of forms per position.

    For the index (``index=True``) a ZWNJ word takes one position per part, and
    its joined form stands at its first and its last part's positions, so a
    phrase finds it spelt either way next to its neighbours on either side
    (``می‌خواهم`` -> ``[["می", "میخواهم"], ["خواهم", "میخواهم"]]``). A detached
    Persian particle (``می خواهم``) is indexed exactly so. For a query each slot
    has one form: the joined word, with detached particles merged into it (see
    :func:`query_variants` for the other reading). Stop words (compared after
    normalising) take no position.
    """
    words, simple = _words(text, stop_words)
    if simple:
        return [[word] for word in words]
    return _index_slots(words) if index else _query_slots(words)


def _index_slots(words: list[str]) -> list[list[str]]:
    result: list[list[str]] = []
    previous = ""
    for word in words:
        parts = [part for part in word.split(ZWNJ) if part] if ZWNJ in word else [word]
        joined = "".join(parts)
        if len(parts) > 1:
            result.append([parts[0], joined])
            result.extend([part] for part in parts[1:-1])
            result.append([parts[-1], joined])
        elif previous and (_joins_next(previous, joined) or _joins_previous(joined, previous)):
            together = previous + joined
            result[-1] = list(dict.fromkeys([*result[-1], together]))
            result.append([joined, together])
        else:
            result.append([joined])
        previous = joined
    return result


def _query_slots(words: list[str]) -> list[list[str]]:
    result: list[list[str]] = []
    previous = ""
    pending = ""  # a detached prefix waiting for its word
    for position, word in enumerate(words):
        joined = word.replace(ZWNJ, "")
        following = words[position + 1].replace(ZWNJ, "") if position + 1 < len(words) else ""
        if _joins_next(joined, following) and not pending:
            pending = previous = joined
            continue
        if pending:
            joined, pending = pending + joined, ""
        elif result and _joins_previous(joined, previous):
            result[-1] = [result[-1][0] + joined]
            previous = result[-1][0]
            continue
        result.append([joined])
        previous = joined
    if pending:
        result.append([pending])
    return result


def query_variants(text: str, stop_words: frozenset[str] = frozenset()) -> list[list[str]]:
    """The token sequences a query phrase is looked up as: its words with
    compounds joined (:func:`slots`), and, when it has a ZWNJ, with every
    compound in its parts too (``"کد یک‌بار مصرف"`` -> ``کد یکبار مصرف`` or
    ``کد یک بار مصرف``), which the index has at consecutive positions."""
    words, simple = _words(text, stop_words)
    if simple:
        return [words]
    joined = [forms[0] for forms in _query_slots(words)]
    if not any(ZWNJ in word for word in words):
        return [joined]
    parts = [part for word in words for part in word.split(ZWNJ) if part]
    return [joined, parts] if parts != joined else [joined]


# Snippets are cut from the stored text as written, so it is folded character
# for character: letter variants as in normalise(), and marks, tatweel and ZWNJ
# made NUL, which a snippet pattern lets stand between any two letters. A
# match's offsets are then the original text's.
_SNIPPET_TABLE = {**dict.fromkeys(map(chr, _DELETE), "\x00"), ZWNJ: "\x00", **_FOLD}
_TO_SNIPPET_FOLD = re.compile("[" + "".join(map(re.escape, _SNIPPET_TABLE)) + "]")


def snippet_text(text: str) -> str:
    """``text`` folded for :func:`snippet_pattern`, as long as ``text``."""
    return _TO_SNIPPET_FOLD.sub(_snippet_char, text)


def _snippet_char(match: re.Match[str]) -> str:
    return _SNIPPET_TABLE[match.group()]


def snippet_pattern(word: str) -> str | None:
    """A regular expression that finds ``word`` in :func:`snippet_text` whatever
    its spelling variant: marks, tatweel and ZWNJ may stand between letters, and
    a Hebrew word may carry or lack prefix letters. ``None`` for an empty word."""
    folded = normalise(word).replace(ZWNJ, "")
    if not folded or not WORD.fullmatch(folded):
        return None
    prefix = rf"(?:[והבלמשכ]\x00*){{0,{MAX_PREFIX}}}" if is_hebrew(folded) else ""
    return prefix + r"\x00*".join(map(re.escape, hebrew_forms(folded)[-1]))


def suggestion_keys(title: str) -> list[str]:
    """Every string a prefix typed as you type may start with to find ``title``:
    the normalised title from each word start, with its ZWNJs both removed and
    read as spaces, and from each Hebrew word start after its prefix letters."""
    keys: dict[str, None] = {}
    for variant in title_starts(title):
        for start in _WORD_START.finditer(variant):
            keys[variant[start.start() :]] = None
            word = WORD.match(variant, start.start())
            if word is not None:
                for form in hebrew_forms(word.group(0))[1:]:
                    keys[variant[word.end() - len(form) :]] = None
    return list(keys)


def title_starts(title: str) -> tuple[str, ...]:
    """``title`` normalised, with its ZWNJs removed and read as spaces: what a
    prefix typed as you type is compared with to rank titles that start with it."""
    text = normalise(title)
    return tuple(dict.fromkeys((text.replace(ZWNJ, ""), text.replace(ZWNJ, " "))))


def prefix_variants(typed: str) -> list[str]:
    """What a typed prefix is looked up as: itself, normalised, and, when it
    starts with Hebrew prefix letters, without them (keeping three letters)."""
    key = normalise(typed).replace(ZWNJ, "").strip()
    if not key:
        return []
    first, _, rest = key.partition(" ")
    tail = f" {rest}" if rest else ""
    return [key, *(form + tail for form in hebrew_forms(first)[1:])]


# --- Whoosh tokenizers --------------------------------------------------------


class LanguageTokenizer(Tokenizer):
    """Words with their forms (see :func:`slots`), one position per slot, for
    the title, tags, summary and text fields. English stop words are left out
    here (not by a later filter) so that a slot's forms keep one position."""

    # How much a slot's forms after the first count (the first is the word as
    # written, or a compound's part): each weighs as much as the word here.
    other_forms_weight = 1.0

    def __init__(self, stop_words: Iterable[str] = ()) -> None:
        self.stop_words = frozenset(stop_words)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.stop_words == self.stop_words

    def __hash__(self) -> int:
        return hash(self.stop_words)

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for position, forms in self._slots(value, mode != "query"):
            for n, form in enumerate(forms):
                token.text = form
                token.boost = self.other_forms_weight if n else 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = form
                if positions:
                    token.pos = start_pos + position
                if chars:  # offsets in the normalised text's words; nothing here highlights with them
                    token.startchar = token.endchar = start_char + position
                yield token

    def _slots(self, value: str, index: bool) -> Iterable[tuple[int, Sequence[str]]]:
        words, simple = _words(value, self.stop_words)
        if simple:
            return enumerate((word,) for word in words)
        return enumerate(slots(value, index, self.stop_words))


class HebrewFormsTokenizer(LanguageTokenizer):
    """Only the Hebrew words, one position each, each with its forms without
    prefix letters (:func:`hebrew_forms`). Text without Hebrew letters costs one
    scan. A form without prefix letters counts half as much as the word as
    written, so that a document with the word as typed ranks first."""

    other_forms_weight = 0.5

    def _slots(self, value: str, index: bool) -> Iterable[tuple[int, Sequence[str]]]:
        if not _HEBREW_LETTER.search(value):
            return ()
        words, _simple = _words(value, self.stop_words)
        return ((position, hebrew_forms(word)) for position, word in enumerate(words) if _HEBREW_WORD.fullmatch(word))
