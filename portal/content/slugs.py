"""Slugs: the stable, URL-safe names of articles, categories and anchors."""

from __future__ import annotations

import re
import unicodedata

# Zero-width and direction marks hide in copied titles and file names; they must
# not make two slugs that look identical differ.
_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2064\ufeff]")
_NOT_WORD = re.compile(r"[^\w]+")


def slugify(text: str, max_length: int = 80) -> str:
    """``"Why was my card declined?"`` → ``"why-was-my-card-declined"``.

    Letters of every script are kept (a Hebrew title gives a Hebrew slug); anything
    else becomes a single hyphen. Returns ``""`` when nothing usable is left.
    """
    text = _INVISIBLE.sub("", unicodedata.normalize("NFKC", text)).lower()
    slug = _NOT_WORD.sub("-", text.replace("_", "-")).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug


def is_slug(text: str) -> bool:
    return bool(text) and slugify(text) == text
