"""The live preview in a real browser: an author saves an article and the open
page shows the new sentence by itself; a broken save shows where it broke,
over the last good page; the fix brings the page back.

The server is ``flask --app portal preview`` itself, started as an author
would, on a copy of the fixture content.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import write_site
from gunicorn_server import free_port, server_process

ARTICLE = "articles/hub/restart-your-harbor-hub.md"
URL = "/articles/restart-your-harbor-hub"
FLASK = Path(sys.executable).parent / "flask"
REBUILT = 20_000  # ms the page may take to follow a save (a bound for a busy machine, not a measurement)


@pytest.fixture(scope="module")
def preview_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """``flask --app portal preview`` on a free port; yields its base URL and
    the content directory it watches."""
    root = tmp_path_factory.mktemp("preview-site")
    content = write_site(root / "content")
    port = free_port()
    env = {
        **os.environ,
        "PORTAL_CONTENT_DIR": str(content),
        "PORTAL_INSTANCE_DIR": str(root / "instance"),
        "PORTAL_SECRET_KEY": "test",
    }
    command = [str(FLASK), "--app", "portal", "preview", "--port", str(port)]
    # SIGINT, as Ctrl-C: the watcher and the rebuild thread stop too.
    with server_process(command, env, port, name="the preview", stop=signal.SIGINT, seconds=60) as base:
        yield base, content


@pytest.fixture(scope="module")
def server(preview_site: tuple[str, Path]) -> str:
    """The base URL browser contexts open (see ``new_context``)."""
    return preview_site[0]


@pytest.fixture
def article_file(preview_site: tuple[str, Path]) -> Iterator[Path]:
    """The article's file, put back as it was after the test."""
    path = preview_site[1] / ARTICLE
    original = path.read_text(encoding="utf-8")
    yield path
    path.write_text(original, encoding="utf-8")


def test_a_saved_sentence_appears_without_reloading_by_hand(page, expect, article_file):
    page.goto(URL)
    content = page.locator("article .content")
    expect(content).to_contain_text("Restarting your Harbor Hub clears its memory")
    expect(content).not_to_contain_text("The Hub hums quietly while it restarts.")

    article_file.write_text(
        article_file.read_text(encoding="utf-8") + "\nThe Hub hums quietly while it restarts.\n", encoding="utf-8"
    )
    expect(content).to_contain_text("The Hub hums quietly while it restarts.", timeout=REBUILT)
    expect(page.locator(".preview-problems")).to_have_count(0)


def test_a_broken_save_shows_where_and_the_fix_brings_the_page_back(page, expect, article_file):
    original = article_file.read_text(encoding="utf-8")
    page.goto(URL)
    expect(page.locator("article h1")).to_have_text("Restart your Harbor Hub")

    article_file.write_text(original.replace("title: Restart", "title: [Restart", 1), encoding="utf-8")
    problems = page.locator(".preview-problems")
    expect(problems).to_be_visible(timeout=REBUILT)
    expect(problems.locator("li").first).to_contain_text(f"{ARTICLE}:3: invalid YAML")
    # The last good version is still the page underneath.
    expect(page.locator("article h1")).to_have_text("Restart your Harbor Hub")

    article_file.write_text(original + "\nBack in one piece.\n", encoding="utf-8")
    expect(page.locator("article .content")).to_contain_text("Back in one piece.", timeout=REBUILT)
    expect(problems).to_have_count(0)


def test_a_new_draft_appears_marked_as_a_draft(page, expect, preview_site):
    draft = preview_site[1] / "articles/hub/zephyr-discs.md"
    page.goto("/categories/hub")
    try:
        draft.write_text(
            "---\ntitle: Set up Zephyr discs\ncategory: hub\nsummary: Pair them.\ntags: [mesh]\n"
            "updated: 2026-11-01\ndraft: true\n---\n\nPair the discs.\n",
            encoding="utf-8",
        )
        link = page.locator("main a", has_text="Set up Zephyr discs")
        expect(link).to_be_visible(timeout=REBUILT)
        expect(link.locator(".preview-draft-badge")).to_have_text("Draft")
        link.click()
        expect(page.locator(".preview-draft")).to_contain_text("Customers will not see this article")
    finally:
        draft.unlink()


def test_links_to_draft_trees_faq_entries_and_terms_are_marked(page, expect, preview_site):
    content = preview_site[1]
    kept = {name: (content / name).read_text(encoding="utf-8") for name in ("faq.yaml", "glossary.yaml")}
    tree = content / "troubleshooting_trees/quokka.yaml"
    draft = content / "articles/hub/quokka-links.md"
    try:
        (content / "faq.yaml").write_text(
            kept["faq.yaml"] + "- {id: quokka, question: Quokka?, answer: Soon., category: hub, draft: true}\n",
            encoding="utf-8",
        )
        (content / "glossary.yaml").write_text(
            kept["glossary.yaml"] + "- {term: Quokka, definition: Soon., draft: true}\n", encoding="utf-8"
        )
        tree.write_text(
            (content / "troubleshooting_trees/hub-light.yaml")
            .read_text(encoding="utf-8")
            .replace("id: hub-light", "id: quokka\ndraft: true"),
            encoding="utf-8",
        )
        draft.write_text(
            "---\ntitle: Quokka links\ncategory: hub\nsummary: Links.\ntags: [quokka]\n"
            "updated: 2026-11-01\ndraft: true\n---\n\n"
            "[Tree](/troubleshoot/quokka), [FAQ](/faq#quokka), [term](/glossary#quokka), "
            "[published tree](/troubleshoot/hub-light), [published term](/glossary#ont).\n",
            encoding="utf-8",
        )
        page.goto("/")
        expect(page.locator(".preview-problems")).to_have_count(0)
        page.goto("/articles/quokka-links")
        content_links = page.locator("article .content a")
        expect(content_links.first).to_be_visible(timeout=REBUILT)
        for name in ("Tree", "FAQ", "term"):
            expect(content_links.filter(has_text=name).first.locator(".preview-draft-badge")).to_have_text("Draft")
        for name in ("published tree", "published term"):
            expect(content_links.filter(has_text=name).locator(".preview-draft-badge")).to_have_count(0)
    finally:
        draft.unlink(missing_ok=True)
        tree.unlink(missing_ok=True)
        for name, text in kept.items():
            (content / name).write_text(text, encoding="utf-8")
