"""The catalog: rendered content of one build, in a SQLite file beside its index.

The build writes it; the site reads it (read-only, one connection per thread).
An article page is one indexed lookup, so start-up costs nothing at any corpus
size and a page view never touches Markdown. The small collections (categories,
FAQ, glossary, trees) are read into memory once per build.

The catalog also keeps each article as the build parsed it, so the next build
can skip unchanged files.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the site reads catalogs without loading the content layer
    from portal.content.articles import Article
    from portal.content.problems import Problem

FILENAME = "catalog.sqlite3"
# Bumped whenever the tables or the pickled content classes change: a build that
# finds another version starts from scratch instead of reusing the old build.
FORMAT_VERSION = "3"  # 3: Article.pages

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    slug TEXT PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    lang TEXT NOT NULL,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    updated TEXT NOT NULL,
    translation_of TEXT NOT NULL,
    position INTEGER NOT NULL,
    digest TEXT NOT NULL,
    render_key TEXT NOT NULL,
    data TEXT NOT NULL,          -- JSON: tags, aliases, related, headings, terms
    html TEXT NOT NULL,
    source BLOB NOT NULL         -- the parsed Article and its warnings, for the next build
);
CREATE INDEX IF NOT EXISTS articles_category ON articles (category, position);
CREATE INDEX IF NOT EXISTS articles_translation ON articles (translation_of);
-- The home page lists recent articles and counts per category on every view:
-- covering indexes keep it from reading every article's HTML.
CREATE INDEX IF NOT EXISTS articles_lang_updated ON articles (lang, updated DESC, title);
CREATE INDEX IF NOT EXISTS articles_lang_category ON articles (lang, category);
CREATE TABLE IF NOT EXISTS aliases (alias TEXT PRIMARY KEY, slug TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS collections (name TEXT PRIMARY KEY, data TEXT NOT NULL);
"""


@dataclass(frozen=True)
class ArticlePage:
    """What an article page shows, straight from the catalog."""

    slug: str
    path: str
    lang: str
    category: str
    title: str
    summary: str
    updated: dt.date
    translation_of: str
    tags: tuple[str, ...]
    aliases: tuple[str, ...]
    related: tuple[str, ...]
    headings: tuple[dict[str, Any], ...]
    terms: tuple[str, ...]
    html: str

    @property
    def url(self) -> str:
        return f"/articles/{self.slug}"


@dataclass(frozen=True)
class ArticleSummary:
    slug: str
    title: str
    summary: str
    lang: str
    category: str
    updated: dt.date

    @property
    def url(self) -> str:
        return f"/articles/{self.slug}"


class CatalogWriter:
    """Used by the build on its own copy of the catalog."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript("PRAGMA journal_mode=DELETE; PRAGMA synchronous=NORMAL;" + _SCHEMA)
        self.db.execute("BEGIN")

    def version(self) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        return row[0] if row else None

    def cached_articles(self) -> dict[str, tuple[Article, tuple[Problem, ...]]]:
        return {path: pickle.loads(blob) for path, blob in self.db.execute("SELECT path, source FROM articles")}

    def render_keys(self) -> dict[str, tuple[str, str, str]]:
        """slug → (path, digest, render key) of every stored article."""
        return {s: (p, d, k) for s, p, d, k in self.db.execute("SELECT slug, path, digest, render_key FROM articles")}

    def delete_articles(self, slugs: list[str]) -> None:
        self.db.executemany("DELETE FROM articles WHERE slug = ?", [(s,) for s in slugs])

    def put_article(
        self,
        article: Article,
        warnings: tuple[Problem, ...],
        position: int,
        render_key: str,
        html: str,
        headings: list[dict[str, Any]],
        terms: tuple[str, ...],
    ) -> None:
        data = {
            "tags": article.tags,
            "aliases": article.aliases,
            "related": article.related,
            "headings": headings,
            "terms": terms,
        }
        self.db.execute(
            "INSERT OR REPLACE INTO articles VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (
                article.slug,
                article.path,
                article.lang,
                article.category,
                article.title,
                article.summary,
                article.updated.isoformat(),
                article.translation_of,
                position,
                article.digest,
                render_key,
                json.dumps(data, ensure_ascii=False),
                html,
                pickle.dumps((article, warnings)),
            ),
        )

    def set_position(self, slug: str, position: int) -> None:
        self.db.execute("UPDATE articles SET position = ? WHERE slug = ?", (position, slug))

    def set_aliases(self, aliases: dict[str, str]) -> None:
        self.db.execute("DELETE FROM aliases")
        self.db.executemany("INSERT INTO aliases VALUES (?, ?)", aliases.items())

    def set_collection(self, name: str, data: Any) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO collections VALUES (?, ?)", (name, json.dumps(data, ensure_ascii=False))
        )

    def set_meta(self, values: dict[str, str]) -> None:
        self.db.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", values.items())

    def meta(self) -> dict[str, str]:
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def commit(self) -> None:
        self.db.execute("COMMIT")
        self.db.close()

    def rollback(self) -> None:
        self.db.execute("ROLLBACK")
        self.db.close()


class Catalog:
    """Read access to a published build's catalog, shared by all requests."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._collections: dict[str, Any] = {}
        self.meta = dict(self._db().execute("SELECT key, value FROM meta"))

    def _db(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
            db.row_factory = sqlite3.Row
            self._local.db = db
        return db

    def collection(self, name: str) -> Any:
        if name not in self._collections:
            row = self._db().execute("SELECT data FROM collections WHERE name = ?", (name,)).fetchone()
            self._collections[name] = json.loads(row[0]) if row else []
        return self._collections[name]

    def article(self, slug: str) -> ArticlePage | None:
        row = (
            self._db()
            .execute(
                "SELECT slug, path, lang, category, title, summary, updated, translation_of, data, html "
                "FROM articles WHERE slug = ?",
                (slug,),
            )
            .fetchone()
        )
        if row is None:
            return None
        data = json.loads(row["data"])
        return ArticlePage(
            slug=row["slug"],
            path=row["path"],
            lang=row["lang"],
            category=row["category"],
            title=row["title"],
            summary=row["summary"],
            updated=dt.date.fromisoformat(row["updated"]),
            translation_of=row["translation_of"],
            tags=tuple(data["tags"]),
            aliases=tuple(data["aliases"]),
            related=tuple(data["related"]),
            headings=tuple(data["headings"]),
            terms=tuple(data["terms"]),
            html=row["html"],
        )

    def alias(self, slug: str) -> str | None:
        row = self._db().execute("SELECT slug FROM aliases WHERE alias = ?", (slug,)).fetchone()
        return row[0] if row else None

    def _summaries(self, where: str, params: tuple, limit: int = 1000) -> list[ArticleSummary]:
        rows = self._db().execute(
            f"SELECT slug, title, summary, lang, category, updated FROM articles WHERE {where} LIMIT ?",  # noqa: S608
            (*params, limit),
        )
        return [
            ArticleSummary(
                r["slug"], r["title"], r["summary"], r["lang"], r["category"], dt.date.fromisoformat(r["updated"])
            )
            for r in rows
        ]

    def articles_in(self, category: str, lang: str | None = None, limit: int = 1000) -> list[ArticleSummary]:
        """A category's articles in authored order (folder order, then file name)."""
        if lang:
            return self._summaries("category = ? AND lang = ? ORDER BY position", (category, lang), limit)
        return self._summaries("category = ? ORDER BY position", (category,), limit)

    def articles(self, slugs: list[str]) -> list[ArticleSummary]:
        found = {a.slug: a for a in self._summaries(f"slug IN ({','.join('?' * len(slugs))})", tuple(slugs))}
        return [found[s] for s in slugs if s in found]

    def translations(self, page: ArticlePage) -> list[ArticleSummary]:
        """Every language version of the article, the original first."""
        original = page.translation_of or page.slug
        return self._summaries(
            "slug = ? OR translation_of = ? ORDER BY translation_of != '', lang", (original, original)
        )

    def translation_groups(self) -> list[list[ArticleSummary]]:
        """Every article, each group holding one article's language versions (the
        original first). One query for all of them, for the sitemap."""
        rows = self._db().execute(
            "SELECT slug, title, summary, lang, category, updated, translation_of FROM articles "
            "ORDER BY category, position"
        )
        groups: dict[str, list[ArticleSummary]] = {}
        for r in rows:
            summary = ArticleSummary(
                r["slug"], r["title"], r["summary"], r["lang"], r["category"], dt.date.fromisoformat(r["updated"])
            )
            groups.setdefault(r["translation_of"] or r["slug"], []).append(summary)
        for original, group in groups.items():
            group.sort(key=lambda a, original=original: (a.slug != original, a.lang))
        return list(groups.values())

    def recently_updated(self, lang: str, limit: int) -> list[ArticleSummary]:
        return self._summaries("lang = ? ORDER BY updated DESC, title", (lang,), limit)

    def counts_by_category(self, lang: str) -> dict[str, int]:
        rows = self._db().execute("SELECT category, count(*) FROM articles WHERE lang = ? GROUP BY category", (lang,))
        return dict(rows.fetchall())

    def originals_in(self, category: str, limit: int = 1000) -> list[ArticleSummary]:
        """A category's articles, one per translation group (the original), in authored order."""
        return self._summaries("category = ? AND translation_of = '' ORDER BY position", (category,), limit)

    def originals_by_category(self) -> dict[str, int]:
        """How many articles (counting an article and its translations once) each category has."""
        rows = self._db().execute("SELECT category, count(*) FROM articles WHERE translation_of = '' GROUP BY category")
        return dict(rows.fetchall())

    def in_language(self, slugs: list[str], lang: str) -> dict[str, ArticleSummary]:
        """For each of ``slugs`` (any language version of an article), its version
        in ``lang``, where one exists."""
        if not slugs:
            return {}
        group = "CASE a.translation_of WHEN '' THEN a.slug ELSE a.translation_of END"
        rows = self._db().execute(
            f"SELECT a.slug AS asked, t.slug, t.title, t.summary, t.lang, t.category, t.updated "  # noqa: S608
            f"FROM articles a JOIN articles t ON t.lang = ? AND (t.slug = {group} OR t.translation_of = {group}) "
            f"WHERE a.slug IN ({','.join('?' * len(slugs))})",
            (lang, *slugs),
        )
        return {
            r["asked"]: ArticleSummary(
                r["slug"], r["title"], r["summary"], r["lang"], r["category"], dt.date.fromisoformat(r["updated"])
            )
            for r in rows
        }

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
