"""What the customer tried before asking, read from a ticket's ``context`` for
the staff ticket page.

The context is JSON written by several channels (the web form, the API, the
troubleshooter's transcript) and, through the API, partly by the customer's
own software, so nothing about its shape is trusted: unexpected types are
skipped or shown as text, lists and strings are cut to a readable length, and
nothing here raises.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from portal.tickets.context import ArticleRead, Search

MAX_ITEMS = 50
MAX_TEXT = 500
KNOWN = ("searches", "articles", "tree")


@dataclass(frozen=True)
class TreeTranscript:
    """The troubleshooter walk the ticket came from (``Transcript.as_dict()``):
    question/answer ``steps`` in order, where it ``ended``, and the escalation
    node's ``reason`` for staff."""

    tree_id: str
    title: str
    steps: tuple[tuple[str, str], ...]
    ended: str
    reason: str
    category: str
    priority: str


@dataclass(frozen=True)
class CustomerContext:
    searches: tuple[Search, ...]
    articles: tuple[ArticleRead, ...]
    tree: TreeTranscript | None
    other: tuple[tuple[str, str], ...]  # keys no channel documents, shown as text

    @property
    def empty(self) -> bool:
        return not (self.searches or self.articles or self.tree or self.other)


def _text(value: Any, limit: int = MAX_TEXT) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, default=str)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if value >= 0 else None


def _list(value: Any) -> list[Any]:
    return list(value[:MAX_ITEMS]) if isinstance(value, list) else []


def _first(item: Mapping[str, Any], *names: str) -> Any:
    return next((item[n] for n in names if n in item), None)


def _search(item: Any) -> Search | None:
    if isinstance(item, str):
        return Search(_text(item), None) if item.strip() else None
    if isinstance(item, Mapping):
        query = _text(_first(item, "query", "q", "text"))
        if query:
            return Search(query, _count(_first(item, "results", "total", "count", "hits")))
    return None


def _viewed(item: Any) -> ArticleRead | None:
    if isinstance(item, str):
        return ArticleRead(_text(item, 200), "") if item.strip() else None
    if isinstance(item, Mapping):
        slug = _text(_first(item, "slug", "key", "id"), 200)
        title = _text(_first(item, "title"))
        if slug or title:
            return ArticleRead(slug, title)
    return None


def _tree(value: Any) -> TreeTranscript | None:
    if not isinstance(value, Mapping):
        return None
    steps: list[tuple[str, str]] = []
    for step in _list(value.get("steps")):
        if isinstance(step, Mapping):
            steps.append((_text(step.get("question")), _text(step.get("answer"))))
        elif isinstance(step, list | tuple) and len(step) == 2:
            steps.append((_text(step[0]), _text(step[1])))
    return TreeTranscript(
        tree_id=_text(value.get("tree_id"), 200),
        title=_text(value.get("tree_title")) or _text(value.get("tree_id"), 200),
        steps=tuple(steps),
        ended=_text(value.get("ended")),
        reason=_text(value.get("reason")),
        category=_text(value.get("ticket_category"), 200),
        priority=_text(value.get("priority"), 40),
    )


def read_context(raw: Any) -> CustomerContext:
    """The context as the ticket page shows it; anything malformed is left out."""
    if not isinstance(raw, Mapping):
        return CustomerContext((), (), None, ())
    searches = tuple(s for s in map(_search, _list(raw.get("searches"))) if s)
    articles = tuple(a for a in map(_viewed, _list(raw.get("articles"))) if a)
    other = tuple(
        (_text(key, 100), _text(value)) for key, value in list(raw.items())[:MAX_ITEMS] if key not in KNOWN and value
    )
    return CustomerContext(searches, articles, _tree(raw.get("tree")), other)
