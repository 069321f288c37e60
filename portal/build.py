"""The build: load and check all content, render it, index it, publish it.

Phases, so an author sees every problem before anything is written:
1. load everything (unchanged articles come from the previous build);
2. check every cross-reference against the whole site;
3. stop with all problems if there is any error (or any warning when strict);
4. in a fresh build directory (a copy of the previous build when it can be
   reused): render what changed, update the index, write the catalog;
5. publish atomically and clean old builds (see :mod:`portal.publish`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from portal import catalog as catalog_module
from portal import publish
from portal.catalog import CatalogWriter
from portal.content import Problem, Site, load_site
from portal.content.articles import Article, image_target, internal_link
from portal.content.drafts import DRAFTS, draft_problems, draft_slugs, without_drafts
from portal.content.images import IMAGES_DIR, ImageFile, check_images, image_url
from portal.content.problems import WARNING, errors
from portal.content.site import FAQ_FILE, GLOSSARY_FILE
from portal.content.trees import Tree
from portal.publish import SEARCH_DIR
from portal.rendering import RENDER_VERSION, render_markdown, term_matcher
from portal.rendering.glossary_links import TermMatcher
from portal.search import Backend, Document, default_backend
from portal.search.engine import ARTICLE, FAQ, GLOSSARY, TREE


@dataclass
class BuildReport:
    problems: list[Problem]
    counts: dict[str, int] = field(default_factory=dict)
    rendered: int = 0
    indexed: int = 0
    removed: int = 0
    seconds: float = 0.0
    build_dir: Path | None = None
    strict: bool = False
    images: int = 0  # image files new in this build (the others come from the previous one)

    @property
    def failed(self) -> bool:
        return bool(errors(self.problems)) or (self.strict and bool(self.problems))

    def summary(self) -> str:
        counts = ", ".join(f"{n} {kind}" for kind, n in self.counts.items())
        if self.build_dir is None:
            return f"checked {counts} in {self.seconds:.1f}s"
        return (
            f"built {counts} in {self.seconds:.1f}s "
            f"({self.rendered} rendered, {self.indexed} indexed, {self.removed} removed)"
        )


Progress = Callable[[Iterable[Path]], Iterable[Path]]


def _identity(items: Iterable[Path]) -> Iterable[Path]:
    return items


def check(content_dir: Path, strict: bool = False, progress: Progress = _identity) -> tuple[Site, BuildReport]:
    started = time.perf_counter()
    site, problems = load_site(content_dir, progress=progress)
    problems += _sla_problems(content_dir, site)
    problems += _image_and_draft_checks(content_dir, site)[1]
    report = BuildReport(problems, _counts(site), strict=strict)
    report.seconds = time.perf_counter() - started
    return site, report


def build(
    content_dir: Path,
    index_root: Path,
    *,
    strict: bool = False,
    progress: Progress = _identity,
    backend: Backend | None = None,
    drafts: bool = False,
) -> BuildReport:
    """Build and publish. Raises :class:`portal.publish.BuildLocked` when another
    build is running; reports content problems in the returned report.
    ``drafts`` publishes drafts too (articles, FAQ entries, glossary terms and
    trees: ``flask preview``, into its own index directory); a normal build
    leaves them out."""
    started = time.perf_counter()
    backend = backend or default_backend()
    with publish.build_lock(index_root):
        publish.clean(index_root)
        previous = publish.current_build(index_root)
        reusable = previous is not None and _reusable(previous, backend)
        cache = {}
        if reusable:
            reader = CatalogWriter(previous / catalog_module.FILENAME)
            cache = reader.cached_articles()
            reader.rollback()
        site, problems = load_site(content_dir, cache=cache, progress=progress)
        problems += _sla_problems(content_dir, site)
        images, more = _image_and_draft_checks(content_dir, site)
        problems += more
        if not drafts:
            site = without_drafts(site)
        report = BuildReport(problems, _counts(site), strict=strict)
        if report.failed:
            report.seconds = time.perf_counter() - started
            return report

        target = publish.new_build_dir(index_root)
        try:
            if reusable:
                shutil.copy2(previous / catalog_module.FILENAME, target / catalog_module.FILENAME)
                shutil.copytree(previous / SEARCH_DIR, target / SEARCH_DIR)
            _write(site, target, reusable, backend, report, images)
            report.images = _publish_images(content_dir, site, images, previous if reusable else None, target)
        except BaseException:
            shutil.rmtree(target, ignore_errors=True)
            raise
        publish.publish(index_root, target)
        publish.clean(index_root)
        report.build_dir = target
        report.seconds = time.perf_counter() - started
        return report


def _sla_problems(content_dir: Path, site: Site) -> list[Problem]:
    """``sla.yaml`` is read by the running site, not built; checked here so an
    author hears of a mistake now rather than from a portal that will not start."""
    from portal.tickets.sla import load_sla_file

    return load_sla_file(Path(content_dir), frozenset(c.slug for c in site.categories))[1]


def _image_and_draft_checks(content_dir: Path, site: Site) -> tuple[dict[str, ImageFile], list[Problem]]:
    """Images (they are files beside the articles, read here rather than by the
    loader) and references from published content to drafts."""
    images, problems = check_images(content_dir, site.articles)
    return images, problems + draft_problems(site)


def _image_names(article: Article, images: Mapping[str, ImageFile]) -> list[str]:
    # Part of an article's render key: a changed image file changes its page.
    return [images[i.target].name if i.target in images else "" for i in article.images]


def _image_resolver(path: str, images: Mapping[str, ImageFile]) -> Callable[[str], str | None]:
    def resolve(src: str) -> str | None:
        image = images.get(image_target(path, src))
        return image_url(image.name) if image else None

    return resolve


def _publish_images(
    content_dir: Path, site: Site, images: Mapping[str, ImageFile], previous: Path | None, target: Path
) -> int:
    """Put every image the published articles show into the build under its
    fingerprinted name; returns how many were new. A name is a hash of the
    bytes, so a file of the same name in the previous build is the same image:
    it is linked, not copied."""
    used = {images[i.target] for a in site.articles for i in a.images if i.target in images}
    folder = target / IMAGES_DIR
    folder.mkdir(exist_ok=True)
    new = 0
    for image in sorted(used, key=lambda i: i.name):
        old = previous / IMAGES_DIR / image.name if previous else None
        if old is not None and old.is_file():
            try:
                os.link(old, folder / image.name)
                continue
            except OSError:
                pass  # no hard links on this file system: copy
        shutil.copyfile(Path(content_dir) / image.source, folder / image.name)
        new += 1
    return new


def _reusable(build_dir: Path, backend: Backend) -> bool:
    path = build_dir / catalog_module.FILENAME
    if not path.is_file() or not (build_dir / SEARCH_DIR).is_dir():
        return False
    reader = CatalogWriter(path)
    meta = reader.meta()
    reader.rollback()
    return meta.get("format") == _format(backend)


def _format(backend: Backend) -> str:
    # The backend's version too: an index in an older layout is rebuilt, never added to.
    return f"{catalog_module.FORMAT_VERSION}/{RENDER_VERSION}/{backend.format_version}"


def _counts(site: Site) -> dict[str, int]:
    return {
        "articles": len(site.articles),
        "FAQ entries": len(site.faq),
        "glossary terms": len(site.glossary),
        "trees": len(site.trees),
    }


def _digest(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, default=str, ensure_ascii=False).encode()).hexdigest()


def _write(
    site: Site,
    target: Path,
    reused: bool,
    backend: Backend,
    report: BuildReport,
    images: Mapping[str, ImageFile] | None = None,
) -> None:
    images = images or {}
    writer = CatalogWriter(target / catalog_module.FILENAME)
    try:
        old_meta = writer.meta()
        old_digests: dict[str, str] = json.loads(old_meta.get("digests", "{}"))
        stored = writer.render_keys()
        matchers = {
            lang: term_matcher(t for t in site.glossary if t.lang == lang) for lang in {a.lang for a in site.articles}
        }
        glossary_digest = site.digests.get(GLOSSARY_FILE, "")

        add: list[Document] = []
        remove: list[str] = []
        current = {a.slug for a in site.articles}
        gone = [slug for slug in stored if slug not in current]
        writer.delete_articles(gone)
        remove.extend(stored[slug][0] for slug in gone)
        report.removed = len(gone)

        for position, article in enumerate(site.articles):
            old = stored.get(article.slug)
            render_key = _digest(
                article.digest,
                RENDER_VERSION,
                glossary_digest,
                _resolved_links(site, article),
                _image_names(article, images),
            )
            if old and old[2] == render_key and old[0] == article.path:
                writer.set_position(article.slug, position)
                continue
            rendered = render_markdown(
                article.body,
                lang=article.lang,
                resolve_link=_resolver(site, article.path),
                terms=matchers.get(article.lang),
                resolve_image=_image_resolver(article.path, images),
            )
            # Only the file's own warnings go with it into the next build: a
            # whole-site one (an outdated translation) is judged afresh each time.
            own_warnings = tuple(p for p in site.article_problems.get(article.path, ()) if p.severity == WARNING)
            writer.put_article(
                article,
                own_warnings,
                position,
                render_key,
                rendered.html,
                [{"level": h.level, "id": h.id, "text": h.text} for h in rendered.headings],
                rendered.terms,
            )
            report.rendered += 1
            if old is None or old[1] != article.digest or old[0] != article.path:
                if old:
                    remove.append(old[0])
                remove.append(article.path)
                add.append(_article_document(site, article, rendered.text))
        writer.set_aliases(site.aliases)
        writer.set_collection(DRAFTS, sorted(draft_slugs(site)))

        changed_files = {name for name, digest in site.digests.items() if old_digests.get(name) != digest}
        changed_files |= {name for name in old_digests if name not in site.digests}
        if not reused:
            changed_files |= set(site.digests)
        collections = _collections(site, matchers)
        for name, data in collections.items():
            writer.set_collection(name, data)
        for source in sorted(changed_files):
            if source.startswith("articles/"):
                continue
            remove.append(source)
            add.extend(_collection_documents(site, source, collections))
        report.indexed = len(add)

        backend.build(
            target / SEARCH_DIR,
            add,
            sorted(set(remove)) if reused else [],
            fresh=not reused,
            synonyms=_synonyms(site),
        )
        writer.set_meta(
            {
                "format": _format(backend),
                "digests": json.dumps(site.digests, sort_keys=True),
                "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "counts": json.dumps(report.counts),
            }
        )
        writer.commit()
    except BaseException:
        writer.rollback()
        raise


def _synonyms(site: Site) -> dict[str, dict[str, list[str]]]:
    """Per language, each glossary name -> the other names of its term: the
    search finds what a term finds when a customer types any of its names."""
    synonyms: dict[str, dict[str, list[str]]] = {}
    for term in site.glossary:
        for name in term.names:
            synonyms.setdefault(term.lang, {})[name] = [other for other in term.names if other != name]
    return synonyms


def _resolved_links(site: Site, article: Article) -> list[tuple[str, str]]:
    return [(link.target, (site.resolve(link.target) or article).slug) for link in article.links]


def _resolver(site: Site, path: str) -> Callable[[str], str | None]:
    def resolve(href: str) -> str | None:
        link = internal_link(path, href)
        target = site.resolve(link.target) if link else None
        if target is None:
            return None
        return target.url + (f"#{link.anchor}" if link and link.anchor else "")

    return resolve


def _collections(site: Site, matchers: dict[str, TermMatcher]) -> dict[str, Any]:
    """The small collections, rendered, as JSON-ready data for the catalog."""

    def md(text: str, lang: str, path: str) -> dict[str, str]:
        rendered = render_markdown(text, lang=lang, resolve_link=_resolver(site, path))
        return {"html": rendered.html, "text": rendered.text}

    return {
        "categories": [
            {
                "slug": c.slug,
                "title": c.title,
                "description": c.description,
                "icon": c.icon,
                "order": c.order,
                "translations": c.translations,
            }
            for c in site.categories
        ],
        "faq": [
            {
                "id": f.id,
                "question": f.question,
                "category": f.category,
                "article": f.article,
                "pinned": f.pinned,
                "lang": f.lang,
                "tags": f.tags,
                "answer": md(f.answer, f.lang, FAQ_FILE),
                "draft": f.draft,  # only ever true in a preview build
            }
            for f in site.faq
        ],
        "glossary": [
            {
                "id": t.id,
                "term": t.term,
                "aliases": t.aliases,
                "see_also": t.see_also,
                "article": t.article,
                "lang": t.lang,
                "definition": md(t.definition, t.lang, GLOSSARY_FILE),
                "draft": t.draft,
            }
            for t in site.glossary
        ],
        "trees": [_tree_data(t, md) for t in site.trees],
    }


def _tree_data(tree: Tree, md: Callable[[str, str, str], dict[str, str]]) -> dict[str, Any]:
    nodes = {n.id: (n, md(n.text, tree.lang, tree.path)) for n in tree.nodes.values()}
    # What search indexes: the words customers read, without Markdown syntax.
    words = [line for n, rendered in nodes.values() for line in (rendered["text"], *(o.label for o in n.options))]
    return {
        "id": tree.id,
        "title": tree.title,
        "description": tree.description,
        "lang": tree.lang,
        "category": tree.category,
        "start": tree.start,
        "path": tree.path,
        "draft": tree.draft,
        "question_text": "\n".join(words),
        "nodes": {
            n.id: {
                "kind": n.kind,
                "text": rendered["html"],
                "hint": n.hint,
                "options": [
                    {"id": o.id, "label": o.label, "next": o.next, "articles": o.articles, "glossary": o.glossary}
                    for o in n.options
                ],
                "articles": n.articles,
                "if_not_solved": n.if_not_solved,
                "reason": n.reason,
                "ticket_category": n.ticket_category,
                "priority": n.priority,
            }
            for n, rendered in nodes.values()
        },
    }


def _article_document(site: Site, article: Article, text: str) -> Document:
    return Document(
        type=ARTICLE,
        key=article.slug,
        title=article.title,
        url=article.url,
        lang=article.lang,
        category=article.category,
        summary=article.summary,
        tags=article.tags,
        text=text,
        source=article.path,
    )


def _collection_documents(site: Site, source: str, collections: dict[str, Any]) -> list[Document]:
    if source == FAQ_FILE:
        return [
            Document(
                FAQ,
                f["id"],
                f["question"],
                f"/faq#{f['id']}",
                f["lang"],
                f["category"],
                f["answer"]["text"][:300],
                tuple(f["tags"]),
                f["answer"]["text"],
                FAQ_FILE,
            )
            for f in collections["faq"]
        ]
    if source == GLOSSARY_FILE:
        return [
            Document(
                GLOSSARY,
                t["id"] + ("" if t["lang"] == "en" else f"-{t['lang']}"),
                t["term"],
                f"/glossary#{t['id']}",
                t["lang"],
                "",
                t["definition"]["text"][:300],
                tuple(t["aliases"]),
                t["definition"]["text"],
                GLOSSARY_FILE,
            )
            for t in collections["glossary"]
        ]
    return [
        Document(
            TREE,
            t["id"],
            t["title"],
            f"/troubleshoot/{t['id']}",
            t["lang"],
            t["category"],
            t["description"],
            (),
            t["question_text"],
            t["path"],
        )
        for t in collections["trees"]
        if t["path"] == source
    ]
