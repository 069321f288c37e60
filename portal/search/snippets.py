"""Search snippets cut from the plain text the build stored.

Whoosh's highlighter re-analyses every hit's text (several times the cost of the
query itself), so the portal cuts snippets itself: find the window of stored text
where most query words occur, escape it, and mark the words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from whoosh.lang.porter import stem

from portal.search.languages import snippet_pattern, snippet_text

WINDOW = 220


def _patterns(words: Sequence[str]) -> re.Pattern[str] | None:
    """English words match from their stem; other words (and numbers) in any
    spelling the search folds together, in :func:`snippet_text` (see
    :func:`snippet_pattern`)."""
    pieces: dict[str, int] = {}
    for word in words:
        if len(word) < 2:
            continue
        if word.isascii() and word.isalpha():
            pieces[re.escape(stem(word.lower()))] = len(word)
        else:
            pieces[snippet_pattern(word) or re.escape(word.lower())] = len(word)
    if not pieces:
        return None
    alternation = "|".join(sorted(pieces, key=pieces.__getitem__, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternation})\w*", re.IGNORECASE)


def make_snippet(text: str, words: Sequence[str], fallback: str = "", width: int = WINDOW) -> str:
    """An HTML snippet of ``text`` around the query ``words`` (``<mark>`` around
    each match), or the escaped start of ``fallback``/``text`` when none occurs."""
    pattern = _patterns(words)
    folded = snippet_text(text) if pattern else text  # as long as text: offsets agree
    matches = list(pattern.finditer(folded)) if pattern else []
    if not matches:
        plain = fallback or text
        short = plain[:width].rsplit(" ", 1)[0] if len(plain) > width else plain
        return html.escape(short) + (" …" if len(plain) > len(short) else "")
    start = _best_window(matches, width)
    begin = max(0, text.rfind(" ", 0, start) + 1) if start else 0
    end = min(len(text), begin + width)
    if end < len(text):
        end = text.rfind(" ", begin, end) if text.rfind(" ", begin, end) > begin else end
    piece = text[begin:end].replace("\n", " · ")
    out: list[str] = ["… " if begin else ""]
    pos = 0
    for match in pattern.finditer(folded[begin:end].replace("\n", " · ")):
        out.append(html.escape(piece[pos : match.start()]))
        out.append(f"<mark>{html.escape(piece[match.start() : match.end()])}</mark>")
        pos = match.end()
    out.append(html.escape(piece[pos:]))
    out.append(" …" if end < len(text) else "")
    return "".join(out)


def _best_window(matches: list[re.Match[str]], width: int) -> int:
    """Start offset of the window holding the most distinct matched words."""
    best_start, best_score = matches[0].start(), 0
    for i, first in enumerate(matches):
        seen = set()
        for match in matches[i:]:
            if match.end() - first.start() > width:
                break
            seen.add(match.group(0).lower())
        if len(seen) > best_score:
            best_start, best_score = first.start(), len(seen)
    return max(0, best_start - 40)
