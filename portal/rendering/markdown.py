"""Markdown → safe HTML, done once at build time.

GitHub-flavoured Markdown (tables, alerts such as ``> [!NOTE]``, task lists,
autolinks, footnotes) with raw HTML allowed and then sanitised. On top of it:
heading ids (``## Title {#custom-id}`` or one made from the text) with permalink
anchors and a table of contents; fenced code highlighted by Pygments, with an
optional ``title="..."``; internal ``.md`` links rewritten to article URLs; images
beside articles rewritten to their published, fingerprinted URLs; and the first
occurrence of each glossary term linked to its definition.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from portal.content.glossary import GlossaryTerm
from portal.content.markdown import make_parser
from portal.content.slugs import slugify
from portal.rendering.glossary_links import TermMatcher
from portal.rendering.sanitize import sanitize

# Bumped whenever rendering changes, so the next build re-renders everything.
RENDER_VERSION = "3"

_HEADING_ID = re.compile(r"\s*\{#([\w-]+)\}\s*$")
_TITLE_ATTR = re.compile(r"""title=(?:"([^"]*)"|'([^']*)'|(\S+))""")
_FORMATTER = HtmlFormatter(nowrap=True)
ALERT_TITLES = {
    "he": {"NOTE": "הערה", "TIP": "עצה", "IMPORTANT": "חשוב", "WARNING": "אזהרה", "CAUTION": "זהירות"},
    "fa": {"NOTE": "توجه", "TIP": "نکته", "IMPORTANT": "مهم", "WARNING": "هشدار", "CAUTION": "احتیاط"},
}


@dataclass(frozen=True)
class Heading:
    level: int
    id: str
    text: str


@dataclass(frozen=True)
class Rendered:
    """The HTML of a page body, its headings (for a table of contents), its plain
    text (for search and snippets) and the glossary term ids it links."""

    html: str
    headings: tuple[Heading, ...] = ()
    text: str = ""
    terms: tuple[str, ...] = field(default=())


LinkResolver = Callable[[str], str | None]


def _parser() -> MarkdownIt:
    md = make_parser()
    md.options["highlight"] = _highlight
    md.add_render_rule("fence", _render_fence)
    md.add_render_rule("table_open", lambda *a: '<div class="table-wrap"><table>\n')
    md.add_render_rule("table_close", lambda *a: "</table></div>\n")
    md.add_render_rule("image", _render_image)
    return md


def _highlight(code: str, lang: str, _attrs: str) -> str:
    try:
        lexer = get_lexer_by_name(lang)
    except ClassNotFound:
        return ""  # markdown-it escapes the code itself
    return highlight(code, lexer, _FORMATTER)


def _render_fence(self, tokens: list[Token], idx: int, options, env) -> str:  # noqa: ANN001
    token = tokens[idx]
    info = token.info.strip()
    lang, _, rest = info.partition(" ")
    title = _TITLE_ATTR.search(rest)
    code = _highlight(token.content, lang, rest) if lang else ""
    if not code:
        code = html.escape(token.content)
    lang_class = f' class="language-{html.escape(slugify(lang))}"' if lang else ""
    block = f'<pre class="highlight"><code{lang_class}>{code}</code></pre>\n'
    if title:
        caption = html.escape(next(g for g in title.groups() if g is not None))
        return f'<figure class="code"><figcaption>{caption}</figcaption>{block}</figure>\n'
    return block


def _render_image(self, tokens: list[Token], idx: int, options, env) -> str:  # noqa: ANN001
    # Remote images are never fetched at build time; lazy loading keeps long
    # articles light.
    tokens[idx].attrSet("loading", "lazy")
    return self.image(tokens, idx, options, env)


_MD = _parser()


def render_markdown(
    text: str,
    *,
    lang: str = "en",
    resolve_link: LinkResolver | None = None,
    terms: TermMatcher | None = None,
    resolve_image: LinkResolver | None = None,
) -> Rendered:
    """Render ``text``. ``resolve_link`` maps an href to the URL it should
    become (``None`` leaves it alone), ``resolve_image`` likewise an image's
    src; ``terms`` links glossary terms."""
    tokens = _MD.parse(text)
    headings = _number_headings(tokens)
    _translate_alerts(tokens, lang)
    if resolve_link:
        _rewrite_links(tokens, resolve_link)
    if resolve_image:
        _rewrite_images(tokens, resolve_image)
    linked = _link_terms(tokens, terms) if terms else []
    body = _MD.renderer.render(tokens, _MD.options, {})
    return Rendered(
        html=sanitize(body),
        headings=tuple(headings),
        text=_plain_text(tokens),
        terms=tuple(linked),
    )


def _number_headings(tokens: list[Token]) -> list[Heading]:
    """Give every heading an id (author's ``{#id}`` first) and a permalink."""
    headings: list[Heading] = []
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        inline = tokens[index + 1]
        custom = _HEADING_ID.search(inline.content)
        if custom:
            inline.content = inline.content[: custom.start()]
            last = (inline.children or [None])[-1]
            if last is not None and last.type == "text":
                last.content = _HEADING_ID.sub("", last.content)
        text = _inline_text(inline).strip()
        base = custom.group(1) if custom else slugify(text) or "section"
        anchor, n = base, 1
        while anchor in used:
            n += 1
            anchor = f"{base}-{n}"
        used.add(anchor)
        token.attrSet("id", anchor)
        level = int(token.tag[1])
        headings.append(Heading(level, anchor, text))
        permalink = Token("html_inline", "", 0)
        permalink.content = f' <a class="anchor" href="#{anchor}" aria-label="Link to this section">#</a>'
        (inline.children or []).append(permalink)
    return headings


def _translate_alerts(tokens: list[Token], lang: str) -> None:
    titles = ALERT_TITLES.get(lang)
    if not titles:
        return
    for index, token in enumerate(tokens):
        if token.type == "alert_title_open":
            kind = str(tokens[index - 1].meta.get("kind", "")).upper()
            inline = tokens[index + 1]
            if kind in titles and inline.children:
                inline.children[0].content = titles[kind]


def _rewrite_links(tokens: list[Token], resolve: LinkResolver) -> None:
    for token in tokens:
        for child in token.children or ():
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                new = resolve(href)
                if new is not None:
                    child.attrSet("href", new)


def _rewrite_images(tokens: list[Token], resolve: LinkResolver) -> None:
    for token in tokens:
        for child in token.children or ():
            if child.type == "image":
                new = resolve(str(child.attrGet("src") or ""))
                if new is not None:
                    child.attrSet("src", new)


def _link_terms(tokens: list[Token], matcher: TermMatcher) -> list[str]:
    """Link the first occurrence of each term, outside headings, links and code."""
    linked: list[str] = []
    seen: set[str] = set()
    in_heading = False
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            in_heading = token.type == "heading_open"
        if token.type != "inline" or in_heading or not token.children:
            continue
        children: list[Token] = []
        depth = 0
        for child in token.children:
            if child.type == "link_open":
                depth += 1
            elif child.type == "link_close":
                depth -= 1
            if child.type != "text" or depth:
                children.append(child)
                continue
            children.extend(_split_terms(child.content, matcher, seen, linked))
        token.children = children
    return linked


def _split_terms(text: str, matcher: TermMatcher, seen: set[str], linked: list[str]) -> list[Token]:
    out: list[Token] = []
    pos = 0
    while (found := matcher.find(text, pos, seen)) is not None:
        start, end, term = found
        seen.add(term.id)
        linked.append(term.id)
        out.append(_text(text[pos:start]))
        anchor = Token("html_inline", "", 0)
        definition = html.escape(_plain_definition(term.definition), quote=True)
        anchor.content = (
            f'<a class="term" href="{html.escape(_glossary_url(term))}" '
            f'data-term="{html.escape(term.id)}" data-definition="{definition}">'
        )
        out.extend([anchor, _text(text[start:end]), _html("</a>")])
        pos = end
    out.append(_text(text[pos:]))
    return [t for t in out if t.type != "text" or t.content]


def _glossary_url(term: GlossaryTerm) -> str:
    # The glossary page lists one language at a time, English by default.
    lang = "" if term.lang == "en" else f"?lang={term.lang}"
    return f"/glossary{lang}#{term.id}"


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _html(content: str) -> Token:
    token = Token("html_inline", "", 0)
    token.content = content
    return token


_MARKUP = re.compile(r"[*_`#>\[\]]|\]\([^)]*\)")


def _plain_definition(markdown: str) -> str:
    """A one-line, markup-free definition for a tooltip."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    return " ".join(_MARKUP.sub("", text).split())


def _inline_text(token: Token) -> str:
    # Line breaks inside a paragraph separate words: "Hub\nand" is two words.
    return "".join(
        " " if c.type in ("softbreak", "hardbreak") else c.content
        for c in token.children or ()
        if c.type in ("text", "code_inline", "softbreak", "hardbreak")
    )


def _plain_text(tokens: list[Token]) -> str:
    """The words a reader sees, one block per line: search indexes this and
    snippets are cut from it, so nothing re-reads the Markdown per request."""
    lines: list[str] = []
    for token in tokens:
        if token.type == "inline":
            words = _inline_text(token)
            if words.strip():
                lines.append(" ".join(words.split()))
        elif token.type in ("fence", "code_block"):
            lines.append(" ".join(token.content.split()))
    return "\n".join(lines)
