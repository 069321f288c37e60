"""Split a Markdown file into its YAML front matter and its body."""

from __future__ import annotations

from dataclasses import dataclass

_FENCE = "---"


@dataclass(frozen=True)
class Split:
    """``meta`` is the YAML text (``None`` when the file has no front matter);
    ``meta_line`` is the file line it starts on; ``body_line`` likewise."""

    meta: str | None
    meta_line: int
    body: str
    body_line: int


def split_front_matter(text: str) -> Split:
    """Front matter is the block between a first line ``---`` and the next line
    ``---`` (or ``...``). Trailing spaces on the fences are tolerated because real
    exports have them."""
    text = text.removeprefix("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != _FENCE:
        return Split(None, 1, text, 1)
    for index in range(1, len(lines)):
        if lines[index].rstrip() in (_FENCE, "..."):
            meta = "".join(lines[1:index])
            body = "".join(lines[index + 1 :])
            return Split(meta, 2, body, index + 2)
    return Split(None, 1, text, 1)
