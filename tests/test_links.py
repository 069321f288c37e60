"""Links from Markdown (articles, FAQ answers, glossary definitions, tree node
texts) to the portal's other pages: troubleshooting trees, FAQ entries,
glossary terms, categories and language-prefixed articles. A link to nothing,
or from published content to a draft, is an error at the link's line."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml
from conftest import FAQ, GLOSSARY, TREE, line_of
from previews import running_preview

from portal import i18n
from portal.build import build, check
from portal.content import load_site
from portal.content.links import PREFIXES

REPO_ROOT = Path(__file__).resolve().parent.parent
PAGE = "articles/hub/links.md"
HEAD = """\
---
title: Links to other pages
category: hub
summary: Every kind of page link.
tags: [links]
updated: 2026-10-01
---

"""
DRAFT_HEAD = HEAD.replace("updated: 2026-10-01\n", "updated: 2026-10-01\ndraft: true\n")


def article(body: str, head: str = HEAD) -> str:
    return head + textwrap.dedent(body)


def messages(content_dir: Path) -> list[str]:
    return [str(p) for p in check(content_dir)[1].problems]


def dump(data: object) -> str:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)


def test_valid_page_links_give_no_problem(content_dir, write):
    write(
        content_dir,
        PAGE,
        article(
            """\
        Trees: [a](/troubleshoot/hub-light), [b](/he/troubleshoot/hub-light/diagram),
        [c](/troubleshoot/hub-light/diagram.svg?x=1).
        FAQ: [d](/faq#how-do-i-reset-my-password), [e](/fa/faq#why-is-the-light-on-my-hub-orange), [f](/faq).
        Glossary: [g](/glossary#harbor-hub), [h](/glossary?lang=en#ont), [i](/glossary#letter-O), [j](/glossary).
        Hebrew has no glossary, so its page lists English: [k](/he/glossary#my-harbor).
        Categories: [l](/categories/hub), [m](/fa/categories/account/).
        Prefixed article and alias: [n](/he/articles/reset-your-password-he), [o](/fa/articles/forgot-password#x).
        Pages not checked: [p](/tickets/new?category=hub), [q](/search?q=x), [r](/troubleshoot), [s](/he/).
        """
        ),
    )
    assert messages(content_dir) == []
    # Each of a to o was looked at (none passed unnoticed); p to s are not checked.
    pages = load_site(content_dir)[0].articles_by_path[PAGE].pages
    assert len(pages) == 15
    assert pages[-1].href == "/fa/articles/forgot-password#x"


def test_each_broken_page_link_in_an_article_is_reported_at_its_line(content_dir, write):
    write(
        content_dir,
        PAGE,
        article(
            """\
        A tree: [a](/troubleshoot/no-such-tree).
        A prefixed tree diagram: [b](/fa/troubleshoot/gone/diagram.svg).
        A tree page no route serves: [c](/troubleshoot/hub-light/steps).
        An FAQ id: [d](/faq#no-such-question).
        An FAQ entry as a path: [e](/faq/how-do-i-reset-my-password).
        A glossary term: [f](/glossary#no-such-term), and a letter: [g](/he/glossary#letter-Q).
        A language with no terms: [h](/glossary?lang=fa#ont).
        A glossary term as a path: [i](/glossary/ont).
        A category: [j](/categories/no-such-category), prefixed: [k](/he/categories/gone).
        A prefixed article: [l](/he/articles/nope).

        ```markdown
        [code is not a link](/troubleshoot/inside-code)
        ```
        """
        ),
    )
    assert messages(content_dir) == [
        f"{PAGE}:9: link '/troubleshoot/no-such-tree' points at troubleshooting tree 'no-such-tree', "
        "which does not exist",
        f"{PAGE}:10: link '/fa/troubleshoot/gone/diagram.svg' points at troubleshooting tree 'gone', "
        "which does not exist",
        f"{PAGE}:11: link '/troubleshoot/hub-light/steps' points at /troubleshoot/hub-light/steps, "
        "which is no page of the help centre",
        f"{PAGE}:12: link '/faq#no-such-question' points at FAQ entry 'no-such-question', which does not exist",
        f"{PAGE}:13: link '/faq/how-do-i-reset-my-password' points at /faq/how-do-i-reset-my-password, "
        "which is no page of the help centre; link an FAQ entry as /faq#how-do-i-reset-my-password",
        f"{PAGE}:14: link '/glossary#no-such-term' points at glossary term 'no-such-term' in 'en', "
        "which does not exist",
        f"{PAGE}:14: link '/he/glossary#letter-Q' points at glossary term 'letter-Q' in 'en', which does not exist",
        f"{PAGE}:15: link '/glossary?lang=fa#ont' asks for the glossary in 'fa', which has no terms",
        f"{PAGE}:16: link '/glossary/ont' points at /glossary/ont, which is no page of the help centre; "
        "link a glossary term as /glossary#ont",
        f"{PAGE}:17: link '/categories/no-such-category' points at category 'no-such-category', which does not exist",
        f"{PAGE}:17: link '/he/categories/gone' points at category 'gone', which does not exist",
        f"{PAGE}:18: link '/he/articles/nope' points at /articles/nope, which does not exist",
    ]


def test_glossary_anchors_are_judged_in_the_language_the_page_lists(content_dir, write):
    terms = [*GLOSSARY, {"term": "נתב", "definition": "הראוטר.", "lang": "he"}]
    write(content_dir, "glossary.yaml", dump(terms))
    write(
        content_dir,
        PAGE,
        HEAD + "[a](/he/glossary#נתב), [b](/glossary?lang=he#נתב), [c](/glossary#נתב), [d](/he/glossary#ont).\n",
    )
    # The Hebrew page lists Hebrew terms; the unprefixed page lists English.
    assert messages(content_dir) == [
        f"{PAGE}:9: link '/glossary#נתב' points at glossary term 'נתב' in 'en', which does not exist",
        f"{PAGE}:9: link '/he/glossary#ont' points at glossary term 'ont' in 'he', which does not exist",
    ]


def test_links_in_faq_answers_glossary_definitions_and_tree_texts(content_dir, write):
    faq = dump(FAQ) + textwrap.dedent(
        """\
        - question: Where is the light guide?
          category: hub
          answer: |
            The guide is [here](/troubleshoot/gone).

            The old one was [there](/articles/nope).
        - question: Folded
          category: hub
          answer: See [a term](/glossary#nope) and more words,
            and [more](/faq#gone) on the next line.
        """
    )
    write(content_dir, "faq.yaml", faq)
    glossary = dump(GLOSSARY) + "- term: Mesh\n  definition: >\n    Discs.\n\n    See [the FAQ](/faq#gone).\n"
    write(content_dir, "glossary.yaml", glossary)
    tree = {**TREE, "nodes": {**TREE["nodes"], "restart": {**TREE["nodes"]["restart"], "text": "[x](/faq/gone)"}}}
    write(content_dir, "troubleshooting_trees/hub-light.yaml", dump(tree))

    here = line_of(content_dir, "faq.yaml", "The guide is")
    folded = line_of(content_dir, "faq.yaml", "answer: See [a term]")
    term = line_of(content_dir, "glossary.yaml", "Discs.")
    node = line_of(content_dir, "troubleshooting_trees/hub-light.yaml", "text: '[x]")
    assert messages(content_dir) == [
        f"faq.yaml:{here}: link '/troubleshoot/gone' points at troubleshooting tree 'gone', which does not exist",
        f"faq.yaml:{here + 2}: link '/articles/nope' points at /articles/nope, which does not exist",
        # Text in any style but '|' is folded: its links are reported at its first line.
        f"faq.yaml:{folded}: link '/faq#gone' points at FAQ entry 'gone', which does not exist",
        f"faq.yaml:{folded}: link '/glossary#nope' points at glossary term 'nope' in 'en', which does not exist",
        f"glossary.yaml:{term}: link '/faq#gone' points at FAQ entry 'gone', which does not exist",
        f"troubleshooting_trees/hub-light.yaml:{node}: link '/faq/gone' points at /faq/gone, "
        "which is no page of the help centre; link an FAQ entry as /faq#gone",
    ]


@pytest.fixture
def drafts(content_dir: Path, write) -> Path:
    """A draft of each kind: the tree, an FAQ entry, a glossary term and an article."""
    write(content_dir, "troubleshooting_trees/hub-light.yaml", dump({**TREE, "draft": True}))
    write(
        content_dir,
        "faq.yaml",
        dump([*FAQ, {"question": "Zephyr?", "answer": "Soon.", "category": "hub", "draft": True}]),
    )
    write(content_dir, "glossary.yaml", dump([*GLOSSARY, {"term": "Zephyr", "definition": "Soon.", "draft": True}]))
    write(content_dir, "articles/hub/zephyr.md", DRAFT_HEAD.replace("Links to other pages", "Zephyr") + "Soon.\n")
    return content_dir


DRAFT_LINKS = "[a](/troubleshoot/hub-light) [b](/faq#zephyr) [c](/glossary#zephyr) [d](/he/articles/zephyr)\n"


def test_published_links_to_drafts_are_errors(drafts, write):
    write(drafts, PAGE, HEAD + DRAFT_LINKS)
    hint = "publish it first (remove 'draft: true') or remove the reference"
    assert messages(drafts) == [
        f"{PAGE}:9: link '/faq#zephyr' points at a draft; {hint}",
        f"{PAGE}:9: link '/glossary#zephyr' points at a draft; {hint}",
        f"{PAGE}:9: link '/he/articles/zephyr' points at a draft; {hint}",
        f"{PAGE}:9: link '/troubleshoot/hub-light' points at a draft; {hint}",
    ]


def test_drafts_may_link_to_drafts(drafts, write):
    write(drafts, PAGE, DRAFT_HEAD + DRAFT_LINKS)
    assert messages(drafts) == []


def test_a_broken_link_fails_the_build(content_dir, write, tmp_path):
    write(content_dir, PAGE, article("[a](/troubleshoot/gone)\n"))
    report = build(content_dir, tmp_path / "index")
    assert report.failed and report.build_dir is None
    assert [str(p) for p in report.problems] == [
        f"{PAGE}:9: link '/troubleshoot/gone' points at troubleshooting tree 'gone', which does not exist"
    ]


def test_the_repository_content_passes_the_strict_check():
    result = subprocess.run(
        [sys.executable, "build_index.py", "--check", "--strict"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_url_prefixes_are_the_interface_languages():
    assert PREFIXES == i18n.LANGUAGES


def test_a_language_the_author_gave_a_link_is_kept_on_every_page(content_dir, write, tmp_path):
    from portal import create_app

    write(content_dir, PAGE, HEAD + "[Persian tree](/fa/troubleshoot/hub-light) and [ours](/troubleshoot/hub-light)\n")
    assert not load_site(content_dir)[1]
    report = build(content_dir, tmp_path / "index")
    assert not report.failed
    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content_dir,
            "INDEX_DIR": tmp_path / "index",
            "INSTANCE_DIR": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "SECRET_KEY": "test",
        }
    )
    try:
        page = app.test_client().get("/he/articles/links").get_data(as_text=True)
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()
    assert 'href="/fa/troubleshoot/hub-light"' in page
    assert 'href="/he/troubleshoot/hub-light"' in page
    assert "/he/fa/" not in page


def test_the_preview_tells_its_script_which_pages_are_drafts(drafts, write, tmp_path):
    write(drafts, PAGE, article(DRAFT_LINKS, DRAFT_HEAD))
    with running_preview(drafts, tmp_path) as preview:
        page = preview.app.test_client().get("/articles/links").get_data(as_text=True)
    # static/preview.js badges the links whose address names one of these.
    assert 'data-draft-pages="[&#34;tree:hub-light&#34;, &#34;faq:zephyr&#34;, &#34;glossary:en:zephyr&#34;]"' in page
    assert 'data-drafts="[&#34;links&#34;, &#34;zephyr&#34;]"' in page
