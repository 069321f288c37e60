"""The import command: two real help centres end to end (import, build, search),
and each conversion on tiny hand-written inputs.

The corpora live beside the repository in ``../shared/corpus``. Each is imported
and built once per module: the Hebrew one has 3,008 articles (about 7s to
import and 15s to build on a 2-core machine).
"""

from __future__ import annotations

import datetime as dt
import os
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from flask import Flask

from portal.build import BuildReport, build
from portal.cli import init_app
from portal.content.frontmatter import split_front_matter
from portal.content.problems import errors
from portal.importer import (
    ANCHOR,
    AS_TEXT,
    DATED,
    ESCAPED,
    HTML,
    LANG,
    LINK,
    MANIFEST_FILE,
    RENAMED,
    SKIPPED,
    ImportRefused,
    ImportReport,
    assign_slugs,
    file_slug,
    first_paragraph,
    import_content,
)
from portal.rendering import render_markdown
from portal.search import Filters, WhooshBackend, parse_query
from portal.search.engine import Index

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


# --- Helpers ----------------------------------------------------------------


@dataclass
class Imported:
    """A corpus imported into ``content`` and built; ``index`` is open."""

    report: ImportReport
    build: BuildReport
    content: Path
    index: Index

    def article(self, slug: str) -> tuple[dict, str]:
        """Front matter and body of the imported article ``slug``."""
        (path,) = (self.content / "articles").glob(f"*/{slug}.md")
        return read_article(path)

    def finds(self, title: str, slug: str, lang: str = "") -> bool:
        results = self.index.search(parse_query(title), Filters(lang=lang), 1, 10)
        return slug in [hit.key for hit in results.hits]


def read_article(path: Path) -> tuple[dict, str]:
    split = split_front_matter(path.read_text(encoding="utf-8"))
    return yaml.safe_load(split.meta or ""), split.body


def import_and_build(name: str, tmp: Path) -> Iterator[Imported]:
    src = CORPUS / name
    if not src.is_dir():
        if os.environ.get("CI") == "true":  # a laptop may lack ../shared, CI never
            pytest.fail(f"corpus {src} is missing in CI")
        pytest.skip(f"corpus {src} is not present beside the repository")
    content = tmp / "content"
    report = import_content(src, content)
    built = build(content, tmp / "index")
    assert built.build_dir is not None, [str(p) for p in errors(built.problems)][:20]
    index = WhooshBackend().open(built.build_dir / "search")
    yield Imported(report, built, content, index)
    index.close()


def write_source(root: Path, files: dict[str, str]) -> Path:
    for relpath, text in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def page(title: str, body: str = "Some text.\n", category: str = "Account", **meta: object) -> str:
    front = {"title": title, "category": category, "updated": "2026-01-02", **meta}
    return f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n\n{textwrap.dedent(body)}"


def import_pages(tmp_path: Path, files: dict[str, str]) -> tuple[ImportReport, Path]:
    dest = tmp_path / "content"
    return import_content(write_source(tmp_path / "src", files), dest), dest


def imported_body(dest: Path, slug: str) -> str:
    (path,) = (dest / "articles").glob(f"*/{slug}.md")
    return read_article(path)[1]


# --- Plausible (English, 131 articles) --------------------------------------


@pytest.fixture(scope="module")
def plausible(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    yield from import_and_build("plausible", tmp_path_factory.mktemp("plausible"))


def test_plausible_builds_without_errors(plausible: Imported) -> None:
    assert errors(plausible.build.problems) == []
    assert plausible.report.articles == plausible.build.counts["articles"] == 131
    assert len(plausible.report.categories) == 10
    assert plausible.report.languages == {"en": 131}


def test_plausible_reports_what_it_skipped_and_dropped(plausible: Imported) -> None:
    assert [str(n) for n in plausible.report.of_kind(SKIPPED)] == ["SOURCE.md: no front matter (not an article)"]
    assert plausible.report.dropped_keys == {"source": 131, "source_url": 131}
    manifest = yaml.safe_load((plausible.content / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert {entry["source"] for entry in manifest} >= {"reset-password.md", "proxy/guides/nginx.md"}
    assert all(set(entry["dropped"]) == {"source", "source_url"} for entry in manifest)
    # Every relative link found its target: the build would have failed otherwise.
    assert plausible.report.links_rewritten > 500
    assert plausible.report.of_kind(LINK) == plausible.report.of_kind(ANCHOR) == []


def test_plausible_categories_by_article_count(plausible: Imported) -> None:
    declared = yaml.safe_load((plausible.content / "categories.yaml").read_text(encoding="utf-8"))
    assert declared[0] == {"slug": "get-started", "title": "Get Started"}
    assert {"slug": "apis-data-access", "title": "APIs & Data Access"} in declared
    counts = [n for _, n in plausible.report.categories.values()]
    assert counts == sorted(counts, reverse=True)


def test_plausible_same_file_name_in_three_folders(plausible: Imported) -> None:
    renamed = {n.path: n.message for n in plausible.report.of_kind(RENAMED)}
    assert set(renamed) == {"proxy/introduction.md", "custom-props/introduction.md"}
    for slug in ("introduction", "introduction-proxy", "introduction-custom-props"):
        assert plausible.article(slug)


def test_plausible_links_across_folders_keep_their_anchor(plausible: Imported) -> None:
    _, body = plausible.article("nginx")
    assert "](../website-settings/website-settings.md)" in body
    linking = [p for p in (plausible.content / "articles").rglob("*.md") if "sso.md#" in p.read_text(encoding="utf-8")]
    assert linking, "an anchored link to sso.md should survive the move"


def test_plausible_leaves_what_the_renderer_handles(plausible: Imported) -> None:
    bodies = "\n".join(p.read_text(encoding="utf-8") for p in (plausible.content / "articles").rglob("*.md"))
    for syntax in ("> [!NOTE]", "> [!TIP]", "{#", "<details>", 'title="', "| --- |"):
        assert syntax in bodies


def test_plausible_html_links_point_at_articles(plausible: Imported) -> None:
    _, body = plausible.article("goal-conversions")
    assert '<a href="/articles/pageview-goals">' in body
    assert '<a href="/articles/introduction-custom-props">' in body


def test_plausible_every_title_finds_its_article(plausible: Imported) -> None:
    meta = {p.stem: read_article(p)[0] for p in (plausible.content / "articles").rglob("*.md")}
    missing = [(slug, m["title"]) for slug, m in meta.items() if not plausible.finds(m["title"], slug)]
    assert missing == []


# --- Microsoft 365 insights, Hebrew (3,008 articles) ------------------------


@pytest.fixture(scope="module")
def m365(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Imported]:
    yield from import_and_build("m365-insights-he", tmp_path_factory.mktemp("m365"))


@pytest.mark.slow
def test_m365_builds_without_errors(m365: Imported) -> None:
    assert errors(m365.build.problems) == []
    assert m365.report.articles == m365.build.counts["articles"] == 3008
    assert len(m365.report.categories) == 14
    assert [str(n) for n in m365.report.of_kind(SKIPPED)] == ["SOURCE.md: no front matter (not an article)"]
    dropped = ("source", "source_url", "translation", "original_heading_id")
    assert m365.report.dropped_keys == dict.fromkeys(dropped, 3008)


@pytest.mark.slow
def test_m365_keeps_hebrew_category_titles(m365: Imported) -> None:
    declared = yaml.safe_load((m365.content / "categories.yaml").read_text(encoding="utf-8"))
    first = declared[0]
    assert first["title"] == "דואר אלקטרוני ו-Outlook"
    assert first["slug"] == "דואר-אלקטרוני-ו-outlook"


@pytest.mark.slow
def test_m365_other_languages_kept(m365: Imported) -> None:
    assert m365.report.languages == {"he": 2991, "es": 9, "fr": 6, "pt": 2}
    assert len(m365.report.of_kind(LANG)) == 17
    meta, _ = m365.article("outlook-com-change-password-french")
    assert meta["lang"] == "fr"
    assert m365.finds(meta["title"], "outlook-com-change-password-french", lang="fr")


@pytest.mark.slow
def test_m365_awkward_file_names_become_slugs(m365: Imported) -> None:
    renamed = {n.path for n in m365.report.of_kind(RENAMED)}
    assert "IE-mode-configuration.md" in renamed
    for slug in (
        "ie-mode-configuration",
        "cant-access-user-data-teams",  # a space
        "restore-an-office-365-group-using-eac",  # seven zero-width spaces
        "use-microsoft-edge-filter-format-for-url-list-based-policies",  # an en dash
        "application-protection-policy",  # the same name at the top level...
        "application-protection-policy-commercial-dialogues",  # ...and in a sub-folder
    ):
        assert m365.article(slug)


@pytest.mark.slow
def test_m365_placeholders_and_app_links(m365: Imported) -> None:
    escaped = {n.path for n in m365.report.of_kind(ESCAPED)}
    assert len(escaped) >= 8
    _, body = m365.article("app-not-showing-up-in-app-governance")
    assert "\\<appId\\>" in body
    assert "&lt;appId&gt;" in render_markdown(body).html
    assert m365.report.of_kind(AS_TEXT)
    assert "(`ms-settings:" in m365.article("cant-connect-to-the-internet")[1]


@pytest.mark.slow
def test_m365_cross_category_links_use_article_urls(m365: Imported) -> None:
    # The target sits in a Hebrew category folder: see _article_href for why.
    _, body = m365.article("indicators-dont-work-edge")
    assert "](/articles/issues-with-onboarding-machines)" in body


@pytest.mark.slow
def test_m365_titles_find_their_articles(m365: Imported) -> None:
    """A sample (every 100th article) searched by its title. Titles shared by
    several articles ("Outlook.com") may rank below the first page, so a few
    misses are allowed; they are listed when there are more."""
    paths = sorted((m365.content / "articles").rglob("*.md"))[::100]
    sample = [(p.stem, read_article(p)[0]["title"]) for p in paths]
    missing = [(slug, title) for slug, title in sample if not m365.finds(title, slug)]
    assert len(missing) <= len(sample) // 20, missing


@pytest.mark.slow
def test_m365_near_duplicates_stay_apart(m365: Imported) -> None:
    slugs = [f"canceling-your-office-365-subscription-{n}" for n in range(3)]
    titles = {m365.article(slug)[0]["title"] for slug in slugs}
    assert len(titles) == 1
    results = m365.index.search(parse_query(titles.pop()), Filters(), 1, 10)
    assert set(slugs) <= {hit.key for hit in results.hits}


# --- Slugs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("IE-mode-configuration.md", "ie-mode-configuration"),
        ("cant-access-user data-teams.md", "cant-access-user-data-teams"),
        ("sign-in to-windows .md", "sign-in-to-windows"),
        ("restore-group\u200b\u200b\u200b.md", "restore-group"),
        ("subscription\u2013based-availability.md", "subscription-based-availability"),
        ("Change-your-password-in-Outlook.com.md", "change-your-password-in-outlook-com"),
        ("calendar-icon-isn't-showing.md", "calendar-icon-isn-t-showing"),
        ("repeated-login-to-open-_vti_rpc.md", "repeated-login-to-open-vti-rpc"),
        ("איפוס-סיסמה.md", "איפוס-סיסמה"),
    ],
)
def test_file_slug(name: str, slug: str) -> None:
    assert file_slug(name) == slug


def test_duplicate_names_get_the_folder_then_a_number() -> None:
    slugs = assign_slugs(["proxy/guide.md", "guide.md", "other/proxy/guide.md", "Guide.md"])
    assert slugs == {
        "guide.md": "guide",
        "Guide.md": "guide-2",
        "proxy/guide.md": "guide-proxy",
        "other/proxy/guide.md": "guide-3",
    }


def test_suffixed_slugs_stay_within_the_slug_limit() -> None:
    long = "a-" * 39 + "b.md"  # 80 characters of slug
    slugs = assign_slugs([long, f"folder/{long}"])
    assert len(slugs[f"folder/{long}"]) <= 80
    assert slugs[f"folder/{long}"].endswith("-folder")


# --- Links ---------------------------------------------------------------------


def test_links_rewritten_to_the_new_paths(tmp_path: Path) -> None:
    report, dest = import_pages(tmp_path, {
        "a.md": page("A", "See [B](sub/b.md#step-two) and [C](c.md).\n", category="One"),
        "sub/b.md": page("B", "Back to [A](../a.md).\n\n## Step two\n", category="Two"),
        "c.md": page("C", "Code: `[A](a.md)`\n\n```\n[A](a.md)\n```\n", category="One"),
    })
    assert "[B](../two/b.md#step-two)" in imported_body(dest, "a")
    assert "[C](c.md)" in imported_body(dest, "a")
    assert "[A](../one/a.md)" in imported_body(dest, "b")
    assert imported_body(dest, "c").count("[A](a.md)") == 2  # code is never touched
    assert report.links_rewritten == 3
    assert not errors(build(dest, tmp_path / "index").problems)


def test_links_to_files_not_imported_become_text(tmp_path: Path) -> None:
    report, dest = import_pages(tmp_path, {
        "a.md": page("A", "Read [the notes](notes.md), see [nothing]() or [docs](docs/).\n"),
        "notes.md": "No front matter here.\n",
    })
    assert "Read the notes, see nothing or [docs](docs/)." in imported_body(dest, "a")
    assert [n.message for n in report.of_kind(LINK)] == [
        "link 'notes.md' points at a file that is not imported; kept as text",
        "link 'docs/' points at a file that is not imported; left as is, it will not resolve",
    ]
    assert report.of_kind(AS_TEXT)[0].line == 7  # the body's line in the source file
    assert not errors(build(dest, tmp_path / "index").problems)


def test_anchor_spelt_the_github_way_is_mapped(tmp_path: Path) -> None:
    report, dest = import_pages(tmp_path, {
        "a.md": page("A", "See [B](b.md#whats-new) and [B](b.md#gone).\n"),
        "b.md": page("B", "## What's new\n"),
    })
    assert "[B](b.md#what-s-new)" in imported_body(dest, "a")
    assert [n.message for n in report.of_kind(ANCHOR)] == ["#gone is not a heading in b; kept as is"]


def test_links_without_md_and_in_other_case_are_found(tmp_path: Path) -> None:
    _, dest = import_pages(tmp_path, {
        "a.md": page("A", "[B](b) [C](Sub/C.md) [D](sub/)\n"),
        "b.md": page("B"),
        "sub/c.md": page("C"),
        "sub/index.md": page("D"),
    })
    assert imported_body(dest, "a").strip() == "[B](b.md) [C](c.md) [D](index.md)"


# --- Placeholders and raw HTML -----------------------------------------------------


def test_placeholders_escaped_outside_code_only(tmp_path: Path) -> None:
    body = """\
        Run it for <mailbox> as <user name>, not `Get-Mailbox <mailbox>`.<br>
        Already escaped: \\<CustomDomain\\>, and <b>bold</b>.

            indented <code> with <appId>

        <div>
        In HTML: <tenant>
        </div>
        """
    report, dest = import_pages(tmp_path, {"a.md": page("A", body)})
    out = imported_body(dest, "a")
    assert "for \\<mailbox\\> as \\<user name\\>, not `Get-Mailbox <mailbox>`.<br>" in out
    assert "\\<CustomDomain\\>, and <b>bold</b>" in out
    assert "    indented <code> with <appId>" in out
    assert "In HTML: &lt;tenant&gt;" in out
    assert len(report.of_kind(ESCAPED)) == 3
    html = render_markdown(out).html
    for shown in ("&lt;mailbox&gt;", "&lt;user name&gt;", "&lt;tenant&gt;"):
        assert shown in html


def test_html_the_sanitiser_removes_is_reported(tmp_path: Path) -> None:
    report, _ = import_pages(tmp_path, {"a.md": page("A", "Click <button>Save</button>.\n")})
    assert [n.message for n in report.of_kind(HTML)] == [
        "<button> is not allowed on the portal: the renderer removes it"
    ] * 2


def test_app_links_become_text_with_their_address(tmp_path: Path) -> None:
    _, dest = import_pages(tmp_path, {"a.md": page("A", "Open [Settings](ms-settings:display).\n")})
    assert "Open Settings (`ms-settings:display`)." in imported_body(dest, "a")


# --- Front matter ------------------------------------------------------------------


def test_front_matter_kept_mapped_and_dropped(tmp_path: Path) -> None:
    report, dest = import_pages(tmp_path, {
        "a.md": page("A", category="Billing & payments", summary="Short.", tags=["x", "y"], lang="en",
                     source="docs/a.md", source_url="https://example.com/a"),
    })
    meta, _ = read_article(dest / "articles/billing-payments/a.md")
    assert meta == {"title": "A", "category": "billing-payments", "summary": "Short.", "tags": ["x", "y"],
                    "lang": "en", "updated": dt.date(2026, 1, 2)}
    assert report.dropped_keys == {"source": 1, "source_url": 1}
    manifest = yaml.safe_load((dest / MANIFEST_FILE).read_text(encoding="utf-8"))
    assert manifest == [{"path": "articles/billing-payments/a.md", "source": "a.md",
                         "dropped": {"source": "docs/a.md", "source_url": "https://example.com/a"}}]


def test_missing_updated_comes_from_the_file_date(tmp_path: Path) -> None:
    src = write_source(tmp_path / "src", {"a.md": "---\ntitle: A\ncategory: C\n---\n\nText.\n"})
    stamp = dt.datetime(2025, 3, 4, 12, tzinfo=dt.UTC).timestamp()
    os.utime(src / "a.md", (stamp, stamp))
    report = import_content(src, tmp_path / "content")
    meta, _ = read_article(tmp_path / "content/articles/c/a.md")
    assert meta["updated"] == dt.date(2025, 3, 4)
    assert [n.message for n in report.of_kind(DATED)] == ["no 'updated': using the file's date, 2025-03-04"]


def test_minority_language_kept_and_missing_lang_filled(tmp_path: Path) -> None:
    report, dest = import_pages(tmp_path, {
        "a.md": page("א", lang="he"), "b.md": page("ב", lang="he"), "c.md": page("C", lang="fr"), "d.md": page("ד"),
    })
    assert report.languages == {"he": 3, "fr": 1}
    assert [str(n) for n in report.of_kind(LANG)] == ["c.md: kept in 'fr' (most articles are in 'he')"]
    assert read_article(dest / "articles/account/d.md")[0]["lang"] == "he"


def test_summary_from_the_first_paragraph() -> None:
    body = "# Heading\n\n> [!NOTE]\n> Not this.\n\nUse [the form](x.md) for <mailbox>, **now**.[^1]\n\n[^1]: More.\n"
    assert first_paragraph(body) == "Use the form for <mailbox>, now."
    assert first_paragraph("word " * 60).endswith("…")
    assert len(first_paragraph("word " * 60)) <= 160


def test_files_without_front_matter_or_with_bad_yaml_are_reported(tmp_path: Path) -> None:
    report, _ = import_pages(tmp_path, {
        "README.md": "# Not an article\n", "bad.md": "---\ntitle: [unclosed\n---\n", "ok.md": page("OK"),
        ".git/x.md": page("hidden"),
    })
    assert report.articles == 1
    assert [n.path for n in report.of_kind(SKIPPED)] == ["README.md", "bad.md"]
    assert "invalid YAML" in report.of_kind(SKIPPED)[1].message


# --- Destination -----------------------------------------------------------------


def test_refuses_to_overwrite_unless_told(tmp_path: Path) -> None:
    src = write_source(tmp_path / "src", {"a.md": page("A")})
    dest = tmp_path / "content"
    import_content(src, dest)
    (src / "a.md").rename(src / "b.md")
    with pytest.raises(ImportRefused, match="already exist"):
        import_content(src, dest)
    import_content(src, dest, overwrite=True)
    assert [p.name for p in (dest / "articles").rglob("*.md")] == ["b.md"]  # a.md did not survive


def test_nothing_importable_writes_nothing(tmp_path: Path) -> None:
    report, dest = import_pages(tmp_path, {"README.md": "Just notes.\n"})
    assert report.articles == 0
    assert not dest.exists()


def test_report_format_lists_files_by_kind(tmp_path: Path) -> None:
    report, _ = import_pages(tmp_path, {"A File.md": page("A", "For <mailbox>.\n"), "notes.md": "x\n"})
    text = report.format()
    assert text.startswith("Imported 1 article in 1 category")
    assert "  Files not imported (1):\n    notes.md: no front matter (not an article)" in text
    assert "A File.md: slug 'a-file' (articles/account/a-file.md)" in text
    assert "A File.md:7: <mailbox> escaped" in text


# --- Command line -------------------------------------------------------------------


@pytest.fixture
def cli_app() -> Flask:
    app = Flask(__name__)
    init_app(app)
    return app


def test_cli_imports_and_prints_the_report(cli_app: Flask, tmp_path: Path) -> None:
    src = write_source(tmp_path / "src", {"a.md": page("A"), "notes.md": "x\n"})
    result = cli_app.test_cli_runner().invoke(args=["import-content", str(src), str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "Imported 1 article " in result.output
    assert "notes.md: no front matter" in result.output


def test_cli_fails_only_when_nothing_was_imported(cli_app: Flask, tmp_path: Path) -> None:
    src = write_source(tmp_path / "src", {"notes.md": "x\n"})
    runner = cli_app.test_cli_runner()
    result = runner.invoke(args=["import-content", str(src), str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "nothing was written" in result.output


def test_cli_refuses_to_overwrite(cli_app: Flask, tmp_path: Path) -> None:
    src = write_source(tmp_path / "src", {"a.md": page("A")})
    runner = cli_app.test_cli_runner()
    args = ["import-content", str(src), str(tmp_path / "out")]
    assert runner.invoke(args=args).exit_code == 0
    refused = runner.invoke(args=args)
    assert refused.exit_code == 1
    assert "--overwrite" in refused.output
    assert runner.invoke(args=[*args, "--overwrite"]).exit_code == 0


@pytest.mark.slow
@pytest.mark.parametrize("corpus", ["plausible", "m365"])
def test_every_page_serves_an_imported_corpus(corpus: str, request: pytest.FixtureRequest, tmp_path: Path) -> None:
    from portal import create_app

    imported: Imported = request.getfixturevalue(corpus)
    index_root = imported.build.build_dir.parent.parent
    app = create_app({"TESTING": True, "CONTENT_DIR": imported.content, "INDEX_DIR": index_root,
                      "INSTANCE_DIR": tmp_path, "SECRET_KEY": "test"})
    client = app.test_client()
    try:
        categories = yaml.safe_load((imported.content / "categories.yaml").read_text(encoding="utf-8"))
        articles = sorted((imported.content / "articles").glob("*/*.md"))[::97]  # a spread of articles
        urls = ["/", "/faq", "/glossary", "/troubleshoot", "/sitemap.xml", "/api/search?q=password"]
        urls += [f"/categories/{c['slug']}" for c in categories]
        urls += [f"/articles/{path.stem}" for path in articles]
        urls += [f"/search?q={read_article(path)[0]['title']}" for path in articles[:5]]
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            response.close()
    finally:
        app.extensions["portal.published"].close()
