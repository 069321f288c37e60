"""Drafts (``draft: true``) never reach a normal build: no page, search result,
sitemap entry, API answer, category listing or suggestion; published content
that points at one fails the check; the preview build keeps them, marked.

Articles first; then FAQ entries, glossary terms and trees, which follow the
same rules."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import yaml
from conftest import FAQ, GLOSSARY, TREE, article_text, line_of
from previews import running_preview

from portal.build import build, check
from portal.content_report import content_report

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


# FAQ entries, glossary terms and trees -------------------------------------------

DRAFT_FAQ = {
    "id": "quokka-pairing",
    "question": "Can I pair a Quokka with my Hub?",
    "answer": "Yes: the Numbatpair button pairs it in a minute.",
    "category": "hub",
    "article": SLUG,  # a draft may point at a draft
    "draft": True,
}
DRAFT_TERM = {
    "term": "Quokka",
    "definition": "The Wi-Fi repeater we launch on Wombatday.",
    "aliases": ["Quokkarepeater"],
    "article": SLUG,
    "draft": True,
}
DRAFT_TREE_ID = "quokka-setup"
DRAFT_TREE_FILE = f"troubleshooting_trees/{DRAFT_TREE_ID}.yaml"
DRAFT_TREE = {
    "title": "Set up your Quokka",
    "description": "Bilbysteps to pair the repeater.",
    "category": "hub",
    "draft": True,
    "start": "light",
    "nodes": {
        "light": {
            "type": "question",
            "text": "Is the Quokka light blue?",
            "options": [
                {"id": "blue", "label": "Blue", "next": "pair", "glossary": ["Quokka"]},
                {"id": "dark", "label": "Dark", "next": "call"},
            ],
        },
        "pair": {"type": "solution", "text": "Press Numbatpair.", "articles": [SLUG]},
        "call": {"type": "escalate", "reason": "Quokka will not start"},
    },
}
MARKERS = ("Quokka", "quokka", "Numbatpair", "Wombatday", "Bilbysteps")
# A published article that names the draft term: linked to it in the preview only.
MENTION = "articles/hub/repeaters.md"
MENTION_META = {
    "title": "Extend your Wi-Fi",
    "category": "hub",
    "summary": "Reach the garden.",
    "updated": "2026-11-01",
}


def write_kinds(root: Path) -> Path:
    """A draft FAQ entry, glossary term and tree beside the published ones."""
    (root / "faq.yaml").write_text(yaml.safe_dump([*FAQ, DRAFT_FAQ], sort_keys=False), encoding="utf-8")
    (root / "glossary.yaml").write_text(yaml.safe_dump([*GLOSSARY, DRAFT_TERM], sort_keys=False), encoding="utf-8")
    (root / DRAFT_TREE_FILE).write_text(yaml.safe_dump(DRAFT_TREE, sort_keys=False), encoding="utf-8")
    return root


@pytest.fixture
def kinds_dir(content_dir: Path) -> Path:
    return write_kinds(content_dir)


@contextmanager
def serving(content: Path, index: Path, tmp_path: Path) -> Iterator:
    """A test client on the build in ``index`` (a normal or a preview build)."""
    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "CONTENT_DIR": content,
            "INDEX_DIR": index,
            "INSTANCE_DIR": tmp_path / "instance",
            "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
            "SECRET_KEY": "test",
            "RANKING_CACHE_SECONDS": 0,
        }
    )
    try:
        yield app.test_client()
    finally:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()


def search_total(client, query: str) -> int:
    return client.get("/api/search", query_string={"q": query}).get_json()["total"]


def test_each_kind_of_draft_is_checked_but_not_counted_in_a_normal_build(kinds_dir, tmp_path):
    assert not check(kinds_dir)[1].problems, messages(check(kinds_dir)[1])
    normal = build(kinds_dir, tmp_path / "index")
    preview = build(kinds_dir, tmp_path / "preview", drafts=True)
    assert normal.counts == {"articles": 4, "FAQ entries": 2, "glossary terms": 3, "trees": 1}
    assert preview.counts == {"articles": 5, "FAQ entries": 3, "glossary terms": 4, "trees": 2}


def test_draft_faq_entries_terms_and_trees_never_leak_into_the_published_site(kinds_dir, tmp_path):
    build(kinds_dir, tmp_path / "index")
    with serving(kinds_dir, tmp_path / "index", tmp_path) as client:
        for url in ("/", "/faq", "/glossary", "/troubleshoot", "/search?q=pair", "/sitemap.xml"):
            body = client.get(url).get_data(as_text=True)
            assert not [m for m in MARKERS if m in body], url
        for url in ("", "/diagram", "/diagram.svg", "/diagram.mmd"):
            assert client.get(f"/troubleshoot/{DRAFT_TREE_ID}{url}").status_code == 404, url
        for query in ("quokka", "quokkarepeater", "numbatpair", "wombatday", "bilbysteps"):
            assert search_total(client, query) == 0, query
            assert "uokka" not in json.dumps(client.get("/api/suggest", query_string={"q": query[:4]}).get_json())
        # The published ones are all there.
        assert "Why is the light on my Hub orange?" in client.get("/faq").get_data(as_text=True)
        assert client.get("/troubleshoot/hub-light").status_code == 200


def test_a_draft_term_is_neither_linked_in_articles_nor_a_search_synonym(kinds_dir, write, tmp_path):
    write(kinds_dir, MENTION, article_text(MENTION_META, "A Quokka reaches the garden.\n"))
    for index, drafts in (("index", False), ("preview", True)):
        build(kinds_dir, tmp_path / index, drafts=drafts)
        with serving(kinds_dir, tmp_path / index, tmp_path / index) as client:
            page = client.get("/articles/repeaters").get_data(as_text=True)
            linked = 'data-term="quokka"' in page and "Wombatday" in page
            # The alias finds the article that names the term only through the synonym.
            found = search_total(client, "quokkarepeater")
        assert (linked, found > 0) == (drafts, drafts), index


def test_the_preview_shows_each_kind_of_draft_marked(kinds_dir, tmp_path):
    build(kinds_dir, tmp_path / "preview", drafts=True)
    badge = '<span class="preview-draft-badge" lang="en" dir="ltr">Draft</span>'
    with serving(kinds_dir, tmp_path / "preview", tmp_path) as client:
        faq = client.get("/faq").get_data(as_text=True)
        assert f"<summary>{DRAFT_FAQ['question']} {badge}" in faq
        assert faq.count(badge) == 1  # the published entries carry none
        glossary = client.get("/glossary").get_data(as_text=True)
        assert f'<dt id="quokka">Quokka {badge}' in glossary and glossary.count(badge) == 1
        trees = client.get("/troubleshoot").get_data(as_text=True)
        assert f">Set up your Quokka</a> {badge}" in trees and trees.count(badge) == 1
        walk = client.get(f"/troubleshoot/{DRAFT_TREE_ID}").get_data(as_text=True)
        assert f"<h1>Set up your Quokka {badge}</h1>" in walk
        assert badge in client.get(f"/troubleshoot/{DRAFT_TREE_ID}/diagram").get_data(as_text=True)
        home = client.get("/").get_data(as_text=True)
        assert f">Set up your Quokka</a></span> {badge}" in home
        assert badge not in client.get("/troubleshoot/hub-light").get_data(as_text=True)
        # Each draft is searchable: the tree by its description, the term by its
        # definition, the FAQ entry and the tree by a word in both.
        assert [search_total(client, q) for q in ("bilbysteps", "wombatday", "numbatpair")] == [1, 1, 2]


def test_a_draft_tree_page_carries_the_draft_notice_in_the_preview(kinds_dir, tmp_path):
    with running_preview(kinds_dir, tmp_path) as preview:
        client = preview.app.test_client()
        notice = "Customers will not see this troubleshooter until you remove draft: true from the top of its file."
        assert notice in client.get(f"/troubleshoot/{DRAFT_TREE_ID}").get_data(as_text=True)
        assert notice in client.get(f"/troubleshoot/{DRAFT_TREE_ID}/diagram").get_data(as_text=True)
        assert 'class="preview-draft"' not in client.get("/troubleshoot/hub-light").get_data(as_text=True)


def test_published_content_pointing_at_a_draft_term_fails_the_check(kinds_dir, write):
    glossary = [{**GLOSSARY[0], "see_also": ["ONT", "Quokka"]}, *GLOSSARY[1:], DRAFT_TERM]
    write(kinds_dir, "glossary.yaml", yaml.safe_dump(glossary, sort_keys=False))
    tree = json.loads(json.dumps(TREE))
    tree["nodes"]["colour"]["options"][1]["glossary"] = ["Quokkarepeater"]
    write(kinds_dir, "troubleshooting_trees/hub-light.yaml", yaml.safe_dump(tree, sort_keys=False))
    report = check(kinds_dir)[1]
    hint = "publish it first (remove 'draft: true') or remove the reference"
    see_also = line_of(kinds_dir, "glossary.yaml", "see_also:")
    option = line_of(kinds_dir, "troubleshooting_trees/hub-light.yaml", "- id: red")
    assert [m for m in messages(report) if "draft" in m] == [
        f"glossary.yaml:{see_also}: see_also 'Quokka' is a draft term; {hint}",
        f"troubleshooting_trees/hub-light.yaml:{option}: glossary term 'Quokkarepeater' is a draft; {hint}",
    ]
    assert report.failed


def test_published_faq_entries_and_trees_may_not_point_at_draft_articles_but_drafts_may(kinds_dir, write):
    # The draft FAQ entry, term and tree already name the draft article and term.
    assert not check(kinds_dir)[1].problems
    published = {k: v for k, v in DRAFT_FAQ.items() if k != "draft"}
    write(kinds_dir, "faq.yaml", yaml.safe_dump([*FAQ, published], sort_keys=False))
    write(kinds_dir, DRAFT_TREE_FILE, yaml.safe_dump({**DRAFT_TREE, "draft": False}, sort_keys=False))
    hint = "publish it first (remove 'draft: true') or remove the reference"
    article_line = line_of(kinds_dir, "faq.yaml", f"article: {SLUG}")
    option = line_of(kinds_dir, DRAFT_TREE_FILE, "- id: blue")
    node = line_of(kinds_dir, DRAFT_TREE_FILE, "pair:")
    assert sorted(m for m in messages(check(kinds_dir)[1]) if "draft" in m) == sorted(
        [
            f"faq.yaml:{article_line}: article '{SLUG}' is a draft; {hint}",
            f"{DRAFT_TREE_FILE}:{node}: article '{SLUG}' is a draft; {hint}",
            f"{DRAFT_TREE_FILE}:{option}: glossary term 'Quokka' is a draft; {hint}",
        ]
    )


def test_a_broken_draft_tree_still_fails_the_check(kinds_dir, write):
    broken = json.loads(json.dumps(DRAFT_TREE))
    broken["nodes"]["light"]["options"][1]["next"] = "nowhere"
    write(kinds_dir, DRAFT_TREE_FILE, yaml.safe_dump(broken, sort_keys=False))
    line = line_of(kinds_dir, DRAFT_TREE_FILE, "- id: dark")
    assert f"{DRAFT_TREE_FILE}:{line}: 'light' leads to node 'nowhere', which does not exist" in messages(
        check(kinds_dir)[1]
    )


@pytest.mark.parametrize(
    ("relpath", "text"),
    [
        ("faq.yaml", "- question: Soon?\n  answer: Yes.\n  category: hub\n  draft: soon\n"),
        ("glossary.yaml", "- term: Soon\n  definition: Later.\n  draft: soon\n"),
        (DRAFT_TREE_FILE, yaml.safe_dump({**DRAFT_TREE, "draft": "soon"}, sort_keys=False)),
    ],
)
def test_draft_must_be_true_or_false_everywhere(content_dir, write, relpath, text):
    write(content_dir, relpath, text)
    line = line_of(content_dir, relpath, "draft:")
    assert f"{relpath}:{line}: 'draft' must be true or false, not 'soon'" in messages(check(content_dir)[1])


def test_draft_where_it_cannot_work_is_an_error_not_a_silent_publish(content_dir, write):
    tree = json.loads(json.dumps(TREE))
    tree["nodes"]["restart"]["draft"] = True
    write(content_dir, "troubleshooting_trees/hub-light.yaml", yaml.safe_dump(tree, sort_keys=False))
    line = line_of(content_dir, "troubleshooting_trees/hub-light.yaml", "draft:")
    assert (
        f"troubleshooting_trees/hub-light.yaml:{line}: 'draft' works only for articles, FAQ entries, glossary "
        "terms and whole trees (at the top of the tree file); this solution node 'restart' would be published, "
        "so keep it out of the file until it is ready"
    ) in messages(check(content_dir)[1])


def test_the_content_report_leaves_drafts_of_every_kind_out(kinds_dir, write):
    wallaby = {"term": "Wallaby", "definition": "Named nowhere yet.", "draft": True}
    write(kinds_dir, "glossary.yaml", yaml.safe_dump([*GLOSSARY, DRAFT_TERM, wallaby], sort_keys=False))
    stale = {**DRAFT_FAQ, "id": "wallaby", "article": "restart-your-harbor-hub"}
    write(kinds_dir, "faq.yaml", yaml.safe_dump([*FAQ, DRAFT_FAQ, stale], sort_keys=False))
    site, report = check(kinds_dir)
    assert not report.problems, messages(report)
    findings = content_report(site, dt.date(2030, 1, 1), 30).findings
    # Every published article is stale by then, and published FAQ entries point
    # at them; the drafts (an unused draft term, a draft entry on a stale
    # article, a draft tree) are not reported.
    assert {f.kind for f in findings} >= {"stale", "faq-stale"}
    assert not [f for f in findings if f.subject in ("Wallaby", "wallaby", "quokka-pairing", "Quokka")]
    assert not [f for f in findings if f.path == DRAFT_TREE_FILE]
