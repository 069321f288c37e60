"""The whole help center, loaded from a content directory."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from portal.content.articles import Article, load_article
from portal.content.categories import Category, load_categories
from portal.content.checks import check_site
from portal.content.faq import FaqEntry, load_faq
from portal.content.glossary import GlossaryTerm, load_glossary
from portal.content.problems import Problem, Problems, relative
from portal.content.trees import Tree, load_tree

T = TypeVar("T")

ARTICLES_DIR = "articles"
TREES_DIR = "troubleshooting_trees"
CATEGORIES_FILE = "categories.yaml"
FAQ_FILE = "faq.yaml"
GLOSSARY_FILE = "glossary.yaml"


@dataclass(frozen=True)
class Site:
    """Everything authors wrote, as typed objects, in a stable order.

    ``digests`` maps every content file read (relative path) to its SHA-256, so a
    build can tell what changed since the last one. ``article_problems`` holds the
    problems each article file had on its own (path → problems), without the
    whole-site checks: what a later load may reuse with the unchanged file.
    """

    categories: tuple[Category, ...]
    articles: tuple[Article, ...]
    faq: tuple[FaqEntry, ...]
    glossary: tuple[GlossaryTerm, ...]
    trees: tuple[Tree, ...]
    digests: Mapping[str, str] = field(default_factory=dict, compare=False, hash=False)
    article_problems: Mapping[str, tuple[Problem, ...]] = field(default_factory=dict, compare=False, hash=False)

    @cached_property
    def articles_by_slug(self) -> dict[str, Article]:
        return {a.slug: a for a in self.articles}

    @cached_property
    def articles_by_path(self) -> dict[str, Article]:
        return {a.path: a for a in self.articles}

    @cached_property
    def aliases(self) -> dict[str, str]:
        """Old slug → current slug."""
        return {alias: a.slug for a in self.articles for alias in a.aliases}

    @cached_property
    def categories_by_slug(self) -> dict[str, Category]:
        return {c.slug: c for c in self.categories}

    def resolve(self, target: str) -> Article | None:
        """The article an internal link target (a content path or
        ``/articles/<slug>``) points at, following aliases."""
        if target.startswith("/articles/"):
            slug = target.removeprefix("/articles/")
            return self.articles_by_slug.get(self.aliases.get(slug, slug))
        return self.articles_by_path.get(target)


def _identity(items: Iterable[T]) -> Iterable[T]:
    return items


def _read(path: Path, root: Path, problems_out: list[Problem]) -> tuple[str, str] | None:
    """``(text, sha256)`` of a content file, or ``None`` with a problem."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8"), hashlib.sha256(data).hexdigest()
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problems_out.append(
            Problem(relative(path, root), line, f"not UTF-8 text (byte {exc.start}); save the file as UTF-8")
        )
        return None


def load_site(
    root: Path,
    cache: Mapping[str, tuple[Article, tuple[Problem, ...]]] | None = None,
    progress: Callable[[Iterable[Path]], Iterable[Path]] = _identity,
) -> tuple[Site, list[Problem]]:
    """Load and check all content under ``root``; never raises for bad content.

    ``cache`` maps article paths to the article (and the warnings it had) of a
    previous load: a file whose bytes have the same digest is taken from it
    without being parsed again.
    ``progress`` wraps the list of article files (a progress bar, say).

    Returns the site (with every usable object) and every problem found, so an
    author sees all of them in one run.
    """
    root = Path(root)
    found: list[Problem] = []
    digests: dict[str, str] = {}
    own: dict[str, tuple[Problem, ...]] = {}

    def read_one(name: str, loader: Callable[[str, Problems], list[T]]) -> list[T]:
        path = root / name
        if not path.is_file():
            return []
        read = _read(path, root, found)
        if read is None:
            return []
        digests[name] = read[1]
        problems = Problems(name)
        items = loader(read[0], problems)
        found.extend(problems)
        return items

    categories = read_one(CATEGORIES_FILE, load_categories)
    faq = read_one(FAQ_FILE, load_faq)
    glossary = read_one(GLOSSARY_FILE, load_glossary)

    articles: list[Article] = []
    for path in progress(sorted((root / ARTICLES_DIR).rglob("*.md"))):
        rel = relative(path, root)
        read = _read(path, root, found)
        if read is None:
            continue
        text, digest = read
        digests[rel] = digest
        cached = (cache or {}).get(rel)
        if cached is not None and cached[0].digest == digest:
            articles.append(cached[0])
            found.extend(cached[1])
            own[rel] = tuple(cached[1])
            continue
        problems = Problems(rel)
        article = load_article(rel, text, digest, problems)
        found.extend(problems)
        own[rel] = tuple(problems)
        if article:
            articles.append(article)

    trees: list[Tree] = []
    for path in sorted((root / TREES_DIR).glob("*.y*ml")):
        rel = relative(path, root)
        tree = read_one(rel, lambda text, problems, rel=rel: [t] if (t := load_tree(rel, text, problems)) else [])
        trees.extend(tree)

    site = Site(
        categories=tuple(categories),
        articles=tuple(articles),
        faq=tuple(faq),
        glossary=tuple(glossary),
        trees=tuple(trees),
        digests=digests,
        article_problems=own,
    )
    found.extend(check_site(site))
    return site, sorted(set(found))
