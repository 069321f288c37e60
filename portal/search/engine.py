"""The portal's own search interface: build, search, suggest.

Views and the build talk to these types only. Whoosh sits behind them
(:mod:`portal.search.whoosh_backend`); another engine can replace it by
implementing :class:`Backend` and :class:`Index`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from portal.search.query import UserQuery
from portal.search.synonyms import Synonyms

ARTICLE, FAQ, GLOSSARY, TREE = "article", "faq", "glossary", "tree"
TYPES = (ARTICLE, FAQ, GLOSSARY, TREE)


@dataclass(frozen=True)
class Document:
    """One searchable thing. ``id`` is ``type:key``; ``source`` is the content
    file it came from (an incremental build deletes by it); ``text`` is the
    plain text that is searched and that snippets are cut from."""

    type: str
    key: str
    title: str
    url: str
    lang: str
    category: str
    summary: str
    tags: tuple[str, ...]
    text: str
    source: str

    @property
    def id(self) -> str:
        return f"{self.type}:{self.key}"


@dataclass(frozen=True)
class Hit:
    type: str
    key: str
    title: str
    url: str
    lang: str
    category: str
    summary: str
    score: float
    snippet: str = ""  # HTML, with the matched words in <mark>


@dataclass(frozen=True)
class Filters:
    types: tuple[str, ...] = ()
    category: str = ""
    lang: str = ""


@dataclass(frozen=True)
class Results:
    total: int
    page: int
    per_page: int
    hits: tuple[Hit, ...] = ()
    # True when no document had every word and the results match some of them.
    partial: bool = False
    facets: dict[str, int] = field(default_factory=dict)
    # A corrected query to offer ("Did you mean"), only when nothing or only
    # some words matched and the correction finds something with these filters.
    did_you_mean: str | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


@dataclass(frozen=True)
class Suggestion:
    title: str
    url: str
    type: str
    lang: str


class Index(Protocol):
    """An open, read-only index; one per process, reused across requests."""

    def search(self, query: UserQuery, filters: Filters, page: int, per_page: int) -> Results:
        """Glossary names in ``query`` also find their term's other names; the
        results carry ``did_you_mean`` when nothing or only some words matched."""

    def suggest(self, prefix: str, limit: int = 8, lang: str = "") -> list[Suggestion]: ...

    def close(self) -> None: ...


class Backend(Protocol):
    # Changes whenever what the backend writes changes, so that a build never
    # adds documents to an index written in an older layout (it rebuilds fully).
    format_version: str

    def build(
        self,
        directory: Path,
        add: Iterable[Document],
        remove_sources: Sequence[str],
        fresh: bool,
        synonyms: Synonyms | None = None,
    ) -> None:
        """Write ``add`` into the index at ``directory`` (created when ``fresh``),
        after deleting every document whose source is in ``remove_sources``.
        ``synonyms`` is the whole site's glossary, per language (name -> the
        other names of its term); it replaces the previous build's (``None``:
        no synonyms)."""

    def open(self, directory: Path) -> Index: ...
