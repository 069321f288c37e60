"""Help articles: Markdown files with YAML front matter under ``articles/``."""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote

from portal.content.fields import DEFAULT_LANG, Fields
from portal.content.frontmatter import split_front_matter
from portal.content.links import PageLink, page_link
from portal.content.markdown import PARSER
from portal.content.problems import Problems
from portal.content.slugs import is_slug, slugify
from portal.content.yamlfile import YamlMap, empty_map, load_yaml

ARTICLE_KEYS = (
    "title",
    "category",
    "summary",
    "tags",
    "lang",
    "updated",
    "slug",
    "aliases",
    "related",
    "translation_of",
    "draft",
    "review_by",
)

_LANG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$")


@dataclass(frozen=True)
class Link:
    """An internal link found in an article body.

    ``target`` is either a content path (``articles/hub/restart.md``) for links
    written as relative ``.md`` paths, or ``/articles/<slug>`` for site URLs.
    """

    target: str
    anchor: str
    line: int
    href: str


@dataclass(frozen=True)
class Image:
    """An image in an article body: ``src`` as written, ``alt`` its text, and
    ``target`` the content path it names (``articles/hub/images/lights.png``),
    empty for images from elsewhere (``https:``, ``data:``, ``/static/...``)."""

    src: str
    alt: str
    line: int
    target: str


@dataclass(frozen=True)
class Article:
    """One help article, as loaded from ``path`` (relative to the content root).

    ``body`` is the Markdown after the front matter; ``body_line`` the file line it
    starts on. ``lines`` maps front-matter keys to their line, for messages.
    ``digest`` is the SHA-256 of the file bytes: unchanged files are not re-read by
    the next build. A ``draft`` is shown by ``flask preview`` and left out of
    every normal build. ``review_by`` is the date by which someone should read
    the article again (``flask content-report`` lists it once past).
    ``pages`` are the body's links to other portal pages (trees, FAQ entries,
    glossary terms, categories, language-prefixed articles; see
    :mod:`portal.content.links`).
    """

    slug: str
    path: str
    title: str
    category: str
    summary: str
    tags: tuple[str, ...]
    lang: str
    updated: dt.date
    aliases: tuple[str, ...]
    related: tuple[str, ...]
    translation_of: str
    body: str
    body_line: int
    links: tuple[Link, ...]
    digest: str
    lines: Mapping[str, int] = field(default_factory=dict, compare=False, hash=False)
    draft: bool = False
    images: tuple[Image, ...] = ()
    review_by: dt.date | None = None
    pages: tuple[PageLink, ...] = ()

    @property
    def url(self) -> str:
        return f"/articles/{self.slug}"

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1)


def slug_from_path(path: str) -> str:
    """``articles/billing/card-declined.he.md`` → ``card-declined-he``."""
    stem = posixpath.basename(path).removesuffix(".md")
    return slugify(stem)


def load_article(path: str, text: str, digest: str, problems: Problems) -> Article | None:
    """Parse one article file. Returns ``None`` when it cannot be used at all;
    every problem found is added to ``problems``."""
    split = split_front_matter(text)
    if split.meta is None:
        problems.error(1, "no front matter: start the file with a '---' line, the YAML fields, and another '---' line")
        return None
    data, issues = load_yaml(split.meta, first_line=split.meta_line)
    for issue in issues:
        problems.error(issue.line, issue.message)
    if data is None and not issues:  # empty or comment-only front matter
        data = empty_map(split.meta_line)
    if data is None:
        return None
    if not isinstance(data, YamlMap):
        problems.error(split.meta_line, "front matter must be a mapping of 'key: value' lines")
        return None
    fields = Fields(data, problems, ARTICLE_KEYS, "front matter")
    title = fields.text("title")
    category = fields.text("category")
    updated = fields.date("updated")
    summary = fields.text("summary", required=False)
    if not summary:
        problems.warning(data.line, "front matter has no 'summary' (shown under the title in lists and search)")
    tags = tuple(t.lower() for t in fields.text_list("tags"))
    if "tags" not in data:
        problems.warning(data.line, "front matter has no 'tags' (words customers search for)")
    lang = fields.text("lang", required=False, default=DEFAULT_LANG).lower()
    if not _LANG.match(lang):
        problems.error(fields.line("lang"), f"'lang' must be a language code such as en, he or fa, not '{lang}'")
    slug = fields.text("slug", required=False) or slug_from_path(path)
    if not is_slug(slug):
        problems.error(
            fields.line("slug") if "slug" in data else 1,
            f"slug '{slug}' is not URL-safe; use '{slugify(slug)}'"
            if slugify(slug)
            else "the file name gives no usable slug; add a 'slug' field",
        )
    aliases = fields.text_list("aliases")
    for alias in aliases:
        if not is_slug(alias):
            problems.error(fields.line("aliases"), f"alias '{alias}' is not a slug; use '{slugify(alias)}'")
    draft = fields.flag("draft")
    review_by = fields.date("review_by", required=False)
    if not (title and category and updated and is_slug(slug)):
        return None
    links, images, pages = scan_body(path, split.body, split.body_line)
    return Article(
        slug=slug,
        path=path,
        title=title,
        category=category,
        summary=summary,
        tags=tags,
        lang=lang,
        updated=updated,
        aliases=tuple(a for a in aliases if is_slug(a)),
        related=fields.text_list("related"),
        translation_of=fields.text("translation_of", required=False),
        body=split.body,
        body_line=split.body_line,
        links=tuple(links),
        digest=digest,
        lines=dict(data.lines),
        draft=draft,
        images=tuple(images),
        review_by=review_by,
        pages=tuple(pages),
    )


def find_links(path: str, body: str, first_line: int) -> list[Link]:
    """Internal links in ``body`` with their file lines, found by the same
    Markdown parser that renders the page, so link syntax inside code is not a
    link. External URLs, mail links and bare anchors are not internal links."""
    return scan_body(path, body, first_line)[0]


def scan_body(
    path: str, body: str, first_line: int, exact: bool = True
) -> tuple[list[Link], list[Image], list[PageLink]]:
    """Internal links (see :func:`find_links`), images and links to other
    portal pages (see :mod:`portal.content.links`) in ``body``, with their file
    lines, in one pass of the parser. Without ``exact`` (text whose lines were
    folded, as YAML does) every line is ``first_line``."""
    links: list[Link] = []
    images: list[Image] = []
    pages: list[PageLink] = []
    for token in PARSER.parse(body):
        if token.type != "inline" or not token.children or token.map is None:
            continue
        line = first_line + token.map[0] if exact else first_line
        for child in token.children:
            if child.type in ("softbreak", "hardbreak") and exact:
                line += 1
            elif child.type == "link_open":
                href = str(child.attrGet("href") or "")
                link = internal_link(path, href, line)
                if link:
                    links.append(link)
                elif page := page_link(href, line):
                    pages.append(page)
            elif child.type == "image":
                src = str(child.attrGet("src") or "")
                images.append(Image(unquote(src), child.content.strip(), line, image_target(path, src)))
    return links, images, pages


def text_links(path: str, data: YamlMap, key: str) -> tuple[Link | PageLink, ...]:
    """The internal links in the Markdown text under ``key`` of a YAML mapping
    (an FAQ answer, a glossary definition, a tree node's text) in the file at
    ``path``. A ``|`` block keeps its lines, so each link has its own line;
    in any other style they are folded and each link has the text's first."""
    text = data.get(key)
    if not isinstance(text, str):
        return ()
    first = data.text_lines.get(key, data.line_of(key))
    links, _images, pages = scan_body(path, text, first, exact=key in data.literal)
    return tuple(sorted([*links, *pages], key=lambda link: link.line))


def image_target(path: str, src: str) -> str:
    """The content path a relative image ``src`` in the file at ``path`` names,
    or ``""`` for an image from elsewhere (a URL, ``data:``, a site path)."""
    if not src or _SCHEME.match(src) or src.startswith(("/", "#")):
        return ""
    # Percent-encoded by the parser, like link targets.
    target = unquote(src).split("#", 1)[0].split("?", 1)[0]
    return posixpath.normpath(posixpath.join(posixpath.dirname(path), target))


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def internal_link(path: str, href: str, line: int = 0) -> Link | None:
    """The internal link ``href`` in the file at ``path`` makes, or ``None``."""
    if _SCHEME.match(href) or href.startswith(("#", "//")):
        return None
    # The Markdown parser percent-encodes link targets: a Hebrew slug or a space
    # in a file name arrives as %D7%91 or %20.
    href = unquote(href)
    target, _, anchor = href.partition("#")
    target = target.split("?", 1)[0]
    if target.startswith("/articles/"):
        return Link(target.rstrip("/"), anchor, line, href)
    if target.endswith(".md") and not target.startswith("/"):
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(path), target))
        return Link(resolved, anchor, line, href)
    return None
