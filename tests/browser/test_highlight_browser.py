"""The searched words marked on a Persian or Hebrew article (static/site.js,
``?hl=``) however they were typed: spelt as the search folds them
(portal/search/languages.py), marked as the article spells them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from conftest import article_text, write_file, write_site

from .conftest import built_site, serving_site

ARABIC_YEH, PERSIAN_YEH, ZWNJ = "\u064a", "\u06cc", "\u200c"

# Persian as a Persian keyboard writes it: Persian yeh and kaf, a ZWNJ inside
# "می‌توانید", Persian digits, and a kasra on "مودِم".
PERSIAN = (
    {
        "title": "تنظیمات Harbor Hub",
        "category": "hub",
        "summary": "نام شبکه و رمز Hub را در بخش تنظیمات عوض کنید.",
        "updated": "2026-09-01",
        "lang": "fa",
    },
    """\
    در بخش تنظیمات می‌توانید نام شبکه و رمز Hub را عوض کنید.

    پس از ذخیره، ۳۰ ثانیه صبر کنید تا مودِم دوباره وصل شود.
    """,
)
# Hebrew with points, as in a pointed text, and gershayim.
HEBREW = (
    {
        "title": "החלפת סיסמה ל-Hub",
        "category": "hub",
        "summary": "איך מחליפים את סיסמת הרשת של ה-Hub.",
        "updated": "2026-09-01",
        "lang": "he",
    },
    """\
    בוחרים סִיסְמָה חדשה לרשת ושומרים. שאלות? שלחו דוא״ל לצוות התמיכה.
    """,
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The fixture help centre with the Persian and the Hebrew article above."""
    root = tmp_path_factory.mktemp("browser-highlight-site")
    content = write_site(root / "content")
    write_file(content, "articles/hub/hub-settings.fa.md", article_text(*PERSIAN))
    write_file(content, "articles/hub/hub-password.he.md", article_text(*HEBREW))
    with serving_site(built_site(content, root)) as base:
        yield base


def marked(page, expect) -> list[str]:
    marks = page.locator(".content mark.search-hit")
    expect(marks.first).to_be_visible()
    return marks.all_inner_texts()


def test_a_query_typed_with_arabic_yeh_finds_the_persian_article_and_marks_its_word(page, expect):
    typed = "تنظيمات"  # Arabic yeh, as an Arabic keyboard types it
    assert ARABIC_YEH in typed and PERSIAN_YEH not in typed
    page.goto(f"/fa/search?q={quote(typed)}")
    first = page.locator(".results .result-title").first
    expect(first).to_have_text("تنظیمات Harbor Hub")
    first.click()
    page.wait_for_url(re.compile(r"/fa/articles/[^?]+\?hl="))
    # Marked as the article spells it: the Persian yeh, not the typed one.
    assert marked(page, expect) == ["تنظیمات"]


def test_zwnj_digits_and_diacritics_are_ignored_but_kept_in_the_mark(page, expect):
    page.goto("/fa/search?q=" + quote("تنظیمات"))
    page.locator(".results .result-title").first.click()
    page.wait_for_url(re.compile(r"\?hl="))
    article = page.url.split("?")[0]
    # Without the ZWNJ and with Arabic yeh; ASCII digits for Persian ones; no kasra.
    page.goto(f"{article}?hl={quote('ميتوانيد 30 مودم')}")
    assert sorted(marked(page, expect)) == sorted([f"می{ZWNJ}توانید", "۳۰", "مودِم"])


def test_a_hebrew_query_without_points_marks_the_pointed_word(page, expect):
    page.goto("/he/search?q=" + quote("סיסמה דואל"))
    page.locator(".results .result-title", has_text="החלפת סיסמה").click()
    page.wait_for_url(re.compile(r"\?hl="))
    words = marked(page, expect)
    assert "סִיסְמָה" in words and "דוא״ל" in words
