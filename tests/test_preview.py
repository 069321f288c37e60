"""``flask preview``: the watcher rebuilds on a save, a broken save shows its
problems over the last good build, fixing it brings the page back, and none of
it exists outside the preview."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ARTICLES, article_text
from previews import running_preview

from portal.preview.rebuild import Outcome, PreviewState, Rebuilder, describe_changes
from portal.preview.server import Preview
from portal.preview.watch import is_content
from portal.preview.web import inject

ARTICLE = "articles/hub/restart-your-harbor-hub.md"
URL = "/articles/restart-your-harbor-hub"
WAIT = 30  # seconds at most for a build to follow a save (a bound, never a measurement)


class Author:
    """Saves files in the preview's content and waits for the build that follows."""

    def __init__(self, preview: Preview) -> None:
        self.preview = preview
        self.content = preview.content_dir
        self.client = preview.app.test_client()

    def save(self, relpath: str, text: str) -> Outcome:
        before = self.preview.state.outcome.generation
        path = self.content / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return self.wait_after(before)

    def wait_after(self, generation: int) -> Outcome:
        outcome = self.preview.state.wait_for(generation, timeout=WAIT)
        assert outcome.generation > generation, "no build followed the save"
        return outcome

    def page(self, url: str = URL) -> str:
        response = self.client.get(url)
        return response.get_data(as_text=True)


def article(extra: str = "", meta_changes: dict | None = None) -> str:
    meta, body = ARTICLES[ARTICLE]
    return article_text({**meta, **(meta_changes or {})}, body + extra)


@pytest.fixture(params=["events", "polling"])
def preview(request, content_dir: Path, tmp_path: Path) -> Iterator[Preview]:
    """The preview on a copy of the fixture content, started, with the system's
    file events and with polling."""
    lines: list[str] = []
    with running_preview(
        content_dir, tmp_path, poll=request.param == "polling", log=lines.append, debounce=0.05
    ) as preview:
        preview.lines = lines  # type: ignore[attr-defined]
        yield preview


@pytest.fixture
def author(preview: Preview) -> Author:
    return Author(preview)


def test_a_save_rebuilds_only_what_changed_and_the_page_shows_it(author, preview, tmp_path):
    assert "Fresh sentence about the purple light." not in author.page()
    outcome = author.save(ARTICLE, article("\nFresh sentence about the purple light.\n"))
    assert outcome.ok
    assert "Fresh sentence about the purple light." in author.page()
    assert any(
        line.startswith("rebuilt in ")
        and f"after a change to {ARTICLE}: 1 rendered, 1 indexed, 0 removed, 0 new images (3 articles reused)" in line
        for line in preview.lines
    ), preview.lines
    # Searchable at once, and the production index was never written.
    assert "Restart your Harbor Hub" in author.client.get("/api/search?q=purple").get_data(as_text=True)
    assert not (tmp_path / "production-index").exists()
    assert (tmp_path / "instance" / "preview" / "index" / "CURRENT").is_file()


def test_a_broken_save_lists_every_problem_over_the_last_good_page_and_a_fix_clears_it(author):
    author.save(ARTICLE, article("\nThe last good sentence.\n"))
    broken = article("\nA sentence from the broken save.\n").replace("title: Restart", "title: [Restart", 1)
    outcome = author.save(ARTICLE, broken)
    assert not outcome.ok

    page = author.page()
    assert "The last save has" in page
    # The broken file first, then what it breaks elsewhere, each as path:line: message.
    listed = page[page.index('<ul class="preview-list">') : page.index("</ul>")]
    assert f"<li><code>{ARTICLE}:3: invalid YAML" in listed
    assert listed.index(ARTICLE) < listed.index("articles/account/reset-your-password.md:")
    assert "link &#39;../hub/restart-your-harbor-hub.md&#39; points at" in listed
    # Underneath, the last good build is still served.
    assert "The last good sentence." in page
    assert "A sentence from the broken save." not in page
    # Every page shows the problems, not only the broken article's.
    assert f"{ARTICLE}:3: invalid YAML" in author.page("/faq")

    fixed = author.save(ARTICLE, article("\nA sentence after the fix.\n"))
    assert fixed.ok
    page = author.page()
    assert "preview-problems" not in page
    assert "A sentence after the fix." in page


def test_problem_messages_are_escaped(author):
    outcome = author.save(ARTICLE, article(meta_changes={"category": "<img src=x onerror=alert(1)>"}))
    assert not outcome.ok
    page = author.page("/")
    assert "<img src=x" not in page
    assert "unknown category &#39;&lt;img src=x onerror=alert(1)&gt;&#39;" in page


def test_a_new_and_a_deleted_article_are_picked_up(author):
    new = "articles/hub/hub-stand.md"
    author.save(new, article_text({**ARTICLES[ARTICLE][0], "title": "Use the Hub stand", "aliases": []}, "Stand.\n"))
    assert "Use the Hub stand" in author.page("/categories/hub")
    before = author.preview.state.outcome.generation
    (author.content / new).unlink()
    author.wait_after(before)
    assert author.client.get("/articles/hub-stand").status_code == 404


def test_drafts_show_in_the_preview_with_a_banner(author):
    author.save(
        "articles/hub/mesh-discs.md",
        article_text(
            {**ARTICLES[ARTICLE][0], "title": "Zephyr discs", "aliases": [], "draft": True},
            "Zephyr discs pair in a minute.\n",
        ),
    )
    page = author.page("/articles/mesh-discs")
    assert "Zephyr discs pair in a minute." in page
    assert '<p class="preview-draft"><strong>Draft</strong>' in page
    assert "remove draft: true from its front matter" in page
    # Other pages carry the list of drafts, for the script to mark links to them.
    assert 'data-drafts="[&#34;mesh-discs&#34;]"' in author.page("/categories/hub")
    assert 'preview-draft"' not in author.page()


def test_faq_glossary_trees_and_categories_are_watched(author):
    for relpath in ("faq.yaml", "glossary.yaml", "categories.yaml", "troubleshooting_trees/hub-light.yaml"):
        path = author.content / relpath
        outcome = author.save(relpath, path.read_text(encoding="utf-8") + "\n# touched\n")
        assert outcome.ok and outcome.changed == (relpath,)


def test_every_page_gets_the_reload_script_and_the_event_stream_answers(author):
    page = author.page()
    generation = author.preview.state.outcome.generation
    assert '<script src="/static/preview.js?v=' in page
    assert f'data-generation="{generation}"' in page
    assert 'data-events="/__preview/events"' in page
    response = author.client.get(URL)
    assert "no-store" in response.headers["Cache-Control"]
    assert "ETag" not in response.headers
    assert "Content-Security-Policy" in response.headers  # the script is a file: the policy stays strict

    stream = author.client.get("/__preview/events", buffered=False)
    assert stream.mimetype == "text/event-stream"
    chunks = iter(stream.response)
    assert next(chunks) == f"retry: 1000\nevent: build\ndata: {generation}\n\n".encode()
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(next(chunks)))
    reader.start()
    author.save(ARTICLE, article("\nAnother sentence.\n"))
    reader.join(WAIT)
    assert received == [f"event: build\ndata: {generation + 1}\n\n".encode()]
    stream.close()


def test_the_normal_site_has_no_preview(client):
    page = client.get(URL).get_data(as_text=True)
    assert "preview.js" not in page and "preview-bar" not in page and "preview.css" not in page
    assert client.get("/__preview/events").status_code == 404
    assert client.get("/").status_code == 200 and "preview" not in client.get("/").get_data(as_text=True)


def test_the_command_is_registered(app):
    result = app.test_cli_runner().invoke(args=["preview", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "--poll" in result.output
    assert "never into the published index" in " ".join(result.output.split())


def test_a_burst_of_saves_makes_one_build(content_dir, tmp_path):
    state = PreviewState()
    lines: list[str] = []
    rebuilder = Rebuilder(content_dir, tmp_path / "index", state, lines.append, debounce=1.0)
    rebuilder.build_now()
    rebuilder.start()
    try:
        for n in range(5):
            rebuilder.changed({f"articles/hub/file-{n}.md"})
        outcome = state.wait_for(1, timeout=WAIT)
    finally:
        rebuilder.stop()
    assert outcome.generation == 2
    assert outcome.ok
    assert state.outcome.generation == 2
    assert (
        "after a change to articles/hub/file-0.md, articles/hub/file-1.md, articles/hub/file-2.md and 2 more"
        in (lines[-1])
    )


@pytest.mark.parametrize(
    ("path", "is_dir", "watched"),
    [
        ("articles/hub/x.md", False, True),
        ("articles/hub/images/x.png", False, True),
        ("articles/hub/images/X.JPEG", False, True),
        ("articles/hub", True, True),
        ("articles/hub/.x.md.swp", False, False),
        ("articles/hub/x.md~", False, False),
        ("articles/hub/4913", False, False),
        ("articles/hub/notes.txt", False, False),
        ("troubleshooting_trees/t.yaml", False, True),
        ("troubleshooting_trees/t.yml", False, True),
        ("troubleshooting_trees/old/t.yaml", False, False),
        ("faq.yaml", False, True),
        ("glossary.yaml", False, True),
        ("categories.yaml", False, True),
        ("sla.yaml", False, True),
        ("articles", True, True),
        ("README.md", False, False),
        ("pyproject.toml", False, False),
        (".git/index", False, False),
        (".faq.yaml.swp", False, False),
    ],
)
def test_which_changes_count(path, is_dir, watched):
    assert is_content(path, is_dir) is watched


def test_inject_places_the_bar_and_script_and_leaves_fragments_alone():
    page = "<!doctype html><html><head><title>t</title></head><body class='x'><main>m</main></body></html>"
    assert inject(page, "<H>", "<T>", "<B>") == (
        "<!doctype html><html><head><title>t</title><H></head><body class='x'><T><main>m</main><B></body></html>"
    )
    assert inject("<p>just a fragment</p>", "<H>", "<T>", "<B>") == "<p>just a fragment</p>"


def test_describe_changes():
    assert describe_changes([]) == ""
    assert describe_changes(["b", "a", "a"]) == "a, b"
    assert describe_changes(["e", "d", "c", "b", "a"]) == "a, b, c and 2 more"


def test_a_preview_started_on_broken_content_lists_the_problems_then_shows_the_site(content_dir, tmp_path):
    path = content_dir / ARTICLE
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("title: Restart", "title: [Restart", 1), encoding="utf-8")
    lines: list[str] = []
    preview = Preview(
        {"TESTING": True, "CONTENT_DIR": content_dir, "INSTANCE_DIR": tmp_path / "instance", "SECRET_KEY": "test"},
        log=lines.append,
        debounce=0.05,
    )
    first = preview.start()
    try:
        assert not first.ok and not first.serving
        assert lines[0].startswith("build failed: ") and lines[0].endswith(
            "there is nothing to show until this is fixed"
        )
        author = Author(preview)
        response = author.client.get(URL)
        page = response.get_data(as_text=True)
        assert response.status_code == 503
        assert f"<li><code>{ARTICLE}:3: invalid YAML" in page
        assert "There is nothing to show until it is fixed." in page

        assert author.save(ARTICLE, good).ok
        assert "preview-problems" not in author.page()
        assert author.client.get(URL).status_code == 200
    finally:
        preview.stop()
