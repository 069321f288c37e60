"""Drafts (``draft: true``) never reach a normal build: no page, search result,
sitemap entry, API answer, category listing or suggestion; published content
that points at one fails the check; the preview build keeps them."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
import yaml
from conftest import FAQ, GLOSSARY, TREE, article_text

from portal.build import build, check

DRAFT = "articles/hub/mesh-discs.md"
DRAFT_META = {
    "title": "Set up your Zephyr Mesh discs",
    "category": "hub",
    "summary": "Pair the new Zephyr discs with your Hub.",
    "tags": ["zephyr", "mesh"],
    "updated": "2026-11-01",
    "aliases": ["zephyr-setup"],
    "draft": True,
}
DRAFT_BODY = "Zephyrmesh discs pair with the Hub in one minute. See [the lights](harbor-hub-lights.md).\n"
SLUG = "mesh-discs"


@pytest.fixture
def content_dir(content_dir: Path) -> Path:
    """The fixture help centre plus one draft article."""
    (content_dir / DRAFT).write_text(article_text(DRAFT_META, DRAFT_BODY), encoding="utf-8")
    return content_dir


def messages(report) -> list[str]:
    return [str(p) for p in report.problems]


def test_a_draft_is_checked_but_not_counted_in_a_normal_build(content_dir, tmp_path):
    report = build(content_dir, tmp_path / "index")
    assert not report.failed, messages(report)
    assert report.counts["articles"] == 4  # the fixture's four, not the draft
    with sqlite3.connect(report.build_dir / "catalog.sqlite3") as db:
        slugs = {row[0] for row in db.execute("SELECT slug FROM articles")}
        aliases = {row[0] for row in db.execute("SELECT alias FROM aliases")}
    db.close()
    assert SLUG not in slugs and "zephyr-setup" not in aliases


def test_a_draft_never_leaks_into_the_published_site(client):
    assert client.get(f"/articles/{SLUG}").status_code == 404
    assert client.get("/articles/zephyr-setup").status_code == 404  # its alias
    assert client.get(f"/api/articles/{SLUG}").status_code == 404
    for query in ("zephyrmesh", "zephyr"):
        search = client.get(f"/api/search?q={query}").get_json()
        assert search["total"] == 0, search
        assert "Zephyr" not in client.get(f"/search?q={query}").get_data(as_text=True)
    for query in ("zeph", "Set up your"):
        assert "Zephyr" not in json.dumps(client.get(f"/api/suggest?q={query}").get_json())
    assert SLUG not in client.get("/sitemap.xml").get_data(as_text=True)
    for page in ("/categories/hub", "/", "/faq", "/glossary"):
        body = client.get(page).get_data(as_text=True)
        assert "Zephyr" not in body and SLUG not in body, page
    # The published articles are all there.
    assert client.get("/articles/harbor-hub-lights").status_code == 200


def test_the_preview_build_keeps_drafts_and_lists_them(content_dir, tmp_path):
    report = build(content_dir, tmp_path / "preview", drafts=True)
    assert not report.failed, messages(report)
    assert report.counts["articles"] == 5
    with sqlite3.connect(report.build_dir / "catalog.sqlite3") as db:
        drafts = json.loads(db.execute("SELECT data FROM collections WHERE name = 'drafts'").fetchone()[0])
    db.close()
    assert drafts == [SLUG]


def test_publishing_a_draft_is_removing_the_key(content_dir, tmp_path, client):
    index = tmp_path / "published"
    assert build(content_dir, index).counts["articles"] == 4
    meta = {k: v for k, v in DRAFT_META.items() if k != "draft"}
    (content_dir / DRAFT).write_text(article_text(meta, DRAFT_BODY), encoding="utf-8")
    report = build(content_dir, index)
    assert report.counts["articles"] == 5
    assert (report.rendered, report.indexed) == (1, 1)


def test_published_content_pointing_at_a_draft_fails_the_check(content_dir, write):
    write(
        content_dir,
        "articles/hub/new-hub.md",
        """\
        ---
        title: Your new Hub
        category: hub
        summary: What is in the box.
        tags: [hub]
        updated: 2026-11-02
        related: [mesh-discs]
        ---

        Pair your discs: see [Zephyr](mesh-discs.md),
        or [the same by URL](/articles/zephyr-setup).
        """,
    )
    write(
        content_dir,
        "faq.yaml",
        yaml.safe_dump([*FAQ, {"question": "Zephyr?", "answer": "Yes.", "category": "hub", "article": SLUG}]),
    )
    write(
        content_dir,
        "glossary.yaml",
        yaml.safe_dump([*GLOSSARY, {"term": "Zephyr", "definition": "D.", "article": SLUG}]),
    )
    tree = json.loads(json.dumps(TREE))
    tree["nodes"]["restart"]["articles"] = [SLUG]
    write(content_dir, "troubleshooting_trees/hub-light.yaml", yaml.safe_dump(tree, sort_keys=False))
    report = check(content_dir)[1]
    assert report.failed
    hint = "publish it first (remove 'draft: true') or remove the reference"
    drafts = [m for m in messages(report) if "draft" in m]
    faq_line = line_with(content_dir, "faq.yaml", f"article: {SLUG}")
    glossary_line = line_with(content_dir, "glossary.yaml", f"article: {SLUG}")
    tree_line = _node_line(content_dir, "troubleshooting_trees/hub-light.yaml", SLUG)
    assert sorted(drafts) == sorted(
        [
            f"articles/hub/new-hub.md:7: related article 'mesh-discs' is a draft; {hint}",
            f"articles/hub/new-hub.md:10: link 'mesh-discs.md' points at a draft; {hint}",
            f"articles/hub/new-hub.md:11: link '/articles/zephyr-setup' points at a draft; {hint}",
            f"faq.yaml:{faq_line}: article 'mesh-discs' is a draft; {hint}",
            f"glossary.yaml:{glossary_line}: article 'mesh-discs' is a draft; {hint}",
            f"troubleshooting_trees/hub-light.yaml:{tree_line}: article 'mesh-discs' is a draft; {hint}",
        ]
    )


def line_with(content_dir: Path, relpath: str, text: str) -> int:
    lines = (content_dir / relpath).read_text(encoding="utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


def _node_line(content_dir: Path, relpath: str, text: str) -> int:
    """The line of the node that names ``text`` (the node's own line is where
    the check reports it): the 'restart:' line above it."""
    lines = (content_dir / relpath).read_text(encoding="utf-8").splitlines()
    found = next(i for i, line in enumerate(lines) if text in line)
    return next(i for i in range(found, -1, -1) if lines[i].strip() == "restart:") + 1


def test_a_translation_of_a_draft_must_be_a_draft_too(content_dir, write):
    meta = {**DRAFT_META, "title": "הגדרת Zephyr", "lang": "he", "translation_of": SLUG, "aliases": []}
    del meta["draft"]
    write(content_dir, "articles/hub/mesh-discs.he.md", article_text(meta, "טקסט.\n"))
    translation_of_line = line_with(content_dir, "articles/hub/mesh-discs.he.md", "translation_of:")
    assert (
        f"articles/hub/mesh-discs.he.md:{translation_of_line}: translation_of 'mesh-discs', which is a draft; "
        "publish the original first, or mark this translation 'draft: true' too"
    ) in messages(check(content_dir)[1])
    write(content_dir, "articles/hub/mesh-discs.he.md", article_text({**meta, "draft": True}, "טקסט.\n"))
    assert not check(content_dir)[1].failed


def test_drafts_may_point_at_each_other_and_at_published_articles(content_dir, write):
    write(
        content_dir,
        "articles/hub/mesh-troubleshooting.md",
        article_text(
            {**DRAFT_META, "title": "Mesh trouble", "aliases": [], "related": [SLUG]},
            "See [setup](mesh-discs.md) and [lights](harbor-hub-lights.md).\n",
        ),
    )
    assert not check(content_dir)[1].failed


def test_a_broken_draft_still_fails_the_check(content_dir, write):
    write(content_dir, DRAFT, article_text({**DRAFT_META, "category": "mesh"}, DRAFT_BODY))
    report = check(content_dir)[1]
    assert report.failed
    assert f"{DRAFT}:3: unknown category 'mesh'; declare it in categories.yaml" in messages(report)


def test_draft_must_be_true_or_false(content_dir, write):
    write(content_dir, DRAFT, article_text({**DRAFT_META, "draft": "soon"}, DRAFT_BODY))
    line = line_with(content_dir, DRAFT, "draft:")
    assert f"{DRAFT}:{line}: 'draft' must be true or false, not 'soon'" in messages(check(content_dir)[1])


def test_draft_outside_article_front_matter_is_an_error_not_a_silent_publish(content_dir, write):
    write(
        content_dir,
        "faq.yaml",
        """\
        - question: Is the Zephyr disc out yet?
          answer: Not yet.
          category: hub
          draft: true
        """,
    )
    assert (
        "faq.yaml:4: 'draft' works only in article front matter; this FAQ entry would be published, "
        "so keep it out of the file until it is ready"
    ) in messages(check(content_dir)[1])
