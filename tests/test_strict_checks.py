"""The whole-site warnings --strict turns into errors: a translation older than
its original, an article no category page lists, a review date that has passed;
and ``review_by`` itself."""

from __future__ import annotations

import datetime as dt
import importlib.util
import inspect
from pathlib import Path

import pytest
from conftest import line_of, set_key

from portal import publish
from portal.build import build
from portal.catalog import Catalog
from portal.content import checks, load_site
from portal.content.articles import ARTICLE_KEYS
from portal.content.problems import WARNING

REPO_ROOT = Path(__file__).resolve().parent.parent
ORIGINAL = "articles/account/reset-your-password.md"
TRANSLATION = "articles/account/reset-your-password.he.md"
LIGHTS = "articles/hub/harbor-hub-lights.md"


def problems(root: Path, today: dt.date | None = None) -> list[str]:
    site, found = load_site(root)
    if today is not None:  # the checks again, as of another day
        found = [p for p in found if "review_by" not in p.message] + checks.check_site(site, today)
        found = sorted(set(found))
    return [str(p) for p in found]


@pytest.fixture
def cli(capsys):
    spec = importlib.util.spec_from_file_location("build_index", REPO_ROOT / "build_index.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    def run(*args: str | Path) -> tuple[int, str, str]:
        code = module.main([str(a) for a in args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


# A translation older than its original ------------------------------------------


def test_translation_older_than_original_is_a_warning_at_its_updated_line(content_dir):
    line = set_key(content_dir, TRANSLATION, "updated", "2026-09-01")
    assert problems(content_dir) == [
        f"{TRANSLATION}:{line}: warning: translation updated 2026-09-01, before its original {ORIGINAL} "
        "(2026-10-02); bring it up to date and change 'updated'"
    ]


def test_translation_as_new_as_its_original_is_fine(content_dir):
    set_key(content_dir, TRANSLATION, "updated", "2026-10-02")
    set_key(content_dir, ORIGINAL, "updated", "2026-10-02")
    assert problems(content_dir) == []
    set_key(content_dir, TRANSLATION, "updated", "2026-11-01")  # newer than the original
    assert problems(content_dir) == []


def test_strict_check_fails_on_an_outdated_translation(content_dir, cli):
    line = set_key(content_dir, TRANSLATION, "updated", "2026-09-01")
    code, out, _err = cli("--check", "--content", content_dir)
    assert code == 0
    assert f"{TRANSLATION}:{line}: warning: translation updated 2026-09-01" in out
    code, _out, err = cli("--check", "--strict", "--content", content_dir)
    assert code == 1
    assert f"{TRANSLATION}:{line}: warning: translation updated 2026-09-01" in err
    assert err.strip().endswith("1 warning in 1 file: check failed")


def test_strict_build_publishes_nothing(content_dir, tmp_path):
    set_key(content_dir, TRANSLATION, "updated", "2026-09-01")
    index = tmp_path / "index"
    report = build(content_dir, index, strict=True)
    assert report.failed
    assert publish.current_build(index) is None
    assert not build(content_dir, index).failed  # without --strict, warnings do not stop it


def test_a_warning_from_another_file_is_not_kept_with_an_unchanged_article(content_dir, tmp_path):
    """The translation is unchanged between the builds (so taken from the
    previous one); its warning depended on the original and must go with it."""
    index = tmp_path / "index"
    line = set_key(content_dir, TRANSLATION, "updated", "2026-09-01")
    first = build(content_dir, index)
    assert [str(p) for p in first.problems] == [
        f"{TRANSLATION}:{line}: warning: translation updated 2026-09-01, before its original {ORIGINAL} "
        "(2026-10-02); bring it up to date and change 'updated'"
    ]
    set_key(content_dir, ORIGINAL, "updated", "2026-08-01")
    second = build(content_dir, index)
    assert second.problems == []
    assert second.rendered == 1  # only the original was parsed and rendered again


# review_by ---------------------------------------------------------------------------


def test_review_by_is_a_known_article_key(content_dir):
    assert "review_by" in ARTICLE_KEYS
    set_key(content_dir, LIGHTS, "review_by", "2099-01-31")
    site, found = load_site(content_dir)
    assert found == []
    assert site.articles_by_slug["harbor-hub-lights"].review_by == dt.date(2099, 1, 31)
    assert site.articles_by_slug["restart-your-harbor-hub"].review_by is None


def test_past_review_by_is_a_warning_at_its_line(content_dir, cli):
    line = set_key(content_dir, LIGHTS, "review_by", "2020-03-01")
    message = (
        f"{LIGHTS}:{line}: warning: review_by 2020-03-01 has passed: check the article, then change 'updated' "
        "and set a new 'review_by'"
    )
    assert problems(content_dir) == [message]
    code, _out, err = cli("--check", "--strict", "--content", content_dir)
    assert code == 1
    assert message in err


def test_review_by_today_is_not_yet_past(content_dir):
    set_key(content_dir, LIGHTS, "review_by", "2026-11-23")
    assert problems(content_dir, today=dt.date(2026, 11, 23)) == []
    assert problems(content_dir, today=dt.date(2026, 11, 24)) == [
        f"{LIGHTS}:{line_of(content_dir, LIGHTS, 'review_by:')}: warning: review_by 2026-11-23 has passed: "
        "check the article, then change 'updated' and set a new 'review_by'"
    ]


@pytest.mark.parametrize(
    ("value", "shown"),
    [("soon", "'soon'"), ("2026-13-01", "'2026-13-01'"), ("[2026-01-01]", "a list"), ("true", "true/false")],
)
def test_review_by_must_be_a_date(content_dir, value, shown):
    line = set_key(content_dir, LIGHTS, "review_by", value)
    assert problems(content_dir) == [f"{LIGHTS}:{line}: 'review_by' must be a date like 2026-01-31, not {shown}"]


def test_an_impossible_date_is_reported_not_raised(content_dir):
    line = set_key(content_dir, LIGHTS, "updated", "2026-02-30")
    # The article cannot be used, so links to it are reported too.
    assert f"{LIGHTS}:{line}: 'updated' must be a date like 2026-01-31, not '2026-02-30'" in problems(content_dir)


# No category page link ---------------------------------------------------------------


def test_category_page_limit_is_the_catalogs(content_dir):
    """The check mirrors what a category page lists; keep them in step."""
    limit = inspect.signature(Catalog.articles_in).parameters["limit"].default
    assert limit == checks.CATEGORY_PAGE_LIMIT


def test_an_article_its_category_page_cannot_show_is_a_warning(content_dir, write, monkeypatch):
    monkeypatch.setattr(checks, "CATEGORY_PAGE_LIMIT", 2)  # 'hub' has two articles already
    write(
        content_dir,
        "articles/hub/zz-mesh-discs.md",
        """\
        ---
        title: Add a Mesh disc
        category: hub
        summary: Pair a new disc.
        tags: [mesh]
        updated: 2026-10-01
        ---

        Press the button on the disc.
        """,
    )
    assert problems(content_dir) == [
        "articles/hub/zz-mesh-discs.md:3: warning: no category page links to this article: category 'hub' "
        "lists its first 2 articles only; move it to another category or split 'hub'"
    ]
    site, found = load_site(content_dir)
    assert all(p.severity == WARNING for p in found)
    assert "zz-mesh-discs" not in checks.listed_on_category_pages(site)
    assert {"restart-your-harbor-hub", "harbor-hub-lights"} <= checks.listed_on_category_pages(site)


def test_a_draft_takes_no_place_on_the_category_page(content_dir, write, monkeypatch):
    monkeypatch.setattr(checks, "CATEGORY_PAGE_LIMIT", 2)
    write(
        content_dir,
        "articles/hub/aa-draft.md",  # sorts first: it would push a published article out
        """\
        ---
        title: Not ready yet
        category: hub
        summary: Soon.
        tags: [mesh]
        updated: 2026-10-01
        draft: true
        ---

        Later.
        """,
    )
    site, found = load_site(content_dir)
    assert not [p for p in found if "category page" in p.message]
    assert checks.listed_on_category_pages(site) >= {"restart-your-harbor-hub", "harbor-hub-lights"}


def test_an_undeclared_category_fails_even_without_strict(content_dir, cli):
    line = set_key(content_dir, LIGHTS, "category", "lighting")
    code, _out, err = cli("--check", "--content", content_dir)
    assert code == 1
    assert f"{LIGHTS}:{line}: unknown category 'lighting'; declare it in categories.yaml" in err
    assert "no category page links" not in err  # the error says it already


def test_sample_content_passes_strict(cli):
    code, out, err = cli("--check", "--strict", "--content", REPO_ROOT)
    assert (code, err) == (0, ""), err
    assert out.startswith("checked ")
