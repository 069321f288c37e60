"""Markdown → sanitised HTML: what a reader's browser receives."""

from __future__ import annotations

import textwrap
from html.parser import HTMLParser

import pytest

from portal import publish
from portal.build import build
from portal.catalog import FILENAME, Catalog
from portal.content.glossary import load_glossary
from portal.content.problems import Problems
from portal.rendering import render_markdown, term_matcher

GLOSSARY = """\
- term: Harbor Hub
  definition: The Wi-Fi **router** we send, see [the guide](/articles/x).
  aliases: [Hub, router]
- term: ONT
  definition: The fibre box on the wall.
- term: Harbor Hub
  definition: הנתב שלנו.
  lang: he
"""


class Elements(HTMLParser):
    """Every start tag with its attributes, as a browser would see them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def find(self, tag: str) -> list[dict[str, str]]:
        return [attrs for name, attrs in self.tags if name == tag]


@pytest.fixture(scope="module")
def terms():
    problems = Problems("glossary.yaml")
    loaded = load_glossary(GLOSSARY, problems)
    assert list(problems) == []
    return {lang: term_matcher(t for t in loaded if t.lang == lang) for lang in ("en", "he")}


def render(text: str, **kwargs) -> str:
    return render_markdown(textwrap.dedent(text), **kwargs).html


# --- sanitising --------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>Hello",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>Hello",
    '<img src="x" onerror="alert(1)">Hello',
    "<img src=x onerror=alert(1)//>Hello",
    '<a href="/ok" onclick="alert(1)" onmouseover="alert(2)">Hello</a>',
    "[Hello](javascript:alert(1))",
    "[Hello](JaVaScRiPt:alert(1))",
    "[Hello](<javascript:alert(1)>)",
    "[Hello][x]\n\n[x]: javascript:alert(1)",
    "![Hello](javascript:alert(1))",
    '<a href="javascript:alert(1)">Hello</a>',
    '<a href=" javascript:alert(1)">Hello</a>',
    '<a href="&#106;avascript:alert(1)">Hello</a>',
    '<a href="java&#x09;script:alert(1)">Hello</a>',
    '<a href="data:text/html,<script>alert(1)</script>">Hello</a>',
    '<a href="vbscript:msgbox(1)">Hello</a>',
    "<svg onload=alert(1)>Hello</svg>",
    '<iframe src="https://evil.example"></iframe>Hello',
    '<div style="background:url(javascript:alert(1))">Hello</div>',
    "<style>body{display:none}</style>Hello",
    '<form action="https://evil.example"><input name="password"></form>Hello',
    '<object data="x.swf"></object><embed src="x.swf">Hello',
    "## Hello <script>alert(1)</script>",
    '```"><script>alert(1)</script> title="<script>alert(2)</script>"\nHello\n```',
    "> [!NOTE]\n> <img src=x onerror=alert(1)>Hello",
    "| Hello |\n| - |\n| <script>alert(1)</script> |",
    '<details open ontoggle="alert(1)"><summary>Hello</summary></details>',
]


@pytest.mark.parametrize("text", HOSTILE)
def test_nothing_executable_survives(text, terms):
    html = render(text, terms=terms["en"], resolve_link=lambda href: None)
    elements = Elements(html)
    tags = {name for name, _ in elements.tags}
    assert not tags & {"script", "iframe", "svg", "style", "form", "object", "embed", "link", "meta"}
    for _, attrs in elements.tags:
        assert not [name for name in attrs if name.startswith("on") or name == "style"]
        for name in ("href", "src", "action", "formaction"):
            value = "".join(attrs.get(name, "").split()).lower()
            assert not value.startswith(("javascript:", "data:", "vbscript:")), (name, value)
    assert "Hello" in html


def test_allowed_markup_is_kept():
    html = render(
        """\
        <details><summary>More</summary>Hidden <kbd>Ctrl</kbd></details>

        - [x] done
        """
    )
    assert "<details><summary>More</summary>Hidden <kbd>Ctrl</kbd></details>" in html
    (checkbox,) = Elements(html).find("input")
    assert checkbox["type"] == "checkbox" and "disabled" in checkbox


# --- alerts, headings, code, tables ------------------------------------------


@pytest.mark.parametrize(("kind", "title"), [("NOTE", "Note"), ("TIP", "Tip"), ("WARNING", "Warning")])
def test_alerts(kind, title):
    html = render(f"> [!{kind}]\n> Mind the **gap**.\n")
    assert f'<div class="markdown-alert markdown-alert-{kind.lower()}">' in html
    assert f'<p class="markdown-alert-title">{title}</p>' in html
    assert "<p>Mind the <strong>gap</strong>.</p>" in html
    assert "[!" not in html


@pytest.mark.parametrize(("lang", "title"), [("he", "הערה"), ("fa", "توجه")])
def test_alert_titles_in_the_article_language(lang, title):
    assert f'<p class="markdown-alert-title">{title}</p>' in render("> [!NOTE]\n> x\n", lang=lang)


def test_heading_ids_and_table_of_contents():
    rendered = render_markdown(
        textwrap.dedent(
            """\
            ## Light colours

            ### What **orange** means {#orange}

            ## Light colours

            ## Use `ping` {#ping-the-hub}

            ## ???
            """
        )
    )
    assert [(h.level, h.id, h.text) for h in rendered.headings] == [
        (2, "light-colours", "Light colours"),
        (3, "orange", "What orange means"),
        (2, "light-colours-2", "Light colours"),
        (2, "ping-the-hub", "Use ping"),
        (2, "section", "???"),
    ]
    html = rendered.html
    assert '<h3 id="orange">What <strong>orange</strong> means <a class="anchor" href="#orange"' in html
    assert '<h2 id="ping-the-hub">Use <code>ping</code> <a class="anchor" href="#ping-the-hub"' in html
    assert "{#" not in html


def test_code_is_highlighted_with_a_title():
    html = render(
        """\
        ```python title="Check the <Hub>"
        print("hello")
        ```
        """
    )
    assert html.startswith('<figure class="code"><figcaption>Check the &lt;Hub&gt;</figcaption>')
    assert '<code class="language-python"><span class="nb">print</span>' in html


def test_code_in_an_unknown_language_is_escaped_not_run():
    html = render("```made-up\n<b>not bold</b>\n```\n")
    assert '<pre class="highlight"><code class="language-made-up">&lt;b&gt;not bold&lt;/b&gt;' in html


def test_tables_are_wrapped_for_scrolling():
    html = render("| Colour | Meaning |\n| --- | --- |\n| White | Fine |\n")
    assert html.startswith('<div class="table-wrap"><table>')
    assert html.rstrip().endswith("</table></div>")


# --- links between articles, rewritten by the build --------------------------


def test_internal_links_are_rewritten_to_article_urls(content_dir, write, tmp_path):
    write(
        content_dir,
        "articles/account/links.md",
        """\
        ---
        title: Links everywhere
        category: account
        summary: Links of every kind.
        tags: [links, test]
        updated: 2026-10-01
        ---

        [a](../hub/restart-your-harbor-hub.md), [b](reset-your-password.md#ask-for-a-reset-link),
        [c](/articles/forgot-password), [d](/articles/harbor-hub-lights), [e](https://example.com/x.md),
        [f](#top).
        """,
    )
    index = tmp_path / "index"
    assert not build(content_dir, index).failed
    catalog = Catalog(publish.current_build(index) / FILENAME)
    try:
        hrefs = [
            a["href"] for a in Elements(catalog.article("links").html).find("a") if "term" not in a.get("class", "")
        ]
    finally:
        catalog.close()
    assert hrefs == [
        "/articles/restart-your-harbor-hub",
        "/articles/reset-your-password#ask-for-a-reset-link",
        "/articles/reset-your-password",
        "/articles/harbor-hub-lights",
        "https://example.com/x.md",
        "#top",
    ]


# --- glossary terms ------------------------------------------------------------


def term_links(html: str) -> list[tuple[str, str]]:
    """(term id, linked text) of every glossary link, in order."""
    found: list[tuple[str, str]] = []

    class Links(HTMLParser):
        term = ""

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            values = dict(attrs)
            if tag == "a" and values.get("class") == "term":
                self.term = values["data-term"] or ""

        def handle_data(self, data: str) -> None:
            if self.term:
                found.append((self.term, data))
                self.term = ""

    Links().feed(html)
    return found


def test_glossary_term_is_linked_once_at_its_first_occurrence(terms):
    html = render(
        """\
        Restart your Harbor Hub. The Harbor Hub restarts in three minutes.

        Then check the Harbor Hub again.
        """,
        terms=terms["en"],
    )
    assert term_links(html) == [("harbor-hub", "Harbor Hub")]
    assert html.startswith('<p>Restart your <a class="term" href="/glossary#harbor-hub"')
    assert 'data-definition="The Wi-Fi router we send, see the guide."' in html


def test_glossary_terms_are_not_linked_in_headings_links_or_code(terms):
    html = render(
        """\
        ## About the Harbor Hub

        Read [the Harbor Hub guide](/articles/x) and type `Harbor Hub` exactly.

        ```
        Harbor Hub
        ```

        The **Harbor Hub** is on the shelf.
        """,
        terms=terms["en"],
    )
    assert term_links(html) == [("harbor-hub", "Harbor Hub")]
    assert 'The <strong><a class="term"' in html


def test_aliases_link_to_their_term(terms):
    html = render("Unplug the router, then the ONT, then the Hub.\n", terms=terms["en"])
    assert term_links(html) == [("harbor-hub", "router"), ("ont", "ONT")]


@pytest.mark.parametrize("text", ["Two hubs.", "A Hub-like box.", "The HubSpot app.", "harbor_hub"])
def test_glossary_terms_match_whole_words_only(terms, text):
    assert term_links(render(text, terms=terms["en"])) == []


def test_glossary_terms_match_any_case(terms):
    assert term_links(render("restart the HARBOR HUB.", terms=terms["en"])) == [("harbor-hub", "HARBOR HUB")]


def test_glossary_terms_are_linked_in_the_article_language(terms):
    html = render("הפעילו מחדש את ה- Harbor Hub.", lang="he", terms=terms["he"])
    assert term_links(html) == [("harbor-hub", "Harbor Hub")]
    assert 'data-definition="הנתב שלנו."' in html


def test_glossary_links_open_the_glossary_in_the_terms_language(terms):
    english = render("Restart the Harbor Hub.\n", terms=terms["en"])
    hebrew = render("הפעילו מחדש את Harbor Hub.\n", lang="he", terms=terms["he"])
    assert 'href="/glossary#harbor-hub"' in english
    assert 'href="/glossary?lang=he#harbor-hub"' in hebrew
