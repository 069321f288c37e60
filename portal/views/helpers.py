"""Small helpers shared by the views."""

from __future__ import annotations

from typing import Any

from flask import abort, request

from portal.published import Snapshot

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
