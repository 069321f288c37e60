"""Small helpers shared by the views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, request

from portal.catalog import ArticleSummary, Catalog
from portal.published import Snapshot

T = TypeVar("T")

RTL_LANGS = {"he", "fa", "ar", "ur", "yi"}


def direction(lang: str) -> str:
    return "rtl" if lang.split("-")[0] in RTL_LANGS else "ltr"


def int_arg(name: str, default: int, low: int, high: int) -> int:
    """A bounded integer query argument; junk means the default, never an error."""
    raw = request.args.get(name, "")
    if not raw.strip().lstrip("-").isdigit() or len(raw) > 12:
        return default
    return max(low, min(high, int(raw)))


def category_or_404(snapshot: Snapshot, slug: str) -> dict[str, Any]:
    category = categories_by_slug(snapshot).get(slug)
    if category is None:
        abort(404)
    return category


def categories_by_slug(snapshot: Snapshot) -> dict[str, dict[str, Any]]:
    return {c["slug"]: c for c in snapshot.catalog.collection("categories")}


def in_reader_language(catalog: Catalog, articles: list[ArticleSummary], lang: str) -> list[ArticleSummary]:
    """Each article in ``lang`` where it has that translation, else as it is (the
    template labels an article in another language)."""
    found = catalog.in_language([a.slug for a in articles], lang)
    return [found.get(a.slug, a) for a in articles]


def by_reader_language(items: list[T], lang: str, item_lang: Callable[[T], str]) -> list[T]:
    """``items`` in ``lang`` first, then the rest (English first), each part in
    its given order: lists fall back to other languages rather than come up empty."""
    return sorted(items, key=lambda item: (item_lang(item) != lang, item_lang(item) != "en", item_lang(item)))
