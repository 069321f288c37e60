"""Import a folder of Markdown articles with YAML front matter from another help center.

Pure functions, no Flask. The import runs in phases, like the build, so nothing is
written until every file has been read and every link checked:

1. read every ``*.md`` with front matter under the source (others are reported);
2. plan: categories from the category titles, a unique slug and a new path per
   article, the majority language;
3. convert each body: rewrite relative links to their new paths, turn links that
   cannot work on the portal into text, escape angle-bracket placeholders;
4. write ``articles/<category>/<slug>.md``, ``categories.yaml`` and
   ``import-manifest.yaml`` (where each file came from, and the front-matter
   values the portal has no field for).

Every change that an author might want to review is a :class:`Note` in the
:class:`ImportReport`, with the source file and line.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
import shutil
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import yaml
from markdown_it.token import Token

from portal.content.articles import ARTICLE_KEYS, find_links
from portal.content.frontmatter import split_front_matter
from portal.content.markdown import PARSER, make_parser
from portal.content.site import ARTICLES_DIR, CATEGORIES_FILE
from portal.content.slugs import is_slug, slugify
from portal.content.yamlfile import load_yaml
from portal.rendering import render_markdown
from portal.rendering.sanitize import TAGS as ALLOWED_TAGS
from portal.rendering.sanitize import URL_SCHEMES

MANIFEST_FILE = "import-manifest.yaml"
FALLBACK_CATEGORY = "General"
SUMMARY_CHARS = 160
MAX_SLUG = 80  # slugify's limit: a longer slug is not a slug
_LANG_CODE = re.compile(r"[a-z]{2,3}(-[a-z0-9]{2,8})?")  # what the article loader accepts

# Kinds of note: key -> (heading in the report, whether something was lost).
SKIPPED, LINK, ANCHOR, HTML = "skipped", "link", "anchor", "html"
RENAMED, ESCAPED, AS_TEXT, DATED, SUMMARY, LANG, OTHER = (
    "renamed",
    "escaped",
    "as-text",
    "dated",
    "summary",
    "lang",
    "other",
)
KINDS: dict[str, tuple[str, bool]] = {
    SKIPPED: ("Files not imported", True),
    LINK: ("Links that could not be converted", True),
    ANCHOR: ("Anchors not found in the linked article", True),
    HTML: ("Raw HTML the portal removes when it renders the page", True),
    RENAMED: ("Slugs that differ from the file name", False),
    ESCAPED: ("Angle-bracket placeholders escaped so they stay visible", False),
    AS_TEXT: ("Links that cannot work on a web page (app links, empty links) turned into text", False),
    DATED: ("'updated' taken from the file's modification time", False),
    SUMMARY: ("'summary' taken from the first paragraph", False),
    LANG: ("Articles not in the majority language", False),
    OTHER: ("Other changes", False),
}


class ImportRefused(Exception):
    """The destination already holds content and ``overwrite`` was not given."""


@dataclass(frozen=True, order=True)
class Note:
    """Something the import changed or could not convert, at ``path:line`` of the
    source (``path`` relative to the source folder; ``line`` 0 = the whole file)."""

    kind: str
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class ImportReport:
    """What an import did. ``categories`` maps each category slug to its title and
    article count, in the order written to ``categories.yaml``; ``dropped_keys``
    counts front-matter keys left out (their values are in the manifest)."""

    src: Path
    dest: Path
    articles: int = 0
    categories: dict[str, tuple[str, int]] = field(default_factory=dict)
    languages: Counter[str] = field(default_factory=Counter)
    dropped_keys: Counter[str] = field(default_factory=Counter)
    links_rewritten: int = 0
    notes: list[Note] = field(default_factory=list)
    seconds: float = 0.0

    def of_kind(self, kind: str) -> list[Note]:
        return [n for n in self.notes if n.kind == kind]

    def format(self, limit: int | None = 20) -> str:
        """A readable report; at most ``limit`` notes of each kind (``None``: all)."""
        lines = [
            f"Imported {_plural(self.articles, 'article')} in {_plural(len(self.categories), 'category')} "
            f"from {self.src} into {self.dest} in {self.seconds:.1f}s.",
            "Languages: " + (", ".join(f"{lang} {n}" for lang, n in self.languages.most_common()) or "none"),
            f"Relative links rewritten to the new paths: {self.links_rewritten}",
        ]
        if self.dropped_keys:
            dropped = ", ".join(f"{key} ({n})" for key, n in self.dropped_keys.most_common())
            lines.append(f"Front-matter keys the portal does not know, kept in {MANIFEST_FILE}: {dropped}")
        lines.append("Categories (slug: title, articles):")
        lines.extend(f"  {slug}: {title} ({n})" for slug, (title, n) in self.categories.items())
        for lost in (True, False):
            kinds = [k for k, (_, is_lost) in KINDS.items() if is_lost is lost and self.of_kind(k)]
            if kinds:
                lines.append("Not imported or not converted:" if lost else "Changed:")
            for kind in kinds:
                lines.extend(_format_kind(kind, sorted(self.of_kind(kind)), limit))
        return "\n".join(lines)


def _plural(count: int, noun: str) -> str:
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def _format_kind(kind: str, notes: list[Note], limit: int | None) -> list[str]:
    shown = notes if limit is None else notes[:limit]
    lines = [f"  {KINDS[kind][0]} ({len(notes)}):"]
    lines.extend(f"    {note}" for note in shown)
    if len(shown) < len(notes):
        lines.append(f"    … and {len(notes) - len(shown)} more")
    return lines


# --- Phase 1: read ---------------------------------------------------------


@dataclass(frozen=True)
class Source:
    """One source article: ``path`` relative to the source folder (POSIX),
    its front matter as plain Python data, and its body with the file line it
    starts on."""

    path: str
    meta: dict[str, Any]
    body: str
    body_line: int
    mtime: float


def read_sources(src: Path, exclude: Path | None = None) -> tuple[list[Source], list[Note]]:
    """Every Markdown file with front matter under ``src``, in path order.

    Hidden folders (``.git``) and ``exclude`` (the destination, when it lies
    inside the source) are not searched."""
    sources: list[Source] = []
    notes: list[Note] = []
    for path in sorted(src.rglob("*.md")):
        rel = path.relative_to(src)
        if any(part.startswith(".") for part in rel.parts) or (exclude and path.resolve().is_relative_to(exclude)):
            continue
        source = _read_source(path, rel.as_posix(), notes)
        if source:
            sources.append(source)
    return sources, notes


def _read_source(path: Path, rel: str, notes: list[Note]) -> Source | None:
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        notes.append(Note(SKIPPED, rel, 0, f"not UTF-8 text (byte {exc.start})"))
        return None
    split = split_front_matter(text)
    if split.meta is None:
        notes.append(Note(SKIPPED, rel, 0, "no front matter (not an article)"))
        return None
    data, issues = load_yaml(split.meta, first_line=split.meta_line)
    if data is None:
        issue = issues[0] if issues else None
        notes.append(
            Note(
                SKIPPED, rel, issue.line if issue else split.meta_line, issue.message if issue else "empty front matter"
            )
        )
        return None
    # What is left is a duplicate key: the value PyYAML kept (the last) is used.
    notes.extend(Note(OTHER, rel, issue.line, f"{issue.message}; the last value is used") for issue in issues)
    if not isinstance(data, dict):
        notes.append(Note(SKIPPED, rel, split.meta_line, "front matter is not a mapping of 'key: value' lines"))
        return None
    return Source(rel, _plain(data), split.body, split.body_line, path.stat().st_mtime)


def _plain(value: Any) -> Any:
    """Line-tracking YAML containers as plain dicts and lists, so they dump again."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# --- Phase 2: plan ---------------------------------------------------------


@dataclass(frozen=True)
class Planned:
    """A source article with its place on the portal: category slug, slug and
    content path (``articles/<category>/<slug>.md``)."""

    source: Source
    category: str
    slug: str
    path: str


def plan_categories(titles: Iterable[str]) -> dict[str, tuple[str, str]]:
    """Category title → (slug, title kept for ``categories.yaml``).

    Titles that give the same slug ("Billing", "billing") share one category;
    a title with no usable letters gets ``category-N``."""
    plan: dict[str, tuple[str, str]] = {}
    by_slug: dict[str, str] = {}
    for title in titles:
        if title in plan:
            continue
        slug = slugify(title) or f"category-{len(by_slug) + 1}"
        plan[title] = (slug, by_slug.setdefault(slug, title))
    return plan


def file_slug(name: str) -> str:
    """The slug a file name gives: ``IE-mode configuration.md`` → ``ie-mode-configuration``."""
    return slugify(name.removesuffix(".md"))


def assign_slugs(paths: Iterable[str], wanted: Mapping[str, str] | None = None) -> dict[str, str]:
    """A unique slug for every source path.

    The slug comes from ``wanted[path]`` (a ``slug`` in front matter) or the file
    name. Shallower files claim a slug first, so the top-level ``introduction.md``
    keeps ``introduction``, and at one depth a file already named ``<slug>.md``
    before ``Slug.md``; a later file with the same slug gets its folder's name as a
    suffix (``introduction-proxy``), then a number."""
    wanted = wanted or {}
    taken: set[str] = set()
    slugs: dict[str, str] = {}

    def claim_order(path: str) -> tuple[int, bool, str]:
        name = posixpath.basename(path)
        return path.count("/"), name != f"{file_slug(name)}.md", path

    for path in sorted(paths, key=claim_order):
        base = slugify(wanted.get(path, "")) or file_slug(posixpath.basename(path)) or "article"
        folder = slugify(posixpath.basename(posixpath.dirname(path)))
        candidates = [base] + ([_suffixed(base, folder)] if folder else [])
        slug = next((c for c in candidates if c not in taken), None)
        number = 2
        while slug is None or slug in taken:
            slug, number = _suffixed(base, str(number)), number + 1
        taken.add(slug)
        slugs[path] = slug
    return slugs


def _suffixed(base: str, suffix: str) -> str:
    """``base-suffix``, shortening ``base`` so the whole stays a valid slug."""
    room = MAX_SLUG - len(suffix) - 1
    return f"{base[:room].rstrip('-')}-{suffix}"


def _majority_language(sources: list[Source]) -> str:
    declared = Counter(_lang(s.meta.get("lang")) for s in sources if s.meta.get("lang"))
    return declared.most_common(1)[0][0] if declared else "en"


def _lang(value: object) -> str:
    """``he-IL`` and ``pt_BR`` are written the portal's way: ``he-il``, ``pt-br``."""
    return str(value).strip().lower().replace("_", "-")


def _category_title(source: Source) -> str:
    value = source.meta.get("category")
    return str(value).strip() if value not in (None, "") else FALLBACK_CATEGORY


def plan_articles(sources: list[Source]) -> tuple[list[Planned], dict[str, tuple[str, str]]]:
    categories = plan_categories(_category_title(s) for s in sources)
    wanted = {s.path: str(s.meta["slug"]) for s in sources if s.meta.get("slug")}
    slugs = assign_slugs((s.path for s in sources), wanted)
    planned = []
    for source in sources:
        category = categories[_category_title(source)][0]
        slug = slugs[source.path]
        planned.append(Planned(source, category, slug, f"{ARTICLES_DIR}/{category}/{slug}.md"))
    return planned, categories


# --- Phase 3: convert bodies -----------------------------------------------

# The portal's own dialect, block structure only (which lines are code, which
# raw HTML): without inline parsing it is five times faster on 3,000 files.
_BLOCKS = make_parser().disable(["inline", "text_join"])

CODE, HTML_BLOCK, PROSE = "code", "html", "prose"

_CODE_SPAN = re.compile(r"(?<!`)(`+)(?!`).+?(?<!`)\1(?!`)")
_LINK = re.compile(
    r"(?P<bang>!?)\[(?P<text>(?:[^\[\]\\]|\\.|\[[^\[\]]*\])*)\]"
    r"\(\s*(?P<href><[^<>\n]*>|[^\s()<>]*(?:\([^\s()]*\)[^\s()<>]*)*)(?P<title>\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
_REF_DEF = re.compile(r"^(?P<lead>\s{0,3}\[(?!\^)[^\]]+\]:\s*)(?P<href><[^<>]*>|\S+)")  # not [^footnote]:
_HTML_HREF = re.compile(r"""(<a\s[^>]*?\bhref\s*=\s*)(["'])(.*?)\2""", re.IGNORECASE)
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_FOOTNOTE_REF = re.compile(r"\[\^[^\]\s]+\]")

# CommonMark's raw-HTML grammar: exactly what the renderer would take for a tag.
_ATTR = r"""(?:\s+[a-zA-Z_:][a-zA-Z0-9:._-]*(?:\s*=\s*(?:[^"'=<>`\x00-\x20]+|'[^']*'|"[^"]*"))?)"""
_TAG = re.compile(rf"(?<!\\)<(?P<close>/)?(?P<name>[A-Za-z][A-Za-z0-9-]*)(?(close)\s*|{_ATTR}*\s*/?)>")

_ELEMENT_NAMES = """
a abbr address area article aside audio b base bdi bdo big blockquote body br button canvas caption center
cite code col colgroup data datalist dd del details dfn dialog div dl dt em embed fieldset figcaption figure
font footer form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link
main map mark menu meta meter nav noscript object ol optgroup option output p param picture pre progress q rp
rt ruby s samp script search section select slot small source span strike strong style sub summary sup svg
table tbody td template textarea tfoot th thead time title tr track tt u ul var video wbr
"""
# Names the renderer would take for real HTML; any other <name> is a placeholder.
HTML_ELEMENTS = frozenset(_ELEMENT_NAMES.split())


def line_regions(body: str, blocks: list[Token] | None = None) -> list[str]:
    """For each line of ``body``: ``code`` (fenced or indented code), ``html``
    (a raw HTML block) or ``prose``. ``blocks``: the body already parsed."""
    regions = [PROSE] * (body.count("\n") + 1)
    for token in _BLOCKS.parse(body) if blocks is None else blocks:
        kind = CODE if token.type in ("fence", "code_block") else HTML_BLOCK if token.type == "html_block" else None
        if kind and token.map:
            for index in range(token.map[0], min(token.map[1], len(regions))):
                regions[index] = kind
    return regions


def map_prose(line: str, convert: Callable[[str], str]) -> str:
    """Apply ``convert`` to the parts of ``line`` outside inline code spans."""
    out, pos = [], 0
    for span in _CODE_SPAN.finditer(line):
        out.extend((convert(line[pos : span.start()]), span.group(0)))
        pos = span.end()
    out.append(convert(line[pos:]))
    return "".join(out)


@dataclass(frozen=True)
class Target:
    """Where an imported article now lives: its content path and slug, and the
    source body (to look up heading anchors)."""

    path: str
    slug: str
    body: str


class Targets:
    """Every imported article by source path, for resolving links between them."""

    def __init__(self, planned: Iterable[Planned]) -> None:
        self.by_source = {p.source.path: Target(p.path, p.slug, p.source.body) for p in planned}
        # Links written for a case-insensitive host (``Reset-Password.md``) still find their file.
        self.folded = {path.lower(): target for path, target in reversed(self.by_source.items())}

    def find(self, from_source: str, path: str) -> Target | None:
        if not path:
            return None
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(from_source), unquote(path)))
        # Docusaurus-style links leave out ".md"; a folder link means its index.
        candidates = (resolved, f"{resolved}.md", f"{resolved}/index.md")
        found = (self.by_source.get(c) or self.folded.get(c.lower()) for c in candidates)
        return next((target for target in found if target), None)


@dataclass
class BodyContext:
    """What converting one body needs, and the notes it collects."""

    source: str
    path: str
    first_line: int
    targets: Targets
    notes: list[Note] = field(default_factory=list)
    rewritten: int = 0
    line: int = 0

    def note(self, kind: str, message: str) -> None:
        self.notes.append(Note(kind, self.source, self.line, message))


def convert_body(body: str, ctx: BodyContext, blocks: list[Token] | None = None) -> str:
    """``body`` ready for the portal; notes and counts go to ``ctx``."""
    lines = body.split("\n")
    regions = line_regions(body, blocks)
    for index, (line, region) in enumerate(zip(lines, regions, strict=False)):
        if region == CODE:
            continue
        ctx.line = ctx.first_line + index
        in_html = region == HTML_BLOCK
        line = _REF_DEF.sub(lambda m: m.group("lead") + _convert_ref(m.group("href"), ctx), line)
        line = _convert_links(line, ctx)
        lines[index] = map_prose(line, lambda text, html=in_html: _convert_html(text, ctx, html))
    return "\n".join(lines)


def _convert_links(line: str, ctx: BodyContext) -> str:
    """Markdown links outside code spans. Not via :func:`map_prose`: a link's text
    may hold code (``[`x`](y.md)``) and the build's link check still sees it."""
    code = [span.span() for span in _CODE_SPAN.finditer(line)]

    def convert(match: re.Match[str]) -> str:
        if any(start <= match.start() < end for start, end in code):
            return match.group(0)
        return _convert_link(match, ctx)

    return _LINK.sub(convert, line)


def _convert_html(text: str, ctx: BodyContext, in_html: bool) -> str:
    text = _HTML_HREF.sub(lambda m: m.group(1) + m.group(2) + _convert_html_href(m.group(3), ctx) + m.group(2), text)
    return _TAG.sub(lambda m: _escape_tag(m, ctx, in_html), text)


def _convert_link(match: re.Match[str], ctx: BodyContext) -> str:
    whole, text = match.group(0), match.group("text")
    href = match.group("href").removeprefix("<").removesuffix(">").strip()
    if match.group("bang"):
        _check_relative(href, ctx, "image")
        return whole
    if not href:
        ctx.note(AS_TEXT, f"empty link [{text}]() kept as text")
        return text
    scheme = _SCHEME.match(href)
    if scheme and scheme.group(1).lower() not in URL_SCHEMES:
        # The sanitiser drops hrefs with other schemes, leaving a dead link; the
        # address in code stays usable (ms-settings: URIs work in Windows' Run box).
        ctx.note(AS_TEXT, f"link to {href} written as text")
        return f"{text} (`{href}`)"
    new = _rewrite_href(href, ctx, markdown=True)
    if new is None:
        return whole
    if new == "":
        ctx.note(LINK, f"link '{href}' points at a file that is not imported; kept as text")
        return text
    start, end = (i - match.start() for i in match.span("href"))
    return whole[:start] + new + whole[end:]


def _convert_ref(href: str, ctx: BodyContext) -> str:
    new = _rewrite_href(href.removeprefix("<").removesuffix(">"), ctx, markdown=True)
    if new == "":
        ctx.note(LINK, f"link definition '{href}' points at a file that is not imported; left as is")
    return new or href


def _convert_html_href(href: str, ctx: BodyContext) -> str:
    # The renderer rewrites Markdown links only, so an HTML link needs the
    # article's URL itself.
    new = _rewrite_href(href, ctx, markdown=False)
    if new == "":
        ctx.note(LINK, f"HTML link '{href}' points at a file that is not imported; left as is")
    return new or href


def _rewrite_href(href: str, ctx: BodyContext, markdown: bool) -> str | None:
    """The new href for a relative link to an imported article; ``None`` when
    the link is not relative (left alone); ``""`` when it is relative but its
    target was not imported."""
    if not href or _SCHEME.match(href) or href.startswith(("#", "/")):
        _check_site_root(href, ctx)
        return None
    path, _, anchor = href.partition("#")
    target = ctx.targets.find(ctx.source, path.split("?", 1)[0])
    if target is None:
        if path.lower().endswith(".md"):
            return ""
        _check_relative(href, ctx, "link")
        return None
    ctx.rewritten += 1
    anchor = _check_anchor(anchor, target, ctx) if anchor else ""
    return _article_href(ctx.path, target, markdown) + (f"#{anchor}" if anchor else "")


def _article_href(from_path: str, target: Target, markdown: bool) -> str:
    relative = posixpath.relpath(target.path, posixpath.dirname(from_path))
    # The build's link check and the renderer see hrefs percent-encoded by the
    # Markdown parser, so a relative link through a non-ASCII folder (a Hebrew
    # category) never resolves; /articles/<slug> does when the slug is ASCII.
    if markdown and relative.isascii():
        return relative
    return f"/articles/{target.slug}"


def _check_relative(href: str, ctx: BodyContext, what: str) -> None:
    if href and not _SCHEME.match(href) and not href.startswith(("#", "/", "//")):
        ctx.note(LINK, f"{what} '{href}' points at a file that is not imported; left as is, it will not resolve")


def _check_site_root(href: str, ctx: BodyContext) -> None:
    if href.startswith("/") and not href.startswith(("//", "/articles/")):
        ctx.note(LINK, f"link '{href}' is a path on the old site; left as is, it will not resolve")


def _check_anchor(anchor: str, target: Target, ctx: BodyContext) -> str:
    """``anchor`` if the target has a heading with that id; else the one id that
    differs only in punctuation (GitHub drops apostrophes, the portal hyphenates)."""
    ids = _heading_ids(target.body)
    if anchor in ids:
        return anchor
    near = [i for i in ids if _loose(i) == _loose(anchor)]
    if len(near) == 1:
        ctx.note(OTHER, f"anchor #{anchor} in {target.slug} is now #{near[0]}")
        return near[0]
    ctx.note(ANCHOR, f"#{anchor} is not a heading in {target.slug}; kept as is")
    return anchor


@lru_cache(maxsize=512)
def _heading_ids(body: str) -> frozenset[str]:
    # The renderer is the one source of truth for heading ids.
    return frozenset(h.id for h in render_markdown(body).headings)


def _loose(anchor: str) -> str:
    return re.sub(r"[\W_]", "", unquote(anchor).lower())


def _escape_tag(match: re.Match[str], ctx: BodyContext, in_html: bool) -> str:
    name = match.group("name").lower()
    tag = match.group(0)
    if name in HTML_ELEMENTS:
        if name not in ALLOWED_TAGS:
            ctx.note(HTML, f"<{name}> is not allowed on the portal: the renderer removes it")
        return tag
    ctx.note(ESCAPED, f"{tag} escaped")
    return escape_placeholder(tag, in_html)


def _is_placeholder(html: str) -> bool:
    tag = _TAG.fullmatch(html)
    return bool(tag) and tag.group("name").lower() not in HTML_ELEMENTS


def escape_placeholder(tag: str, in_html: bool = False) -> str:
    """``<mailbox>`` as text: backslashes in Markdown (readable in the source),
    entities inside raw HTML, where Markdown escapes do not apply."""
    if in_html:
        return tag.replace("<", "&lt;").replace(">", "&gt;")
    return "\\<" + tag[1:-1] + "\\>"


def first_paragraph(body: str, limit: int = SUMMARY_CHARS, blocks: list[Token] | None = None) -> str:
    """The text of the first top-level paragraph, cut at a word within ``limit``."""
    tokens = _BLOCKS.parse(body) if blocks is None else blocks
    for index, token in enumerate(tokens):
        if token.type == "paragraph_open" and token.level == 0:
            inline = PARSER.parseInline(tokens[index + 1].content)[0]
            # Footnote references stay literal out of context ("[^1]"): drop them.
            text = " ".join(_FOOTNOTE_REF.sub("", _inline_words(inline)).split())
            if text:
                return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
    return ""


def _inline_words(inline: Token) -> str:
    parts = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "html_inline" and _is_placeholder(child.content):
            parts.append(child.content)  # a placeholder is words, not markup
    return "".join(parts)


# --- Front matter -----------------------------------------------------------


@dataclass
class Converted:
    """One article ready to write, with its notes."""

    path: str
    meta: dict[str, Any]
    body: str
    dropped: dict[str, Any]
    notes: list[Note]
    rewritten: int


def convert_article(
    item: Planned, targets: Targets, slugs: Mapping[str, str], majority: str, summaries: bool
) -> Converted:
    source = item.source
    ctx = BodyContext(source.path, item.path, source.body_line, targets)
    blocks = _BLOCKS.parse(source.body)
    body = convert_body(source.body, ctx, blocks).strip("\n") + "\n"
    notes = ctx.notes
    meta, dropped = _front_matter(item, slugs, majority, notes)
    if not meta.get("summary") and summaries and (summary := first_paragraph(source.body, blocks=blocks)):
        meta["summary"] = summary
        notes.append(Note(SUMMARY, source.path, 0, "summary taken from the first paragraph"))
    ordered = {key: meta[key] for key in ARTICLE_KEYS if meta.get(key) not in (None, "", [])}
    return Converted(item.path, ordered, body, dropped, notes, ctx.rewritten)


def _front_matter(
    item: Planned, slugs: Mapping[str, str], majority: str, notes: list[Note]
) -> tuple[dict[str, Any], dict[str, Any]]:
    source, path = item.source, item.source.path
    meta = dict(source.meta)
    dropped = {k: meta.pop(k) for k in list(meta) if k not in ARTICLE_KEYS}
    meta.pop("slug", None)  # the file name is the slug now
    meta["category"] = item.category
    meta["title"] = _title(source, notes)
    meta["updated"] = _updated(source, notes)
    meta["lang"] = _article_lang(source, majority, notes)
    if "tags" in meta:
        meta["tags"] = [str(t) for t in _as_list(meta["tags"])]
    for key in ("related", "translation_of", "aliases"):
        if key in meta:
            meta[key] = _map_slugs(key, meta[key], slugs, path, notes)
    if posixpath.basename(path) != f"{item.slug}.md":
        notes.append(Note(RENAMED, path, 0, f"slug '{item.slug}' ({item.path})"))
    if not source.meta.get("category"):
        notes.append(Note(OTHER, path, 0, f"no 'category': filed under '{FALLBACK_CATEGORY}'"))
    return meta, dropped


def _article_lang(source: Source, majority: str, notes: list[Note]) -> str:
    declared = source.meta.get("lang")
    lang = _lang(declared) if declared else majority
    if not _LANG_CODE.fullmatch(lang):
        notes.append(Note(OTHER, source.path, 0, f"'lang: {declared}' is not a language code; using '{majority}'"))
        return majority
    if not declared:
        notes.append(Note(OTHER, source.path, 0, f"no 'lang': set to '{majority}', the majority language"))
    elif lang != majority:
        notes.append(Note(LANG, source.path, 0, f"kept in '{lang}' (most articles are in '{majority}')"))
    return lang


def _title(source: Source, notes: list[Note]) -> str:
    title = str(source.meta.get("title") or "").strip()
    if title:
        return title
    heading = re.search(r"^#{1,6}\s+(.+?)\s*#*\s*$", source.body, re.MULTILINE)
    title = heading.group(1) if heading else posixpath.basename(source.path).removesuffix(".md").replace("-", " ")
    notes.append(Note(OTHER, source.path, 0, f"no 'title': using '{title}'"))
    return title


def _updated(source: Source, notes: list[Note]) -> dt.date:
    value = source.meta.get("updated")
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        date = dt.datetime.fromtimestamp(source.mtime, dt.UTC).date()
        what = "no 'updated'" if value in (None, "") else f"'updated: {value}' is not a date"
        notes.append(Note(DATED, source.path, 0, f"{what}: using the file's date, {date.isoformat()}"))
        return date


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return [v for v in value if v not in (None, "")]
    return [value] if value not in (None, "") else []


def _map_slugs(key: str, value: Any, slugs: Mapping[str, str], path: str, notes: list[Note]) -> Any:
    """``related`` and ``translation_of`` name the source's files: map them to the
    new slugs. ``aliases`` are old URLs: kept when they are slugs no article has.
    Anything else is dropped with a note, since the build rejects it."""
    values = [str(v) for v in _as_list(value)]
    if key == "aliases":
        new_slugs = set(slugs.values())
        kept = [v for v in values if is_slug(v) and v not in new_slugs]
        lost = [v for v in values if v not in kept]
    else:
        kept = [slugs[v] for v in values if v in slugs]
        lost = [v for v in values if v not in slugs]
    for missing in lost:
        notes.append(Note(OTHER, path, 0, f"{key} '{missing}' dropped: it names no imported article"))
    if key == "translation_of":
        return kept[0] if kept else None
    return kept


# --- Phase 4: write ---------------------------------------------------------


_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml: 3,000 front matters in 1s, not 15


def _dump(data: Any) -> str:
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=10_000)


def article_text(meta: Mapping[str, Any], body: str) -> str:
    return f"---\n{_dump(dict(meta))}---\n\n{body}"


def _check_destination(src: Path, dest: Path, overwrite: bool) -> None:
    articles = dest / ARTICLES_DIR
    existing = [p for p in (articles, dest / CATEGORIES_FILE) if p.is_file() or (p.is_dir() and any(p.iterdir()))]
    if existing and not overwrite:
        names = " and ".join(str(p) for p in existing)
        raise ImportRefused(
            f"{names} already exist{'s' * (len(existing) == 1)}: import into an empty folder, "
            "or overwrite to replace them"
        )
    if existing and src.resolve().is_relative_to(articles.resolve()):
        raise ImportRefused(f"the source {src} is inside {articles}, which an overwrite would delete")


def _write(
    dest: Path, converted: list[Converted], categories: Mapping[str, tuple[str, int]], manifest: list[dict[str, Any]]
) -> None:
    articles = dest / ARTICLES_DIR
    if articles.exists():
        shutil.rmtree(articles)  # overwrite: stale articles must not survive
    for item in converted:
        target = dest / item.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(article_text(item.meta, item.body), encoding="utf-8")
    declared = [{"slug": slug, "title": title} for slug, (title, _) in categories.items()]
    (dest / CATEGORIES_FILE).write_text(_dump(declared), encoding="utf-8")
    (dest / MANIFEST_FILE).write_text(_dump(manifest), encoding="utf-8")


def _manifest(planned: list[Planned], converted: list[Converted]) -> list[dict[str, Any]]:
    return [
        {"path": item.path, "source": plan.source.path, **({"dropped": item.dropped} if item.dropped else {})}
        for plan, item in zip(planned, converted, strict=True)
    ]


# --- The import ------------------------------------------------------------


def import_content(src: Path, dest: Path, *, overwrite: bool = False, summaries: bool = True) -> ImportReport:
    """Import every article under ``src`` into the content folder ``dest``.

    ``summaries``: give articles without a ``summary`` the start of their first
    paragraph (lists and search results show it under the title).

    :raise ImportRefused: ``dest`` already has articles or categories and
        ``overwrite`` is false. Nothing is written when nothing can be imported.
    """
    started = time.perf_counter()
    src, dest = Path(src), Path(dest)
    _check_destination(src, dest, overwrite)
    report = ImportReport(src, dest)
    # Importing into a folder inside the source must not read back what it writes.
    written = (dest / ARTICLES_DIR).resolve()
    sources, report.notes = read_sources(src, exclude=written if written.is_relative_to(src.resolve()) else None)
    planned, category_plan = plan_articles(sources)
    majority = _majority_language(sources)
    targets = Targets(planned)
    slugs = _old_slugs(planned)
    converted = [convert_article(p, targets, slugs, majority, summaries) for p in planned]
    _check_links(converted, planned, report)
    for item in converted:
        report.notes.extend(item.notes)
        report.links_rewritten += item.rewritten
        report.dropped_keys.update(item.dropped.keys())
        report.languages[item.meta["lang"]] += 1
    report.articles = len(converted)
    report.categories = _category_counts(category_plan, converted)
    if converted:
        _write(dest, converted, report.categories, _manifest(planned, converted))
    report.seconds = time.perf_counter() - started
    return report


def _old_slugs(planned: list[Planned]) -> dict[str, str]:
    """Slug a source article had (its ``slug`` or file name) → its new slug."""
    old: dict[str, str] = {}
    for item in planned:
        name = slugify(str(item.source.meta.get("slug") or "")) or file_slug(posixpath.basename(item.source.path))
        # Of several files with one name, the one that kept it is the one meant.
        if name == item.slug or name not in old:
            old[name] = item.slug
    return old


def _category_counts(plan: Mapping[str, tuple[str, str]], converted: list[Converted]) -> dict[str, tuple[str, int]]:
    """Slug → (title, articles), most articles first, then first appearance."""
    counts = Counter(item.meta["category"] for item in converted)
    titles = {slug: title for slug, title in plan.values()}
    order = list(dict.fromkeys(slug for slug, _ in plan.values()))
    ranked = sorted(order, key=lambda slug: (-counts[slug], order.index(slug)))
    return {slug: (titles[slug], counts[slug]) for slug in ranked if counts[slug]}


def _check_links(converted: list[Converted], planned: list[Planned], report: ImportReport) -> None:
    """Run the build's own link finder over the result, so a link the build would
    reject (to a slug in a non-Latin script, say) is reported now, not at build time."""
    paths = {item.path for item in converted}
    slugs = {plan.slug for plan in planned}
    for plan, item in zip(planned, converted, strict=True):
        if ".md" not in item.body and "/articles/" not in item.body:
            continue  # no link the check could reject; parsing every body costs seconds
        for link in find_links(item.path, item.body, 1):
            if link.target not in paths and link.target.removeprefix("/articles/") not in slugs:
                report.notes.append(
                    Note(
                        LINK,
                        plan.source.path,
                        0,
                        f"the build will reject link '{unquote(link.href)}' (no such article)",
                    )
                )
