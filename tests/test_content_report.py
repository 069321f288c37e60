"""The content-health report: each finding on planted content, a clean site
with none, the command's formats and exit codes, and the staff page."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest
from conftest import line_of, set_key
from test_staff import add_staff, signed_in

from portal import content_report as cr
from portal import create_app
from portal.content import checks, load_site
from portal.staff import accounts

TODAY = dt.date(2026, 11, 23)
DAYS = 365
TRANSLATION = "articles/account/reset-your-password.he.md"
RESET = "articles/account/reset-your-password.md"
RESTART = "articles/hub/restart-your-harbor-hub.md"
LIGHTS = "articles/hub/harbor-hub-lights.md"
LIGHTS_UPDATED = 9  # the line of 'updated' in that article of tests/conftest.py


def article(title: str, category: str = "hub", updated: str = "2026-10-01", body: str = "Text.", **more: str) -> str:
    extra = "".join(f"{key}: {value}\n" for key, value in more.items())
    return (
        f"---\ntitle: {title}\ncategory: {category}\nsummary: A summary.\ntags: [x]\nupdated: {updated}\n"
        f"{extra}---\n\n{body}\n"
    )


def report(root: Path, today: dt.date = TODAY, days: int = DAYS) -> cr.ContentReport:
    site, problems = load_site(root)
    return cr.content_report(site, today, days, problems)


def found(result: cr.ContentReport, kind: str | None = None) -> list[str]:
    """``kind path:line: message`` for each finding (of one kind)."""
    return [f"{f.kind} {f.where}: {f.message}" for f in result.findings if kind in (None, f.kind)]


@pytest.fixture
def clean(content_dir: Path) -> Path:
    """The fixture help centre without its one translation: nothing to report."""
    (content_dir / TRANSLATION).unlink()
    return content_dir


@pytest.fixture
def fresh(clean: Path) -> Path:
    """The clean help centre with every article updated yesterday, for the
    command and the staff page, which judge by today's date."""
    for path in clean.glob("articles/**/*.md"):
        set_key(clean, path.relative_to(clean).as_posix(), "updated", old(1))
    return clean


def old(days: int) -> str:
    return (dt.date.today() - dt.timedelta(days=days)).isoformat()


def test_a_clean_site_has_no_findings(clean):
    result = report(clean)
    assert result.findings == ()
    assert result.content_errors == 0
    assert set(result.counts().values()) == {0}
    assert [kind for kind, _, _ in result.sections()] == list(cr.KINDS)


# Orphans ------------------------------------------------------------------------------


def test_an_article_in_no_category_listing_and_linked_from_nowhere_is_an_orphan(clean, write):
    write(clean, "articles/misc/lonely.md", article("A lonely page", category="misc"))
    result = report(clean)
    assert found(result, cr.ORPHAN) == [
        "orphan articles/misc/lonely.md:2: linked from nowhere: no category page, FAQ entry, glossary term, "
        "tree or other article"
    ]
    assert result.content_errors == 1  # the undeclared category, which the check reports


@pytest.mark.parametrize(
    ("relpath", "old", "new"),
    [
        ("faq.yaml", "article: harbor-hub-lights", "article: zz-extra"),
        ("glossary.yaml", "article: restart-your-harbor-hub", "article: zz-extra"),
        ("troubleshooting_trees/hub-light.yaml", "- restart-your-harbor-hub", "- zz-extra"),
        (RESET, "related:\n- restart-your-harbor-hub", "related:\n- zz-extra"),
        (RESET, "](../hub/restart-your-harbor-hub.md)", "](../hub/zz-extra.md)"),
    ],
    ids=["faq", "glossary", "tree", "related", "body-link"],
)
def test_an_article_off_its_category_page_is_an_orphan_until_something_links_to_it(
    clean, write, monkeypatch, relpath, old, new
):
    monkeypatch.setattr(checks, "CATEGORY_PAGE_LIMIT", 2)  # 'hub' lists two articles: zz-extra is third
    write(clean, "articles/hub/zz-extra.md", article("One more Hub page"))
    assert [f.subject for f in report(clean).findings if f.kind == cr.ORPHAN] == ["zz-extra"]
    text = (clean / relpath).read_text(encoding="utf-8")
    assert old in text
    (clean / relpath).write_text(text.replace(old, new, 1), encoding="utf-8")
    assert [f.subject for f in report(clean).findings if f.kind == cr.ORPHAN] == []


def test_a_link_to_itself_or_from_a_draft_does_not_count(clean, write, monkeypatch):
    monkeypatch.setattr(checks, "CATEGORY_PAGE_LIMIT", 2)
    write(clean, "articles/hub/zz-extra.md", article("One more Hub page", body="See [this page](zz-extra.md)."))
    write(
        clean,
        "articles/hub/zz-notes.md",
        article("Draft notes", body="Read [the extra page](zz-extra.md).", draft="true"),
    )
    assert [f.subject for f in report(clean).findings] == ["zz-extra"]


def test_language_versions_link_each_other(content_dir, monkeypatch):
    monkeypatch.setattr(checks, "CATEGORY_PAGE_LIMIT", 0)  # no category page lists anything
    result = report(content_dir)
    orphans = {f.subject for f in result.findings if f.kind == cr.ORPHAN}
    # The password article and its Hebrew translation are linked by the FAQ and
    # by each other; the Hub articles by the tree and by each other.
    assert orphans == set()


# Stale and review dates ----------------------------------------------------------------


def test_an_article_not_updated_within_the_period_is_stale(clean):
    line = set_key(clean, LIGHTS, "updated", "2025-11-22")  # 366 days before TODAY
    assert found(report(clean), cr.STALE) == [
        f"stale {LIGHTS}:{line}: not updated for 366 days (since 2025-11-22; stale after 365)"
    ]
    set_key(clean, LIGHTS, "updated", "2025-11-23")  # exactly 365 days: not yet
    assert found(report(clean), cr.STALE) == []
    assert found(report(clean, days=30), cr.STALE) != []


def test_a_past_review_date_is_reported_at_its_line(clean):
    line = set_key(clean, RESTART, "review_by", "2026-11-22")
    assert found(report(clean), cr.REVIEW_DUE) == [f"review-due {RESTART}:{line}: review was due by 2026-11-22"]
    assert found(report(clean, today=dt.date(2026, 11, 22)), cr.REVIEW_DUE) == []


def test_faq_entries_and_tree_steps_pointing_at_a_stale_article(clean):
    set_key(clean, LIGHTS, "updated", "2024-01-15")
    faq_line = line_of(clean, "faq.yaml", "article: harbor-hub-lights")
    option_line = line_of(clean, "troubleshooting_trees/hub-light.yaml", "- id: red")
    result = report(clean)
    assert found(result, cr.FAQ_STALE) == [
        f"faq-stale faq.yaml:{faq_line}: points at {LIGHTS}, not updated since 2024-01-15"
    ]
    assert found(result, cr.TREE_STALE) == [
        f"tree-stale troubleshooting_trees/hub-light.yaml:{option_line}: step 'colour' points at {LIGHTS}, "
        "not updated since 2024-01-15"
    ]
    faq = next(f for f in result.findings if f.kind == cr.FAQ_STALE)
    assert (faq.subject, faq.title) == ("why-is-the-light-on-my-hub-orange", "Why is the light on my Hub orange?")


def test_a_tree_solution_pointing_at_an_article_past_its_review_date(clean):
    set_key(clean, RESTART, "review_by", "2026-01-01")
    node_line = line_of(clean, "troubleshooting_trees/hub-light.yaml", "restart:")
    assert found(report(clean), cr.TREE_STALE) == [
        f"tree-stale troubleshooting_trees/hub-light.yaml:{node_line}: step 'restart' points at {RESTART}, "
        "review was due by 2026-01-01"
    ]


def test_faq_through_an_old_slug_still_counts(clean):
    """The FAQ names the article by an alias; the stale article is still found."""
    text = (
        (clean / "faq.yaml")
        .read_text(encoding="utf-8")
        .replace("article: reset-your-password", "article: forgot-password")
    )
    (clean / "faq.yaml").write_text(text, encoding="utf-8")
    set_key(clean, RESET, "updated", "2020-01-01")
    assert [f.subject for f in report(clean).findings if f.kind == cr.FAQ_STALE] == ["how-do-i-reset-my-password"]


# Translations ------------------------------------------------------------------------------


def test_missing_translations_into_the_help_centres_languages(content_dir):
    """With a Hebrew article in the help centre, every English original without
    a Hebrew version is listed."""
    assert found(report(content_dir), cr.TRANSLATION_MISSING) == [
        f"translation-missing {LIGHTS}:2: no translation into he",
        f"translation-missing {RESTART}:2: no translation into he",
    ]


def test_a_translation_older_than_its_original(content_dir):
    line = set_key(content_dir, TRANSLATION, "updated", "2026-09-30")
    result = report(content_dir)
    assert found(result, cr.TRANSLATION_OUTDATED) == [
        f"translation-outdated {TRANSLATION}:{line}: updated 2026-09-30, before its original {RESET} (2026-10-02)"
    ]
    outdated = next(f for f in result.findings if f.kind == cr.TRANSLATION_OUTDATED)
    assert (outdated.lang, outdated.title) == ("he", "איפוס הסיסמה")


# Glossary -------------------------------------------------------------------------------------


def add_term(root: Path, term: str, aliases: str = "", lang: str = "") -> int:
    path = root / "glossary.yaml"
    text = path.read_text(encoding="utf-8")
    line = text.count("\n") + 1
    entry = f"- term: {term}\n  definition: Something.\n"
    entry += f"  aliases: [{aliases}]\n" if aliases else ""
    entry += f"  lang: {lang}\n" if lang else ""
    path.write_text(text + entry, encoding="utf-8")
    return line


def test_a_glossary_term_that_appears_in_no_content(clean):
    line = add_term(clean, "Mesh disc")
    assert found(report(clean), cr.UNUSED_TERM) == [
        f"unused-term glossary.yaml:{line}: appears in no article, FAQ entry or tree in 'en'"
    ]


@pytest.mark.parametrize(
    ("term", "aliases", "lang", "used"),
    [
        ("Harbor Hub", "", "", True),  # in the articles
        ("HARBOR hub", "", "", True),  # case does not matter
        ("Mesh disc", "Orange", "", True),  # an alias in a tree option's label counts
        ("Harb", "", "", False),  # only whole words count: "Harbor" is not "Harb"
        ("Reset", "", "he", False),  # the English articles say it, the Hebrew ones do not
        ("סיסמה", "", "he", True),
        ("pinhole", "", "", True),  # in an article body
        ("orange light", "", "", False),  # only in tags, which are not text customers read
    ],
)
def test_which_words_count_as_use(clean, write, term, aliases, lang, used):
    write(clean, TRANSLATION, article("איפוס", category="account", body="הסיסמה. סיסמה חדשה.", lang="he"))
    add_term(clean, term, aliases, lang)
    unused = [f.subject for f in report(clean).findings if f.kind == cr.UNUSED_TERM]
    assert (term not in unused) is used


def test_a_term_a_tree_option_names_is_used(clean):
    """ONT is named by the tree's 'orange' option (and said in an article);
    a term only an option names is still used."""
    text = (clean / LIGHTS).read_text(encoding="utf-8").replace("from the ONT", "from the fibre box")
    (clean / LIGHTS).write_text(text, encoding="utf-8")
    assert found(report(clean), cr.UNUSED_TERM) == []


# Titles ----------------------------------------------------------------------------------------


def test_duplicate_titles_once_normalised(clean, write):
    write(clean, "articles/hub/reset-again.md", article("RESET your   password!"))
    assert found(report(clean), cr.DUPLICATE_TITLE) == [
        f"duplicate-title articles/hub/reset-again.md:2: same title as {RESET}:2"
    ]


def test_near_duplicate_titles(clean, write):
    write(clean, "articles/hub/restart-your-harbour-hub.md", article("Restart your Harbour Hub"))
    write(clean, "articles/hub/restart-phone.md", article("Restart your phone"))
    result = report(clean)
    assert found(result, cr.NEAR_DUPLICATE_TITLE) == [
        "near-duplicate-title articles/hub/restart-your-harbour-hub.md:2: "
        f"title 98% like 'Restart your Harbor Hub' ({RESTART}:2)"
    ]
    assert found(result, cr.DUPLICATE_TITLE) == []


def test_titles_are_compared_within_one_language(content_dir, write):
    write(content_dir, "articles/account/reset-he-2.md", article("Reset your password", category="account", lang="he"))
    assert found(report(content_dir), cr.DUPLICATE_TITLE) == []


def test_title_rule():
    assert cr.normalise_title("  Reset\u00a0YOUR password?! ") == "reset your password"
    assert cr.normalise_title("Ｗｉ-Ｆｉ") == "wi fi"  # full-width letters, NFKC
    assert cr.title_similarity("restart your harbor hub", "how to restart your harbor hub") >= cr.NEAR_DUPLICATE_RATIO
    assert cr.title_similarity("restart your harbor hub", "restart the harbor hub") < cr.NEAR_DUPLICATE_RATIO
    assert cr.title_similarity("restart your harbor hub", "restart your phone") < cr.NEAR_DUPLICATE_RATIO


# Drafts ---------------------------------------------------------------------------------------


def test_drafts_are_not_reported(clean, write):
    write(clean, "articles/misc/plan.md", article("Restart your Harbor Hub", updated="2001-01-01", draft="true"))
    assert report(clean).findings == ()


# Formats -----------------------------------------------------------------------------------------


@pytest.fixture
def planted(content_dir: Path, write) -> cr.ContentReport:
    set_key(content_dir, LIGHTS, "updated", "2024-01-15")
    write(content_dir, "articles/hub/restart-your-harbour-hub.md", article("=Restart your Harbour Hub"))
    return report(content_dir)


def test_text_format_lists_every_section(planted):
    text = cr.format_text(planted)
    assert text.startswith(f"Content health on 2026-11-23 (stale after 365 days): {len(planted.findings)} findings\n")
    for _kind, heading, items in planted.sections():
        assert f"\n{heading}: {len(items) or 'none'}\n" in text
    assert f"  {LIGHTS}:{LIGHTS_UPDATED}: What the lights on your Harbor Hub mean: not updated for 1043 days" in text


def test_csv_format_one_finding_per_row(planted):
    rows = list(csv.reader(io.StringIO(cr.format_csv(planted))))
    assert tuple(rows[0]) == cr.CSV_COLUMNS
    assert len(rows) == len(planted.findings) + 1
    assert rows[1 + [f.kind for f in planted.findings].index("stale")][:5] == [
        "stale",
        LIGHTS,
        str(LIGHTS_UPDATED),
        "en",
        "harbor-hub-lights",
    ]
    # A title that a spreadsheet would run as a formula is quoted.
    assert any(row[5] == "'=Restart your Harbour Hub" for row in rows)


def test_json_format(planted):
    data = json.loads(cr.format_json(planted))
    assert data["today"] == "2026-11-23"
    assert data["stale_after_days"] == 365
    assert data["counts"] == planted.counts()
    stale = next(f for f in data["findings"] if f["section"] == "stale")
    assert stale["path"] == LIGHTS and stale["line"] == LIGHTS_UPDATED
    assert stale["details"] == {"date": "2024-01-15", "days": "1043"}


# The command ---------------------------------------------------------------------------------------


@pytest.fixture
def make_app(tmp_path):
    made = []

    def make(content: Path, **more):
        app = create_app(
            {
                "TESTING": True,
                "CONTENT_DIR": content,
                "INDEX_DIR": tmp_path / "index",
                "INSTANCE_DIR": tmp_path / "instance",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'portal.sqlite3'}",
                "SECRET_KEY": "test",
                **more,
            }
        )
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["portal.published"].close()
        app.extensions["portal.db"].dispose()


def test_command_exits_0_with_findings_unless_asked(fresh, make_app):
    set_key(fresh, LIGHTS, "updated", old(400))
    runner = make_app(fresh).test_cli_runner()
    result = runner.invoke(args=["content-report"])
    assert result.exit_code == 0, result.output
    assert (
        f"{LIGHTS}:{LIGHTS_UPDATED}: What the lights on your Harbor Hub mean: not updated for 400 days" in result.output
    )
    result = runner.invoke(args=["content-report", "--fail-on-findings"])
    assert result.exit_code == 1
    set_key(fresh, LIGHTS, "updated", old(10))
    result = runner.invoke(args=["content-report", "--fail-on-findings"])
    assert result.exit_code == 0
    assert "0 findings" in result.output


def test_command_stale_after_option_and_setting(fresh, make_app):
    set_key(fresh, LIGHTS, "updated", old(40))
    runner = make_app(fresh).test_cli_runner()
    assert json.loads(runner.invoke(args=["content-report", "--format", "json"]).output)["counts"]["stale"] == 0
    data = json.loads(runner.invoke(args=["content-report", "--format", "json", "--stale-after", "30"]).output)
    assert (data["stale_after_days"], data["counts"]["stale"]) == (30, 1)
    runner = make_app(fresh, STALE_AFTER_DAYS=30).test_cli_runner()
    assert json.loads(runner.invoke(args=["content-report", "--format", "json"]).output)["counts"]["stale"] == 1


def test_command_csv(fresh, make_app):
    set_key(fresh, LIGHTS, "updated", old(400))
    result = make_app(fresh).test_cli_runner().invoke(args=["content-report", "--format", "csv"])
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert [(r["section"], r["path"], r["line"]) for r in rows] == [
        ("stale", LIGHTS, str(LIGHTS_UPDATED)),
        ("faq-stale", "faq.yaml", str(line_of(fresh, "faq.yaml", "article: harbor-hub-lights"))),
        (
            "tree-stale",
            "troubleshooting_trees/hub-light.yaml",
            str(line_of(fresh, "troubleshooting_trees/hub-light.yaml", "- id: red")),
        ),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stale-after", "-1"], "Invalid value for '--stale-after'"),
        (["--stale-after", "soon"], "Invalid value for '--stale-after'"),
        (["--format", "xml"], "Invalid value for '--format'"),
    ],
)
def test_command_refuses_bad_arguments(fresh, make_app, args, message):
    result = make_app(fresh).test_cli_runner().invoke(args=["content-report", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_command_without_content(tmp_path, make_app):
    result = make_app(tmp_path / "nowhere").test_cli_runner().invoke(args=["content-report"])
    assert result.exit_code == 2
    assert f"content directory {tmp_path / 'nowhere'} does not exist" in result.output


def test_command_with_broken_content_still_reports(fresh, make_app, write):
    write(fresh, "articles/hub/broken.md", "---\ntitle: [unclosed\n---\n")
    set_key(fresh, LIGHTS, "updated", old(400))
    result = make_app(fresh).test_cli_runner().invoke(args=["content-report"])
    assert result.exit_code == 0
    assert "The content has 1 error: run python build_index.py --check" in result.output
    assert f"{LIGHTS}:{LIGHTS_UPDATED}:" in result.output


# The staff page ------------------------------------------------------------------------------------


@pytest.fixture
def desk(fresh, make_app, monkeypatch):
    monkeypatch.setattr(accounts, "HASH_METHOD", "scrypt:1024:8:1")
    app = make_app(fresh)
    add_staff(app)
    return app


@pytest.mark.parametrize("url", ["/staff/content", "/staff/content.csv", "/staff/content?stale_after=3"])
def test_staff_page_needs_a_signed_in_agent(desk, url):
    response = desk.test_client().get(url)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login?next=")
    assert "finding" not in response.get_data(as_text=True)


def test_staff_page_shows_every_section_and_the_findings(desk, fresh):
    set_key(fresh, LIGHTS, "updated", old(400))
    client = signed_in(desk)
    response = client.get("/staff/content")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    html = response.get_data(as_text=True)
    for heading in (
        "Orphan articles",
        "Articles not updated recently",
        "Articles past their review date",
        "Missing translations",
        "Translations older than their original",
        "Glossary terms used nowhere",
        "FAQ entries pointing at stale articles",
        "Troubleshooting steps pointing at stale articles",
        "Duplicate titles",
        "Near-duplicate titles",
    ):
        assert heading in html
    assert f"{LIGHTS}:{LIGHTS_UPDATED}" in html
    assert f"Last updated {old(400)}, 400 days ago." in html
    assert "3 findings" in html
    assert 'href="/staff/content.csv?stale_after=365"' in html
    assert 'aria-current="page">Content health</a>' in html


def test_staff_page_stale_after_from_the_address(desk, fresh):
    set_key(fresh, LIGHTS, "updated", old(40))
    client = signed_in(desk)
    assert f"{LIGHTS}:{LIGHTS_UPDATED}" not in client.get("/staff/content").get_data(as_text=True)
    assert f"{LIGHTS}:{LIGHTS_UPDATED}" in client.get("/staff/content?stale_after=30").get_data(as_text=True)
    for junk in ("soon", "", "99999999999999", "<script>", "3e2"):
        response = client.get("/staff/content", query_string={"stale_after": junk})
        assert response.status_code == 200
        assert f"{LIGHTS}:{LIGHTS_UPDATED}" not in response.get_data(as_text=True)  # the default, 365 days


def test_staff_page_escapes_content(desk, fresh, write):
    write(fresh, "articles/hub/x.md", article("<script>alert(1)</script>", category="nowhere"))
    client = signed_in(desk)
    html = client.get("/staff/content").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "The content has 1 error" in html


def test_staff_csv_download(desk, fresh):
    set_key(fresh, LIGHTS, "updated", old(400))
    client = signed_in(desk)
    response = client.get("/staff/content.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="content-health-{dt.date.today()}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [r["section"] for r in rows] == ["stale", "faq-stale", "tree-stale"]
    assert rows[0]["path"] == LIGHTS


def test_staff_page_without_content(tmp_path, make_app, monkeypatch):
    monkeypatch.setattr(accounts, "HASH_METHOD", "scrypt:1024:8:1")
    app = make_app(tmp_path / "nowhere")
    add_staff(app)
    client = signed_in(app)
    for url in ("/staff/content", "/staff/content.csv"):
        response = client.get(url)
        assert response.status_code == 503
        assert "The content cannot be read" in response.get_data(as_text=True)
